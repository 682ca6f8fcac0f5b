/* vdisk_rbd.c - the vdisk_rbd handler: a disk that is a Ceph RBD image
 * (docs/rbd.md), reached through librbd's asynchronous API.  Every request
 * carries a librbd completion whose callback (on a librbd thread) hands the
 * result to the command's I/O loop with ioloop_run_on, so no thread waits
 * per command.  WRITE SAME, COMPARE AND WRITE (atomic in the cluster, so
 * against every gateway), UNMAP (write_zeroes: the range reads back as
 * zeros even inside a discard granule) and SYNCHRONIZE CACHE are one
 * librbd request each; GET LBA STATUS reads the object map when the image
 * has fast-diff; a resize in the cluster (rbd resize) reaches the LU as a
 * capacity change unit attention through librbd's update watch.
 *
 * The cluster connection is opened at add_device with bounded timeouts
 * (rbd_cluster.c), so a cluster that is down fails add_device within
 * seconds, and I/O to a cluster that went away fails with a timeout
 * instead of hanging. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rbd/features.h>
#include <rbd/librbd.h>

#include "core/attr_rules.h"
#include "handlers/vdisk_priv.h"
#include "handlers/vdisk_rbd.h"
#include "util/ioloop.h"
#include "util/log.h"

enum rbd_req_kind { REQ_IO, REQ_CAW };

#define RBD_CAW_SECTOR 512u
/* The physical block reported (READ CAPACITY(16) LBPPBE): 4 KiB, the
 * smallest write the OSDs' object stores take without reading first. */
#define RBD_PHYSICAL_BLOCK 4096u

/* One librbd request of one command. */
struct rbd_req {
	struct scst_cmd *cmd;
	enum rbd_req_kind kind;
	uint8_t *read_buf;                /* reads: where short reads are zero-filled */
	uint32_t read_len;
	uint64_t mismatch;                /* COMPARE AND WRITE: librbd writes it */
	uint64_t off;
	int res;
};

static struct rbd_dev *vrbd_of(const struct scst_device *dev)
{
	return vdisk_of(dev)->handler_priv;
}

static void complete_on_loop(void *arg)
{
	struct rbd_req *r = arg;
	struct scst_cmd *cmd = r->cmd;
	int res = r->res;

	if (r->kind == REQ_CAW) {
		/* librbd gives the mismatch as an image offset. */
		uint64_t at = r->mismatch >= r->off ? r->mismatch - r->off : 0;

		free(r);
		vdisk_caw_done(cmd, res, at);
		return;
	}
	free(r);
	vdisk_io_done(cmd, res);
}

/* On a librbd thread: the result, then the command's own loop. */
static void vrbd_completed(rbd_completion_t c, void *arg)
{
	struct rbd_req *r = arg;
	ssize_t res = rbd_aio_get_return_value(c);

	rbd_aio_release(c);
	if (res >= 0 && r->read_buf) {
		/* A read returns its length; past what librbd gave, zeros. */
		if ((uint64_t)res < r->read_len)
			memset(r->read_buf + res, 0, r->read_len - (uint32_t)res);
		res = 0;
	} else if (res > 0) {
		res = 0;
	}
	r->res = (int)res;
	/* Only an allocation can fail; the command must end all the same. */
	while (ioloop_run_on(r->cmd->sess->loop, complete_on_loop, r) < 0)
		usleep(1000);
}

static struct rbd_req *req_new(struct scst_cmd *cmd, enum rbd_req_kind kind, rbd_completion_t *c)
{
	struct rbd_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cmd = cmd;
	r->kind = kind;
	if (rbd_aio_create_completion(r, vrbd_completed, c) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

/* A request librbd refused to queue completes now, on this loop. */
static void req_failed(struct rbd_req *r, rbd_completion_t c, int rc)
{
	struct scst_cmd *cmd = r->cmd;
	enum rbd_req_kind kind = r->kind;

	rbd_aio_release(c);
	free(r);
	if (kind == REQ_CAW)
		vdisk_caw_done(cmd, rc, 0);
	else
		vdisk_io_done(cmd, rc);
}

static void vrbd_submit(struct scst_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off)
{
	rbd_image_t img = vrbd_of(cmd->dev)->image;
	rbd_completion_t c;
	struct rbd_req *r = req_new(cmd, REQ_IO, &c);
	int rc;

	if (!r) {
		vdisk_io_done(cmd, -ENOMEM);
		return;
	}
	if (write) {
		rc = rbd_aio_write(img, off, len, (const char *)buf, c);
	} else {
		r->read_buf = buf;
		r->read_len = len;
		rc = rbd_aio_read(img, off, len, (char *)buf, c);
	}
	if (rc < 0)
		req_failed(r, c, rc);
}

static void vrbd_flush(struct scst_cmd *cmd)
{
	rbd_completion_t c;
	struct rbd_req *r = req_new(cmd, REQ_IO, &c);
	int rc;

	if (!r) {
		vdisk_io_done(cmd, -ENOMEM);
		return;
	}
	rc = rbd_aio_flush(vrbd_of(cmd->dev)->image, c);
	if (rc < 0)
		req_failed(r, c, rc);
}

/* A discard inside librbd's discard granule changes nothing; write_zeroes
 * discards what it can and writes zeros over the rest, so UNMAP's range
 * reads back as zeros (LBPRZ) whatever its alignment. */
static void vrbd_discard(struct scst_cmd *cmd, uint64_t off, uint64_t len)
{
	rbd_completion_t c;
	struct rbd_req *r = req_new(cmd, REQ_IO, &c);
	int rc;

	if (!r) {
		vdisk_io_done(cmd, -ENOMEM);
		return;
	}
	rc = rbd_aio_write_zeroes(vrbd_of(cmd->dev)->image, off, len, c, 0, 0);
	if (rc < 0)
		req_failed(r, c, rc);
}

static void vrbd_write_same(struct scst_cmd *cmd, const uint8_t *block, uint32_t bs, uint64_t off,
			   uint64_t len)
{
	rbd_completion_t c;
	struct rbd_req *r = req_new(cmd, REQ_IO, &c);
	int rc;

	if (!r) {
		vdisk_io_done(cmd, -ENOMEM);
		return;
	}
	rc = rbd_aio_writesame(vrbd_of(cmd->dev)->image, off, len, (const char *)block, bs, c, 0);
	if (rc < 0)
		req_failed(r, c, rc);
}

/* librbd compares and writes atomically (the OSD's cmpext and write in
 * one operation) only within one 512-byte sector; it refuses any other
 * range with -EINVAL, so that is left to the emulation (atomic within
 * this daemon only, docs/rbd.md). */
static bool vrbd_compare_and_write(struct scst_cmd *cmd, const uint8_t *cmp, const uint8_t *data,
				  uint32_t len, uint64_t off)
{
	struct rbd_dev *rd = vrbd_of(cmd->dev);
	rbd_completion_t c;
	struct rbd_req *r;
	ssize_t rc;

	if (off % RBD_CAW_SECTOR + len > RBD_CAW_SECTOR)
		return false;
	r = req_new(cmd, REQ_CAW, &c);
	if (!r) {
		vdisk_caw_done(cmd, -ENOMEM, 0);
		return true;
	}
	r->off = off;
	rc = rbd_aio_compare_and_write(rd->image, off, len, (const char *)cmp, (const char *)data, c,
				       &r->mismatch, 0);
	if (rc < 0)
		req_failed(r, c, (int)rc);
	return true;
}

/* FORMAT UNIT and SANITIZE deallocate the whole medium synchronously. */
static int vrbd_unmap_sync(struct scst_device *dev, uint64_t off, uint64_t len)
{
	ssize_t rc = rbd_write_zeroes(vrbd_of(dev)->image, off, len, 0, 0);

	return rc < 0 ? (int)rc : 0;
}

/* EXTENDED COPY moves its chunks synchronously on its I/O thread. */
static int vrbd_copy_io(struct scst_device *dev, bool write, uint8_t *buf, uint32_t len,
		       uint64_t off)
{
	rbd_image_t img = vrbd_of(dev)->image;
	ssize_t rc = write ? rbd_write(img, off, len, (const char *)buf)
			   : rbd_read(img, off, len, (char *)buf);

	if (rc < 0)
		return (int)rc;
	if (!write && (uint64_t)rc < len)
		memset(buf + rc, 0, len - (size_t)rc);
	return 0;
}

struct extent_walk {
	uint64_t off, len;
	uint64_t ext_len;
	bool mapped, started, done;
};

/* Called per allocated extent in ascending order: the first answers
 * whether off is mapped; the walk then measures the run. */
static int extent_cb(uint64_t ofs, size_t len, int exists, void *arg)
{
	struct extent_walk *w = arg;
	uint64_t end = ofs + len, pos = w->off + w->ext_len;

	if (w->done || !exists)
		return 0;
	if (!w->started) {
		w->started = true;
		if (ofs > w->off) {            /* a hole up to this extent */
			w->mapped = false;
			w->ext_len = ofs - w->off;
			w->done = true;
			return 0;
		}
		w->mapped = true;
		w->ext_len = end - w->off;
		return 0;
	}
	if (ofs > pos) {
		w->done = true;
		return 0;
	}
	if (end > pos)
		w->ext_len = end - w->off;
	return 0;
}

/* The object map (fast-diff) tells which objects exist, without asking
 * the OSDs: an object is the unit of allocation. */
static int vrbd_extent(struct scst_device *dev, uint64_t off, uint64_t len, uint64_t *ext_len,
		      bool *mapped)
{
	struct extent_walk w = { .off = off, .len = len };
	int rc = rbd_diff_iterate2(vrbd_of(dev)->image, NULL, off, len, 1, 1, extent_cb, &w);

	if (rc < 0)
		return rc;
	if (!w.started) {
		w.mapped = false;
		w.ext_len = len;
	}
	*mapped = w.mapped;
	*ext_len = w.ext_len < len ? w.ext_len : len;
	return 0;
}

#define RBD_BACKEND_OPS                                   \
	.vendor = "SCST_RBD",                             \
	.submit = vrbd_submit,                             \
	.flush = vrbd_flush,                               \
	.unmap = vrbd_unmap_sync,                          \
	.discard = vrbd_discard,                           \
	.write_same = vrbd_write_same,                     \
	.compare_and_write = vrbd_compare_and_write,       \
	.copy_io = vrbd_copy_io

static const struct vdisk_backend vrbd_backend = { RBD_BACKEND_OPS };
/* An image with a valid fast-diff object map also answers GET LBA STATUS. */
static const struct vdisk_backend vrbd_backend_object_map = {
	RBD_BACKEND_OPS,
	.extent = vrbd_extent,
};

static bool has_object_map(rbd_image_t img)
{
	uint64_t features = 0, flags = 0;

	if (rbd_get_features(img, &features) < 0 || rbd_get_flags(img, &flags) < 0)
		return false;
	return (features & RBD_FEATURE_FAST_DIFF) &&
	       !(flags & (RBD_FLAG_OBJECT_MAP_INVALID | RBD_FLAG_FAST_DIFF_INVALID));
}

/* On a librbd thread after the image header changed: a new size becomes
 * the capacity, and every nexus hears of it. */
static void vrbd_header_changed(void *arg)
{
	struct scst_device *dev = arg;
	uint64_t size = 0, nblocks;

	if (rbd_get_size(vrbd_of(dev)->image, &size) < 0)
		return;
	nblocks = size >> dev->block_shift;
	pthread_mutex_lock(&dev->lock);
	if (!nblocks || nblocks == dev->nblocks) {
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	dev->nblocks = nblocks;
	pthread_mutex_unlock(&dev->lock);
	vdisk_of(dev)->default_size = size;
	scst_dev_queue_ua(dev, SCST_S_UA_CAPACITY_CHANGED, NULL);
	log_info("%s: image resized in the cluster: %llu blocks", dev->name,
		 (unsigned long long)nblocks);
}

static int vrbd_resync_size(struct scst_device *dev, char *err, size_t errlen)
{
	uint64_t size;
	int rc = rbd_get_size(vrbd_of(dev)->image, &size);

	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the image size: %s", dev->name, strerror(-rc));
		return rc;
	}
	if (size >> dev->block_shift == 0) {
		snprintf(err, errlen, "%s: the image is smaller than one block", dev->name);
		return -EINVAL;
	}
	pthread_mutex_lock(&dev->lock);
	dev->nblocks = size >> dev->block_shift;
	pthread_mutex_unlock(&dev->lock);
	vdisk_of(dev)->default_size = size;
	scst_dev_queue_ua(dev, SCST_S_UA_CAPACITY_CHANGED, NULL);
	return 0;
}

/* The rbd parameters are ours; everything else is a vdisk parameter. */
static int split_params(const struct scst_kv *params, size_t nparams, struct scst_kv *vparams,
			size_t *nv, struct rbd_location *loc, char *err, size_t errlen)
{
	static const char *const keys[] = { "pool", "image", "namespace", "conf", "id" };
	const char **slots[] = { &loc->pool, &loc->image, &loc->ns, &loc->conf, &loc->id };

	*nv = 0;
	memset(loc, 0, sizeof(*loc));
	for (size_t i = 0; i < nparams; i++) {
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(params[i].key, keys[k]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			vparams[(*nv)++] = params[i];
			continue;
		}
		if (attr_rule_check(ATTR_DEVICE, "vdisk_rbd", keys[k],
				    params[i].value ? params[i].value : "", err, errlen) < 0)
			return -EINVAL;
		*slots[k] = params[i].value;
	}
	if (!loc->pool || !loc->image) {
		snprintf(err, errlen, "pool and image are required");
		return -EINVAL;
	}
	return 0;
}

static int parse_all(const struct scst_kv *params, size_t nparams, struct vdisk_params *p,
		     struct rbd_location *loc, char *err, size_t errlen)
{
	struct scst_kv *vparams = calloc(nparams ? nparams : 1, sizeof(*vparams));
	size_t nv;
	int rc;

	if (!vparams)
		return -ENOMEM;
	rc = split_params(params, nparams, vparams, &nv, loc, err, errlen);
	if (rc == 0)
		rc = vdisk_parse_params(vparams, nv, p, err, errlen);
	free(vparams);
	return rc;
}

/* The image's place in the cluster, the same for every gateway: what
 * VPD pages 0x80 and 0x83 derive from. */
static void set_identity(struct vdisk_dev *vd, const struct rbd_dev *rd)
{
	snprintf(vd->identity, sizeof(vd->identity), "rbd.%lld.%s.%s", (long long)rd->pool_id,
		 rd->loc.ns ? rd->loc.ns : "", rd->image_id);
}

static int vrbd_setup(struct scst_device *dev, struct vdisk_dev *vd, struct rbd_dev *rd,
		     struct vdisk_params *p, char *err, size_t errlen)
{
	uint64_t size = 0;
	int rc = rbd_get_size(rd->image, &size);

	if (rc < 0) {
		snprintf(err, errlen, "cannot read the size of image %s: %s", rd->loc.image,
			 strerror(-rc));
		return rc;
	}
	if (p->size > size) {
		snprintf(err, errlen, "size %llu is larger than image %s (%llu bytes)",
			 (unsigned long long)p->size, rd->loc.image, (unsigned long long)size);
		return -EINVAL;
	}
	vd->rotational = p->rotational;
	vd->default_size = size;
	vd->unmap_granularity = rd->discard_granularity >> __builtin_ctz(p->block_size);
	vd->lbppb_exp = (uint8_t)(__builtin_ctz(RBD_PHYSICAL_BLOCK) - __builtin_ctz(p->block_size));
	set_identity(vd, rd);
	dev->dh_priv = vd;
	return vdisk_setup_device(dev, p, vd->be, p->size ? p->size : size, err, errlen);
}

static int vrbd_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
		      char *err, size_t errlen)
{
	struct vdisk_params p;
	struct rbd_location loc;
	struct vdisk_dev *vd;
	struct rbd_dev *rd;
	int rc = parse_all(params, nparams, &p, &loc, err, errlen);

	if (rc < 0)
		return rc;
	rd = rbd_dev_open(&loc, p.read_only, err, errlen, &rc);
	if (!rd)
		return rc;
	vd = vdisk_dev_new(has_object_map(rd->image) ? &vrbd_backend_object_map : &vrbd_backend);
	if (!vd) {
		rbd_dev_close(rd);
		return -ENOMEM;
	}
	vd->handler_priv = rd;
	rc = vrbd_setup(dev, vd, rd, &p, err, errlen);
	if (rc == 0) {
		rc = rbd_update_watch(rd->image, &rd->watch, vrbd_header_changed, dev);
		rd->watching = rc == 0;
		if (rc < 0)
			snprintf(err, errlen, "cannot watch image %s: %s", loc.image, strerror(-rc));
	}
	/* Reservations live beside the image, shared with other gateways. */
	if (rc == 0)
		rc = rbd_pr_open(rd, dev, err, errlen);
	if (rc < 0) {
		rbd_dev_close(rd);
		vdisk_dev_free(vd);
		dev->dh_priv = NULL;
		return rc;
	}
	dev->pr_backend = &rbd_pr_backend;
	return 0;
}

/* The core has waited for the device's commands: no request is left. */
static void vrbd_detach(struct scst_device *dev)
{
	struct vdisk_dev *vd = dev->dh_priv;

	rbd_dev_close(vd->handler_priv);
	vdisk_dev_free(vd);
	dev->dh_priv = NULL;
}

static const char *const vrbd_params[] = {
	"pool", "image", "namespace", "conf", "id", "blocksize", "read_only", "write_through",
	"nv_cache", "thin_provisioned", "rotational", "t10_dev_id", "t10_vend_id", "prod_id",
	"prod_rev_lvl", "usn", "size", "size_mb", "tas", NULL
};

struct scst_dev_type vdisk_rbd_type = {
	.name = "vdisk_rbd",
	.type = 0,
	.add_device_params = vrbd_params,
	.attach = vrbd_attach,
	.detach = vrbd_detach,
	.exec = vdisk_exec,
	.resync_size = vrbd_resync_size,
	.show_attr = vdisk_show_attr,
};
