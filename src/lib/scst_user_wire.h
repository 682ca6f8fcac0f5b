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
 *               u32 version | u32 mode | u64 area bytes | char name[256] (NUL-padded)
 *               mode: 0 byte ranges; SCU_AM_CDB | type << 8 CDB mode of a
 *               device of that SCSI peripheral type
 *   ATTACH_RSP  scstd -> handler: i32 rc | u32 block size | u64 device bytes
 *               | u32 flags (SCU_F_*) | u32 largest I/O | char msg[256]
 *   IO          scstd -> handler: u64 tag | u16 kind | u16 0 | u32 length
 *               | u64 device byte offset | u64 area offset
 *   DONE        handler -> scstd: u64 tag | i32 result (0 or -errno) | u32 0
 * CDB mode (the handler is the device server, scstd keeps reservations,
 * PR, UAs and task management):
 *   CMD         scstd -> handler: u64 tag | u32 data length | u8 direction
 *               (SCU_DIR_*) | u8 CDB length | u16 0 | u64 area offset
 *               | u64 LUN | u8 cdb[64] (zero past the CDB length)
 *   CMD_DONE    handler -> scstd: u64 tag | u8 status | u8 sense length
 *               | u16 0 | u32 data-in bytes | u8 sense[96] (zero past its length)
 * Task management (CDB mode, to handlers whose ATTACH mode has SCU_AM_TM):
 *   TM          scstd -> handler: u64 id | u8 fn (SCU_TM_*) | u8 0 | u16 0
 *               | u32 0 | u64 tag of the command aborted (0: none, a reset
 *               of the logical unit) | u64 LUN
 *   TM_DONE     handler -> scstd: u64 id | u8 status (SCU_TMS_*) | u8 0
 *               | u16 0 | u32 0
 * Devices a handler creates itself (CDB mode, as SCST's scst_user does):
 *   REGISTER    handler -> scstd, instead of ATTACH, with the memfd:
 *               u32 version | u32 mode (CDB mode required) | u64 area
 *               bytes | u32 block size | u32 cmd_timeout (0: default)
 *               | u32 0 | u32 0 | char name[256]; answered by ATTACH_RSP
 *   UNREGISTER  handler -> scstd: u64 0; answered by ATTACH_RSP (rc), then
 *               scstd closes the connection */
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
#define SCU_OP_CMD 5
#define SCU_OP_CMD_DONE 6
#define SCU_OP_TM 7
#define SCU_OP_TM_DONE 8
#define SCU_OP_REGISTER 9
#define SCU_OP_UNREGISTER 10
#define SCU_NAME_LEN 256                 /* with the NUL */
#define SCU_MSG_LEN 256

#define SCU_HDR_LEN 8
#define SCU_ATTACH_LEN (SCU_HDR_LEN + 16 + SCU_NAME_LEN)
#define SCU_ATTACH_RSP_LEN (SCU_HDR_LEN + 24 + SCU_MSG_LEN)
#define SCU_IO_LEN (SCU_HDR_LEN + 32)
#define SCU_DONE_LEN (SCU_HDR_LEN + 16)
#define SCU_CDB_MAX 64
#define SCU_SENSE_MAX 96
#define SCU_CMD_LEN (SCU_HDR_LEN + 32 + SCU_CDB_MAX)
#define SCU_CMD_DONE_LEN (SCU_HDR_LEN + 16 + SCU_SENSE_MAX)
#define SCU_TM_LEN (SCU_HDR_LEN + 32)
#define SCU_TM_DONE_LEN (SCU_HDR_LEN + 16)
#define SCU_REGISTER_LEN (SCU_HDR_LEN + 32 + SCU_NAME_LEN)
#define SCU_UNREGISTER_LEN (SCU_HDR_LEN + 8)
#define SCU_MAX_LEN SCU_REGISTER_LEN

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

/* ATTACH mode: bit 0 CDB mode, bit 1 the handler takes TM messages (CDB
 * mode only), bits 8-12 the peripheral type (CDB mode). */
#define SCU_AM_CDB 1u
#define SCU_AM_TM 2u
#define SCU_AM_TYPE(m) (((m) >> 8) & 0x1f)

/* A CMD's data direction, as the initiator sees it. */
enum scu_dir {
	SCU_DIR_NONE = 0,
	SCU_DIR_IN = 1,                  /* data to the initiator: the handler fills the area */
	SCU_DIR_OUT = 2,                 /* data from the initiator: in the area */
};

/* What made scstd abort a command (SAM-5 7), or reset the logical unit
 * (tag 0).  SCU_TM_NEXUS_LOSS: no task management function, the
 * command's I_T nexus ended (or another node's PREEMPT AND ABORT). */
enum scu_tm_fn {
	SCU_TM_ABORT_TASK = 1,
	SCU_TM_ABORT_TASK_SET = 2,
	SCU_TM_CLEAR_TASK_SET = 3,
	SCU_TM_LUN_RESET = 4,
	SCU_TM_TARGET_RESET = 5,
	SCU_TM_NEXUS_LOSS = 6,
};

/* TM_DONE's status. */
enum scu_tm_status {
	SCU_TMS_COMPLETE = 0,            /* done; a command it named is given up
					  * unless already answered */
	SCU_TMS_REJECTED = 1,            /* the named command will be answered */
};

struct scu_tm {
	uint64_t id;
	uint8_t fn;
	uint64_t tag;
	uint64_t lun;
};

struct scu_tm_done {
	uint64_t id;
	uint8_t status;
};

struct scu_attach {
	uint32_t version;
	uint32_t mode;
	uint64_t area_bytes;
	char name[SCU_NAME_LEN];
};

struct scu_register {
	uint32_t version;
	uint32_t mode;
	uint64_t area_bytes;
	uint32_t block_size;
	uint32_t cmd_timeout;
	char name[SCU_NAME_LEN];
};

/* A registered device's limits (the decoder's checks). */
#define SCU_TYPE_MAX 0x1e                /* 1fh is "unknown or no device type" */
#define SCU_TAPE_BLOCK_MAX (1u << 24)    /* a tape's block length field */
#define SCU_BLOCK_MIN 512u               /* other types: a power of two in between */
#define SCU_BLOCK_MAX 65536u
#define SCU_TIMEOUT_MAX 3600u

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

struct scu_cmd {
	uint64_t tag;
	uint32_t len;
	uint8_t dir;
	uint8_t cdb_len;
	uint64_t area_off;
	uint64_t lun;
	uint8_t cdb[SCU_CDB_MAX];
};

struct scu_cmd_done {
	uint64_t tag;
	uint8_t status;
	uint8_t sense_len;
	uint32_t resp_len;
	uint8_t sense[SCU_SENSE_MAX];
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
/* CMD_DONE's status must be a SAM-5 status a device server returns; CHECK
 * CONDITION needs fixed or descriptor sense, the others none. */
int scu_cmd_decode(const uint8_t *b, size_t len, struct scu_cmd *c, char *err, size_t errlen);
int scu_cmd_done_decode(const uint8_t *b, size_t len, struct scu_cmd_done *d, char *err,
			size_t errlen);
/* REGISTER: CDB mode, a type of 0..30, a block size the type can have
 * (tape: 0 variable to 16 MiB; others a power of two of 512..65536), a
 * timeout of 0..3600 s, a NUL-terminated name; the name's characters are
 * scstd's to judge. */
int scu_register_decode(const uint8_t *b, size_t len, struct scu_register *r, char *err,
			size_t errlen);
int scu_unregister_decode(const uint8_t *b, size_t len, char *err, size_t errlen);
/* TM: a known fn, id not 0, a tag unless a reset. */
int scu_tm_decode(const uint8_t *b, size_t len, struct scu_tm *t, char *err, size_t errlen);
int scu_tm_done_decode(const uint8_t *b, size_t len, struct scu_tm_done *d, char *err,
		       size_t errlen);

/* Encoders write exactly the op's length into b (SCU_MAX_LEN is enough for
 * any) and return it; a name or message too long is cut (message) or
 * refused with 0 (name). */
size_t scu_attach_encode(uint8_t *b, const struct scu_attach *a);
size_t scu_attach_rsp_encode(uint8_t *b, const struct scu_attach_rsp *r);
size_t scu_io_encode(uint8_t *b, const struct scu_io *io);
size_t scu_done_encode(uint8_t *b, const struct scu_done *d);
/* 0 when the CDB or sense length exceeds the field. */
size_t scu_cmd_encode(uint8_t *b, const struct scu_cmd *c);
size_t scu_cmd_done_encode(uint8_t *b, const struct scu_cmd_done *d);
size_t scu_register_encode(uint8_t *b, const struct scu_register *r);
size_t scu_unregister_encode(uint8_t *b);
size_t scu_tm_encode(uint8_t *b, const struct scu_tm *t);
size_t scu_tm_done_encode(uint8_t *b, const struct scu_tm_done *d);

#endif
