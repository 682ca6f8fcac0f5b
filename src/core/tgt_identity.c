/* tgt_identity.c - what a device handler may learn of the transport
 * behind a target port (INQUIRY's version descriptors, the PROTOCOL
 * IDENTIFIER of VPD 0x83 designators), without seeing the target-driver
 * API (core/scst_tgt.h). */
#include "scst.h"

void scst_tgt_transport_versions(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys)
{
	*scsi = 0;
	*phys = 0;
	if (tgt->tgtt->transport_versions)
		tgt->tgtt->transport_versions(tgt, scsi, phys);
}

bool scst_tgt_protocol_id(const struct scst_tgt *tgt, uint8_t *id)
{
	if (!tgt->tgtt->has_protocol_id)
		return false;
	*id = tgt->tgtt->protocol_id;
	return true;
}
