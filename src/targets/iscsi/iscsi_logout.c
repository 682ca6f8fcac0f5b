/* iscsi_logout.c - the Logout request (RFC 7143 11.14): reason 0 closes
 * the session, reason 1 a connection (this one or, with MC/S, another one
 * named by its CID), recovery (2) is refused at ERL 0.
 *
 * When the session ends, its Logout Response goes out only once the I_T
 * nexus is gone from the core: an initiator that logs in again the moment
 * it has the answer must find nothing of the old nexus (a medium removal
 * it prevented, unit attentions, reservations).  Getting there can take a
 * while - the session's other connections close and its commands still
 * in the core are aborted and come back - so it is polled on the loop's
 * coarse timer, and the loop never waits.  Owns conn->logout
 * (its async_timer: iscsi_async.c). */
#include <string.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define LOGOUT_POLL_MS 100

/* Reason 1 may name another connection of the session (its CID). */
static uint8_t close_named_conn(struct iscsi_conn *conn, uint16_t cid, bool *self)
{
	struct iscsi_conn *other;

	other = iscsi_session_find_cid(conn->link.isess, cid);
	/* Without MC/S the connection is the one meant, whatever CID it got. */
	*self = cid == conn->neg.cid || (!other && conn->link.isess->max_connections <= 1);
	if (*self)
		return ISCSI_LOGOUT_RSP_OK;
	if (!other)
		return ISCSI_LOGOUT_RSP_CID_NOT_FOUND;
	log_info("%s: logout of connection %u of the session", conn->peer_str, cid);
	iscsi_conn_close(other, "logged out from another connection");
	return ISCSI_LOGOUT_RSP_OK;
}

/* Only this connection is left and nothing of the session is in the core. */
static bool session_quiet(const struct iscsi_conn *conn)
{
	return iscsi_session_last_conn(conn) && !conn->commands.tmf_pending &&
	       (!conn->link.sess || !__atomic_load_n(&conn->link.sess->active_cmds, __ATOMIC_RELAXED));
}

static void answer_ended_session(struct iscsi_conn *conn)
{
	iscsi_session_end_nexus(conn->link.isess);
	iscsi_send_response_byte(conn, ISCSI_OP_LOGOUT_RSP, conn->logout.itt,
				 ISCSI_LOGOUT_RSP_OK, true);
}

static void logout_poll(struct io_timer *t)
{
	struct iscsi_conn *conn = container_of(t, struct iscsi_conn, logout.wait);

	if (conn->state != CONN_FULL)
		return;
	if (!session_quiet(conn)) {
		ioloop_timer_arm(conn->loop, t, LOGOUT_POLL_MS);
		return;
	}
	answer_ended_session(conn);
}

static void close_other_conns(struct iscsi_conn *conn)
{
	struct iscsi_conn *c, *tmp;

	list_for_each_entry_safe(c, tmp, &conn->link.isess->conns, link.node)
		if (c != conn)
			iscsi_conn_close(c, "session logged out");
}

static void end_session(struct iscsi_conn *conn, const uint8_t *bhs)
{
	memcpy(conn->logout.itt, iscsi_bhs_itt_bytes(bhs), 4);
	conn->logout.pending = true;
	conn->rx.stopped = true;
	/* Before `ending` is set: a connection closing in an ending session
	 * closes all the others, this one included. */
	close_other_conns(conn);
	__atomic_store_n(&conn->link.isess->ending, true, __ATOMIC_RELEASE);
	if (conn->link.sess)
		scst_session_abort_all(conn->link.sess);
	log_info("%s: logout (session)", conn->peer_str);
	if (session_quiet(conn)) {
		answer_ended_session(conn);
		return;
	}
	ioloop_timer_init(&conn->logout.wait, logout_poll);
	ioloop_timer_arm(conn->loop, &conn->logout.wait, LOGOUT_POLL_MS);
}

void iscsi_logout_pdu(struct iscsi_conn *conn, const uint8_t *bhs)
{
	uint8_t reason = iscsi_bhs_logout_reason(bhs);
	uint8_t response = ISCSI_LOGOUT_RSP_OK;
	bool ends_here = reason == 0;

	if (reason == 1)
		response = close_named_conn(conn, iscsi_bhs_cid(bhs), &ends_here);
	else if (reason != 0)
		response = ISCSI_LOGOUT_RSP_NO_RECOVERY;
	if (ends_here && (reason == 0 || iscsi_session_last_conn(conn))) {
		end_session(conn, bhs);
		return;
	}
	if (ends_here) {
		conn->logout.pending = true;
		conn->rx.stopped = true;
		log_info("%s: logout (connection)", conn->peer_str);
	}
	iscsi_send_response_byte(conn, ISCSI_OP_LOGOUT_RSP, iscsi_bhs_itt_bytes(bhs), response,
				 ends_here);
}

void iscsi_logout_stop(struct iscsi_conn *conn)
{
	ioloop_timer_cancel(conn->loop, &conn->logout.wait);
}
