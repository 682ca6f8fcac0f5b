/* opcode_passthru.c - the opcode table's rows for pass-through devices
 * (dev_disk, dev_tape, dev_changer, ...; the PT rows of scsi_ops.def and
 * their decoding): per device type, the data
 * direction and transfer length of the commands a real device of that type
 * takes, so that the buffer is sized and the data moved in the right
 * direction before the CDB goes to the device.  Only that is decoded: the
 * device checks its own fields and ranges and its sense goes back as is.
 * Looked up before the main table for a pass-through device, so a type's
 * own meaning of an opcode (tape READ(6) with FIXED, SPACE(16) where a disk
 * has SYNCHRONIZE CACHE(16)) wins; commands found in neither table are
 * refused with INVALID COMMAND OPERATION CODE.
 *
 * Sources: SSC-3 (tape), SMC-3 (changer), SPC-4 (processor SEND/RECEIVE,
 * diagnostics, logs, attributes, security), MMC-6 (CD/DVD), SCC-2 (RAID),
 * SBC-3 (optical memory). */
#include "cdb.h"
#include "pr.h"
#include "scst.h"
#include "util/be.h"

#define TAPE    (1u << 0x01)
#define PROC    (1u << 0x03)
#define CDROM   (1u << 0x05)
#define MOD     (1u << 0x07)
#define CHANGER (1u << 0x08)
#define RAID    (1u << 0x0c)
#define PT_ALL  (SCST_TYPE_DISK_BIT | TAPE | PROC | CDROM | MOD | CHANGER | RAID)

static enum scst_sense_id xfer(struct scst_cmd *cmd, enum scst_data_dir dir, uint64_t len)
{
	uint32_t max = scst_dev_max_xfer_bytes(cmd->dev);

	if (len > max) {
		scst_set_invalid_field(cmd, true, 0, -1);
		return SCST_S__COUNT;
	}
	cmd->data_dir = len ? dir : SCST_DATA_NONE;
	cmd->bufflen = (uint32_t)len;
	return SCST_S_OK;
}

/* Allocation lengths bound what the device may return; a buffer larger
 * than the device's limit would be refused by sg, so it is clipped and the
 * device reports the rest as residual. */
static enum scst_sense_id alloc_in(struct scst_cmd *cmd, uint32_t len)
{
	uint32_t max = scst_dev_max_xfer_bytes(cmd->dev);

	return xfer(cmd, SCST_DATA_READ, len < max ? len : max);
}

static enum scst_sense_id none(struct scst_cmd *cmd) { return xfer(cmd, SCST_DATA_NONE, 0); }
static enum scst_sense_id in_b34(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be16(&cmd->cdb[3]));
}
static enum scst_sense_id out_b34(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be16(&cmd->cdb[3]));
}
static enum scst_sense_id in_b78(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be16(&cmd->cdb[7]));
}
static enum scst_sense_id out_b78(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be16(&cmd->cdb[7]));
}
static enum scst_sense_id in_b89(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be16(&cmd->cdb[8]));
}
static enum scst_sense_id in_b6_9(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be32(&cmd->cdb[6]));
}
static enum scst_sense_id out_b6_9(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be32(&cmd->cdb[6]));
}
static enum scst_sense_id in_b10_13(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be32(&cmd->cdb[10]));
}
static enum scst_sense_id out_b10_13(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be32(&cmd->cdb[10]));
}

/* READ/WRITE BUFFER: BUFFER OFFSET 3-5, ALLOCATION/PARAMETER LIST LENGTH 6-8. */
static enum scst_sense_id in_b6_8(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be24(&cmd->cdb[6]));
}
static enum scst_sense_id out_b6_8(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be24(&cmd->cdb[6]));
}

/* SSC-3 READ(6)/WRITE(6)/READ REVERSE(6)/RECOVER BUFFERED DATA/VERIFY(6):
 * byte 1 bit 0 FIXED; TRANSFER LENGTH (bytes 2-4) counts blocks of the
 * current block size when FIXED is set, bytes otherwise. */
static uint64_t tape_len(const struct scst_cmd *cmd)
{
	uint32_t n = get_be24(&cmd->cdb[2]);

	return (cmd->cdb[1] & 0x01) ? (uint64_t)n * cmd->dev->block_size : n;
}

static enum scst_sense_id tape_read(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_READ, tape_len(cmd));
}

static enum scst_sense_id tape_write(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, tape_len(cmd));
}

/* VERIFY(6): data goes out only when BYTCMP (byte 1 bit 1) asks for a
 * comparison. */
static enum scst_sense_id tape_verify(struct scst_cmd *cmd)
{
	if (!(cmd->cdb[1] & 0x02))
		return none(cmd);
	return tape_write(cmd);
}

/* READ BLOCK LIMITS: 6 bytes, 20 with MLOC (SSC-4). */
static enum scst_sense_id tape_read_block_limits(struct scst_cmd *cmd)
{
	return alloc_in(cmd, (cmd->cdb[1] & 0x01) ? 20 : 6);
}

/* READ POSITION: the short forms (service action 0, 1) return 20 bytes,
 * the long form (6) 32; the extended form (8) has an ALLOCATION LENGTH in
 * bytes 7-8. */
static enum scst_sense_id tape_read_position(struct scst_cmd *cmd)
{
	switch (cmd->cdb[1] & 0x1f) {
	case 0x00:
	case 0x01:
		return alloc_in(cmd, 20);
	case 0x06:
		return alloc_in(cmd, 32);
	case 0x08:
		return in_b78(cmd);
	default:
		scst_set_invalid_field(cmd, true, 1, 4);
		return SCST_S__COUNT;
	}
}

/* FORMAT MEDIUM: TRANSFER LENGTH in bytes 3-4, data out. */
#define tape_format_medium out_b34

/* SMC-3 READ ELEMENT STATUS, REQUEST VOLUME ELEMENT ADDRESS: ALLOCATION
 * LENGTH in bytes 7-9.  SEND VOLUME TAG: PARAMETER LIST LENGTH in bytes
 * 8-9. */
static enum scst_sense_id in_b7_9(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be24(&cmd->cdb[7]));
}
static enum scst_sense_id out_b8_9(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be16(&cmd->cdb[8]));
}

/* SPC-4 (processor type) RECEIVE(6)/SEND(6): TRANSFER LENGTH in bytes 2-4. */
static enum scst_sense_id proc_receive(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_READ, get_be24(&cmd->cdb[2]));
}

static enum scst_sense_id proc_send(struct scst_cmd *cmd)
{
	return xfer(cmd, SCST_DATA_WRITE, get_be24(&cmd->cdb[2]));
}

/* MMC-6 READ CD / READ CD MSF: at most 2352 bytes of user data, 96 of
 * sub-channel and 296 of C2/header per sector (the largest the flags can
 * select); the drive returns what the flags ask for and the rest is
 * residual. */
#define MMC_MAX_SECTOR_BYTES (2352u + 296u + 96u)
static enum scst_sense_id mmc_read_cd(struct scst_cmd *cmd)
{
	return alloc_in(cmd, get_be24(&cmd->cdb[6]) * MMC_MAX_SECTOR_BYTES);
}

static enum scst_sense_id mmc_read_cd_msf(struct scst_cmd *cmd)
{
	uint32_t start = (cmd->cdb[3] * 60u + cmd->cdb[4]) * 75u + cmd->cdb[5];
	uint32_t end = (cmd->cdb[6] * 60u + cmd->cdb[7]) * 75u + cmd->cdb[8];

	return alloc_in(cmd, (end > start ? end - start : 0) * MMC_MAX_SECTOR_BYTES);
}

/* SBC READ/WRITE(10) on a CD drive: blocks of the drive's block size. */
/* Block READ/WRITE go to the device in pieces of its size (dev_pass_sg.c),
 * so only the core's own limit bounds them. */
static enum scst_sense_id block_xfer(struct scst_cmd *cmd, enum scst_data_dir dir, uint64_t len)
{
	if (len > scst_max_xfer_bytes()) {
		scst_set_invalid_field(cmd, true, 0, -1);
		return SCST_S__COUNT;
	}
	cmd->data_dir = len ? dir : SCST_DATA_NONE;
	cmd->bufflen = (uint32_t)len;
	return SCST_S_OK;
}

static enum scst_sense_id mmc_rw10(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	cmd->lba = get_be32(&cmd->cdb[2]);
	cmd->nblocks = get_be16(&cmd->cdb[7]);
	return block_xfer(cmd, dir, (uint64_t)cmd->nblocks * cmd->dev->block_size);
}

static enum scst_sense_id mmc_read10(struct scst_cmd *cmd) { return mmc_rw10(cmd, SCST_DATA_READ); }
static enum scst_sense_id mmc_write10(struct scst_cmd *cmd)
{
	return mmc_rw10(cmd, SCST_DATA_WRITE);
}

static enum scst_sense_id mmc_rw12(struct scst_cmd *cmd, enum scst_data_dir dir)
{
	cmd->lba = get_be32(&cmd->cdb[2]);
	cmd->nblocks = get_be32(&cmd->cdb[6]);
	return block_xfer(cmd, dir, (uint64_t)cmd->nblocks * cmd->dev->block_size);
}

static enum scst_sense_id mmc_read12(struct scst_cmd *cmd) { return mmc_rw12(cmd, SCST_DATA_READ); }
static enum scst_sense_id mmc_write12(struct scst_cmd *cmd)
{
	return mmc_rw12(cmd, SCST_DATA_WRITE);
}

#define MA SCST_OP_MEDIUM_ACCESS
#define WM SCST_OP_WRITE_MEDIUM
/* Reservation classes as in opcode_table.c. */
#define RA SCST_RESV_ALWAYS
#define RR SCST_RESV_READ
#define RW SCST_RESV_WRITE

static const struct scst_opcode_desc passthru_table[] = {
#define PT(id_, opcode_, sa_, name_, len_, flags_, types_, resv_, parse_) \
	{ .id = SCSI_OP_##id_, .opcode = opcode_, .sa = sa_, .name = name_, .cdb_len = len_, \
	  .flags = flags_, .types = types_, .resv = resv_, .parse = parse_ },
#define PT_ROW PT
#define OP(...)
#define OP_ROW(...)
#include "scsi_ops.def"
#undef PT
#undef PT_ROW
#undef OP
#undef OP_ROW
};

#define PASSTHRU_COUNT (sizeof(passthru_table) / sizeof(passthru_table[0]))

/* A row with a service action (MAINTENANCE IN/OUT) matches only that
 * one; READ POSITION's is a form selector decoded by its parser. */
const struct scst_opcode_desc *scst_find_passthru_opcode(const uint8_t *cdb, unsigned cdb_len,
							 int type)
{
	if (!cdb_len || type < 0 || type >= 32)
		return NULL;
	for (unsigned i = 0; i < PASSTHRU_COUNT; i++) {
		const struct scst_opcode_desc *op = &passthru_table[i];

		if (op->opcode != cdb[0] || !(op->types & (1u << type)))
			continue;
		if (op->sa < 0 || (cdb_len >= 2 && op->sa == (cdb[1] & 0x1f)))
			return op;
	}
	return NULL;
}
