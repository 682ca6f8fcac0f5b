/* vdisk_fd_dev.c - the life cycle of a vdisk device on an open file
 * descriptor, shared by the fileio and blockio handlers: attach (the
 * parameters both insist on, the backing opened and probed by the
 * handler's own functions, the device state around the fd) and detach.
 * How I/O on the fd runs is vdisk_fdio.c's. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "handlers/vdisk_priv.h"

/* The device state around fd; size is what the backing itself holds (the
 * default of the size attribute).  On failure fd is closed and dev
 * untouched. */
static int wrap_fd(struct scst_device *dev, const struct vdisk_params *p,
		   const struct vdisk_fd_backing *b, int fd, uint64_t size, char *err, size_t errlen)
{
	struct vdisk_dev *vd = vdisk_dev_new(b->be);
	int rc;

	if (!vd) {
		close(fd);
		return -ENOMEM;
	}
	vd->fd = fd;
	vd->default_size = size;
	if (p->size)
		size = p->size;
	vd->rotational = p->rotational;
	b->tune(vd, p);
	dev->dh_priv = vd;
	rc = vdisk_setup_device(dev, p, b->be, size, err, errlen);
	if (rc < 0) {
		vdisk_dev_free(vd);
		dev->dh_priv = NULL;
		close(fd);
		return rc;
	}
	vd->lbppb_exp = vdisk_fd_lbppb_exp(fd, dev->block_size);
	return 0;
}

int vdisk_fd_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
		    const struct vdisk_fd_backing *b, char *err, size_t errlen)
{
	struct vdisk_params p;
	uint64_t size;
	int rc = vdisk_parse_params(params, nparams, &p, err, errlen), fd;

	if (rc < 0)
		return rc;
	if (!p.filename) {
		snprintf(err, errlen, "filename is required");
		return -EINVAL;
	}
	fd = b->open(&p, err, errlen);
	if (fd < 0)
		return fd;
	rc = b->probe(fd, &p, params, nparams, &size, err, errlen);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return wrap_fd(dev, &p, b, fd, size, err, errlen);
}

void vdisk_fd_detach(struct scst_device *dev)
{
	struct vdisk_dev *vd = dev->dh_priv;

	if (!vd)
		return;
	close(vd->fd);
	vdisk_dev_free(vd);
	dev->dh_priv = NULL;
}
