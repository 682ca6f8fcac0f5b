/* io_group.c - which I/O loop serves a new session: README.scst's
 * io_grouping_type and cpu_mask of targets (their default group) and
 * ini_groups.  SCST groups the I/O of sessions into I/O contexts served
 * by the same threads; scstd's threads are its io loops, so a group is
 * the loop its sessions share:
 * - auto (default): sessions of one initiator name, in every target whose
 *   group is auto too;
 * - this_group_only: every session of the group;
 * - never: each session where its transport puts it (scst_local: the next
 *   loop in turn; iSCSI: the least busy loop, chosen at accept);
 * - N: every session of every group whose io_grouping_type is N.
 * A group with a cpu_mask other than every CPU gets a loop of its own,
 * pinned to those CPUs (pthread_setaffinity_np), shared by every group
 * with the same mask.
 *
 * Existing sessions follow too: a change of either attribute moves the
 * group's sessions to the loops the new grouping gives them, and lowering
 * `threads` moves every session off the loops that end.  The transport
 * makes each move at a safe point (move_session); the core only chooses
 * the loops and waits.  Lock order: scst_mutex, then the transport's own
 * locks, then the io loops' resize lock. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

/* The loops started for cpu masks (scst_mutex).  Loops run until the
 * daemon stops, so the pointers stay valid. */
static struct {
	cpu_set_t mask;
	struct ioloop *loop;
} mask_loops[IOLOOP_MAX];
static unsigned n_mask_loops;

/* Caller holds scst_mutex. */
static struct ioloop *loop_for_mask(const cpu_set_t *mask)
{
	struct ioloop *l;
	int rc;

	for (unsigned i = 0; i < n_mask_loops; i++)
		if (CPU_EQUAL(&mask_loops[i].mask, mask))
			return mask_loops[i].loop;
	if (n_mask_loops == IOLOOP_MAX || !(l = ioloop_start_reserved()))
		return NULL;
	rc = ioloop_set_affinity(l, mask);
	if (rc < 0)
		log_warn("I/O thread %u: cannot set its CPU affinity: %s", ioloop_index(l),
			 strerror(-rc));
	mask_loops[n_mask_loops].mask = *mask;
	mask_loops[n_mask_loops++].loop = l;
	return l;
}

/* Caller holds scst_mutex. */
static bool is_mask_loop(const struct ioloop *l)
{
	for (unsigned i = 0; i < n_mask_loops; i++)
		if (mask_loops[i].loop == l)
			return true;
	return false;
}

/* Where a session serves from, or is about to (caller holds scst_mutex). */
static struct ioloop *planned_loop(const struct scst_session *s)
{
	return s->move_to ? s->move_to : s->loop;
}

/* Whether an existing session of group `other` shares the I/O group of a
 * new session of initiator ini in group acg. */
static bool same_io_group(const struct scst_acg *acg, const char *ini,
			  const struct scst_session *other)
{
	const struct scst_acg *o = other->acg;

	if (o->cpu_mask_set)
		return false;
	switch (acg->io_grouping) {
	case SCST_IO_GROUPING_AUTO:
		return o->io_grouping == SCST_IO_GROUPING_AUTO && !strcmp(other->initiator_name, ini);
	case SCST_IO_GROUPING_THIS_GROUP_ONLY:
		return o == acg;
	case SCST_IO_GROUPING_NUMBER:
		return o->io_grouping == SCST_IO_GROUPING_NUMBER &&
		       o->io_group_number == acg->io_group_number;
	case SCST_IO_GROUPING_NEVER:
		break;
	}
	return false;
}

/* The loop of the first other session of the I/O group that serves from
 * a loop in service (not one that ends, not a cpu_mask's it no longer
 * has).  Caller holds scst_mutex. */
static struct ioloop *loop_of_group(const struct scst_acg *acg, const char *ini,
				    const struct scst_session *self)
{
	struct scst_tgt *t;
	struct scst_session *s;

	list_for_each_entry(t, &scst_targets, node)
		list_for_each_entry(s, &t->sessions, node) {
			struct ioloop *l = planned_loop(s);

			if (s == self || !l || !same_io_group(acg, ini, s))
				continue;
			if (!is_mask_loop(l) && ioloop_in_service(l))
				return l;
		}
	return NULL;
}

struct ioloop *scst_io_home(struct scst_tgt *tgt, const char *initiator_name)
{
	struct scst_acg *acg;
	struct ioloop *l;

	if (!ioloop_count())
		return NULL;
	pthread_mutex_lock(&scst_mutex);
	acg = scst_select_acg(tgt, initiator_name);
	l = acg->cpu_mask_set ? loop_for_mask(&acg->cpu_mask) :
				loop_of_group(acg, initiator_name, NULL);
	pthread_mutex_unlock(&scst_mutex);
	return l;
}

/* The loop an existing session belongs on now (caller holds scst_mutex). */
static struct ioloop *home_of(const struct scst_session *s)
{
	struct ioloop *cur = planned_loop(s), *l;

	if (s->acg->cpu_mask_set)
		return loop_for_mask(&s->acg->cpu_mask);
	l = loop_of_group(s->acg, s->initiator_name, s);
	if (l)
		return l;
	if (!is_mask_loop(cur) && ioloop_in_service(cur))
		return cur;
	return ioloop_pick();
}

/* Caller holds scst_mutex.  True when the move is under way. */
static bool request_move(struct scst_session *s, struct ioloop *to)
{
	if (!to || !s->loop || s->move_to || to == s->loop)
		return false;
	if (!s->tgt->tgtt->move_session) {
		log_warn("session %s -> %s: its transport cannot move it to I/O thread %u",
			 s->initiator_name, s->tgt->name, ioloop_index(to));
		return false;
	}
	s->move_to = to;
	switch (s->tgt->tgtt->move_session(s, to)) {
	case 1:
		return true;
	case 0:
		s->loop = to;
		break;
	default:
		break;
	}
	s->move_to = NULL;
	return false;
}

void scst_session_moved(struct scst_session *sess, struct ioloop *to)
{
	pthread_mutex_lock(&scst_mutex);
	if (to != sess->loop)
		log_info("session %s -> %s now on I/O thread %u", sess->initiator_name,
			 sess->tgt->name, ioloop_index(to));
	sess->loop = to;
	sess->move_to = NULL;
	pthread_mutex_unlock(&scst_mutex);
}

/* A move waits for the session's commands in progress: generous, since a
 * command may wait for its initiator (WRITE data) or a slow backend. */
#define MOVE_WAIT_MS 30000

typedef bool (*sess_filter)(const struct scst_session *s, const void *arg);

/* Requests the moves of the sessions filter picks; true if any is under
 * way or could not start yet. */
static bool request_moves(sess_filter filter, const void *arg)
{
	struct scst_tgt *t;
	struct scst_session *s;
	bool pending = false;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(t, &scst_targets, node)
		list_for_each_entry(s, &t->sessions, node) {
			struct ioloop *to;

			if (!filter(s, arg) || s->move_to)
				continue;
			to = home_of(s);
			pending |= request_move(s, to) || (to && to != s->loop &&
							   s->tgt->tgtt->move_session);
		}
	pthread_mutex_unlock(&scst_mutex);
	return pending;
}

static bool any_session(sess_filter filter, const void *arg)
{
	struct scst_tgt *t;
	struct scst_session *s;
	bool any = false;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(t, &scst_targets, node)
		list_for_each_entry(s, &t->sessions, node)
			any |= filter(s, arg);
	pthread_mutex_unlock(&scst_mutex);
	return any;
}

static bool moving(const struct scst_session *s, const void *unused)
{
	(void)unused;
	return s->move_to != NULL;
}

static bool moves_pending(void)
{
	return any_session(moving, NULL);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Moves the sessions filter picks until none needs it (a move can make
 * another's home change: the group's first session moved); 0 or
 * -ETIMEDOUT when a session did not reach a safe point in time. */
static int move_sessions(sess_filter filter, const void *arg)
{
	uint64_t deadline = mono_ms() + MOVE_WAIT_MS;

	while (request_moves(filter, arg) || moves_pending()) {
		if (mono_ms() > deadline)
			return -ETIMEDOUT;
		usleep(5000);
	}
	return 0;
}

static bool in_group(const struct scst_session *s, const void *acg)
{
	return s->acg == acg;
}

int scst_acg_regroup_sessions(struct scst_acg *acg, char *err, size_t errlen)
{
	int rc;

	if (!ioloop_count())
		return 0;
	rc = move_sessions(in_group, acg);
	if (rc < 0)
		scst_errf(err, errlen, "a session of the group did not reach a point where it "
			  "could move within %u s; it moves once it does", MOVE_WAIT_MS / 1000);
	return rc;
}

struct surplus {
	struct ioloop *loops[IOLOOP_MAX];
	unsigned n;
};

static bool on_surplus_loop(const struct scst_session *s, const void *arg)
{
	const struct surplus *sp = arg;

	for (unsigned i = 0; i < sp->n; i++)
		if (planned_loop(s) == sp->loops[i])
			return true;
	return false;
}

static bool on_or_to_loop(const struct scst_session *s, const void *l)
{
	return s->loop == l || s->move_to == l;
}

static bool loop_has_sessions(const struct ioloop *l)
{
	return any_session(on_or_to_loop, l);
}

/* The loop's last connections (an iSCSI login or discovery session
 * without a core session) end or move on their own; a new session there
 * is moved again. */
static int park_when_empty(struct ioloop *l, const struct surplus *sp, uint64_t deadline)
{
	for (;;) {
		int rc;

		if (!loop_has_sessions(l)) {
			rc = ioloop_park(l);
			if (rc != -EBUSY)
				return rc;
		}
		if (mono_ms() > deadline)
			return -ETIMEDOUT;
		request_moves(on_surplus_loop, sp);
		usleep(5000);
	}
}

int scst_end_surplus_loops(char *err, size_t errlen)
{
	struct surplus sp;
	uint64_t deadline;
	int rc;

	sp.n = ioloops_surplus(sp.loops, IOLOOP_MAX);
	if (!sp.n)
		return 0;
	rc = move_sessions(on_surplus_loop, &sp);
	if (rc < 0) {
		scst_errf(err, errlen, "a session did not reach a point where it could move "
			  "within %u s", MOVE_WAIT_MS / 1000);
		return rc;
	}
	deadline = mono_ms() + MOVE_WAIT_MS;
	for (unsigned i = 0; i < sp.n; i++) {
		rc = park_when_empty(sp.loops[i], &sp, deadline);
		if (rc < 0) {
			scst_errf(err, errlen, "I/O thread %u still serves connections after %u s: "
				  "it takes no new work and ends with the next change of threads",
				  ioloop_index(sp.loops[i]), MOVE_WAIT_MS / 1000);
			return rc;
		}
	}
	return 0;
}

void scst_acg_set_io_grouping(struct scst_acg *acg, enum scst_io_grouping g, unsigned number)
{
	pthread_mutex_lock(&scst_mutex);
	acg->io_grouping = g;
	acg->io_group_number = g == SCST_IO_GROUPING_NUMBER ? number : 0;
	pthread_mutex_unlock(&scst_mutex);
}

int scst_acg_set_cpu_mask(struct scst_acg *acg, const cpu_set_t *mask, char *err, size_t errlen)
{
	cpu_set_t usable, all;

	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		CPU_ZERO(&all);
	CPU_AND(&usable, mask, &all);
	if (!CPU_COUNT(&usable)) {
		scst_errf(err, errlen, "cpu_mask names no CPU this daemon may run on");
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	/* Every CPU the daemon has is SCST's default: no loop of its own. */
	acg->cpu_mask_set = !CPU_EQUAL(&usable, &all);
	acg->cpu_mask = usable;
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}
