/* pr_cmd.c - PERSISTENT RESERVE IN and OUT as commands: decoding the CDB
 * and parameter list, running the state machine (pr.c) under dev->lock,
 * delivering its unit attentions to the affected nexuses, saving the state
 * (pr_store.c) before the status goes out, and building the PR IN data.
 * Also the device's PR life: loaded when the device is added, freed when
 * it is deleted.
 *
 * The file is written with fsync on the I/O thread while dev->lock is held:
 * a small file, but a slow disk stalls this device's commands meanwhile.
 * PREEMPT AND ABORT preempts like PREEMPT, then has tm.c clear the task
 * sets of the preempted nexuses before the command completes. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pr.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"
#include "util/hex.h"

#define PR_OUT_PARAM_LEN 24

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

int scst_pr_dev_init(struct scst_device *dev)
{
	char path[PATH_MAX], err[256];
	bool from_backup;
	int rc;

	dev->pr = malloc(sizeof(*dev->pr));
	if (!dev->pr)
		return -ENOMEM;
	scst_pr_state_init(dev->pr);
	if (!scst_pr_store_path(dev->name, path, sizeof(path)))
		return 0;
	rc = scst_pr_store_load(path, dev->pr, err, sizeof(err), &from_backup);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		/* Starting without reservations beats refusing the device;
		 * the file stays for inspection until the next change. */
		log_err("device %s: ignoring persistent reservations in %s: %s", dev->name, path,
			rc == -EINVAL ? err : strerror(-rc));
		return 0;
	}
	log_info("device %s: %u persistent registrations loaded from %s%s (generation %u)",
		 dev->name, dev->pr->nregs, path, from_backup ? ".1" : "", dev->pr->generation);
	pthread_mutex_lock(&dev->lock);
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

void scst_pr_dev_free(struct scst_device *dev)
{
	if (!dev->pr)
		return;
	scst_pr_state_clear(dev->pr);
	free(dev->pr);
	dev->pr = NULL;
}

void scst_pr_dump(struct scst_device *dev)
{
	const struct scst_pr_reg *reg;

	if (!dev->pr)
		return;
	pthread_mutex_lock(&dev->lock);
	log_info("device %s: PR generation %u, APTPL %d, %u registrant(s), %s", dev->name,
		 dev->pr->generation, dev->pr->aptpl ? 1 : 0, dev->pr->nregs,
		 dev->pr->type == SCST_PR_TYPE_NONE ? "not reserved" : "reserved");
	if (dev->pr->type != SCST_PR_TYPE_NONE)
		log_info("device %s: PR reservation type %u held by %s", dev->name, dev->pr->type,
			 dev->pr->holder ? dev->pr->holder->initiator : "all registrants");
	list_for_each_entry(reg, &dev->pr->regs, node)
		log_info("device %s: PR registrant key 0x%" PRIx64 " initiator %s rel_tgt_id %u",
			 dev->name, reg->key, reg->initiator, reg->rel_tgt_id);
	pthread_mutex_unlock(&dev->lock);
}

/* ---------------------------------------------------------------------- */
/* PERSISTENT RESERVE OUT                                                   */

/* The notification context of one service action: the device, and for
 * PREEMPT AND ABORT the nexuses whose registrations were preempted (names
 * copied: the registrations are freed before the abort runs). */
struct pr_out_ctx {
	struct scst_device *dev;
	struct preempted_name {
		char initiator[SCST_NAME_MAX];
		uint16_t rel_tgt_id;
	} *preempted;
	unsigned npreempted, cap;
};

static void remember_preempted(struct pr_out_ctx *c, const struct scst_pr_reg *reg)
{
	struct preempted_name *p;

	if (!c->preempted || c->npreempted >= c->cap)
		return;
	p = &c->preempted[c->npreempted++];
	memcpy(p->initiator, reg->initiator, sizeof(p->initiator));
	p->rel_tgt_id = reg->rel_tgt_id;
}

/* Queues ua on every nexus of the device that the registration names.
 * Called with dev->lock held. */
static void notify_nexus(void *ctx, const struct scst_pr_reg *reg, enum scst_sense_id ua)
{
	struct pr_out_ctx *c = ctx;
	struct scst_device *dev = c->dev;
	struct scst_tgt_dev *td;

	if (ua == SCST_S_UA_REGISTRATIONS_PREEMPTED)
		remember_preempted(c, reg);
	list_for_each_entry(td, &dev->tgt_devs, dev_node)
		if (td->sess->tgt->rel_tgt_id == reg->rel_tgt_id &&
		    strcasecmp(scst_sess_pr_name(td->sess), reg->initiator) == 0)
			scst_tgt_dev_queue_ua_locked(td, ua);
}

/* With APTPL the state goes to disk; without it no stale file may
 * resurrect old registrations after a restart. */
static void persist(struct scst_device *dev)
{
	char path[PATH_MAX];
	int rc;

	if (!scst_pr_store_path(dev->name, path, sizeof(path)))
		return;
	if (!dev->pr->aptpl) {
		rc = scst_pr_store_remove(path);
		if (rc < 0)
			log_err("device %s: cannot remove %s: %s", dev->name, path,
				strerror(-rc));
		return;
	}
	rc = scst_pr_store_save(dev->pr, path);
	if (rc < 0)
		log_err("device %s: cannot save persistent reservations to %s: %s", dev->name,
			path, strerror(-rc));
}

static bool pr_out_fields_ok(struct scst_cmd *cmd, unsigned sa)
{
	unsigned scope = cmd->cdb[2] >> 4, type = cmd->cdb[2] & 0x0f;
	bool typed = sa == SCST_PR_RESERVE || sa == SCST_PR_RELEASE || sa == SCST_PR_PREEMPT ||
		     sa == SCST_PR_PREEMPT_AND_ABORT;

	if (sa > SCST_PR_REGISTER_AND_IGNORE) {
		scst_set_invalid_field(cmd, true, 1, 4);   /* REGISTER AND MOVE... */
		return false;
	}
	if (typed && scope != 0) {
		scst_set_invalid_field(cmd, true, 2, 7);
		return false;
	}
	if (typed && !scst_pr_type_valid(type)) {
		scst_set_invalid_field(cmd, true, 2, 3);
		return false;
	}
	if (cmd->write_len < PR_OUT_PARAM_LEN) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	/* SPEC_I_PT only with REGISTER; ALL_TG_PT is not supported (REPORT
	 * CAPABILITIES says so). */
	if ((cmd->buf[20] & 0x08) && sa != SCST_PR_REGISTER) {
		scst_set_invalid_field(cmd, false, 20, 3);
		return false;
	}
	if (cmd->buf[20] & 0x04) {
		scst_set_invalid_field(cmd, false, 20, 2);
		return false;
	}
	if (cmd->write_len != PR_OUT_PARAM_LEN && !(cmd->buf[20] & 0x08)) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	return true;
}

/* PREEMPT AND ABORT: room for every registration it could preempt. */
static void prepare_preempted(struct pr_out_ctx *c, unsigned sa)
{
	if (sa != SCST_PR_PREEMPT_AND_ABORT || !c->dev->pr->nregs)
		return;
	c->cap = c->dev->pr->nregs;
	c->preempted = calloc(c->cap, sizeof(*c->preempted));
	if (!c->preempted)
		log_err("device %s: out of memory: PREEMPT AND ABORT aborts no commands",
			c->dev->name);
}

/* Hands the preempted nexuses' commands to tm.c; true when it completes
 * cmd. */
static bool abort_preempted(struct scst_cmd *cmd, struct pr_out_ctx *c)
{
	struct scst_pr_nexus *nx;
	bool pending = false;

	if (!c->npreempted) {
		free(c->preempted);
		return false;
	}
	nx = calloc(c->npreempted, sizeof(*nx));
	if (nx) {
		for (unsigned i = 0; i < c->npreempted; i++) {
			nx[i].initiator = c->preempted[i].initiator;
			nx[i].rel_tgt_id = c->preempted[i].rel_tgt_id;
		}
		pending = scst_preempt_abort(cmd, nx, c->npreempted);
	} else {
		log_err("device %s: out of memory: PREEMPT AND ABORT aborts no commands",
			c->dev->name);
	}
	free(nx);
	free(c->preempted);
	return pending;
}

/* REGISTER with SPEC_I_PT: the TransportIDs are parsed before the lock. */
static void register_spec(struct scst_cmd *cmd, const struct scst_pr_nexus *nx)
{
	struct scst_device *dev = cmd->dev;
	unsigned max = cmd->write_len / 8 + 1, n;
	struct scst_pr_tid *tids;
	uint32_t bad;
	char path[PATH_MAX];
	enum scst_sense_id rc;

	if ((cmd->buf[20] & 0x01) && !scst_pr_store_path(dev->name, path, sizeof(path))) {
		scst_set_invalid_field(cmd, false, 20, 0);      /* APTPL: nowhere to keep it */
		return;
	}
	if (max > SCST_PR_MAX_REGS)
		max = SCST_PR_MAX_REGS;
	tids = calloc(max, sizeof(*tids));
	if (!tids) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	rc = scst_pr_parse_tids(cmd->buf, cmd->write_len, tids, max, &n, &bad);
	if (rc == SCST_S_INVALID_FIELD_IN_PARAM) {
		scst_set_invalid_field(cmd, false, bad, -1);
		free(tids);
		return;
	}
	if (rc == SCST_S_OK) {
		pthread_mutex_lock(&dev->lock);
		rc = scst_pr_register_spec(dev->pr, nx, get_be64(cmd->buf), get_be64(cmd->buf + 8),
					   cmd->buf[20] & 0x01, tids, n);
		if (rc == SCST_S_OK)
			persist(dev);
		scst_resv_update_hint(dev);
		pthread_mutex_unlock(&dev->lock);
	}
	free(tids);
	if (rc == SCST_PR_CONFLICT)
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
	else if (rc == SCST_S_INVALID_FIELD_IN_CDB)
		scst_set_invalid_field(cmd, true, 1, -1);       /* registered: no SPEC_I_PT */
	else if (rc != SCST_S_OK)
		scst_set_cmd_error(cmd, rc);
}

bool scst_pr_out(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	unsigned sa = cmd->cdb[1] & 0x1f;
	struct scst_pr_nexus nx = { scst_sess_pr_name(cmd->sess), cmd->sess->tgt->rel_tgt_id };
	struct pr_out_ctx ctx = { .dev = dev };
	char path[PATH_MAX];
	enum scst_sense_id rc;

	if (!pr_out_fields_ok(cmd, sa))
		return true;
	if (sa == SCST_PR_REGISTER && (cmd->buf[20] & 0x08)) {
		register_spec(cmd, &nx);
		return true;
	}
	pthread_mutex_lock(&dev->lock);
	prepare_preempted(&ctx, sa);
	rc = scst_pr_out_action(dev->pr, &nx, sa, cmd->cdb[2] & 0x0f, get_be64(cmd->buf),
				get_be64(cmd->buf + 8), cmd->buf[20] & 0x01,
				scst_pr_store_path(dev->name, path, sizeof(path)), notify_nexus,
				&ctx);
	if (rc == SCST_S_OK)
		persist(dev);
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
	if (rc == SCST_PR_CONFLICT)
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
	else if (rc == SCST_S_INVALID_FIELD_IN_PARAM && sa >= SCST_PR_PREEMPT &&
		 sa <= SCST_PR_PREEMPT_AND_ABORT)
		scst_set_invalid_field(cmd, false, 8, -1);      /* preempted key zero */
	else if (rc == SCST_S_INVALID_FIELD_IN_PARAM)
		scst_set_invalid_field(cmd, false, 20, 0);      /* APTPL */
	else if (rc != SCST_S_OK)
		scst_set_cmd_error(cmd, rc);
	if (rc != SCST_S_OK) {
		free(ctx.preempted);
		return true;
	}
	return !abort_preempted(cmd, &ctx);
}

/* ---------------------------------------------------------------------- */
/* PERSISTENT RESERVE IN                                                    */

static uint8_t *read_keys(const struct scst_pr *pr, uint32_t *len)
{
	const struct scst_pr_reg *reg;
	uint8_t *d;
	uint32_t n = 0;

	*len = 8 + 8 * pr->nregs;
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be32(d, pr->generation);
	put_be32(d + 4, 8 * pr->nregs);
	list_for_each_entry(reg, &pr->regs, node)
		put_be64(d + 8 + 8 * n++, reg->key);
	return d;
}

static uint8_t *read_reservation(const struct scst_pr *pr, uint32_t *len)
{
	bool held = pr->type != SCST_PR_TYPE_NONE;
	uint8_t *d;

	*len = held ? 24 : 8;
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be32(d, pr->generation);
	if (held) {
		put_be32(d + 4, 16);
		/* All-registrants reservations report key zero (SPC-4 6.15.3). */
		if (pr->holder)
			put_be64(d + 8, pr->holder->key);
		d[21] = pr->type;               /* scope 0: logical unit */
	}
	return d;
}

static uint8_t *report_capabilities(const struct scst_pr *pr, bool can_persist, uint32_t *len)
{
	uint8_t *d;

	*len = 8;
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be16(d, 8);
	d[2] = 0x10 | 0x08 | (can_persist ? 0x01 : 0);  /* CRH, SIP_C, PTPL_C */
	d[3] = 0x80 | (pr->aptpl ? 0x01 : 0);       /* TMV, PTPL_A */
	d[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;    /* WE-AR EA-RO WE-RO EA WE */
	d[5] = 0x01;                                /* EA-AR */
	return d;
}

/* Registrants are known by name.  A name "tid:HEX" is a TransportID given
 * verbatim (scst_local sessions' transport_id) and is reported as such;
 * any other name is an iSCSI name: TransportID format 0, the name
 * NUL-terminated, padded to a multiple of 4, at least 20 bytes in all
 * (SPC-4 7.6.4.6). */
#define PR_TID_PREFIX "tid:"

/* Decodes a "tid:HEX" name into out (NULL: only measure); 0 when the name
 * is not one. */
static uint32_t verbatim_tid(const char *name, uint8_t *out)
{
	size_t plen = strlen(PR_TID_PREFIX), n;
	const char *h = name + plen;

	if (strncmp(name, PR_TID_PREFIX, plen) != 0)
		return 0;
	n = strlen(h);
	if (n == 0 || n % 2)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit_value(h[i]), lo = hex_digit_value(h[i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		if (out)
			out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (uint32_t)(n / 2);
}

static uint32_t transport_id_len(const struct scst_pr_reg *reg)
{
	uint32_t v = verbatim_tid(reg->initiator, NULL), n;

	if (v)
		return v;
	n = ((uint32_t)strlen(reg->initiator) + 1 + 3) & ~3u;
	return 4 + (n < 16 ? 16 : n);
}

static void put_transport_id(const struct scst_pr_reg *reg, uint8_t *d, uint32_t tid)
{
	if (verbatim_tid(reg->initiator, d))
		return;
	d[0] = 0x05;                            /* iSCSI, format 0 */
	put_be16(d + 2, (uint16_t)(tid - 4));
	memcpy(d + 4, reg->initiator, strlen(reg->initiator));
}

static uint8_t *read_full_status(const struct scst_pr *pr, uint32_t *len)
{
	const struct scst_pr_reg *reg;
	uint32_t off = 8;
	uint8_t *d;

	*len = 8;
	list_for_each_entry(reg, &pr->regs, node)
		*len += 24 + transport_id_len(reg);
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be32(d, pr->generation);
	put_be32(d + 4, *len - 8);
	list_for_each_entry(reg, &pr->regs, node) {
		uint32_t tid = transport_id_len(reg);

		put_be64(d + off, reg->key);
		if (scst_pr_is_holder(pr, reg)) {
			d[off + 12] = 0x01;             /* R_HOLDER */
			d[off + 13] = pr->type;
		}
		put_be16(d + off + 18, reg->rel_tgt_id);
		put_be32(d + off + 20, tid);
		put_transport_id(reg, d + off + 24, tid);
		off += 24 + tid;
	}
	return d;
}

void scst_pr_in(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	char path[PATH_MAX];
	bool can_persist = scst_pr_store_path(dev->name, path, sizeof(path));
	uint8_t *data = NULL;
	uint32_t len = 0;

	pthread_mutex_lock(&dev->lock);
	switch (cmd->cdb[1] & 0x1f) {
	case 0:
		data = read_keys(dev->pr, &len);
		break;
	case 1:
		data = read_reservation(dev->pr, &len);
		break;
	case 2:
		data = report_capabilities(dev->pr, can_persist, &len);
		break;
	case 3:
		data = read_full_status(dev->pr, &len);
		break;
	default:        /* refused at parse */
		break;
	}
	pthread_mutex_unlock(&dev->lock);
	if (!data) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	scst_cmd_set_resp_data(cmd, data, len);
	free(data);
}
