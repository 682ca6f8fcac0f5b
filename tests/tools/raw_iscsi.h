/* raw_iscsi.h - the raw iSCSI initiator (RFC 7143) shared by the test
 * tools that must put on the wire what libiscsi never would: TCP
 * connect, PDU send and receive with optional CRC32C digests (and
 * deliberately spoilt ones), login text keys, a minimal AuthMethod=None
 * login, the BHS of SCSI Command, Data-Out, NOP-Out and TMF requests,
 * sequence-number tracking and waiting for the answer to one ITT.  Every
 * wait is bounded by the connection's timeout, so a target that stops
 * answering shows up as a failure, not as a hung test. */
#ifndef RAW_ISCSI_H
#define RAW_ISCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RAW_BHS_LEN 48

enum {
	RAW_OP_NOP_OUT = 0x00, RAW_OP_SCSI_CMD = 0x01, RAW_OP_TMF_REQ = 0x02,
	RAW_OP_LOGIN_REQ = 0x03, RAW_OP_DATA_OUT = 0x05, RAW_OP_LOGOUT_REQ = 0x06,
	RAW_OP_NOP_IN = 0x20, RAW_OP_SCSI_RSP = 0x21, RAW_OP_TMF_RSP = 0x22,
	RAW_OP_LOGIN_RSP = 0x23, RAW_OP_TEXT_RSP = 0x24, RAW_OP_DATA_IN = 0x25, RAW_OP_LOGOUT_RSP = 0x26,
	RAW_OP_R2T = 0x31, RAW_OP_ASYNC = 0x32, RAW_OP_REJECT = 0x3f,
};

/* What a send or receive came to. */
enum {
	RAW_GOT_PDU = 1, RAW_GOT_EOF = 0, RAW_GOT_TIMEOUT = -1, RAW_GOT_ERROR = -2,
	RAW_GOT_BAD_HEADER_DIGEST = -3, RAW_GOT_BAD_DATA_DIGEST = -4,
};

/* A received PDU; data (NUL-terminated, AHS and padding stripped) is NULL
 * when the PDU carried none. */
struct raw_pdu {
	uint8_t bhs[RAW_BHS_LEN];
	uint8_t *data;
	uint32_t dlen;
};

struct raw_conn {
	int fd;
	int timeout_ms;                 /* bound of every send and receive */
	bool digests;                   /* CRC32C header and data digests */
	uint32_t cmdsn, exp_statsn, max_cmdsn, itt;
	uint32_t target_mrdsl;          /* the target's MaxRecvDataSegmentLength */
	uint64_t lun;
	const char *initiator, *target;
	bool immediate_data;            /* what raw_login offers */
	bool split_first_text;          /* raw_login: first text in two PDUs (C bit) */
	uint8_t isid_qualifier;         /* raw_login: tells sessions of one initiator apart */
};

static inline void raw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v;
}

static inline uint16_t raw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void raw_put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v;
}

static inline uint32_t raw_get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline void raw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t raw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Single-level LUN addressing (SAM peripheral device method) below 256,
 * flat space above. */
static inline void raw_put_lun(uint8_t *p, uint64_t lun)
{
	memset(p, 0, 8);
	if (lun < 256) {
		p[1] = (uint8_t)lun;
	} else {
		p[0] = (uint8_t)(0x40 | ((lun >> 8) & 0x3f));
		p[1] = (uint8_t)lun;
	}
}

static inline int raw_opcode(const struct raw_pdu *pdu)
{
	return pdu->bhs[0] & 0x3f;
}

/* One line on stdout, flushed at once: a script reading the tool's output
 * sees it even when the tool then hangs or dies. */
void raw_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t raw_now_ms(void);

/* HOST:PORT ([v6]:PORT too) to a connected TCP socket with TCP_NODELAY;
 * -1 when that fails. */
int raw_tcp_connect(const char *hostport);

/* Sends len bytes as they are (no PDU framing); a RAW_GOT_ code. */
int raw_send_all(struct raw_conn *c, const void *buf, size_t len);

/* What raw_send_pdu_spoilt gets wrong on purpose. */
enum raw_spoil { RAW_SPOIL_NONE, RAW_SPOIL_HEADER_DIGEST, RAW_SPOIL_DATA_DIGEST };

/* Sends one PDU: bhs (its DataSegmentLength set to dlen here), the data
 * and its padding, with digests when c->digests; a RAW_GOT_ code. */
int raw_send_pdu(struct raw_conn *c, uint8_t *bhs, const void *data, uint32_t dlen);
int raw_send_pdu_spoilt(struct raw_conn *c, uint8_t *bhs, const void *data, uint32_t dlen,
			enum raw_spoil spoil);

/* Receives one PDU (digests checked when c->digests) until the deadline
 * or within c->timeout_ms; a RAW_GOT_ code.  The caller frees pdu->data
 * (raw_pdu_free) after RAW_GOT_PDU. */
int raw_recv_pdu_until(struct raw_conn *c, struct raw_pdu *pdu, int64_t deadline);
int raw_recv_pdu(struct raw_conn *c, struct raw_pdu *pdu);
void raw_pdu_free(struct raw_pdu *pdu);

/* Keeps the sequence numbers a response carries (StatSN, MaxCmdSN). */
void raw_track_sn(struct raw_conn *c, const struct raw_pdu *pdu);

/* Appends "key=value\0" to a text buffer of cap bytes (nothing when it
 * does not fit); the new length. */
uint32_t raw_add_key(char *buf, uint32_t len, uint32_t cap, const char *kv);
/* InitiatorName, SessionType=Normal, TargetName: how a normal session's
 * first login PDU starts. */
uint32_t raw_add_session_keys(char *buf, uint32_t len, uint32_t cap, const char *initiator,
			      const char *target);
/* The value of key in a text PDU's data, or NULL. */
const char *raw_find_key(const struct raw_pdu *pdu, const char *key);

/* Result of a login exchange as the tests see it. */
enum raw_login_result {
	RAW_LOGIN_OK, RAW_LOGIN_REJECTED, RAW_LOGIN_CLOSED, RAW_LOGIN_HUNG, RAW_LOGIN_BROKEN
};
const char *raw_login_result_name(enum raw_login_result r);

/* Security phase with AuthMethod=None as c->initiator to c->target, then
 * the operational keys (no digests, ErrorRecoveryLevel=0, ImmediateData
 * as c->immediate_data), then full feature phase.  first_text, when not
 * NULL, replaces the keys of the first PDU (to send malformed text); with
 * c->split_first_text they go in a Continue PDU and a final one. */
enum raw_login_result raw_login(struct raw_conn *c, const char *first_text, uint32_t first_len);

/* BHS builders: each takes the next ITT (and CmdSN where the PDU is not
 * immediate) from c.  attr-less SCSI Commands are SIMPLE. */
void raw_scsi_cmd_bhs(struct raw_conn *c, uint8_t *bhs, bool read, bool write, uint32_t edtl,
		      const uint8_t *cdb, size_t cdblen);
void raw_nop_out_bhs(struct raw_conn *c, uint8_t *bhs, uint32_t dlen);
/* An immediate TMF request for function fn on c->lun; ref_itt and
 * ref_cmdsn name the task for ABORT TASK.  Returns its ITT. */
uint32_t raw_tmf_bhs(struct raw_conn *c, uint8_t *bhs, unsigned fn, uint32_t ref_itt,
		     uint32_t ref_cmdsn);
/* The final Data-Out of task itt answering an R2T's ttt at offset. */
void raw_data_out_bhs(struct raw_conn *c, uint8_t *bhs, uint32_t itt, uint32_t ttt,
		      uint32_t offset);

/* What a command or TMF ended with: its status (a TMF's response code),
 * sense key/ASC/ASCQ, and the first bytes of its Data-In. */
struct raw_answer {
	bool got;
	uint8_t status;
	uint8_t key, asc, ascq;
	uint8_t data[256];
	uint32_t data_len;
};

/* Reads PDUs until the SCSI Response (or TMF Response) for itt arrives,
 * the deadline passes or the connection ends.  The status of `watch`
 * (another task: a SCSI Response, or a final Data-In with its status) is
 * recorded in *watched when watched is given. */
void raw_wait_for(struct raw_conn *c, uint32_t itt, struct raw_answer *a, int64_t deadline,
		  uint32_t watch, struct raw_answer *watched);

#endif
