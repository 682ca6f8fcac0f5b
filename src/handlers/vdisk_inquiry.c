/* vdisk_inquiry.c - identity and geometry answers of a vdisk: standard
 * INQUIRY data, the VPD pages (supported pages, unit serial number, device
 * identification, extended INQUIRY data, block limits, block device
 * characteristics, logical block provisioning) and READ CAPACITY 10/16. */
#include <pthread.h>
#include <string.h>

#include "core/alua.h"
#include "core/cdb.h"
#include "handlers/vdisk_priv.h"

#define INQ_STD_LEN 74
/* IEEE company id used in our NAA designators (locally administered range
 * is not available for NAA 5, so we use the one SCST-style targets use). */
#define SCSTD_IEEE_OUI 0x001405ull

static void put_padded(uint8_t *dst, const char *s, size_t len)
{
	size_t n = strlen(s);

	memset(dst, ' ', len);
	memcpy(dst, s, n < len ? n : len);
}

/* A "dummy" nullio device answers as "not connected, no device type"
 * (peripheral qualifier 1, type 0x1f), as SCST's dummy attribute does. */
static uint8_t peripheral_byte(const struct scst_device *dev)
{
	if (vdisk_of(dev)->dummy)
		return 0x20 | 0x1f;
	return (uint8_t)(dev->type & 0x1f);
}

static void inquiry_standard(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	uint8_t d[INQ_STD_LEN];

	memset(d, 0, sizeof(d));
	d[0] = peripheral_byte(dev);
	d[1] = dev->removable ? 0x80 : 0;
	d[2] = 0x06;                      /* SPC-4 */
	d[3] = 0x12;                      /* HiSup, response data format 2 */
	/* TPGS: implicit, explicit or both, per the device group (core/alua.c;
	 * implicit without one); 3PC: EXTENDED COPY, where the device can be
	 * copied. */
	d[5] = scst_alua_tpgs_bits(dev) | 0x08 /* 3PC */;
	d[4] = INQ_STD_LEN - 5;
	d[7] = 0x02;                      /* CmdQue */
	put_padded(&d[8], dev->t10_vend_id, 8);
	put_padded(&d[16], dev->prod_id, 16);
	put_padded(&d[32], dev->prod_rev, 4);
	/* Version descriptors: SAM-5, the SCSI transport (the target
	 * driver's), SPC-4, SBC-3 (MMC-6 for a CD), physical transport. */
	const struct scst_tgt *tgt = cmd->sess->tgt;
	uint16_t scsi_tv, phys_tv;

	scst_tgt_transport_versions(tgt, &scsi_tv, &phys_tv);
	put_be16(&d[58], 0x00a0);
	put_be16(&d[60], scsi_tv);
	put_be16(&d[62], 0x0460);
	put_be16(&d[64], dev->type == 5 ? 0x04e0 : 0x04c0);
	put_be16(&d[66], phys_tv);
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

static const uint8_t supported_vpd[] = { 0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1, 0xb2 };

/* The provisioning page exists only for thin devices. */
static uint32_t vpd_supported(const struct scst_device *dev, uint8_t *d)
{
	uint8_t n = sizeof(supported_vpd) - (vdisk_thin(dev) ? 0 : 1);

	d[0] = peripheral_byte(dev);
	d[3] = n;
	memcpy(&d[4], supported_vpd, n);
	return 4 + n;
}

static uint32_t vpd_serial(const struct scst_device *dev, uint8_t *d)
{
	size_t n = strlen(dev->usn);

	d[0] = peripheral_byte(dev);
	d[1] = 0x80;
	d[3] = (uint8_t)n;
	memcpy(&d[4], dev->usn, n);
	return 4 + (uint32_t)n;
}

static uint32_t designator_t10(const struct scst_device *dev, uint8_t *d)
{
	size_t n = strlen(dev->t10_dev_id);

	d[0] = 0x02;                      /* ASCII */
	d[1] = 0x01;                      /* LU, T10 vendor ID */
	d[3] = (uint8_t)(8 + n);
	put_padded(&d[4], dev->t10_vend_id, 8);
	memcpy(&d[12], dev->t10_dev_id, n);
	return 4 + 8 + (uint32_t)n;
}

uint64_t vdisk_naa_designator(const struct scst_device *dev)
{
	return 5ull << 60 | SCSTD_IEEE_OUI << 36 | (dev->naa_id & 0xfffffffffull);
}

/* The admin's naa_id when set (README.scst), else the generated one. */
static uint32_t designator_naa(const struct scst_device *dev, uint8_t *d)
{
	const struct vdisk_dev *vd = vdisk_of(dev);

	d[0] = 0x01;                      /* binary */
	d[1] = 0x03;                      /* LU, NAA */
	if (vd->naa_id_len) {
		d[3] = vd->naa_id_len;
		memcpy(&d[4], vd->naa_id, vd->naa_id_len);
		return 4u + vd->naa_id_len;
	}
	d[3] = 8;
	put_be64(&d[4], vdisk_naa_designator(dev));
	return 12;
}

static uint32_t designator_rel_port(const struct scst_cmd *cmd, uint8_t *d)
{
	const struct scst_tgt *tgt = cmd->sess ? cmd->sess->tgt : NULL;
	uint16_t id = tgt ? tgt->rel_tgt_id : 1;
	uint8_t protocol_id = 0;
	bool piv = tgt && scst_tgt_protocol_id(tgt, &protocol_id);

	d[0] = (uint8_t)((piv ? protocol_id << 4 : 0) | 0x01);   /* binary */
	d[1] = (piv ? 0x80 : 0) | 0x10 | 0x04;      /* PIV, target port, relative port */
	d[3] = 4;
	put_be16(&d[6], id);
	return 8;
}

/* The target port group of the command's port, as REPORT TARGET PORT
 * GROUPS lists it; none for a port outside the device's target groups. */
static uint32_t designator_port_group(const struct scst_cmd *cmd, uint8_t *d)
{
	uint16_t id;

	if (!cmd->sess || !cmd->sess->tgt || !scst_alua_port_group(cmd->dev, cmd->sess->tgt, &id))
		return 0;
	d[0] = 0x01;                      /* binary */
	d[1] = 0x10 | 0x05;               /* target port, target port group */
	d[3] = 4;
	put_be16(&d[6], id);
	return 8;
}

static uint32_t vpd_device_id(const struct scst_cmd *cmd, uint8_t *d)
{
	uint32_t len = 4;

	d[0] = peripheral_byte(cmd->dev);
	d[1] = 0x83;
	len += designator_t10(cmd->dev, &d[len]);
	len += designator_naa(cmd->dev, &d[len]);
	len += designator_rel_port(cmd, &d[len]);
	len += designator_port_group(cmd, &d[len]);
	put_be16(&d[2], (uint16_t)(len - 4));
	return len;
}

static uint32_t vpd_block_limits(const struct scst_device *dev, uint8_t *d)
{
	uint32_t max_blocks = scst_max_xfer_bytes() >> dev->block_shift;

	d[0] = peripheral_byte(dev);
	d[1] = 0xb0;
	put_be16(&d[2], 0x3c);
	/* WSNZ 0: WRITE SAME of 0 blocks reaches the end of the medium. */
	d[5] = VDISK_MAX_COMPARE_WRITE_BLOCKS;
	/* Optimal granularity: a physical block (no read-modify-write). */
	put_be16(&d[6], (uint16_t)(1u << vdisk_of(dev)->lbppb_exp));
	put_be32(&d[8], max_blocks);
	put_be32(&d[12], max_blocks);
	if (vdisk_thin(dev)) {
		put_be32(&d[20], (uint32_t)(VDISK_MAX_UNMAP_BYTES >> dev->block_shift));
		put_be32(&d[24], VDISK_MAX_UNMAP_DESCRIPTORS);
		/* A whole physical block is what a hole punch frees, unless
		 * the backend deallocates in larger units. */
		put_be32(&d[28], vdisk_of(dev)->unmap_granularity ?
				       vdisk_of(dev)->unmap_granularity :
				       1u << vdisk_of(dev)->lbppb_exp);
	}
	put_be64(&d[36], scst_max_write_same_blocks(dev));
	/* WRITE ATOMIC(16): no alignment or granularity constraint. */
	put_be32(&d[44], scst_max_atomic_blocks(dev));
	return 0x40;
}

/* Extended INQUIRY Data: no protection information; all three task
 * attributes are honoured (core/task_order.c: ORDERED waits for the
 * commands before it, HEAD OF QUEUE starts at once); the cache is
 * volatile unless nv_cache declares it otherwise. */
static uint32_t vpd_extended_inquiry(const struct scst_device *dev, uint8_t *d)
{
	d[0] = peripheral_byte(dev);
	d[1] = 0x86;
	put_be16(&d[2], 0x3c);
	d[5] = 0x04 | 0x02 | 0x01;        /* HEADSUP, ORDSUP, SIMPSUP */
	d[6] = dev->nv_cache ? 0x02 : 0x01;   /* NV_SUP or V_SUP */
	return 0x40;
}

/* Logical Block Provisioning: UNMAP and both WRITE SAMEs may deallocate,
 * deallocated blocks read as zeros, thin provisioned. */
static uint32_t vpd_provisioning(const struct scst_device *dev, uint8_t *d)
{
	d[0] = peripheral_byte(dev);
	d[1] = 0xb2;
	put_be16(&d[2], 4);
	d[4] = vdisk_threshold_exponent(dev);   /* unit of LOG SENSE page 0Ch */
	d[5] = 0x80 | 0x40 | 0x20 | 0x04; /* LBPU, LBPWS, LBPWS10, LBPRZ */
	d[6] = 0x02;                      /* provisioning type: thin */
	return 8;
}

static uint32_t vpd_block_characteristics(const struct scst_device *dev, uint8_t *d)
{
	d[0] = peripheral_byte(dev);
	d[1] = 0xb1;
	put_be16(&d[2], 0x3c);
	/* 1 = non-rotating medium; 0 = rate not reported. */
	put_be16(&d[4], vdisk_of(dev)->rotational ? 0 : 1);
	/* WABEREQ 01b: a block erased by SANITIZE reads back GOOD (zeros);
	 * 00b where BLOCK ERASE is not offered (SBC-4 6.6.2). */
	if (dev->thin_provisioned)
		d[7] = 0x40;
	return 0x40;
}

static void inquiry_vpd(struct scst_cmd *cmd)
{
	uint8_t d[512];
	uint32_t len;

	memset(d, 0, sizeof(d));
	switch (cmd->cdb[2]) {
	case 0x00: len = vpd_supported(cmd->dev, d); break;
	case 0x80: len = vpd_serial(cmd->dev, d); break;
	case 0x83: len = vpd_device_id(cmd, d); break;
	case 0x86: len = vpd_extended_inquiry(cmd->dev, d); break;
	case 0xb0: len = vpd_block_limits(cmd->dev, d); break;
	case 0xb1: len = vpd_block_characteristics(cmd->dev, d); break;
	case 0xb2:
		if (!vdisk_thin(cmd->dev)) {
			scst_set_invalid_field(cmd, true, 2, -1);
			return;
		}
		len = vpd_provisioning(cmd->dev, d);
		break;
	default:
		scst_set_invalid_field(cmd, true, 2, -1);
		return;
	}
	scst_cmd_set_resp_data(cmd, d, len);
}

/* Under the device lock: management may change the identity strings
 * (t10_dev_id, prod_id ... are writable, vdisk_set_attr) meanwhile. */
void vdisk_inquiry(struct scst_cmd *cmd)
{
	pthread_mutex_lock(&cmd->dev->lock);
	if (cmd->cdb[1] & 0x01)
		inquiry_vpd(cmd);
	else
		inquiry_standard(cmd);
	pthread_mutex_unlock(&cmd->dev->lock);
}

void vdisk_read_capacity10(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	/* 0 blocks: RETURNED LOGICAL BLOCK ADDRESS 0 rather than a wrap. */
	uint64_t last = dev->nblocks ? dev->nblocks - 1 : 0;
	uint8_t d[8];

	put_be32(&d[0], last > 0xffffffffull ? 0xffffffffu : (uint32_t)last);
	put_be32(&d[4], dev->block_size);
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

void vdisk_read_capacity16(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	uint8_t d[32];

	memset(d, 0, sizeof(d));
	put_be64(&d[0], dev->nblocks ? dev->nblocks - 1 : 0);
	put_be32(&d[8], dev->block_size);
	d[13] = vdisk_of(dev)->lbppb_exp & 0x0f;
	if (vdisk_thin(dev))
		d[14] = 0x80 | 0x40;      /* LBPME, LBPRZ */
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}
