/* vdisk_blockio.c - the vdisk_blockio handler: a disk on a block device,
 * opened O_DIRECT (no page cache between the initiator and the device;
 * O_DSYNC too with write_through) and moved with io_uring by vdisk_fdio.c.
 * The core's buffers are 4 KiB aligned, which satisfies O_DIRECT for any
 * logical block size up to 4096; the exported block size must be a
 * multiple of the device's logical block size for the same reason.
 * UNMAP on a thin_provisioned device is a BLKDISCARD (synchronous: the
 * ioctl returns when the device has accepted the discard). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "handlers/vdisk_priv.h"

static int blockio_unmap(struct scst_device *dev, uint64_t off, uint64_t len)
{
	uint64_t range[2] = { off, len };

	if (ioctl(vdisk_of(dev)->fd, BLKDISCARD, range) < 0)
		return -errno;
	return 0;
}

static const struct vdisk_backend blockio_backend = {
	.vendor = "SCST_BIO",
	.size_always_key = true,
	.default_threads_num = 1,       /* SCST's blockio default */
	.submit = vdisk_fd_submit,
	.flush = vdisk_fd_flush,
	.unmap = blockio_unmap,
};

static int open_device(const struct vdisk_params *p, char *err, size_t errlen)
{
	int flags = (p->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_DIRECT;
	int fd;

	if (p->write_through)
		flags |= O_DSYNC;
	fd = open(p->filename, flags);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open %s: %s", p->filename, strerror(e));
		return -e;
	}
	return fd;
}

/* Size and logical block size from the device; the exported block size
 * may not be smaller (O_DIRECT transfers are whole device blocks). */
static int device_geometry(int fd, const struct vdisk_params *p, uint64_t *size, char *err,
			   size_t errlen)
{
	struct stat st;
	int lbs;

	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s is not a block device", p->filename);
		return -EINVAL;
	}
	if (ioctl(fd, BLKGETSIZE64, size) < 0 || ioctl(fd, BLKSSZGET, &lbs) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot get the geometry of %s: %s", p->filename, strerror(e));
		return -e;
	}
	if ((uint32_t)lbs > p->block_size) {
		snprintf(err, errlen, "blocksize %u is below the logical block size %d of %s",
			 p->block_size, lbs, p->filename);
		return -EINVAL;
	}
	return 0;
}

static bool param_given(const struct scst_kv *params, size_t nparams, const char *key)
{
	for (size_t i = 0; i < nparams; i++)
		if (!strcmp(params[i].key, key))
			return true;
	return false;
}

/* The kernel's own idea of the device (queue/rotational), unless the
 * configuration said otherwise; unknown leaves the parsed default. */
static void default_rotational(int fd, bool *rotational)
{
	struct stat st;
	char path[96];
	FILE *f;
	int v;

	if (fstat(fd, &st) < 0)
		return;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/rotational", major(st.st_rdev),
		 minor(st.st_rdev));
	f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%d", &v) == 1)
		*rotational = v != 0;
	fclose(f);
}

/* The device's size, and the rotational default its queue reports unless
 * the attribute was given. */
static int probe_device(int fd, struct vdisk_params *p, const struct scst_kv *params,
			size_t nparams, uint64_t *size, char *err, size_t errlen)
{
	int rc = device_geometry(fd, p, size, err, errlen);

	if (rc < 0)
		return rc;
	if (!param_given(params, nparams, "rotational"))
		default_rotational(fd, &p->rotational);
	return 0;
}

/* O_DIRECT always; the queue's rotational flag is also the attribute's
 * default, against which [key] is decided. */
static void tune_device(struct vdisk_dev *vd, const struct vdisk_params *p)
{
	(void)p;
	vd->o_direct = true;
	default_rotational(vd->fd, &vd->default_rotational);
}

static const struct vdisk_fd_backing blockio_backing = {
	.be = &blockio_backend,
	.open = open_device,
	.probe = probe_device,
	.tune = tune_device,
};

static int blockio_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
			  char *err, size_t errlen)
{
	return vdisk_fd_attach(dev, params, nparams, &blockio_backing, err, errlen);
}

/* SCST's list for this handler (scst_vdisk.c, SCST 3.x), in its order. */
static const char *const scst_blockio_params[] = {
	"active", "bind_alua_state", "blocksize", "cluster_mode", "dif_filename", "dif_mode",
	"dif_static_app_tag", "dif_type", "filename", "numa_node_id", "nv_cache", "read_only",
	"removable", "rotational", "thin_provisioned", "tst", "t10_dev_id", "write_through", NULL
};

static const char *const blockio_params[] = {
	"filename", "blocksize", "read_only", "write_through", "nv_cache", "thin_provisioned",
	"removable", "rotational", "t10_dev_id", "t10_vend_id", "prod_id", "prod_rev_lvl", "usn",
	"threads_num", "threads_pool_type", "tas", "naa_id", NULL
};

struct scst_dev_type vdisk_blockio_type = {
	.family = "vdisk",
	.name = "vdisk_blockio",
	.type = 0,
	.add_device_params = blockio_params,
	.scst_add_device_params = scst_blockio_params,
	.attach = blockio_attach,
	.detach = vdisk_fd_detach,
	.exec = vdisk_exec,
	.abort = vdisk_xcopy_abort,
	.resync_size = vdisk_resync_size,
	.show_attr = vdisk_show_attr,
	.set_attr = vdisk_set_attr,
};
