/* vdisk_provision.c - logical block provisioning of a vdisk: UNMAP, the
 * deallocating form of WRITE SAME and GET LBA STATUS, on top of the
 * backend's optional unmap/extent operations.  Deallocation is done
 * synchronously (a hole punch is a metadata update, not data I/O). */
#include <string.h>

#include "core/scst.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"

#define UNMAP_HDR_LEN  8
#define UNMAP_DESC_LEN 16
#define LBA_STATUS_HDR 8
#define LBA_STATUS_DESC 16

enum { PROVISIONING_MAPPED = 0, PROVISIONING_DEALLOCATED = 1 };

static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get_be64(const uint8_t *p) { return (uint64_t)get_be32(p) << 32 | get_be32(p + 4); }

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

void vdisk_unmap(struct scst_cmd *cmd)
{
	const uint8_t *p = cmd->buf;
	unsigned len = cmd->bufflen, bd_len, ndesc;

	if (!vdisk_thin(cmd->dev)) {
		/* Without thin provisioning UNMAP does not exist (LBPU = 0). */
		scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
		return;
	}
	if (!len)
		return;                         /* an empty list is not an error */
	if (len < UNMAP_HDR_LEN) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	bd_len = get_be16(&p[2]);
	if (bd_len > len - UNMAP_HDR_LEN)
		bd_len = (len - UNMAP_HDR_LEN) & ~(UNMAP_DESC_LEN - 1u);
	ndesc = bd_len / UNMAP_DESC_LEN;
	if (ndesc > VDISK_MAX_UNMAP_DESCRIPTORS) {
		scst_set_invalid_field(cmd, false, 2, -1);
		return;
	}
	if (!unmap_list_valid(cmd, &p[UNMAP_HDR_LEN], ndesc))
		return;
	for (unsigned i = 0; i < ndesc; i++) {
		const uint8_t *d = &p[UNMAP_HDR_LEN + i * UNMAP_DESC_LEN];
		int rc = unmap_blocks(cmd->dev, get_be64(d), get_be32(d + 8));

		if (rc < 0) {
			log_warn("%s: UNMAP failed: %s", cmd->dev->name, strerror(-rc));
			scst_set_cmd_error(cmd, SCST_S_WRITE_ERROR);
			return;
		}
	}
}

bool vdisk_write_same_unmapped(struct scst_cmd *cmd)
{
	bool unmap_bit = cmd->cdb[1] & 0x08;
	int rc;

	/* The UNMAP bit asks for deallocation whatever the pattern: the
	 * blocks then read as zeros (LBPRZ), as UNMAP would leave them. */
	if (!unmap_bit || !vdisk_thin(cmd->dev))
		return false;
	rc = unmap_blocks(cmd->dev, cmd->lba, cmd->nblocks);
	if (rc < 0) {
		log_warn("%s: WRITE SAME unmap failed: %s", cmd->dev->name, strerror(-rc));
		scst_set_cmd_error(cmd, SCST_S_WRITE_ERROR);
	}
	return true;
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
	vdisk_put_be32(&d[0], sizeof(d) - 4);
	vdisk_put_be64(&d[8], cmd->lba);
	vdisk_put_be32(&d[16], (uint32_t)blocks);
	d[20] = mapped ? PROVISIONING_MAPPED : PROVISIONING_DEALLOCATED;
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}
