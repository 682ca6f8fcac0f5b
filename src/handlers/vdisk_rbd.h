/* vdisk_rbd.h - an RBD image opened for vdisk_rbd: the cluster
 * connection, the pool's I/O context and the image (rbd_cluster.c). */
#ifndef SCSTD_HANDLERS_VDISK_RBD_H
#define SCSTD_HANDLERS_VDISK_RBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

/* add_device's names for the image; strings owned by struct rbd_dev once
 * opened (NULL: not given). */
struct rbd_location {
	const char *pool, *image, *ns, *conf, *id;
};

struct rbd_dev {
	struct rbd_location loc;
	rados_t cluster;
	rados_ioctx_t ioctx;
	rbd_image_t image;
	int64_t pool_id;
	char image_id[64];
	/* Bytes librbd deallocates at once (rbd_discard_granularity_bytes). */
	uint32_t discard_granularity;
	uint64_t watch;
	bool watching;
};

/* Connects (bounded by the timeouts rbd_cluster.c sets unless the
 * configuration sets its own) and opens the image; NULL with *rc -errno
 * and the reason in err. */
struct rbd_dev *rbd_dev_open(const struct rbd_location *loc, bool read_only, char *err,
			     size_t errlen, int *rc);
void rbd_dev_close(struct rbd_dev *rd);

extern struct scst_dev_type vdisk_rbd_type;

#endif
