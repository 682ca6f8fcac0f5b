/* vdisk_format.c - FORMAT UNIT for every vdisk (SBC-3 5.3): a virtual
 * medium has nothing to lay out and no defects to manage, so formatting
 * means "start empty": a thin device deallocates every block (they then
 * read as zeros), any other keeps its data, which SBC leaves unspecified
 * after a format.  No protection information, no initialization pattern,
 * no IMMED; a defect list to add must be empty. */
#include <string.h>

#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"

#define FOV   0x80
#define DPRY  0x40
#define DCRT  0x20
#define STPF  0x10
#define IP    0x08
#define IMMED 0x02

static uint32_t defect_list_length(const struct scst_cmd *cmd, bool longlist)
{
	const uint8_t *p = cmd->buf;

	if (longlist)
		return get_be32(&p[4]);
	return get_be16(&p[2]);
}

/* The parameter list header (short or long); false with the sense set. */
static bool format_header_valid(struct scst_cmd *cmd)
{
	bool longlist = cmd->cdb[1] & 0x20;
	uint8_t flags = cmd->buf[1];

	if (!(flags & FOV) && (flags & (DPRY | DCRT | STPF | IP))) {
		scst_set_invalid_field(cmd, false, 1, 6);
		return false;
	}
	if (flags & IP) {
		scst_set_invalid_field(cmd, false, 1, 3);
		return false;
	}
	if (flags & IMMED) {
		scst_set_invalid_field(cmd, false, 1, 1);
		return false;
	}
	if (defect_list_length(cmd, longlist)) {
		scst_set_invalid_field(cmd, false, longlist ? 4 : 2, -1);
		return false;
	}
	return true;
}

void vdisk_format_unit(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	int rc;

	if ((cmd->cdb[1] & 0x10) && !format_header_valid(cmd))
		return;
	if (!vdisk_thin(dev))
		return;
	rc = vdisk_of(dev)->be->unmap(dev, 0, dev->nblocks << dev->block_shift);
	if (rc < 0) {
		log_warn("%s: FORMAT UNIT deallocation failed: %s", dev->name, strerror(-rc));
		scst_set_cmd_sense(cmd, SK_MEDIUM_ERROR, 0x31, 0x01);   /* FORMAT COMMAND FAILED */
	}
}
