/* vdisk_exec.c - command execution common to every vdisk backend: the
 * dispatch by opcode and the block I/O state machine (READ, WRITE, VERIFY
 * with byte compare, WRITE AND VERIFY, SYNCHRONIZE CACHE) on top of the
 * backend's submit/flush.
 *
 * Per-command state lives in cmd->dh_u64: [0] the compare buffer of a
 * VERIFY, [1] the stage. */
#include <string.h>

#include "core/cdb.h"
#include "core/scst.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"

enum vdisk_stage {
	STAGE_READ = 1,
	STAGE_WRITE,
	STAGE_VERIFY_READ,
	STAGE_FLUSH,
};

static uint64_t byte_offset(const struct scst_cmd *cmd)
{
	return cmd->lba << cmd->dev->block_shift;
}

static void start_io(struct scst_cmd *cmd, enum vdisk_stage stage)
{
	const struct vdisk_backend *be = vdisk_of(cmd->dev)->be;

	cmd->dh_u64[1] = stage;
	switch (stage) {
	case STAGE_READ:
		be->submit(cmd, false, cmd->buf, cmd->bufflen, byte_offset(cmd));
		break;
	case STAGE_WRITE:
		be->submit(cmd, true, cmd->buf, cmd->bufflen, byte_offset(cmd));
		break;
	case STAGE_VERIFY_READ:
		be->submit(cmd, false, (uint8_t *)(uintptr_t)cmd->dh_u64[0], cmd->bufflen,
			   byte_offset(cmd));
		break;
	case STAGE_FLUSH:
		be->flush(cmd);
		break;
	}
}

static void finish_verify_compare(struct scst_cmd *cmd)
{
	uint8_t *medium = (uint8_t *)(uintptr_t)cmd->dh_u64[0];
	uint32_t i;

	for (i = 0; i < cmd->bufflen && medium[i] == cmd->buf[i]; i++)
		;
	if (i < cmd->bufflen) {
		scst_set_cmd_error(cmd, SCST_S_MISCOMPARE);
		scst_set_sense_info(cmd, i);
	}
}

static void release_compare_buffer(struct scst_cmd *cmd)
{
	if (cmd->dh_u64[0]) {
		scst_buf_free((void *)(uintptr_t)cmd->dh_u64[0], (uint32_t)cmd->dh_u64[2]);
		cmd->dh_u64[0] = 0;
	}
}

/* SBC: data reaches the medium before status when caching is off, when
 * the initiator asked for FUA, or for WRITE AND VERIFY. */
static bool write_needs_flush(const struct scst_cmd *cmd)
{
	bool fua = cmd->cdb[0] != 0x0a && (cmd->cdb[1] & 0x08);

	if (cmd->dev->nv_cache)
		return false;
	return fua || cmd->cdb[0] == 0x2e || cmd->cdb[0] == 0x8e;
}

void vdisk_io_done(struct scst_cmd *cmd, int res)
{
	enum vdisk_stage stage = (enum vdisk_stage)cmd->dh_u64[1];

	if (res < 0) {
		log_warn("%s: %s failed at LBA %llu: %s", cmd->dev->name, cmd->op->name,
			 (unsigned long long)cmd->lba, strerror(-res));
		scst_set_cmd_error(cmd, stage == STAGE_READ || stage == STAGE_VERIFY_READ ?
				   SCST_S_READ_ERROR : SCST_S_WRITE_ERROR);
		scst_set_sense_info(cmd, cmd->lba);
		release_compare_buffer(cmd);
		scst_cmd_done(cmd);
		return;
	}
	switch (stage) {
	case STAGE_READ:
		cmd->resp_data_len = cmd->bufflen;
		break;
	case STAGE_WRITE:
		if (write_needs_flush(cmd)) {
			start_io(cmd, STAGE_FLUSH);
			return;
		}
		break;
	case STAGE_VERIFY_READ:
		finish_verify_compare(cmd);
		release_compare_buffer(cmd);
		break;
	case STAGE_FLUSH:
		break;
	}
	scst_cmd_done(cmd);
}

static void exec_verify(struct scst_cmd *cmd)
{
	uint32_t size;
	void *medium;

	if (!cmd->bufflen) {              /* BYTCHK 0: the medium is always readable */
		scst_cmd_done(cmd);
		return;
	}
	medium = scst_buf_alloc(cmd->bufflen, &size);
	if (!medium) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		scst_cmd_done(cmd);
		return;
	}
	cmd->dh_u64[0] = (uintptr_t)medium;
	cmd->dh_u64[2] = size;
	start_io(cmd, STAGE_VERIFY_READ);
}

static void exec_sync_cache(struct scst_cmd *cmd)
{
	if (cmd->dev->nv_cache) {
		scst_cmd_done(cmd);
		return;
	}
	start_io(cmd, STAGE_FLUSH);
}

static void exec_rw(struct scst_cmd *cmd, bool write)
{
	if (!cmd->bufflen) {
		scst_cmd_done(cmd);
		return;
	}
	start_io(cmd, write ? STAGE_WRITE : STAGE_READ);
}

static void exec_immediate(struct scst_cmd *cmd, void (*answer)(struct scst_cmd *))
{
	if (answer)
		answer(cmd);
	scst_cmd_done(cmd);
}

void vdisk_exec(struct scst_cmd *cmd)
{
	cmd->dh_u64[0] = 0;
	switch (cmd->cdb[0]) {
	case 0x08: case 0x28: case 0xa8: case 0x88:
		exec_rw(cmd, false);
		return;
	case 0x0a: case 0x2a: case 0xaa: case 0x8a:
		exec_rw(cmd, true);
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
		exec_immediate(cmd, vdisk_read_capacity16);
		return;
	case 0x1a: case 0x5a:
		exec_immediate(cmd, vdisk_mode_sense);
		return;
	case 0x15: case 0x55:
		exec_immediate(cmd, vdisk_mode_select);
		return;
	case 0x00: case 0x1b: case 0x1e:
		/* TEST UNIT READY, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL:
		 * the medium of a vdisk is always present and cannot be ejected. */
		exec_immediate(cmd, NULL);
		return;
	default:
		/* The opcode table and this switch disagree: a bug, not input. */
		log_err("%s: no vdisk executor for opcode 0x%02x", cmd->dev->name, cmd->cdb[0]);
		scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
		scst_cmd_done(cmd);
		return;
	}
}
