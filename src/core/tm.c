/* tm.c - task management functions: which commands a TMF aborts, the unit
 * attentions it leaves behind, and when its response may go out (only
 * after every command it aborted has been released by the transport).
 *
 * Scope today: the issuing session's commands.  Aborting other sessions'
 * commands on a LUN RESET (they live on other loops) is done through unit
 * attentions only; see docs/design.md.  QUERY TASK SET and QUERY
 * ASYNCHRONOUS EVENT answer for the issuing I_T_L nexus; CLEAR ACA has
 * nothing to clear. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

static void mgmt_complete(struct scst_mgmt_cmd *mcmd)
{
	mcmd->sess->tgt->tgtt->task_mgmt_fn_done(mcmd);
}

void scst_mgmt_cmd_cmd_released(struct scst_mgmt_cmd *mcmd)
{
	if (mcmd->pending && --mcmd->pending == 0)
		mgmt_complete(mcmd);
}

void scst_abort_cmd(struct scst_cmd *cmd, struct scst_mgmt_cmd *mcmd)
{
	if (cmd->aborted)
		return;
	cmd->aborted = true;
	if (mcmd && !cmd->mcmd) {
		cmd->mcmd = mcmd;
		mcmd->pending++;
	}
	/* A command waiting for WRITE data will never get it now: hand it
	 * back to the transport at once.  One in the handler finishes first;
	 * one already with the transport is released by it. */
	if (cmd->state == SCST_CMD_STATE_DATA_WAIT) {
		cmd->state = SCST_CMD_STATE_XMIT;
		cmd->sess->tgt->tgtt->xmit_response(cmd);
	}
}

static struct scst_cmd *find_cmd_by_tag(struct scst_session *sess, uint64_t tag)
{
	struct scst_cmd *cmd;

	list_for_each_entry(cmd, &sess->cmds, sess_node)
		if (cmd->tag == tag)
			return cmd;
	return NULL;
}

/* Aborts the session's commands for `lun` (all LUNs when lun is UINT64_MAX). */
static void abort_session_cmds(struct scst_mgmt_cmd *mcmd, uint64_t lun)
{
	struct scst_cmd *cmd, *tmp;

	list_for_each_entry_safe(cmd, tmp, &mcmd->sess->cmds, sess_node)
		if (lun == UINT64_MAX || cmd->lun == lun)
			scst_abort_cmd(cmd, mcmd);
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
		scst_medium_reset(td->dev);
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
		/* A command whose response is already with the transport has
		 * completed: aborting it would contradict the status it sends. */
		if (!cmd || cmd->lun != mcmd->lun || cmd->state == SCST_CMD_STATE_XMIT) {
			mcmd->status = SCST_MGMT_STATUS_TASK_NOT_EXIST;
			break;
		}
		scst_abort_cmd(cmd, mcmd);
		break;
	case SCST_ABORT_TASK_SET:
	case SCST_CLEAR_TASK_SET:
		if (!lun_exists(sess, mcmd->lun)) {
			mcmd->status = SCST_MGMT_STATUS_LUN_NOT_EXIST;
			break;
		}
		abort_session_cmds(mcmd, mcmd->lun);
		break;
	case SCST_LUN_RESET:
		if (!lun_exists(sess, mcmd->lun)) {
			mcmd->status = SCST_MGMT_STATUS_LUN_NOT_EXIST;
			break;
		}
		abort_session_cmds(mcmd, mcmd->lun);
		reset_ua(sess, mcmd->lun);
		break;
	case SCST_TARGET_RESET:
		abort_session_cmds(mcmd, UINT64_MAX);
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
		/* scstd never establishes an ACA condition (a CHECK
		 * CONDITION clears on completion whatever NACA says), so
		 * there is nothing to clear. */
		mcmd->status = lun_exists(sess, mcmd->lun) ? SCST_MGMT_STATUS_SUCCESS
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
	/* Hold a reference so completions during the walk do not finish it. */
	mcmd->pending = 1;
	run_mgmt_fn(mcmd);
	log_debug("TMF %d on %s lun %llu: status %d, %u commands to wait for", fn,
		  sess->initiator_name, (unsigned long long)mcmd->lun, mcmd->status,
		  mcmd->pending - 1);
	scst_mgmt_cmd_cmd_released(mcmd);
	return 0;
}

void scst_mgmt_cmd_free(struct scst_mgmt_cmd *mcmd)
{
	free(mcmd);
}
