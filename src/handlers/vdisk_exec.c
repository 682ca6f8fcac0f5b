/* vdisk_exec.c - command execution common to every vdisk backend: the
 * executor table indexed by command id and the block I/O state machine (READ, WRITE, VERIFY
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
	STAGE_SANITIZE,                   /* a sanitize job's own I/O (vdisk_sanitize.c) */
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

/* Zero-copy READ: the backend lends the bytes in place when it can and
 * the transport takes them; the READ is then done without I/O. */
static bool lend_read(struct scst_cmd *cmd)
{
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;
	const uint8_t *data;

	if (!be->read_lend || !scst_cmd_may_lend_resp_data(cmd))
		return false;
	data = be->read_lend(cmd->dev, cmd->bufflen, byte_offset(cmd));
	if (!data)
		return false;
	scst_cmd_lend_resp_data(cmd, data, cmd->bufflen);
	vdisk_io_done(cmd, 0);
	return true;
}

static void start_io(struct scst_cmd *cmd, enum vdisk_stage stage)
{
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;

	vdisk_cmd_state(cmd)->stage = stage;
	switch (stage) {
	case STAGE_READ:
		if (!lend_read(cmd))
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
	uint32_t flags = cmd->op->flags;
	bool fua = (flags & SCST_OP_FUA_BIT) && (cmd->cdb[1] & 0x08);
	const struct scst_device *dev = cmd->dev;

	if (dev->nv_cache)
		return false;
	if (dev->write_through && !vdisk_of(dev)->write_through_default)
		return true;
	return fua || (flags & SCST_OP_WRITE_THROUGH);
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
		vdisk_sanitize_io_done(cmd, res);
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
	bool ndob = cmd->op->id == SCSI_OP_WRITE_SAME_16 && (cmd->cdb[1] & 0x01);
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

static void exec_read(struct scst_cmd *cmd) { exec_rw(cmd, false); }
static void exec_write(struct scst_cmd *cmd) { exec_rw(cmd, true); }

static void exec_unmap(struct scst_cmd *cmd)
{
	if (!vdisk_unmap(cmd))
		finish(cmd);
}

static void exec_sanitize(struct scst_cmd *cmd)
{
	if (!vdisk_sanitize(cmd))
		finish(cmd);
}

/* TEST UNIT READY: the core's check step found the medium there. */
static void answer_ready(struct scst_cmd *cmd) { (void)cmd; }

/* What runs a command: start() drives it to finish() itself, answer()
 * fills the response at once and the command is finished after it. */
struct vdisk_executor {
	void (*start)(struct scst_cmd *cmd);
	void (*answer)(struct scst_cmd *cmd);
};

#define START(fn) { .start = fn }
#define ANSWER(fn) { .answer = fn }

static const struct vdisk_executor vdisk_executors[SCSI_OP__COUNT] = {
	[SCSI_OP_READ_6] = START(exec_read),
	[SCSI_OP_READ_10] = START(exec_read),
	[SCSI_OP_READ_12] = START(exec_read),
	[SCSI_OP_READ_16] = START(exec_read),
	[SCSI_OP_WRITE_6] = START(exec_write),
	[SCSI_OP_WRITE_10] = START(exec_write),
	[SCSI_OP_WRITE_12] = START(exec_write),
	[SCSI_OP_WRITE_16] = START(exec_write),
	[SCSI_OP_WRITE_AND_VERIFY_10] = START(exec_write),
	[SCSI_OP_WRITE_AND_VERIFY_12] = START(exec_write),
	[SCSI_OP_WRITE_AND_VERIFY_16] = START(exec_write),
	[SCSI_OP_WRITE_ATOMIC_16] = START(exec_write),   /* range held exclusively */
	[SCSI_OP_WRITE_SAME_10] = START(exec_write_same),
	[SCSI_OP_WRITE_SAME_16] = START(exec_write_same),
	[SCSI_OP_COMPARE_AND_WRITE] = START(exec_compare_and_write),
	[SCSI_OP_ORWRITE_16] = START(exec_orwrite),
	[SCSI_OP_PRE_FETCH_10] = START(exec_prefetch),
	[SCSI_OP_PRE_FETCH_16] = START(exec_prefetch),
	[SCSI_OP_VERIFY_10] = START(exec_verify),
	[SCSI_OP_VERIFY_12] = START(exec_verify),
	[SCSI_OP_VERIFY_16] = START(exec_verify),
	[SCSI_OP_SYNCHRONIZE_CACHE_10] = START(exec_sync_cache),
	[SCSI_OP_SYNCHRONIZE_CACHE_16] = START(exec_sync_cache),
	[SCSI_OP_UNMAP] = START(exec_unmap),
	[SCSI_OP_SANITIZE_OVERWRITE] = START(exec_sanitize),
	[SCSI_OP_SANITIZE_BLOCK_ERASE] = START(exec_sanitize),
	[SCSI_OP_SANITIZE_EXIT_FAILURE_MODE] = START(exec_sanitize),
	[SCSI_OP_REPORT_TARGET_PORT_GROUPS] = ANSWER(scst_report_target_port_groups),
	[SCSI_OP_REPORT_SUPPORTED_TMFS] = ANSWER(scst_report_supported_tmfs),
	[SCSI_OP_REPORT_SUPPORTED_OPCODES] = ANSWER(scst_report_supported_opcodes),
	[SCSI_OP_LOG_SENSE] = ANSWER(vdisk_log_sense),
	[SCSI_OP_WRITE_BUFFER] = ANSWER(vdisk_write_buffer),
	[SCSI_OP_READ_BUFFER] = ANSWER(vdisk_read_buffer),
	[SCSI_OP_READ_DEFECT_DATA_10] = ANSWER(vdisk_read_defect_data),
	[SCSI_OP_READ_DEFECT_DATA_12] = ANSWER(vdisk_read_defect_data),
	[SCSI_OP_EXTENDED_COPY_LID1] = ANSWER(vdisk_extended_copy),
	[SCSI_OP_RECEIVE_COPY_STATUS_LID1] = ANSWER(vdisk_receive_copy_results),
	[SCSI_OP_RECEIVE_COPY_OPERATING_PARAMETERS] = ANSWER(vdisk_receive_copy_results),
	[SCSI_OP_FORMAT_UNIT] = ANSWER(vdisk_format_unit),
	[SCSI_OP_INQUIRY] = ANSWER(vdisk_inquiry),
	[SCSI_OP_READ_CAPACITY_10] = ANSWER(vdisk_read_capacity10),
	[SCSI_OP_READ_CAPACITY_16] = ANSWER(vdisk_read_capacity16),
	[SCSI_OP_GET_LBA_STATUS] = ANSWER(vdisk_get_lba_status),
	[SCSI_OP_MODE_SENSE_6] = ANSWER(vdisk_mode_sense),
	[SCSI_OP_MODE_SENSE_10] = ANSWER(vdisk_mode_sense),
	[SCSI_OP_MODE_SELECT_6] = ANSWER(vdisk_mode_select),
	[SCSI_OP_MODE_SELECT_10] = ANSWER(vdisk_mode_select),
	[SCSI_OP_TEST_UNIT_READY] = ANSWER(answer_ready),
	[SCSI_OP_START_STOP_UNIT] = ANSWER(scst_medium_start_stop),
	[SCSI_OP_PREVENT_ALLOW_MEDIUM_REMOVAL] = ANSWER(scst_medium_prevent_allow),
};

bool vdisk_op_has_executor(enum scsi_op_id id)
{
	return id < SCSI_OP__COUNT && (vdisk_executors[id].start || vdisk_executors[id].answer);
}

static void exec_locked(struct scst_cmd *cmd)
{
	const struct vdisk_executor *x = &vdisk_executors[cmd->op->id];

	if (x->start) {
		x->start(cmd);
		return;
	}
	if (x->answer) {
		x->answer(cmd);
		finish(cmd);
		return;
	}
	/* The opcode table and the executor table disagree: a bug, not input
	 * (test_op_exec.c proves they agree). */
	log_err("%s: no vdisk executor for %s", cmd->dev->name, cmd->op->name);
	scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
	finish(cmd);
}

/* Commands that modify blocks take their range in the device's LBA lock
 * (the rows' SCST_OP_LBA_LOCK): shared for plain writes, exclusive for the
 * read-modify-writes (COMPARE AND WRITE, ORWRITE) and atomic writes.
 * UNMAP is not among them: it deallocates many ranges, in no order with
 * writes. */
static bool writes_blocks(const struct scst_cmd *cmd)
{
	return (cmd->op->flags & (SCST_OP_LBA_LOCK | SCST_OP_LBA_LOCK_EXCL)) && cmd->nblocks != 0;
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
				    cmd->op->flags & SCST_OP_LBA_LOCK_EXCL))
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
	vdisk_lend_unmap_file(vd);
	vdisk_lba_lock_destroy(&vd->lba_lock);
	pthread_mutex_destroy(&vd->copy_lock);
	pthread_mutex_destroy(&vd->buffer_lock);
	free(vd->data_buffer);
	free(vd);
}
