/* vdisk_lba_lock.h - the per-device LBA range lock that makes COMPARE AND
 * WRITE atomic against every other writer of its range, whatever I/O
 * thread that writer runs on.
 *
 * Ordinary writes take their range shared (they may overlap each other);
 * COMPARE AND WRITE takes it exclusive.  A command that cannot have its
 * range now is queued, never blocks its thread: when the range is released
 * the lock hands it back to the command's own loop (ioloop_run_on), or runs
 * it inline when the command has no loop (unit tests, tools).  Waiters are
 * granted in arrival order among overlapping ranges, so a stream of writes
 * cannot starve a COMPARE AND WRITE.
 *
 * The range is [cmd->lba, cmd->lba + cmd->nblocks); the command's
 * lba_lock_node/lba_lock_excl fields hold its place. */
#ifndef SCSTD_HANDLERS_VDISK_LBA_LOCK_H
#define SCSTD_HANDLERS_VDISK_LBA_LOCK_H

#include <pthread.h>
#include <stdbool.h>

#include "core/scst_dev.h"

struct vdisk_lba_lock {
	pthread_mutex_t mu;
	struct list_head held;            /* commands owning their range */
	struct list_head waiting;         /* FIFO of queued commands */
	/* Continues a queued command once its range is granted; called with
	 * the scst_cmd on the command's loop. */
	void (*resume)(void *cmd);
};

void vdisk_lba_lock_init(struct vdisk_lba_lock *l, void (*resume)(void *cmd));
/* No command may hold or wait for a range any more. */
void vdisk_lba_lock_destroy(struct vdisk_lba_lock *l);
/* True when cmd now holds its range; false when it was queued and
 * l->resume(cmd) will run once it is granted. */
bool vdisk_lba_lock_acquire(struct vdisk_lba_lock *l, struct scst_cmd *cmd, bool exclusive);
/* Releases cmd's range (held, not waiting) and resumes whoever can go. */
void vdisk_lba_lock_release(struct vdisk_lba_lock *l, struct scst_cmd *cmd);
/* Whether cmd holds or waits for a range (commands start zeroed: no).
 * A command that runs is never a waiter, so for it this means "holds". */
bool vdisk_lba_lock_taken(const struct scst_cmd *cmd);

#endif
