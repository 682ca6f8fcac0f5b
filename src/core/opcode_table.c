/* opcode_table.c - the opcode table behind cdb.h: which commands exist for
 * which device types, and how each CDB is decoded into direction, transfer
 * length and LBA range.  A command missing here is answered INVALID COMMAND
 * OPERATION CODE; a CDB with a bad field is refused here, before any check
 * or I/O, with the field pointer set. */
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "scst.h"

/* Larger transfers are refused (and advertised in the Block Limits VPD page)
 * so one command never pins an unbounded buffer. */
#define SCST_MAX_XFER_BYTES (8u << 20)
/* WRITE SAME moves one block but rewrites up to this much; initiators
 * (libiscsi) assume they may also WRITE the same range in one command. */
#define SCST_MAX_WRITE_SAME_BYTES SCST_MAX_XFER_BYTES

/* Optical memory devices (only behind dev_modisk) take SBC's commands. */
#define DISK  (SCST_TYPE_DISK_BIT | SCST_TYPE_MOD_BIT)
#define ANY   SCST_TYPE_ALL_BITS
#define CDROM SCST_TYPE_CDROM_BIT
#define ERR_SET SCST_S__COUNT   /* parse already set sense with a field pointer */

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

static enum scst_sense_id invalid(struct scst_cmd *cmd, unsigned byte, int bit)
{
	scst_set_invalid_field(cmd, true, byte, bit);
	return ERR_SET;
}

static enum scst_sense_id no_data(struct scst_cmd *cmd)
{
	cmd->data_dir = SCST_DATA_NONE;
	cmd->bufflen = 0;
	return SCST_S_OK;
}

/* An ALLOCATION LENGTH bounds what the initiator takes, it is not what
 * the command returns: none of ours returns more than this (REPORT LUNS
 * with every LUN is 128 KiB), so a 4 GiB one gets no 4 GiB buffer, nor a
 * 4 GiB charge against the command memory limit.  Residuals stay exact,
 * as they count what the command produced. */
#define SCST_MAX_DATA_IN_ALLOC (1u << 20)

static enum scst_sense_id data_in(struct scst_cmd *cmd, uint32_t len)
{
	cmd->data_dir = len ? SCST_DATA_READ : SCST_DATA_NONE;
	cmd->bufflen = len < SCST_MAX_DATA_IN_ALLOC ? len : SCST_MAX_DATA_IN_ALLOC;
	return SCST_S_OK;
}

static enum scst_sense_id data_out(struct scst_cmd *cmd, uint32_t len)
{
	cmd->data_dir = len ? SCST_DATA_WRITE : SCST_DATA_NONE;
	cmd->bufflen = len;
	return SCST_S_OK;
}

/* Shared by every LBA-addressed command: range first (SBC wants LBA OUT OF
 * RANGE even for absurd lengths), then our transfer limit. */
static enum scst_sense_id block_range(struct scst_cmd *cmd, uint64_t lba, uint64_t nblocks,
				      enum scst_data_dir dir, unsigned len_byte)
{
	const struct scst_device *dev = cmd->dev;
	uint64_t bytes;

	cmd->lba = lba;
	cmd->nblocks = (uint32_t)nblocks;
	/* Without a medium there is no capacity to be out of: the check step
	 * answers MEDIUM NOT PRESENT instead. */
	if (!dev->passthrough && !dev->medium_ejected && !dev->medium_missing &&
	    (lba > dev->nblocks || nblocks > dev->nblocks - lba))
		return SCST_S_LBA_OUT_OF_RANGE;
	bytes = nblocks << dev->block_shift;
	if (dir != SCST_DATA_NONE && bytes > SCST_MAX_XFER_BYTES)
		return invalid(cmd, len_byte, -1);
	if (dir == SCST_DATA_NONE)
		bytes = 0;
	cmd->data_dir = bytes ? dir : SCST_DATA_NONE;
	cmd->bufflen = (uint32_t)bytes;
	return SCST_S_OK;
}

static enum scst_sense_id parse_tur(struct scst_cmd *cmd) { return no_data(cmd); }

static enum scst_sense_id parse_request_sense(struct scst_cmd *cmd)
{
	return data_in(cmd, cmd->cdb[4]);
}

static enum scst_sense_id parse_inquiry(struct scst_cmd *cmd)
{
	if (!(cmd->cdb[1] & 0x01) && cmd->cdb[2])
		return invalid(cmd, 2, -1);          /* page code without EVPD */
	return data_in(cmd, be16(&cmd->cdb[3]));
}

static enum scst_sense_id parse_report_luns(struct scst_cmd *cmd)
{
	return data_in(cmd, be32(&cmd->cdb[6]));
}

static enum scst_sense_id parse_mode_sense6(struct scst_cmd *cmd)
{
	return data_in(cmd, cmd->cdb[4]);
}

static enum scst_sense_id parse_mode_sense10(struct scst_cmd *cmd)
{
	return data_in(cmd, be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_mode_select6(struct scst_cmd *cmd)
{
	return data_out(cmd, cmd->cdb[4]);
}

static enum scst_sense_id parse_mode_select10(struct scst_cmd *cmd)
{
	return data_out(cmd, be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_start_stop(struct scst_cmd *cmd) { return no_data(cmd); }

static enum scst_sense_id parse_prevent_allow(struct scst_cmd *cmd) { return no_data(cmd); }

static enum scst_sense_id parse_read_capacity10(struct scst_cmd *cmd)
{
	/* An LBA without PMI is an error (SBC-3 5.16). */
	if (!(cmd->cdb[8] & 1) && be32(&cmd->cdb[2]))
		return invalid(cmd, 2, -1);
	return data_in(cmd, 8);
}

static enum scst_sense_id parse_read_capacity16(struct scst_cmd *cmd)
{
	return data_in(cmd, be32(&cmd->cdb[10]));
}

static enum scst_sense_id parse_rw6(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	uint64_t lba = (uint64_t)(cmd->cdb[1] & 0x1f) << 16 | be16(&cmd->cdb[2]);
	uint32_t n = cmd->cdb[4] ? cmd->cdb[4] : 256;

	return block_range(cmd, lba, n, dir, 4);
}

static enum scst_sense_id parse_read6(struct scst_cmd *cmd) { return parse_rw6(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write6(struct scst_cmd *cmd) { return parse_rw6(cmd, SCST_DATA_WRITE); }

static enum scst_sense_id parse_rw10(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	return block_range(cmd, be32(&cmd->cdb[2]), be16(&cmd->cdb[7]), dir, 7);
}

static enum scst_sense_id parse_read10(struct scst_cmd *cmd) { return parse_rw10(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write10(struct scst_cmd *cmd) { return parse_rw10(cmd, SCST_DATA_WRITE); }

static enum scst_sense_id parse_rw12(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	return block_range(cmd, be32(&cmd->cdb[2]), be32(&cmd->cdb[6]), dir, 6);
}

static enum scst_sense_id parse_read12(struct scst_cmd *cmd) { return parse_rw12(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write12(struct scst_cmd *cmd) { return parse_rw12(cmd, SCST_DATA_WRITE); }

static enum scst_sense_id parse_rw16(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	return block_range(cmd, be64(&cmd->cdb[2]), be32(&cmd->cdb[10]), dir, 10);
}

static enum scst_sense_id parse_read16(struct scst_cmd *cmd) { return parse_rw16(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write16(struct scst_cmd *cmd) { return parse_rw16(cmd, SCST_DATA_WRITE); }

/* VERIFY: BYTCHK 0 checks the medium only, 1 compares with data sent;
 * 2 is reserved and 3 (one block compared to each) is not supported. */
static enum scst_sense_id parse_verify(struct scst_cmd *cmd, uint64_t lba, uint32_t n,
				       unsigned len_byte)
{
	unsigned bytchk = (cmd->cdb[1] >> 1) & 3;

	if (bytchk > 1)
		return invalid(cmd, 1, 2);
	return block_range(cmd, lba, n, bytchk ? SCST_DATA_WRITE : SCST_DATA_NONE, len_byte);
}

static enum scst_sense_id parse_verify10(struct scst_cmd *cmd)
{
	return parse_verify(cmd, be32(&cmd->cdb[2]), be16(&cmd->cdb[7]), 7);
}

static enum scst_sense_id parse_verify12(struct scst_cmd *cmd)
{
	return parse_verify(cmd, be32(&cmd->cdb[2]), be32(&cmd->cdb[6]), 6);
}

static enum scst_sense_id parse_verify16(struct scst_cmd *cmd)
{
	return parse_verify(cmd, be64(&cmd->cdb[2]), be32(&cmd->cdb[10]), 10);
}

/* SYNCHRONIZE CACHE: zero blocks means "to the end of the medium". */
static enum scst_sense_id parse_sync_cache10(struct scst_cmd *cmd)
{
	return block_range(cmd, be32(&cmd->cdb[2]), be16(&cmd->cdb[7]), SCST_DATA_NONE, 7);
}

static enum scst_sense_id parse_sync_cache16(struct scst_cmd *cmd)
{
	return block_range(cmd, be64(&cmd->cdb[2]), be32(&cmd->cdb[10]), SCST_DATA_NONE, 10);
}

/* WRITE SAME: data for one block (none with NDOB), repeated over the range.
 * A zero block count means "to the end of the medium" (WSNZ is 0); the
 * count, given or implied, is capped at the Block Limits maximum. */
static enum scst_sense_id parse_write_same(struct scst_cmd *cmd, uint64_t lba, uint32_t n,
					   unsigned len_byte, bool ndob)
{
	uint64_t blocks = n;
	enum scst_sense_id rc;

	if (!n && !cmd->dev->passthrough) {
		if (lba >= cmd->dev->nblocks)
			return SCST_S_LBA_OUT_OF_RANGE;
		blocks = cmd->dev->nblocks - lba;
	}
	rc = block_range(cmd, lba, blocks, SCST_DATA_NONE, len_byte);
	if (rc != SCST_S_OK)
		return rc;
	/* A real device's own limit applies to it (its Block Limits page). */
	if (!cmd->dev->passthrough && blocks > scst_max_write_same_blocks(cmd->dev))
		return invalid(cmd, len_byte, -1);
	return data_out(cmd, ndob ? 0 : cmd->dev->block_size);
}

static enum scst_sense_id parse_write_same10(struct scst_cmd *cmd)
{
	return parse_write_same(cmd, be32(&cmd->cdb[2]), be16(&cmd->cdb[7]), 7, false);
}

static enum scst_sense_id parse_write_same16(struct scst_cmd *cmd)
{
	return parse_write_same(cmd, be64(&cmd->cdb[2]), be32(&cmd->cdb[10]), 10,
				cmd->cdb[1] & 0x01);
}

/* WRITE AND VERIFY: BYTCHK 1 (compare what was just written) is trivially
 * true after a successful write; 2 and 3 are refused. */
static enum scst_sense_id parse_write_verify(struct scst_cmd *cmd, uint64_t lba, uint32_t n,
					     unsigned len_byte)
{
	if (((cmd->cdb[1] >> 1) & 3) > 1)
		return invalid(cmd, 1, 2);
	return block_range(cmd, lba, n, SCST_DATA_WRITE, len_byte);
}

static enum scst_sense_id parse_write_verify10(struct scst_cmd *cmd)
{
	return parse_write_verify(cmd, be32(&cmd->cdb[2]), be16(&cmd->cdb[7]), 7);
}

static enum scst_sense_id parse_write_verify12(struct scst_cmd *cmd)
{
	return parse_write_verify(cmd, be32(&cmd->cdb[2]), be32(&cmd->cdb[6]), 6);
}

static enum scst_sense_id parse_write_verify16(struct scst_cmd *cmd)
{
	return parse_write_verify(cmd, be64(&cmd->cdb[2]), be32(&cmd->cdb[10]), 10);
}

/* COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS (byte 13, so at most 255,
 * the Block Limits maximum) blocks to compare, and the data-out carries
 * the compare data followed by as much write data.  Zero blocks is a
 * valid no-op. */
static enum scst_sense_id parse_compare_and_write(struct scst_cmd *cmd)
{
	enum scst_sense_id rc = block_range(cmd, be64(&cmd->cdb[2]), cmd->cdb[13],
					    SCST_DATA_WRITE, 13);

	if (rc != SCST_S_OK)
		return rc;
	return data_out(cmd, cmd->bufflen * 2);
}

/* PRE-FETCH: zero blocks means "to the end of the medium", as for
 * SYNCHRONIZE CACHE; no data moves. */
static enum scst_sense_id parse_prefetch10(struct scst_cmd *cmd)
{
	return block_range(cmd, be32(&cmd->cdb[2]), be16(&cmd->cdb[7]), SCST_DATA_NONE, 7);
}

static enum scst_sense_id parse_prefetch16(struct scst_cmd *cmd)
{
	return block_range(cmd, be64(&cmd->cdb[2]), be32(&cmd->cdb[10]), SCST_DATA_NONE, 10);
}

/* UNMAP: the LBA ranges are in the parameter list, checked by the handler. */
static enum scst_sense_id parse_unmap(struct scst_cmd *cmd)
{
	return data_out(cmd, be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_get_lba_status(struct scst_cmd *cmd)
{
	uint64_t lba = be64(&cmd->cdb[2]);

	cmd->lba = lba;
	cmd->nblocks = 0;
	if (!cmd->dev->passthrough && lba >= cmd->dev->nblocks)
		return SCST_S_LBA_OUT_OF_RANGE;
	return data_in(cmd, be32(&cmd->cdb[10]));
}

/* READ DEFECT DATA: format 111b is reserved; the lists are empty, so any
 * ADDRESS DESCRIPTOR INDEX (12) is past their end and fine. */
static enum scst_sense_id parse_read_defect10(struct scst_cmd *cmd)
{
	if ((cmd->cdb[2] & 0x07) == 0x07)
		return invalid(cmd, 2, 2);
	return data_in(cmd, be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_read_defect12(struct scst_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x07) == 0x07)
		return invalid(cmd, 1, 2);
	return data_in(cmd, be32(&cmd->cdb[6]));
}

/* WRITE ATOMIC(16): a WRITE(16) with a 2-byte count that must fit the
 * atomic limits of the Block Limits VPD page. */
static enum scst_sense_id parse_write_atomic16(struct scst_cmd *cmd)
{
	uint32_t n = be16(&cmd->cdb[12]);
	enum scst_sense_id rc = block_range(cmd, be64(&cmd->cdb[2]), n, SCST_DATA_WRITE, 12);

	if (rc != SCST_S_OK)
		return rc;
	if (n > scst_max_atomic_blocks(cmd->dev))
		return invalid(cmd, 12, -1);
	return SCST_S_OK;
}

/* SANITIZE OVERWRITE: the parameter list is a 4-byte header and an
 * initialization pattern of at most one block. */
static enum scst_sense_id parse_sanitize_overwrite(struct scst_cmd *cmd)
{
	uint16_t len = be16(&cmd->cdb[7]);

	if (len < 5 || len > cmd->dev->block_size + 4)
		return invalid(cmd, 7, -1);
	return data_out(cmd, len);
}

/* SANITIZE BLOCK ERASE and EXIT FAILURE MODE take no parameter list. */
static enum scst_sense_id parse_sanitize_no_list(struct scst_cmd *cmd)
{
	if (be16(&cmd->cdb[7]))
		return invalid(cmd, 7, -1);
	return no_data(cmd);
}

/* EXTENDED COPY (LID1): the descriptor lists are checked by the copy
 * manager; a list longer than any it accepts is refused unread. */
#define SCST_MAX_XCOPY_PARAM_LEN 65536u
static enum scst_sense_id parse_extended_copy(struct scst_cmd *cmd)
{
	uint32_t len = be32(&cmd->cdb[10]);

	if (len > SCST_MAX_XCOPY_PARAM_LEN)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	return data_out(cmd, len);
}

static enum scst_sense_id parse_receive_copy_results(struct scst_cmd *cmd)
{
	return data_in(cmd, be32(&cmd->cdb[10]));
}

/* FORMAT UNIT: with FMTDATA the parameter list is just its header (short
 * or long with LONGLIST); no protection information (FMTPINFO is not in
 * the usage bitmap). */
static enum scst_sense_id parse_format_unit(struct scst_cmd *cmd)
{
	if (!(cmd->cdb[1] & 0x10))
		return no_data(cmd);
	return data_out(cmd, (cmd->cdb[1] & 0x20) ? 8 : 4);
}

/* RESERVE(10)/RELEASE(10) third-party forms are refused by the usage
 * bitmaps, so none of these carries data. */
static enum scst_sense_id parse_reserve_release(struct scst_cmd *cmd) { return no_data(cmd); }

/* PERSISTENT RESERVE IN: READ KEYS, READ RESERVATION, REPORT CAPABILITIES,
 * READ FULL STATUS. */
static enum scst_sense_id parse_pr_in(struct scst_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x1f) > 3)
		return invalid(cmd, 1, 4);
	return data_in(cmd, be16(&cmd->cdb[7]));
}

/* PERSISTENT RESERVE OUT: the parameter list is 24 bytes, except for a
 * REGISTER with SPEC_I_PT and a REGISTER AND MOVE, whose TransportIDs
 * follow (pr_cmd.c checks the length against the list once it is in). */
#define PR_OUT_MAX_PARAM_LEN (64u << 10)

static enum scst_sense_id parse_pr_out(struct scst_cmd *cmd)
{
	uint32_t len = be32(&cmd->cdb[5]);
	unsigned sa = cmd->cdb[1] & 0x1f;

	if ((sa == 0 || sa == 7) && len >= 24 && len <= PR_OUT_MAX_PARAM_LEN)
		return data_out(cmd, len);
	if (len != 24)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	return data_out(cmd, 24);
}

static enum scst_sense_id parse_report_opcodes(struct scst_cmd *cmd)
{
	return data_in(cmd, be32(&cmd->cdb[6]));
}

/* REPORT TARGET PORT GROUPS, REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS:
 * ALLOCATION LENGTH in bytes 6-9 like every 12-byte MAINTENANCE IN. */
static enum scst_sense_id parse_maint_in(struct scst_cmd *cmd)
{
	return data_in(cmd, be32(&cmd->cdb[6]));
}

/* SET TARGET PORT GROUPS: PARAMETER LIST LENGTH in bytes 6-9, bounded
 * so a huge list is refused before its data moves. */
static enum scst_sense_id parse_stpg(struct scst_cmd *cmd)
{
	uint32_t len = be32(&cmd->cdb[6]);

	if (len > scst_stpg_max_param_len())
		return invalid(cmd, 6, -1);
	return data_out(cmd, len);
}

/* LOG SENSE: PPC and SP are refused by the usage bitmap (no parameter
 * ranges, nothing saved); the page is the handler's to know. */
static enum scst_sense_id parse_log_sense(struct scst_cmd *cmd)
{
	return data_in(cmd, be16(&cmd->cdb[7]));
}

enum { BUFFER_MODE_DATA = 0x02, BUFFER_MODE_DESCRIPTOR = 0x03 };

/* READ/WRITE BUFFER share the layout: MODE, BUFFER ID 0 (the only
 * buffer), BUFFER OFFSET, and a length that must stay inside it. */
static enum scst_sense_id parse_buffer(struct scst_cmd *cmd, bool write)
{
	uint8_t mode = cmd->cdb[1] & 0x1f;
	uint32_t off = be32(&cmd->cdb[3]) >> 8, len = be32(&cmd->cdb[5]) & 0xffffff;

	if (mode != BUFFER_MODE_DATA && (write || mode != BUFFER_MODE_DESCRIPTOR))
		return invalid(cmd, 1, 4);
	if (cmd->cdb[2])
		return invalid(cmd, 2, -1);
	if (mode == BUFFER_MODE_DESCRIPTOR) {
		if (off)
			return invalid(cmd, 3, -1);
		return data_in(cmd, len);
	}
	if (off > SCST_DATA_BUFFER_BYTES)
		return invalid(cmd, 3, -1);
	if (len > SCST_DATA_BUFFER_BYTES - off)
		return invalid(cmd, 6, -1);
	return write ? data_out(cmd, len) : data_in(cmd, len);
}

static enum scst_sense_id parse_read_buffer(struct scst_cmd *cmd)
{
	return parse_buffer(cmd, false);
}

static enum scst_sense_id parse_write_buffer(struct scst_cmd *cmd)
{
	return parse_buffer(cmd, true);
}

/* Usage bitmaps (REPORT SUPPORTED OPERATION CODES) double as the reserved
 * bit masks: a CDB bit outside its byte's mask (control byte excluded) is
 * refused with INVALID FIELD IN CDB before the entry's own parser runs.
 * Protection fields (RDPROTECT...) are left out: no protection information. */
#define U(...) { __VA_ARGS__ }
#define LBA4 0xff, 0xff, 0xff, 0xff
#define LBA8 LBA4, LBA4
#define LEN2 0xff, 0xff
#define LEN4 LBA4
#define GRP 0x1f
#define MA SCST_OP_MEDIUM_ACCESS
#define WM SCST_OP_WRITE_MEDIUM
#define LR SCST_OP_LBA_RANGE
#define NOLUN (SCST_OP_CORE | SCST_OP_UA_EXEMPT | SCST_OP_NO_LUN_OK)
/* What a target port in standby, unavailable (or offline) and
 * transitioning state still serves: SPC-4 5.16.2.4.4-5.16.2.4.6, plus READ
 * CAPACITY in standby (SBC-3 4.x; LIO and SCST serve it too).  READ/WRITE
 * BUFFER are allowed there only in echo buffer modes, which we lack. */
#define AS SCST_OP_ALUA_STANDBY
#define ASU (SCST_OP_ALUA_STANDBY | SCST_OP_ALUA_UNAVAILABLE)
#define AALL (ASU | SCST_OP_ALUA_TRANSITIONING)

static const struct scst_opcode_desc opcode_table[] = {
	{ 0x00, -1, "TEST UNIT READY", 6, MA, ANY, parse_tur, U(0x00, 0, 0, 0, 0, 0) },
	{ 0x03, -1, "REQUEST SENSE", 6, NOLUN | AALL, ANY, parse_request_sense,
	  U(0x03, 0x01, 0, 0, 0xff, 0) },
	{ 0x04, -1, "FORMAT UNIT", 6, MA | WM, DISK, parse_format_unit,
	  U(0x04, 0x3f, 0, 0, 0, 0) },
	{ 0x08, -1, "READ(6)", 6, MA | LR, DISK, parse_read6, U(0x08, 0x1f, 0xff, 0xff, 0xff, 0) },
	{ 0x0a, -1, "WRITE(6)", 6, MA | WM | LR, DISK, parse_write6,
	  U(0x0a, 0x1f, 0xff, 0xff, 0xff, 0) },
	{ 0x12, -1, "INQUIRY", 6, SCST_OP_UA_EXEMPT | SCST_OP_NO_LUN_OK | AALL, ANY, parse_inquiry,
	  U(0x12, 0x01, 0xff, 0xff, 0xff, 0) },
	{ 0x15, -1, "MODE SELECT(6)", 6, AS, ANY, parse_mode_select6, U(0x15, 0x11, 0, 0, 0xff, 0) },
	{ 0x16, -1, "RESERVE(6)", 6, SCST_OP_CORE, ANY, parse_reserve_release,
	  U(0x16, 0, 0, 0, 0, 0) },
	{ 0x17, -1, "RELEASE(6)", 6, SCST_OP_CORE, ANY, parse_reserve_release,
	  U(0x17, 0, 0, 0, 0, 0) },
	{ 0x1a, -1, "MODE SENSE(6)", 6, AS, ANY, parse_mode_sense6,
	  U(0x1a, 0x08, 0xff, 0xff, 0xff, 0) },
	{ 0x1b, -1, "START STOP UNIT", 6, 0, ANY, parse_start_stop,
	  U(0x1b, 0x01, 0, 0x0f, 0xf7, 0) },
	{ 0x1e, -1, "PREVENT ALLOW MEDIUM REMOVAL", 6, 0, ANY, parse_prevent_allow,
	  U(0x1e, 0, 0, 0, 0x03, 0) },
	{ 0x25, -1, "READ CAPACITY(10)", 10, MA | AS, DISK, parse_read_capacity10,
	  U(0x25, 0, LBA4, 0, 0, 0x01, 0) },
	{ 0x28, -1, "READ(10)", 10, MA | LR, DISK, parse_read10,
	  U(0x28, 0x1a, LBA4, GRP, LEN2, 0) },
	{ 0x2a, -1, "WRITE(10)", 10, MA | WM | LR, DISK, parse_write10,
	  U(0x2a, 0x1a, LBA4, GRP, LEN2, 0) },
	{ 0x2e, -1, "WRITE AND VERIFY(10)", 10, MA | WM | LR, DISK, parse_write_verify10,
	  U(0x2e, 0x16, LBA4, GRP, LEN2, 0) },
	{ 0x2f, -1, "VERIFY(10)", 10, MA | LR, DISK, parse_verify10,
	  U(0x2f, 0x16, LBA4, GRP, LEN2, 0) },
	{ 0x34, -1, "PRE-FETCH(10)", 10, MA | LR, DISK, parse_prefetch10,
	  U(0x34, 0x02, LBA4, GRP, LEN2, 0) },
	{ 0x35, -1, "SYNCHRONIZE CACHE(10)", 10, MA | LR, DISK, parse_sync_cache10,
	  U(0x35, 0x06, LBA4, GRP, LEN2, 0) },
	{ 0x37, -1, "READ DEFECT DATA(10)", 10, MA, DISK, parse_read_defect10,
	  U(0x37, 0, 0x1f, 0, 0, 0, 0, LEN2, 0) },
	{ 0x41, -1, "WRITE SAME(10)", 10, MA | WM | LR, DISK, parse_write_same10,
	  U(0x41, 0x08, LBA4, GRP, LEN2, 0) },
	{ 0x42, -1, "UNMAP", 10, MA | WM, DISK, parse_unmap, U(0x42, 0, 0, 0, 0, 0, GRP, LEN2, 0) },
	/* SANITIZE: IMMED and AUSE besides the service action (SBC-4 5.30). */
	{ 0x48, 0x01, "SANITIZE OVERWRITE", 10, MA | WM, DISK, parse_sanitize_overwrite,
	  U(0x48, 0xbf, 0, 0, 0, 0, 0, LEN2, 0) },
	{ 0x48, 0x02, "SANITIZE BLOCK ERASE", 10, MA | WM | SCST_OP_THIN_ONLY, DISK, parse_sanitize_no_list,
	  U(0x48, 0xbf, 0, 0, 0, 0, 0, LEN2, 0) },
	{ 0x48, 0x1f, "SANITIZE EXIT FAILURE MODE", 10, 0, DISK, parse_sanitize_no_list,
	  U(0x48, 0xbf, 0, 0, 0, 0, 0, LEN2, 0) },
	{ 0x55, -1, "MODE SELECT(10)", 10, AS, ANY, parse_mode_select10,
	  U(0x55, 0x11, 0, 0, 0, 0, 0, LEN2, 0) },
	{ 0x56, -1, "RESERVE(10)", 10, SCST_OP_CORE, ANY, parse_reserve_release,
	  U(0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0) },
	{ 0x57, -1, "RELEASE(10)", 10, SCST_OP_CORE, ANY, parse_reserve_release,
	  U(0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0) },
	{ 0x5a, -1, "MODE SENSE(10)", 10, AS, ANY, parse_mode_sense10,
	  U(0x5a, 0x18, 0xff, 0xff, 0, 0, 0, LEN2, 0) },
	{ 0x5e, -1, "PERSISTENT RESERVE IN", 10, SCST_OP_CORE | AS, ANY, parse_pr_in,
	  U(0x5e, 0x1f, 0, 0, 0, 0, 0, LEN2, 0) },
	{ 0x5f, -1, "PERSISTENT RESERVE OUT", 10, SCST_OP_CORE | AS, ANY, parse_pr_out,
	  U(0x5f, 0x1f, 0xff, 0, 0, LEN4, 0) },
	{ 0x83, 0x00, "EXTENDED COPY(LID1)", 16, MA, DISK, parse_extended_copy,
	  U(0x83, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, LEN4, 0, 0) },
	{ 0x84, 0x00, "RECEIVE COPY STATUS(LID1)", 16, MA, DISK, parse_receive_copy_results,
	  U(0x84, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, LEN4, 0, 0) },
	{ 0x84, 0x03, "RECEIVE COPY OPERATING PARAMETERS", 16, MA, DISK,
	  parse_receive_copy_results, U(0x84, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, LEN4, 0, 0) },
	{ 0x88, -1, "READ(16)", 16, MA | LR, DISK, parse_read16,
	  U(0x88, 0x1a, LBA8, LEN4, GRP, 0) },
	{ 0x89, -1, "COMPARE AND WRITE", 16, MA | WM | LR, DISK, parse_compare_and_write,
	  U(0x89, 0x18, LBA8, 0, 0, 0, 0xff, GRP, 0) },
	{ 0x8a, -1, "WRITE(16)", 16, MA | WM | LR, DISK, parse_write16,
	  U(0x8a, 0x1a, LBA8, LEN4, GRP, 0) },
	{ 0x8b, -1, "ORWRITE(16)", 16, MA | WM | LR, DISK, parse_write16,
	  U(0x8b, 0x18, LBA8, LEN4, GRP, 0) },
	{ 0x8e, -1, "WRITE AND VERIFY(16)", 16, MA | WM | LR, DISK, parse_write_verify16,
	  U(0x8e, 0x16, LBA8, LEN4, GRP, 0) },
	{ 0x8f, -1, "VERIFY(16)", 16, MA | LR, DISK, parse_verify16,
	  U(0x8f, 0x16, LBA8, LEN4, GRP, 0) },
	{ 0x90, -1, "PRE-FETCH(16)", 16, MA | LR, DISK, parse_prefetch16,
	  U(0x90, 0x02, LBA8, LEN4, GRP, 0) },
	{ 0x91, -1, "SYNCHRONIZE CACHE(16)", 16, MA | LR, DISK, parse_sync_cache16,
	  U(0x91, 0x06, LBA8, LEN4, GRP, 0) },
	{ 0x93, -1, "WRITE SAME(16)", 16, MA | WM | LR, DISK, parse_write_same16,
	  U(0x93, 0x09, LBA8, LEN4, GRP, 0) },
	{ 0x9c, -1, "WRITE ATOMIC(16)", 16, MA | WM | LR, DISK, parse_write_atomic16,
	  U(0x9c, 0x18, LBA8, 0, 0, LEN2, GRP, 0) },
	{ 0x9e, 0x10, "READ CAPACITY(16)", 16, MA | AS, DISK, parse_read_capacity16,
	  U(0x9e, 0x1f, LBA8, LEN4, 0x01, 0) },
	{ 0x9e, 0x12, "GET LBA STATUS", 16, MA, DISK, parse_get_lba_status,
	  U(0x9e, 0x1f, LBA8, LEN4, 0, 0) },
	{ 0xa0, -1, "REPORT LUNS", 12, NOLUN | AALL, ANY, parse_report_luns,
	  U(0xa0, 0, 0xff, 0, 0, 0, LEN4, 0, 0) },
	{ 0xa3, 0x0c, "REPORT SUPPORTED OPERATION CODES", 12, 0, ANY, parse_report_opcodes,
	  U(0xa3, 0x1f, 0x87, 0xff, 0xff, 0xff, LEN4, 0, 0) },
	{ 0xa3, 0x0a, "REPORT TARGET PORT GROUPS", 12, AALL, DISK | CDROM, parse_maint_in,
	  U(0xa3, 0x3f, 0, 0, 0, 0, LEN4, 0, 0) },
	{ 0xa4, 0x0a, "SET TARGET PORT GROUPS", 12, SCST_OP_CORE | ASU | SCST_OP_EXPLICIT_ALUA,
	  DISK | CDROM,
	  parse_stpg, U(0xa4, 0x1f, 0, 0, 0, 0, LEN4, 0, 0) },
	{ 0xa3, 0x0d, "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", 12, 0, DISK | CDROM,
	  parse_maint_in, U(0xa3, 0x1f, 0x80, 0, 0, 0, LEN4, 0, 0) },
	{ 0x4d, -1, "LOG SENSE", 10, AS, DISK | CDROM, parse_log_sense,
	  U(0x4d, 0, 0xff, 0xff, 0, 0xff, 0xff, LEN2, 0) },
	{ 0x3b, -1, "WRITE BUFFER", 10, 0, DISK | CDROM, parse_write_buffer,
	  U(0x3b, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0) },
	{ 0x3c, -1, "READ BUFFER", 10, 0, DISK | CDROM, parse_read_buffer,
	  U(0x3c, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0) },
	{ 0xb7, -1, "READ DEFECT DATA(12)", 12, MA, DISK, parse_read_defect12,
	  U(0xb7, 0x1f, LBA4, LEN4, 0, 0) },
	{ 0xa8, -1, "READ(12)", 12, MA | LR, DISK, parse_read12,
	  U(0xa8, 0x1a, LBA4, LEN4, GRP, 0) },
	{ 0xaa, -1, "WRITE(12)", 12, MA | WM | LR, DISK, parse_write12,
	  U(0xaa, 0x1a, LBA4, LEN4, GRP, 0) },
	{ 0xae, -1, "WRITE AND VERIFY(12)", 12, MA | WM | LR, DISK, parse_write_verify12,
	  U(0xae, 0x16, LBA4, LEN4, GRP, 0) },
	{ 0xaf, -1, "VERIFY(12)", 12, MA | LR, DISK, parse_verify12,
	  U(0xaf, 0x16, LBA4, LEN4, GRP, 0) },
	/* MMC-6 (vcdrom): 2048-byte reads, the disc and drive queries, and
	 * writes, which the read-only check refuses with WRITE PROTECTED.
	 * GET CONFIGURATION and GET EVENT STATUS NOTIFICATION are how a host
	 * polls the drive, so a UA does not block them (as in MMC drives). */
	{ 0x25, -1, "READ CAPACITY(10)", 10, MA | AS, CDROM, parse_read_capacity10,
	  U(0x25, 0, LBA4, 0, 0, 0x01, 0) },
	{ 0x28, -1, "READ(10)", 10, MA | LR, CDROM, parse_read10,
	  U(0x28, 0x18, LBA4, 0, LEN2, 0) },
	{ 0xa8, -1, "READ(12)", 12, MA | LR, CDROM, parse_read12,
	  U(0xa8, 0x18, LBA4, LEN4, 0x80, 0) },
	{ 0x2a, -1, "WRITE(10)", 10, MA | WM | LR, CDROM, parse_write10,
	  U(0x2a, 0x08, LBA4, 0, LEN2, 0) },
	{ 0xaa, -1, "WRITE(12)", 12, MA | WM | LR, CDROM, parse_write12,
	  U(0xaa, 0x08, LBA4, LEN4, 0x80, 0) },
	{ 0x43, -1, "READ TOC/PMA/ATIP", 10, MA, CDROM, scst_mmc_parse_read_toc,
	  U(0x43, 0x02, 0x0f, 0, 0, 0, 0xff, LEN2, 0) },
	{ 0x46, -1, "GET CONFIGURATION", 10, SCST_OP_UA_EXEMPT, CDROM,
	  scst_mmc_parse_get_configuration, U(0x46, 0x03, 0xff, 0xff, 0, 0, 0, LEN2, 0) },
	{ 0x4a, -1, "GET EVENT STATUS NOTIFICATION", 10, SCST_OP_UA_EXEMPT, CDROM,
	  scst_mmc_parse_gesn, U(0x4a, 0x01, 0, 0, 0xff, 0, 0, LEN2, 0) },
	{ 0x51, -1, "READ DISC INFORMATION", 10, MA, CDROM, scst_mmc_parse_read_disc_info,
	  U(0x51, 0x07, 0, 0, 0, 0, 0, LEN2, 0) },
	{ 0x52, -1, "READ TRACK INFORMATION", 10, MA, CDROM, scst_mmc_parse_read_track_info,
	  U(0x52, 0x03, LBA4, 0, LEN2, 0) },
	{ 0xbd, -1, "MECHANISM STATUS", 12, 0, CDROM, scst_mmc_parse_mechanism_status,
	  U(0xbd, 0, 0, 0, 0, 0, 0, 0, LEN2, 0, 0) },
};

#define OPCODE_COUNT (sizeof(opcode_table) / sizeof(opcode_table[0]))

const struct scst_opcode_desc *scst_opcode_table(unsigned *count)
{
	*count = OPCODE_COUNT;
	return opcode_table;
}

static bool has_service_action(uint8_t opcode)
{
	return opcode == 0x9e || opcode == 0x9f || opcode == 0xa3 || opcode == 0xa4 ||
	       opcode == 0x48 || opcode == 0x83 || opcode == 0x84;
}

static bool applies_to(const struct scst_opcode_desc *op, int type)
{
	return type >= 0 && type < 32 && (op->types & (1u << type));
}

/* BLOCK ERASE is deallocation (SBC-4 4.11.5: the erased blocks are
 * unmapped); a fully provisioned LU has nothing to deallocate, and
 * libiscsi's Sanitize.BlockErase holds an offered BLOCK ERASE without
 * LBPME=1 to be a failure. */
bool scst_op_offered(const struct scst_opcode_desc *op, const struct scst_device *dev)
{
	if ((op->flags & SCST_OP_THIN_ONLY) && dev && !dev->thin_provisioned)
		return false;
	return scst_alua_op_offered(op, dev);
}

/* Finds the entry for an opcode and service action (sa < 0: none). */
static const struct scst_opcode_desc *find_entry(uint8_t opcode, int sa, int type)
{
	for (unsigned i = 0; i < OPCODE_COUNT; i++) {
		const struct scst_opcode_desc *op = &opcode_table[i];

		if (op->opcode == opcode && op->sa == sa && applies_to(op, type))
			return op;
	}
	return NULL;
}

const struct scst_opcode_desc *scst_find_opcode(const uint8_t *cdb, unsigned cdb_len, int type)
{
	if (!cdb_len)
		return NULL;
	if (!has_service_action(cdb[0]))
		return find_entry(cdb[0], -1, type);
	if (cdb_len < 2)
		return NULL;
	return find_entry(cdb[0], cdb[1] & 0x1f, type);
}

/* True when some service action of this opcode exists for the device:
 * then an unknown service action is a bad field, not a bad opcode (SPC-4). */
static bool opcode_known(uint8_t opcode, const struct scst_device *dev, int type)
{
	for (unsigned i = 0; i < OPCODE_COUNT; i++)
		if (opcode_table[i].opcode == opcode && applies_to(&opcode_table[i], type) &&
		    scst_op_offered(&opcode_table[i], dev))
			return true;
	return false;
}

static int highest_bit(uint8_t v)
{
	int bit = 7;

	while (bit > 0 && !(v & (1u << bit)))
		bit--;
	return bit;
}

/* Reserved and unsupported bits: everything outside the usage bitmap,
 * the opcode and the control byte excepted. */
static bool reserved_bits_clear(struct scst_cmd *cmd, const struct scst_opcode_desc *op)
{
	for (unsigned i = 1; i + 1 < op->cdb_len; i++) {
		uint8_t bad = cmd->cdb[i] & (uint8_t)~op->usage[i];

		if (bad) {
			scst_set_invalid_field(cmd, true, i, highest_bit(bad));
			return false;
		}
	}
	return true;
}

int scst_parse_cdb(struct scst_cmd *cmd)
{
	int type = cmd->dev ? cmd->dev->type : 0;
	bool passthrough = cmd->dev && cmd->dev->passthrough;
	const struct scst_opcode_desc *op = NULL;
	enum scst_sense_id rc;

	if (passthrough)
		op = scst_find_passthru_opcode(cmd->cdb, cmd->cdb_len, type);
	if (!op)
		op = scst_find_opcode(cmd->cdb, cmd->cdb_len, type);
	/* A pass-through device offers what the device does, not what
	 * scstd's own provisioning and ALUA state would. */
	if (op && !passthrough && !scst_op_offered(op, cmd->dev))
		op = NULL;
	if (!op) {
		if (cmd->cdb_len >= 2 && has_service_action(cmd->cdb[0]) &&
		    opcode_known(cmd->cdb[0], cmd->dev, type))
			scst_set_invalid_field(cmd, true, 1, 4);
		else
			scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
		return -1;
	}
	cmd->op = op;
	if (!cmd->dev && !(op->flags & SCST_OP_NO_LUN_OK)) {
		scst_set_cmd_error(cmd, SCST_S_LUN_NOT_SUPPORTED);
		return -1;
	}
	if (cmd->cdb_len < op->cdb_len) {
		scst_set_cmd_error(cmd, SCST_S_INVALID_FIELD_IN_CDB);
		return -1;
	}
	if (!passthrough && !reserved_bits_clear(cmd, op))
		return -1;
	rc = op->parse(cmd);
	if (rc == SCST_S_OK) {
		cmd->cdb_bufflen = cmd->bufflen;
		return 0;
	}
	if (rc != ERR_SET)
		scst_set_cmd_error(cmd, rc);
	return -1;
}

uint32_t scst_max_xfer_bytes(void)
{
	return SCST_MAX_XFER_BYTES;
}

uint32_t scst_dev_max_xfer_bytes(const struct scst_device *dev)
{
	if (dev && dev->max_xfer_bytes && dev->max_xfer_bytes < SCST_MAX_XFER_BYTES)
		return dev->max_xfer_bytes;
	return SCST_MAX_XFER_BYTES;
}

/* Atomic writes are as long as any write: the handler holds the whole
 * range exclusively for the one submission. */
uint32_t scst_max_atomic_blocks(const struct scst_device *dev)
{
	return SCST_MAX_XFER_BYTES >> dev->block_shift;
}

uint32_t scst_max_write_same_blocks(const struct scst_device *dev)
{
	return SCST_MAX_WRITE_SAME_BYTES >> dev->block_shift;
}
