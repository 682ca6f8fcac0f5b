/* vdisk_lba_lock.c - the per-device LBA range lock (see vdisk_lba_lock.h):
 * held and waiting ranges on two lists under one mutex, grants in arrival
 * order, and the hand-back of a granted command to its own loop. */
#include <errno.h>
#include <string.h>

#include "handlers/vdisk_lba_lock.h"
#include "util/log.h"

void vdisk_lba_lock_init(struct vdisk_lba_lock *l, void (*resume)(void *cmd))
{
	pthread_mutex_init(&l->mu, NULL);
	list_init(&l->held);
	list_init(&l->waiting);
	l->resume = resume;
}

void vdisk_lba_lock_destroy(struct vdisk_lba_lock *l)
{
	pthread_mutex_destroy(&l->mu);
}

static bool overlaps(const struct scst_cmd *a, const struct scst_cmd *b)
{
	return a->lba < b->lba + b->nblocks && b->lba < a->lba + a->nblocks;
}

static bool conflicts(const struct scst_cmd *a, const struct scst_cmd *b)
{
	return (a->lba_lock_excl || b->lba_lock_excl) && overlaps(a, b);
}

/* Does cmd conflict with any entry of list, up to (not including) stop? */
static bool conflicts_with(const struct scst_cmd *cmd, const struct list_head *list,
			   const struct scst_cmd *stop)
{
	const struct scst_cmd *o;

	list_for_each_entry(o, list, lba_lock_node) {
		if (o == stop)
			break;
		if (conflicts(cmd, o))
			return true;
	}
	return false;
}

bool vdisk_lba_lock_acquire(struct vdisk_lba_lock *l, struct scst_cmd *cmd, bool exclusive)
{
	bool queued;

	cmd->lba_lock_excl = exclusive;
	pthread_mutex_lock(&l->mu);
	/* Earlier waiters count too: overlapping commands go in arrival order. */
	queued = conflicts_with(cmd, &l->held, NULL) || conflicts_with(cmd, &l->waiting, NULL);
	list_add_tail(&cmd->lba_lock_node, queued ? &l->waiting : &l->held);
	pthread_mutex_unlock(&l->mu);
	return !queued;
}

bool vdisk_lba_lock_taken(const struct scst_cmd *cmd)
{
	return cmd->lba_lock_node.next && !list_empty(&cmd->lba_lock_node);
}

/* Moves the first waiter that conflicts neither with a holder nor with an
 * earlier waiter to the held list; NULL when none can go. */
static struct scst_cmd *grant_next(struct vdisk_lba_lock *l)
{
	struct scst_cmd *w, *granted = NULL;

	pthread_mutex_lock(&l->mu);
	list_for_each_entry(w, &l->waiting, lba_lock_node) {
		if (!conflicts_with(w, &l->held, NULL) && !conflicts_with(w, &l->waiting, w)) {
			granted = w;
			break;
		}
	}
	if (granted) {
		list_del(&granted->lba_lock_node);
		list_add_tail(&granted->lba_lock_node, &l->held);
	}
	pthread_mutex_unlock(&l->mu);
	return granted;
}

/* A command belongs to its session's loop: it continues there. */
static void dispatch(struct vdisk_lba_lock *l, struct scst_cmd *cmd)
{
	struct ioloop *loop = cmd->sess ? cmd->sess->loop : NULL;

	if (!loop || loop == ioloop_current()) {
		/* Off the I/O threads, or already home: nothing to hand over. */
		if (!loop || ioloop_run_on(loop, l->resume, cmd) < 0)
			l->resume(cmd);
		return;
	}
	if (ioloop_run_on(loop, l->resume, cmd) < 0) {
		/* Out of memory for one message: running it here is the only way
		 * left not to lose the command. */
		log_err("LBA lock: cannot hand command 0x%llx back to its loop; running it here",
			(unsigned long long)cmd->tag);
		l->resume(cmd);
	}
}

void vdisk_lba_lock_release(struct vdisk_lba_lock *l, struct scst_cmd *cmd)
{
	struct scst_cmd *w;

	pthread_mutex_lock(&l->mu);
	list_del(&cmd->lba_lock_node);
	pthread_mutex_unlock(&l->mu);
	while ((w = grant_next(l)))
		dispatch(l, w);
}
