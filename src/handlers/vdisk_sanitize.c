/* vdisk_sanitize.c - SANITIZE for every vdisk (SBC-3 5.19): OVERWRITE
 * writes the initialization pattern over the whole medium (OVERWRITE COUNT
 * passes, inverted between passes with INVERT) and makes it durable;
 * BLOCK ERASE (offered on thin devices only, scst_op_offered) deallocates
 * the whole medium, or writes zeros where the backend cannot deallocate;
 * EXIT FAILURE MODE leaves the failure mode a failed
 * sanitize left behind.  There is no encryption, hence no CRYPTO ERASE.
 *
 * While the writes run, the device's sanitize state (core/sanitize_state.c)
 * turns other commands away with the progress.  A backend may complete
 * I/O inside submit (nullio, off the I/O threads): such completions are
 * noted and the next piece is issued from the same loop, not recursively;
 * after every GiB of them the rest continues from a message to the thread,
 * which meanwhile answers its other sessions.
 * Per-command state: struct vdisk_cmd_state (handlers/cmd_state.h), the
 * pattern buffer, the submit flags and the bytes written so far. */
#include <errno.h>
#include <string.h>

#include "core/sanitize_state.h"
#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/ioloop.h"
#include "util/log.h"

enum {
	SA_OVERWRITE = 0x01,
	SA_BLOCK_ERASE = 0x02,
	SA_EXIT_FAILURE_MODE = 0x1f,
};

#define PARAM_HDR_LEN 4
#define PATTERN_BUF_BYTES (1u << 20)

static uint64_t medium_bytes(const struct scst_device *dev)
{
	return dev->nblocks << dev->block_shift;
}

static uint8_t *pattern_buf(const struct scst_cmd *cmd)
{
	return vdisk_cmd_state_of(cmd)->buf;
}

static void release_pattern(struct scst_cmd *cmd)
{
	struct vdisk_cmd_state *st = vdisk_cmd_state(cmd);

	if (st->buf) {
		scst_buf_free(st->buf, st->buf_size);
		st->buf = NULL;
	}
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

/* BLOCK ERASE by writing is one pass of zeros. */
static unsigned passes(const struct scst_cmd *cmd)
{
	return is_overwrite(cmd) ? cmd->buf[0] & 0x1f : 1;
}

static bool inverted_pass(const struct scst_cmd *cmd, unsigned pass)
{
	return is_overwrite(cmd) && (cmd->buf[0] & 0x80) && (pass & 1);
}

/* Every block holds the pattern repeated from its first byte; the buffer
 * holds whole blocks. */
static void fill_pattern(struct scst_cmd *cmd, bool invert)
{
	uint8_t *buf = pattern_buf(cmd);
	uint32_t size = vdisk_cmd_state(cmd)->buf_size, bs = cmd->dev->block_size;
	const uint8_t *pattern = NULL;
	uint32_t plen = 0;

	if (is_overwrite(cmd)) {
		pattern = cmd->buf + PARAM_HDR_LEN;
		plen = get_be16(&cmd->buf[2]);
	}
	for (uint32_t i = 0; i < bs; i++) {
		uint8_t b = pattern ? pattern[i % plen] : 0;

		buf[i] = invert ? (uint8_t)~b : b;
	}
	for (uint32_t off = bs; off + bs <= size; off += bs)
		memcpy(buf + off, buf, bs);
}

static void sanitize_failed(struct scst_cmd *cmd, int err)
{
	log_warn("%s: SANITIZE failed: %s", cmd->dev->name, strerror(-err));
	release_pattern(cmd);
	scst_sanitize_end(cmd->dev, false);
	scst_set_cmd_sense(cmd, SK_MEDIUM_ERROR, 0x31, 0x03);
}

/* Submits the next piece: a write, or the flush after the last one.
 * False when the sanitize is complete. */
static bool write_next(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	uint64_t bytes = medium_bytes(dev), total = bytes * passes(cmd);
	struct vdisk_cmd_state *st = vdisk_cmd_state(cmd);
	uint64_t done = st->bytes_done, off;
	uint32_t chunk_max = st->buf_size & ~(dev->block_size - 1), len;

	scst_sanitize_progress(dev, done, total);
	if (done > total)
		return false;                   /* the flush completed */
	if (done == total) {
		st->bytes_done = total + 1;
		if (dev->nv_cache)
			return false;
		vdisk_sanitize_flush(cmd);
		return true;
	}
	off = done % bytes;
	if (!off && done)
		fill_pattern(cmd, inverted_pass(cmd, (unsigned)(done / bytes)));
	len = bytes - off < chunk_max ? (uint32_t)(bytes - off) : chunk_max;
	st->bytes_done = done + len;
	vdisk_sanitize_submit(cmd, pattern_buf(cmd), len, off);
	return true;
}

static void complete_ok(struct scst_cmd *cmd)
{
	release_pattern(cmd);
	scst_sanitize_end(cmd->dev, true);
}

static void resume_drive(void *arg)
{
	vdisk_io_done(arg, 0);
}

/* Pieces a backend completes inside submit (nullio) in a row before the
 * loop gets back to its other work (1 GiB of 1 MiB pieces): the commands
 * the sanitize turns away meanwhile, and other sessions on the thread,
 * are answered while it runs, at a cost of one message per GiB. */
#define INLINE_PIECES_PER_TURN 1024

/* Issues pieces until one is outstanding (true) or the sanitize is over
 * (false, cmd's status set). */
static bool drive(struct scst_cmd *cmd)
{
	for (unsigned inline_pieces = 0;; inline_pieces++) {
		struct ioloop *loop = ioloop_current();

		if (inline_pieces == INLINE_PIECES_PER_TURN && loop &&
		    ioloop_run_on(loop, resume_drive, cmd) == 0)
			return true;
		struct vdisk_cmd_state *st = vdisk_cmd_state(cmd);
		bool more, sync_done, sync_fail;

		st->sanitize_in_submit = true;
		st->sanitize_sync_done = false;
		st->sanitize_sync_fail = false;
		more = write_next(cmd);
		sync_done = st->sanitize_sync_done;
		sync_fail = st->sanitize_sync_fail;
		st->sanitize_in_submit = st->sanitize_sync_done = st->sanitize_sync_fail = false;
		if (!more) {
			complete_ok(cmd);
			return false;
		}
		if (!sync_done)
			return true;
		if (sync_fail) {
			sanitize_failed(cmd, -EIO);
			return false;
		}
	}
}

bool vdisk_sanitize_io_done(struct scst_cmd *cmd, int res)
{
	struct vdisk_cmd_state *st = vdisk_cmd_state(cmd);

	if (st->sanitize_in_submit) {
		st->sanitize_sync_done = true;
		if (res < 0)
			st->sanitize_sync_fail = true;
		return true;                    /* drive() carries on */
	}
	if (res < 0) {
		sanitize_failed(cmd, res);
		return false;
	}
	return drive(cmd);
}

static bool start_writing(struct scst_cmd *cmd)
{
	struct vdisk_cmd_state *st = vdisk_cmd_state(cmd);
	uint32_t size;
	uint8_t *buf = scst_cmd_buf_alloc(cmd, PATTERN_BUF_BYTES, &size);

	if (!buf)
		return false;
	st->buf = buf;
	st->buf_size = size;
	st->bytes_done = 0;
	fill_pattern(cmd, false);
	scst_sanitize_begin(cmd->dev);
	return drive(cmd);
}

/* A hole punch over the whole medium is one metadata update. */
static void erase_by_deallocation(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	int rc;

	scst_sanitize_begin(dev);
	rc = vdisk_of(dev)->be->unmap(dev, 0, medium_bytes(dev));
	if (rc < 0) {
		sanitize_failed(cmd, rc);
		return;
	}
	scst_sanitize_end(dev, true);
}

bool vdisk_sanitize(struct scst_cmd *cmd)
{
	vdisk_cmd_state(cmd)->buf = NULL;
	switch (cmd->cdb[1] & 0x1f) {
	case SA_OVERWRITE:
		return overwrite_params_valid(cmd) && start_writing(cmd);
	case SA_BLOCK_ERASE:
		if (!vdisk_thin(cmd->dev))
			return start_writing(cmd);
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
