/* iscsi_async.c - the target ending a session on its own initiative:
 * management's force_close and the daemon's shutdown.  The initiator first
 * gets an Asynchronous Message "target requests logout" (AsyncEvent 1,
 * RFC 7143 11.9.1) with a grace period in Parameter3; a Logout within the
 * grace ends the session the ordinary way, otherwise the connection is
 * closed when the grace runs out.  Connections not in full feature phase
 * (logging in, discovery) are closed at once. */
#include <string.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define ASYNC_EVENT_LOGOUT_REQUEST 1

static void grace_over(struct io_timer *t)
{
	struct iscsi_conn *conn = container_of(t, struct iscsi_conn, logout.async_timer);

	iscsi_conn_close(conn, "no logout within the grace period");
}

static bool queue_logout_request(struct iscsi_conn *conn, unsigned grace_s)
{
	struct iscsi_tx *tx = iscsi_tx_alloc(conn);

	if (!tx)
		return false;
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_ASYNC_MSG);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_itt(tx->bhs, ISCSI_RESERVED_TAG);
	iscsi_fill_sn(conn, tx, true);
	iscsi_bhs_set_async_event(tx->bhs, ASYNC_EVENT_LOGOUT_REQUEST);
	iscsi_bhs_set_async_param3(tx->bhs, (uint16_t)grace_s);   /* seconds to log out */
	iscsi_tx_queue(conn, tx);
	return true;
}

void iscsi_request_logout(struct iscsi_conn *conn, unsigned grace_s, const char *why)
{
	if (conn->state == CONN_CLOSING || conn->logout.async_timer.armed)
		return;
	if (conn->state != CONN_FULL || conn->neg.discovery || conn->logout.pending ||
	    !queue_logout_request(conn, grace_s)) {
		iscsi_conn_close(conn, why);
		return;
	}
	log_info("%s: asking %s to log out within %u s (%s)", conn->peer_str,
		 conn->neg.initiator_name, grace_s, why);
	ioloop_timer_init(&conn->logout.async_timer, grace_over);
	ioloop_timer_arm(conn->loop, &conn->logout.async_timer, grace_s * 1000u);
}

void iscsi_async_stop(struct iscsi_conn *conn)
{
	ioloop_timer_cancel(conn->loop, &conn->logout.async_timer);
}
