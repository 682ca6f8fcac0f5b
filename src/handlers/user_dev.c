/* user_dev.c - the scst_user handler: disks whose medium lives in another
 * process (docs/user-handlers.md).  The SCSI side is the vdisk emulation
 * (INQUIRY, MODE SENSE, reservations ... stay in scstd); the backend's
 * reads, writes and flushes go to the handler process attached to the
 * device over the scst_user socket.  A device is created by management
 * like any other (add_device NAME size_mb=..), so LUNs and configuration
 * files name it before its handler runs; while no handler is attached,
 * medium access answers NOT READY, MANUAL INTERVENTION REQUIRED. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cdb.h"
#include "handlers/user_dev.h"
#include "handlers/vdisk_priv.h"
#include "lib/scst_user_wire.h"
#include "util/log.h"

static struct user_dev *user_of(const struct scst_device *dev)
{
	return vdisk_of(dev)->handler_priv;
}

static void user_request(struct scst_cmd *cmd, unsigned kind, uint8_t *buf, uint32_t len,
			 uint64_t off)
{
	struct user_dev *ud = user_of(cmd->dev);
	bool queued = false;

	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		queued = user_conn_queue(ud->conn, cmd, NULL, kind, buf, len, off);
	pthread_mutex_unlock(&ud->lock);
	/* The handler went away after the command's offline check. */
	if (!queued)
		vdisk_io_done(cmd, -ENOTCONN);
}

static void user_submit(struct scst_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off)
{
	user_request(cmd, write ? SCU_IO_WRITE : SCU_IO_READ, buf, len, off);
}

static void user_flush(struct scst_cmd *cmd)
{
	user_request(cmd, SCU_IO_FLUSH, NULL, 0, 0);
}

/* EXTENDED COPY waits on its I/O thread for each chunk, as it waits for
 * pread/pwrite on a fileio device; a handler that does not answer is cut
 * off after cmd_timeout, which bounds the wait. */
static int user_copy_io(struct scst_device *dev, bool write, uint8_t *buf, uint32_t len,
			uint64_t off)
{
	struct user_dev *ud = user_of(dev);
	struct user_wait w = { .lock = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER };
	bool queued = false;

	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		queued = user_conn_queue(ud->conn, NULL, &w, write ? SCU_IO_WRITE : SCU_IO_READ,
					 buf, len, off);
	pthread_mutex_unlock(&ud->lock);
	if (!queued)
		return -ENOTCONN;
	pthread_mutex_lock(&w.lock);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	return w.result;
}

static const struct vdisk_backend user_backend = {
	.vendor = "SCST_USR",
	.submit = user_submit,
	.flush = user_flush,
	.copy_io = user_copy_io,
};

/* Without a handler the medium cannot be reached; the rest of SPC (INQUIRY,
 * REPORT LUNS, reservations, mode pages) answers as usual. */
static void user_exec(struct scst_cmd *cmd)
{
	struct user_dev *ud = user_of(cmd->dev);

	if ((cmd->op->flags & SCST_OP_MEDIUM_ACCESS) &&
	    !__atomic_load_n(&ud->conn, __ATOMIC_ACQUIRE)) {
		scst_set_cmd_error(cmd, SCST_S_NOT_READY_MANUAL_INTERVENTION);
		scst_cmd_done(cmd);
		return;
	}
	vdisk_exec(cmd);
}

static int parse_cmd_timeout(const char *v, unsigned *out, char *err, size_t errlen)
{
	char *end;
	unsigned long s;

	errno = 0;
	s = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || s < 1 || s > USER_CMD_TIMEOUT_MAX_S) {
		snprintf(err, errlen, "cmd_timeout: seconds from 1 to %u, got '%s'",
			 USER_CMD_TIMEOUT_MAX_S, v);
		return -EINVAL;
	}
	*out = (unsigned)s;
	return 0;
}

/* cmd_timeout is ours; everything else is a vdisk parameter. */
static int split_params(const struct scst_kv *params, size_t nparams, struct scst_kv *vparams,
			size_t *nv, unsigned *timeout, char *err, size_t errlen)
{
	*nv = 0;
	*timeout = USER_CMD_TIMEOUT_DEFAULT_S;
	for (size_t i = 0; i < nparams; i++) {
		if (strcmp(params[i].key, "cmd_timeout")) {
			vparams[(*nv)++] = params[i];
			continue;
		}
		if (parse_cmd_timeout(params[i].value ? params[i].value : "", timeout, err,
				      errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

static struct user_dev *user_dev_new(struct scst_device *dev, unsigned timeout)
{
	struct user_dev *ud = calloc(1, sizeof(*ud));

	if (!ud)
		return NULL;
	pthread_mutex_init(&ud->lock, NULL);
	pthread_cond_init(&ud->conn_gone, NULL);
	ud->cmd_timeout_s = timeout;
	ud->dev = dev;
	return ud;
}

static void user_dev_free(struct user_dev *ud)
{
	pthread_mutex_destroy(&ud->lock);
	pthread_cond_destroy(&ud->conn_gone);
	free(ud);
}

static int user_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
		       char *err, size_t errlen)
{
	struct scst_kv *vparams = calloc(nparams ? nparams : 1, sizeof(*vparams));
	struct vdisk_params p;
	struct vdisk_dev *vd = NULL;
	unsigned timeout;
	size_t nv;
	int rc = -ENOMEM;

	if (!vparams)
		return -ENOMEM;
	rc = split_params(params, nparams, vparams, &nv, &timeout, err, errlen);
	if (rc == 0)
		rc = vdisk_parse_params(vparams, nv, &p, err, errlen);
	free(vparams);
	if (rc < 0)
		return rc;
	if (!p.size) {
		snprintf(err, errlen, "size or size_mb is required (the medium is the handler's)");
		return -EINVAL;
	}
	vd = vdisk_dev_new(&user_backend);
	if (!vd)
		return -ENOMEM;
	vd->rotational = p.rotational;
	vd->default_size = p.size;
	vd->handler_priv = user_dev_new(dev, timeout);
	if (!vd->handler_priv) {
		vdisk_dev_free(vd);
		return -ENOMEM;
	}
	dev->dh_priv = vd;
	rc = vdisk_setup_device(dev, &p, &user_backend, p.size, err, errlen);
	if (rc < 0) {
		user_dev_free(vd->handler_priv);
		vdisk_dev_free(vd);
		dev->dh_priv = NULL;
	}
	return rc;
}

/* Deletion: the core has waited for the device's commands, so only the
 * connection itself is left to end. */
static void user_detach(struct scst_device *dev)
{
	struct vdisk_dev *vd = dev->dh_priv;
	struct user_dev *ud = vd->handler_priv;

	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		user_conn_hangup(ud->conn);
	while (ud->conn)
		pthread_cond_wait(&ud->conn_gone, &ud->lock);
	pthread_mutex_unlock(&ud->lock);
	user_dev_free(ud);
	vdisk_dev_free(vd);
	dev->dh_priv = NULL;
}

static int user_show_attr(const struct scst_device *dev, const char *name, char *buf, size_t len,
			  bool *non_default)
{
	struct user_dev *ud = user_of(dev);

	if (!strcmp(name, "cmd_timeout")) {
		snprintf(buf, len, "%u", ud->cmd_timeout_s);
		*non_default = ud->cmd_timeout_s != USER_CMD_TIMEOUT_DEFAULT_S;
		return 0;
	}
	if (!strcmp(name, "handler_pid")) {
		pthread_mutex_lock(&ud->lock);
		snprintf(buf, len, "%d", ud->conn ? (int)ud->pid : 0);
		pthread_mutex_unlock(&ud->lock);
		*non_default = false;
		return 0;
	}
	return vdisk_show_attr(dev, name, buf, len, non_default);
}

struct user_dev *user_dev_attach(const char *name, struct user_conn *conn, pid_t pid,
				 int *rc, char *err, size_t errlen)
{
	struct scst_device *dev;
	struct user_dev *ud = NULL;

	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(name);
	if (!dev) {
		*rc = -ENOENT;
		snprintf(err, errlen, "no device '%s'", name);
	} else if (dev->handler != &scst_user_type) {
		*rc = -EINVAL;
		snprintf(err, errlen, "device '%s' belongs to %s, not scst_user", name,
			 dev->handler->name);
	} else {
		bool attached = false;

		ud = user_of(dev);
		pthread_mutex_lock(&ud->lock);
		if (ud->conn) {
			*rc = -EBUSY;
			snprintf(err, errlen, "device '%s' is served by process %d", name,
				 (int)ud->pid);
		} else {
			ud->pid = pid;
			ud->attaches++;
			__atomic_store_n(&ud->conn, conn, __ATOMIC_RELEASE);
			attached = true;
		}
		pthread_mutex_unlock(&ud->lock);
		if (!attached)
			ud = NULL;
	}
	pthread_mutex_unlock(&scst_mutex);
	return ud;
}

void user_dev_conn_gone(struct user_dev *ud)
{
	pthread_mutex_lock(&ud->lock);
	__atomic_store_n(&ud->conn, NULL, __ATOMIC_RELEASE);
	ud->pid = 0;
	pthread_cond_broadcast(&ud->conn_gone);
	pthread_mutex_unlock(&ud->lock);
}

static const char *const user_params[] = {
	"size", "size_mb", "blocksize", "read_only", "rotational", "t10_dev_id", "t10_vend_id",
	"prod_id", "prod_rev_lvl", "usn", "tas", "cmd_timeout", NULL
};

struct scst_dev_type scst_user_type = {
	.name = "scst_user",
	.type = 0,
	.add_device_params = user_params,
	.attach = user_attach,
	.detach = user_detach,
	.exec = user_exec,
	.show_attr = user_show_attr,
};
