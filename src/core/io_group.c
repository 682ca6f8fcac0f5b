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
 * with the same mask.  A session stays on the loop it got: changes apply
 * to sessions made afterwards. */
#include <errno.h>
#include <string.h>

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

/* Caller holds scst_mutex. */
static struct ioloop *loop_of_group(const struct scst_acg *acg, const char *ini)
{
	struct scst_tgt *t;
	struct scst_session *s;

	list_for_each_entry(t, &scst_targets, node)
		list_for_each_entry(s, &t->sessions, node)
			if (s->loop && same_io_group(acg, ini, s))
				return s->loop;
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
	l = acg->cpu_mask_set ? loop_for_mask(&acg->cpu_mask) : loop_of_group(acg, initiator_name);
	pthread_mutex_unlock(&scst_mutex);
	return l;
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
