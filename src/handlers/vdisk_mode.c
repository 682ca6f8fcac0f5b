/* vdisk_mode.c - mode parameters of a vdisk: MODE SENSE 6/10 with the
 * read-write error recovery (0x01), caching (0x08) and control (0x0A) pages
 * in their current, changeable, default views, and MODE SELECT 6/10.
 *
 * Changeable: WCE of the caching page (cleared, every write reaches the
 * medium before status), and D_SENSE, SWP, TAS of the control page.  A
 * MODE SELECT that changes any of them raises MODE PARAMETERS CHANGED on
 * the device's other I_T nexuses (SPC-4 5.x, mode parameters). */
#include <string.h>

#include "core/cdb.h"
#include "handlers/vdisk_priv.h"

enum { PC_CURRENT = 0, PC_CHANGEABLE = 1, PC_DEFAULT = 2, PC_SAVED = 3 };

#define PAGE_RW_RECOVERY 0x01
#define PAGE_CACHING     0x08
#define PAGE_CONTROL     0x0a
#define PAGE_MM_CAPABILITIES 0x2a  /* MMC only: from the backend */
#define PAGE_ALL         0x3f

/* The fields MODE SELECT can change, as one value set: a view of the
 * device (current), of its attach-time configuration (default), or the
 * changeable mask itself. */
struct mode_values {
	bool wce, d_sense, swp, tas;
	bool fixed;                       /* the non-changeable fields too */
};

static struct mode_values current_values(const struct scst_device *dev)
{
	/* nv_cache claims a write-through cache so initiators skip their
	 * write-back workarounds (README.scst). */
	return (struct mode_values){ .wce = !dev->write_through && !dev->nv_cache,
				     .d_sense = dev->d_sense, .swp = dev->swp, .tas = dev->tas,
				     .fixed = true };
}

static struct mode_values default_values(const struct scst_device *dev)
{
	return (struct mode_values){ .wce = !vdisk_of(dev)->write_through_default &&
					    !dev->nv_cache,
				     .fixed = true };
}

/* WCE is fixed with nv_cache: the claimed write-through cache is what
 * keeps initiators from flushing it. */
static struct mode_values changeable_mask(const struct scst_device *dev)
{
	return (struct mode_values){ .wce = !dev->nv_cache, .d_sense = true, .swp = true,
				     .tas = true };
}

static struct mode_values values_for(const struct scst_device *dev, int pc)
{
	switch (pc) {
	case PC_CHANGEABLE: return changeable_mask(dev);
	case PC_DEFAULT:    return default_values(dev);
	default:            return current_values(dev);
	}
}

/* Writes one page from a value set (or the mask); returns its length, 0
 * when the device has no such page. */
static unsigned build_page(const struct scst_device *dev, uint8_t code,
			   const struct mode_values *v, uint8_t *p)
{
	unsigned len;

	switch (code) {
	case PAGE_RW_RECOVERY:
		len = 12;
		memset(p, 0, len);
		p[0] = code;
		p[1] = len - 2;
		if (v->fixed)
			p[2] = 0xc0;      /* AWRE, ARRE: automatic reallocation */
		return len;
	case PAGE_CACHING:
		len = 20;
		memset(p, 0, len);
		p[0] = code;
		p[1] = len - 2;
		p[2] = v->wce ? 0x04 : 0;
		return len;
	case PAGE_CONTROL:
		len = 12;
		memset(p, 0, len);
		p[0] = code;
		p[1] = len - 2;
		p[2] = v->d_sense ? 0x04 : 0;
		p[4] = v->swp ? 0x08 : 0;
		p[5] = v->tas ? 0x40 : 0;
		if (v->fixed) {
			/* QAM 1: unrestricted reordering; QERR 00b: the task
			 * set continues after a CHECK CONDITION. */
			p[3] = 0x10;
			/* TST 001: a task set per I_T nexus (task_order.c). */
			p[2] |= 0x20;
			put_be16(&p[8], 0xffff);  /* busy timeout: unlimited */
		}
		return len;
	default:
		if (vdisk_of(dev)->be->mode_page)
			return vdisk_of(dev)->be->mode_page(dev, code, !v->fixed, p);
		return 0;
	}
}

static unsigned build_pages(const struct scst_device *dev, uint8_t code, int pc, uint8_t *p)
{
	struct mode_values v = values_for(dev, pc);
	static const uint8_t all[] = { PAGE_RW_RECOVERY, PAGE_CACHING, PAGE_CONTROL,
				       PAGE_MM_CAPABILITIES };
	unsigned len = 0;

	if (code != PAGE_ALL)
		return build_page(dev, code, &v, p);
	for (size_t i = 0; i < sizeof(all); i++)
		len += build_page(dev, all[i], &v, p + len);
	return len;
}

static unsigned block_descriptor(const struct scst_device *dev, bool longlba, uint8_t *p)
{
	if (longlba) {
		memset(p, 0, 16);
		put_be64(&p[0], dev->nblocks);
		put_be32(&p[12], dev->block_size);
		return 16;
	}
	memset(p, 0, 8);
	put_be32(&p[0], dev->nblocks > 0xffffffffull ? 0xffffffffu : (uint32_t)dev->nblocks);
	put_be24(&p[5], dev->block_size);
	return 8;
}

static bool write_protected(const struct scst_cmd *cmd)
{
	return cmd->dev->read_only || cmd->dev->swp || (cmd->tgt_dev && cmd->tgt_dev->read_only);
}

void vdisk_mode_sense(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	bool ten = cmd->op->id == SCSI_OP_MODE_SENSE_10;
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
	/* Device-specific byte: WP (read-only or software write protected)
	 * and DPOFUA (FUA/DPO honoured). */
	if (ten) {
		put_be16(&d[0], (uint16_t)(len - 2));
		d[3] = (write_protected(cmd) ? 0x80 : 0) | 0x10;
		d[4] = llbaa && bd ? 0x01 : 0;
		put_be16(&d[6], (uint16_t)bd);
	} else {
		d[0] = (uint8_t)(len - 1);
		d[2] = (write_protected(cmd) ? 0x80 : 0) | 0x10;
		d[3] = (uint8_t)bd;
	}
	scst_cmd_set_resp_data(cmd, d, len);
}

static int highest_bit(uint8_t v)
{
	int bit = 7;

	while (bit > 0 && !(v & (1u << bit)))
		bit--;
	return bit;
}

/* Takes the changeable fields of one page into *want. */
static void take_values(uint8_t code, const uint8_t *p, struct mode_values *want)
{
	if (code == PAGE_CACHING) {
		want->wce = p[2] & 0x04;
	} else if (code == PAGE_CONTROL) {
		want->d_sense = p[2] & 0x04;
		want->swp = p[4] & 0x08;
		want->tas = p[5] & 0x40;
	}
}

/* Checks the page at d[off] of a MODE SELECT list of len bytes: it must be
 * one of ours, of our length, and differ from the current values only in
 * changeable bits.  Its length, or 0 with the sense set. */
static unsigned select_page(struct scst_cmd *cmd, const uint8_t *d, unsigned off, unsigned len,
			    struct mode_values *want)
{
	const struct scst_device *dev = cmd->dev;
	struct mode_values cur_v = current_values(dev), mask_v = changeable_mask(dev);
	const uint8_t *p = d + off;
	uint8_t cur[64], mask[64], code;
	unsigned plen;

	if (len - off < 2) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return 0;
	}
	if (p[0] & 0x40) {               /* SPF: we have no subpages */
		scst_set_invalid_field(cmd, false, off, 6);
		return 0;
	}
	/* PS is reserved in MODE SELECT, yet initiators echo what MODE
	 * SENSE returned; it carries no request, so it is ignored. */
	code = p[0] & 0x3f;
	plen = build_page(dev, code, &cur_v, cur);
	if (!plen || plen > sizeof(cur)) {
		scst_set_invalid_field(cmd, false, off, 5);
		return 0;
	}
	build_page(dev, code, &mask_v, mask);
	if ((unsigned)p[1] + 2 != plen) {
		scst_set_invalid_field(cmd, false, off + 1, -1);
		return 0;
	}
	if (len - off < plen) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return 0;
	}
	for (unsigned i = 2; i < plen; i++) {
		uint8_t bad = (uint8_t)((p[i] ^ cur[i]) & ~mask[i]);

		if (bad) {
			scst_set_invalid_field(cmd, false, off + i, highest_bit(bad));
			return 0;
		}
	}
	take_values(code, p, want);
	return plen;
}

/* The header and block descriptor: a descriptor, when sent, must be the
 * one MODE SENSE reports (its block length ours or 0).  The offset of the
 * first page, or 0 with the sense set. */
static unsigned select_header(struct scst_cmd *cmd, const uint8_t *d, unsigned len)
{
	bool ten = cmd->op->id == SCSI_OP_MODE_SELECT_10;
	unsigned hdr = ten ? 8 : 4, bdlen, want_bd = ten && (d[4] & 0x01) ? 16 : 8;

	if (len < hdr) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return 0;
	}
	bdlen = ten ? (unsigned)get_be16(&d[6]) : d[3];
	if (bdlen && bdlen != want_bd) {
		scst_set_invalid_field(cmd, false, hdr - 1, -1);
		return 0;
	}
	if (hdr + bdlen > len) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return 0;
	}
	if (bdlen) {
		/* Block length: the last 3 bytes of either descriptor form. */
		const uint8_t *b = &d[hdr + bdlen - 3];
		uint32_t bs = get_be24(b);

		if (bs && bs != cmd->dev->block_size) {
			scst_set_invalid_field(cmd, false, hdr + bdlen - 3, -1);
			return 0;
		}
	}
	return hdr + bdlen;
}

/* Applies a checked value set; the other nexuses learn of a change by a
 * unit attention, the one that made it does not (SPC-4). */
static void apply_values(struct scst_cmd *cmd, const struct mode_values *want)
{
	struct scst_device *dev = cmd->dev;
	bool changed;

	pthread_mutex_lock(&dev->lock);
	changed = want->wce != (!dev->write_through && !dev->nv_cache) ||
		  want->d_sense != dev->d_sense || want->swp != dev->swp || want->tas != dev->tas;
	if (!dev->nv_cache)
		dev->write_through = !want->wce;
	dev->d_sense = want->d_sense;
	dev->swp = want->swp;
	dev->tas = want->tas;
	pthread_mutex_unlock(&dev->lock);
	if (changed)
		scst_dev_queue_ua(dev, SCST_S_UA_MODE_PARAMS_CHANGED, cmd->tgt_dev);
}

void vdisk_mode_select(struct scst_cmd *cmd)
{
	unsigned len = cmd->bufflen, off;
	const uint8_t *d = cmd->buf;
	struct mode_values want = current_values(cmd->dev);

	/* No mode page has saved values (SPC-4 MODE SELECT: SP without
	 * saved pages is an invalid field in the CDB). */
	if (cmd->cdb[1] & 0x01) {
		scst_set_invalid_field(cmd, true, 1, 0);
		return;
	}
	if (!len)
		return;                  /* nothing to change is a valid request */
	off = select_header(cmd, d, len);
	if (!off)
		return;
	/* PF 0 would mean vendor-specific pages; ours are all SPC/SBC ones. */
	if (off < len && !(cmd->cdb[1] & 0x10)) {
		scst_set_invalid_field(cmd, true, 1, 4);
		return;
	}
	while (off < len) {
		unsigned used = select_page(cmd, d, off, len, &want);

		if (!used)
			return;
		off += used;
	}
	apply_values(cmd, &want);
}
