/* user_dev.c - the scst_user handler: disks whose medium lives in another
 * process (docs/user-handlers.md).  The SCSI side is the vdisk emulation
 * (INQUIRY, MODE SENSE, reservations ... stay in scstd); the backend's
 * reads, writes and flushes go to the handler process attached to the
 * device over the scst_user socket.  A device is created by management
 * like any other (add_device NAME size_mb=..), so LUNs and configuration
 * files name it before its handler runs; while no handler is attached,
 * medium access answers NOT READY, MANUAL INTERVENTION REQUIRED.
 *
 * CDB mode (add_device NAME type=N): the handler is the device server, as
 * with SCST's scst_user: it gets every command the core does not keep
 * (the pass-through split: REPORT LUNS, REQUEST SENSE, reservations, PR,
 * UAs and task management stay here) with its CDB, direction and length,
 * and answers status, sense and data itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attr_rules.h"
#include "core/cdb.h"
#include "handlers/dev_pass.h"
#include "handlers/user_dev.h"
#include "handlers/vdisk_priv.h"
#include "lib/scst_user_wire.h"
#include "util/log.h"

/* A CDB-mode device is a pass-through one to the core, with no vdisk. */
static struct user_dev *user_of(const struct scst_device *dev)
{
	return dev->passthrough ? dev->dh_priv : vdisk_of(dev)->handler_priv;
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

/* SPC-4 6.6.2: peripheral qualifier 001b, "not currently connected", of
 * the device's type; the rest of the standard data is the handler's. */
static void answer_not_connected_inquiry(struct scst_cmd *cmd)
{
	uint8_t std[36] = { 0 };
	uint32_t n = cmd->bufflen < sizeof(std) ? cmd->bufflen : (uint32_t)sizeof(std);

	std[0] = (uint8_t)(0x20 | cmd->dev->type);
	std[1] = cmd->dev->removable ? 0x80 : 0;
	std[2] = 0x06;                   /* SPC-4 */
	std[3] = 0x02;                   /* response data format 2 */
	std[4] = sizeof(std) - 5;
	memcpy(std + 8, "SCST_USR", 8);
	memcpy(std + 16, "not connected   ", 16);
	memcpy(std + 32, " 0  ", 4);
	memcpy(cmd->buf, std, n);
	cmd->resp_data_len = n;
	cmd->status = SAM_STAT_GOOD;
}

/* A CDB-mode device without a handler has no device server: INQUIRY says
 * so, everything else is NOT READY, MANUAL INTERVENTION REQUIRED. */
static void cdb_exec(struct scst_cmd *cmd)
{
	struct user_dev *ud = user_of(cmd->dev);
	bool queued = false;

	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		queued = user_conn_queue(ud->conn, cmd, NULL, USER_REQ_CMD, cmd->buf,
					 cmd->bufflen, 0);
	pthread_mutex_unlock(&ud->lock);
	if (queued)
		return;
	if (cmd->op && cmd->op->id == SCSI_OP_INQUIRY && !(cmd->cdb[1] & 0x01))
		answer_not_connected_inquiry(cmd);
	else
		scst_set_cmd_error(cmd, SCST_S_NOT_READY_MANUAL_INTERVENTION);
	scst_cmd_done(cmd);
}

void user_cmd_answered(struct scst_cmd *cmd, int res, const struct scu_cmd_done *d)
{
	if (res == -ECANCELED) {
		/* Aborted: the core sends no status, or TASK ABORTED (TAS). */
		scst_cmd_done(cmd);
		return;
	}
	if (res < 0) {
		scst_set_cmd_error(cmd, res == -ETIMEDOUT ? SCST_S_LU_COMM_TIMEOUT
					: res == -E2BIG ? SCST_S_INVALID_FIELD_IN_CDB
					: SCST_S_LU_COMM_FAILURE);
		scst_cmd_done(cmd);
		return;
	}
	cmd->status = d->status;
	cmd->sense_len = d->sense_len;
	memcpy(cmd->sense, d->sense, d->sense_len);
	cmd->resp_data_len = d->resp_len;
	if (d->status == SAM_STAT_GOOD)
		pt_cmd_succeeded(cmd);
	else
		scst_dev_device_ua(cmd);
	scst_cmd_done(cmd);
}

/* The SAM-5 function that aborted cmd, as the wire names it. */
static uint8_t tm_fn_of(const struct scst_cmd *cmd)
{
	switch (cmd->mcmd ? cmd->mcmd->fn : SCST_NEXUS_LOSS_SESS) {
	case SCST_ABORT_TASK: return SCU_TM_ABORT_TASK;
	case SCST_ABORT_TASK_SET: return SCU_TM_ABORT_TASK_SET;
	case SCST_CLEAR_TASK_SET: return SCU_TM_CLEAR_TASK_SET;
	case SCST_LUN_RESET: return SCU_TM_LUN_RESET;
	case SCST_TARGET_RESET: return SCU_TM_TARGET_RESET;
	default: return SCU_TM_NEXUS_LOSS;
	}
}

/* A CDB-mode command aborted while the handler side has it: taken back
 * when still queued, else passed on (user_conn_abort). */
static void user_abort(struct scst_cmd *cmd)
{
	struct user_dev *ud = user_of(cmd->dev);
	bool taken = false;

	if (!ud->cdb_mode)
		return;
	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		taken = user_conn_abort(ud->conn, cmd, tm_fn_of(cmd));
	pthread_mutex_unlock(&ud->lock);
	if (taken)
		scst_cmd_done(cmd);
}

static void user_reset(struct scst_device *dev)
{
	struct user_dev *ud = user_of(dev);

	if (!ud->cdb_mode)
		return;
	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		user_conn_reset(ud->conn);
	pthread_mutex_unlock(&ud->lock);
}

/* Without a handler the medium cannot be reached; the rest of SPC (INQUIRY,
 * REPORT LUNS, reservations, mode pages) answers as usual. */
static void user_exec(struct scst_cmd *cmd)
{
	struct user_dev *ud = user_of(cmd->dev);

	if (ud->cdb_mode) {
		cdb_exec(cmd);
		return;
	}
	if ((cmd->op->flags & SCST_OP_MEDIUM_ACCESS) &&
	    !__atomic_load_n(&ud->conn, __ATOMIC_ACQUIRE)) {
		scst_set_cmd_error(cmd, SCST_S_NOT_READY_MANUAL_INTERVENTION);
		scst_cmd_done(cmd);
		return;
	}
	vdisk_exec(cmd);
}

/* The shared rule (core/attr_rules.c) decides, as for -check_config. */
static int parse_cmd_timeout(const char *v, unsigned *out, char *err, size_t errlen)
{
	uint64_t s;
	int rc = attr_rule_check(ATTR_DEVICE, "scst_user", "cmd_timeout", v, err, errlen);

	if (rc < 0)
		return rc;
	attr_parse_uint(v, UINT32_MAX, &s);
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

static int parse_uint(const char *key, const char *v, unsigned long max, unsigned long *out,
		      char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*out = strtoul(v ? v : "", &end, 0);
	if (!v || errno || end == v || *end || *v == '-' || *out > max) {
		snprintf(err, errlen, "%s: a number from 0 to %lu, got '%s'", key, max,
			 v ? v : "");
		return -EINVAL;
	}
	return 0;
}

static const struct scst_kv *find_param(const struct scst_kv *params, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(params[i].key, key))
			return &params[i];
	return NULL;
}

/* Set while user_dev_register's scst_add_device runs on this thread: the
 * device it creates is the handler's from the start, so no ATTACH can
 * take it before the registering handler does. */
static __thread bool registering;

/* type=N: a CDB-mode device.  The handler answers INQUIRY, mode pages and
 * capacity itself, so only what the core must know to parse commands is
 * configured here: the block size fixed-block transfers count in (a tape's
 * changes with MODE SELECT, seen on the way back). */
static int cdb_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
		      char *err, size_t errlen)
{
	unsigned long type = 0, bs = 0;
	unsigned timeout = USER_CMD_TIMEOUT_DEFAULT_S;
	struct user_dev *ud;

	for (size_t i = 0; i < nparams; i++) {
		const char *k = params[i].key, *v = params[i].value;
		int rc;

		if (!strcmp(k, "type"))
			rc = parse_uint(k, v, 0x1e, &type, err, errlen);
		else if (!strcmp(k, "blocksize"))
			rc = parse_uint(k, v, 1u << 24, &bs, err, errlen);
		else if (!strcmp(k, "cmd_timeout"))
			rc = parse_cmd_timeout(v ? v : "", &timeout, err, errlen);
		else {
			snprintf(err, errlen, "%s: not a parameter of a CDB-mode device (type, "
				 "blocksize, cmd_timeout); the handler is the device server", k);
			rc = -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	if (!find_param(params, nparams, "blocksize"))
		bs = type == 0x01 ? 0 : type == 0x05 ? 2048 : 512;
	ud = user_dev_new(dev, timeout);
	if (!ud)
		return -ENOMEM;
	ud->cdb_mode = true;
	ud->registered = registering;
	ud->block_size = (uint32_t)bs;
	dev->dh_priv = ud;
	dev->type = (int)type;
	dev->passthrough = true;
	dev->medium_present = true;
	dev->removable = type != 0x00;
	dev->block_size = ud->block_size;
	dev->block_shift = 0;
	while (dev->block_shift < 31 && (1u << dev->block_shift) < dev->block_size)
		dev->block_shift++;
	return 0;
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

	if (find_param(params, nparams, "type")) {
		free(vparams);
		return cdb_attach(dev, params, nparams, err, errlen);
	}
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
	struct vdisk_dev *vd = dev->passthrough ? NULL : dev->dh_priv;
	struct user_dev *ud = user_of(dev);

	pthread_mutex_lock(&ud->lock);
	if (ud->conn)
		user_conn_hangup(ud->conn);
	while (ud->conn)
		pthread_cond_wait(&ud->conn_gone, &ud->lock);
	pthread_mutex_unlock(&ud->lock);
	user_dev_free(ud);
	if (vd)
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
	if (!strcmp(name, "handler_registered")) {
		if (!ud->registered)
			return -ENOENT;
		snprintf(buf, len, "1");
		*non_default = false;
		return 0;
	}
	if (!strcmp(name, "handler_pid")) {
		pthread_mutex_lock(&ud->lock);
		snprintf(buf, len, "%d", ud->conn ? (int)ud->pid : 0);
		pthread_mutex_unlock(&ud->lock);
		*non_default = false;
		return 0;
	}
	if (ud->cdb_mode) {
		if (!strcmp(name, "type")) {
			snprintf(buf, len, "%d", dev->type);
			*non_default = true;
			return 0;
		}
		if (!strcmp(name, "blocksize")) {
			snprintf(buf, len, "%u", dev->block_size);
			*non_default = dev->block_size != ud->block_size;
			return 0;
		}
		return -ENOENT;
	}
	return vdisk_show_attr(dev, name, buf, len, non_default);
}

/* A handler speaks the device's mode, and in CDB mode is of its type. */
static bool mode_fits(const struct user_dev *ud, uint32_t mode, char *err, size_t errlen)
{
	if (!ud->cdb_mode && !(mode & SCU_AM_CDB))
		return true;
	if (ud->cdb_mode && (mode & SCU_AM_CDB) && SCU_AM_TYPE(mode) == (unsigned)ud->dev->type)
		return true;
	if (ud->cdb_mode && (mode & SCU_AM_CDB))
		snprintf(err, errlen, "device '%s' is of type %d, the handler implements type %u",
			 ud->dev->name, ud->dev->type, SCU_AM_TYPE(mode));
	else
		snprintf(err, errlen, "device '%s' is a %s device, the handler speaks %s",
			 ud->dev->name, ud->cdb_mode ? "CDB-mode" : "byte-range",
			 ud->cdb_mode ? "byte ranges" : "CDBs");
	return false;
}

/* A new handler is a device server that has just powered on (SAM-5
 * 6.3.1): its state (a tape's position, its block size) starts afresh, and
 * every nexus hears of it. */
static void cdb_handler_arrived(struct user_dev *ud)
{
	ud->dev->block_size = ud->block_size;
	scst_dev_queue_ua(ud->dev, SCST_S_UA_POWER_ON, NULL);
}

/* Caller holds scst_mutex. */
static struct user_dev *attach_locked(const char *name, uint32_t mode, struct user_conn *conn,
				      pid_t pid, bool reg, int *rc, char *err, size_t errlen)
{
	struct scst_device *dev;
	struct user_dev *ud = NULL;

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
		if (ud->registered != reg) {
			*rc = reg ? -EEXIST : -EPERM;
			snprintf(err, errlen, reg ? "device '%s' already exists (created by management)"
					      : "device '%s' was registered by a handler process, "
						"which registers it again", name);
		} else if (ud->conn) {
			*rc = reg ? -EEXIST : -EBUSY;
			snprintf(err, errlen, reg ? "device '%s' already exists (served by process %d)"
					      : "device '%s' is served by process %d", name,
				 (int)ud->pid);
		} else if (!mode_fits(ud, mode, err, errlen)) {
			*rc = -EINVAL;
		} else {
			ud->pid = pid;
			ud->attaches++;
			__atomic_store_n(&ud->conn, conn, __ATOMIC_RELEASE);
			attached = true;
		}
		pthread_mutex_unlock(&ud->lock);
		if (!attached)
			ud = NULL;
		else if (ud->cdb_mode)
			cdb_handler_arrived(ud);
	}
	return ud;
}

struct user_dev *user_dev_attach(const char *name, uint32_t mode, struct user_conn *conn,
				 pid_t pid, int *rc, char *err, size_t errlen)
{
	struct user_dev *ud;

	pthread_mutex_lock(&scst_mutex);
	ud = attach_locked(name, mode, conn, pid, false, rc, err, errlen);
	pthread_mutex_unlock(&scst_mutex);
	return ud;
}

static int create_registered(const struct scu_register *r, char *err, size_t errlen)
{
	char type[16], bs[16], timeout[16];
	struct scst_kv params[3] = { { "type", type }, { "blocksize", bs },
				     { "cmd_timeout", timeout } };
	int rc;

	snprintf(type, sizeof(type), "%u", SCU_AM_TYPE(r->mode));
	snprintf(bs, sizeof(bs), "%u", r->block_size);
	snprintf(timeout, sizeof(timeout), "%u", r->cmd_timeout);
	registering = true;
	rc = scst_add_device(scst_user_type.name, r->name, params, r->cmd_timeout ? 3 : 2, err,
			     errlen);
	registering = false;
	if (rc == 0)
		log_info("scst_user %s: registered by its handler (type %u)", r->name,
			 SCU_AM_TYPE(r->mode));
	return rc;
}

/* Caller holds scst_mutex.  A registered device left by its handler is
 * taken back only with its block size (the core parses its LUNs'
 * commands with it); the type is mode_fits's. */
static bool same_geometry(const struct scu_register *r, char *err, size_t errlen)
{
	struct scst_device *dev = scst_find_device(r->name);

	if (!dev || dev->handler != &scst_user_type || !user_of(dev)->registered ||
	    user_of(dev)->block_size == r->block_size)
		return true;    /* attach_locked says what else is wrong */
	snprintf(err, errlen, "device '%s' was registered with block size %u, not %u", r->name,
		 user_of(dev)->block_size, r->block_size);
	return false;
}

struct user_dev *user_dev_register(const struct scu_register *r, struct user_conn *conn, pid_t pid,
				   int *rc, char *err, size_t errlen)
{
	struct user_dev *ud;
	bool exists;

	pthread_mutex_lock(&scst_mutex);
	exists = scst_find_device(r->name) != NULL;
	pthread_mutex_unlock(&scst_mutex);
	if (!exists) {
		*rc = create_registered(r, err, errlen);
		if (*rc < 0)
			return NULL;
	}
	pthread_mutex_lock(&scst_mutex);
	if (exists && !same_geometry(r, err, errlen)) {
		*rc = -EEXIST;
		ud = NULL;
	} else {
		ud = attach_locked(r->name, r->mode, conn, pid, true, rc, err, errlen);
	}
	/* Taken back: its timeout is the new handler's. */
	if (ud && exists)
		ud->cmd_timeout_s = r->cmd_timeout ? r->cmd_timeout : USER_CMD_TIMEOUT_DEFAULT_S;
	pthread_mutex_unlock(&scst_mutex);
	return ud;
}

int user_dev_unregister(const char *name, char *err, size_t errlen)
{
	struct scst_device *dev;
	bool ours;
	int rc;

	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(name);
	ours = dev && dev->handler == &scst_user_type && user_of(dev)->registered &&
	       !user_of(dev)->conn;
	pthread_mutex_unlock(&scst_mutex);
	if (!ours) {
		snprintf(err, errlen, "device '%s' is no longer the handler's", name);
		return -ENOENT;
	}
	rc = scst_del_device(name, err, errlen);
	if (rc == -EBUSY)
		log_info("scst_user %s: %s: kept, offline, until its handler registers it again",
			 name, err);
	return rc;
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
	"prod_id", "prod_rev_lvl", "usn", "tas", "cmd_timeout", "type", NULL
};

struct scst_dev_type scst_user_type = {
	.name = "scst_user",
	.type = 0,
	.add_device_params = user_params,
	.attach = user_attach,
	.detach = user_detach,
	.exec = user_exec,
	.show_attr = user_show_attr,
	.abort = user_abort,
	.reset = user_reset,
};
