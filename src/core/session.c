/* session.c - I_T nexuses: registering a session picks its access control
 * group (fixed for the session's life, as README.scst says) and builds the
 * LUN -> I_T_L nexus table that the command path indexes directly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alua.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

struct scst_acg *scst_select_acg(struct scst_tgt *tgt, const char *initiator)
{
	struct scst_acg *acg;

	list_for_each_entry(acg, &tgt->acg_list, node)
		if (scst_acg_matches(acg, initiator))
			return acg;
	return tgt->default_acg;
}

struct scst_tgt_dev *scst_tgt_dev_create(struct scst_session *sess, struct scst_acg_dev *ad,
					 enum scst_sense_id first_ua)
{
	struct scst_tgt_dev *td = calloc(1, sizeof(*td));

	if (!td)
		return NULL;
	td->sess = sess;
	td->dev = ad->dev;
	td->lun = ad->lun;
	td->read_only = ad->read_only;
	list_init(&td->uas);
	list_init(&td->held_cmds);
	pthread_mutex_lock(&ad->dev->lock);
	list_add_tail(&td->dev_node, &ad->dev->tgt_devs);
	scst_alua_init_tgt_dev(td);
	/* A new I_T nexus starts with POWER ON, RESET, OR BUS DEVICE RESET
	 * OCCURRED, as SCST reports it (a replaced LUN: INQUIRY DATA HAS
	 * CHANGED). */
	scst_tgt_dev_queue_ua_locked(td, first_ua);
	pthread_mutex_unlock(&ad->dev->lock);
	return td;
}

/* Takes the nexus off its device: no UA, reservation or fan-out refers
 * to it afterwards. */
static void tgt_dev_detach(struct scst_tgt_dev *td)
{
	scst_tgt_dev_clear_uas(td);
	scst_reserve_session_gone(td->dev, td->sess);
	scst_medium_nexus_gone(td);
	pthread_mutex_lock(&td->dev->lock);
	list_del(&td->dev_node);
	scst_tgt_dev_fold_into_dev(td);
	pthread_mutex_unlock(&td->dev->lock);
}

static void tgt_dev_destroy(struct scst_tgt_dev *td)
{
	tgt_dev_detach(td);
	free(td);
}

void scst_tgt_dev_retire(struct scst_tgt_dev *td)
{
	tgt_dev_detach(td);
	td->dev = NULL;
	list_add_tail(&td->dev_node, &td->sess->retired_tgt_devs);
}

void scst_session_free_retired(struct scst_session *sess)
{
	struct scst_tgt_dev *td, *tmp;

	/* Only once no command can still point at a retired nexus. */
	if (sess->active_cmds)
		return;
	list_for_each_entry_safe(td, tmp, &sess->retired_tgt_devs, dev_node) {
		list_del(&td->dev_node);
		scst_session_fold_retired(sess, td);
		free(td);
	}
}

/* Caller holds scst_mutex. */
static int build_lun_table(struct scst_session *sess)
{
	struct scst_acg_dev *ad;
	unsigned n = 0;

	list_for_each_entry(ad, &sess->acg->acg_devs, node)
		if (ad->lun + 1 > n)
			n = (unsigned)ad->lun + 1;
	sess->nluns = n;
	if (!n)
		return 0;
	sess->luns = calloc(n, sizeof(*sess->luns));
	if (!sess->luns)
		return -1;
	list_for_each_entry(ad, &sess->acg->acg_devs, node) {
		sess->luns[ad->lun] = scst_tgt_dev_create(sess, ad, SCST_S_UA_POWER_ON);
		if (!sess->luns[ad->lun])
			return -1;
	}
	return 0;
}

static void free_lun_table(struct scst_session *sess)
{
	for (unsigned i = 0; i < sess->nluns; i++)
		if (sess->luns[i])
			tgt_dev_destroy(sess->luns[i]);
	free(sess->luns);
	sess->luns = NULL;
	sess->nluns = 0;
	scst_session_free_retired(sess);
}

static uint64_t next_session_serial;

struct scst_session *scst_register_session(struct scst_tgt *tgt, const char *initiator_name,
					   void *tgt_priv, struct ioloop *loop)
{
	struct scst_session *sess = calloc(1, sizeof(*sess));

	if (!sess)
		return NULL;
	sess->serial = __atomic_add_fetch(&next_session_serial, 1, __ATOMIC_RELAXED);
	sess->tgt = tgt;
	sess->loop = loop;
	sess->tgt_priv = tgt_priv;
	snprintf(sess->initiator_name, sizeof(sess->initiator_name), "%s", initiator_name);
	list_init(&sess->cmds);
	list_init(&sess->retired_tgt_devs);

	pthread_mutex_lock(&scst_mutex);
	sess->acg = scst_select_acg(tgt, initiator_name);
	if (build_lun_table(sess) < 0) {
		free_lun_table(sess);
		pthread_mutex_unlock(&scst_mutex);
		free(sess);
		log_err("out of memory registering session of %s", initiator_name);
		return NULL;
	}
	list_add_tail(&sess->node, &tgt->sessions);
	pthread_mutex_unlock(&scst_mutex);

	/* Some initiators scan from LUN 0 only: LUNs without a LUN 0 are
	 * worth a warning, a session with no LUN at all (yet) is not. */
	if (sess->nluns > 0 && !sess->luns[0])
		log_warn("session %s -> %s: tgt_dev for LUN 0 not found, command to unexisting LU?",
			 initiator_name, tgt->name);
	log_info("session %s -> %s registered (group %s, %u LUN slots)", initiator_name,
		 tgt->name, sess->acg->is_default ? "default" : sess->acg->name, sess->nluns);
	return sess;
}

/* Caller holds scst_mutex: the target's totals keep what the session did. */
static void fold_into_target(struct scst_session *sess)
{
	struct scst_io_counters c;

	scst_sess_io_counters(sess, &c);
	scst_io_counters_add(&sess->tgt->gone_io, &c);
}

void scst_unregister_session(struct scst_session *sess)
{
	if (sess->active_cmds)
		log_err("session %s unregistered with %u active commands", sess->initiator_name,
			sess->active_cmds);
	pthread_mutex_lock(&scst_mutex);
	list_del(&sess->node);
	fold_into_target(sess);
	free_lun_table(sess);
	pthread_mutex_unlock(&scst_mutex);
	log_info("session %s -> %s unregistered", sess->initiator_name, sess->tgt->name);
	free(sess);
}

/* The command path reads sess->luns without a lock: only the session's
 * loop may replace the table, which is why this runs there. */
int scst_session_sync_luns(struct scst_session *sess)
{
	struct scst_tgt_dev **luns;
	struct scst_acg_dev *ad;
	unsigned n = sess->nluns;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(ad, &sess->acg->acg_devs, node)
		if (ad->lun + 1 > n)
			n = (unsigned)ad->lun + 1;
	luns = n > sess->nluns ? calloc(n, sizeof(*luns)) : sess->luns;
	if (!luns) {
		rc = -ENOMEM;
		goto out;
	}
	if (luns != sess->luns) {
		if (sess->nluns)
			memcpy(luns, sess->luns, sess->nluns * sizeof(*luns));
		free(sess->luns);
		sess->luns = luns;
		sess->nluns = n;
	}
	list_for_each_entry(ad, &sess->acg->acg_devs, node) {
		if (sess->luns[ad->lun])
			continue;
		sess->luns[ad->lun] = scst_tgt_dev_create(sess, ad, SCST_S_UA_POWER_ON);
		if (!sess->luns[ad->lun]) {
			rc = -ENOMEM;
			break;
		}
	}
out:
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

const char *scst_sess_pr_name(const struct scst_session *sess)
{
	const char *n = __atomic_load_n(&sess->pr_name, __ATOMIC_ACQUIRE);

	return n ? n : sess->initiator_name;
}

void scst_session_set_pr_name(struct scst_session *sess, const char *name)
{
	__atomic_store_n(&sess->pr_name, name, __ATOMIC_RELEASE);
}

void scst_session_abort_all(struct scst_session *sess)
{
	struct scst_cmd *cmd;

	/* Nothing is released during the walk (the completion rule). */
	scst_core_enter();
	list_for_each_entry(cmd, &sess->cmds, sess_node)
		scst_abort_cmd(cmd, NULL);
	scst_core_leave();
}

void scst_cmd_abort(struct scst_cmd *cmd)
{
	scst_core_enter();
	scst_abort_cmd(cmd, NULL);
	scst_core_leave();
}
