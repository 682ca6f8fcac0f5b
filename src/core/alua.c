/* alua.c - asymmetric logical unit access: the device group / target
 * group model, its configuration, and the per-nexus state it keeps for
 * the command path (alua_cmd.c).
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
#include "alua_priv.h"
#include "scst_priv.h"
#include "util/log.h"

struct list_head scst_dev_groups = LIST_HEAD_INIT(scst_dev_groups);

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
struct scst_target_group *scst_tg_of_port(const struct scst_dev_group *dg, const char *name)
{
	struct scst_target_group *tg;

	list_for_each_entry(tg, &dg->tgs, node)
		if (scst_tg_tgt_find(tg, name))
			return tg;
	return NULL;
}

struct scst_target_group *scst_tg_by_id(const struct scst_dev_group *dg, uint16_t id)
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
	tg = scst_tg_of_port(dev->alua_dg, tgt->name);
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
	other = scst_tg_of_port(tg->dg, name);
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
	other = scst_tg_by_id(tg->dg, (uint16_t)id);
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

void scst_tg_change_state_locked(struct scst_target_group *tg, uint8_t state, uint8_t status,
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
	scst_tg_change_state_locked(tg, (uint8_t)state, SCST_ALUA_STATUS_IMPLICIT, NULL);
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
