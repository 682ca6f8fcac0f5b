/* vdisk_defect.c - READ DEFECT DATA (10) and (12) for every vdisk: a
 * virtual disk has no grown or primary defects, so both lists, when
 * requested, are reported valid and empty in the format asked for (an
 * empty list looks the same in every address format). */
#include <string.h>

#include "core/cdb.h"
#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"

#define PLIST_BIT 0x10
#define GLIST_BIT 0x08
#define FORMAT_MASK 0x07

/* The REQ_PLIST/REQ_GLIST/format byte of the CDB becomes PLISTV/GLISTV
 * and the format of the answer: each requested list exists (empty). */
static uint8_t lists_byte(uint8_t request)
{
	return request & (PLIST_BIT | GLIST_BIT | FORMAT_MASK);
}

void vdisk_read_defect_data(struct scst_cmd *cmd)
{
	uint8_t d[8];

	memset(d, 0, sizeof(d));
	if (cmd->op->id == SCSI_OP_READ_DEFECT_DATA_10) {
		d[1] = lists_byte(cmd->cdb[2]);
		scst_cmd_set_resp_data(cmd, d, 4);      /* DEFECT LIST LENGTH 0 */
		return;
	}
	d[1] = lists_byte(cmd->cdb[1]);
	scst_cmd_set_resp_data(cmd, d, 8);              /* generation 0, length 0 */
}
