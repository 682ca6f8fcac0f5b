/* iscsi_params.h - login/text key=value data: parsing of the initiator's
 * text (hostile input), building of our answers, and the RFC 7143
 * negotiation of the operational keys. */
#ifndef SCSTD_ISCSI_PARAMS_H
#define SCSTD_ISCSI_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_KEY_MAX   63
#define ISCSI_VALUE_MAX 8192
#define ISCSI_TEXT_MAX_PAIRS 128
/* MaxConnections the driver agrees to (SCST's default). */
#define ISCSI_MAX_CONNECTIONS 8

struct iscsi_kv {
	char *key;
	char *value;
};

/* Parsed key=value pairs; the strings point into one owned copy. */
struct iscsi_text {
	char *copy;
	struct iscsi_kv pairs[ISCSI_TEXT_MAX_PAIRS];
	size_t n;
};

/* Answer text under construction. */
struct iscsi_text_out {
	char *buf;
	size_t len, cap;
};

/* Session-wide and connection-wide operational parameters. */
struct iscsi_params {
	uint32_t max_recv_dsl;          /* what we accept (declared by us) */
	uint32_t max_xmit_dsl;          /* what we may send (initiator's MRDSL) */
	uint32_t max_burst;
	uint32_t first_burst;
	uint32_t max_outstanding_r2t;
	uint32_t time2wait, time2retain;
	uint32_t max_connections;
	bool initial_r2t, immediate_data;
	bool data_pdu_inorder, data_seq_inorder;
	bool header_digest, data_digest;
};

#define ISCSI_DIGEST_ALLOW_NONE   1u
#define ISCSI_DIGEST_ALLOW_CRC32C 2u

/* What a target allows (its configurable attributes). */
struct iscsi_limits {
	uint32_t max_recv_dsl, max_xmit_dsl, max_burst, first_burst, max_outstanding_r2t;
	bool initial_r2t, immediate_data;
	unsigned queued_cmds;
	/* HeaderDigest / DataDigest attributes: ISCSI_DIGEST_ALLOW_* bits. */
	uint8_t header_digests, data_digests;
	uint32_t nop_in_interval;        /* s of silence before a NOP-In; 0: never */
	uint32_t nop_in_timeout;         /* s to wait for an answer before closing */
	uint32_t max_sessions;           /* sessions of the target at once; 0: no limit */
	uint32_t rsp_timeout;            /* s a command may wait on the initiator */
};

/* 0, or -1 with a reason in err (missing NUL, no '=', bad key, too long,
 * duplicate key, too many pairs). */
int iscsi_text_parse(const uint8_t *data, size_t len, struct iscsi_text *t, char *err,
		     size_t errlen);
void iscsi_text_free(struct iscsi_text *t);
const char *iscsi_text_get(const struct iscsi_text *t, const char *key);

int iscsi_text_add(struct iscsi_text_out *o, const char *key, const char *value);
int iscsi_text_addu(struct iscsi_text_out *o, const char *key, uint32_t value);
void iscsi_text_out_free(struct iscsi_text_out *o);

/* RFC 7143 defaults, before any negotiation. */
void iscsi_params_defaults(struct iscsi_params *p);
void iscsi_limits_defaults(struct iscsi_limits *l);

/* "None", "CRC32C" or a comma list of both into ISCSI_DIGEST_ALLOW_* bits;
 * -1 for anything else. */
int iscsi_digest_list_parse(const char *v, uint8_t *mask);
/* A login may not end with a digest off that the target requires. */
bool iscsi_digests_acceptable(const struct iscsi_params *p, const struct iscsi_limits *lim);

enum iscsi_neg_result {
	ISCSI_NEG_ANSWERED = 0,        /* an answer was appended */
	ISCSI_NEG_NOT_OPERATIONAL,     /* not a negotiation key: caller's business */
	ISCSI_NEG_FAILED,              /* out of memory */
};

/* Negotiates one operational key offered by the initiator, appending our
 * answer (value, Reject, Irrelevant or NotUnderstood) to out. */
enum iscsi_neg_result iscsi_negotiate_key(const char *key, const char *value,
					  struct iscsi_params *p, const struct iscsi_limits *lim,
					  bool discovery, struct iscsi_text_out *out);

/* Keys the target declares even when not asked (our MaxRecvDataSegmentLength
 * and the values we need different from the defaults). */
int iscsi_declare_target_keys(struct iscsi_params *p, const struct iscsi_limits *lim,
			      bool discovery, const struct iscsi_text *offered,
			      struct iscsi_text_out *out);

#endif
