/* dev_pass.c - the pass-through device handlers of SCST (README.scst):
 * dev_disk, dev_tape, dev_processor, dev_cdrom, dev_modisk, dev_changer,
 * dev_raid, and the performance variants dev_disk_perf, dev_tape_perf,
 * dev_modisk_perf whose READ and WRITE commands complete at once without
 * reaching the device (a measure of everything but the device).
 *
 * A device is a SCSI device of this host named H:C:I:L ("add_device
 * 1:0:0:0"), reached through the sg node sysfs lists for it, and must be of
 * the handler's peripheral type.  Every command the opcode table accepts
 * goes to the device except those the core keeps (REPORT LUNS, REQUEST
 * SENSE, RESERVE/RELEASE, PERSISTENT RESERVE IN/OUT): the device sees one
 * initiator, scstd serves many.  A LUN or target reset resets the device
 * (SG_SCSI_RESET_DEVICE).  sg cannot abort one request: ABORT TASK takes
 * back a command still waiting for room in scstd's queue (pt_sg_abort);
 * one the device has finishes when the device answers, as with SCST's
 * pass-through handlers, and only a reset reaches the device. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>

#include "core/cdb.h"
#include "handlers/dev_pass.h"
#include "util/ioloop.h"
#include "util/log.h"
#include "util/be.h"

#define ATTACH_TIMEOUT_MS 30000u

static void errf(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a, b);
}

bool pt_parse_hctl(const char *name, unsigned hctl[4])
{
	int used = -1;

	if (!name || name[0] < '0' || name[0] > '9')
		return false;
	if (sscanf(name, "%u:%u:%u:%u%n", &hctl[0], &hctl[1], &hctl[2], &hctl[3], &used) != 4)
		return false;
	if (used < 0 || name[used])
		return false;
	/* No signs, spaces or leading junk inside the numbers either. */
	for (const char *p = name; *p; p++)
		if (*p != ':' && (*p < '0' || *p > '9'))
			return false;
	return true;
}

int pt_find_sg(const char *sysfs_root, const char *name, char *path, size_t len, char *err,
	       size_t errlen)
{
	char dir[512];
	struct dirent *de;
	DIR *d;
	int rc = -ENODEV;

	snprintf(dir, sizeof(dir), "%s/class/scsi_device/%s/device/scsi_generic", sysfs_root,
		 name);
	d = opendir(dir);
	if (!d) {
		errf(err, errlen, "no SCSI device %s with an sg node (%s)", name,
		     errno == ENOENT ? "no such device, or the sg driver is not loaded"
				     : strerror(errno));
		return -ENODEV;
	}
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "sg", 2) || !de->d_name[2])
			continue;
		snprintf(path, len, "/dev/%s", de->d_name);
		rc = 0;
		break;
	}
	closedir(d);
	if (rc < 0)
		errf(err, errlen, "SCSI device %s has no sg node%s", name, "");
	return rc;
}

int pt_sysfs_type(const char *sysfs_root, const char *name)
{
	char p[512];
	int type = -1;
	FILE *f;

	snprintf(p, sizeof(p), "%s/class/scsi_device/%s/device/type", sysfs_root, name);
	f = fopen(p, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &type) != 1 || type < 0 || type > 0x1f)
		type = -EINVAL;
	fclose(f);
	return type;
}

static unsigned shift_of(uint32_t bs)
{
	unsigned s = 0;

	while (s < 31 && (1u << s) < bs)
		s++;
	return s;
}

/* Block devices (disk, CD, optical): READ CAPACITY(10) gives the block
 * size the READ/WRITE transfer lengths count in.  A drive without a
 * medium answers NOT READY; it keeps the type's usual block size. */
static void read_geometry(struct scst_device *dev, int fd)
{
	static const uint8_t rc10[10] = { 0x25 };
	uint8_t buf[8] = { 0 }, status = 0xff;

	dev->block_size = dev->type == 5 ? 2048 : 512;
	if (pt_sg_sync(fd, rc10, sizeof(rc10), buf, sizeof(buf), false, &status,
		       ATTACH_TIMEOUT_MS) == 0 && status == SAM_STAT_GOOD && get_be32(buf + 4)) {
		dev->block_size = get_be32(buf + 4);
		dev->nblocks = (uint64_t)get_be32(buf) + 1;
	}
	dev->block_shift = shift_of(dev->block_size);
}

/* A tape's fixed-block transfer lengths count in the block size of the
 * mode parameter block descriptor (SPC-4 7.5.5: bytes 5-7 of its 8). */
static void tape_take_block_size(struct scst_device *dev, const uint8_t *mode6, uint32_t len)
{
	if (len >= 12 && mode6[3] >= 8)
		dev->block_size = get_be24(&mode6[9]);
}

static void read_tape_block_size(struct scst_device *dev, int fd)
{
	static const uint8_t ms6[6] = { 0x1a, 0, 0x3f, 0, 12, 0 };
	uint8_t buf[12] = { 0 }, status = 0xff;

	dev->block_size = 0;
	if (pt_sg_sync(fd, ms6, sizeof(ms6), buf, sizeof(buf), false, &status,
		       ATTACH_TIMEOUT_MS) == 0 && status == SAM_STAT_GOOD)
		tape_take_block_size(dev, buf, sizeof(buf));
}

static void read_max_xfer(struct scst_device *dev, int fd)
{
	int bytes = 0;

	if (ioctl(fd, BLKSECTGET, &bytes) == 0 && bytes > 0)
		dev->max_xfer_bytes = (uint32_t)bytes;
}

static const char *type_name(int type)
{
	switch (type) {
	case 0x00: return "disk";
	case 0x01: return "tape";
	case 0x03: return "processor";
	case 0x05: return "CD/DVD";
	case 0x07: return "optical memory";
	case 0x08: return "media changer";
	case 0x0c: return "RAID";
	default: return "other";
	}
}

static int check_type(struct scst_device *dev, char *err, size_t errlen)
{
	int type = pt_sysfs_type("/sys", dev->name);
	char got[48];

	if (type < 0) {
		errf(err, errlen, "cannot read the type of SCSI device %s: %s", dev->name,
		     strerror(-type));
		return type;
	}
	if (type == dev->handler->type)
		return 0;
	snprintf(got, sizeof(got), "%s (type %d)", type_name(type), type);
	snprintf(err, errlen, "SCSI device %s is a %s; %s takes %s devices (type %d)", dev->name,
		 got, dev->handler->name, type_name(dev->handler->type), dev->handler->type);
	return -EINVAL;
}

static int pt_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
		     char *err, size_t errlen)
{
	struct pt_dev *pd;
	unsigned hctl[4];
	int rc;

	(void)params;
	(void)nparams;
	if (!pt_parse_hctl(dev->name, hctl)) {
		errf(err, errlen, "device name '%s' is not H:C:I:L%s", dev->name, "");
		return -EINVAL;
	}
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	pd->sync_fd = -1;
	rc = pt_find_sg("/sys", dev->name, pd->sg_path, sizeof(pd->sg_path), err, errlen);
	if (rc == 0)
		rc = check_type(dev, err, errlen);
	if (rc == 0) {
		pd->sync_fd = open(pd->sg_path, O_RDWR | O_CLOEXEC);
		if (pd->sync_fd < 0) {
			rc = -errno;
			errf(err, errlen, "cannot open %s: %s", pd->sg_path, strerror(errno));
		}
	}
	/* One queue per loop, loops started later (`threads`) included. */
	pd->nqueues = ioloop_count() ? IOLOOP_MAX : 0;
	if (rc == 0 && pd->nqueues) {
		pd->queues = calloc(pd->nqueues, sizeof(*pd->queues));
		if (!pd->queues)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		if (pd->sync_fd >= 0)
			close(pd->sync_fd);
		free(pd);
		return rc;
	}
	dev->dh_priv = pd;
	dev->type = dev->handler->type;
	dev->passthrough = true;
	dev->medium_present = true;
	dev->removable = dev->type != 0x00;
	pd->perf = strstr(dev->handler->name, "_perf") != NULL;
	read_max_xfer(dev, pd->sync_fd);
	if (dev->type == 0x01)
		read_tape_block_size(dev, pd->sync_fd);
	else if (dev->type == 0x00 || dev->type == 0x05 || dev->type == 0x07)
		read_geometry(dev, pd->sync_fd);
	log_info("%s: %s %s, %s, max transfer %u bytes, block size %u", dev->handler->name,
		 dev->name, pd->sg_path, type_name(dev->type), dev->max_xfer_bytes, dev->block_size);
	return 0;
}

static void pt_detach(struct scst_device *dev)
{
	struct pt_dev *pd = pt_of(dev);

	pt_sg_close_queues(pd);
	free(pd->queues);
	if (pd->sync_fd >= 0)
		close(pd->sync_fd);
	free(pd);
	dev->dh_priv = NULL;
}

static void pt_exec(struct scst_cmd *cmd)
{
	uint32_t max = cmd->dev->max_xfer_bytes;

	/* sg refuses a transfer over the device's limit; only block
	 * READ/WRITE can be cut into pieces. */
	if (max && cmd->bufflen > max && !pt_splits(cmd)) {
		scst_set_invalid_field(cmd, true, 0, -1);
		scst_cmd_done(cmd);
		return;
	}
	/* *_perf handlers complete the data-moving READ/WRITE commands
	 * without the device. */
	if (pt_of(cmd->dev)->perf && pt_moves_data(cmd)) {
		if (cmd->data_dir & SCST_DATA_READ) {
			memset(cmd->buf, 0, cmd->bufflen);
			cmd->resp_data_len = cmd->bufflen;
		}
		cmd->status = SAM_STAT_GOOD;
		scst_cmd_done(cmd);
		return;
	}
	pt_sg_submit(cmd);
}

void pt_cmd_succeeded(struct scst_cmd *cmd)
{
	/* A tape's block size changes with MODE SELECT(6) (block descriptor). */
	if (cmd->dev->type == 0x01 && cmd->op->id == SCSI_OP_MODE_SELECT_6 && cmd->buf)
		tape_take_block_size(cmd->dev, cmd->buf, cmd->bufflen);
}

static void pt_reset(struct scst_device *dev)
{
	struct pt_dev *pd = pt_of(dev);
	int what = SG_SCSI_RESET_DEVICE;

	__atomic_store_n(&pd->reset_ua_expected, true, __ATOMIC_RELEASE);
	if (ioctl(pd->sync_fd, SG_SCSI_RESET, &what) < 0)
		log_err("%s: SG_SCSI_RESET_DEVICE: %s", dev->name, strerror(errno));
}

static const char *const no_params[] = { NULL };

#define PT_TYPE(var, nm, t) \
	static struct scst_dev_type var = { \
		.name = nm, .type = t, .add_device_params = no_params, \
		.attach = pt_attach, .detach = pt_detach, .exec = pt_exec, .reset = pt_reset, \
		.abort = pt_sg_abort, \
	}

PT_TYPE(dev_disk_type, "dev_disk", 0x00);
PT_TYPE(dev_disk_perf_type, "dev_disk_perf", 0x00);
PT_TYPE(dev_tape_type, "dev_tape", 0x01);
PT_TYPE(dev_tape_perf_type, "dev_tape_perf", 0x01);
PT_TYPE(dev_processor_type, "dev_processor", 0x03);
PT_TYPE(dev_cdrom_type, "dev_cdrom", 0x05);
PT_TYPE(dev_modisk_type, "dev_modisk", 0x07);
PT_TYPE(dev_modisk_perf_type, "dev_modisk_perf", 0x07);
PT_TYPE(dev_changer_type, "dev_changer", 0x08);
PT_TYPE(dev_raid_type, "dev_raid", 0x0c);

int dev_pass_register_handlers(bool (*wanted)(const char *name))
{
	struct scst_dev_type *const types[] = {
		&dev_disk_type, &dev_disk_perf_type, &dev_tape_type, &dev_tape_perf_type,
		&dev_processor_type, &dev_cdrom_type, &dev_modisk_type, &dev_modisk_perf_type,
		&dev_changer_type, &dev_raid_type,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int rc = !wanted || wanted(types[i]->name) ? scst_register_dev_type(types[i]) : 0;

		if (rc < 0)
			return rc;
	}
	return 0;
}
