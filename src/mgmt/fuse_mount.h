/* fuse_mount.h - the management tree mounted as a file system (libfuse3),
 * served by its own thread: ls, cat, echo > and readlink as on
 * /sys/kernel/scst_tgt. */
#ifndef SCSTD_MGMT_FUSE_MOUNT_H
#define SCSTD_MGMT_FUSE_MOUNT_H

#include <sys/types.h>

/* Mounts the tree on dir (which must exist) and starts the thread; gid
 * (NULL: everyone may read, as sysfs) is the group that may read it.
 * 0 or -errno (logged). */
int mgmt_fuse_start(const char *dir, const gid_t *gid);
/* Unmounts and stops the thread; nothing when not mounted. */
void mgmt_fuse_stop(void);

#endif
