/* iscsi_proto.h - RFC 7143 wire format: opcodes, flags, codes and serial
 * number arithmetic.  The Basic Header Segment's fields are reached through
 * iscsi_bhs.h, other big-endian fields through util/be.h.  Nothing here
 * allocates or keeps state. */
#ifndef SCSTD_ISCSI_PROTO_H
#define SCSTD_ISCSI_PROTO_H

#include <stdint.h>
#include <string.h>

#define ISCSI_BHS_LEN 48
#define ISCSI_RESERVED_TAG 0xffffffffu

/* Initiator opcodes. */
enum {
	ISCSI_OP_NOP_OUT = 0x00,
	ISCSI_OP_SCSI_CMD = 0x01,
	ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03,
	ISCSI_OP_TEXT_REQ = 0x04,
	ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06,
	ISCSI_OP_SNACK = 0x10,
};

/* Target opcodes. */
enum {
	ISCSI_OP_NOP_IN = 0x20,
	ISCSI_OP_SCSI_RSP = 0x21,
	ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24,
	ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26,
	ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC_MSG = 0x32,
	ISCSI_OP_REJECT = 0x3f,
};

#define ISCSI_OPCODE_MASK 0x3f
#define ISCSI_IMMEDIATE   0x40
#define ISCSI_FLAG_FINAL  0x80

/* SCSI Command flags (byte 1). */
#define ISCSI_CMD_READ   0x40
#define ISCSI_CMD_WRITE  0x20
#define ISCSI_CMD_ATTR_MASK 0x07

/* Data-In / SCSI Response flags. */
#define ISCSI_DATA_STATUS     0x01
#define ISCSI_RSP_UNDERFLOW   0x02
#define ISCSI_RSP_OVERFLOW    0x04

/* Login flags. */
#define ISCSI_LOGIN_TRANSIT   0x80
#define ISCSI_LOGIN_CONTINUE  0x40
#define ISCSI_LOGIN_CSG(f)    (((f) >> 2) & 3)
#define ISCSI_LOGIN_NSG(f)    ((f) & 3)
enum { ISCSI_STAGE_SECURITY = 0, ISCSI_STAGE_OPERATIONAL = 1, ISCSI_STAGE_FULL = 3 };

/* Login status (class << 8 | detail). */
enum {
	ISCSI_LOGIN_OK = 0x0000,
	ISCSI_LOGIN_INITIATOR_ERROR = 0x0200,
	ISCSI_LOGIN_AUTH_FAILED = 0x0201,
	ISCSI_LOGIN_NOT_FOUND = 0x0203,
	ISCSI_LOGIN_UNSUPPORTED_VERSION = 0x0205,
	ISCSI_LOGIN_TOO_MANY_CONNECTIONS = 0x0206,
	ISCSI_LOGIN_MISSING_PARAM = 0x0207,
	ISCSI_LOGIN_INVALID_REQUEST = 0x020b,
	ISCSI_LOGIN_SESSION_NOT_FOUND = 0x020a,
	ISCSI_LOGIN_TARGET_ERROR = 0x0300,
	ISCSI_LOGIN_OUT_OF_RESOURCES = 0x0302,
};

/* Logout responses (RFC 7143 11.15.1). */
enum {
	ISCSI_LOGOUT_RSP_OK = 0,
	ISCSI_LOGOUT_RSP_CID_NOT_FOUND = 1,
	ISCSI_LOGOUT_RSP_NO_RECOVERY = 2,
};

/* Reject reasons (RFC 7143 11.17.1). */
enum {
	ISCSI_REJECT_DATA_DIGEST = 0x02,
	ISCSI_REJECT_PROTOCOL_ERROR = 0x04,
	ISCSI_REJECT_CMD_NOT_SUPPORTED = 0x05,
	ISCSI_REJECT_IMM_CMD_REJECT = 0x06,
	ISCSI_REJECT_INVALID_PDU_FIELD = 0x09,
	ISCSI_REJECT_OUT_OF_RESOURCES = 0x0a,
};

/* TMF functions and responses. */
enum {
	ISCSI_TMF_ABORT_TASK = 1,
	ISCSI_TMF_ABORT_TASK_SET = 2,
	ISCSI_TMF_CLEAR_ACA = 3,
	ISCSI_TMF_CLEAR_TASK_SET = 4,
	ISCSI_TMF_LUN_RESET = 5,
	ISCSI_TMF_TARGET_WARM_RESET = 6,
	ISCSI_TMF_TARGET_COLD_RESET = 7,
	ISCSI_TMF_TASK_REASSIGN = 8,
};
enum {
	ISCSI_TMF_RSP_COMPLETE = 0,
	ISCSI_TMF_RSP_NO_TASK = 1,
	ISCSI_TMF_RSP_NO_LUN = 2,
	ISCSI_TMF_RSP_NOT_SUPPORTED = 5,
	ISCSI_TMF_RSP_REJECTED = 255,
};

static inline uint32_t iscsi_pad4(uint32_t len) { return (4 - (len & 3)) & 3; }

/* Serial number arithmetic (RFC 1982, 32 bits). */
static inline int iscsi_sn_cmp(uint32_t a, uint32_t b)
{
	return a == b ? 0 : (int32_t)(a - b) < 0 ? -1 : 1;
}

#endif
