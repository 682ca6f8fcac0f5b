/* iscsi_move.c - moving a live iSCSI session, with all its connections,
 * to another I/O loop (the core's move_session: its group's
 * io_grouping_type or cpu_mask changed, or its loop ends because
 * `threads` was lowered).  Nothing is dropped and nothing reconnects.
 *
 * A session's commands, sends, receives and timers all belong to its
 * loop, so it moves only at a safe point: no command of the session in
 * the core or in a connection, nothing queued or in a sendmsg, every
 * connection between two PDUs.  To reach one under load, the CmdSN window
 * stops advancing (MaxCmdSN is frozen at the last value sent, which RFC
 * 7143 4.2.2.1 allows: an initiator never takes it back), so a busy
 * initiator runs out of window and its last commands complete.  Then the
 * connections stop reading (a recv in flight is cancelled; bytes it
 * brought wait in the read-ahead buffer, which moves along), their timers
 * are taken off this loop with the time they had left, and the new loop
 * re-arms them, reads on and reopens the window with an unsolicited NOP-In
 * (ITT and TTT 0xffffffff, RFC 7143 11.19: no answer, StatSN not advanced)
 * that carries the current MaxCmdSN.  Bytes the initiator sends meanwhile
 * wait in the socket. */
#include <stdlib.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

/* The quiet check runs on the loop's 100 ms tick. */
#define MOVE_POLL_MS 0

uint32_t iscsi_max_cmdsn_to_send(const struct iscsi_conn *conn)
{
	struct iscsi_session *s = conn->link.isess;

	if (!s->move_to)
		s->max_cmdsn_sent = iscsi_max_cmdsn(conn);
	return s->max_cmdsn_sent;
}

static bool conn_quiet(const struct iscsi_conn *c)
{
	return c->state == CONN_FULL && list_empty(&c->commands.list) &&
	       !c->commands.tmf_pending && !c->tx.busy && list_empty(&c->tx.queue) &&
	       c->rx.stage == RX_BHS && c->rx.got == 0 && !c->rx.cmd && !c->rx.imm_buf &&
	       !c->tx.flush.queued && !c->teardown.reap.queued && !c->move.defer.queued &&
	       !c->rx.resume.queued;
}

static bool session_quiet(const struct iscsi_session *s)
{
	const struct iscsi_conn *c;

	if (!list_empty(&s->held) || s->rx_paused || (s->sess && s->sess->active_cmds))
		return false;
	list_for_each_entry(c, &s->conns, link.node)
		if (!conn_quiet(c))
			return false;
	return true;
}

/* True once no connection has a recv in flight.  A recv's cancel may
 * lose to arriving bytes: with rx_stopped they stay in the read-ahead. */
static bool stop_receiving(struct iscsi_session *s)
{
	struct iscsi_conn *c;
	bool idle = true;

	list_for_each_entry(c, &s->conns, link.node) {
		c->rx.stopped = true;
		if (!c->rx.busy)
			continue;
		idle = false;
		iscsi_rx_cancel(c);
	}
	return idle;
}

/* The timers of a connection, with what they had left. */
#define CONN_TIMERS 5

struct moved_conn {
	struct iscsi_conn *conn;
	int left_ms[CONN_TIMERS];         /* -1: not armed */
};

struct move {
	struct iscsi_session *s;
	unsigned n;
	struct moved_conn c[];
};

static void conn_timers(struct iscsi_conn *c, struct io_timer *t[CONN_TIMERS])
{
	t[0] = &c->ka.timer;
	t[1] = &c->rsp_timeout.timer;
	t[2] = &c->logout.wait;
	t[3] = &c->logout.async_timer;
	t[4] = &c->admission.login_timer;
}

static void take_timers(struct moved_conn *m)
{
	struct io_timer *t[CONN_TIMERS];

	conn_timers(m->conn, t);
	for (int i = 0; i < CONN_TIMERS; i++) {
		m->left_ms[i] = t[i]->armed ? (int)ioloop_timer_left_ms(t[i]) : -1;
		ioloop_timer_cancel(m->conn->loop, t[i]);
	}
}

static void give_timers(const struct moved_conn *m)
{
	struct io_timer *t[CONN_TIMERS];

	conn_timers(m->conn, t);
	for (int i = 0; i < CONN_TIMERS; i++)
		if (m->left_ms[i] >= 0)
			ioloop_timer_arm(m->conn->loop, t[i], (unsigned)m->left_ms[i]);
}

/* On the new loop: everything the old one let go of starts here. */
static void arrive(void *arg)
{
	struct move *mv = arg;
	struct iscsi_session *s = mv->s;

	s->move_to = NULL;
	for (unsigned i = 0; i < mv->n; i++) {
		struct iscsi_conn *c = mv->c[i].conn;

		give_timers(&mv->c[i]);
		c->rx.stopped = false;
		iscsi_rx_resume(c);
		/* The new MaxCmdSN, for an initiator that may be waiting
		 * for it: a NOP-In that wants no answer. */
		if (i == 0)
			iscsi_send_unsolicited_nop_in(c, ISCSI_RESERVED_TAG);
	}
	free(mv);
}

static struct move *move_new(struct iscsi_session *s)
{
	struct iscsi_conn *c;
	struct move *mv = calloc(1, sizeof(*mv) + s->nconns * sizeof(mv->c[0]));

	if (!mv)
		return NULL;
	mv->s = s;
	list_for_each_entry(c, &s->conns, link.node)
		mv->c[mv->n++].conn = c;
	return mv;
}

static void switch_loops(struct iscsi_session *s, struct ioloop *to)
{
	struct ioloop *from = s->loop;
	struct iscsi_conn *c;

	iscsi_registry_lock();
	list_for_each_entry(c, &s->conns, link.node) {
		c->loop = to;
		ioloop_move_attachment(from, to);
	}
	s->loop = to;
	iscsi_registry_unlock();
}

/* At the safe point, on the old loop: nothing of the session is in
 * flight there, so nothing of it is left in this iteration's batch of
 * completions either. */
static void move_now(struct iscsi_session *s)
{
	struct ioloop *from = s->loop, *to = s->move_to;
	struct move *mv = move_new(s);

	ioloop_timer_cancel(from, &s->move_poll);
	if (!mv) {
		log_warn("session %u of %s: out of memory, it stays on I/O thread %u", s->tsih,
			 s->initiator_name, ioloop_index(from));
		to = from;
	} else {
		for (unsigned i = 0; i < mv->n; i++)
			take_timers(&mv->c[i]);
		switch_loops(s, to);
	}
	if (s->sess)
		scst_session_moved(s->sess, to);
	if (!mv) {
		struct iscsi_conn *c;

		s->move_to = NULL;
		list_for_each_entry(c, &s->conns, link.node) {
			c->rx.stopped = false;
			iscsi_rx_resume(c);
		}
		return;
	}
	if (ioloop_run_on(to, arrive, mv) < 0) {
		/* The destination ended meanwhile: stay (and say so). */
		switch_loops(s, from);
		if (s->sess)
			scst_session_moved(s->sess, from);
		arrive(mv);
	}
}

static void move_poll(struct io_timer *t)
{
	struct iscsi_session *s = container_of(t, struct iscsi_session, move_poll);

	if (!s->move_to)
		return;
	if (!session_quiet(s) || !stop_receiving(s)) {
		ioloop_timer_arm(s->loop, t, MOVE_POLL_MS);
		return;
	}
	move_now(s);
}

/* A cancelled recv came back: the move need not wait for the next tick. */
void iscsi_move_rx_stopped(struct iscsi_conn *conn)
{
	struct iscsi_session *s = conn->link.isess;

	if (!s || !s->move_to)
		return;
	ioloop_timer_cancel(s->loop, &s->move_poll);
	move_poll(&s->move_poll);
}

void iscsi_move_stop(struct iscsi_session *s)
{
	ioloop_timer_cancel(s->loop, &s->move_poll);
}

/* On whatever loop the message reached: the session's own, or on to it. */
static void begin_move(void *arg);

struct move_req {
	struct iscsi_session *s;
	struct ioloop *to;
};

static void begin_move(void *arg)
{
	struct move_req *rq = arg;
	struct iscsi_session *s = rq->s;
	struct ioloop *here = NULL;

	if (!iscsi_session_alive(s, &here)) {
		free(rq);
		return;
	}
	if (here != ioloop_current()) {
		if (ioloop_run_on(here, begin_move, rq) < 0)
			free(rq);
		return;
	}
	if (rq->to == s->loop) {
		if (s->sess)
			scst_session_moved(s->sess, s->loop);
		free(rq);
		return;
	}
	if (s->move_to) {                /* under way: it goes there instead */
		s->move_to = rq->to;
		free(rq);
		return;
	}
	s->move_to = rq->to;
	free(rq);
	if (!s->move_poll.fn)
		ioloop_timer_init(&s->move_poll, move_poll);
	move_poll(&s->move_poll);
}

int iscsi_move_session(struct scst_session *sess, struct ioloop *to)
{
	struct move_req *rq = malloc(sizeof(*rq));
	struct ioloop *at = NULL;

	/* Not in full feature phase yet (or ending): it cannot move now;
	 * the core asks again. */
	if (!rq || !iscsi_session_alive(sess->tgt_priv, &at)) {
		free(rq);
		return -1;
	}
	rq->s = sess->tgt_priv;
	rq->to = to;
	if (ioloop_run_on(at, begin_move, rq) < 0) {
		free(rq);
		return -1;
	}
	return 1;
}
