/* dev_pass.h - pass-through device handlers (dev_disk, dev_tape, ...):
 * a real SCSI device of the host, named H:C:I:L, reached through its
 * Linux sg node.  dev_pass.c owns the handlers and the device lookup,
 * dev_pass_sg.c the asynchronous sg queues. */
#ifndef SCSTD_HANDLERS_DEV_PASS_H
#define SCSTD_HANDLERS_DEV_PASS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/scst_dev.h"
#include "handlers/cmd_state.h"

struct pt_queue;

struct pt_dev {
	char sg_path[64];
	int sync_fd;                    /* attach-time queries, off-loop commands */
	bool perf;                      /* *_perf: READ/WRITE never reach the device */
	/* scstd reset the device (a LUN or target reset): the reset UA the
	 * device reports next is that one, already queued for every nexus
	 * (SCST's double_ua_possible).  Atomic. */
	bool reset_ua_expected;
	unsigned nqueues;               /* one per I/O loop, opened on first use */
	struct pt_queue **queues;
};

static inline struct pt_dev *pt_of(const struct scst_device *dev)
{
	return dev->dh_priv;
}

/* Registers the pass-through dev types wanted() accepts by name (every
 * one for NULL); 0 or -errno. */
int dev_pass_register_handlers(bool (*wanted)(const char *name));

/* Parses "H:C:I:L" strictly; false on anything else. */
bool pt_parse_hctl(const char *name, unsigned hctl[4]);
/* Finds the sg node of H:C:I:L under sysfs_root ("/sys" outside tests):
 * 0 and the /dev path, or -errno with the reason in err. */
int pt_find_sg(const char *sysfs_root, const char *name, char *path, size_t len, char *err,
	       size_t errlen);
/* The SCSI peripheral type sysfs reports for H:C:I:L, or -errno. */
int pt_sysfs_type(const char *sysfs_root, const char *name);

/* A command the device completed with GOOD (tape block size tracking). */
void pt_cmd_succeeded(struct scst_cmd *cmd);

/* dev_pass_sg.c: sends cmd to the device and completes it (scst_cmd_done)
 * when the device answers, on the command's loop. */
void pt_sg_submit(struct scst_cmd *cmd);
/* A synchronous command on the attach-time fd: 0 with the SCSI status in
 * *status, or -errno. */
int pt_sg_sync(int fd, const uint8_t *cdb, unsigned cdb_len, void *buf, uint32_t len,
	       bool to_dev, uint8_t *status, unsigned timeout_ms);
/* A block READ/WRITE(10/12/16), which goes to the device in pieces when
 * longer than its transfer limit. */
bool pt_splits(const struct scst_cmd *cmd);
/* True for the READ/WRITE commands that move user data (block ones and
 * the 6-byte ones of tapes and processors). */
bool pt_moves_data(const struct scst_cmd *cmd);
/* The CDB of the piece of len bytes starting done bytes into cmd. */
void pt_piece_cdb(const struct scst_cmd *cmd, uint64_t done, uint32_t len, uint8_t *cdb);
/* Task management aborted cmd (on its loop): taken back and completed
 * when it still waits for room in its loop's sg queue. */
void pt_sg_abort(struct scst_cmd *cmd);
/* Closes every loop's queue (device detach). */
void pt_sg_close_queues(struct pt_dev *pd);

#endif
