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
 * session can still point at it: in-flight commands finish normally. */
#include <stdlib.h>

#include "core/mgmt_access.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/ioloop.h"
#include "util/log.h"

struct resync_req {
	struct scst_acg *acg;
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

/* Caller holds scst_mutex, on the session's loop. */
static void resync_session(struct scst_session *sess, const struct resync_req *rq)
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

		if (old && old->dev == ad->dev && ad->lun != rq->replaced_lun) {
			old->read_only = ad->read_only;
			luns[ad->lun] = old;
			continue;
		}
		if (old)
			scst_tgt_dev_retire(old);
		else
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

/* Resyncs the sessions of rq->acg that live on loop (NULL: no loop). */
static void resync_loop_sessions(const struct resync_req *rq, const struct ioloop *loop)
{
	struct scst_session *sess;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(sess, &rq->acg->tgt->sessions, node)
		if (sess->acg == rq->acg && sess->loop == loop)
			resync_session(sess, rq);
	pthread_mutex_unlock(&scst_mutex);
}

static void resync_on_loop(void *arg)
{
	resync_loop_sessions(arg, ioloop_current());
}

void scst_acg_resync_sessions(struct scst_acg *acg, uint64_t replaced_lun)
{
	struct resync_req rq = { acg, replaced_lun };

	/* The caller serializes management (the group stays alive) and holds
	 * no scst_mutex, which the loops take. */
	for (unsigned i = 0; i < ioloop_count(); i++)
		ioloop_run_on_sync(ioloop_get(i), resync_on_loop, &rq);
	resync_loop_sessions(&rq, NULL);
}
