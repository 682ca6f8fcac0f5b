/* vdisk_mode.c - mode parameters of a vdisk: MODE SENSE 6/10 with the
 * read-write error recovery (0x01), caching (0x08) and control (0x0A) pages,
 * and MODE SELECT 6/10.  No field is changeable yet, so MODE SELECT accepts a
 * page only when it repeats the current values; the changeable-values view
 * (PC=1) is all zeros accordingly. */
#include <string.h>

#include "handlers/vdisk_priv.h"

enum { PC_CURRENT = 0, PC_CHANGEABLE = 1, PC_DEFAULT = 2, PC_SAVED = 3 };

#define PAGE_RW_RECOVERY 0x01
#define PAGE_CACHING     0x08
#define PAGE_CONTROL     0x0a
#define PAGE_MM_CAPABILITIES 0x2a  /* MMC only: from the backend */
#define PAGE_ALL         0x3f

/* Writes one page (current values, or zeros past the header when only the
 * changeable mask is asked for); returns its length. */
static unsigned build_page(const struct scst_device *dev, uint8_t code, int pc, uint8_t *p)
{
	unsigned len;

	switch (code) {
	case PAGE_RW_RECOVERY:
		len = 12;
		memset(p, 0, len);
		p[0] = code;
		p[1] = len - 2;
		if (pc != PC_CHANGEABLE)
			p[2] = 0xc0;      /* AWRE, ARRE: automatic reallocation */
		return len;
	case PAGE_CACHING:
		len = 20;
		memset(p, 0, len);
		p[0] = code;
		p[1] = len - 2;
		/* nv_cache claims a write-through cache so initiators skip
		 * their write-back workarounds (README.scst). */
		if (pc != PC_CHANGEABLE && !dev->write_through && !dev->nv_cache)
			p[2] = 0x04;      /* WCE */
		return len;
	case PAGE_CONTROL:
		len = 12;
		memset(p, 0, len);
		p[0] = code;
		p[1] = len - 2;
		if (pc != PC_CHANGEABLE) {
			/* TST 001: a task set per I_T nexus (task_order.c). */
			p[2] = 0x20 | (dev->d_sense ? 0x04 : 0);
			p[3] = 0x10;      /* QAM 1: unrestricted reordering */
			p[5] = dev->tas ? 0x40 : 0;     /* TAS */
			vdisk_put_be16(&p[8], 0xffff);  /* busy timeout: unlimited */
		}
		return len;
	default:
		if (vdisk_of(dev)->be->mode_page)
			return vdisk_of(dev)->be->mode_page(dev, code, pc == PC_CHANGEABLE, p);
		return 0;
	}
}

static unsigned build_pages(const struct scst_device *dev, uint8_t code, int pc, uint8_t *p)
{
	static const uint8_t all[] = { PAGE_RW_RECOVERY, PAGE_CACHING, PAGE_CONTROL,
				       PAGE_MM_CAPABILITIES };
	unsigned len = 0;

	if (code != PAGE_ALL)
		return build_page(dev, code, pc, p);
	for (size_t i = 0; i < sizeof(all); i++)
		len += build_page(dev, all[i], pc, p + len);
	return len;
}

static unsigned block_descriptor(const struct scst_device *dev, bool longlba, uint8_t *p)
{
	if (longlba) {
		memset(p, 0, 16);
		vdisk_put_be64(&p[0], dev->nblocks);
		vdisk_put_be32(&p[12], dev->block_size);
		return 16;
	}
	memset(p, 0, 8);
	vdisk_put_be32(&p[0], dev->nblocks > 0xffffffffull ? 0xffffffffu : (uint32_t)dev->nblocks);
	p[5] = dev->block_size >> 16;
	p[6] = dev->block_size >> 8;
	p[7] = dev->block_size;
	return 8;
}

void vdisk_mode_sense(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	bool ten = cmd->cdb[0] == 0x5a;
	bool dbd = cmd->cdb[1] & 0x08;
	bool llbaa = ten && (cmd->cdb[1] & 0x10);
	int pc = cmd->cdb[2] >> 6;
	uint8_t code = cmd->cdb[2] & 0x3f, subpage = cmd->cdb[3];
	unsigned hdr = ten ? 8 : 4, len, bd = 0;
	uint8_t d[256];

	if (pc == PC_SAVED) {
		scst_set_cmd_error(cmd, SCST_S_SAVING_PARAMS_UNSUP);
		return;
	}
	if (subpage && !(subpage == 0xff && code == PAGE_ALL)) {
		scst_set_invalid_field(cmd, true, 3, -1);
		return;
	}
	memset(d, 0, sizeof(d));
	if (!dbd)
		bd = block_descriptor(dev, llbaa, &d[hdr]);
	len = build_pages(dev, code, pc, &d[hdr + bd]);
	if (!len) {
		scst_set_invalid_field(cmd, true, 2, 5);
		return;
	}
	len += hdr + bd;
	/* Device-specific byte: WP and DPOFUA (FUA/DPO honoured). */
	if (ten) {
		vdisk_put_be16(&d[0], (uint16_t)(len - 2));
		d[3] = (dev->read_only ? 0x80 : 0) | 0x10;
		d[4] = llbaa && bd ? 0x01 : 0;
		vdisk_put_be16(&d[6], (uint16_t)bd);
	} else {
		d[0] = (uint8_t)(len - 1);
		d[2] = (dev->read_only ? 0x80 : 0) | 0x10;
		d[3] = (uint8_t)bd;
	}
	scst_cmd_set_resp_data(cmd, d, len);
}

/* One page of a MODE SELECT parameter list must equal what we report. */
static bool page_matches_current(const struct scst_device *dev, const uint8_t *p, unsigned avail,
				 unsigned *used)
{
	uint8_t cur[64];
	unsigned len;

	if (avail < 2 || (p[0] & 0x40))
		return false;            /* truncated, or a subpage format */
	len = build_page(dev, p[0] & 0x3f, PC_CURRENT, cur);
	if (!len || (unsigned)p[1] + 2 != len || avail < len)
		return false;
	*used = len;
	return !memcmp(p + 2, cur + 2, len - 2);
}

void vdisk_mode_select(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	bool ten = cmd->cdb[0] == 0x55;
	unsigned hdr = ten ? 8 : 4, len = cmd->bufflen, bdlen, off;
	const uint8_t *d = cmd->buf;

	if (cmd->cdb[1] & 0x01) {
		scst_set_cmd_error(cmd, SCST_S_SAVING_PARAMS_UNSUP);
		return;
	}
	if (!len)
		return;                  /* nothing to change is a valid request */
	if (len < hdr) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	bdlen = ten ? (unsigned)(d[6] << 8 | d[7]) : d[3];
	if (hdr + bdlen > len) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	if (bdlen >= 8) {
		const uint8_t *b = &d[hdr + bdlen - 8];
		uint32_t bs = (uint32_t)b[5] << 16 | b[6] << 8 | b[7];

		if (bs && bs != dev->block_size) {
			scst_set_invalid_field(cmd, false, hdr + bdlen - 3, -1);
			return;
		}
	}
	for (off = hdr + bdlen; off < len;) {
		unsigned used = 0;

		if (!page_matches_current(dev, d + off, len - off, &used)) {
			scst_set_invalid_field(cmd, false, off, -1);
			return;
		}
		off += used;
	}
}
