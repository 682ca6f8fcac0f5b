/* iscsi_session.c - the iSCSI session shared by its connections (MC/S,
 * RFC 7143 4.3, 6.3): the registry of sessions in full feature phase,
 * joining a session by TSIH (same initiator, ISID and target; a CID in use
 * reinstates that connection; MaxConnections enforced), the session-wide
 * parameters a joining connection inherits, reinstatement of an old
 * session, management's force_close, and the end of the session with its
 * last connection.
 *
 * Threads: a session and its connections live on one loop (a joining
 * connection is handed over to it before its login goes on), so the
 * CmdSN window needs no lock.  The registry (all_sessions) and each
 * session's connection list change under the registry lock, which other
 * threads take to look sessions up (logins on other loops, management).
 * Owns conn->link. */
#include <stdlib.h>
#include <string.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

static struct list_head all_sessions = LIST_HEAD_INIT(all_sessions);

struct iscsi_session *iscsi_session_new(struct iscsi_conn *conn)
{
	struct iscsi_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	list_init(&s->held);
	list_init(&s->conns);
	list_init(&s->node);
	s->loop = conn->loop;
	s->max_connections = 1;
	list_add_tail(&conn->link.node, &s->conns);
	s->nconns = 1;
	conn->link.isess = s;
	return s;
}

static bool session_matches(const struct iscsi_session *s, const struct iscsi_conn *conn)
{
	return s->target == conn->neg.target && !memcmp(s->isid, conn->neg.isid, 6) &&
	       !strcmp(s->initiator_name, conn->neg.initiator_name);
}

/* Under the registry lock. */
static struct iscsi_session *find_by_tsih(uint16_t tsih)
{
	struct iscsi_session *s;

	list_for_each_entry(s, &all_sessions, node)
		if (s->tsih == tsih && !__atomic_load_n(&s->ending, __ATOMIC_ACQUIRE))
			return s;
	return NULL;
}

struct ioloop *iscsi_session_loop(uint16_t tsih)
{
	struct iscsi_session *s;
	struct ioloop *loop;

	iscsi_registry_lock();
	s = find_by_tsih(tsih);
	loop = s ? s->loop : NULL;
	iscsi_registry_unlock();
	return loop;
}

static unsigned live_conns(const struct iscsi_session *s, const struct iscsi_conn *except)
{
	const struct iscsi_conn *c;
	unsigned n = 0;

	list_for_each_entry(c, &s->conns, link.node)
		n += c != except && c->state != CONN_CLOSING;
	return n;
}

struct iscsi_conn *iscsi_session_find_cid(struct iscsi_session *s, uint16_t cid)
{
	struct iscsi_conn *c;

	list_for_each_entry(c, &s->conns, link.node)
		if (c->neg.cid == cid && c->state != CONN_CLOSING)
			return c;
	return NULL;
}

/* The new connection's own (unused) session goes; it becomes a member. */
static void attach(struct iscsi_conn *conn, struct iscsi_session *s)
{
	struct iscsi_session *own = conn->link.isess;

	list_del(&conn->link.node);
	list_add_tail(&conn->link.node, &s->conns);
	s->nconns++;
	conn->link.isess = s;
	conn->link.sess = s->sess;
	free(own);
}

int iscsi_session_join(struct iscsi_conn *conn, struct ioloop **loop)
{
	struct iscsi_session *s;
	struct iscsi_conn *old = NULL;
	int rc = 0;

	iscsi_registry_lock();
	s = find_by_tsih(conn->neg.tsih);
	if (!s || conn->neg.discovery || !session_matches(s, conn)) {
		rc = ISCSI_LOGIN_SESSION_NOT_FOUND;
	} else if (s->loop != conn->loop) {
		*loop = s->loop;
		rc = 1;
	} else {
		old = iscsi_session_find_cid(s, conn->neg.cid);
		if (!old && live_conns(s, NULL) >= s->max_connections)
			rc = ISCSI_LOGIN_TOO_MANY_CONNECTIONS;
		else
			attach(conn, s);
	}
	iscsi_registry_unlock();
	if (old) {
		/* Same CID: connection reinstatement (RFC 7143 6.3.4). */
		log_info("%s: reinstating connection %u of session %u", conn->peer_str, conn->neg.cid,
			 conn->neg.tsih);
		iscsi_conn_close(old, "connection reinstated");
	}
	return rc;
}

/* An ending session keeps its slot until its nexus has left the core:
 * freeing the slot at Logout would let the next login register a second
 * core session while the first is still being torn down. */
static bool holds_slot(const struct iscsi_session *s)
{
	return !__atomic_load_n(&s->ending, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&s->sess, __ATOMIC_ACQUIRE);
}

/* Under the registry lock: the target's sessions, not counting the one
 * this login reinstates (same initiator and ISID). */
static unsigned sessions_of_target(const struct iscsi_conn *conn)
{
	const struct iscsi_session *s;
	unsigned n = 0;

	list_for_each_entry(s, &all_sessions, node)
		if (s->target == conn->neg.target && !session_matches(s, conn) && holds_slot(s))
			n++;
	return n;
}

/* Counting and entering the registry happen under one lock hold: two
 * logins finishing at once cannot both see the last free slot.  The
 * entry has no TSIH yet, so no connection can join it before publish. */
bool iscsi_session_claim_slot(struct iscsi_conn *conn)
{
	struct iscsi_session *s = conn->link.isess;
	bool ok;

	iscsi_registry_lock();
	ok = !conn->neg.limits.max_sessions || sessions_of_target(conn) < conn->neg.limits.max_sessions;
	if (ok) {
		s->loop = conn->loop;
		s->target = conn->neg.target;
		memcpy(s->isid, conn->neg.isid, 6);
		memcpy(s->initiator_name, conn->neg.initiator_name, sizeof(s->initiator_name));
		list_add_tail(&s->node, &all_sessions);
		s->registered = true;
	}
	iscsi_registry_unlock();
	return ok;
}

void iscsi_session_publish(struct iscsi_conn *conn)
{
	struct iscsi_session *s = conn->link.isess;

	__atomic_store_n(&s->sess, conn->link.sess, __ATOMIC_RELEASE);
	s->params = conn->neg.params;
	s->max_connections = conn->neg.params.max_connections;
	s->queued_cmds = conn->neg.limits.queued_cmds;
	/* Without its initiator's total the session is held to its own limit. */
	if (!iscsi_rsp_session_start(s))
		log_warn("%s: out of memory for the initiator's response total", conn->peer_str);
	iscsi_registry_lock();
	s->tsih = conn->neg.tsih;
	iscsi_registry_unlock();
}

void iscsi_session_apply_params(struct iscsi_conn *conn)
{
	const struct iscsi_params *lead = &conn->link.isess->params;
	struct iscsi_params *p = &conn->neg.params;

	/* Leading-only keys are the session's, whatever this login said. */
	p->max_burst = lead->max_burst;
	p->first_burst = lead->first_burst;
	p->max_outstanding_r2t = lead->max_outstanding_r2t;
	p->initial_r2t = lead->initial_r2t;
	p->immediate_data = lead->immediate_data;
	p->time2wait = lead->time2wait;
	p->time2retain = lead->time2retain;
	p->max_connections = lead->max_connections;
}

bool iscsi_session_last_conn(const struct iscsi_conn *conn)
{
	return conn->link.isess->nconns == 1;
}

void iscsi_session_drop_held(struct iscsi_session *s, struct iscsi_conn *only)
{
	struct iscsi_held_pdu *h, *tmp;

	list_for_each_entry_safe(h, tmp, &s->held, node) {
		if (only && h->conn != only)
			continue;
		if (only) {
			/* Keeps its CmdSN slot so the window moves on past it. */
			h->conn = NULL;
			continue;
		}
		list_del(&h->node);
		if (h->pool_size)
			scst_buf_free(h->data, h->pool_size);
		else
			free(h->data);
		free(h);
	}
}

void iscsi_session_end_nexus(struct iscsi_session *s)
{
	struct iscsi_conn *c;

	iscsi_session_drop_held(s, NULL);
	if (!s->sess)
		return;
	scst_unregister_session(s->sess);
	log_info("session %u of %s ended by its logout", s->tsih, s->initiator_name);
	__atomic_store_n(&s->sess, NULL, __ATOMIC_RELEASE);
	iscsi_registry_lock();
	list_for_each_entry(c, &s->conns, link.node)
		c->link.sess = NULL;
	iscsi_registry_unlock();
}

void iscsi_session_leave(struct iscsi_conn *conn)
{
	struct iscsi_session *s = conn->link.isess;
	bool last;

	iscsi_registry_lock();
	list_del(&conn->link.node);
	last = --s->nconns == 0;
	/* No login joins or reinstates it from here on, but it keeps its
	 * MaxSessions slot until its nexus is out of the core. */
	if (last)
		__atomic_store_n(&s->ending, true, __ATOMIC_RELEASE);
	iscsi_registry_unlock();
	conn->link.isess = NULL;
	if (!last) {
		conn->link.sess = NULL;
		return;
	}
	iscsi_session_drop_held(s, NULL);
	if (s->sess) {
		scst_unregister_session(s->sess);
		log_info("%s: session %u of %s ended", conn->peer_str, s->tsih, s->initiator_name);
	}
	iscsi_registry_lock();
	if (s->registered)
		list_del(&s->node);
	iscsi_registry_unlock();
	conn->link.sess = NULL;
	iscsi_rsp_session_end(s);
	iscsi_move_stop(s);
	free(s);
}

void iscsi_session_close_all(struct iscsi_session *s, const char *why)
{
	struct iscsi_conn *c, *tmp;

	list_for_each_entry_safe(c, tmp, &s->conns, link.node)
		iscsi_conn_close(c, why);
}

bool iscsi_session_alive(struct iscsi_session *s, struct ioloop **loop)
{
	struct iscsi_session *x;
	bool found = false;

	iscsi_registry_lock();
	list_for_each_entry(x, &all_sessions, node)
		found |= x == s;
	if (found)
		*loop = s->loop;
	iscsi_registry_unlock();
	return found;
}

/* Whether a message about s reached s's loop; if not (s moved to another
 * loop, iscsi_move.c), it is sent on there.  False when s is gone too. */
static bool on_session_loop(struct iscsi_session *s, void (*fn)(void *))
{
	struct ioloop *loop = NULL;

	if (!iscsi_session_alive(s, &loop))
		return false;
	if (loop == ioloop_current())
		return true;
	ioloop_run_on(loop, fn, s);
	return false;
}

/* On the session's loop: nothing frees it under us. */
static void close_session_msg(void *arg)
{
	struct iscsi_session *s = arg;

	if (on_session_loop(s, close_session_msg))
		iscsi_session_close_all(s, "session reinstated");
}

void iscsi_reinstate_session(struct iscsi_conn *conn)
{
	struct iscsi_session *s;

	iscsi_registry_lock();
	list_for_each_entry(s, &all_sessions, node) {
		if (s == conn->link.isess || __atomic_load_n(&s->ending, __ATOMIC_ACQUIRE) ||
		    !session_matches(s, conn))
			continue;
		log_info("%s: reinstating the session of %s (old TSIH %u)", conn->peer_str,
			 conn->neg.initiator_name, s->tsih);
		/* No connection joins it any more. */
		__atomic_store_n(&s->ending, true, __ATOMIC_RELEASE);
		ioloop_run_on(s->loop, close_session_msg, s);
	}
	iscsi_registry_unlock();
}

static void force_close_msg(void *arg)
{
	struct iscsi_session *s = arg;
	struct iscsi_conn *c, *tmp;

	if (!on_session_loop(s, force_close_msg))
		return;
	list_for_each_entry_safe(c, tmp, &s->conns, link.node)
		iscsi_force_close_conn(c);
}

int iscsi_session_request_close(struct iscsi_session *s)
{
	return ioloop_run_on(s->loop, force_close_msg, s);
}

void iscsi_session_for_each_conn(struct iscsi_session *s,
				 void (*fn)(const struct iscsi_conn *c, void *arg), void *arg)
{
	const struct iscsi_conn *c;

	iscsi_registry_lock();
	list_for_each_entry(c, &s->conns, link.node)
		fn(c, arg);
	iscsi_registry_unlock();
}
