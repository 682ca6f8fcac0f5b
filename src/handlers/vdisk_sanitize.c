/* vdisk_sanitize.c - SANITIZE for every vdisk (SBC-4 5.30): OVERWRITE
 * writes the initialization pattern over the whole medium (OVERWRITE COUNT
 * passes, inverted between passes with INVERT) and makes it durable;
 * BLOCK ERASE (offered on thin devices only, scst_op_offered) deallocates
 * the whole medium, or writes zeros where the backend cannot deallocate;
 * EXIT FAILURE MODE leaves the failure mode a failed
 * sanitize left behind.  There is no encryption, hence no CRYPTO ERASE.
 *
 * The writes are a background job of the device, apart from the command
 * that started them (SBC-4 4.11): an ABORT TASK, a reset or the loss of
 * the I_T nexus ends that command but not the operation, and with IMMED
 * the command ends GOOD at once.  The job holds the device (the sanitize
 * state's pin, core/sanitize_state.c, which also turns other commands
 * away with the progress meanwhile), issues its I/O from the loop the
 * command arrived on through a carrier command of its own, and completes
 * the waiting command (IMMED 0, not aborted) when done.  Deleting the
 * device or stopping the daemon stops it after its outstanding piece.
 *
 * A backend may complete I/O inside submit (nullio, off the I/O threads):
 * such completions are noted and the next piece is issued from the same
 * loop, not recursively; after every GiB of them the rest continues from
 * a message to the thread, which meanwhile answers its sessions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sanitize_state.h"
#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/be.h"
#include "util/ioloop.h"
#include "util/log.h"

enum {
	SA_OVERWRITE = 0x01,
	SA_BLOCK_ERASE = 0x02,
	SA_EXIT_FAILURE_MODE = 0x1f,
};

#define CDB_IMMED 0x80
#define PARAM_HDR_LEN 4
#define PATTERN_BUF_BYTES (1u << 20)

struct sanitize_job {
	/* The backends' I/O takes a command: this one is the job's own,
	 * never seen by the core or a transport.  Backends that complete
	 * on another thread post the completion to io.sess->loop, so the
	 * carrier's stand-in session names the job's loop. */
	struct scst_cmd io;
	struct scst_session io_sess;
	struct scst_cmd *waiter;        /* IMMED 0 until it ends or is aborted */
	uint8_t *buf;                   /* whole blocks of the pattern */
	uint32_t buf_size;
	uint64_t medium_bytes, total;   /* total: over every pass */
	uint64_t done;                  /* bytes written; total + 1: flushing */
	uint64_t started_ns;            /* CLOCK_MONOTONIC, for the log */
	unsigned passes;
	bool invert;
	bool in_submit, sync_done;      /* a piece completed inside submit */
	int sync_res;
	uint32_t plen;                  /* 0: zeros */
	uint8_t pattern[];
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t medium_bytes(const struct scst_device *dev)
{
	return dev->nblocks << dev->block_shift;
}

/* OVERWRITE parameters (SBC-3 table 50): INVERT, TEST, OVERWRITE COUNT
 * and an INITIALIZATION PATTERN of 1..block size bytes. */
static bool overwrite_params_valid(struct scst_cmd *cmd)
{
	const uint8_t *p = cmd->buf;
	uint32_t pattern_len;

	if (cmd->bufflen < PARAM_HDR_LEN + 1) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	pattern_len = get_be16(&p[2]);
	if (p[0] & 0x60) {                      /* TEST: vendor specific, unsupported */
		scst_set_invalid_field(cmd, false, 0, 6);
		return false;
	}
	if (!(p[0] & 0x1f)) {                   /* OVERWRITE COUNT 0 */
		scst_set_invalid_field(cmd, false, 0, 4);
		return false;
	}
	if (p[1]) {
		scst_set_invalid_field(cmd, false, 1, 7);
		return false;
	}
	if (!pattern_len || pattern_len > cmd->dev->block_size ||
	    pattern_len > cmd->bufflen - PARAM_HDR_LEN) {
		scst_set_invalid_field(cmd, false, 2, -1);
		return false;
	}
	return true;
}

static bool is_overwrite(const struct scst_cmd *cmd)
{
	return (cmd->cdb[1] & 0x1f) == SA_OVERWRITE;
}

static bool inverted_pass(const struct sanitize_job *job, unsigned pass)
{
	return job->invert && (pass & 1);
}

/* Every block holds the pattern repeated from its first byte; the buffer
 * holds whole blocks. */
static void fill_pattern(struct sanitize_job *job, bool invert)
{
	uint32_t bs = job->io.dev->block_size;

	for (uint32_t i = 0; i < bs; i++) {
		uint8_t b = job->plen ? job->pattern[i % job->plen] : 0;

		job->buf[i] = invert ? (uint8_t)~b : b;
	}
	for (uint32_t off = bs; off + bs <= job->buf_size; off += bs)
		memcpy(job->buf + off, job->buf, bs);
}

static void job_free(struct sanitize_job *job)
{
	if (job->io_sess.loop)
		ioloop_release(job->io_sess.loop);
	scst_buf_free(job->buf, job->buf_size);
	free(job);
}

/* Another operation started since cmd was admitted: the answer the
 * admission check gives while one runs. */
static void refuse_running(struct scst_cmd *cmd)
{
	if (scst_sanitize_admits(cmd))
		scst_set_cmd_sense(cmd, SK_NOT_READY, 0x04, 0x1b);
}

/* The job's last step: the device's state, then the waiting command.
 * The command pins the device itself, so completing it after the job let
 * go of the device is safe. */
static void job_end(struct sanitize_job *job, int err)
{
	struct scst_device *dev = job->io.dev;
	struct scst_cmd *waiter = job->waiter;

	if (err == -ECANCELED)
		log_info("%s: SANITIZE stopped (device deleted or daemon stopping)", dev->name);
	else if (err)
		log_warn("%s: SANITIZE failed: %s", dev->name, strerror(-err));
	else
		log_info("%s: SANITIZE done: %llu bytes written in %llu ms", dev->name,
			 (unsigned long long)job->total,
			 (unsigned long long)((monotonic_ns() - job->started_ns) / 1000000));
	job_free(job);
	scst_sanitize_end(dev, !err);
	if (!waiter)
		return;
	waiter->abort_fn = NULL;
	if (err)
		scst_set_cmd_sense(waiter, SK_MEDIUM_ERROR, 0x31, 0x03);
	scst_cmd_done(waiter);
}

/* Submits the next piece: a write, or the flush after the last one.
 * False when the sanitize is complete. */
static bool write_next(struct sanitize_job *job)
{
	struct scst_device *dev = job->io.dev;
	uint64_t bytes = job->medium_bytes, total = job->total, done = job->done, off;
	uint32_t chunk_max = job->buf_size & ~(dev->block_size - 1), len;

	scst_sanitize_progress(dev, done, total);
	if (done > total)
		return false;                   /* the flush completed */
	if (done == total) {
		job->done = total + 1;
		if (dev->nv_cache)
			return false;
		vdisk_sanitize_flush(&job->io);
		return true;
	}
	off = done % bytes;
	if (!off && done)
		fill_pattern(job, inverted_pass(job, (unsigned)(done / bytes)));
	len = bytes - off < chunk_max ? (uint32_t)(bytes - off) : chunk_max;
	job->done = done + len;
	vdisk_sanitize_submit(&job->io, job->buf, len, off);
	return true;
}

static void drive(struct sanitize_job *job);

static void resume_drive(void *arg)
{
	drive(arg);
}

/* Pieces a backend completes inside submit (nullio) in a row before the
 * loop gets back to its other work (1 GiB of 1 MiB pieces): the commands
 * the sanitize turns away meanwhile, and other sessions on the thread,
 * are answered while it runs, at a cost of one message per GiB. */
#define INLINE_PIECES_PER_TURN 1024

/* Issues pieces until one is outstanding or the job is over. */
static void drive(struct sanitize_job *job)
{
	for (unsigned inline_pieces = 0;; inline_pieces++) {
		struct ioloop *loop = ioloop_current();
		bool more;

		if (scst_sanitize_stop_requested(job->io.dev)) {
			job_end(job, -ECANCELED);
			return;
		}
		if (inline_pieces == INLINE_PIECES_PER_TURN && loop &&
		    ioloop_run_on(loop, resume_drive, job) == 0)
			return;
		job->in_submit = true;
		job->sync_done = false;
		more = write_next(job);
		job->in_submit = false;
		if (!more) {
			job_end(job, 0);
			return;
		}
		if (!job->sync_done)
			return;
		if (job->sync_res < 0) {
			job_end(job, job->sync_res);
			return;
		}
	}
}

void vdisk_sanitize_io_done(struct scst_cmd *io, int res)
{
	struct sanitize_job *job = container_of(io, struct sanitize_job, io);

	if (job->in_submit) {
		job->sync_done = true;
		job->sync_res = res;
		return;                         /* drive() carries on */
	}
	if (res < 0) {
		job_end(job, res);
		return;
	}
	drive(job);
}

/* An IMMED 0 SANITIZE aborted while its operation runs: the command ends
 * now (the transport answers the abort), the operation goes on. */
static void waiter_aborted(struct scst_cmd *cmd)
{
	struct sanitize_job *job = vdisk_cmd_state(cmd)->sanitize_job;

	job->waiter = NULL;
	scst_cmd_done(cmd);
}

static struct sanitize_job *job_new(struct scst_cmd *cmd)
{
	bool overwrite = is_overwrite(cmd);
	uint32_t plen = overwrite ? get_be16(&cmd->buf[2]) : 0;
	struct sanitize_job *job = calloc(1, sizeof(*job) + plen);

	if (!job) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return NULL;
	}
	job->buf = scst_cmd_buf_alloc(cmd, PATTERN_BUF_BYTES, &job->buf_size);
	if (!job->buf) {
		free(job);
		return NULL;
	}
	/* Its pieces are the loop's: the loop may not end before the job
	 * (`threads` lowered waits for it). */
	job->io_sess.loop = ioloop_current();
	if (job->io_sess.loop)
		ioloop_hold(job->io_sess.loop);
	job->io.sess = &job->io_sess;
	job->io.dev = cmd->dev;
	job->io.op = cmd->op;
	memcpy(job->io.cdb, cmd->cdb, sizeof(job->io.cdb));
	job->io.cdb_len = cmd->cdb_len;
	job->plen = plen;
	memcpy(job->pattern, cmd->buf + PARAM_HDR_LEN, plen);
	/* BLOCK ERASE by writing is one pass of zeros. */
	job->passes = overwrite ? cmd->buf[0] & 0x1f : 1;
	job->invert = overwrite && (cmd->buf[0] & 0x80);
	job->medium_bytes = medium_bytes(cmd->dev);
	job->total = job->medium_bytes * job->passes;
	job->started_ns = monotonic_ns();
	fill_pattern(job, false);
	return job;
}

/* Starts the job.  With IMMED the command completes GOOD now (SBC-4: once
 * the CDB and parameters are validated); without, the job completes it. */
static void start_writing(struct scst_cmd *cmd)
{
	struct sanitize_job *job = job_new(cmd);

	if (!job) {
		scst_cmd_done(cmd);
		return;
	}
	if (!scst_sanitize_begin(cmd->dev)) {
		job_free(job);
		refuse_running(cmd);
		scst_cmd_done(cmd);
		return;
	}
	if (cmd->cdb[1] & CDB_IMMED) {
		scst_cmd_done(cmd);
	} else {
		job->waiter = cmd;
		vdisk_cmd_state(cmd)->sanitize_job = job;
		cmd->abort_fn = waiter_aborted;
	}
	drive(job);
}

/* A hole punch over the whole medium is one metadata update. */
static void erase_by_deallocation(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	int rc;

	if (!scst_sanitize_begin(dev)) {
		refuse_running(cmd);
		return;
	}
	rc = vdisk_of(dev)->be->unmap(dev, 0, medium_bytes(dev));
	if (rc < 0) {
		log_warn("%s: SANITIZE failed: %s", dev->name, strerror(-rc));
		scst_set_cmd_sense(cmd, SK_MEDIUM_ERROR, 0x31, 0x03);
	}
	scst_sanitize_end(dev, rc >= 0);
}

bool vdisk_sanitize(struct scst_cmd *cmd)
{
	switch (cmd->cdb[1] & 0x1f) {
	case SA_OVERWRITE:
		if (!overwrite_params_valid(cmd))
			return false;
		start_writing(cmd);
		return true;
	case SA_BLOCK_ERASE:
		if (!vdisk_thin(cmd->dev)) {
			start_writing(cmd);
			return true;
		}
		erase_by_deallocation(cmd);
		return false;
	case SA_EXIT_FAILURE_MODE:
		scst_sanitize_exit_failure_mode(cmd->dev);
		return false;
	default:
		/* The opcode table admits no other service action. */
		scst_set_invalid_field(cmd, true, 1, 4);
		return false;
	}
}
