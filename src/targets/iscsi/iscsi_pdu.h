/* iscsi_pdu.h - header-level validation of received PDUs and the Data-In
 * segmentation rule (see iscsi_pdu.c). */
#ifndef SCSTD_ISCSI_PDU_H
#define SCSTD_ISCSI_PDU_H

#include <stdbool.h>
#include <stdint.h>

#include "targets/iscsi/iscsi_bhs.h"

enum iscsi_hdr_verdict {
	ISCSI_HDR_OK = 0,
	ISCSI_HDR_REJECT_AND_CLOSE,     /* answer Reject, then drop the connection */
	ISCSI_HDR_CLOSE,                /* drop the connection without an answer */
};

bool iscsi_known_initiator_opcode(uint8_t op);
/* login_phase: no full feature PDU is allowed yet.  max_dlen: the longest
 * data segment we accept (our MaxRecvDataSegmentLength). */
enum iscsi_hdr_verdict iscsi_check_header(const uint8_t *bhs, bool login_phase,
					  uint32_t max_dlen);
/* Bytes in the next Data-In PDU: bounded by what is left, the initiator's
 * MaxRecvDataSegmentLength and what is left of the current burst. */
uint32_t iscsi_data_in_segment(uint32_t left, uint32_t max_xmit_dsl, uint32_t burst_left);

#endif
