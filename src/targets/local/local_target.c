/* local_target.c - the "scst_local" target driver: its template, targets
 * (with phys/scsi transport version descriptors), and sessions.  A local
 * session is configuration, not a login: it is created by add_target's
 * session_name= or add_session and lives until del_session/del_target,
 * bound to one I/O loop like any session.  Its TransportID (what
 * persistent reservations know the initiator by) can be set at any time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/records.h"
#include "targets/local/local.h"
#include "targets/local/local_priv.h"
#include "util/iscsi_tid.h"
#include "util/log.h"

pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;
struct list_head local_targets = LIST_HEAD_INIT(local_targets);

/* Caller holds local_lock. */
struct local_tgt *local_find_tgt(const char *name)
{
	struct local_tgt *lt;

	list_for_each_entry(lt, &local_targets, node)
		if (!strcmp(lt->tgt->name, name))
			return lt;
	return NULL;
}

/* Caller holds local_lock.  Session names are unique in the driver: each
 * is a directory of the LUN file mount, as each kernel session is a host. */
static struct local_sess *find_sess(const char *target, const char *name)
{
	struct local_tgt *lt;
	struct local_sess *ls;

	list_for_each_entry(lt, &local_targets, node) {
		if (target && strcmp(lt->tgt->name, target))
			continue;
		list_for_each_entry(ls, &lt->sessions, node)
			if (!strcmp(ls->name, name))
				return ls;
	}
	return NULL;
}

struct local_sess *local_sess_get(const char *target, const char *name)
{
	struct local_sess *ls;

	pthread_mutex_lock(&local_lock);
	ls = find_sess(target, name);
	if (ls && ls->closing)
		ls = NULL;
	if (ls)
		ls->inflight++;
	pthread_mutex_unlock(&local_lock);
	return ls;
}

void local_sess_put(struct local_sess *ls)
{
	pthread_mutex_lock(&local_lock);
	if (--ls->inflight == 0)
		pthread_cond_broadcast(&ls->idle);
	pthread_mutex_unlock(&local_lock);
}

static bool sess_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SCST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c == '/' || c >= 0x7f || c == ';' || c == '=')
			return false;
	}
	return strcmp(name, ".") && strcmp(name, "..");
}

int local_add_session(struct local_tgt *lt, const char *name, char *err, size_t errlen)
{
	struct local_sess *ls;
	struct ioloop *home;

	if (!sess_name_valid(name)) {
		snprintf(err, errlen, "invalid session name '%.64s'", name);
		return -EINVAL;
	}
	pthread_mutex_lock(&local_lock);
	ls = find_sess(NULL, name);
	pthread_mutex_unlock(&local_lock);
	if (ls) {
		snprintf(err, errlen, "session '%s' already exists", name);
		return -EEXIST;
	}
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->lt = lt;
	snprintf(ls->name, sizeof(ls->name), "%s", name);
	pthread_cond_init(&ls->idle, NULL);
	home = scst_io_home(lt->tgt, name);
	ls->sess = scst_register_session(lt->tgt, name, ls, home ? home : ioloop_pick());
	if (!ls->sess) {
		pthread_cond_destroy(&ls->idle);
		free(ls);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Behind every later value of the group's counter (it only grows):
	 * the first command syncs the LUN table, which also covers a LUN
	 * added while it was being built. */
	ls->seen_generation = ls->sess->acg->generation - 1;
	local_move_init(ls, ls->sess->loop);
	pthread_mutex_lock(&local_lock);
	list_add_tail(&ls->node, &lt->sessions);
	pthread_mutex_unlock(&local_lock);
	return 0;
}

static void unregister_on_loop(void *arg)
{
	struct local_sess *ls = arg;

	scst_unregister_session(ls->sess);
}

/* Waits for the session's commands, then ends it on its own loop. */
static void sess_destroy(struct local_sess *ls)
{
	pthread_mutex_lock(&local_lock);
	ls->closing = true;
	while (ls->inflight)
		pthread_cond_wait(&ls->idle, &local_lock);
	list_del(&ls->node);
	pthread_mutex_unlock(&local_lock);
	ioloop_run_on_sync(ls->loop, unregister_on_loop, ls);
	local_move_destroy(ls);
	for (unsigned i = 0; i < ls->npr_names; i++)
		free(ls->pr_names[i]);
	free(ls->pr_names);
	pthread_cond_destroy(&ls->idle);
	free(ls);
}

int local_del_session(struct local_tgt *lt, const char *name, char *err, size_t errlen)
{
	struct local_sess *ls;

	pthread_mutex_lock(&local_lock);
	ls = find_sess(lt->tgt->name, name);
	if (ls && ls->closing)
		ls = NULL;
	if (ls)
		ls->closing = true;
	pthread_mutex_unlock(&local_lock);
	if (!ls) {
		snprintf(err, errlen, "session '%s' of target '%s' not found", name,
			 lt->tgt->name);
		return -ENOENT;
	}
	sess_destroy(ls);
	return 0;
}

static void close_sessions(struct scst_tgt *tgt)
{
	struct local_tgt *lt = tgt->tgt_priv;
	struct local_sess *ls;

	for (;;) {
		pthread_mutex_lock(&local_lock);
		ls = list_empty(&lt->sessions) ? NULL
		     : list_first_entry(&lt->sessions, struct local_sess, node);
		pthread_mutex_unlock(&local_lock);
		if (!ls)
			break;
		sess_destroy(ls);
	}
}

int local_parse_version(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffff)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int set_target_attr(struct scst_tgt *tgt, const char *key, const char *value, char *err,
			   size_t errlen)
{
	struct local_tgt *lt = tgt->tgt_priv;
	uint16_t v;

	if (!strcmp(key, "session_name"))
		return local_add_session(lt, value, err, errlen);
	if (strcmp(key, "phys_transport_version") && strcmp(key, "scsi_transport_version")) {
		snprintf(err, errlen, "scst_local target: unknown attribute '%s'", key);
		return -EINVAL;
	}
	if (local_parse_version(value, &v) < 0) {
		snprintf(err, errlen, "%s: a number 0..0xffff, not '%s'", key, value);
		return -EINVAL;
	}
	pthread_mutex_lock(&local_lock);
	if (key[0] == 'p')
		lt->phys_transport_version = v;
	else
		lt->scsi_transport_version = v;
	pthread_mutex_unlock(&local_lock);
	return 0;
}

/* Only session_name= may come with the target; attributes are checked
 * before anything is created. */
static int add_target(const char *name, const struct scst_kv *params, size_t nparams, char *err,
		      size_t errlen)
{
	struct local_tgt *lt;
	int rc;

	for (size_t i = 0; i < nparams; i++)
		if (strcmp(params[i].key, "session_name") &&
		    strcmp(params[i].key, "phys_transport_version") &&
		    strcmp(params[i].key, "scsi_transport_version")) {
			snprintf(err, errlen, "scst_local: unknown parameter '%s'", params[i].key);
			return -EINVAL;
		}
	lt = calloc(1, sizeof(*lt));
	if (!lt)
		return -ENOMEM;
	lt->scsi_transport_version = LOCAL_SAS_VERSION;
	list_init(&lt->sessions);
	lt->tgt = scst_add_target(&local_template, name, lt, err, errlen);
	if (!lt->tgt) {
		free(lt);
		return -EINVAL;
	}
	/* Local targets serve at once: there is no portal to open. */
	lt->tgt->enabled = true;
	pthread_mutex_lock(&local_lock);
	list_add_tail(&lt->node, &local_targets);
	pthread_mutex_unlock(&local_lock);
	for (size_t i = 0; i < nparams; i++) {
		rc = set_target_attr(lt->tgt, params[i].key, params[i].value, err, errlen);
		if (rc < 0) {
			char e2[128];

			scst_del_target(lt->tgt, e2, sizeof(e2));
			return rc;
		}
	}
	return 0;
}

static int del_target(struct scst_tgt *tgt, char *err, size_t errlen)
{
	struct local_tgt *lt = tgt->tgt_priv;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&local_lock);
	list_del(&lt->node);
	pthread_mutex_unlock(&local_lock);
	free(lt);
	tgt->tgt_priv = NULL;
	return 0;
}

static void transport_versions(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys)
{
	const struct local_tgt *lt = tgt->tgt_priv;

	pthread_mutex_lock(&local_lock);
	*scsi = lt->scsi_transport_version;
	*phys = lt->phys_transport_version;
	pthread_mutex_unlock(&local_lock);
}

struct scst_tgt_template local_template = {
	.name = LOCAL_DRIVER,
	.rdy_to_xfer = local_rdy_to_xfer,
	.xmit_response = local_xmit_response,
	.task_mgmt_fn_done = local_tmf_done,
	.add_target = add_target,
	.del_target = del_target,
	.set_target_attr = set_target_attr,
	.close_sessions = close_sessions,
	.move_session = local_move_session,
	.transport_versions = transport_versions,
	/* A session's identity is iSCSI-format unless its transport_id says
	 * otherwise (local_tid.c), as SCST's scst_local does. */
	.has_protocol_id = true,
	.protocol_id = ISCSI_PROTOCOL_ID,
	.parse_transport_id = iscsi_tid_parse,
	.build_transport_id = iscsi_tid_build,
	.enabled_at_creation = true,
};

int local_init(void)
{
	int rc = scst_register_target_template(&local_template);

	if (rc < 0)
		return rc;
	return local_mgmt_register();
}

/* add_default_tgt: the target may already come from the configuration
 * (README.scst_local's first scst.conf names it for its LUNs); it gets
 * the default session unless that session exists.  The session is added
 * as a recorded session_name attribute, so -write_config saves it like
 * one made by the configuration. */
int local_add_default_target(void)
{
	struct local_tgt *lt;
	struct local_sess *ls;
	char err[256];
	int rc = 0;

	pthread_mutex_lock(&local_lock);
	lt = local_find_tgt(LOCAL_DEFAULT_TGT);
	ls = find_sess(NULL, LOCAL_DEFAULT_SESS);
	pthread_mutex_unlock(&local_lock);
	if (!lt) {
		rc = add_target(LOCAL_DEFAULT_TGT, NULL, 0, err, sizeof(err));
		pthread_mutex_lock(&local_lock);
		lt = local_find_tgt(LOCAL_DEFAULT_TGT);
		pthread_mutex_unlock(&local_lock);
	}
	if (rc == 0 && lt && !ls)
		rc = mgmt_add_target_attr(lt->tgt, "session_name", LOCAL_DEFAULT_SESS, err,
					  sizeof(err));
	if (rc < 0)
		log_err("scst_local: default target: %s", err);
	return rc;
}

void local_shutdown(void)
{
	struct local_tgt *lt;

	for (;;) {
		pthread_mutex_lock(&local_lock);
		lt = list_empty(&local_targets) ? NULL
		     : list_first_entry(&local_targets, struct local_tgt, node);
		pthread_mutex_unlock(&local_lock);
		if (!lt)
			break;
		char err[256];

		if (scst_del_target(lt->tgt, err, sizeof(err)) < 0) {
			log_warn("scst_local: %s", err);
			break;
		}
	}
}
