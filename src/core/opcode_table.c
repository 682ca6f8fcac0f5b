/* opcode_table.c - the opcode table behind cdb.h, built from the OP rows
 * of scsi_ops.def: which commands exist for which device types, and how
 * each CDB is decoded into direction, transfer length and LBA range.  A command missing here is answered INVALID COMMAND
 * OPERATION CODE; a CDB with a bad field is refused here, before any check
 * or I/O, with the field pointer set. */
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "pr.h"
#include "scst.h"
#include "util/be.h"

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
	return data_in(cmd, get_be16(&cmd->cdb[3]));
}

static enum scst_sense_id parse_report_luns(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be32(&cmd->cdb[6]));
}

static enum scst_sense_id parse_mode_sense6(struct scst_cmd *cmd)
{
	return data_in(cmd, cmd->cdb[4]);
}

static enum scst_sense_id parse_mode_sense10(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_mode_select6(struct scst_cmd *cmd)
{
	return data_out(cmd, cmd->cdb[4]);
}

static enum scst_sense_id parse_mode_select10(struct scst_cmd *cmd)
{
	return data_out(cmd, get_be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_start_stop(struct scst_cmd *cmd) { return no_data(cmd); }

static enum scst_sense_id parse_prevent_allow(struct scst_cmd *cmd) { return no_data(cmd); }

static enum scst_sense_id parse_read_capacity10(struct scst_cmd *cmd)
{
	/* An LBA without PMI is an error (SBC-3 5.16). */
	if (!(cmd->cdb[8] & 1) && get_be32(&cmd->cdb[2]))
		return invalid(cmd, 2, -1);
	return data_in(cmd, 8);
}

static enum scst_sense_id parse_read_capacity16(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be32(&cmd->cdb[10]));
}

static enum scst_sense_id parse_rw6(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	uint64_t lba = (uint64_t)(cmd->cdb[1] & 0x1f) << 16 | get_be16(&cmd->cdb[2]);
	uint32_t n = cmd->cdb[4] ? cmd->cdb[4] : 256;

	return block_range(cmd, lba, n, dir, 4);
}

static enum scst_sense_id parse_read6(struct scst_cmd *cmd) { return parse_rw6(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write6(struct scst_cmd *cmd) { return parse_rw6(cmd, SCST_DATA_WRITE); }

static enum scst_sense_id parse_rw10(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	return block_range(cmd, get_be32(&cmd->cdb[2]), get_be16(&cmd->cdb[7]), dir, 7);
}

static enum scst_sense_id parse_read10(struct scst_cmd *cmd) { return parse_rw10(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write10(struct scst_cmd *cmd) { return parse_rw10(cmd, SCST_DATA_WRITE); }

static enum scst_sense_id parse_rw12(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	return block_range(cmd, get_be32(&cmd->cdb[2]), get_be32(&cmd->cdb[6]), dir, 6);
}

static enum scst_sense_id parse_read12(struct scst_cmd *cmd) { return parse_rw12(cmd, SCST_DATA_READ); }
static enum scst_sense_id parse_write12(struct scst_cmd *cmd) { return parse_rw12(cmd, SCST_DATA_WRITE); }

static enum scst_sense_id parse_rw16(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	return block_range(cmd, get_be64(&cmd->cdb[2]), get_be32(&cmd->cdb[10]), dir, 10);
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
	return parse_verify(cmd, get_be32(&cmd->cdb[2]), get_be16(&cmd->cdb[7]), 7);
}

static enum scst_sense_id parse_verify12(struct scst_cmd *cmd)
{
	return parse_verify(cmd, get_be32(&cmd->cdb[2]), get_be32(&cmd->cdb[6]), 6);
}

static enum scst_sense_id parse_verify16(struct scst_cmd *cmd)
{
	return parse_verify(cmd, get_be64(&cmd->cdb[2]), get_be32(&cmd->cdb[10]), 10);
}

/* SYNCHRONIZE CACHE: zero blocks means "to the end of the medium". */
static enum scst_sense_id parse_sync_cache10(struct scst_cmd *cmd)
{
	return block_range(cmd, get_be32(&cmd->cdb[2]), get_be16(&cmd->cdb[7]), SCST_DATA_NONE, 7);
}

static enum scst_sense_id parse_sync_cache16(struct scst_cmd *cmd)
{
	return block_range(cmd, get_be64(&cmd->cdb[2]), get_be32(&cmd->cdb[10]), SCST_DATA_NONE, 10);
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
	return parse_write_same(cmd, get_be32(&cmd->cdb[2]), get_be16(&cmd->cdb[7]), 7, false);
}

static enum scst_sense_id parse_write_same16(struct scst_cmd *cmd)
{
	return parse_write_same(cmd, get_be64(&cmd->cdb[2]), get_be32(&cmd->cdb[10]), 10,
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
	return parse_write_verify(cmd, get_be32(&cmd->cdb[2]), get_be16(&cmd->cdb[7]), 7);
}

static enum scst_sense_id parse_write_verify12(struct scst_cmd *cmd)
{
	return parse_write_verify(cmd, get_be32(&cmd->cdb[2]), get_be32(&cmd->cdb[6]), 6);
}

static enum scst_sense_id parse_write_verify16(struct scst_cmd *cmd)
{
	return parse_write_verify(cmd, get_be64(&cmd->cdb[2]), get_be32(&cmd->cdb[10]), 10);
}

/* COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS (byte 13, so at most 255,
 * the Block Limits maximum) blocks to compare, and the data-out carries
 * the compare data followed by as much write data.  Zero blocks is a
 * valid no-op. */
static enum scst_sense_id parse_compare_and_write(struct scst_cmd *cmd)
{
	enum scst_sense_id rc = block_range(cmd, get_be64(&cmd->cdb[2]), cmd->cdb[13],
					    SCST_DATA_WRITE, 13);

	if (rc != SCST_S_OK)
		return rc;
	return data_out(cmd, cmd->bufflen * 2);
}

/* PRE-FETCH: zero blocks means "to the end of the medium", as for
 * SYNCHRONIZE CACHE; no data moves. */
static enum scst_sense_id parse_prefetch10(struct scst_cmd *cmd)
{
	return block_range(cmd, get_be32(&cmd->cdb[2]), get_be16(&cmd->cdb[7]), SCST_DATA_NONE, 7);
}

static enum scst_sense_id parse_prefetch16(struct scst_cmd *cmd)
{
	return block_range(cmd, get_be64(&cmd->cdb[2]), get_be32(&cmd->cdb[10]), SCST_DATA_NONE, 10);
}

/* UNMAP: the LBA ranges are in the parameter list, checked by the handler. */
static enum scst_sense_id parse_unmap(struct scst_cmd *cmd)
{
	return data_out(cmd, get_be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_get_lba_status(struct scst_cmd *cmd)
{
	uint64_t lba = get_be64(&cmd->cdb[2]);

	cmd->lba = lba;
	cmd->nblocks = 0;
	if (!cmd->dev->passthrough && lba >= cmd->dev->nblocks)
		return SCST_S_LBA_OUT_OF_RANGE;
	return data_in(cmd, get_be32(&cmd->cdb[10]));
}

/* READ DEFECT DATA: format 111b is reserved; the lists are empty, so any
 * ADDRESS DESCRIPTOR INDEX (12) is past their end and fine. */
static enum scst_sense_id parse_read_defect10(struct scst_cmd *cmd)
{
	if ((cmd->cdb[2] & 0x07) == 0x07)
		return invalid(cmd, 2, 2);
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

static enum scst_sense_id parse_read_defect12(struct scst_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x07) == 0x07)
		return invalid(cmd, 1, 2);
	return data_in(cmd, get_be32(&cmd->cdb[6]));
}

/* WRITE ATOMIC(16): a WRITE(16) with a 2-byte count that must fit the
 * atomic limits of the Block Limits VPD page. */
static enum scst_sense_id parse_write_atomic16(struct scst_cmd *cmd)
{
	uint32_t n = get_be16(&cmd->cdb[12]);
	enum scst_sense_id rc = block_range(cmd, get_be64(&cmd->cdb[2]), n, SCST_DATA_WRITE, 12);

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
	uint16_t len = get_be16(&cmd->cdb[7]);

	if (len < 5 || len > cmd->dev->block_size + 4)
		return invalid(cmd, 7, -1);
	return data_out(cmd, len);
}

/* SANITIZE BLOCK ERASE and EXIT FAILURE MODE take no parameter list. */
static enum scst_sense_id parse_sanitize_no_list(struct scst_cmd *cmd)
{
	if (get_be16(&cmd->cdb[7]))
		return invalid(cmd, 7, -1);
	return no_data(cmd);
}

/* EXTENDED COPY (LID1): the descriptor lists are checked by the copy
 * manager; a list longer than any it accepts is refused unread. */
#define SCST_MAX_XCOPY_PARAM_LEN 65536u
static enum scst_sense_id parse_extended_copy(struct scst_cmd *cmd)
{
	uint32_t len = get_be32(&cmd->cdb[10]);

	if (len > SCST_MAX_XCOPY_PARAM_LEN)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	return data_out(cmd, len);
}

static enum scst_sense_id parse_receive_copy_results(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be32(&cmd->cdb[10]));
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
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

/* PERSISTENT RESERVE OUT: the parameter list is 24 bytes, except for a
 * REGISTER with SPEC_I_PT and a REGISTER AND MOVE, whose TransportIDs
 * follow (pr_cmd.c checks the length against the list once it is in). */
#define PR_OUT_MAX_PARAM_LEN (64u << 10)

static enum scst_sense_id parse_pr_out(struct scst_cmd *cmd)
{
	uint32_t len = get_be32(&cmd->cdb[5]);
	unsigned sa = cmd->cdb[1] & 0x1f;

	if ((sa == 0 || sa == 7) && len >= 24 && len <= PR_OUT_MAX_PARAM_LEN)
		return data_out(cmd, len);
	if (len != 24)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	return data_out(cmd, 24);
}

static enum scst_sense_id parse_report_opcodes(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be32(&cmd->cdb[6]));
}

/* REPORT TARGET PORT GROUPS, REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS:
 * ALLOCATION LENGTH in bytes 6-9 like every 12-byte MAINTENANCE IN. */
static enum scst_sense_id parse_maint_in(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be32(&cmd->cdb[6]));
}

/* SET TARGET PORT GROUPS: PARAMETER LIST LENGTH in bytes 6-9, bounded
 * so a huge list is refused before its data moves. */
static enum scst_sense_id parse_stpg(struct scst_cmd *cmd)
{
	uint32_t len = get_be32(&cmd->cdb[6]);

	if (len > scst_stpg_max_param_len())
		return invalid(cmd, 6, -1);
	return data_out(cmd, len);
}

/* LOG SENSE: PPC and SP are refused by the usage bitmap (no parameter
 * ranges, nothing saved); the page is the handler's to know. */
static enum scst_sense_id parse_log_sense(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

enum { BUFFER_MODE_DATA = 0x02, BUFFER_MODE_DESCRIPTOR = 0x03 };

/* READ/WRITE BUFFER share the layout: MODE, BUFFER ID 0 (the only
 * buffer), BUFFER OFFSET, and a length that must stay inside it. */
static enum scst_sense_id parse_buffer(struct scst_cmd *cmd, bool write)
{
	uint8_t mode = cmd->cdb[1] & 0x1f;
	uint32_t off = get_be32(&cmd->cdb[3]) >> 8, len = get_be32(&cmd->cdb[5]) & 0xffffff;

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
#define LBA4 0xff, 0xff, 0xff, 0xff
#define LBA8 LBA4, LBA4
#define LEN2 0xff, 0xff
#define LEN4 LBA4
#define GRP 0x1f
#define MA SCST_OP_MEDIUM_ACCESS
#define WM SCST_OP_WRITE_MEDIUM
#define LR SCST_OP_LBA_RANGE
#define LOCK SCST_OP_LBA_LOCK
#define XLOCK SCST_OP_LBA_LOCK_EXCL
#define FUA SCST_OP_FUA_BIT
#define SYNC SCST_OP_WRITE_THROUGH
#define SAN_OK SCST_OP_SANITIZE_OK
#define SAN_EXIT SCST_OP_SANITIZE_EXIT
#define NOLUN (SCST_OP_CORE | SCST_OP_UA_EXEMPT | SCST_OP_NO_LUN_OK)
/* What a target port in standby, unavailable (or offline) and
 * transitioning state still serves: SPC-4 5.16.2.4.4-5.16.2.4.6, plus READ
 * CAPACITY in standby (SBC-3 4.x; LIO and SCST serve it too).  READ/WRITE
 * BUFFER are allowed there only in echo buffer modes, which we lack. */
#define AS SCST_OP_ALUA_STANDBY
#define ASU (SCST_OP_ALUA_STANDBY | SCST_OP_ALUA_UNAVAILABLE)
#define AALL (ASU | SCST_OP_ALUA_TRANSITIONING)
/* Reservation classes: which commands get through a reservation held by
 * another nexus, after SCST's REG_RESERVE / WRITE_EXCL / EXCL_ACCESS
 * opcode flags (SPC-4 table 74, SBC-3 table 13); pr.c and reserve.c
 * judge by them. */
#define RA SCST_RESV_ALWAYS
#define RR SCST_RESV_READ
#define RW SCST_RESV_WRITE
#define RP SCST_RESV_PR
#define RRES SCST_RESV_RESERVE
#define RREL SCST_RESV_RELEASE
#define TS SCST_OP_TIME_SHORT
#define TUNMAP SCST_OP_TIME_UNMAP
#define TFLUSH SCST_OP_TIME_FLUSH
#define TCOPY SCST_OP_TIME_COPY
#define TFORMAT SCST_OP_TIME_FORMAT
#define TMEDIUM SCST_OP_TIME_MEDIUM

static const struct scst_opcode_desc opcode_table[] = {
#define OP(id_, opcode_, sa_, name_, len_, flags_, types_, resv_, timeout_, parse_, ...) \
	{ .id = SCSI_OP_##id_, .opcode = opcode_, .sa = sa_, .name = name_, .cdb_len = len_, \
	  .flags = flags_, .types = types_, .resv = resv_, .timeout = timeout_, .parse = parse_, \
	  .usage = { __VA_ARGS__ } },
#define OP_ROW OP
#define PT(...)
#define PT_ROW(...)
#include "scsi_ops.def"
#undef OP
#undef OP_ROW
#undef PT
#undef PT_ROW
};

#define OPCODE_COUNT (sizeof(opcode_table) / sizeof(opcode_table[0]))

const struct scst_opcode_desc *scst_opcode_table(unsigned *count)
{
	*count = OPCODE_COUNT;
	return opcode_table;
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

/* A row with a service action matches only that one (CDB byte 1 bits
 * 0-4); an opcode's rows either all have one or none has. */
static bool row_matches(const struct scst_opcode_desc *op, const uint8_t *cdb, unsigned cdb_len,
			int type)
{
	if (op->opcode != cdb[0] || !applies_to(op, type))
		return false;
	return op->sa < 0 || (cdb_len >= 2 && op->sa == (cdb[1] & 0x1f));
}

const struct scst_opcode_desc *scst_find_opcode(const uint8_t *cdb, unsigned cdb_len, int type)
{
	if (!cdb_len)
		return NULL;
	for (unsigned i = 0; i < OPCODE_COUNT; i++)
		if (row_matches(&opcode_table[i], cdb, cdb_len, type))
			return &opcode_table[i];
	return NULL;
}

/* True when some service action of this opcode exists for the device:
 * then an unknown service action is a bad field, not a bad opcode (SPC-4). */
static bool service_action_known(uint8_t opcode, const struct scst_device *dev, int type)
{
	for (unsigned i = 0; i < OPCODE_COUNT; i++) {
		const struct scst_opcode_desc *op = &opcode_table[i];

		if (op->opcode == opcode && op->sa >= 0 && applies_to(op, type) &&
		    scst_op_offered(op, dev))
			return true;
	}
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
		if (cmd->cdb_len >= 2 && service_action_known(cmd->cdb[0], cmd->dev, type))
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
