/* iscsi_rsp_limit.c - how much response data one session may pin.
 *
 * A READ command's expected bytes (its EDTL, which also bounds the buffer
 * the core allocates) are charged to its session from the command's
 * arrival until its Data-In PDUs are taken by the kernel.  When the
 * session's charge reaches MaxBufferedResponseData (a driver attribute),
 * its connections stop taking new PDUs (between two PDUs: the rest waits
 * in the socket) until the charge has fallen to half of it.  A client
 * that never reads its responses thus stalls only itself, with at most
 * the limit plus one command pinned; the CmdSN window, whose slots stay
 * taken until the status is handed to the kernel, bounds the rest.
 *
 * WRITE data is not charged: its commands need the receive side to
 * finish, and the window and FirstBurstLength bound it.  Everything runs
 * on the session's loop; the counters are written atomically only so
 * that the management thread may read them. */
#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

unsigned iscsi_max_buffered_rsp = ISCSI_MAX_BUFFERED_RSP_DEFAULT;

static uint64_t limit(void)
{
	return __atomic_load_n(&iscsi_max_buffered_rsp, __ATOMIC_RELAXED);
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
	list_for_each_entry(c, &s->conns, sess_node)
		iscsi_rx_resume(c);
}

void iscsi_rsp_charge(struct iscsi_cmd *icmd, uint32_t bytes)
{
	struct iscsi_session *s = icmd->conn->isess;
	uint64_t now = s->rsp_charged + bytes;

	icmd->charged += bytes;
	__atomic_store_n(&s->rsp_charged, now, __ATOMIC_RELAXED);
	if (!s->rx_paused && now >= limit()) {
		log_debug("%s: %llu bytes of responses pinned: not reading until half are sent",
			  icmd->conn->peer_str, (unsigned long long)now);
		pause_session(s);
	}
}

void iscsi_rsp_discharge(struct iscsi_cmd *icmd, uint32_t bytes)
{
	struct iscsi_session *s = icmd->conn->isess;
	uint64_t now = s->rsp_charged - bytes;

	icmd->charged -= bytes;
	__atomic_store_n(&s->rsp_charged, now, __ATOMIC_RELAXED);
	if (s->rx_paused && now <= limit() / 2)
		resume_session(s);
}
