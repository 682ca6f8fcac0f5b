/* iscsi_bhs.h - the Basic Header Segment's fields by their RFC 7143 names
 * (section 11): one accessor per field and PDU kind, so that no PDU handler
 * knows a byte offset.  A field several PDUs share at one offset (ITT, the
 * sequence numbers) has one accessor; where RFC 7143 gives the same bytes
 * different names per PDU (bytes 20-23: ExpectedDataTransferLength, Target
 * Transfer Tag, Referenced Task Tag, CID) each name has its own. */
#ifndef SCSTD_ISCSI_BHS_H
#define SCSTD_ISCSI_BHS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "targets/iscsi/iscsi_proto.h"
#include "util/be.h"

/* ---- bytes 0-7: opcode, flags, opcode-specific, lengths ---- */
static inline uint8_t iscsi_bhs_opcode(const uint8_t *bhs) { return bhs[0] & ISCSI_OPCODE_MASK; }
static inline bool iscsi_bhs_immediate(const uint8_t *bhs) { return bhs[0] & ISCSI_IMMEDIATE; }
static inline void iscsi_bhs_set_opcode(uint8_t *bhs, uint8_t op) { bhs[0] = op; }

static inline uint8_t iscsi_bhs_flags(const uint8_t *bhs) { return bhs[1]; }
static inline void iscsi_bhs_set_flags(uint8_t *bhs, uint8_t flags) { bhs[1] = flags; }
static inline void iscsi_bhs_add_flags(uint8_t *bhs, uint8_t flags) { bhs[1] |= flags; }
/* Task Management Function Request (11.5): the function. */
static inline uint8_t iscsi_bhs_tmf_function(const uint8_t *bhs) { return bhs[1] & 0x7f; }
/* Logout Request (11.14): the reason code. */
static inline uint8_t iscsi_bhs_logout_reason(const uint8_t *bhs) { return bhs[1] & 0x7f; }

/* SCSI, Task Management Function and Logout Response (11.4, 11.6, 11.15). */
static inline void iscsi_bhs_set_response(uint8_t *bhs, uint8_t rsp) { bhs[2] = rsp; }
/* Reject (11.17). */
static inline void iscsi_bhs_set_reject_reason(uint8_t *bhs, uint8_t reason) { bhs[2] = reason; }
/* SCSI Response, SCSI Data-In with the S bit (11.4, 11.7). */
static inline void iscsi_bhs_set_status(uint8_t *bhs, uint8_t status) { bhs[3] = status; }
/* Login Request (11.12): Version-min. */
static inline uint8_t iscsi_bhs_version_min(const uint8_t *bhs) { return bhs[3]; }

static inline uint32_t iscsi_bhs_ahs_len(const uint8_t *bhs) { return (uint32_t)bhs[4] * 4; }
static inline uint32_t iscsi_bhs_data_len(const uint8_t *bhs) { return get_be24(&bhs[5]); }
static inline void iscsi_bhs_set_data_len(uint8_t *bhs, uint32_t len) { put_be24(&bhs[5], len); }

/* ---- bytes 8-15: LUN, or ISID and TSIH in Login ---- */
static inline const uint8_t *iscsi_bhs_lun(const uint8_t *bhs) { return &bhs[8]; }
static inline void iscsi_bhs_set_lun(uint8_t *bhs, const uint8_t lun[8])
{
	memcpy(&bhs[8], lun, 8);
}
static inline const uint8_t *iscsi_bhs_isid(const uint8_t *bhs) { return &bhs[8]; }
static inline void iscsi_bhs_set_isid(uint8_t *bhs, const uint8_t isid[6])
{
	memcpy(&bhs[8], isid, 6);
}
static inline uint16_t iscsi_bhs_tsih(const uint8_t *bhs) { return get_be16(&bhs[14]); }
static inline void iscsi_bhs_set_tsih(uint8_t *bhs, uint16_t tsih) { put_be16(&bhs[14], tsih); }

/* ---- bytes 16-19: Initiator Task Tag ---- */
static inline uint32_t iscsi_bhs_itt(const uint8_t *bhs) { return get_be32(&bhs[16]); }
static inline void iscsi_bhs_set_itt(uint8_t *bhs, uint32_t itt) { put_be32(&bhs[16], itt); }
/* The tag as the initiator's opaque bytes, echoed unchanged in a reply. */
static inline const uint8_t *iscsi_bhs_itt_bytes(const uint8_t *bhs) { return &bhs[16]; }
static inline void iscsi_bhs_set_itt_bytes(uint8_t *bhs, const uint8_t itt[4])
{
	memcpy(&bhs[16], itt, 4);
}

/* ---- bytes 20-23: per PDU ---- */
/* SCSI Command (11.3): ExpectedDataTransferLength. */
static inline uint32_t iscsi_bhs_edtl(const uint8_t *bhs) { return get_be32(&bhs[20]); }
/* SCSI Data-Out/In, R2T, NOP-Out/In, Text: Target Transfer Tag. */
static inline uint32_t iscsi_bhs_ttt(const uint8_t *bhs) { return get_be32(&bhs[20]); }
static inline void iscsi_bhs_set_ttt(uint8_t *bhs, uint32_t ttt) { put_be32(&bhs[20], ttt); }
/* Task Management Function Request (11.5). */
static inline uint32_t iscsi_bhs_ref_task_tag(const uint8_t *bhs) { return get_be32(&bhs[20]); }
/* Login and Logout Request (11.12, 11.14). */
static inline uint16_t iscsi_bhs_cid(const uint8_t *bhs) { return get_be16(&bhs[20]); }

/* ---- bytes 24-35: sequence numbers (requests: CmdSN, ExpStatSN;
 * responses: StatSN, ExpCmdSN, MaxCmdSN) ---- */
static inline uint32_t iscsi_bhs_cmdsn(const uint8_t *bhs) { return get_be32(&bhs[24]); }
static inline void iscsi_bhs_set_statsn(uint8_t *bhs, uint32_t sn) { put_be32(&bhs[24], sn); }
static inline uint32_t iscsi_bhs_exp_statsn(const uint8_t *bhs) { return get_be32(&bhs[28]); }
static inline void iscsi_bhs_set_exp_cmdsn(uint8_t *bhs, uint32_t sn) { put_be32(&bhs[28], sn); }
static inline void iscsi_bhs_set_max_cmdsn(uint8_t *bhs, uint32_t sn) { put_be32(&bhs[32], sn); }

/* ---- bytes 32-47: the CDB of a SCSI Command (11.3) ---- */
static inline const uint8_t *iscsi_bhs_cdb(const uint8_t *bhs) { return &bhs[32]; }

/* ---- bytes 36-47: per PDU ---- */
/* SCSI Data-Out/In (11.7). */
static inline uint32_t iscsi_bhs_datasn(const uint8_t *bhs) { return get_be32(&bhs[36]); }
static inline void iscsi_bhs_set_datasn(uint8_t *bhs, uint32_t sn) { put_be32(&bhs[36], sn); }
/* R2T (11.8). */
static inline void iscsi_bhs_set_r2tsn(uint8_t *bhs, uint32_t sn) { put_be32(&bhs[36], sn); }
/* SCSI Response (11.4). */
static inline void iscsi_bhs_set_exp_datasn(uint8_t *bhs, uint32_t sn) { put_be32(&bhs[36], sn); }
/* Login Response (11.13): Status-Class and Status-Detail. */
static inline void iscsi_bhs_set_login_status(uint8_t *bhs, uint16_t status)
{
	put_be16(&bhs[36], status);
}
/* Asynchronous Message (11.9): AsyncEvent and Parameter3. */
static inline void iscsi_bhs_set_async_event(uint8_t *bhs, uint8_t event) { bhs[36] = event; }
static inline void iscsi_bhs_set_async_param3(uint8_t *bhs, uint16_t v) { put_be16(&bhs[42], v); }

/* SCSI Data-Out/In, R2T: Buffer Offset. */
static inline uint32_t iscsi_bhs_buffer_offset(const uint8_t *bhs) { return get_be32(&bhs[40]); }
static inline void iscsi_bhs_set_buffer_offset(uint8_t *bhs, uint32_t off)
{
	put_be32(&bhs[40], off);
}
/* SCSI Response, SCSI Data-In: Residual Count. */
static inline void iscsi_bhs_set_residual_count(uint8_t *bhs, uint32_t n) { put_be32(&bhs[44], n); }
/* R2T: Desired Data Transfer Length. */
static inline void iscsi_bhs_set_desired_len(uint8_t *bhs, uint32_t len)
{
	put_be32(&bhs[44], len);
}

#endif
