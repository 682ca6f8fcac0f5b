/* rbd_cluster.c - opening and closing an RBD image for vdisk_rbd: the
 * librados connection (configuration file, client id, bounded timeouts),
 * the pool's I/O context with its namespace, the image and what the
 * handler needs to know of it (id, object size, discard granule).
 *
 * Ceph waits for a missing monitor or OSD forever by default (the mount
 * timeout is 300 s, operations have none), which would hang add_device
 * and every command.  Unless the configuration sets them, the timeouts
 * below bound both: add_device fails within RBD_MOUNT_TIMEOUT_S, a command
 * to a cluster that went away fails after RBD_OSD_OP_TIMEOUT_S with
 * -ETIMEDOUT (LOGICAL UNIT COMMUNICATION TIME-OUT), and the LU serves
 * again when the cluster is back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/vdisk_rbd.h"

#define RBD_MOUNT_TIMEOUT_S "10"
#define RBD_MON_OP_TIMEOUT_S "10"
#define RBD_OSD_OP_TIMEOUT_S "30"

struct timeout_default {
	const char *option;
	const char *ceph_default;         /* what Ceph has when nothing sets it */
	const char *ours;
};

static const struct timeout_default timeouts[] = {
	{ "client_mount_timeout", "300", RBD_MOUNT_TIMEOUT_S },
	{ "rados_mon_op_timeout", "0", RBD_MON_OP_TIMEOUT_S },
	{ "rados_osd_op_timeout", "0", RBD_OSD_OP_TIMEOUT_S },
};

/* Ceph prints durations as seconds, possibly with a fraction. */
static bool is_ceph_default(const char *value, const char *def)
{
	return strtod(value, NULL) == strtod(def, NULL);
}

static int bound_timeouts(rados_t cluster, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		char v[64];
		int rc = rados_conf_get(cluster, timeouts[i].option, v, sizeof(v));

		if (rc == 0 && !is_ceph_default(v, timeouts[i].ceph_default))
			continue;         /* the configuration's own value */
		rc = rados_conf_set(cluster, timeouts[i].option, timeouts[i].ours);
		if (rc < 0) {
			snprintf(err, errlen, "cannot set %s: %s", timeouts[i].option, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* librbd's cache holds writes until a flush or until the exclusive lock
 * moves; a read through another gateway takes no lock, so it would miss
 * them.  A write is in the cluster when it completes (the SCSI write
 * cache, WCE, stays a statement about this LU's flush semantics). */
static int no_client_cache(rados_t cluster, char *err, size_t errlen)
{
	int rc = rados_conf_set(cluster, "rbd_cache", "false");

	if (rc < 0)
		snprintf(err, errlen, "cannot turn off rbd_cache: %s", strerror(-rc));
	return rc;
}

/* conf NULL: librados's own lookup (CEPH_CONF, /etc/ceph/ceph.conf ...),
 * where a missing file is no error; a file named explicitly must exist. */
static int connect_cluster(struct rbd_dev *rd, char *err, size_t errlen)
{
	const struct rbd_location *loc = &rd->loc;
	int rc = rados_create(&rd->cluster, loc->id);

	if (rc < 0) {
		snprintf(err, errlen, "cannot create a RADOS client%s%s: %s", loc->id ? " for id " : "",
			 loc->id ? loc->id : "", strerror(-rc));
		rd->cluster = NULL;
		return rc;
	}
	rc = rados_conf_read_file(rd->cluster, loc->conf);
	if (rc < 0 && loc->conf) {
		snprintf(err, errlen, "cannot read Ceph configuration %s: %s", loc->conf,
			 strerror(-rc));
		return rc;
	}
	if (!loc->conf)
		(void)rados_conf_parse_env(rd->cluster, NULL);
	rc = bound_timeouts(rd->cluster, err, errlen);
	if (rc < 0)
		return rc;
	rc = no_client_cache(rd->cluster, err, errlen);
	if (rc < 0)
		return rc;
	rc = rados_connect(rd->cluster);
	if (rc < 0) {
		snprintf(err, errlen, "cannot connect to the Ceph cluster%s%s: %s%s",
			 loc->conf ? " of " : "", loc->conf ? loc->conf : "", strerror(-rc),
			 rc == -ETIMEDOUT ? " (no monitor answered)" :
			 rc == -EACCES || rc == -EPERM ? " (wrong credentials?)" :
			 rc == -ENOENT ? " (no monitor address or keyring found?)" : "");
		return rc;
	}
	return 0;
}

static int open_image(struct rbd_dev *rd, bool read_only, char *err, size_t errlen)
{
	const struct rbd_location *loc = &rd->loc;
	rbd_image_info_t info;
	char v[32];
	int rc = rados_ioctx_create(rd->cluster, loc->pool, &rd->ioctx);

	if (rc < 0) {
		snprintf(err, errlen, "cannot open pool %s: %s", loc->pool, strerror(-rc));
		rd->ioctx = NULL;
		return rc;
	}
	if (loc->ns)
		rados_ioctx_set_namespace(rd->ioctx, loc->ns);
	rc = read_only ? rbd_open_read_only(rd->ioctx, loc->image, &rd->image, NULL)
		       : rbd_open(rd->ioctx, loc->image, &rd->image, NULL);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open image %s in pool %s%s%s: %s", loc->image, loc->pool,
			 loc->ns ? " namespace " : "", loc->ns ? loc->ns : "", strerror(-rc));
		rd->image = NULL;
		return rc;
	}
	rd->pool_id = rados_ioctx_get_id(rd->ioctx);
	rc = rbd_get_id(rd->image, rd->image_id, sizeof(rd->image_id));
	if (rc == 0)
		rc = rbd_stat(rd->image, &info, sizeof(info));
	if (rc < 0) {
		snprintf(err, errlen, "cannot read image %s: %s", loc->image, strerror(-rc));
		return rc;
	}
	/* librbd's discard granule; 0 or unreadable: no larger than an object. */
	rd->discard_granularity = (uint32_t)info.obj_size;
	if (rados_conf_get(rd->cluster, "rbd_discard_granularity_bytes", v, sizeof(v)) == 0 &&
	    strtoul(v, NULL, 10) > 0)
		rd->discard_granularity = (uint32_t)strtoul(v, NULL, 10);
	return 0;
}

static char *dup_opt(const char *s, bool *ok)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static bool copy_location(struct rbd_location *dst, const struct rbd_location *src)
{
	bool ok = true;

	dst->pool = dup_opt(src->pool, &ok);
	dst->image = dup_opt(src->image, &ok);
	dst->ns = dup_opt(src->ns, &ok);
	dst->conf = dup_opt(src->conf, &ok);
	dst->id = dup_opt(src->id, &ok);
	return ok;
}

struct rbd_dev *rbd_dev_open(const struct rbd_location *loc, bool read_only, char *err,
			     size_t errlen, int *rc)
{
	struct rbd_dev *rd = calloc(1, sizeof(*rd));

	*rc = -ENOMEM;
	if (!rd)
		return NULL;
	if (!copy_location(&rd->loc, loc)) {
		rbd_dev_close(rd);
		return NULL;
	}
	*rc = connect_cluster(rd, err, errlen);
	if (*rc == 0)
		*rc = open_image(rd, read_only, err, errlen);
	if (*rc < 0) {
		rbd_dev_close(rd);
		return NULL;
	}
	return rd;
}

void rbd_dev_close(struct rbd_dev *rd)
{
	if (!rd)
		return;
	rbd_pr_close(rd);
	if (rd->watching)
		rbd_update_unwatch(rd->image, rd->watch);
	if (rd->image)
		rbd_close(rd->image);
	if (rd->ioctx)
		rados_ioctx_destroy(rd->ioctx);
	if (rd->cluster)
		rados_shutdown(rd->cluster);
	free((char *)rd->loc.pool);
	free((char *)rd->loc.image);
	free((char *)rd->loc.ns);
	free((char *)rd->loc.conf);
	free((char *)rd->loc.id);
	free(rd);
}
