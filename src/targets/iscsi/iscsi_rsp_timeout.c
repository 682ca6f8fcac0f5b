/* iscsi_rsp_timeout.c - RspTimeout (iscsi-scst's per-target attribute): a
 * command that has been waiting on the initiator for longer than
 * RspTimeout seconds closes its connection.  As in iscsi-scst, waiting on
 * the initiator means waiting for the WRITE data it was asked for (an R2T
 * or unsolicited data outstanding), or for the socket to take the
 * command's Data-In and response (an initiator that stopped reading); a
 * command the backend is still working on does not count, since closing
 * the connection would not make the backend finish it any sooner.
 *
 * The data path only stamps the command with the connection's second
 * counter (iscsi_cmd_wait_initiator); the counter ticks and the commands
 * are checked once a second on the loop's coarse timer, so a command is
 * given between RspTimeout and RspTimeout + 1 seconds.  Owns
 * conn->rsp_timeout. */
#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define RSP_TICK_MS 1000u

static const struct iscsi_cmd *overdue_cmd(const struct iscsi_conn *conn)
{
	const struct iscsi_cmd *icmd;

	list_for_each_entry(icmd, &conn->commands.list, node)
		if (icmd->wait_tick && conn->rsp_timeout.clock - icmd->wait_tick > conn->neg.limits.rsp_timeout)
			return icmd;
	return NULL;
}

static void rsp_tick(struct io_timer *t)
{
	struct iscsi_conn *conn = container_of(t, struct iscsi_conn, rsp_timeout.timer);
	const struct iscsi_cmd *late;

	if (conn->state != CONN_FULL)
		return;
	conn->rsp_timeout.clock++;
	iscsi_rsp_recheck(conn->link.isess);
	late = overdue_cmd(conn);
	if (late) {
		log_warn("%s: %s: command ITT 0x%08x waited on the initiator for more than %u s "
			 "(RspTimeout, %s)", conn->peer_str, conn->neg.initiator_name, late->itt,
			 conn->neg.limits.rsp_timeout, late->tx_pending ? "sending its response"
								    : "waiting for its data");
		iscsi_conn_close(conn, "RspTimeout");
		return;
	}
	ioloop_timer_arm(conn->loop, t, RSP_TICK_MS);
}

void iscsi_rsp_timer_start(struct iscsi_conn *conn)
{
	ioloop_timer_init(&conn->rsp_timeout.timer, rsp_tick);
	if (conn->neg.discovery)
		return;
	conn->rsp_timeout.clock = 1;            /* 0 is "not waiting" in wait_tick */
	ioloop_timer_arm(conn->loop, &conn->rsp_timeout.timer, RSP_TICK_MS);
}

void iscsi_rsp_timer_stop(struct iscsi_conn *conn)
{
	ioloop_timer_cancel(conn->loop, &conn->rsp_timeout.timer);
}
