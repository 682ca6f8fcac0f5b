/* iscsi_rsp_limit.c - how much response data one session, and one
 * initiator over all its sessions, may pin.
 *
 * A READ command's expected bytes (its EDTL, which also bounds the buffer
 * the core allocates) are charged to its session from the command's
 * arrival until its Data-In PDUs are taken by the kernel, and every other
 * queued PDU costs ISCSI_TX_COST (what it and its command take besides
 * data) plus the data it owns (sense, a NOP-In's echo) until sent: so
 * immediate commands and pings, which the CmdSN window does not bound,
 * are bounded too.  When the
 * session's charge reaches MaxBufferedResponseData (a driver attribute),
 * or the charge of all sessions of its initiator (by name) reaches
 * MaxBufferedResponseDataPerInitiator, its connections stop taking new
 * PDUs (between two PDUs: the rest waits in the socket) until both have
 * fallen to half.  A session's own discharges lift its pause; one paused
 * for what its initiator's other sessions (on other loops) pin looks
 * again at every RspTimeout tick (1 s).  A client
 * that never reads its responses thus stalls only itself, with at most
 * the limit plus one command pinned; the CmdSN window, whose slots stay
 * taken until the status is handed to the kernel, bounds the rest.
 *
 * WRITE data is not charged: its commands need the receive side to
 * finish, and the window and FirstBurstLength bound it.  A session's
 * counters change on its loop only (atomically so that the management
 * thread may read them); an initiator's total is shared by loops. */
#include <stdlib.h>
#include <string.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

struct iscsi_initiator_load {
	struct list_head node;
	char name[SCST_NAME_MAX];
	unsigned refs;                   /* sessions (under loads_lock) */
	uint64_t charged;                /* atomic */
};

unsigned iscsi_max_buffered_rsp = ISCSI_MAX_BUFFERED_RSP_DEFAULT;
unsigned iscsi_max_buffered_rsp_initiator = ISCSI_MAX_BUFFERED_RSP_INITIATOR_DEFAULT;

static pthread_mutex_t loads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head loads = LIST_HEAD_INIT(loads);

static uint64_t limit(void)
{
	return __atomic_load_n(&iscsi_max_buffered_rsp, __ATOMIC_RELAXED);
}

static uint64_t initiator_limit(void)
{
	return __atomic_load_n(&iscsi_max_buffered_rsp_initiator, __ATOMIC_RELAXED);
}

static uint64_t initiator_charged(const struct iscsi_session *s)
{
	return s->load ? __atomic_load_n(&s->load->charged, __ATOMIC_RELAXED) : 0;
}

bool iscsi_rsp_session_start(struct iscsi_session *s)
{
	struct iscsi_initiator_load *l;

	pthread_mutex_lock(&loads_lock);
	list_for_each_entry(l, &loads, node)
		if (!strcmp(l->name, s->initiator_name))
			break;
	if (&l->node == &loads) {
		l = calloc(1, sizeof(*l));
		if (l) {
			memcpy(l->name, s->initiator_name, sizeof(l->name));
			list_add_tail(&l->node, &loads);
		}
	}
	if (l)
		l->refs++;
	pthread_mutex_unlock(&loads_lock);
	s->load = l;
	return l != NULL;
}

/* Every command of the session is gone: its charge is back to 0. */
void iscsi_rsp_session_end(struct iscsi_session *s)
{
	struct iscsi_initiator_load *l = s->load;

	if (!l)
		return;
	s->load = NULL;
	pthread_mutex_lock(&loads_lock);
	if (--l->refs == 0) {
		list_del(&l->node);
		free(l);
	}
	pthread_mutex_unlock(&loads_lock);
}

static bool over_half(const struct iscsi_session *s)
{
	return s->rsp_charged > limit() / 2 || initiator_charged(s) > initiator_limit() / 2;
}

static void pause_session(struct iscsi_session *s)
{
	__atomic_store_n(&s->rx_paused, true, __ATOMIC_RELAXED);
	__atomic_store_n(&s->rx_pauses, s->rx_pauses + 1, __ATOMIC_RELAXED);
}

static void resume_session(struct iscsi_session *s)
{
	struct iscsi_conn *c;

	__atomic_store_n(&s->rx_paused, false, __ATOMIC_RELAXED);
	/* Membership changes on this loop only: no lock needed to walk it. */
	list_for_each_entry(c, &s->conns, link.node)
		iscsi_rx_resume(c);
}

void iscsi_rsp_charge(struct iscsi_conn *conn, uint32_t bytes)
{
	struct iscsi_session *s = conn->link.isess;
	uint64_t now = s->rsp_charged + bytes;
	uint64_t total = 0;

	__atomic_store_n(&s->rsp_charged, now, __ATOMIC_RELAXED);
	if (s->load)
		total = __atomic_add_fetch(&s->load->charged, bytes, __ATOMIC_RELAXED);
	if (!s->rx_paused && (now >= limit() || total >= initiator_limit())) {
		log_debug("%s: %llu bytes of responses pinned: not reading until half are sent",
			  conn->peer_str, (unsigned long long)now);
		pause_session(s);
	}
}

void iscsi_rsp_discharge(struct iscsi_conn *conn, uint32_t bytes)
{
	struct iscsi_session *s = conn->link.isess;
	uint64_t now = s->rsp_charged - bytes;

	__atomic_store_n(&s->rsp_charged, now, __ATOMIC_RELAXED);
	if (s->load)
		__atomic_sub_fetch(&s->load->charged, bytes, __ATOMIC_RELAXED);
	if (s->rx_paused && !over_half(s))
		resume_session(s);
}

void iscsi_rsp_recheck(struct iscsi_session *s)
{
	if (s->rx_paused && !over_half(s))
		resume_session(s);
}
