/* vdisk_log.c - LOG SENSE of a vdisk.  The only log page is the list of
 * log pages (0x00) and its subpage form (0x00/0xFF): a user-space target
 * has no temperature, error counters or self-test results it could
 * report truthfully, and SPC-4 requires only the supported pages page. */
#include <string.h>

#include "handlers/vdisk_priv.h"

#define SUBPAGE_ALL 0xff

void vdisk_log_sense(struct scst_cmd *cmd)
{
	uint8_t page = cmd->cdb[2] & 0x3f, subpage = cmd->cdb[3];
	uint8_t d[8];
	unsigned len;

	if (page != 0x00) {
		scst_set_invalid_field(cmd, true, 2, 5);
		return;
	}
	if (subpage && subpage != SUBPAGE_ALL) {
		scst_set_invalid_field(cmd, true, 3, -1);
		return;
	}
	/* The page has no parameters, so any pointer but 0 is past them. */
	if (cmd->cdb[5] || cmd->cdb[6]) {
		scst_set_invalid_field(cmd, true, 5, -1);
		return;
	}
	memset(d, 0, sizeof(d));
	if (subpage == SUBPAGE_ALL) {
		/* Supported pages and subpages: (0x00,0x00), (0x00,0xFF). */
		d[0] = 0x40;              /* SPF */
		d[1] = SUBPAGE_ALL;
		d[5] = SUBPAGE_ALL;
		len = 8;
	} else {
		d[4] = 0x00;              /* supported log pages: just this one */
		len = 5;
	}
	vdisk_put_be16(&d[2], (uint16_t)(len - 4));
	scst_cmd_set_resp_data(cmd, d, len);
}
