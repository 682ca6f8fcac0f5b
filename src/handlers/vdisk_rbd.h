/* vdisk_rbd.h - an RBD image opened for vdisk_rbd: the cluster
 * connection, the pool's I/O context and the image (rbd_cluster.c). */
#ifndef SCSTD_HANDLERS_VDISK_RBD_H
#define SCSTD_HANDLERS_VDISK_RBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

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
	/* The shared reservation state (rbd_pr.c): its own I/O context (the
	 * object versions it reads are per context), one operation at a time. */
	rados_ioctx_t pr_ioctx;
	pthread_mutex_t pr_lock;
	bool pr_lock_ready;
	char pr_oid[96];
	uint64_t pr_watch;
	bool pr_watching;
	bool pr_watch_lost;             /* atomic: the error callback saw it go */
	struct scst_device *dev;
};

/* Connects (bounded by the timeouts rbd_cluster.c sets unless the
 * configuration sets its own) and opens the image; NULL with *rc -errno
 * and the reason in err. */
struct rbd_dev *rbd_dev_open(const struct rbd_location *loc, bool read_only, char *err,
			     size_t errlen, int *rc);
void rbd_dev_close(struct rbd_dev *rd);

/* rbd_pr.c: the LU's reservations in a RADOS object beside the image,
 * shared by every gateway (docs/rbd.md).  Open creates the object when
 * missing and watches it, so dev's core learns of other gateways'
 * changes; 0 or -errno with the reason in err. */
struct scst_device;
int rbd_pr_open(struct rbd_dev *rd, struct scst_device *dev, char *err, size_t errlen);
void rbd_pr_close(struct rbd_dev *rd);
extern const struct scst_pr_backend rbd_pr_backend;

extern struct scst_dev_type vdisk_rbd_type;

#endif
