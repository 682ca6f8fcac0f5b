/* lun_resync.c - live LUN set changes: brings the LUN tables of the
 * sessions bound to a group in line with the group's LUN set after a
 * management add/del/clear/replace, with the unit attentions SPC-4 asks
 * for (REPORTED LUNS DATA HAS CHANGED on every LUN of an affected I_T
 * nexus, INQUIRY DATA HAS CHANGED on a replaced LUN).
 *
 * A session's table is read without a lock by its own loop, so each loop
 * swaps the tables of its own sessions (ioloop_run_on_sync from the
 * management thread).  A removed LUN's nexus leaves its device at once but
 * its memory stays on the session's retired list until no command of the
 * session can still point at it: in-flight commands finish normally.
 *
 * Initiator name changes (add, del, clear, move) can make a logged-in
 * session match another group; like SCST's scst_check_reassign_sessions
 * the session then moves there, its table rebuilt by the same swap. */
#include <stdlib.h>

#include "core/mgmt_access.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/ioloop.h"
#include "util/log.h"

struct resync_req {
	struct scst_acg *acg;           /* the group whose sessions resync */
	struct scst_tgt *tgt;           /* or: reassign this target's sessions */
	uint64_t replaced_lun;          /* UINT64_MAX: none */
};

static unsigned acg_lun_slots(const struct scst_acg *acg)
{
	const struct scst_acg_dev *ad;
	unsigned n = 0;

	list_for_each_entry(ad, &acg->acg_devs, node)
		if (ad->lun + 1 > n)
			n = (unsigned)ad->lun + 1;
	return n;
}

/* The nexus of old table slot lun, taken out of the table so that what
 * remains there afterwards is what the new set dropped. */
static struct scst_tgt_dev *take_old(struct scst_session *sess, uint64_t lun)
{
	struct scst_tgt_dev *td;

	if (lun >= sess->nluns)
		return NULL;
	td = sess->luns[lun];
	sess->luns[lun] = NULL;
	return td;
}

static void queue_on_all(struct scst_tgt_dev **luns, unsigned n, enum scst_sense_id id)
{
	for (unsigned i = 0; i < n; i++)
		if (luns[i])
			scst_tgt_dev_queue_ua(luns[i], id);
}

/* Caller holds scst_mutex, on the session's loop.  A session changing
 * group (reassign) reports any LUN whose nexus changes as an inventory
 * change, as SCST does. */
static void resync_session(struct scst_session *sess, const struct resync_req *rq,
			   bool reassign)
{
	unsigned n = acg_lun_slots(rq->acg);
	struct scst_tgt_dev **luns = n ? calloc(n, sizeof(*luns)) : NULL;
	struct scst_acg_dev *ad;
	bool inventory_changed = false;

	if (n && !luns) {
		log_err("out of memory updating the LUNs of session %s", sess->initiator_name);
		return;
	}
	list_for_each_entry(ad, &rq->acg->acg_devs, node) {
		struct scst_tgt_dev *old = take_old(sess, ad->lun);

		if (old && old->dev == ad->dev && ad->lun != rq->replaced_lun &&
		    (!reassign || old->read_only == ad->read_only)) {
			old->read_only = ad->read_only;
			luns[ad->lun] = old;
			continue;
		}
		if (old)
			scst_tgt_dev_retire(old);
		if (!old || reassign)
			inventory_changed = true;
		luns[ad->lun] = scst_tgt_dev_create(sess, ad, old ? SCST_S_UA_INQUIRY_DATA_CHANGED
								 : SCST_S_UA_POWER_ON);
		if (!luns[ad->lun])
			log_err("out of memory adding LUN %llu to session %s",
				(unsigned long long)ad->lun, sess->initiator_name);
	}
	for (unsigned i = 0; i < sess->nluns; i++) {
		if (sess->luns[i]) {
			scst_tgt_dev_retire(sess->luns[i]);
			inventory_changed = true;
		}
	}
	free(sess->luns);
	sess->luns = luns;
	sess->nluns = n;
	if (inventory_changed)
		queue_on_all(luns, n, SCST_S_UA_REPORTED_LUNS_CHANGED);
	scst_session_free_retired(sess);
}

static const char *acg_label(const struct scst_acg *acg)
{
	return acg->is_default ? "default" : acg->name;
}

/* Moves sess to the group its initiator name now selects, if another. */
static void reassign_session(struct scst_session *sess)
{
	struct scst_acg *acg = scst_select_acg(sess->tgt, sess->initiator_name);
	const struct resync_req rq = { .acg = acg, .replaced_lun = UINT64_MAX };

	if (acg == sess->acg)
		return;
	log_info("session %s -> %s reassigned from group %s to group %s",
		 sess->initiator_name, sess->tgt->name, acg_label(sess->acg),
		 acg_label(acg));
	sess->acg = acg;
	resync_session(sess, &rq, true);
}

/* Resyncs (or reassigns) the sessions of rq that live on loop (NULL: no
 * loop). */
static void resync_loop_sessions(const struct resync_req *rq, const struct ioloop *loop)
{
	struct scst_tgt *tgt = rq->tgt ? rq->tgt : rq->acg->tgt;
	struct scst_session *sess;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(sess, &tgt->sessions, node) {
		if (sess->loop != loop)
			continue;
		if (rq->tgt)
			reassign_session(sess);
		else if (sess->acg == rq->acg)
			resync_session(sess, rq, false);
	}
	pthread_mutex_unlock(&scst_mutex);
}

static void resync_on_loop(void *arg)
{
	resync_loop_sessions(arg, ioloop_current());
}

static void run_on_every_loop(struct resync_req *rq)
{
	/* The caller serializes management (group and target stay alive)
	 * and holds no scst_mutex, which the loops take. */
	for (unsigned i = 0; i < ioloop_count(); i++)
		ioloop_run_on_sync(ioloop_get(i), resync_on_loop, rq);
	resync_loop_sessions(rq, NULL);
}

void scst_acg_resync_sessions(struct scst_acg *acg, uint64_t replaced_lun)
{
	struct resync_req rq = { .acg = acg, .replaced_lun = replaced_lun };

	run_on_every_loop(&rq);
}

void scst_tgt_reassign_sessions(struct scst_tgt *tgt)
{
	struct resync_req rq = { .tgt = tgt, .replaced_lun = UINT64_MAX };

	run_on_every_loop(&rq);
}
