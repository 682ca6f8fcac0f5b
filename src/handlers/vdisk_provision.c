/* vdisk_provision.c - logical block provisioning of a vdisk: UNMAP, the
 * deallocating form of WRITE SAME and GET LBA STATUS, on top of the
 * backend's optional unmap/discard/extent operations.  Deallocation is
 * synchronous (a hole punch is a metadata update, not data I/O) unless the
 * backend has an asynchronous discard (a storage cluster's round trip):
 * then one descriptor after the other is discarded, the index of the next
 * in the command's vdisk_cmd_state.next_desc (DISCARD_SINGLE for WRITE
 * SAME's one range). */
#include <string.h>

#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"
#include "util/be.h"

#define UNMAP_HDR_LEN  8
#define UNMAP_DESC_LEN 16
#define LBA_STATUS_HDR 8
#define LBA_STATUS_DESC 16

enum { PROVISIONING_MAPPED = 0, PROVISIONING_DEALLOCATED = 1 };

#define DISCARD_SINGLE UINT64_MAX

bool vdisk_thin(const struct scst_device *dev)
{
	return dev->thin_provisioned && vdisk_of(dev)->be->unmap;
}

static int unmap_blocks(struct scst_device *dev, uint64_t lba, uint64_t n)
{
	if (!n)
		return 0;
	return vdisk_of(dev)->be->unmap(dev, lba << dev->block_shift, n << dev->block_shift);
}

/* Checks every descriptor before deallocating anything, so a bad list
 * changes nothing. */
static bool unmap_list_valid(struct scst_cmd *cmd, const uint8_t *list, unsigned ndesc)
{
	const struct scst_device *dev = cmd->dev;
	uint64_t max_blocks = VDISK_MAX_UNMAP_BYTES >> dev->block_shift;

	for (unsigned i = 0; i < ndesc; i++) {
		const uint8_t *d = &list[i * UNMAP_DESC_LEN];
		uint64_t lba = get_be64(d);
		uint32_t n = get_be32(d + 8);

		if (lba > dev->nblocks || n > dev->nblocks - lba) {
			scst_set_cmd_error(cmd, SCST_S_LBA_OUT_OF_RANGE);
			return false;
		}
		if (n > max_blocks) {
			scst_set_invalid_field(cmd, false, UNMAP_HDR_LEN + i * UNMAP_DESC_LEN + 8, -1);
			return false;
		}
	}
	return true;
}

static const uint8_t *unmap_descriptor(const struct scst_cmd *cmd, unsigned i)
{
	return &cmd->buf[UNMAP_HDR_LEN + i * UNMAP_DESC_LEN];
}

static unsigned unmap_descriptor_count(const struct scst_cmd *cmd)
{
	unsigned bd_len = get_be16(&cmd->buf[2]);

	if (bd_len > cmd->bufflen - UNMAP_HDR_LEN)
		bd_len = (cmd->bufflen - UNMAP_HDR_LEN) & ~(UNMAP_DESC_LEN - 1u);
	return bd_len / UNMAP_DESC_LEN;
}

/* Starts the discard of the first non-empty descriptor from next_desc on;
 * false when none is left. */
static bool discard_from(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	unsigned ndesc = unmap_descriptor_count(cmd);

	for (unsigned i = (unsigned)vdisk_cmd_state(cmd)->next_desc; i < ndesc; i++) {
		const uint8_t *d = unmap_descriptor(cmd, i);
		uint32_t n = get_be32(d + 8);

		if (!n)
			continue;
		vdisk_cmd_state(cmd)->next_desc = i + 1;
		vdisk_discard_start(cmd, get_be64(d) << dev->block_shift,
				    (uint64_t)n << dev->block_shift);
		return true;
	}
	return false;
}

bool vdisk_discard_next(struct scst_cmd *cmd)
{
	if (vdisk_cmd_state(cmd)->next_desc == DISCARD_SINGLE)
		return false;
	return discard_from(cmd);
}

static void unmap_synchronously(struct scst_cmd *cmd, unsigned ndesc)
{
	for (unsigned i = 0; i < ndesc; i++) {
		const uint8_t *d = unmap_descriptor(cmd, i);
		int rc = unmap_blocks(cmd->dev, get_be64(d), get_be32(d + 8));

		if (rc < 0) {
			log_warn("%s: UNMAP failed: %s", cmd->dev->name, strerror(-rc));
			scst_set_cmd_error(cmd, SCST_S_WRITE_ERROR);
			return;
		}
	}
}

bool vdisk_unmap(struct scst_cmd *cmd)
{
	unsigned len = cmd->bufflen, ndesc;

	if (!vdisk_thin(cmd->dev)) {
		/* Without thin provisioning UNMAP does not exist (LBPU = 0). */
		scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
		return false;
	}
	if (!len)
		return false;                   /* an empty list is not an error */
	if (len < UNMAP_HDR_LEN) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	ndesc = unmap_descriptor_count(cmd);
	if (ndesc > VDISK_MAX_UNMAP_DESCRIPTORS) {
		scst_set_invalid_field(cmd, false, 2, -1);
		return false;
	}
	if (!unmap_list_valid(cmd, &cmd->buf[UNMAP_HDR_LEN], ndesc))
		return false;
	if (!vdisk_of(cmd->dev)->be->discard) {
		unmap_synchronously(cmd, ndesc);
		return false;
	}
	vdisk_cmd_state(cmd)->next_desc = 0;
	return discard_from(cmd);
}

enum vdisk_ws_unmap vdisk_write_same_unmapped(struct scst_cmd *cmd)
{
	bool unmap_bit = cmd->cdb[1] & 0x08;
	struct scst_device *dev = cmd->dev;
	int rc;

	/* The UNMAP bit asks for deallocation whatever the pattern: the
	 * blocks then read as zeros (LBPRZ), as UNMAP would leave them. */
	if (!unmap_bit || !vdisk_thin(dev))
		return VDISK_WS_WRITE;
	if (!cmd->nblocks)
		return VDISK_WS_UNMAPPED;
	if (vdisk_of(dev)->be->discard) {
		vdisk_cmd_state(cmd)->next_desc = DISCARD_SINGLE;
		vdisk_discard_start(cmd, cmd->lba << dev->block_shift,
				    cmd->nblocks << dev->block_shift);
		return VDISK_WS_UNMAP_STARTED;
	}
	rc = unmap_blocks(dev, cmd->lba, cmd->nblocks);
	if (rc < 0) {
		log_warn("%s: WRITE SAME unmap failed: %s", dev->name, strerror(-rc));
		scst_set_cmd_error(cmd, SCST_S_WRITE_ERROR);
	}
	return VDISK_WS_UNMAPPED;
}

void vdisk_get_lba_status(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	const struct vdisk_backend *be = vdisk_of(dev)->be;
	uint64_t remaining = dev->nblocks - cmd->lba, blocks;
	uint64_t ext_len = remaining << dev->block_shift;
	bool mapped = true;
	uint8_t d[LBA_STATUS_HDR + LBA_STATUS_DESC];

	if (vdisk_thin(dev) && be->extent) {
		int rc = be->extent(dev, cmd->lba << dev->block_shift, ext_len, &ext_len, &mapped);

		if (rc < 0) {
			scst_set_cmd_error(cmd, SCST_S_READ_ERROR);
			return;
		}
	}
	blocks = ext_len >> dev->block_shift;
	if (!blocks)
		blocks = 1;     /* a partial block counts as what its start is */
	if (blocks > 0xffffffffull)
		blocks = 0xffffffffull;
	memset(d, 0, sizeof(d));
	put_be32(&d[0], sizeof(d) - 4);
	put_be64(&d[8], cmd->lba);
	put_be32(&d[16], (uint32_t)blocks);
	d[20] = mapped ? PROVISIONING_MAPPED : PROVISIONING_DEALLOCATED;
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}
