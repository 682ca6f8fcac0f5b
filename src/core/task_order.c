/* task_order.c - task attributes (SAM-5 8.6): when a command of an I_T_L
 * nexus may start.  SIMPLE (and untagged) commands start at once unless an
 * ORDERED one is ahead of them; an ORDERED command waits until every
 * older command of the nexus has finished and holds back every newer one
 * until it has; HEAD OF QUEUE starts at once.
 *
 * The task set is per I_T_L nexus (control mode page TST=001, SCST's
 * default), so everything here runs on the session's loop without a lock.
 * The common all-SIMPLE path costs two field reads and a counter. */
#include "scst.h"
#include "scst_priv.h"

static bool may_start(const struct scst_tgt_dev *td, const struct scst_cmd *cmd)
{
	if (cmd->queue_type == SCST_CMD_QUEUE_HEAD_OF_QUEUE)
		return true;
	if (td->ordered_running || !list_empty(&td->held_cmds))
		return false;
	return cmd->queue_type != SCST_CMD_QUEUE_ORDERED || td->started_cmds == 0;
}

static void start(struct scst_tgt_dev *td, struct scst_cmd *cmd)
{
	cmd->order_started = true;
	td->started_cmds++;
	if (cmd->queue_type == SCST_CMD_QUEUE_ORDERED)
		td->ordered_running = true;
}

bool scst_order_admit(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;

	if (!may_start(td, cmd)) {
		list_add_tail(&cmd->order_node, &td->held_cmds);
		cmd->order_held = true;
		return false;
	}
	start(td, cmd);
	return true;
}

/* Starts what may start now from the head of the held commands.  Runs
 * inside scst_tgt_cmd_done, so a command started here that finishes at
 * once has its response queued (the completion rule, cmd_deliver.c) and
 * nothing comes back here before the loop is over. */
static void start_held(struct scst_tgt_dev *td)
{
	while (!list_empty(&td->held_cmds)) {
		struct scst_cmd *cmd = list_first_entry(&td->held_cmds, struct scst_cmd, order_node);

		if (td->ordered_running ||
		    (cmd->queue_type == SCST_CMD_QUEUE_ORDERED && td->started_cmds))
			break;
		list_del(&cmd->order_node);
		cmd->order_held = false;
		start(td, cmd);
		scst_cmd_resume_after_order(cmd);
	}
}

void scst_order_finished(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;

	if (!cmd->order_started)
		return;
	td->started_cmds--;
	if (cmd->queue_type == SCST_CMD_QUEUE_ORDERED)
		td->ordered_running = false;
	if (!list_empty(&td->held_cmds))
		start_held(td);
}

bool scst_order_unhold(struct scst_cmd *cmd)
{
	if (!cmd->order_held)
		return false;
	list_del(&cmd->order_node);
	cmd->order_held = false;
	/* The head of the queue still waits for a started command, whose
	 * end starts the rest: nothing to start here, so an abort walking
	 * the session's commands sees none of them run and vanish. */
	return true;
}
