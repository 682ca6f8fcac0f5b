/* vdisk_nullio.c - the vdisk_nullio handler: a disk without a backing
 * store, for measuring the target itself.  Writes are discarded; reads
 * return zeros (the buffers come from a recycling pool, so they are cleared
 * explicitly rather than leaking earlier commands' data). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/vdisk_priv.h"

#define NULLIO_DEFAULT_SIZE (1ull << 30)

static void nullio_submit(struct scst_cmd *cmd, bool write, uint8_t *buf, uint32_t len,
			  uint64_t off)
{
	(void)off;
	if (!write)
		memset(buf, 0, len);
	vdisk_io_done(cmd, 0);
}

static void nullio_flush(struct scst_cmd *cmd)
{
	vdisk_io_done(cmd, 0);
}

static const struct vdisk_backend nullio_backend = {
	.vendor = "SCST_NUL",
	.no_medium = true,
	.submit = nullio_submit,
	.read_lend = vdisk_lend_zeros,
	.flush = nullio_flush,
};

static int nullio_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
			 char *err, size_t errlen)
{
	struct vdisk_params p;
	struct vdisk_dev *vd;
	int rc = vdisk_parse_params(params, nparams, &p, err, errlen);

	if (rc < 0)
		return rc;
	vd = vdisk_dev_new(&nullio_backend);
	if (!vd)
		return -ENOMEM;
	vd->rotational = p.rotational;
	vd->dummy = p.dummy;
	vd->default_size = NULLIO_DEFAULT_SIZE;
	dev->dh_priv = vd;
	rc = vdisk_setup_device(dev, &p, &nullio_backend, p.size ? p.size : NULLIO_DEFAULT_SIZE,
				err, errlen);
	if (rc < 0) {
		vdisk_dev_free(vd);
		dev->dh_priv = NULL;
	}
	return rc;
}

static void nullio_detach(struct scst_device *dev)
{
	vdisk_dev_free(dev->dh_priv);
	dev->dh_priv = NULL;
}

/* SCST's list for this handler (scst_vdisk.c, SCST 3.x), in its order. */
static const char *const scst_nullio_params[] = {
	"blocksize", "cluster_mode", "dif_mode", "dif_static_app_tag", "dif_type", "dummy",
	"numa_node_id", "read_only", "removable", "rotational", "size", "size_mb", "tst",
	"t10_dev_id", NULL
};

static const char *const nullio_params[] = {
	"size", "size_mb", "blocksize", "read_only", "removable", "rotational", "t10_dev_id",
	"t10_vend_id", "prod_id", "prod_rev_lvl", "usn", "dummy", "tas", "naa_id", NULL
};

struct scst_dev_type vdisk_nullio_type = {
	.family = "vdisk",
	.name = "vdisk_nullio",
	.type = 0,
	.add_device_params = nullio_params,
	.scst_add_device_params = scst_nullio_params,
	.attach = nullio_attach,
	.detach = nullio_detach,
	.exec = vdisk_exec,
	.show_attr = vdisk_show_attr,
	.set_attr = vdisk_set_attr,
};
