/* rbd_pr.c - vdisk_rbd's reservation store (struct scst_pr_backend): the
 * LU's reservation state as one RADOS object beside the image,
 * "scstd_pr.<image id>" in the image's pool and namespace, so every
 * gateway exporting the image shares it.
 *
 * The object's content is the core's text; its version is the RADOS
 * object version.  A store is one write operation asserting the version
 * it read (compare-and-set in the OSD), so two gateways changing it at
 * once cannot both succeed.  Every gateway watches the object; a change is
 * announced with a notify carrying the core's message, and the notify
 * returns once every watcher acknowledged it (each acknowledges after its
 * core took the message) or after RBD_PR_NOTIFY_MS.  A gateway killed
 * without unwatching keeps its watch until the OSD times it out
 * (RBD_PR_WATCH_TIMEOUT_S); notifies meanwhile wait the full notify time.
 *
 * Operations run synchronously on the calling I/O thread, bounded by the
 * connection's OSD operation timeout (rbd_cluster.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/vdisk_priv.h"
#include "handlers/vdisk_rbd.h"
#include "util/log.h"

/* The core's state of at most 1024 registrations fits (pr_store.c). */
#define RBD_PR_MAX_BYTES (512u * 1024)
#define RBD_PR_NOTIFY_MS 5000
#define RBD_PR_WATCH_TIMEOUT_S 10

/* vdisk_rbd keeps its struct rbd_dev as the vdisk's handler_priv. */
static struct rbd_dev *rd_of(struct scst_device *dev)
{
	return vdisk_of(dev)->handler_priv;
}

/* On a librados thread: the core takes the message, then the notifier
 * hears that this gateway has it. */
static void pr_notified(void *arg, uint64_t notify_id, uint64_t cookie, uint64_t notifier_id,
			void *data, size_t len)
{
	struct rbd_dev *rd = arg;

	(void)notifier_id;
	scst_pr_shared_event(rd->dev, data, len);
	rados_notify_ack(rd->pr_ioctx, rd->pr_oid, notify_id, cookie, NULL, 0);
}

/* The watch is gone (connection reset, blocklisted...): re-established at
 * the next reservation command, which reads the state anyway. */
static void pr_watch_error(void *arg, uint64_t cookie, int err)
{
	struct rbd_dev *rd = arg;

	(void)cookie;
	log_warn("device %s: lost the watch on %s: %s", rd->dev->name, rd->pr_oid, strerror(-err));
	__atomic_store_n(&rd->pr_watch_lost, true, __ATOMIC_RELEASE);
}

static int watch(struct rbd_dev *rd)
{
	int rc = rados_watch3(rd->pr_ioctx, rd->pr_oid, &rd->pr_watch, pr_notified, pr_watch_error,
			      RBD_PR_WATCH_TIMEOUT_S, rd);

	rd->pr_watching = rc == 0;
	return rc;
}

/* Caller holds pr_lock. */
static void rewatch_if_lost(struct rbd_dev *rd)
{
	if (!__atomic_exchange_n(&rd->pr_watch_lost, false, __ATOMIC_ACQ_REL))
		return;
	if (rd->pr_watching)
		rados_unwatch2(rd->pr_ioctx, rd->pr_watch);
	if (watch(rd) < 0) {
		__atomic_store_n(&rd->pr_watch_lost, true, __ATOMIC_RELEASE);
		log_err("device %s: cannot watch %s again", rd->dev->name, rd->pr_oid);
	}
}

/* The object must exist to be watched: an empty one is "no state yet". */
static int create_if_missing(struct rbd_dev *rd)
{
	rados_write_op_t op = rados_create_write_op();
	int rc;

	if (!op)
		return -ENOMEM;
	rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
	rc = rados_write_op_operate(op, rd->pr_ioctx, rd->pr_oid, NULL, 0);
	rados_release_write_op(op);
	return rc;
}

int rbd_pr_open(struct rbd_dev *rd, struct scst_device *dev, char *err, size_t errlen)
{
	int rc = rados_ioctx_create(rd->cluster, rd->loc.pool, &rd->pr_ioctx);

	rd->dev = dev;
	if (rc < 0) {
		rd->pr_ioctx = NULL;
		snprintf(err, errlen, "cannot open pool %s: %s", rd->loc.pool, strerror(-rc));
		return rc;
	}
	if (rd->loc.ns)
		rados_ioctx_set_namespace(rd->pr_ioctx, rd->loc.ns);
	pthread_mutex_init(&rd->pr_lock, NULL);
	rd->pr_lock_ready = true;
	snprintf(rd->pr_oid, sizeof(rd->pr_oid), "scstd_pr.%s", rd->image_id);
	rc = create_if_missing(rd);
	if (rc == 0)
		rc = watch(rd);
	if (rc < 0)
		snprintf(err, errlen, "cannot create or watch the reservation object %s: %s",
			 rd->pr_oid, strerror(-rc));
	return rc;
}

void rbd_pr_close(struct rbd_dev *rd)
{
	if (rd->pr_watching) {
		rados_unwatch2(rd->pr_ioctx, rd->pr_watch);
		/* No callback may run on a freed device. */
		rados_watch_flush(rd->cluster);
		rd->pr_watching = false;
	}
	if (rd->pr_ioctx)
		rados_ioctx_destroy(rd->pr_ioctx);
	rd->pr_ioctx = NULL;
	if (rd->pr_lock_ready)
		pthread_mutex_destroy(&rd->pr_lock);
	rd->pr_lock_ready = false;
}

static int read_object(struct rbd_dev *rd, char *buf, size_t *len, uint64_t *version)
{
	rados_read_op_t op = rados_create_read_op();
	int rc, prval = 0;

	if (!op)
		return -ENOMEM;
	rados_read_op_read(op, 0, RBD_PR_MAX_BYTES + 1, buf, len, &prval);
	rc = rados_read_op_operate(op, rd->pr_ioctx, rd->pr_oid, 0);
	rados_release_read_op(op);
	if (rc == 0 && prval < 0)
		rc = prval;
	if (rc == 0)
		*version = rados_get_last_version(rd->pr_ioctx);
	return rc;
}

static int pr_load(struct scst_device *dev, char **text, size_t *len, uint64_t *version)
{
	struct rbd_dev *rd = rd_of(dev);
	char *buf = malloc(RBD_PR_MAX_BYTES + 1);
	int rc;

	*text = NULL;
	*len = 0;
	*version = 0;
	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&rd->pr_lock);
	rewatch_if_lost(rd);
	rc = read_object(rd, buf, len, version);
	pthread_mutex_unlock(&rd->pr_lock);
	if (rc == -ENOENT) {
		rc = 0;                 /* removed by hand: no state, version 0 */
		*len = 0;
		*version = 0;
	}
	if (rc == 0 && *len > RBD_PR_MAX_BYTES)
		rc = -EFBIG;
	if (rc < 0 || *len == 0) {
		free(buf);
		return rc;
	}
	*text = buf;
	return 0;
}

/* Version 0: the object is missing and this store creates it. */
static int pr_store(struct scst_device *dev, const char *text, uint64_t version,
		    uint64_t *new_version)
{
	struct rbd_dev *rd = rd_of(dev);
	rados_write_op_t op = rados_create_write_op();
	int rc;

	if (!op)
		return -ENOMEM;
	if (version)
		rados_write_op_assert_version(op, version);
	else
		rados_write_op_create(op, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	rados_write_op_write_full(op, text, strlen(text));
	pthread_mutex_lock(&rd->pr_lock);
	rc = rados_write_op_operate(op, rd->pr_ioctx, rd->pr_oid, NULL, 0);
	if (rc == 0)
		*new_version = rados_get_last_version(rd->pr_ioctx);
	pthread_mutex_unlock(&rd->pr_lock);
	rados_release_write_op(op);
	/* Another gateway stored first: a newer version (-ERANGE), created
	 * it first (-EEXIST), or removed it (-ENOENT). */
	if (rc == -ERANGE || rc == -EOVERFLOW || rc == -EEXIST || (rc == -ENOENT && version))
		return -ECANCELED;
	return rc;
}

static int pr_announce(struct scst_device *dev, const char *msg, size_t len)
{
	struct rbd_dev *rd = rd_of(dev);
	char *reply = NULL;
	size_t reply_len = 0;
	int rc;

	/* Not under pr_lock: this gateway's own watch callback answers it. */
	rc = rados_notify2(rd->pr_ioctx, rd->pr_oid, msg, (int)len, RBD_PR_NOTIFY_MS, &reply,
			   &reply_len);
	if (reply)
		rados_buffer_free(reply);
	return rc;
}

const struct scst_pr_backend rbd_pr_backend = {
	.load = pr_load,
	.store = pr_store,
	.announce = pr_announce,
};
