/* iscsi_pdu.c - what a received Basic Header Segment may be, decided from
 * its 48 bytes alone before anything else is read: which opcodes exist,
 * what is allowed during login, and how long data and AHS may be.  Pure
 * functions, unit-tested against malformed headers. */
#include "targets/iscsi/iscsi_pdu.h"

bool iscsi_known_initiator_opcode(uint8_t op)
{
	switch (op) {
	case ISCSI_OP_NOP_OUT: case ISCSI_OP_SCSI_CMD: case ISCSI_OP_TMF_REQ:
	case ISCSI_OP_LOGIN_REQ: case ISCSI_OP_TEXT_REQ: case ISCSI_OP_DATA_OUT:
	case ISCSI_OP_LOGOUT_REQ: case ISCSI_OP_SNACK:
		return true;
	default:
		return false;
	}
}

enum iscsi_hdr_verdict iscsi_check_header(const uint8_t *bhs, bool login_phase,
					  uint32_t max_dlen)
{
	uint8_t op = iscsi_bhs_opcode(bhs);

	if (login_phase) {
		/* Before login completes nothing but Login Requests makes sense,
		 * and a garbage header must not make us wait for its "data". */
		if (op != ISCSI_OP_LOGIN_REQ || iscsi_bhs_ahs_len(bhs) || iscsi_bhs_data_len(bhs) > max_dlen)
			return ISCSI_HDR_CLOSE;
		return ISCSI_HDR_OK;
	}
	if (iscsi_bhs_data_len(bhs) > max_dlen)
		return ISCSI_HDR_REJECT_AND_CLOSE;
	/* Only a SCSI Command may carry AHS (extended CDB, bidi length). */
	if (iscsi_bhs_ahs_len(bhs) && op != ISCSI_OP_SCSI_CMD)
		return ISCSI_HDR_REJECT_AND_CLOSE;
	return ISCSI_HDR_OK;
}

uint32_t iscsi_data_in_segment(uint32_t left, uint32_t max_xmit_dsl, uint32_t burst_left)
{
	uint32_t seg = left;

	if (seg > max_xmit_dsl)
		seg = max_xmit_dsl;
	if (seg > burst_left)
		seg = burst_left;
	return seg;
}
