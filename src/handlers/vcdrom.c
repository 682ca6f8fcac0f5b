/* vcdrom.c - the vcdrom handler: a read-only CD/DVD-ROM drive (peripheral
 * type 5, 2048-byte blocks) whose medium is an ISO image.  Writing a path
 * to the device's filename attribute inserts that image, writing "" takes
 * the medium out (README.scst "vcdrom").  Reads go through the vdisk
 * block I/O path; the MMC queries are answered by vcdrom_mmc.c.
 *
 * Changing the medium never closes the descriptor commands read from: the
 * new image (or /dev/null when the drive is empty) is dup2()ed over it, so
 * a read racing a change reads one file or the other, never a closed or
 * reused descriptor; the core's NOT READY / UNIT ATTENTION answers tell the
 * initiator which medium its commands saw. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "core/attr_rules.h"
#include "core/cdb.h"
#include "core/scst_dev.h"
#include "handlers/vcdrom.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"

static const struct vdisk_backend vcdrom_backend = {
	.vendor = "SCST_FIO",
	.submit = vdisk_fd_submit,
	.flush = vdisk_fd_flush,
	.mode_page = vcdrom_mode_page,
};

/* Opens an image read-only and measures it; the descriptor or -errno. */
static int open_image(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(e));
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0) {
			e = errno;
			snprintf(err, errlen, "cannot get the size of %s: %s", path, strerror(e));
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
	} else {
		e = EINVAL;
		snprintf(err, errlen, "%s is neither a regular file nor a block device", path);
		goto fail;
	}
	if (*size < VCDROM_BLOCK_SIZE) {
		e = EINVAL;
		snprintf(err, errlen, "%s is smaller than one block of %u bytes", path,
			 VCDROM_BLOCK_SIZE);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -e;
}

/* The empty drive's "medium": reads of it return nothing (zeros). */
static int open_empty(char *err, size_t errlen)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/null: %s", strerror(errno));
		return -errno;
	}
	return fd;
}

/* Puts the image path (or nothing for "") behind the device's descriptor
 * and tells the core; 0 or -errno. */
static int change_medium(struct scst_device *dev, const char *path, char *err, size_t errlen)
{
	struct vdisk_dev *vd = vdisk_of(dev);
	uint64_t size = 0;
	int fd = *path ? open_image(path, &size, err, errlen) : open_empty(err, errlen);

	if (fd < 0)
		return fd;
	if (vd->fd < 0) {
		vd->fd = fd;
	} else {
		if (dup2(fd, vd->fd) < 0) {
			int e = errno;

			snprintf(err, errlen, "cannot switch the medium: %s", strerror(e));
			close(fd);
			return -e;
		}
		close(fd);
	}
	pthread_mutex_lock(&dev->lock);
	dev->nblocks = size >> VCDROM_BLOCK_SHIFT;
	pthread_mutex_unlock(&dev->lock);
	scst_medium_set_inserted(dev, *path != 0);
	return 0;
}

static int vcdrom_set_attr(struct scst_device *dev, const char *key, const char *value,
			   char *err, size_t errlen)
{
	int rc;

	if (strcmp(key, "filename") != 0)
		return vdisk_set_attr(dev, key, value, err, errlen);
	/* "" ejects: a management write only (a configuration's filename
	 * is add_device's parameter, which needs a path). */
	if (*value && (rc = attr_rule_check(ATTR_DEVICE, "vcdrom", key, value, err, errlen)) < 0)
		return rc;
	/* Only an initiator's ALLOW lifts the lock; management does not
	 * pull a medium from under a PREVENT. */
	if (scst_medium_removal_prevented(dev)) {
		snprintf(err, errlen, "%s: medium removal is prevented by an initiator", dev->name);
		return -EBUSY;
	}
	rc = change_medium(dev, value, err, errlen);
	if (rc == 0)
		log_info("%s: medium %s%s", dev->name, *value ? "inserted: " : "removed",
			 value);
	return rc;
}

static void vcdrom_detach(struct scst_device *dev)
{
	struct vdisk_dev *vd = dev->dh_priv;

	if (!vd)
		return;
	if (vd->fd >= 0)
		close(vd->fd);
	free(vd->handler_priv);
	vdisk_dev_free(vd);
	dev->dh_priv = NULL;
}

/* The identity defaults of every vdisk; the geometry is the medium's. */
static int setup_identity(struct scst_device *dev, struct vdisk_params *p, char *err,
			  size_t errlen)
{
	p->block_size = VCDROM_BLOCK_SIZE;
	p->read_only = true;
	p->removable = true;
	/* vdisk_setup_device wants a size; the real one comes with the medium. */
	return vdisk_setup_device(dev, p, &vcdrom_backend, VCDROM_BLOCK_SIZE, err, errlen);
}

static int vcdrom_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
			 char *err, size_t errlen)
{
	struct vdisk_params p;
	struct vdisk_dev *vd;
	int rc = vdisk_parse_params(params, nparams, &p, err, errlen);

	if (rc < 0)
		return rc;
	vd = vdisk_dev_new(&vcdrom_backend);
	if (!vd)
		return -ENOMEM;
	vd->handler_priv = calloc(1, sizeof(struct vcdrom_state));
	dev->dh_priv = vd;
	if (!vd->handler_priv) {
		rc = -ENOMEM;
		goto fail;
	}
	vd->rotational = true;
	rc = setup_identity(dev, &p, err, errlen);
	if (rc == 0)
		rc = change_medium(dev, p.filename ? p.filename : "", err, errlen);
	if (rc < 0)
		goto fail;
	((struct vcdrom_state *)vd->handler_priv)->reported_present = dev->medium_present;
	return 0;
fail:
	vcdrom_detach(dev);
	return rc;
}

/* The MMC queries here, everything else (INQUIRY, MODE SENSE, READ, READ
 * CAPACITY, START STOP UNIT, ...) as for any vdisk. */
static void (*const vcdrom_answers[SCSI_OP__COUNT])(struct scst_cmd *) = {
	[SCSI_OP_READ_TOC_PMA_ATIP] = vcdrom_read_toc,
	[SCSI_OP_GET_CONFIGURATION] = vcdrom_get_configuration,
	[SCSI_OP_GET_EVENT_STATUS_NOTIFICATION] = vcdrom_get_event_status,
	[SCSI_OP_READ_DISC_INFORMATION] = vcdrom_read_disc_info,
	[SCSI_OP_READ_TRACK_INFORMATION] = vcdrom_read_track_info,
	[SCSI_OP_MECHANISM_STATUS] = vcdrom_mechanism_status,
};

bool vcdrom_op_has_executor(enum scsi_op_id id)
{
	return id < SCSI_OP__COUNT && (vcdrom_answers[id] || vdisk_op_has_executor(id));
}

bool vcdrom_op_has_own_executor(enum scsi_op_id id)
{
	return id < SCSI_OP__COUNT && vcdrom_answers[id];
}

static void vcdrom_exec(struct scst_cmd *cmd)
{
	void (*answer)(struct scst_cmd *) = vcdrom_answers[cmd->op->id];

	if (!answer) {
		vdisk_exec(cmd);
		return;
	}
	answer(cmd);
	scst_cmd_done(cmd);
}

/* README.scst: a vcdrom has filename, t10_dev_id and usn of its own; its
 * size comes from the image and it is always read-only and removable.
 * SCST lets the inquiry strings be written at run time; here they are
 * fixed at creation, so they are parameters too (SysfsRules: every
 * read-only key attribute is one). */
/* SCST's list for this handler (scst_vdisk.c, SCST 3.x), in its order. */
static const char *const scst_vcdrom_params[] = {
	"tst", NULL
};

static const char *const vcdrom_params[] = {
	"filename", "t10_dev_id", "t10_vend_id", "prod_id", "prod_rev_lvl", "usn", NULL
};

struct scst_dev_type vcdrom_type = {
	.family = "vdisk",
	.name = "vcdrom",
	.type = 5,
	.add_device_params = vcdrom_params,
	.scst_add_device_params = scst_vcdrom_params,
	.attach = vcdrom_attach,
	.detach = vcdrom_detach,
	.exec = vcdrom_exec,
	.set_attr = vcdrom_set_attr,
	.show_attr = vdisk_show_attr,
};
