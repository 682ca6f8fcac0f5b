/* cmd_state.h - the handlers' per-command state, typed: what a handler
 * keeps in a command between submitting work and its completion.  The core
 * reserves opaque room in struct scst_cmd (dh_state for the handler's
 * exec, be_state for vdisk's backend I/O) and never reads it; the unions
 * here say which handler lays what over it, and the static_asserts that it
 * fits. */
#ifndef SCSTD_HANDLERS_CMD_STATE_H
#define SCSTD_HANDLERS_CMD_STATE_H

#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/scst_dev.h"

struct sanitize_job;

/* vdisk's exec (vdisk_exec.c, vdisk_provision.c, vdisk_sanitize.c). */
struct vdisk_cmd_state {
	/* A buffer of the command's own besides cmd->buf: COMPARE AND
	 * WRITE's copy of the medium, WRITE SAME's or SANITIZE's pattern;
	 * NULL when none. */
	uint8_t *buf;
	uint32_t buf_size;
	uint8_t stage;                  /* enum vdisk_stage (vdisk_exec.c) in flight */
	/* SANITIZE with IMMED 0: the background job the command waits on
	 * (vdisk_sanitize.c); the job outlives the command if aborted. */
	struct sanitize_job *sanitize_job;
	union {
		uint64_t blocks_done;   /* WRITE SAME: blocks written */
		/* UNMAP: the next descriptor to discard (DISCARD_SINGLE for
		 * WRITE SAME's one range, vdisk_provision.c). */
		uint64_t next_desc;
	};
};

/* The pass-through handlers over SG_IO (dev_pass_sg.c). */
struct pt_cmd_state {
	uint64_t reset_ua_retries;      /* resubmissions after a reset UA */
	uint64_t split_done;            /* bytes of a split READ/WRITE already done */
	uint64_t piece_len;             /* bytes in the piece in flight (0: not split) */
};

union scst_handler_cmd_state {
	struct vdisk_cmd_state vdisk;
	struct pt_cmd_state pt;
};

/* vdisk's file-descriptor backend (vdisk_fdio.c). */
struct fdio_cmd_state {
	uint8_t *buf;
	uint64_t off;                   /* byte offset of the transfer */
	uint64_t len;
	uint64_t done : 63;             /* bytes done */
	uint64_t write : 1;
};

/* A CDB-mode scst_user command (user_conn.c): its request, which task
 * management takes back or names to the handler. */
struct user_req;
struct user_cmd_state {
	struct user_req *req;
};

union scst_backend_cmd_state {
	struct fdio_cmd_state fdio;
	struct user_cmd_state user;
};

static_assert(sizeof(union scst_handler_cmd_state) <= sizeof(((struct scst_cmd *)0)->dh_state),
	      "handler command state outgrows struct scst_cmd's dh_state");
static_assert(sizeof(union scst_backend_cmd_state) <= sizeof(((struct scst_cmd *)0)->be_state),
	      "backend command state outgrows struct scst_cmd's be_state");
static_assert(alignof(union scst_handler_cmd_state) <= alignof(uint64_t) &&
	      alignof(union scst_backend_cmd_state) <= alignof(uint64_t),
	      "command state needs more alignment than struct scst_cmd gives");

static inline struct vdisk_cmd_state *vdisk_cmd_state(struct scst_cmd *cmd)
{
	return &((union scst_handler_cmd_state *)(void *)cmd->dh_state)->vdisk;
}

static inline const struct vdisk_cmd_state *vdisk_cmd_state_of(const struct scst_cmd *cmd)
{
	return &((const union scst_handler_cmd_state *)(const void *)cmd->dh_state)->vdisk;
}

static inline struct pt_cmd_state *pt_cmd_state(struct scst_cmd *cmd)
{
	return &((union scst_handler_cmd_state *)(void *)cmd->dh_state)->pt;
}

static inline const struct pt_cmd_state *pt_cmd_state_of(const struct scst_cmd *cmd)
{
	return &((const union scst_handler_cmd_state *)(const void *)cmd->dh_state)->pt;
}

static inline struct fdio_cmd_state *fdio_cmd_state(struct scst_cmd *cmd)
{
	return &((union scst_backend_cmd_state *)(void *)cmd->be_state)->fdio;
}

static inline struct user_cmd_state *user_cmd_state(struct scst_cmd *cmd)
{
	return &((union scst_backend_cmd_state *)(void *)cmd->be_state)->user;
}

#endif
