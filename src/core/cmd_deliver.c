/* cmd_deliver.c - the one completion rule: the core hands a command's
 * response (tgtt->xmit_response) and a task management answer
 * (tgtt->task_mgmt_fn_done) to the transport only from here, and never
 * while a call into the core is running on the thread.
 *
 * A handler may finish a command inside its exec, a transport may release
 * one inside xmit_response, an abort may end commands it walks over: were
 * the transport called back there, it would be re-entered in the middle
 * of its own call into the core, and the core's walks (held commands, a
 * session's command list) would see commands vanish under them.  So every
 * transport-facing entry point brackets its work with scst_core_enter /
 * scst_core_leave; a completion that arrives with a call in progress is
 * queued, and the queue is delivered at the end of the loop iteration
 * (an io_defer), or earlier by a transport calling scst_completions_drain
 * between two of its calls.  A completion with no core call in progress
 * (a handler's asynchronous I/O done, a message from another loop) is
 * delivered at once, after the older queued ones.  Off the I/O threads
 * (unit tests, tools driving the core directly) there is no iteration to
 * wait for: the caller drains.
 *
 * The state is per thread: a command and its session live on one loop. */
#include "scst.h"
#include "scst_priv.h"
#include "util/ioloop.h"

struct deliver_queue {
	unsigned depth;                 /* core calls (and deliveries) running */
	bool ready;                     /* list and drain initialised */
	struct list_head items;         /* struct scst_delivery, oldest first */
	struct io_defer drain;
};

static __thread struct deliver_queue dq;

static void deliver(struct scst_delivery *d)
{
	dq.depth++;
	if (d->kind == SCST_DELIVER_CMD) {
		struct scst_cmd *cmd = container_of(d, struct scst_cmd, delivery);

		cmd->sess->tgt->tgtt->xmit_response(cmd);
	} else {
		struct scst_mgmt_cmd *mcmd = container_of(d, struct scst_mgmt_cmd, delivery);

		/* The session was pinned (active_cmds) until the answer. */
		mcmd->sess->active_cmds--;
		mcmd->sess->tgt->tgtt->task_mgmt_fn_done(mcmd);
	}
	dq.depth--;
}

void scst_completions_drain(void)
{
	if (!dq.ready || dq.depth)
		return;
	while (!list_empty(&dq.items)) {
		struct scst_delivery *d = list_first_entry(&dq.items, struct scst_delivery, node);

		list_del(&d->node);
		deliver(d);
	}
}

static void drain_deferred(struct io_defer *unused)
{
	(void)unused;
	scst_completions_drain();
}

static void queue_init(void)
{
	if (dq.ready)
		return;
	list_init(&dq.items);
	list_init(&dq.drain.node);
	dq.drain.fn = drain_deferred;
	dq.ready = true;
}

void scst_core_enter(void)
{
	dq.depth++;
}

void scst_core_leave(void)
{
	dq.depth--;
}

static void submit(struct scst_delivery *d)
{
	struct ioloop *loop;

	if (!dq.depth) {
		queue_init();
		list_add_tail(&d->node, &dq.items);
		/* No core call running: this one, older ones and what the
		 * transport's callbacks queue meanwhile go now. */
		scst_completions_drain();
		return;
	}
	queue_init();
	list_add_tail(&d->node, &dq.items);
	loop = ioloop_current();
	if (loop)
		ioloop_defer(loop, &dq.drain);
}

void scst_deliver_response(struct scst_cmd *cmd)
{
	cmd->delivery.kind = SCST_DELIVER_CMD;
	submit(&cmd->delivery);
}

void scst_deliver_mgmt_answer(struct scst_mgmt_cmd *mcmd)
{
	mcmd->delivery.kind = SCST_DELIVER_MGMT;
	submit(&mcmd->delivery);
}
