/* scst_local_wire.h - the wire format of scst_local's raw command socket,
 * shared by the daemon (local_sock.c) and libscst_local.  Pure encoding
 * and decoding, no I/O, so it can be tested on hostile bytes alone.
 *
 * Every message: a 16-byte header (little endian)
 *     u32 magic "SCL1" | u16 op | u16 flags (0) | u32 payload length | u32 tag
 * then the payload.  Replies carry op | SCL_OP_REPLY and the request's tag.
 *   ATTACH  payload: target NUL session NUL (target "" = any target)
 *           reply:   i32 rc | message text (at most SCL_MAX_MSG bytes)
 *   CMD     payload: u64 lun | u8 cdb_len | u8 0 | u16 0 | u32 data-in length
 *                    | u32 data-out length | cdb | data out
 *           reply:   i32 rc | u8 status | u8 sense length | u16 0
 *                    | u32 data-in length | sense | data in
 * rc is 0 when the command ran (status and sense are the SCSI result) or
 * a negative errno when it could not be run at all. */
#ifndef SCST_LOCAL_WIRE_H
#define SCST_LOCAL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCL_MAGIC 0x314c4353u           /* "SCL1" */
#define SCL_HDR_LEN 16
#define SCL_OP_ATTACH 1
#define SCL_OP_CMD 2
#define SCL_OP_REPLY 0x8000
#define SCL_MAX_CDB 64
#define SCL_MAX_SENSE 252
#define SCL_MAX_DATA (8u << 20)
#define SCL_MAX_NAME 255
#define SCL_MAX_MSG 256
#define SCL_CMD_FIXED 20
#define SCL_RSP_FIXED 12
#define SCL_MAX_PAYLOAD (SCL_CMD_FIXED + SCL_MAX_CDB + SCL_MAX_DATA)

struct scl_hdr {
	uint16_t op;
	uint32_t len;
	uint32_t tag;
};

struct scl_attach {
	const char *target;             /* point into the payload */
	const char *session;
};

struct scl_cmd {
	uint64_t lun;
	unsigned cdb_len;
	const uint8_t *cdb;
	uint32_t in_len;
	uint32_t out_len;
	const uint8_t *out;
};

struct scl_cmd_rsp {
	int32_t rc;
	uint8_t status;
	uint8_t sense_len;
	const uint8_t *sense;
	uint32_t in_len;
	const uint8_t *data;
};

struct scl_attach_rsp {
	int32_t rc;
	char msg[SCL_MAX_MSG + 1];
};

/* Each decode returns 0, or -EPROTO/-EMSGSIZE with a reason in err; on
 * error nothing in the output may be used. */
int scl_hdr_decode(const uint8_t *b, size_t len, struct scl_hdr *h, char *err, size_t errlen);
void scl_hdr_encode(uint8_t *b, uint16_t op, uint32_t len, uint32_t tag);

int scl_attach_decode(const uint8_t *p, size_t len, struct scl_attach *a, char *err,
		      size_t errlen);
/* Returns the payload length, or 0 when a name is too long or cap short. */
size_t scl_attach_encode(uint8_t *p, size_t cap, const char *target, const char *session);

int scl_cmd_decode(const uint8_t *p, size_t len, struct scl_cmd *c, char *err, size_t errlen);
/* Fixed part and CDB; the caller sends the data-out bytes after it.
 * Returns its length, or 0 when the CDB or a length is out of range. */
size_t scl_cmd_encode_head(uint8_t *p, size_t cap, uint64_t lun, const uint8_t *cdb,
			   unsigned cdb_len, uint32_t in_len, uint32_t out_len);

int scl_attach_rsp_decode(const uint8_t *p, size_t len, struct scl_attach_rsp *r, char *err,
			  size_t errlen);
size_t scl_attach_rsp_encode(uint8_t *p, size_t cap, int32_t rc, const char *msg);

/* max_in: the data-in length the request allowed. */
int scl_cmd_rsp_decode(const uint8_t *p, size_t len, uint32_t max_in, struct scl_cmd_rsp *r,
		       char *err, size_t errlen);
/* Fixed part and sense; data in follows.  Returns its length. */
size_t scl_cmd_rsp_encode_head(uint8_t *p, size_t cap, int32_t rc, uint8_t status,
			       const uint8_t *sense, uint8_t sense_len, uint32_t in_len);

#endif
