/* lun.c - SAM LUN encoding: the 8-byte LUN field <-> LUN numbers, for the
 * peripheral and flat addressing methods of the spec's addr_method. */
#include "scst.h"

uint64_t scst_unpack_lun(const uint8_t lun[8])
{
	unsigned method = lun[0] >> 6;

	/* Only the first level is used; deeper levels must be zero. */
	for (int i = 2; i < 8; i++)
		if (lun[i])
			return UINT64_MAX;
	switch (method) {
	case 0: /* peripheral device addressing: bus 0 only */
		if (lun[0] & 0x3f)
			return UINT64_MAX;
		return lun[1];
	case 1: /* flat space addressing */
		return ((uint64_t)(lun[0] & 0x3f) << 8) | lun[1];
	default:
		return UINT64_MAX;
	}
}

void scst_pack_lun(uint64_t lun, enum scst_addr_method method, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = 0;
	if (method == SCST_LUN_ADDR_METHOD_FLAT || lun > 255) {
		out[0] = 0x40 | ((lun >> 8) & 0x3f);
		out[1] = lun & 0xff;
	} else {
		out[1] = lun & 0xff;
	}
}
