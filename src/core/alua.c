/* alua.c - asymmetric logical unit access: the device group / target
 * group model and its configuration, the per-nexus state the command path
 * checks against the opcode table's ALUA flags, and REPORT / SET TARGET
 * PORT GROUPS for devices of a device group.
 *
 * The model lives under scst_mutex.  Each I_T_L nexus caches the state of
 * its target port's group (td->alua_state, written under dev->lock) so
 * the check step takes no lock; every change recomputes the caches of all
 * nexuses of the group's devices before queueing the unit attentions, so
 * all ports of a group change together. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "scst_priv.h"
#include "util/log.h"

struct list_head scst_dev_groups = LIST_HEAD_INIT(scst_dev_groups);

/* SET TARGET PORT GROUPS descriptors accepted in one command. */
#define STPG_MAX_DESCRIPTORS 256
#define STPG_HEADER 4
#define STPG_DESCRIPTOR 4

static const struct {
	unsigned state;
	const char *name;
} state_names[] = {
	{ SCST_ALUA_OPTIMIZED, "active" },
	{ SCST_ALUA_NONOPTIMIZED, "nonoptimized" },
	{ SCST_ALUA_STANDBY, "standby" },
	{ SCST_ALUA_UNAVAILABLE, "unavailable" },
	{ SCST_ALUA_OFFLINE, "offline" },
	{ SCST_ALUA_TRANSITIONING, "transitioning" },
};

const char *scst_alua_state_name(unsigned state)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i].state == state)
			return state_names[i].name;
	return NULL;
}

int scst_alua_state_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(state_names[i].name, name))
			return (int)state_names[i].state;
	return -1;
}

static const char *const tpgs_names[] = {
	[SCST_TPGS_IMPLICIT] = "implicit",
	[SCST_TPGS_EXPLICIT] = "explicit",
	[SCST_TPGS_BOTH] = "both",
};

const char *scst_tpgs_name(enum scst_tpgs tpgs)
{
	return tpgs >= SCST_TPGS_IMPLICIT && tpgs <= SCST_TPGS_BOTH ? tpgs_names[tpgs] : NULL;
}

int scst_tpgs_from_name(const char *name)
{
	for (int i = SCST_TPGS_IMPLICIT; i <= SCST_TPGS_BOTH; i++)
		if (!strcmp(tpgs_names[i], name))
			return i;
	return -1;
}

/* ---- lookups (scst_mutex) ---- */

struct scst_dev_group *scst_dg_find(const char *name)
{
	struct scst_dev_group *dg;

	list_for_each_entry(dg, &scst_dev_groups, node)
		if (!strcmp(dg->name, name))
			return dg;
	return NULL;
}

struct scst_target_group *scst_tg_find(const struct scst_dev_group *dg, const char *name)
{
	struct scst_target_group *tg;

	list_for_each_entry(tg, &dg->tgs, node)
		if (!strcmp(tg->name, name))
			return tg;
	return NULL;
}

struct scst_tg_tgt *scst_tg_tgt_find(const struct scst_target_group *tg, const char *name)
{
	struct scst_tg_tgt *m;

	list_for_each_entry(m, &tg->tgts, node)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

struct scst_tgt *scst_tg_tgt_local(const struct scst_tg_tgt *m)
{
	struct scst_tgt *tgt;

	list_for_each_entry(tgt, &scst_targets, node)
		if (!strcmp(tgt->name, m->name))
			return tgt;
	return NULL;
}

/* The target group of dg that holds a port named name. */
static struct scst_target_group *tg_of_port(const struct scst_dev_group *dg, const char *name)
{
	struct scst_target_group *tg;

	list_for_each_entry(tg, &dg->tgs, node)
		if (scst_tg_tgt_find(tg, name))
			return tg;
	return NULL;
}

static struct scst_target_group *tg_by_id(const struct scst_dev_group *dg, uint16_t id)
{
	struct scst_target_group *tg;

	list_for_each_entry(tg, &dg->tgs, node)
		if (tg->group_id == id)
			return tg;
	return NULL;
}

static struct scst_dg_dev *dg_dev_find(const struct scst_dev_group *dg, const char *name)
{
	struct scst_dg_dev *dd;

	list_for_each_entry(dd, &dg->devs, node)
		if (!strcmp(dd->dev->name, name))
			return dd;
	return NULL;
}

/* A port outside every target group of its device's group, and a device
 * in no group, are active/optimized (as in SCST). */
static uint8_t port_state(const struct scst_device *dev, const struct scst_tgt *tgt)
{
	const struct scst_target_group *tg;

	if (!dev->alua_dg)
		return SCST_ALUA_OPTIMIZED;
	tg = tg_of_port(dev->alua_dg, tgt->name);
	return tg ? tg->state : SCST_ALUA_OPTIMIZED;
}

void scst_alua_init_tgt_dev(struct scst_tgt_dev *td)
{
	td->alua_state = port_state(td->dev, td->sess->tgt);
}

/* ---- state propagation (scst_mutex) ---- */

/* Recomputes the state of every nexus of dev; with ua, every nexus gets
 * ASYMMETRIC ACCESS STATE CHANGED but those of session `except` (the I_T
 * nexus a SET TARGET PORT GROUPS came through, SPC-4). */
static void dev_refresh(struct scst_device *dev, bool ua, const struct scst_session *except)
{
	struct scst_tgt_dev *td;

	pthread_mutex_lock(&dev->lock);
	list_for_each_entry(td, &dev->tgt_devs, dev_node) {
		td->alua_state = port_state(dev, td->sess->tgt);
		if (ua && td->sess != except)
			scst_tgt_dev_queue_ua_locked(td, SCST_S_UA_ALUA_STATE_CHANGED);
	}
	pthread_mutex_unlock(&dev->lock);
}

static void dg_refresh(struct scst_dev_group *dg, bool ua, const struct scst_session *except)
{
	struct scst_dg_dev *dd;

	list_for_each_entry(dd, &dg->devs, node)
		dev_refresh(dd->dev, ua, except);
}

/* ---- configuration ---- */

static bool name_ok(const char *name, const char *what, char *err, size_t errlen)
{
	if (scst_name_valid(name))
		return true;
	scst_errf(err, errlen, "invalid %s name '%s'", what, name);
	return false;
}

int scst_dg_add(const char *name, char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	int rc = 0;

	if (!name_ok(name, "device group", err, errlen))
		return -EINVAL;
	pthread_mutex_lock(&scst_mutex);
	if (scst_dg_find(name)) {
		scst_errf(err, errlen, "device group '%s' already exists", name);
		rc = -EEXIST;
	} else if (!(dg = calloc(1, sizeof(*dg)))) {
		rc = -ENOMEM;
	} else {
		snprintf(dg->name, sizeof(dg->name), "%s", name);
		dg->tpgs = SCST_TPGS_IMPLICIT;
		list_init(&dg->devs);
		list_init(&dg->tgs);
		list_add_tail(&dg->node, &scst_dev_groups);
		log_info("device group %s created", name);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

static void tg_free(struct scst_target_group *tg)
{
	struct scst_tg_tgt *m, *tmp;

	list_for_each_entry_safe(m, tmp, &tg->tgts, node)
		free(m);
	list_del(&tg->node);
	free(tg);
}

/* A device leaving its group is back to the implicit single group:
 * active/optimized on every port, which its nexuses are told. */
static void dg_dev_remove(struct scst_dg_dev *dd)
{
	struct scst_device *dev = dd->dev;

	list_del(&dd->node);
	free(dd);
	if (dev->alua_dg->tpgs != SCST_TPGS_IMPLICIT)
		scst_dev_queue_ua(dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
	dev->alua_dg = NULL;
	dev_refresh(dev, true, NULL);
}

int scst_dg_del(const char *name, char *err, size_t errlen)
{
	struct scst_target_group *tg, *ttmp;
	struct scst_dg_dev *dd, *dtmp;
	struct scst_dev_group *dg;

	pthread_mutex_lock(&scst_mutex);
	dg = scst_dg_find(name);
	if (!dg) {
		pthread_mutex_unlock(&scst_mutex);
		scst_errf(err, errlen, "device group '%s' not found", name);
		return -ENOENT;
	}
	list_for_each_entry_safe(dd, dtmp, &dg->devs, node)
		dg_dev_remove(dd);
	list_for_each_entry_safe(tg, ttmp, &dg->tgs, node)
		tg_free(tg);
	/* name may point into dg: log before freeing. */
	log_info("device group %s deleted", name);
	list_del(&dg->node);
	free(dg);
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

/* TPGS is standard INQUIRY data: its change is INQUIRY DATA HAS CHANGED
 * on every nexus of the group's devices (SPC-4). */
static void dg_inquiry_changed(struct scst_dev_group *dg)
{
	struct scst_dg_dev *dd;

	list_for_each_entry(dd, &dg->devs, node)
		scst_dev_queue_ua(dd->dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
}

int scst_dg_set_tpgs(struct scst_dev_group *dg, enum scst_tpgs tpgs)
{
	pthread_mutex_lock(&scst_mutex);
	if (dg->tpgs != tpgs) {
		dg->tpgs = tpgs;
		dg_inquiry_changed(dg);
	}
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

int scst_dg_set_transition_time(struct scst_dev_group *dg, unsigned seconds, char *err,
				size_t errlen)
{
	if (seconds > 255) {
		scst_errf(err, errlen, "implicit_transition_time %u out of range (0..255 s)",
			  seconds);
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	dg->transition_time = (uint8_t)seconds;
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

int scst_dg_dev_add(struct scst_dev_group *dg, const char *dev_name, char *err, size_t errlen)
{
	struct scst_device *dev;
	struct scst_dg_dev *dd;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(dev_name);
	if (!dev) {
		scst_errf(err, errlen, "device '%s' not found", dev_name);
		rc = -ENOENT;
	} else if (dev->alua_dg) {
		scst_errf(err, errlen, "device '%s' is already in device group '%s'", dev_name,
			  dev->alua_dg->name);
		rc = -EEXIST;
	} else if (!(dd = calloc(1, sizeof(*dd)))) {
		rc = -ENOMEM;
	} else {
		dd->dev = dev;
		list_add_tail(&dd->node, &dg->devs);
		dev->alua_dg = dg;
		if (dg->tpgs != SCST_TPGS_IMPLICIT)
			scst_dev_queue_ua(dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
		dev_refresh(dev, true, NULL);
		log_info("device group %s: device %s added", dg->name, dev_name);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

int scst_dg_dev_del(struct scst_dev_group *dg, const char *dev_name, char *err, size_t errlen)
{
	struct scst_dg_dev *dd;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	dd = dg_dev_find(dg, dev_name);
	if (!dd) {
		scst_errf(err, errlen, "device '%s' is not in device group '%s'", dev_name,
			  dg->name);
		rc = -ENOENT;
	} else {
		dg_dev_remove(dd);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

void scst_alua_dev_gone(struct scst_device *dev)
{
	struct scst_dg_dev *dd;

	if (!dev->alua_dg)
		return;
	dd = dg_dev_find(dev->alua_dg, dev->name);
	if (dd) {
		list_del(&dd->node);
		free(dd);
	}
	dev->alua_dg = NULL;
}

void scst_alua_tgt_gone(const struct scst_tgt *tgt)
{
	struct scst_target_group *tg;
	struct scst_dev_group *dg;
	const struct scst_tgt *t;
	struct scst_tg_tgt *m;

	list_for_each_entry(t, &scst_targets, node)
		if (t != tgt && !strcmp(t->name, tgt->name))
			return;         /* the name still names a local port */
	list_for_each_entry(dg, &scst_dev_groups, node) {
		list_for_each_entry(tg, &dg->tgs, node) {
			m = scst_tg_tgt_find(tg, tgt->name);
			if (!m)
				continue;
			log_info("target %s deleted: out of target group %s of device group %s",
				 tgt->name, tg->name, dg->name);
			list_del(&m->node);
			free(m);
		}
	}
}

int scst_tg_add(struct scst_dev_group *dg, const char *name, char *err, size_t errlen)
{
	struct scst_target_group *tg;
	int rc = 0;

	if (!name_ok(name, "target group", err, errlen))
		return -EINVAL;
	pthread_mutex_lock(&scst_mutex);
	if (scst_tg_find(dg, name)) {
		scst_errf(err, errlen, "target group '%s' already exists in '%s'", name, dg->name);
		rc = -EEXIST;
	} else if (!(tg = calloc(1, sizeof(*tg)))) {
		rc = -ENOMEM;
	} else {
		snprintf(tg->name, sizeof(tg->name), "%s", name);
		tg->dg = dg;
		tg->state = SCST_ALUA_OPTIMIZED;
		list_init(&tg->tgts);
		list_add_tail(&tg->node, &dg->tgs);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

int scst_tg_del(struct scst_dev_group *dg, const char *name, char *err, size_t errlen)
{
	struct scst_target_group *tg;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	tg = scst_tg_find(dg, name);
	if (!tg) {
		scst_errf(err, errlen, "target group '%s' not found in '%s'", name, dg->name);
		rc = -ENOENT;
	} else {
		bool had_ports = !list_empty(&tg->tgts);

		tg_free(tg);
		if (had_ports)
			dg_refresh(dg, true, NULL);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

int scst_tg_tgt_add(struct scst_target_group *tg, const char *name, char *err, size_t errlen)
{
	struct scst_target_group *other;
	struct scst_tg_tgt *m;
	int rc = 0;

	if (!name_ok(name, "target", err, errlen))
		return -EINVAL;
	pthread_mutex_lock(&scst_mutex);
	other = tg_of_port(tg->dg, name);
	if (other) {
		/* One port, one state per device: SPC-4's groups do not overlap. */
		scst_errf(err, errlen, "target '%s' is already in target group '%s' of '%s'", name,
			  other->name, tg->dg->name);
		rc = -EEXIST;
	} else if (!(m = calloc(1, sizeof(*m)))) {
		rc = -ENOMEM;
	} else {
		snprintf(m->name, sizeof(m->name), "%s", name);
		list_add_tail(&m->node, &tg->tgts);
		dg_refresh(tg->dg, tg->state != SCST_ALUA_OPTIMIZED, NULL);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

int scst_tg_tgt_del(struct scst_target_group *tg, const char *name, char *err, size_t errlen)
{
	struct scst_tg_tgt *m;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	m = scst_tg_tgt_find(tg, name);
	if (!m) {
		scst_errf(err, errlen, "target '%s' is not in target group '%s'", name, tg->name);
		rc = -ENOENT;
	} else {
		list_del(&m->node);
		free(m);
		dg_refresh(tg->dg, tg->state != SCST_ALUA_OPTIMIZED, NULL);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

int scst_tg_set_group_id(struct scst_target_group *tg, unsigned id, char *err, size_t errlen)
{
	struct scst_target_group *other;
	int rc = 0;

	if (id < 1 || id > 0xffff) {
		scst_errf(err, errlen, "group_id %u out of range (1..65535)", id);
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	other = tg_by_id(tg->dg, (uint16_t)id);
	if (other && other != tg) {
		scst_errf(err, errlen, "group_id %u is target group '%s''s already", id,
			  other->name);
		rc = -EEXIST;
	} else {
		tg->group_id = (uint16_t)id;
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

static void tg_change_state(struct scst_target_group *tg, uint8_t state, uint8_t status,
			    const struct scst_session *except)
{
	if (tg->state == state)
		return;
	log_info("device group %s, target group %s: %s -> %s", tg->dg->name, tg->name,
		 scst_alua_state_name(tg->state), scst_alua_state_name(state));
	tg->state = state;
	tg->status = status;
	dg_refresh(tg->dg, true, except);
}

int scst_tg_set_state(struct scst_target_group *tg, enum scst_alua_state state)
{
	pthread_mutex_lock(&scst_mutex);
	tg_change_state(tg, (uint8_t)state, SCST_ALUA_STATUS_IMPLICIT, NULL);
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

/* The preferred bit is part of what RTPG reports, so initiators are told
 * with the same unit attention as for a state change. */
int scst_tg_set_preferred(struct scst_target_group *tg, bool preferred)
{
	pthread_mutex_lock(&scst_mutex);
	if (tg->preferred != preferred) {
		tg->preferred = preferred;
		dg_refresh(tg->dg, true, NULL);
	}
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

int scst_tg_tgt_set_rel_tgt_id(struct scst_tg_tgt *m, unsigned id, char *err, size_t errlen)
{
	if (id < 1 || id > 0xffff) {
		scst_errf(err, errlen, "rel_tgt_id %u out of range (1..65535)", id);
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	m->rel_tgt_id = (uint16_t)id;
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

/* ---- command side ---- */

bool scst_alua_op_offered(const struct scst_opcode_desc *op, const struct scst_device *dev)
{
	bool explicit;

	if (!(op->flags & SCST_OP_EXPLICIT_ALUA))
		return true;
	if (!dev)
		return false;
	pthread_mutex_lock(&scst_mutex);
	explicit = dev->alua_dg && (dev->alua_dg->tpgs & SCST_TPGS_EXPLICIT);
	pthread_mutex_unlock(&scst_mutex);
	return explicit;
}

uint8_t scst_alua_tpgs_bits(const struct scst_device *dev)
{
	enum scst_tpgs tpgs;

	pthread_mutex_lock(&scst_mutex);
	tpgs = dev->alua_dg ? dev->alua_dg->tpgs : SCST_TPGS_IMPLICIT;
	pthread_mutex_unlock(&scst_mutex);
	return (uint8_t)(tpgs << 4);
}

bool scst_alua_port_group(const struct scst_device *dev, const struct scst_tgt *tgt,
			  uint16_t *group_id)
{
	const struct scst_target_group *tg = NULL;
	bool found = true;

	pthread_mutex_lock(&scst_mutex);
	if (dev->alua_dg) {
		tg = tg_of_port(dev->alua_dg, tgt->name);
		found = tg != NULL;
	}
	*group_id = tg ? tg->group_id : SCST_TARGET_PORT_GROUP_ID;
	pthread_mutex_unlock(&scst_mutex);
	return found;
}

/* SPC-4 5.16.2.4: the commands each state lets through are marked in the
 * opcode table; the rest end with the state's NOT READY sense.  Offline
 * answers as unavailable (SCST does the same). */
enum scst_sense_id scst_alua_check_state(unsigned state, uint32_t op_flags)
{
	switch (state) {
	case SCST_ALUA_OPTIMIZED:
	case SCST_ALUA_NONOPTIMIZED:
		return SCST_S_OK;
	case SCST_ALUA_STANDBY:
		return op_flags & SCST_OP_ALUA_STANDBY ? SCST_S_OK : SCST_S_ALUA_STANDBY;
	case SCST_ALUA_TRANSITIONING:
		return op_flags & SCST_OP_ALUA_TRANSITIONING ? SCST_S_OK
							     : SCST_S_ALUA_TRANSITIONING;
	default:
		return op_flags & SCST_OP_ALUA_UNAVAILABLE ? SCST_S_OK : SCST_S_ALUA_UNAVAILABLE;
	}
}

bool scst_alua_admits(struct scst_cmd *cmd)
{
	enum scst_sense_id id = scst_alua_check_state(cmd->tgt_dev->alua_state, cmd->op->flags);

	if (id == SCST_S_OK)
		return true;
	scst_set_cmd_error(cmd, id);
	return false;
}

static void put_be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

/* T_SUP, O_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP: every state but LBA dependent. */
#define ALUA_SUPPORTED_STATES (0x80 | 0x40 | 0x08 | 0x04 | 0x02 | 0x01)

static uint16_t member_rel_tgt_id(const struct scst_tg_tgt *m)
{
	const struct scst_tgt *tgt = scst_tg_tgt_local(m);

	return tgt ? tgt->rel_tgt_id : m->rel_tgt_id;
}

static uint32_t report_length(const struct scst_dev_group *dg)
{
	const struct scst_target_group *tg;
	const struct scst_tg_tgt *m;
	uint32_t len = 0;

	list_for_each_entry(tg, &dg->tgs, node) {
		len += 8;
		list_for_each_entry(m, &tg->tgts, node)
			len += 4;
	}
	return len;
}

static uint8_t *put_group(uint8_t *p, const struct scst_target_group *tg)
{
	const struct scst_tg_tgt *m;
	uint8_t *g = p;
	unsigned n = 0;

	g[0] = (tg->preferred ? 0x80 : 0) | tg->state;
	g[1] = ALUA_SUPPORTED_STATES;
	put_be16(&g[2], tg->group_id);
	g[5] = tg->status;
	p += 8;
	list_for_each_entry(m, &tg->tgts, node) {
		/* TARGET PORT COUNT is one byte: RTPG cannot describe more. */
		if (n == 255)
			break;
		put_be16(&p[2], member_rel_tgt_id(m));
		p += 4;
		n++;
	}
	g[7] = (uint8_t)n;
	return p;
}

bool scst_alua_report_groups(struct scst_cmd *cmd)
{
	bool extended = (cmd->cdb[1] >> 5) == 1;
	unsigned hdr = extended ? 8 : 4;
	const struct scst_target_group *tg;
	uint8_t *d, *p;
	uint32_t len;

	pthread_mutex_lock(&scst_mutex);
	if (!cmd->dev->alua_dg) {
		pthread_mutex_unlock(&scst_mutex);
		return false;
	}
	len = report_length(cmd->dev->alua_dg);
	d = calloc(1, hdr + len);
	if (!d) {
		pthread_mutex_unlock(&scst_mutex);
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return true;
	}
	p = d + hdr;
	list_for_each_entry(tg, &cmd->dev->alua_dg->tgs, node)
		p = put_group(p, tg);
	if (extended) {
		d[4] = 0x10;    /* format type 001b */
		d[5] = cmd->dev->alua_dg->transition_time;
	}
	pthread_mutex_unlock(&scst_mutex);
	len = (uint32_t)(p - d) - hdr;
	/* RETURN DATA LENGTH counts what follows the basic 4-byte header. */
	put_be32(d, len + hdr - 4);
	scst_cmd_set_resp_data(cmd, d, hdr + len);
	free(d);
	return true;
}

struct stpg_change {
	struct scst_target_group *tg;
	uint8_t state;
};

/* Checks every descriptor before anything changes: one bad one refuses
 * the whole list (SPC-4: no state is changed).  Returns the count or -1
 * with the sense set. */
static int stpg_collect(struct scst_cmd *cmd, const struct scst_dev_group *dg, uint32_t len,
			struct stpg_change *ch)
{
	int n = 0;

	for (uint32_t off = STPG_HEADER; off < len; off += STPG_DESCRIPTOR, n++) {
		const uint8_t *d = &cmd->buf[off];
		uint8_t state = d[0] & 0x0f;

		if (d[0] & 0xf0) {
			scst_set_invalid_field(cmd, false, off, 7);
			return -1;
		}
		/* Only primary states can be asked for by group; offline and
		 * transitioning are the target's to enter. */
		if (state != SCST_ALUA_OPTIMIZED && state != SCST_ALUA_NONOPTIMIZED &&
		    state != SCST_ALUA_STANDBY && state != SCST_ALUA_UNAVAILABLE) {
			scst_set_invalid_field(cmd, false, off, 3);
			return -1;
		}
		ch[n].tg = tg_by_id(dg, (uint16_t)(d[2] << 8 | d[3]));
		if (!ch[n].tg) {
			scst_set_invalid_field(cmd, false, off + 2, -1);
			return -1;
		}
		ch[n].state = state;
	}
	return n;
}

static void stpg_apply(struct scst_cmd *cmd, struct scst_dev_group *dg)
{
	uint32_t len = cmd->bufflen;
	struct stpg_change *ch;
	int n;

	if (len < STPG_HEADER || (len - STPG_HEADER) % STPG_DESCRIPTOR) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	ch = calloc((len - STPG_HEADER) / STPG_DESCRIPTOR + 1, sizeof(*ch));
	if (!ch) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	n = stpg_collect(cmd, dg, len, ch);
	for (int i = 0; i < n; i++)
		tg_change_state(ch[i].tg, ch[i].state, SCST_ALUA_STATUS_BY_STPG, cmd->sess);
	free(ch);
}

void scst_set_target_port_groups(struct scst_cmd *cmd)
{
	struct scst_dev_group *dg;

	pthread_mutex_lock(&scst_mutex);
	dg = cmd->dev->alua_dg;
	if (!dg || !(dg->tpgs & SCST_TPGS_EXPLICIT)) {
		/* Explicit ALUA went off since the command was parsed. */
		scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
	} else if (cmd->bufflen) {
		/* A zero length changes nothing (SPC-4). */
		stpg_apply(cmd, dg);
	}
	pthread_mutex_unlock(&scst_mutex);
}

/* Opcode table bounds: a longer list is refused before any data moves. */
uint32_t scst_stpg_max_param_len(void)
{
	return STPG_HEADER + STPG_DESCRIPTOR * STPG_MAX_DESCRIPTORS;
}
