/* iscsi_chap.h - CHAP authentication (RFC 7143 12.1.3, RFC 1994) for the
 * login security stage: the configured users (IncomingUser, OutgoingUser),
 * the hex/base64 binary values of the CHAP_* keys, the responses (MD5 and
 * the SHA-1, SHA-256, SHA3-256 algorithms of RFC 7143bis/IANA CHAP_A 5..8),
 * and the per-login exchange (challenge, verification, mutual answer). */
#ifndef SCSTD_ISCSI_CHAP_H
#define SCSTD_ISCSI_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "targets/iscsi/iscsi_params.h"

#define ISCSI_CHAP_NAME_MAX 256          /* with NUL */
#define ISCSI_CHAP_SECRET_MAX 256        /* with NUL */
#define ISCSI_CHAP_MAX_USERS 16
#define ISCSI_CHAP_CHALLENGE_LEN 32      /* our challenge, bytes */
#define ISCSI_CHAP_BINARY_MAX 1024       /* longest initiator challenge accepted */
#define ISCSI_CHAP_MD5 5
#define ISCSI_CHAP_SHA1 6                /* IANA iSCSI CHAP_A registry, RFC 7143 13.x */
#define ISCSI_CHAP_SHA256 7
#define ISCSI_CHAP_SHA3_256 8
#define ISCSI_CHAP_MD5_LEN 16
#define ISCSI_CHAP_DIGEST_MAX 32         /* longest response (SHA-256, SHA3-256) */

struct iscsi_chap_user {
	char name[ISCSI_CHAP_NAME_MAX];
	char secret[ISCSI_CHAP_SECRET_MAX];
};

/* Who may log in (incoming) and how the target proves itself (outgoing). */
struct iscsi_auth {
	struct iscsi_chap_user in[ISCSI_CHAP_MAX_USERS];
	unsigned n_in;
	struct iscsi_chap_user out;
	bool has_out;
};

enum iscsi_chap_step {
	ISCSI_CHAP_IDLE = 0,
	ISCSI_CHAP_WAIT_ALG,       /* AuthMethod=CHAP agreed, CHAP_A expected */
	ISCSI_CHAP_WAIT_RESPONSE,  /* challenge sent, CHAP_N/CHAP_R expected */
	ISCSI_CHAP_DONE,
};

/* One login's exchange. */
struct iscsi_chap {
	enum iscsi_chap_step step;
	uint8_t alg;                     /* CHAP_A agreed (5..8) */
	uint8_t id;
	uint8_t challenge[ISCSI_CHAP_CHALLENGE_LEN];
};

/* "name secret" (one space-separated pair) into a user; 0 or -EINVAL with
 * a reason that never quotes the secret. */
int iscsi_chap_user_parse(const char *value, struct iscsi_chap_user *u, char *err, size_t errlen);
/* Adds (or replaces the secret of) an incoming user. */
int iscsi_auth_add_incoming(struct iscsi_auth *a, const char *value, char *err, size_t errlen);
int iscsi_auth_set_outgoing(struct iscsi_auth *a, const char *value, char *err, size_t errlen);
/* del_attribute / del_target_attribute: the user called name; -ENOENT
 * when it is not there. */
int iscsi_auth_del_incoming(struct iscsi_auth *a, const char *name);
int iscsi_auth_del_outgoing(struct iscsi_auth *a, const char *name);
static inline bool iscsi_auth_required(const struct iscsi_auth *a) { return a && a->n_in > 0; }

/* RFC 7143 binary value: 0x/0X hex (an odd digit count means a leading
 * zero nibble) or 0b/0B base64.  Returns the byte count, or -1 for a
 * malformed value or one longer than cap. */
int iscsi_chap_decode(const char *s, uint8_t *out, size_t cap);
/* CHAP_I: decimal or 0x hex in 0..255; -1 otherwise. */
int iscsi_chap_parse_id(const char *s);
/* MD5(id || secret || challenge) into out[16]; 0 or -1. */
int iscsi_chap_md5(uint8_t id, const char *secret, const uint8_t *chal, size_t chal_len,
		   uint8_t out[ISCSI_CHAP_MD5_LEN]);

/* Response length of a CHAP_A algorithm; 0 for one not supported. */
unsigned iscsi_chap_digest_len(unsigned alg);
/* H(id || secret || challenge) of algorithm alg into out (of
 * iscsi_chap_digest_len(alg) bytes); 0 or -1. */
int iscsi_chap_hash(unsigned alg, uint8_t id, const char *secret, const uint8_t *chal,
		    size_t chal_len, uint8_t *out);

/* CHAP_A list from the initiator: picks the first algorithm of the list
 * that is supported (the initiator lists by preference), makes a fresh
 * identifier and challenge and appends CHAP_A, CHAP_I and CHAP_C.  -1 when
 * none is (CHAP_A=Reject appended) or on allocation failure. */
int iscsi_chap_challenge(struct iscsi_chap *c, const char *algs, struct iscsi_text_out *out);
/* Checks CHAP_N/CHAP_R against the incoming users.  0 or -1 with a reason
 * that names neither secret nor response. */
int iscsi_chap_verify(const struct iscsi_chap *c, const struct iscsi_auth *a, const char *name,
		      const char *response, char *err, size_t errlen);
/* Mutual CHAP: answers the initiator's CHAP_I/CHAP_C with CHAP_N/CHAP_R of
 * the outgoing user, with the algorithm agreed.  Refuses a reflected
 * challenge (our own sent back). */
int iscsi_chap_answer(const struct iscsi_chap *c, const struct iscsi_auth *a, const char *id,
		      const char *challenge, struct iscsi_text_out *out, char *err, size_t errlen);

#endif
