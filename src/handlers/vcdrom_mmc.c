/* vcdrom_mmc.c - the MMC-6 answers of a virtual CD/DVD-ROM drive holding
 * an ISO image: a finalized single-session disc with one data track.
 * READ TOC/PMA/ATIP, GET CONFIGURATION (profiles and features), GET EVENT
 * STATUS NOTIFICATION (media class), READ DISC INFORMATION, READ TRACK
 * INFORMATION, MECHANISM STATUS and mode page 0x2A.  CDB fields were checked by the core
 * (core/opcode_mmc.c) before any of these runs. */
#include <string.h>

#include "core/cdb.h"
#include "handlers/vcdrom.h"
#include "handlers/vdisk_priv.h"

#define PROFILE_NONE    0x0000
#define PROFILE_CD_ROM  0x0008
#define PROFILE_DVD_ROM 0x0010

#define TRACK_CONTROL_DATA 0x14     /* ADR 1 (Q mode 1), data track */
#define MSF_LBA_OFFSET 150          /* the 2 s pre-gap before LBA 0 */

static uint16_t current_profile(const struct scst_device *dev)
{
	if (!dev->medium_present)
		return PROFILE_NONE;
	return dev->nblocks > VCDROM_CD_MAX_BLOCKS ? PROFILE_DVD_ROM : PROFILE_CD_ROM;
}

/* A TOC address: LBA, or minute/second/frame counted from the pre-gap. */
static void put_toc_address(uint8_t *p, uint64_t lba, bool msf)
{
	uint64_t f = lba + MSF_LBA_OFFSET;

	if (!msf) {
		put_be32(p, (uint32_t)lba);
		return;
	}
	p[0] = 0;
	p[1] = (uint8_t)(f / (60 * 75));
	p[2] = (uint8_t)(f / 75 % 60);
	p[3] = (uint8_t)(f % 75);
}

static unsigned toc_descriptor(uint8_t *p, uint8_t track, uint64_t lba, bool msf)
{
	memset(p, 0, 8);
	p[1] = TRACK_CONTROL_DATA;
	p[2] = track;
	put_toc_address(&p[4], lba, msf);
	return 8;
}

/* Format 0: track 1 (unless the lead-out alone was asked for) and the
 * lead-out; format 1: the one session, starting with track 1. */
void vcdrom_read_toc(struct scst_cmd *cmd)
{
	bool msf = cmd->cdb[1] & 0x02;
	uint8_t format = cmd->cdb[2] & 0x0f, track = cmd->cdb[6];
	uint8_t d[4 + 2 * 8];
	unsigned len = 4;

	memset(d, 0, 4);
	d[2] = 1;                       /* first track / first session */
	d[3] = 1;                       /* last track / last session */
	if (format == MMC_TOC_FORMAT_SESSION) {
		len += toc_descriptor(&d[len], 1, 0, msf);
	} else {
		if (track != MMC_TRACK_LEAD_OUT)
			len += toc_descriptor(&d[len], 1, 0, msf);
		len += toc_descriptor(&d[len], MMC_TRACK_LEAD_OUT, cmd->dev->nblocks, msf);
	}
	put_be16(d, (uint16_t)(len - 2));
	scst_cmd_set_resp_data(cmd, d, len);
}

/* ---- GET CONFIGURATION ------------------------------------------------ */

struct feature_ctx {
	uint8_t rt;                     /* 0 all, 1 current only, 2 just one */
	uint16_t start;                 /* STARTING FEATURE NUMBER */
	uint8_t *buf;
	unsigned len;
};

static void add_feature(struct feature_ctx *c, uint16_t code, uint8_t version, bool current,
			const uint8_t *data, uint8_t dlen)
{
	uint8_t *p = c->buf + c->len;

	if (code < c->start || (c->rt == 1 && !current) || (c->rt == 2 && code != c->start))
		return;
	put_be16(p, code);
	/* Every feature here stays while the drive exists, except the
	 * medium-dependent reads. */
	p[2] = (uint8_t)(version << 2) | (code < 0x10 ? 0x02 : 0) | (current ? 0x01 : 0);
	p[3] = dlen;
	if (dlen)
		memcpy(p + 4, data, dlen);
	c->len += 4u + dlen;
}

static void add_profile(uint8_t *p, uint16_t profile, uint16_t current)
{
	put_be16(p, profile);
	p[2] = profile == current ? 0x01 : 0;
	p[3] = 0;
}

void vcdrom_get_configuration(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	uint16_t profile = current_profile(dev);
	uint8_t d[128], profiles[8], core[8] = { 0 }, removable[4] = { 0 }, random[8] = { 0 };
	uint8_t cd_read[4] = { 0 };
	struct feature_ctx c = {
		.rt = cmd->cdb[1] & 0x03,
		.start = get_be16(&cmd->cdb[2]),
		.buf = d,
		.len = 8,
	};

	memset(d, 0, 8);
	add_profile(&profiles[0], PROFILE_DVD_ROM, profile);
	add_profile(&profiles[4], PROFILE_CD_ROM, profile);
	put_be32(core, 0x00000001);         /* physical interface: SCSI family */
	removable[0] = 0x20 | 0x08 | 0x01;        /* tray loading, Eject, Lock */
	put_be32(random, VCDROM_BLOCK_SIZE);
	put_be16(&random[4], profile == PROFILE_DVD_ROM ? 16 : 1);   /* blocking */
	add_feature(&c, 0x0000, 0, true, profiles, sizeof(profiles));     /* Profile List */
	add_feature(&c, 0x0001, 0, true, core, 4);                         /* Core */
	add_feature(&c, 0x0003, 0, true, removable, sizeof(removable));   /* Removable Medium */
	add_feature(&c, 0x0010, 0, profile != PROFILE_NONE, random, sizeof(random));
	add_feature(&c, 0x001e, 0, profile == PROFILE_CD_ROM, cd_read, 0); /* CD Read */
	add_feature(&c, 0x001f, 0, profile == PROFILE_DVD_ROM, NULL, 0);  /* DVD Read */
	put_be32(d, c.len - 4);
	put_be16(&d[6], profile);
	scst_cmd_set_resp_data(cmd, d, c.len);
}

/* ---- GET EVENT STATUS NOTIFICATION ------------------------------------ */

#define GESN_CLASS_MEDIA      4
#define GESN_MEDIA_NO_CHANGE  0
#define GESN_MEDIA_NEW        2
#define GESN_MEDIA_REMOVAL    3

/* The media event since the last report, under dev->lock. */
static uint8_t take_media_event(struct scst_device *dev, bool *present, bool *tray_open)
{
	struct vcdrom_state *st = vdisk_of(dev)->handler_priv;
	uint8_t event = GESN_MEDIA_NO_CHANGE;

	pthread_mutex_lock(&dev->lock);
	*present = dev->medium_present;
	*tray_open = dev->medium_ejected;
	if (*present != st->reported_present) {
		event = *present ? GESN_MEDIA_NEW : GESN_MEDIA_REMOVAL;
		st->reported_present = *present;
	}
	pthread_mutex_unlock(&dev->lock);
	return event;
}

void vcdrom_get_event_status(struct scst_cmd *cmd)
{
	uint8_t d[8] = { 0 };
	bool present, tray_open;

	d[3] = 1u << GESN_CLASS_MEDIA;            /* supported classes */
	if (!(cmd->cdb[4] & (1u << GESN_CLASS_MEDIA))) {
		put_be16(d, 2);
		d[2] = 0x80;                      /* NEA: no class we support asked */
		scst_cmd_set_resp_data(cmd, d, 4);
		return;
	}
	put_be16(d, 6);
	d[2] = GESN_CLASS_MEDIA;
	d[4] = take_media_event(cmd->dev, &present, &tray_open);
	d[5] = (present ? 0x02 : 0) | (tray_open ? 0x01 : 0);
	scst_cmd_set_resp_data(cmd, d, 8);
}

/* ---- READ DISC INFORMATION, MECHANISM STATUS ---------------------------- */

void vcdrom_read_disc_info(struct scst_cmd *cmd)
{
	uint8_t d[34];

	memset(d, 0, sizeof(d));
	put_be16(d, sizeof(d) - 2);
	d[2] = 0x0e;            /* last session complete, disc finalized */
	d[3] = 1;               /* first track on the disc */
	d[4] = 1;               /* sessions */
	d[5] = 1;               /* first track in the last session */
	d[6] = 1;               /* last track in the last session */
	d[7] = 0x20;            /* URU: unrestricted use */
	/* A finalized disc has no next lead-in nor possible lead-out. */
	memset(&d[16], 0xff, 8);
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

/* Track 1 spans the whole medium: a complete data track (mode 1). */
void vcdrom_read_track_info(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;
	uint32_t lba = get_be32(&cmd->cdb[2]);
	uint8_t d[48];

	if ((cmd->cdb[1] & 0x03) == MMC_TRACK_ADDR_LBA && lba >= dev->nblocks) {
		scst_set_cmd_error(cmd, SCST_S_LBA_OUT_OF_RANGE);
		return;
	}
	memset(d, 0, sizeof(d));
	put_be16(d, sizeof(d) - 2);
	d[2] = 1;               /* track number */
	d[3] = 1;               /* session number */
	d[5] = 0x04;            /* track mode: data, recorded uninterrupted */
	d[6] = 0x01;            /* data mode 1 */
	put_be32(&d[24], (uint32_t)dev->nblocks);          /* track size */
	put_be32(&d[28], (uint32_t)dev->nblocks - 1);      /* last recorded */
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

void vcdrom_mechanism_status(struct scst_cmd *cmd)
{
	uint8_t d[8] = { 0 };

	if (cmd->dev->medium_ejected)
		d[1] = 0x10;    /* door open; mechanism idle, no changer slots */
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

/* ---- Mode page 0x2A ------------------------------------------------------ */

unsigned vcdrom_mode_page(const struct scst_device *dev, uint8_t code, bool changeable,
			  uint8_t *p)
{
	const unsigned len = 20;

	if (code != 0x2a)
		return 0;
	memset(p, 0, len);
	p[0] = code;
	p[1] = len - 2;
	if (changeable)
		return len;
	p[2] = 0x08;            /* reads DVD-ROM (CD-ROM always) */
	/* Tray, eject, lock; the lock state is a hint read without dev->lock. */
	p[6] = 0x20 | 0x08 | 0x01 | (dev->prevent_count ? 0x02 : 0);
	return len;
}
