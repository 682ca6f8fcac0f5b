/* scst_user_wire.h - the wire format between scstd and out-of-process
 * device handlers (scstd's scst_user), shared by the daemon
 * (handlers/user_conn.c) and libscst_user.  Pure encoding and decoding, no
 * I/O, so it can be tested on hostile bytes alone.
 *
 * Transport: a SOCK_SEQPACKET UNIX socket, so every message is one packet
 * and framing cannot be lied about.  Payload bytes never cross it: the
 * handler gives scstd a sealed memfd (the data area) with ATTACH, and each
 * I/O names a range of that area chosen by scstd.
 *
 * Every message (little endian): u32 magic "SCU1" | u16 op | u16 0 | then
 * the op's fixed body; a packet of any other length is a protocol error.
 *   ATTACH      handler -> scstd, with the memfd as SCM_RIGHTS:
 *               u32 version | u32 0 | u64 area bytes | char name[256] (NUL-padded)
 *   ATTACH_RSP  scstd -> handler: i32 rc | u32 block size | u64 device bytes
 *               | u32 flags (SCU_F_*) | u32 largest I/O | char msg[256]
 *   IO          scstd -> handler: u64 tag | u16 kind | u16 0 | u32 length
 *               | u64 device byte offset | u64 area offset
 *   DONE        handler -> scstd: u64 tag | i32 result (0 or -errno) | u32 0 */
#ifndef SCST_USER_WIRE_H
#define SCST_USER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define SCU_MAGIC 0x31554353u            /* "SCU1" */
#define SCU_VERSION 1
#define SCU_OP_ATTACH 1
#define SCU_OP_ATTACH_RSP 2
#define SCU_OP_IO 3
#define SCU_OP_DONE 4
#define SCU_NAME_LEN 256                 /* with the NUL */
#define SCU_MSG_LEN 256

#define SCU_HDR_LEN 8
#define SCU_ATTACH_LEN (SCU_HDR_LEN + 16 + SCU_NAME_LEN)
#define SCU_ATTACH_RSP_LEN (SCU_HDR_LEN + 24 + SCU_MSG_LEN)
#define SCU_IO_LEN (SCU_HDR_LEN + 32)
#define SCU_DONE_LEN (SCU_HDR_LEN + 16)
#define SCU_MAX_LEN SCU_ATTACH_RSP_LEN

/* The data area: whole pages, between 1 MiB and 1 GiB. */
#define SCU_AREA_MIN (1u << 20)
#define SCU_AREA_MAX (1ull << 30)

enum scu_io_kind {
	SCU_IO_READ = 1,                 /* medium -> area */
	SCU_IO_WRITE = 2,                /* area -> medium */
	SCU_IO_FLUSH = 3,                /* make completed writes durable */
};

enum {
	SCU_F_READ_ONLY = 1u << 0,
};

struct scu_attach {
	uint32_t version;
	uint64_t area_bytes;
	char name[SCU_NAME_LEN];
};

struct scu_attach_rsp {
	int32_t rc;
	uint32_t block_size;
	uint64_t size;
	uint32_t flags;
	uint32_t max_io;
	char msg[SCU_MSG_LEN];
};

struct scu_io {
	uint64_t tag;
	uint16_t kind;
	uint32_t len;
	uint64_t offset;
	uint64_t area_off;
};

struct scu_done {
	uint64_t tag;
	int32_t result;
};

/* The op of a packet of len bytes, or -EPROTO (bad magic, reserved bits,
 * a length that is not the op's). */
int scu_packet_op(const uint8_t *b, size_t len);

/* Each decode checks the op and every field's form (not its meaning for
 * a device): 0, or -EPROTO with a reason in err. */
int scu_attach_decode(const uint8_t *b, size_t len, struct scu_attach *a, char *err, size_t errlen);
int scu_attach_rsp_decode(const uint8_t *b, size_t len, struct scu_attach_rsp *r, char *err,
			  size_t errlen);
int scu_io_decode(const uint8_t *b, size_t len, struct scu_io *io, char *err, size_t errlen);
int scu_done_decode(const uint8_t *b, size_t len, struct scu_done *d, char *err, size_t errlen);

/* Encoders write exactly the op's length into b (SCU_MAX_LEN is enough for
 * any) and return it; a name or message too long is cut (message) or
 * refused with 0 (name). */
size_t scu_attach_encode(uint8_t *b, const struct scu_attach *a);
size_t scu_attach_rsp_encode(uint8_t *b, const struct scu_attach_rsp *r);
size_t scu_io_encode(uint8_t *b, const struct scu_io *io);
size_t scu_done_encode(uint8_t *b, const struct scu_done *d);

#endif
