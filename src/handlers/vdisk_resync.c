/* vdisk_resync.c - the resync_size attribute of fileio and blockio
 * devices (README.scst): the backing file or block device is measured
 * again and the capacity follows it; every I_T nexus of the device then
 * gets CAPACITY DATA HAS CHANGED, so initiators reread it. */
#include <errno.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "handlers/vdisk_priv.h"
#include "util/log.h"

static int measure(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	*size = (uint64_t)st.st_size;
	return 0;
}

int vdisk_resync_size(struct scst_device *dev, char *err, size_t errlen)
{
	uint64_t size, nblocks;
	int rc = measure(vdisk_of(dev)->fd, &size);

	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot measure the backing store: %s", dev->name,
			 strerror(-rc));
		return rc;
	}
	nblocks = size >> dev->block_shift;
	if (!nblocks) {
		snprintf(err, errlen, "%s: the backing store is smaller than one block", dev->name);
		return -EINVAL;
	}
	/* A command in flight checked its range against the old capacity:
	 * a shrink under it reads or writes past the new end, as on a real
	 * disk resized under I/O; the unit attention tells the initiator. */
	pthread_mutex_lock(&dev->lock);
	dev->nblocks = nblocks;
	pthread_mutex_unlock(&dev->lock);
	/* The backing store's size again, whatever size was given. */
	vdisk_of(dev)->default_size = size;
	scst_dev_queue_ua(dev, SCST_S_UA_CAPACITY_CHANGED, NULL);
	log_info("%s: capacity resynced to %llu blocks", dev->name, (unsigned long long)nblocks);
	return 0;
}
