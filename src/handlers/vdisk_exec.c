/* vdisk_exec.c - command execution common to every vdisk backend: the
 * dispatch by opcode and the block I/O state machine (READ, WRITE, VERIFY
 * with byte compare, WRITE AND VERIFY, WRITE SAME, SYNCHRONIZE CACHE) on
 * top of the backend's submit/flush; COMPARE AND WRITE (read, compare,
 * write under the device's LBA range lock, which every other write takes
 * shared) and ORWRITE (read, OR, write under the same exclusive lock).
 *
 * Per-command state: struct vdisk_cmd_state (handlers/cmd_state.h), the
 * compare buffer of a VERIFY or COMPARE AND WRITE or the pattern buffer of
 * a WRITE SAME, the stage, WRITE SAME's blocks written so far.  A backend
 * may do WRITE SAME and COMPARE AND WRITE in one request of its own
 * (write_same, compare_and_write: a shared store's atomicity) and
 * deallocate asynchronously (discard). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cdb.h"
#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"

enum vdisk_stage {
	STAGE_READ = 1,
	STAGE_WRITE,
	STAGE_VERIFY_READ,
	STAGE_FLUSH,
	STAGE_WRITE_SAME,
	STAGE_CAW_READ,
	STAGE_CAW_WRITE,
	STAGE_OR_READ,
	STAGE_SANITIZE,                   /* vdisk_sanitize.c drives it */
	STAGE_DISCARD,                    /* vdisk_provision.c drives it */
	STAGE_WRITE_SAME_BACKEND,         /* the backend's one-request WRITE SAME */
	STAGE_CAW_BACKEND,                /* the backend's atomic COMPARE AND WRITE */
};

/* WRITE SAME writes its pattern in pieces of at most this size. */
#define WRITE_SAME_CHUNK (1u << 20)

static uint64_t byte_offset(const struct scst_cmd *cmd)
{
	return cmd->lba << cmd->dev->block_shift;
}

/* Every command ends here: a write gives its LBA range back first. */
static void finish(struct scst_cmd *cmd)
{
	if (vdisk_lba_lock_taken(cmd))
		vdisk_lba_lock_release(&vdisk_of(cmd->dev)->lba_lock, cmd);
	scst_cmd_done(cmd);
}

/* COMPARE AND WRITE moves NUMBER OF LOGICAL BLOCKS of compare data and as
 * many of write data; the command's own count may have been clipped. */
static uint32_t caw_bytes(const struct scst_cmd *cmd)
{
	return (uint32_t)cmd->cdb[13] << cmd->dev->block_shift;
}

static void start_io(struct scst_cmd *cmd, enum vdisk_stage stage)
{
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;

	vdisk_cmd_state(cmd)->stage = stage;
	switch (stage) {
	case STAGE_READ:
		be->submit(cmd, false, cmd->buf, cmd->bufflen, byte_offset(cmd));
		break;
	case STAGE_WRITE:
		be->submit(cmd, true, cmd->buf, cmd->bufflen, byte_offset(cmd));
		break;
	case STAGE_VERIFY_READ:
		be->submit(cmd, false, vdisk_cmd_state(cmd)->buf, cmd->bufflen,
			   byte_offset(cmd));
		break;
	case STAGE_FLUSH:
		be->flush(cmd);
		break;
	case STAGE_WRITE_SAME:
		break;          /* submitted by write_same_next() */
	case STAGE_CAW_READ:
		be->submit(cmd, false, vdisk_cmd_state(cmd)->buf, caw_bytes(cmd),
			   byte_offset(cmd));
		break;
	case STAGE_CAW_WRITE:
		be->submit(cmd, true, cmd->buf + caw_bytes(cmd), caw_bytes(cmd), byte_offset(cmd));
		break;
	case STAGE_OR_READ:
		be->submit(cmd, false, vdisk_cmd_state(cmd)->buf, cmd->bufflen,
			   byte_offset(cmd));
		break;
	case STAGE_SANITIZE:
	case STAGE_DISCARD:
	case STAGE_WRITE_SAME_BACKEND:
	case STAGE_CAW_BACKEND:
		break;          /* submitted by their own starters */
	}
}

void vdisk_discard_start(struct scst_cmd *cmd, uint64_t off, uint64_t len)
{
	vdisk_cmd_state(cmd)->stage = STAGE_DISCARD;
	vdisk_of(cmd->dev)->be->discard(cmd, off, len);
}

void vdisk_sanitize_submit(struct scst_cmd *cmd, uint8_t *buf, uint32_t len, uint64_t off)
{
	vdisk_cmd_state(cmd)->stage = STAGE_SANITIZE;
	vdisk_of(cmd->dev)->be->submit(cmd, true, buf, len, off);
}

void vdisk_sanitize_flush(struct scst_cmd *cmd)
{
	vdisk_cmd_state(cmd)->stage = STAGE_SANITIZE;
	vdisk_of(cmd->dev)->be->flush(cmd);
}

/* Compares len bytes of the medium (read into the compare buffer) with
 * the data sent; a difference is MISCOMPARE with the offset of the first
 * differing byte in INFORMATION.  True when equal. */
static bool compare_medium(struct scst_cmd *cmd, uint32_t len)
{
	uint8_t *medium = vdisk_cmd_state(cmd)->buf;
	uint32_t i;

	for (i = 0; i < len && medium[i] == cmd->buf[i]; i++)
		;
	if (i == len)
		return true;
	scst_set_cmd_error(cmd, SCST_S_MISCOMPARE);
	scst_set_sense_info(cmd, i);
	return false;
}

/* ORWRITE: the data written is the medium ORed with the data sent. */
static void or_medium_into_data(struct scst_cmd *cmd)
{
	const uint8_t *medium = vdisk_cmd_state(cmd)->buf;

	for (uint32_t i = 0; i < cmd->bufflen; i++)
		cmd->buf[i] |= medium[i];
}

static void release_compare_buffer(struct scst_cmd *cmd)
{
	if (vdisk_cmd_state(cmd)->buf) {
		scst_buf_free(vdisk_cmd_state(cmd)->buf, vdisk_cmd_state(cmd)->buf_size);
		vdisk_cmd_state(cmd)->buf = NULL;
	}
}

/* SBC: data reaches the medium before status when caching is off, when
 * the initiator asked for FUA, or for WRITE AND VERIFY.  Caching turned
 * off by MODE SELECT (WCE 0) on an fd not opened O_DSYNC means a flush
 * after every write. */
static bool write_needs_flush(const struct scst_cmd *cmd)
{
	bool fua = cmd->cdb[0] != 0x0a && (cmd->cdb[1] & 0x08);
	const struct scst_device *dev = cmd->dev;

	if (dev->nv_cache)
		return false;
	if (dev->write_through && !vdisk_of(dev)->write_through_default)
		return true;
	return fua || cmd->cdb[0] == 0x2e || cmd->cdb[0] == 0xae || cmd->cdb[0] == 0x8e;
}

static uint32_t write_same_chunk_blocks(const struct scst_cmd *cmd)
{
	return vdisk_cmd_state_of(cmd)->buf_size >> cmd->dev->block_shift;
}

/* Writes the next piece of a WRITE SAME range; false when all is written. */
static bool write_same_next(struct scst_cmd *cmd)
{
	uint64_t done = vdisk_cmd_state(cmd)->blocks_done;
	uint32_t n = write_same_chunk_blocks(cmd);
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;

	if (done >= cmd->nblocks)
		return false;
	if (n > cmd->nblocks - done)
		n = (uint32_t)(cmd->nblocks - done);
	vdisk_cmd_state(cmd)->blocks_done = done + n;
	vdisk_cmd_state(cmd)->stage = STAGE_WRITE_SAME;
	be->submit(cmd, true, vdisk_cmd_state(cmd)->buf, n << cmd->dev->block_shift,
		   (cmd->lba + done) << cmd->dev->block_shift);
	return true;
}

/* Why a backend I/O failed, as sense.  A backend that cannot be reached
 * (an out-of-process handler gone or silent) is not a medium error:
 * SPC-4's LOGICAL UNIT COMMUNICATION FAILURE / TIME-OUT tell the initiator
 * the data may be fine.  A thin LUN whose backing store cannot allocate
 * answers SPACE ALLOCATION FAILED WRITE PROTECT (SBC-4, thin provisioning
 * resource exhaustion); a fully provisioned LUN has no such condition in
 * SBC-4, so it stays a write error. */
static enum scst_sense_id io_error_sense(const struct scst_cmd *cmd, enum vdisk_stage stage,
					 int res)
{
	if (res == -ENOTCONN)
		return SCST_S_LU_COMM_FAILURE;
	if (res == -ETIMEDOUT)
		return SCST_S_LU_COMM_TIMEOUT;
	if (stage == STAGE_READ || stage == STAGE_VERIFY_READ || stage == STAGE_CAW_READ ||
	    stage == STAGE_OR_READ)
		return SCST_S_READ_ERROR;
	if ((res == -ENOSPC || res == -EDQUOT) && cmd->dev->thin_provisioned)
		return SCST_S_SPACE_ALLOC_FAILED_WP;
	return SCST_S_WRITE_ERROR;
}

void vdisk_io_done(struct scst_cmd *cmd, int res)
{
	enum vdisk_stage stage = (enum vdisk_stage)vdisk_cmd_state(cmd)->stage;

	if (stage == STAGE_SANITIZE) {
		if (!vdisk_sanitize_io_done(cmd, res))
			finish(cmd);
		return;
	}
	if (res < 0) {
		log_warn("%s: %s failed at LBA %llu: %s", cmd->dev->name, cmd->op->name,
			 (unsigned long long)cmd->lba, strerror(-res));
		scst_set_cmd_error(cmd, io_error_sense(cmd, stage, res));
		scst_set_sense_info(cmd, cmd->lba);
		release_compare_buffer(cmd);
		finish(cmd);
		return;
	}
	switch (stage) {
	case STAGE_READ:
		cmd->resp_data_len = cmd->bufflen;
		break;
	case STAGE_CAW_READ:
		if (compare_medium(cmd, caw_bytes(cmd))) {
			release_compare_buffer(cmd);
			start_io(cmd, STAGE_CAW_WRITE);
			return;
		}
		release_compare_buffer(cmd);
		break;
	case STAGE_OR_READ:
		or_medium_into_data(cmd);
		release_compare_buffer(cmd);
		start_io(cmd, STAGE_WRITE);
		return;
	case STAGE_WRITE:
	case STAGE_CAW_WRITE:
	case STAGE_CAW_BACKEND:
		if (write_needs_flush(cmd)) {
			start_io(cmd, STAGE_FLUSH);
			return;
		}
		break;
	case STAGE_VERIFY_READ:
		compare_medium(cmd, cmd->bufflen);
		release_compare_buffer(cmd);
		break;
	case STAGE_FLUSH:
		break;
	case STAGE_WRITE_SAME:
		if (write_same_next(cmd))
			return;
		release_compare_buffer(cmd);
		break;
	case STAGE_DISCARD:
		if (vdisk_discard_next(cmd))
			return;
		break;
	case STAGE_WRITE_SAME_BACKEND:
	case STAGE_SANITIZE:
		break;          /* STAGE_SANITIZE handled above */
	}
	finish(cmd);
}

void vdisk_caw_done(struct scst_cmd *cmd, int res, uint64_t mismatch)
{
	if (res != -EILSEQ) {
		vdisk_io_done(cmd, res);
		return;
	}
	scst_set_cmd_error(cmd, SCST_S_MISCOMPARE);
	scst_set_sense_info(cmd, (uint32_t)mismatch);
	finish(cmd);
}

static void fill_pattern(uint8_t *buf, uint32_t size, const uint8_t *block, uint32_t bs)
{
	if (!block) {
		memset(buf, 0, size);
		return;
	}
	for (uint32_t off = 0; off + bs <= size; off += bs)
		memcpy(buf + off, block, bs);
}

/* A backend that writes a pattern in one request gets the whole range;
 * zero blocks are no request at all. */
static bool write_same_by_backend(struct scst_cmd *cmd, const uint8_t *block)
{
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;
	static const uint8_t zeros[4096];

	if (!be->write_same || !cmd->nblocks)
		return false;
	vdisk_cmd_state(cmd)->stage = STAGE_WRITE_SAME_BACKEND;
	be->write_same(cmd, block ? block : zeros, cmd->dev->block_size, byte_offset(cmd),
		       cmd->nblocks << cmd->dev->block_shift);
	return true;
}

/* WRITE SAME: the single block sent (or zeros with NDOB) over the range.
 * The data-out must be exactly one block; the core has already clipped
 * bufflen to what the initiator sent. */
static void exec_write_same(struct scst_cmd *cmd)
{
	bool ndob = cmd->cdb[0] == 0x93 && (cmd->cdb[1] & 0x01);
	uint32_t bs = cmd->dev->block_size, chunk, size;
	const uint8_t *block = ndob ? NULL : cmd->buf;
	uint8_t *pattern;

	if (!ndob && (cmd->bufflen != bs || (cmd->expected_set && cmd->expected_len != bs))) {
		scst_set_cmd_error(cmd, SCST_S_INVALID_FIELD_IN_CDB);
		finish(cmd);
		return;
	}
	if ((cmd->cdb[1] & 0x08) && !vdisk_thin(cmd->dev)) {
		/* UNMAP bit without thin provisioning: LBPWS is 0, so refuse. */
		scst_set_invalid_field(cmd, true, 1, 3);
		finish(cmd);
		return;
	}
	switch (vdisk_write_same_unmapped(cmd)) {
	case VDISK_WS_WRITE:
		break;
	case VDISK_WS_UNMAPPED:
		finish(cmd);
		return;
	case VDISK_WS_UNMAP_STARTED:
		return;
	}
	if (write_same_by_backend(cmd, block))
		return;
	chunk = cmd->nblocks < (WRITE_SAME_CHUNK >> cmd->dev->block_shift) ?
		cmd->nblocks << cmd->dev->block_shift : WRITE_SAME_CHUNK;
	pattern = scst_cmd_buf_alloc(cmd, chunk, &size);
	if (!pattern) {
		finish(cmd);
		return;
	}
	/* The pool may hand out more than asked: use all of it. */
	fill_pattern(pattern, size, block, bs);
	vdisk_cmd_state(cmd)->buf = pattern;
	vdisk_cmd_state(cmd)->buf_size = size;
	vdisk_cmd_state(cmd)->blocks_done = 0;
	if (!write_same_next(cmd)) {
		release_compare_buffer(cmd);
		finish(cmd);
	}
}

/* PRE-FETCH: a hint to the backend; GOOD rather than CONDITION MET since
 * we do not promise the range fits in a cache. */
static void exec_prefetch(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	const struct vdisk_backend *be = vdisk_of(dev)->be;
	uint64_t n = cmd->nblocks ? cmd->nblocks : dev->nblocks - cmd->lba;

	if (be->prefetch && n)
		be->prefetch(dev, cmd->lba << dev->block_shift, n << dev->block_shift);
	finish(cmd);
}

static void exec_verify(struct scst_cmd *cmd)
{
	uint32_t size;
	void *medium;

	if (!cmd->bufflen) {              /* BYTCHK 0: the medium is always readable */
		finish(cmd);
		return;
	}
	medium = scst_cmd_buf_alloc(cmd, cmd->bufflen, &size);
	if (!medium) {
		finish(cmd);
		return;
	}
	vdisk_cmd_state(cmd)->buf = medium;
	vdisk_cmd_state(cmd)->buf_size = size;
	start_io(cmd, STAGE_VERIFY_READ);
}

static void exec_sync_cache(struct scst_cmd *cmd)
{
	if (cmd->dev->nv_cache) {
		finish(cmd);
		return;
	}
	start_io(cmd, STAGE_FLUSH);
}

/* The medium read first into a buffer of its own (vdisk_cmd_state's
 * buf), then stage runs on it; false with the status set when no
 * buffer is left (or the memory limit refuses one). */
static bool read_medium_first(struct scst_cmd *cmd, uint32_t len, enum vdisk_stage stage)
{
	uint32_t size;
	void *medium = scst_cmd_buf_alloc(cmd, len, &size);

	if (!medium)
		return false;
	vdisk_cmd_state(cmd)->buf = medium;
	vdisk_cmd_state(cmd)->buf_size = size;
	start_io(cmd, stage);
	return true;
}

/* A backend that compares and writes atomically itself (against other
 * clients of a shared store too) is asked first. */
static bool caw_by_backend(struct scst_cmd *cmd, uint32_t len)
{
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;

	if (!be->compare_and_write)
		return false;
	vdisk_cmd_state(cmd)->stage = STAGE_CAW_BACKEND;
	return be->compare_and_write(cmd, cmd->buf, cmd->buf + len, len, byte_offset(cmd));
}

/* COMPARE AND WRITE, holding its range exclusively: read the medium,
 * compare with the first half of the data-out, write the second half.
 * The data-out must be exactly twice the blocks named in the CDB, whatever
 * the initiator announced. */
static void exec_compare_and_write(struct scst_cmd *cmd)
{
	uint32_t len = caw_bytes(cmd);

	/* Also for zero blocks: data sent with them (a count that wrapped
	 * past 255) cannot be what the initiator meant. */
	if (cmd->bufflen != 2 * len || (cmd->expected_set && cmd->expected_len != 2 * len)) {
		scst_set_cmd_error(cmd, SCST_S_INVALID_FIELD_IN_CDB);
		finish(cmd);
		return;
	}
	/* Zero blocks: nothing compared or written. */
	if (!len) {
		finish(cmd);
		return;
	}
	if (caw_by_backend(cmd, len))
		return;
	if (!read_medium_first(cmd, len, STAGE_CAW_READ))
		finish(cmd);
}

/* ORWRITE, holding its range exclusively so the read-modify-write is not
 * interleaved with another writer. */
static void exec_orwrite(struct scst_cmd *cmd)
{
	if (!cmd->bufflen || !read_medium_first(cmd, cmd->bufflen, STAGE_OR_READ))
		finish(cmd);
}

static void exec_rw(struct scst_cmd *cmd, bool write)
{
	if (!cmd->bufflen) {
		finish(cmd);
		return;
	}
	start_io(cmd, write ? STAGE_WRITE : STAGE_READ);
}

static void exec_immediate(struct scst_cmd *cmd, void (*answer)(struct scst_cmd *))
{
	if (answer)
		answer(cmd);
	finish(cmd);
}

static void exec_locked(struct scst_cmd *cmd)
{
	switch (cmd->cdb[0]) {
	case 0x08: case 0x28: case 0xa8: case 0x88:
		exec_rw(cmd, false);
		return;
	case 0x0a: case 0x2a: case 0xaa: case 0x8a:
	case 0x2e: case 0xae: case 0x8e:
	case 0x9c:                        /* WRITE ATOMIC(16): range held exclusively */
		exec_rw(cmd, true);
		return;
	case 0x41: case 0x93:
		exec_write_same(cmd);
		return;
	case 0x89:
		exec_compare_and_write(cmd);
		return;
	case 0x8b:
		exec_orwrite(cmd);
		return;
	case 0x34: case 0x90:
		exec_prefetch(cmd);
		return;
	case 0x42:
		if (!vdisk_unmap(cmd))
			finish(cmd);
		return;
	case 0xa3:
		exec_immediate(cmd, cmd->op->sa == 0x0a ? scst_report_target_port_groups :
				    cmd->op->sa == 0x0d ? scst_report_supported_tmfs :
				    scst_report_supported_opcodes);
		return;
	case 0x4d:
		exec_immediate(cmd, vdisk_log_sense);
		return;
	case 0x3b:
		exec_immediate(cmd, vdisk_write_buffer);
		return;
	case 0x3c:
		exec_immediate(cmd, vdisk_read_buffer);
		return;
	case 0x37: case 0xb7:
		exec_immediate(cmd, vdisk_read_defect_data);
		return;
	case 0x48:
		if (!vdisk_sanitize(cmd))
			finish(cmd);
		return;
	case 0x83:
		exec_immediate(cmd, vdisk_extended_copy);
		return;
	case 0x04:
		exec_immediate(cmd, vdisk_format_unit);
		return;
	case 0x84:
		exec_immediate(cmd, vdisk_receive_copy_results);
		return;
	case 0x2f: case 0xaf: case 0x8f:
		exec_verify(cmd);
		return;
	case 0x35: case 0x91:
		exec_sync_cache(cmd);
		return;
	case 0x12:
		exec_immediate(cmd, vdisk_inquiry);
		return;
	case 0x25:
		exec_immediate(cmd, vdisk_read_capacity10);
		return;
	case 0x9e:
		exec_immediate(cmd, cmd->op->sa == 0x12 ? vdisk_get_lba_status
							: vdisk_read_capacity16);
		return;
	case 0x1a: case 0x5a:
		exec_immediate(cmd, vdisk_mode_sense);
		return;
	case 0x15: case 0x55:
		exec_immediate(cmd, vdisk_mode_select);
		return;
	case 0x00:
		/* TEST UNIT READY: the core's check step found the medium there. */
		exec_immediate(cmd, NULL);
		return;
	case 0x1b:
		exec_immediate(cmd, scst_medium_start_stop);
		return;
	case 0x1e:
		exec_immediate(cmd, scst_medium_prevent_allow);
		return;
	default:
		/* The opcode table and this switch disagree: a bug, not input. */
		log_err("%s: no vdisk executor for opcode 0x%02x", cmd->dev->name, cmd->cdb[0]);
		scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
		finish(cmd);
		return;
	}
}

/* Commands that modify blocks take their range in the device's LBA lock:
 * shared for plain writes, exclusive for the read-modify-writes (COMPARE
 * AND WRITE, ORWRITE).  UNMAP is
 * not among them: it deallocates many ranges, in no order with writes. */
static bool writes_blocks(const struct scst_cmd *cmd)
{
	switch (cmd->cdb[0]) {
	case 0x0a: case 0x2a: case 0xaa: case 0x8a:
	case 0x2e: case 0xae: case 0x8e:
	case 0x41: case 0x93: case 0x89: case 0x8b:
	case 0x9c:
		return cmd->nblocks != 0;
	default:
		return false;
	}
}

/* A queued command continues here, on its own loop, once its range is
 * granted; one aborted meanwhile gives the range straight back. */
static void exec_resume(void *arg)
{
	struct scst_cmd *cmd = arg;

	if (cmd->aborted) {
		finish(cmd);
		return;
	}
	exec_locked(cmd);
}

void vdisk_exec(struct scst_cmd *cmd)
{
	vdisk_cmd_state(cmd)->buf = NULL;
	if (writes_blocks(cmd) &&
	    !vdisk_lba_lock_acquire(&vdisk_of(cmd->dev)->lba_lock, cmd,
				    cmd->cdb[0] == 0x89 || cmd->cdb[0] == 0x8b ||
				    cmd->cdb[0] == 0x9c))
		return;                   /* exec_resume() runs it later */
	exec_locked(cmd);
}

struct vdisk_dev *vdisk_dev_new(const struct vdisk_backend *be)
{
	struct vdisk_dev *vd = calloc(1, sizeof(*vd));

	if (!vd)
		return NULL;
	vd->be = be;
	vd->fd = -1;
	vd->default_rotational = true;
	vdisk_lba_lock_init(&vd->lba_lock, exec_resume);
	pthread_mutex_init(&vd->copy_lock, NULL);
	pthread_mutex_init(&vd->buffer_lock, NULL);
	return vd;
}

void vdisk_dev_free(struct vdisk_dev *vd)
{
	if (!vd)
		return;
	vdisk_lba_lock_destroy(&vd->lba_lock);
	pthread_mutex_destroy(&vd->copy_lock);
	pthread_mutex_destroy(&vd->buffer_lock);
	free(vd->data_buffer);
	free(vd);
}
