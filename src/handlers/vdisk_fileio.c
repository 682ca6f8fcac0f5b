/* vdisk_fileio.c - the vdisk_fileio handler: a disk backed by a regular
 * file or a block device through the page cache (unless o_direct), read
 * and written with io_uring by vdisk_fdio.c; holes are deallocated blocks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

#include "handlers/vdisk_priv.h"
#include "util/ioloop.h"

static int fileio_unmap(struct scst_device *dev, uint64_t off, uint64_t len)
{
	if (fallocate(vdisk_of(dev)->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len) < 0)
		return -errno;
	return 0;
}

/* Data and holes as the file system records them: a hole is deallocated. */
static int fileio_extent(struct scst_device *dev, uint64_t off, uint64_t len, uint64_t *ext_len,
			 bool *mapped)
{
	int fd = vdisk_of(dev)->fd;
	off_t data = lseek(fd, (off_t)off, SEEK_DATA), end;

	if (data < 0 && errno != ENXIO)
		return -errno;
	if (data < 0 || (uint64_t)data >= off + len) {
		*mapped = false;        /* a hole up to the end of the range */
		*ext_len = len;
		return 0;
	}
	if ((uint64_t)data > off) {
		*mapped = false;
		*ext_len = (uint64_t)data - off;
		return 0;
	}
	end = lseek(fd, (off_t)off, SEEK_HOLE);
	if (end < 0)
		return -errno;
	*mapped = true;
	*ext_len = (uint64_t)end - off < len ? (uint64_t)end - off : len;
	return 0;
}

/* A regular backing file: what its file system has left (shared with
 * every other file there) and what the file holds.  A block device has
 * neither to tell. */
static int fileio_lbp_resources(struct scst_device *dev, uint64_t *avail, uint64_t *used)
{
	int fd = vdisk_of(dev)->fd;
	struct statvfs sv;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EOPNOTSUPP;
	if (fstatvfs(fd, &sv) < 0)
		return -errno;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	*used = (uint64_t)st.st_blocks * 512;
	return 0;
}

static void fileio_prefetch(struct scst_device *dev, uint64_t off, uint64_t len)
{
	/* Starts readahead and returns; a failure only loses the hint. */
	(void)posix_fadvise(vdisk_of(dev)->fd, (off_t)off, (off_t)len, POSIX_FADV_WILLNEED);
}

/* SCST's fileio default pool (its num_threads module parameter). */
#define FILEIO_DEFAULT_THREADS 8

static const struct vdisk_backend fileio_backend = {
	.vendor = "SCST_FIO",
	.default_threads_num = FILEIO_DEFAULT_THREADS,
	.size_always_key = true,
	.submit = vdisk_fd_submit,
	.flush = vdisk_fd_flush,
	.unmap = fileio_unmap,
	.extent = fileio_extent,
	.lbp_resources = fileio_lbp_resources,
	.prefetch = fileio_prefetch,
	.read_lend = vdisk_lend_file_range,
};

static int backing_size(int fd, const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0) {
			snprintf(err, errlen, "cannot get the size of %s: %s", path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is neither a regular file nor a block device", path);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int open_backing(const struct vdisk_params *p, char *err, size_t errlen)
{
	int flags = (p->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	int fd;

	if (p->write_through)
		flags |= O_DSYNC;
	if (p->o_direct)
		flags |= O_DIRECT;
	fd = open(p->filename, flags);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open %s: %s", p->filename, strerror(e));
		return -e;
	}
	return fd;
}

/* tmpfs and ramfs serve every read and write from RAM, yet support no
 * RWF_NOWAIT, so io_uring would hand each command to a worker thread and
 * back (two context switches for a copy of a few microseconds). */
static bool memory_backed(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 &&
	       (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC);
}

/* The file's own size (the size attribute's default). */
static int probe_backing(int fd, struct vdisk_params *p, const struct scst_kv *params,
			 size_t nparams, uint64_t *size, char *err, size_t errlen)
{
	(void)params;
	(void)nparams;
	return backing_size(fd, p->filename, size, err, errlen);
}

static void tune_backing(struct vdisk_dev *vd, const struct vdisk_params *p)
{
	vd->o_direct = p->o_direct;
	vd->io_inline = memory_backed(vd->fd);
	vdisk_lend_map_file(vd);
}

static const struct vdisk_fd_backing fileio_backing = {
	.be = &fileio_backend,
	.open = open_backing,
	.probe = probe_backing,
	.tune = tune_backing,
};

static int fileio_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
			 char *err, size_t errlen)
{
	return vdisk_fd_attach(dev, params, nparams, &fileio_backing, err, errlen);
}

/* SCST's list for this handler (scst_vdisk.c, SCST 3.x), in its order. */
static const char *const scst_fileio_params[] = {
	"active", "async", "bind_alua_state", "blocksize", "cluster_mode", "dif_filename",
	"dif_mode", "dif_static_app_tag", "dif_type", "filename", "numa_node_id", "nv_cache",
	"o_direct", "read_only", "removable", "rotational", "thin_provisioned", "tst",
	"t10_dev_id", "write_through", NULL
};

static const char *const fileio_params[] = {
	"filename", "blocksize", "read_only", "write_through", "nv_cache", "o_direct",
	"thin_provisioned", "removable", "rotational", "t10_dev_id", "t10_vend_id", "prod_id",
	"prod_rev_lvl", "usn", "size", "size_mb", "threads_num", "threads_pool_type", "tas", "naa_id", NULL
};

struct scst_dev_type vdisk_fileio_type = {
	.family = "vdisk",
	.name = "vdisk_fileio",
	.type = 0,
	.add_device_params = fileio_params,
	.scst_add_device_params = scst_fileio_params,
	.attach = fileio_attach,
	.detach = vdisk_fd_detach,
	.exec = vdisk_exec,
	.resync_size = vdisk_resync_size,
	.show_attr = vdisk_show_attr,
	.set_attr = vdisk_set_attr,
};
