/* iscsi_keepalive.c - the target's NOP-In pings (RFC 7143 11.19): a
 * full-feature connection that has sent nothing for NopInInterval seconds
 * gets a NOP-In asking for an answer, and one that then stays silent for
 * NopInTimeout seconds is closed.  This is what frees the session and the
 * commands of an initiator that vanished without closing its socket.
 *
 * The receive path only sets conn->ka.rx_activity (any bytes count as a sign
 * of life); the decisions are taken here on the loop's coarse timer, so
 * the data path pays one store per recv.  Owns conn->ka. */
#include <string.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

/* TTTs of our pings live apart from the R2T ones (which count up from 0)
 * so a stray answer is never mistaken for a Data-Out's tag. */
#define KEEPALIVE_TTT_BASE 0xfff00000u

void iscsi_send_unsolicited_nop_in(struct iscsi_conn *conn, uint32_t ttt)
{
	struct iscsi_tx *tx = iscsi_tx_alloc(conn);

	if (!tx) {
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_NOP_IN);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_itt(tx->bhs, ISCSI_RESERVED_TAG);
	iscsi_bhs_set_ttt(tx->bhs, ttt);
	/* An unsolicited NOP-In carries StatSN without advancing it. */
	iscsi_fill_sn(conn, tx, false);
	iscsi_tx_queue(conn, tx);
}

static void send_ping(struct iscsi_conn *conn)
{
	conn->ka.nop_ttt = KEEPALIVE_TTT_BASE | (conn->ka.nop_ttt + 1) % 0x100000u;
	iscsi_send_unsolicited_nop_in(conn, conn->ka.nop_ttt);
}

static void keepalive_tick(struct io_timer *t)
{
	struct iscsi_conn *conn = container_of(t, struct iscsi_conn, ka.timer);
	/* While its session pins too much response data (iscsi_rsp_limit.c)
	 * the connection reads nothing, so silence proves nothing; RspTimeout
	 * still closes it if its responses stop leaving. */
	bool alive = conn->ka.rx_activity || conn->link.isess->rx_paused;

	if (conn->state != CONN_FULL)
		return;
	conn->ka.rx_activity = false;
	if (alive) {
		conn->ka.nop_waiting = false;
		ioloop_timer_arm(conn->loop, t, conn->neg.limits.nop_in_interval * 1000u);
		return;
	}
	if (conn->ka.nop_waiting) {
		log_warn("%s: %s did not answer a NOP-In within %u s", conn->peer_str,
			 conn->neg.initiator_name, conn->neg.limits.nop_in_timeout);
		iscsi_conn_close(conn, "NOP-In timeout");
		return;
	}
	send_ping(conn);
	if (conn->state != CONN_FULL)
		return;
	conn->ka.nop_waiting = true;
	ioloop_timer_arm(conn->loop, t, conn->neg.limits.nop_in_timeout * 1000u);
}

void iscsi_keepalive_start(struct iscsi_conn *conn)
{
	ioloop_timer_init(&conn->ka.timer, keepalive_tick);
	if (!conn->neg.limits.nop_in_interval || conn->neg.discovery)
		return;
	conn->ka.rx_activity = false;
	conn->ka.nop_waiting = false;
	ioloop_timer_arm(conn->loop, &conn->ka.timer, conn->neg.limits.nop_in_interval * 1000u);
}

void iscsi_keepalive_stop(struct iscsi_conn *conn)
{
	ioloop_timer_cancel(conn->loop, &conn->ka.timer);
}
