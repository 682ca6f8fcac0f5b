/* tm.c - task management functions: which commands a TMF aborts, the unit
 * attentions it leaves behind, and when its response may go out (only
 * after every command it aborted has been released by the transport).
 *
 * ABORT TASK and ABORT TASK SET touch the issuing session only.  CLEAR
 * TASK SET, LUN RESET, TARGET RESET and PREEMPT AND ABORT clear the task
 * sets of other I_T nexuses too.  Those live on other I/O loops, whose
 * command lists only their own thread may walk, so the abort is posted to
 * every loop (struct abort_scope); each loop aborts its own sessions'
 * commands and the completion of the last one is sent back to the issuer's
 * loop.  Other nexuses' aborted commands end with TASK ABORTED when the
 * device's TAS bit is set; otherwise, for CLEAR TASK SET and PREEMPT AND
 * ABORT, the nexus gets COMMANDS CLEARED BY ANOTHER INITIATOR (SAM-5 5.6).
 * QUERY TASK SET and QUERY ASYNCHRONOUS EVENT answer for the issuing
 * I_T_L nexus; CLEAR ACA is not supported (no ACA is ever established). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pr.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/ioloop.h"
#include "util/log.h"

/* Runs on the issuer's loop.  The session was pinned (active_cmds) so the
 * transport could not end it while other loops were still aborting. */
static void mgmt_complete(struct scst_mgmt_cmd *mcmd)
{
	struct scst_cmd *pr_cmd = mcmd->pr_cmd;

	if (pr_cmd) {
		mcmd->sess->active_cmds--;
		scst_mgmt_cmd_free(mcmd);
		scst_cmd_done(pr_cmd);
		return;
	}
	scst_deliver_mgmt_answer(mcmd);
}

static void mgmt_complete_msg(void *arg)
{
	mgmt_complete(arg);
}

static void mgmt_get(struct scst_mgmt_cmd *mcmd)
{
	if (!mcmd)
		return;         /* an abort with no TMF waiting (remote preempt) */
	__atomic_add_fetch(&mcmd->pending, 1, __ATOMIC_RELAXED);
}

void scst_mgmt_cmd_cmd_released(struct scst_mgmt_cmd *mcmd)
{
	struct ioloop *home;

	if (!mcmd)
		return;
	home = mcmd->sess->loop;
	if (__atomic_sub_fetch(&mcmd->pending, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (!home || ioloop_current() == home) {
		mgmt_complete(mcmd);
		return;
	}
	if (ioloop_run_on(home, mgmt_complete_msg, mcmd) < 0)
		log_err("out of memory: task management response for %s lost",
			mcmd->sess->initiator_name);
}

void scst_abort_cmd(struct scst_cmd *cmd, struct scst_mgmt_cmd *mcmd)
{
	if (cmd->aborted)
		return;
	if (mcmd && !cmd->mcmd) {
		cmd->mcmd = mcmd;
		mgmt_get(mcmd);
	}
	/* Its response is made (and maybe still queued for delivery): the
	 * command has finished and the TMF only waits for its release. */
	if (cmd->state == SCST_CMD_STATE_XMIT)
		return;
	cmd->aborted = true;
	/* A command waiting for WRITE data will never get it now: hand it
	 * back to the transport at once.  One in the handler finishes first,
	 * unless it only waits on an operation that outlives it; one
	 * already with the transport is released by it. */
	if (cmd->state == SCST_CMD_STATE_DATA_WAIT || scst_order_unhold(cmd)) {
		cmd->state = SCST_CMD_STATE_XMIT;
		scst_deliver_response(cmd);
	} else if (cmd->state == SCST_CMD_STATE_EXEC && cmd->abort_fn) {
		void (*abort_fn)(struct scst_cmd *) = cmd->abort_fn;

		/* SAM-5: an aborted SANITIZE's operation continues (SBC-4
		 * 4.11); only the command ends. */
		cmd->abort_fn = NULL;
		abort_fn(cmd);
	} else if (cmd->state == SCST_CMD_STATE_EXEC && cmd->dev && cmd->dev->handler->abort) {
		cmd->dev->handler->abort(cmd);
	}
}

/* README.scst's ABORT_CONSIDER_FINISHED_TASKS_AS_NOT_EXISTING, off by
 * default as there ("function complete": VMware's initiator resets a
 * target that answers "task does not exist").  libiscsi's
 * iSCSITMF.AbortTaskSimpleAsync wants it on (it fails when a WRITE's GOOD
 * status and "function complete" for its abort both arrive), so the
 * conformance runs give that one test a run of its own with it on.  Set
 * from management, read by every loop. */
static bool abort_finished_not_existing;

void scst_set_abort_finished_not_existing(bool on)
{
	__atomic_store_n(&abort_finished_not_existing, on, __ATOMIC_RELAXED);
}

bool scst_abort_finished_not_existing(void)
{
	return __atomic_load_n(&abort_finished_not_existing, __ATOMIC_RELAXED);
}

static struct scst_cmd *find_cmd_by_tag(struct scst_session *sess, uint64_t tag)
{
	struct scst_cmd *cmd;

	list_for_each_entry(cmd, &sess->cmds, sess_node)
		if (cmd->tag == tag)
			return cmd;
	return NULL;
}

/* Aborts the session's commands for `lun` (all LUNs when lun is UINT64_MAX).
 * Runs inside scst_rx_mgmt_fn: no command is released during the walk
 * (the completion rule). */
static void abort_session_cmds(struct scst_mgmt_cmd *mcmd, uint64_t lun)
{
	struct scst_cmd *cmd;

	list_for_each_entry(cmd, &mcmd->sess->cmds, sess_node)
		if (lun == UINT64_MAX || cmd->lun == lun)
			scst_abort_cmd(cmd, mcmd);
}

/* ---------------------------------------------------------------------- */
/* Task sets of every I_T nexus of a device                                 */

/* What one cross-loop abort covers.  Each loop holds a reference on the
 * TMF (mcmd->pending) and on the device (abort_pins) until it is done. */
struct abort_scope {
	struct scst_mgmt_cmd *mcmd;
	struct scst_device *dev;
	const struct scst_session *issuer;
	const struct scst_cmd *spare;           /* the PR OUT command itself */
	enum scst_sense_id cleared_ua;          /* SCST_S_OK: none (resets) */
	bool tas;
	unsigned loops_left;                    /* atomic */
	unsigned npreempted;                    /* 0: every nexus of dev */
	struct scst_pr_nexus preempted[];       /* names live after the array */
};

static bool nexus_in_scope(const struct abort_scope *sc, const struct scst_session *sess)
{
	if (!sc->npreempted)
		return true;
	for (unsigned i = 0; i < sc->npreempted; i++)
		if ((sc->preempted[i].rel_tgt_id == SCST_PR_ALL_PORTS ||
		     sess->tgt->rel_tgt_id == sc->preempted[i].rel_tgt_id) &&
		    strcasecmp(scst_sess_pr_name(sess), sc->preempted[i].initiator) == 0)
			return true;
	return false;
}

static void abort_nexus_cmds(const struct abort_scope *sc, struct scst_tgt_dev *td)
{
	struct scst_session *sess = td->sess;
	bool other = sess != sc->issuer, any = false;
	struct scst_cmd *cmd;

	/* Runs inside abort_scope_here: as in abort_session_cmds. */
	list_for_each_entry(cmd, &sess->cmds, sess_node) {
		if (cmd->tgt_dev != td || cmd == sc->spare || cmd->aborted)
			continue;
		/* The issuer knows what it cleared; other nexuses learn it
		 * from the status (TAS=1) or a unit attention (TAS=0). */
		if (other && sc->tas)
			cmd->tas_response = true;
		any = true;
		scst_abort_cmd(cmd, sc->mcmd);
	}
	if (any && other && !sc->tas && sc->cleared_ua != SCST_S_OK)
		scst_tgt_dev_queue_ua(td, sc->cleared_ua);
}

/* The nexuses of the device whose sessions live on the calling loop:
 * only this thread can end them, so they stay valid after the unlock. */
static struct scst_tgt_dev **loop_nexuses(const struct abort_scope *sc, unsigned *n)
{
	struct ioloop *here = ioloop_current();
	struct scst_tgt_dev *td, **tds;
	unsigned cap = 0;

	*n = 0;
	pthread_mutex_lock(&sc->dev->lock);
	list_for_each_entry(td, &sc->dev->tgt_devs, dev_node)
		cap++;
	tds = cap ? malloc(cap * sizeof(*tds)) : NULL;
	if (tds)
		list_for_each_entry(td, &sc->dev->tgt_devs, dev_node)
			if (td->sess->loop == here && nexus_in_scope(sc, td->sess))
				tds[(*n)++] = td;
	pthread_mutex_unlock(&sc->dev->lock);
	if (cap && !tds)
		log_err("out of memory: commands of device %s not aborted", sc->dev->name);
	return tds;
}

static void abort_scope_here(const struct abort_scope *sc)
{
	unsigned n;
	struct scst_tgt_dev **tds = loop_nexuses(sc, &n);

	scst_core_enter();
	for (unsigned i = 0; i < n; i++)
		abort_nexus_cmds(sc, tds[i]);
	scst_core_leave();
	free(tds);
}

static void abort_scope_put(struct abort_scope *sc)
{
	struct scst_mgmt_cmd *mcmd = sc->mcmd;

	if (__atomic_sub_fetch(&sc->loops_left, 1, __ATOMIC_ACQ_REL) == 0) {
		__atomic_sub_fetch(&sc->dev->abort_pins, 1, __ATOMIC_RELEASE);
		free(sc);
	}
	scst_mgmt_cmd_cmd_released(mcmd);
}

static void abort_scope_msg(void *arg)
{
	abort_scope_here(arg);
	abort_scope_put(arg);
}

/* Runs the scope on every loop (on the caller's own loop at once) and
 * consumes it. */
static void abort_scope_run(struct abort_scope *sc)
{
	unsigned nloops = ioloop_count();
	struct ioloop *here = ioloop_current();
	int rc;

	__atomic_add_fetch(&sc->dev->abort_pins, 1, __ATOMIC_ACQUIRE);
	sc->loops_left = nloops ? nloops : 1;
	for (unsigned i = 0; i < sc->loops_left; i++)
		mgmt_get(sc->mcmd);
	if (!nloops) {
		abort_scope_msg(sc);
		return;
	}
	for (unsigned i = 0; i < nloops; i++) {
		struct ioloop *l = ioloop_get(i);

		if (l == here) {
			abort_scope_msg(sc);
		} else if ((rc = ioloop_run_on(l, abort_scope_msg, sc)) < 0) {
			/* -ESRCH: a parked loop serves no session. */
			if (rc != -ESRCH)
				log_err("out of memory: commands of device %s on loop %u not aborted",
					sc->dev->name, i);
			abort_scope_put(sc);
		}
	}
}

static struct abort_scope *abort_scope_new(struct scst_mgmt_cmd *mcmd, struct scst_device *dev,
					   enum scst_sense_id cleared_ua, size_t extra)
{
	struct abort_scope *sc = calloc(1, sizeof(*sc) + extra);

	if (!sc) {
		log_err("out of memory: commands of device %s not aborted", dev->name);
		return NULL;
	}
	sc->mcmd = mcmd;
	sc->dev = dev;
	sc->issuer = mcmd->sess;
	sc->cleared_ua = cleared_ua;
	sc->tas = dev->tas;
	return sc;
}

/* CLEAR TASK SET, LUN RESET: every nexus of dev, the issuer's included. */
static void abort_dev_task_sets(struct scst_mgmt_cmd *mcmd, struct scst_device *dev,
				enum scst_sense_id cleared_ua)
{
	struct abort_scope *sc = abort_scope_new(mcmd, dev, cleared_ua, 0);

	if (sc)
		abort_scope_run(sc);
}

/* Room after an abort_scope for the n preempted nexuses and their names. */
static size_t preempted_size(const struct scst_pr_nexus *preempted, unsigned n)
{
	size_t extra = n * sizeof(*preempted);

	for (unsigned i = 0; i < n; i++)
		extra += strlen(preempted[i].initiator) + 1;
	return extra;
}

static void scope_set_preempted(struct abort_scope *sc, const struct scst_pr_nexus *preempted,
				unsigned n)
{
	char *names = (char *)&sc->preempted[n];

	sc->npreempted = n;
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(preempted[i].initiator) + 1;

		memcpy(names, preempted[i].initiator, len);
		sc->preempted[i].initiator = names;
		sc->preempted[i].rel_tgt_id = preempted[i].rel_tgt_id;
		names += len;
	}
}

bool scst_preempt_abort(struct scst_cmd *cmd, const struct scst_pr_nexus *preempted, unsigned n)
{
	struct scst_mgmt_cmd *mcmd;
	struct abort_scope *sc;
	size_t extra = preempted_size(preempted, n);

	if (!n)
		return false;
	mcmd = calloc(1, sizeof(*mcmd));
	if (!mcmd) {
		log_err("out of memory: commands of preempted nexuses not aborted");
		return false;
	}
	mcmd->sess = cmd->sess;
	mcmd->fn = SCST_CLEAR_TASK_SET;
	mcmd->lun = cmd->lun;
	mcmd->pr_cmd = cmd;
	mcmd->pending = 1;
	list_init(&mcmd->node);
	cmd->sess->active_cmds++;
	sc = abort_scope_new(mcmd, cmd->dev, SCST_S_UA_COMMANDS_CLEARED, extra);
	if (sc) {
		sc->spare = cmd;
		scope_set_preempted(sc, preempted, n);
		abort_scope_run(sc);
	}
	scst_mgmt_cmd_cmd_released(mcmd);
	return true;
}

void scst_preempt_abort_remote(struct scst_device *dev, const struct scst_pr_nexus *preempted,
			       unsigned n)
{
	struct abort_scope *sc;

	if (!n)
		return;
	sc = calloc(1, sizeof(*sc) + preempted_size(preempted, n));
	if (!sc) {
		log_err("out of memory: commands of device %s not aborted", dev->name);
		return;
	}
	/* No issuer here: every preempted nexus is "another" one (TAS or
	 * COMMANDS CLEARED BY ANOTHER INITIATOR). */
	sc->dev = dev;
	sc->cleared_ua = SCST_S_UA_COMMANDS_CLEARED;
	sc->tas = dev->tas;
	scope_set_preempted(sc, preempted, n);
	abort_scope_run(sc);
}

static void reset_ua(struct scst_session *sess, uint64_t lun)
{
	for (unsigned i = 0; i < sess->nluns; i++) {
		struct scst_tgt_dev *td = sess->luns[i];

		if (!td || (lun != UINT64_MAX && td->lun != lun))
			continue;
		/* Every nexus of the LU, the issuer's included, gets the
		 * reset UA (SAM-5 6.3.3; libiscsi MultipathIO.Reset).
		 * A reset also ends an SPC-2 reservation (SPC-2 5.5.1). */
		scst_dev_queue_ua(td->dev, SCST_S_UA_RESET, NULL);
		scst_reserve_reset(td->dev);
		/* One LU through other daemons' ports too (vdisk_rbd). */
		if (td->dev->pr_backend)
			scst_pr_shared_announce_reset(td->dev);
		scst_medium_reset(td->dev);
		if (td->dev->handler->reset)
			td->dev->handler->reset(td->dev);
	}
}

static bool lun_exists(struct scst_session *sess, uint64_t lun)
{
	return lun < sess->nluns && sess->luns[lun];
}

static bool session_has_cmd_on(struct scst_session *sess, uint64_t lun)
{
	struct scst_cmd *cmd;

	list_for_each_entry(cmd, &sess->cmds, sess_node)
		if (cmd->lun == lun && !cmd->aborted)
			return true;
	return false;
}

/* QUERY TASK SET / QUERY ASYNCHRONOUS EVENT (SAM-5 7.9, 7.10): "function
 * succeeded" when the nexus has a task / a pending unit attention. */
static enum scst_tm_status query(struct scst_mgmt_cmd *mcmd)
{
	struct scst_session *sess = mcmd->sess;

	if (!lun_exists(sess, mcmd->lun))
		return SCST_MGMT_STATUS_LUN_NOT_EXIST;
	if (mcmd->fn == SCST_QUERY_TASK_SET)
		return session_has_cmd_on(sess, mcmd->lun) ? SCST_MGMT_STATUS_SUCCEEDED
							   : SCST_MGMT_STATUS_SUCCESS;
	return sess->luns[mcmd->lun]->ua_pending ? SCST_MGMT_STATUS_SUCCEEDED
						 : SCST_MGMT_STATUS_SUCCESS;
}

static void run_mgmt_fn(struct scst_mgmt_cmd *mcmd)
{
	struct scst_session *sess = mcmd->sess;
	struct scst_cmd *cmd;

	switch (mcmd->fn) {
	case SCST_ABORT_TASK:
		cmd = find_cmd_by_tag(sess, mcmd->tag);
		if (!cmd || cmd->lun != mcmd->lun) {
			mcmd->status = SCST_MGMT_STATUS_TASK_NOT_EXIST;
			break;
		}
		/* A command whose response is already with the transport has
		 * finished: aborting it would contradict the status it sends. */
		if (cmd->state == SCST_CMD_STATE_XMIT) {
			mcmd->status = scst_abort_finished_not_existing()
					       ? SCST_MGMT_STATUS_TASK_NOT_EXIST
					       : SCST_MGMT_STATUS_SUCCESS;
			break;
		}
		scst_abort_cmd(cmd, mcmd);
		break;
	case SCST_ABORT_TASK_SET:
		if (!lun_exists(sess, mcmd->lun)) {
			mcmd->status = SCST_MGMT_STATUS_LUN_NOT_EXIST;
			break;
		}
		abort_session_cmds(mcmd, mcmd->lun);
		break;
	case SCST_CLEAR_TASK_SET:
		if (!lun_exists(sess, mcmd->lun)) {
			mcmd->status = SCST_MGMT_STATUS_LUN_NOT_EXIST;
			break;
		}
		abort_dev_task_sets(mcmd, sess->luns[mcmd->lun]->dev, SCST_S_UA_COMMANDS_CLEARED);
		break;
	case SCST_LUN_RESET:
		if (!lun_exists(sess, mcmd->lun)) {
			mcmd->status = SCST_MGMT_STATUS_LUN_NOT_EXIST;
			break;
		}
		abort_dev_task_sets(mcmd, sess->luns[mcmd->lun]->dev, SCST_S_OK);
		reset_ua(sess, mcmd->lun);
		break;
	case SCST_TARGET_RESET:
		abort_session_cmds(mcmd, UINT64_MAX);
		for (unsigned i = 0; i < sess->nluns; i++)
			if (sess->luns[i])
				abort_dev_task_sets(mcmd, sess->luns[i]->dev, SCST_S_OK);
		reset_ua(sess, UINT64_MAX);
		break;
	case SCST_NEXUS_LOSS_SESS:
		abort_session_cmds(mcmd, UINT64_MAX);
		break;
	case SCST_QUERY_TASK:
		cmd = find_cmd_by_tag(sess, mcmd->tag);
		mcmd->status = cmd && cmd->lun == mcmd->lun ? SCST_MGMT_STATUS_SUCCEEDED
							    : SCST_MGMT_STATUS_SUCCESS;
		break;
	case SCST_QUERY_TASK_SET:
	case SCST_QUERY_ASYNC_EVENT:
		mcmd->status = query(mcmd);
		break;
	case SCST_CLEAR_ACA:
		/* No ACA is ever established (NACA unsupported), and REPORT
		 * SUPPORTED TASK MANAGEMENT FUNCTIONS leaves CACAS clear: the
		 * answer agrees with it, as LIO's does. */
		mcmd->status = lun_exists(sess, mcmd->lun) ? SCST_MGMT_STATUS_FN_NOT_SUPPORTED
							   : SCST_MGMT_STATUS_LUN_NOT_EXIST;
		break;
	default:
		mcmd->status = SCST_MGMT_STATUS_FN_NOT_SUPPORTED;
		break;
	}
}

int scst_rx_mgmt_fn(struct scst_session *sess, enum scst_tm_fn fn, const uint8_t lun[8],
		    uint64_t tag, void *tgt_priv)
{
	struct scst_mgmt_cmd *mcmd = calloc(1, sizeof(*mcmd));

	if (!mcmd)
		return -ENOMEM;
	mcmd->sess = sess;
	mcmd->fn = fn;
	mcmd->lun = lun ? scst_unpack_lun(lun) : UINT64_MAX;
	mcmd->tag = tag;
	mcmd->tgt_priv = tgt_priv;
	mcmd->status = SCST_MGMT_STATUS_SUCCESS;
	list_init(&mcmd->node);
	/* Hold a reference so completions during the walk do not finish it,
	 * and keep the session until the response is out. */
	mcmd->pending = 1;
	sess->active_cmds++;
	scst_core_enter();
	run_mgmt_fn(mcmd);
	log_debug("TMF %d on %s lun %llu: status %d, %u commands to wait for", fn,
		  sess->initiator_name, (unsigned long long)mcmd->lun, mcmd->status,
		  __atomic_load_n(&mcmd->pending, __ATOMIC_RELAXED) - 1);
	scst_mgmt_cmd_cmd_released(mcmd);
	scst_core_leave();
	return 0;
}

void scst_mgmt_cmd_free(struct scst_mgmt_cmd *mcmd)
{
	free(mcmd);
}
