/* test_cdb.c - the opcode table and CDB parser: direction, length and LBA
 * for every supported command, and the exact sense (key/ASC/ASCQ and field
 * pointer) for unknown opcodes, service actions, reserved bits, bad lengths
 * and out-of-range LBAs; plus REPORT SUPPORTED OPERATION CODES. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/scst.h"

#define NBLOCKS 2097152ull      /* 1 GiB of 512-byte blocks */

static struct scst_device disk;

static void setup_disk(uint32_t block_size, uint64_t nblocks)
{
	memset(&disk, 0, sizeof(disk));
	disk.type = 0;
	disk.block_size = block_size;
	disk.block_shift = __builtin_ctz(block_size);
	disk.nblocks = nblocks;
	/* Thin: the disk offers every entry of the table (BLOCK ERASE needs
	 * it, see test_block_erase_needs_thin). */
	disk.thin_provisioned = true;
}

static int parse(struct scst_cmd *cmd, const uint8_t *cdb, unsigned len)
{
	memset(cmd, 0, sizeof(*cmd));
	memcpy(cmd->cdb, cdb, len);
	cmd->cdb_len = len;
	cmd->dev = &disk;
	return scst_parse_cdb(cmd);
}

struct good_case {
	const char *what;
	uint8_t cdb[16];
	unsigned len;
	enum scst_data_dir dir;
	uint32_t bufflen;
	uint64_t lba;
	uint32_t nblocks;
};

static const struct good_case good_cases[] = {
	{ "TUR", { 0x00 }, 6, SCST_DATA_NONE, 0, 0, 0 },
	{ "REQUEST SENSE", { 0x03, 0, 0, 0, 252 }, 6, SCST_DATA_READ, 252, 0, 0 },
	{ "READ6", { 0x08, 0x01, 0x02, 0x03, 4 }, 6, SCST_DATA_READ, 2048, 0x10203, 4 },
	{ "READ6 0=256", { 0x08, 0, 0, 0, 0 }, 6, SCST_DATA_READ, 256 * 512, 0, 256 },
	{ "WRITE6", { 0x0a, 0, 0, 9, 1 }, 6, SCST_DATA_WRITE, 512, 9, 1 },
	{ "INQUIRY", { 0x12, 0, 0, 0x01, 0x00 }, 6, SCST_DATA_READ, 256, 0, 0 },
	{ "INQUIRY VPD", { 0x12, 1, 0x83, 0, 0xff }, 6, SCST_DATA_READ, 255, 0, 0 },
	{ "MODE SELECT6", { 0x15, 0x10, 0, 0, 24 }, 6, SCST_DATA_WRITE, 24, 0, 0 },
	{ "MODE SENSE6", { 0x1a, 0x08, 0x3f, 0, 192 }, 6, SCST_DATA_READ, 192, 0, 0 },
	{ "START STOP", { 0x1b, 1, 0, 0, 1 }, 6, SCST_DATA_NONE, 0, 0, 0 },
	{ "PREVENT ALLOW", { 0x1e, 0, 0, 0, 1 }, 6, SCST_DATA_NONE, 0, 0, 0 },
	{ "READ CAPACITY10", { 0x25 }, 10, SCST_DATA_READ, 8, 0, 0 },
	{ "READ10", { 0x28, 0x18, 0, 0, 0x10, 0, 0, 0, 8 }, 10, SCST_DATA_READ, 4096, 0x1000, 8 },
	{ "READ10 0 blocks", { 0x28, 0, 0, 0, 0, 5, 0, 0, 0 }, 10, SCST_DATA_NONE, 0, 5, 0 },
	{ "WRITE10 FUA", { 0x2a, 0x08, 0, 0, 0, 1, 0, 0, 2 }, 10, SCST_DATA_WRITE, 1024, 1, 2 },
	{ "WRITE AND VERIFY10", { 0x2e, 0x02, 0, 0, 0, 7, 0, 0, 1 }, 10, SCST_DATA_WRITE, 512, 7, 1 },
	{ "VERIFY10 BYTCHK0", { 0x2f, 0, 0, 0, 0, 3, 0, 0, 4 }, 10, SCST_DATA_NONE, 0, 3, 4 },
	{ "VERIFY10 BYTCHK1", { 0x2f, 0x02, 0, 0, 0, 3, 0, 0, 4 }, 10, SCST_DATA_WRITE, 2048, 3, 4 },
	{ "PRE-FETCH10", { 0x34, 0x02, 0, 0, 0, 0, 0, 0, 16 }, 10, SCST_DATA_NONE, 0, 0, 16 },
	{ "SYNC CACHE10", { 0x35, 0x02 }, 10, SCST_DATA_NONE, 0, 0, 0 },
	{ "WRITE SAME10", { 0x41, 0, 0, 0, 0, 2, 0, 0, 100 }, 10, SCST_DATA_WRITE, 512, 2, 100 },
	{ "READ DEFECT DATA10", { 0x37, 0, 0x18, 0, 0, 0, 0, 0, 32 }, 10, SCST_DATA_READ, 32, 0, 0 },
	{ "READ DEFECT DATA12", { 0xb7, 0x1c, 0, 0, 0, 9, 0, 0, 1, 0 }, 12, SCST_DATA_READ, 256, 0,
	  0 },
	{ "WRITE ATOMIC16", { 0x9c, 0x18, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0 }, 16,
	  SCST_DATA_WRITE, 2048, 5, 4 },
	{ "WRITE ATOMIC16 0 blocks", { 0x9c, 0, 0, 0, 0, 0, 0, 0, 0, 5 }, 16, SCST_DATA_NONE, 0, 5,
	  0 },
	{ "SANITIZE OVERWRITE", { 0x48, 0x01, 0, 0, 0, 0, 0, 0x02, 0x04 }, 10, SCST_DATA_WRITE, 516,
	  0, 0 },
	{ "SANITIZE BLOCK ERASE AUSE", { 0x48, 0x22 }, 10, SCST_DATA_NONE, 0, 0, 0 },
	/* SBC-4 5.30: IMMED is byte 1 bit 7. */
	{ "SANITIZE OVERWRITE IMMED", { 0x48, 0x81, 0, 0, 0, 0, 0, 0x02, 0x04 }, 10,
	  SCST_DATA_WRITE, 516, 0, 0 },
	{ "SANITIZE EXIT FAILURE MODE", { 0x48, 0x1f }, 10, SCST_DATA_NONE, 0, 0, 0 },
	{ "EXTENDED COPY", { 0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 76 }, 16, SCST_DATA_WRITE, 76,
	  0, 0 },
	{ "RECEIVE COPY OPERATING PARAMETERS", { 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0 },
	  16, SCST_DATA_READ, 1024, 0, 0 },
	{ "FORMAT UNIT", { 0x04 }, 6, SCST_DATA_NONE, 0, 0, 0 },
	{ "FORMAT UNIT FMTDATA", { 0x04, 0x10 }, 6, SCST_DATA_WRITE, 4, 0, 0 },
	{ "FORMAT UNIT FMTDATA LONGLIST", { 0x04, 0x30 }, 6, SCST_DATA_WRITE, 8, 0, 0 },
	{ "WRITE SAME10 0 blocks = to the end", { 0x41, 0, 0, 0x1f, 0xff, 0x9c, 0, 0, 0 }, 10,
	  SCST_DATA_WRITE, 512, 0x1fff9c, 100 },
	{ "UNMAP", { 0x42, 0, 0, 0, 0, 0, 0, 0, 24 }, 10, SCST_DATA_WRITE, 24, 0, 0 },
	{ "MODE SELECT10", { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 28 }, 10, SCST_DATA_WRITE, 28, 0, 0 },
	{ "MODE SENSE10", { 0x5a, 0x10, 0x08, 0, 0, 0, 0, 1, 0 }, 10, SCST_DATA_READ, 256, 0, 0 },
	{ "READ16", { 0x88, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 3 }, 16, SCST_DATA_READ,
	  1536, 0x10000, 3 },
	{ "WRITE16", { 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 2 }, 16, SCST_DATA_WRITE,
	  1024, 0x20, 2 },
	{ "WRITE AND VERIFY16", { 0x8e, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }, 16,
	  SCST_DATA_WRITE, 512, 1, 1 },
	{ "VERIFY16", { 0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }, 16, SCST_DATA_NONE, 0, 1, 1 },
	{ "PRE-FETCH16", { 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }, 16, SCST_DATA_NONE, 0, 1, 1 },
	{ "SYNC CACHE16", { 0x91, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }, 16, SCST_DATA_NONE, 0, 1, 1 },
	{ "WRITE SAME16 NDOB", { 0x93, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8 }, 16,
	  SCST_DATA_NONE, 0, 1, 8 },
	{ "READ CAPACITY16", { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 }, 16,
	  SCST_DATA_READ, 32, 0, 0 },
	{ "GET LBA STATUS", { 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 24 }, 16,
	  SCST_DATA_READ, 24, 9, 0 },
	{ "REPORT LUNS", { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0 }, 12, SCST_DATA_READ, 4096, 0, 0 },
	{ "REPORT LUNS 4 GiB allocation length", { 0xa0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },
	  12, SCST_DATA_READ, 1u << 20, 0, 0 },
	{ "RSOC", { 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x04, 0 }, 12, SCST_DATA_READ, 1024, 0, 0 },
	{ "READ12", { 0xa8, 0, 0, 0, 0, 4, 0, 0, 0, 2 }, 12, SCST_DATA_READ, 1024, 4, 2 },
	{ "WRITE12", { 0xaa, 0, 0, 0, 0, 4, 0, 0, 0, 2 }, 12, SCST_DATA_WRITE, 1024, 4, 2 },
	{ "WRITE AND VERIFY12", { 0xae, 0, 0, 0, 0, 4, 0, 0, 0, 2 }, 12, SCST_DATA_WRITE, 1024, 4, 2 },
	{ "VERIFY12", { 0xaf, 0x02, 0, 0, 0, 4, 0, 0, 0, 2 }, 12, SCST_DATA_WRITE, 1024, 4, 2 },
};

static void test_valid_cdbs(void **state)
{
	(void)state;
	setup_disk(512, NBLOCKS);
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];
		struct scst_cmd cmd;
		int rc = parse(&cmd, c->cdb, c->len);

		if (rc != 0 || cmd.data_dir != c->dir || cmd.bufflen != c->bufflen ||
		    cmd.lba != c->lba || cmd.nblocks != c->nblocks)
			fail_msg("%s: rc %d dir %d len %u lba %llu n %u", c->what, rc, cmd.data_dir,
				 cmd.bufflen, (unsigned long long)cmd.lba, cmd.nblocks);
		assert_non_null(cmd.op);
		assert_int_equal(cmd.op->opcode, c->cdb[0]);
		assert_int_equal(cmd.cdb_bufflen, cmd.bufflen);
	}
}

struct bad_case {
	const char *what;
	uint8_t cdb[16];
	unsigned len;
	uint8_t key, asc, ascq;
	int field_byte;         /* -1: no field pointer expected */
	int field_bit;          /* -1: no bit pointer */
};

static const struct bad_case bad_cases[] = {
	{ "unknown opcode", { 0xff }, 6, SK_ILLEGAL_REQUEST, 0x20, 0, -1, -1 },
	{ "unknown SERVICE ACTION IN sa", { 0x9e, 0x1f }, 16, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "unknown MAINTENANCE IN sa", { 0xa3, 0x05 }, 12, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "READ10 RDPROTECT", { 0x28, 0x20, 0, 0, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0,
	  1, 5 },
	{ "WRITE16 WRPROTECT", { 0x8a, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 7 },
	{ "INQUIRY CmdDt", { 0x12, 0x02, 0, 0, 36 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 1 },
	{ "INQUIRY page w/o EVPD", { 0x12, 0, 0x80, 0, 36 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 2, -1 },
	{ "TUR reserved byte", { 0x00, 0, 0, 1 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 3, 0 },
	{ "VERIFY10 BYTCHK 2", { 0x2f, 0x04, 0, 0, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x24,
	  0, 1, 2 },
	{ "READ CAPACITY10 LBA w/o PMI", { 0x25, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0,
	  2, -1 },
	{ "READ10 past end", { 0x28, 0, 0, 0x20, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x21, 0,
	  -1, -1 },
	{ "READ16 LBA 2^64-1", { 0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0,
	  1 }, 16, SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "READ12 over the transfer limit", { 0xa8, 0, 0, 0, 0, 0, 0, 0x01, 0, 0 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 6, -1 },
	{ "WRITE SAME10 0 blocks = to the end, over the limit", { 0x41, 0, 0, 0, 0, 0, 0, 0, 0 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 7, -1 },
	{ "WRITE SAME16 0 blocks at the end", { 0x93, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "WRITE SAME10 0 blocks past the end", { 0x41, 0, 0, 0x20, 0, 1, 0, 0, 0 }, 10,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "WRITE SAME10 ANCHOR", { 0x41, 0x10, 0, 0, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x24,
	  0, 1, 4 },
	{ "WRITE SAME16 too long", { 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x01 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 10, -1 },
	{ "UNMAP ANCHOR", { 0x42, 0x01, 0, 0, 0, 0, 0, 0, 24 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0, 1,
	  0 },
	{ "GET LBA STATUS past end", { 0x9e, 0x12, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 24 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "short CDB", { 0x28 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, -1, -1 },
	{ "READ DEFECT DATA10 format 7", { 0x37, 0, 0x07, 0, 0, 0, 0, 0, 32 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 2, 2 },
	{ "READ DEFECT DATA10 reserved byte 1", { 0x37, 0x01, 0, 0, 0, 0, 0, 0, 32 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 0 },
	{ "READ DEFECT DATA10 reserved bit 5", { 0x37, 0, 0x20, 0, 0, 0, 0, 0, 32 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 2, 5 },
	{ "READ DEFECT DATA12 format 7", { 0xb7, 0x07, 0, 0, 0, 0, 0, 0, 0, 32 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "READ DEFECT DATA12 reserved byte 10", { 0xb7, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0x80 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 10, 7 },
	{ "SANITIZE CRYPTO ERASE", { 0x48, 0x03 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "SANITIZE service action 0", { 0x48, 0x00 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "SANITIZE OVERWRITE list of 4", { 0x48, 0x01, 0, 0, 0, 0, 0, 0, 4 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 7, -1 },
	{ "SANITIZE OVERWRITE list over block + 4", { 0x48, 0x01, 0, 0, 0, 0, 0, 0x02, 0x05 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 7, -1 },
	{ "SANITIZE BLOCK ERASE with a list", { 0x48, 0x02, 0, 0, 0, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 7, -1 },
	{ "SANITIZE EXIT FAILURE MODE with a list", { 0x48, 0x1f, 0, 0, 0, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 7, -1 },
	{ "SANITIZE reserved byte 2", { 0x48, 0x01, 0x01, 0, 0, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 2, 0 },
	/* ZNR (byte 1 bit 6) is for zoned block devices only. */
	{ "SANITIZE ZNR", { 0x48, 0x41, 0, 0, 0, 0, 0, 0x02, 0x04 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 6 },
	{ "EXTENDED COPY LID4", { 0x83, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 76 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "EXTENDED COPY list over 64 KiB", { 0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x1a, 0, -1, -1 },
	{ "EXTENDED COPY reserved byte 2", { 0x83, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 76 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 2, 4 },
	{ "RECEIVE COPY RESULTS RECEIVE DATA", { 0x84, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64 },
	  16, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "RECEIVE COPY RESULTS reserved byte 3", { 0x84, 0x00, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	  64 }, 16, SK_ILLEGAL_REQUEST, 0x24, 0, 3, 7 },
	{ "FORMAT UNIT FMTPINFO", { 0x04, 0x40 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 6 },
	{ "FORMAT UNIT vendor specific byte", { 0x04, 0, 0x01 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 2,
	  0 },
	{ "WRITE ATOMIC16 WRPROTECT", { 0x9c, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 5 },
	{ "WRITE ATOMIC16 reserved byte 10", { 0x9c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 10, 0 },
	{ "WRITE ATOMIC16 past end", { 0x9c, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "WRITE ATOMIC16 LBA 2^63", { 0x9c, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "WRITE ATOMIC16 over the atomic limit", { 0x9c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40,
	  0x01 }, 16, SK_ILLEGAL_REQUEST, 0x24, 0, 12, -1 },
	/* Every other SPC/SBC opcode served to a disk: its reserved bits, its
	 * own field checks, its LBA range and its transfer limit. */
	{ "REQUEST SENSE reserved bit", { 0x03, 0x02, 0, 0, 18 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0,
	  1, 1 },
	{ "READ6 past end", { 0x08, 0x1f, 0xff, 0xff, 0 }, 6, SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "WRITE6 past end", { 0x0a, 0x1f, 0xff, 0xff, 2 }, 6, SK_ILLEGAL_REQUEST, 0x21, 0, -1,
	  -1 },
	{ "MODE SELECT6 reserved bit", { 0x15, 0x12, 0, 0, 24 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 1,
	  1 },
	{ "RESERVE6 third party", { 0x16, 0x10 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "RELEASE6 reserved byte 2", { 0x17, 0, 0x01 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 2, 0 },
	{ "MODE SENSE6 reserved bit", { 0x1a, 0x10, 0x3f, 0, 192 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0,
	  1, 4 },
	{ "START STOP UNIT reserved bit", { 0x1b, 0, 0, 0, 0x08 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0,
	  4, 3 },
	{ "PREVENT ALLOW reserved bit", { 0x1e, 0, 0, 0, 0x04 }, 6, SK_ILLEGAL_REQUEST, 0x24, 0, 4,
	  2 },
	{ "READ CAPACITY10 RELADR", { 0x25, 0x01 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 0 },
	{ "WRITE10 reserved bit", { 0x2a, 0x04, 0, 0, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST,
	  0x24, 0, 1, 2 },
	{ "WRITE10 past end", { 0x2a, 0, 0, 0x1f, 0xff, 0xff, 0, 0, 2 }, 10, SK_ILLEGAL_REQUEST,
	  0x21, 0, -1, -1 },
	{ "WRITE10 over the transfer limit", { 0x2a, 0, 0, 0, 0, 0, 0, 0x80, 1 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 7, -1 },
	{ "WRITE AND VERIFY10 BYTCHK 2", { 0x2e, 0x04, 0, 0, 0, 0, 0, 0, 1 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "WRITE AND VERIFY10 past end", { 0x2e, 0, 0, 0x20, 0, 0, 0, 0, 1 }, 10,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "VERIFY10 past end", { 0x2f, 0, 0, 0x20, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x21,
	  0, -1, -1 },
	{ "PRE-FETCH10 reserved bit", { 0x34, 0x04, 0, 0, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST,
	  0x24, 0, 1, 2 },
	{ "PRE-FETCH10 past end", { 0x34, 0, 0, 0x20, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST,
	  0x21, 0, -1, -1 },
	{ "SYNC CACHE10 RELADR", { 0x35, 0x01 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 0 },
	{ "SYNC CACHE10 past end", { 0x35, 0, 0, 0x20, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST,
	  0x21, 0, -1, -1 },
	{ "WRITE SAME10 PBDATA", { 0x41, 0x04, 0, 0, 0, 0, 0, 0, 1 }, 10, SK_ILLEGAL_REQUEST, 0x24,
	  0, 1, 2 },
	{ "UNMAP reserved byte 2", { 0x42, 0, 0x01, 0, 0, 0, 0, 0, 24 }, 10, SK_ILLEGAL_REQUEST,
	  0x24, 0, 2, 0 },
	{ "MODE SELECT10 reserved bit", { 0x55, 0x12, 0, 0, 0, 0, 0, 0, 28 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 1 },
	{ "RESERVE10 third party", { 0x56, 0x10 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "RELEASE10 reserved byte 8", { 0x57, 0, 0, 0, 0, 0, 0, 0, 0x01 }, 10, SK_ILLEGAL_REQUEST,
	  0x24, 0, 8, 0 },
	{ "MODE SENSE10 reserved byte 4", { 0x5a, 0, 0x3f, 0, 0x01, 0, 0, 1, 0 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 4, 0 },
	{ "PERSISTENT RESERVE IN sa 4", { 0x5e, 0x04, 0, 0, 0, 0, 0, 0, 64 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 4 },
	{ "PERSISTENT RESERVE OUT list of 23", { 0x5f, 0x01, 0, 0, 0, 0, 0, 0, 23 }, 10,
	  SK_ILLEGAL_REQUEST, 0x1a, 0, -1, -1 },
	{ "PERSISTENT RESERVE OUT reserved byte 3", { 0x5f, 0x01, 0, 0x01, 0, 0, 0, 0, 24 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 3, 0 },
	{ "RECEIVE COPY OPERATING PARAMETERS reserved byte 2", { 0x84, 0x03, 0x01, 0, 0, 0, 0, 0,
	  0, 0, 0, 0, 0x04, 0 }, 16, SK_ILLEGAL_REQUEST, 0x24, 0, 2, 0 },
	{ "READ16 over the transfer limit", { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 10, -1 },
	{ "COMPARE AND WRITE reserved bit", { 0x89, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "COMPARE AND WRITE past end", { 0x89, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "WRITE16 past end", { 0x8a, 0, 0, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0, 0, 0, 2 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "ORWRITE16 reserved bit", { 0x8b, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "WRITE AND VERIFY16 BYTCHK 3", { 0x8e, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "VERIFY16 BYTCHK 3", { 0x8f, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "VERIFY16 past end", { 0x8f, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "PRE-FETCH16 past end", { 0x90, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "SYNC CACHE16 past end", { 0x91, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x21, 0, -1, -1 },
	{ "SYNC CACHE16 reserved bit", { 0x91, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 0 },
	{ "READ CAPACITY16 reserved bit", { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0x02 },
	  16, SK_ILLEGAL_REQUEST, 0x24, 0, 14, 1 },
	{ "GET LBA STATUS reserved byte 14", { 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 24,
	  0x01 }, 16, SK_ILLEGAL_REQUEST, 0x24, 0, 14, 0 },
	{ "REPORT LUNS reserved byte 1", { 0xa0, 0x01, 0, 0, 0, 0, 0, 0, 0x10, 0 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 0 },
	{ "RSOC reserved bit", { 0xa3, 0x0c, 0x08, 0, 0, 0, 0, 0, 0x04, 0 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 2, 3 },
	{ "REPORT TARGET PORT GROUPS reserved byte 2", { 0xa3, 0x0a, 0x01, 0, 0, 0, 0, 0, 0x04, 0 },
	  12, SK_ILLEGAL_REQUEST, 0x24, 0, 2, 0 },
	{ "READ12 past end", { 0xa8, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 12, SK_ILLEGAL_REQUEST, 0x21,
	  0, -1, -1 },
	{ "WRITE12 reserved bit", { 0xaa, 0x04, 0, 0, 0, 0, 0, 0, 0, 1 }, 12, SK_ILLEGAL_REQUEST,
	  0x24, 0, 1, 2 },
	{ "WRITE12 past end", { 0xaa, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 12, SK_ILLEGAL_REQUEST, 0x21,
	  0, -1, -1 },
	{ "WRITE AND VERIFY12 BYTCHK 2", { 0xae, 0x04, 0, 0, 0, 0, 0, 0, 0, 1 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0, 1, 2 },
	{ "VERIFY12 BYTCHK 3", { 0xaf, 0x06, 0, 0, 0, 0, 0, 0, 0, 1 }, 12, SK_ILLEGAL_REQUEST, 0x24,
	  0, 1, 2 },
	{ "VERIFY12 past end", { 0xaf, 0, 0, 0x20, 0, 0, 0, 0, 0, 1 }, 12, SK_ILLEGAL_REQUEST, 0x21,
	  0, -1, -1 },
	{ "LOG SENSE SP", { 0x4d, 0x01, 0x40, 0, 0, 0, 0, 0, 64 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0,
	  1, 0 },
	{ "WRITE BUFFER mode 0", { 0x3b, 0x00, 0, 0, 0, 0, 0, 0, 4 }, 10, SK_ILLEGAL_REQUEST, 0x24,
	  0, 1, 4 },
	{ "READ BUFFER buffer id 1", { 0x3c, 0x02, 0x01, 0, 0, 0, 0, 0, 4 }, 10, SK_ILLEGAL_REQUEST,
	  0x24, 0, 2, -1 },
	{ "SERVICE ACTION OUT(16): not served", { 0x9f, 0x11 }, 16, SK_ILLEGAL_REQUEST, 0x20, 0, -1,
	  -1 },
	/* Without explicit ALUA no MAINTENANCE OUT service action exists. */
	{ "MAINTENANCE OUT: not served", { 0xa4, 0x06 }, 12, SK_ILLEGAL_REQUEST, 0x20, 0, -1, -1 },
	{ "SET TARGET PORT GROUPS without explicit ALUA", { 0xa4, 0x0a }, 12, SK_ILLEGAL_REQUEST,
	  0x20, 0, -1, -1 },
};

static void assert_bad(const struct bad_case *c, const struct scst_cmd *cmd, int rc)
{
	if (rc != -1 || cmd->status != SAM_STAT_CHECK_CONDITION || cmd->sense[0] != 0x70 ||
	    (cmd->sense[2] & 0x0f) != c->key || cmd->sense[12] != c->asc ||
	    cmd->sense[13] != c->ascq)
		fail_msg("%s: rc %d status %u sense %x/%02x/%02x", c->what, rc, cmd->status,
			 cmd->sense[2] & 0x0f, cmd->sense[12], cmd->sense[13]);
	if (c->field_byte < 0)
		return;
	if (!(cmd->sense[15] & 0x80) || !(cmd->sense[15] & 0x40) ||
	    cmd->sense[17] != c->field_byte)
		fail_msg("%s: field pointer %02x %02x %02x", c->what, cmd->sense[15], cmd->sense[16],
			 cmd->sense[17]);
	if (c->field_bit < 0)
		assert_int_equal(cmd->sense[15] & 0x08, 0);
	else if ((cmd->sense[15] & 0x0f) != (0x08 | c->field_bit))
		fail_msg("%s: bit pointer %02x", c->what, cmd->sense[15]);
}

static void test_invalid_cdbs(void **state)
{
	(void)state;
	setup_disk(512, NBLOCKS);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct scst_cmd cmd;
		int rc = parse(&cmd, bad_cases[i].cdb, bad_cases[i].len);

		assert_bad(&bad_cases[i], &cmd, rc);
	}
}

static void test_block_size_scales_transfer(void **state)
{
	uint8_t cdb[16] = { 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 2 };
	struct scst_cmd cmd;

	(void)state;
	setup_disk(4096, 1024);
	assert_int_equal(parse(&cmd, cdb, 16), 0);
	assert_int_equal(cmd.bufflen, 8192);
	assert_int_equal(cmd.data_dir, SCST_DATA_WRITE);
}

/* Found by cdb_fuzz: a 4-byte ALLOCATION LENGTH of 0xffffffff made a
 * 4 GiB command buffer.  The buffer now stops at 1 MiB; the answers are
 * far shorter anyway. */
static void test_allocation_length_caps_buffer(void **state)
{
	static const uint8_t cdbs[][16] = {
		{ 0xa0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },                  /* REPORT LUNS */
		{ 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },   /* READ CAPACITY(16) */
		{ 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe },   /* GET LBA STATUS */
		{ 0xa3, 0x0c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },               /* RSOC */
		{ 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },   /* RECEIVE COPY */
	};
	static const unsigned lens[] = { 12, 16, 16, 12, 16 };
	struct scst_cmd cmd;

	(void)state;
	setup_disk(512, NBLOCKS);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (parse(&cmd, cdbs[i], lens[i]) != 0)
			fail_msg("opcode %02x/%02x refused", cdbs[i][0], cdbs[i][1]);
		assert_int_equal(cmd.data_dir, SCST_DATA_READ);
		assert_int_equal(cmd.bufflen, 1u << 20);
	}
}

static void test_last_block_is_in_range(void **state)
{
	uint8_t ok[10] = { 0x28, 0, 0, 0, 0x03, 0xff, 0, 0, 1 };
	uint8_t past[10] = { 0x28, 0, 0, 0, 0x03, 0xff, 0, 0, 2 };
	struct scst_cmd cmd;

	(void)state;
	setup_disk(512, 1024);
	assert_int_equal(parse(&cmd, ok, 10), 0);
	assert_int_equal(parse(&cmd, past, 10), -1);
	assert_int_equal(cmd.sense[12], 0x21);
}

static void test_no_lun_accepts_only_lun_less_opcodes(void **state)
{
	uint8_t inq[6] = { 0x12, 0, 0, 0, 36 };
	uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16 };
	uint8_t tur[6] = { 0x00 };
	struct scst_cmd cmd;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	memcpy(cmd.cdb, inq, 6);
	cmd.cdb_len = 6;
	assert_int_equal(scst_parse_cdb(&cmd), 0);
	assert_int_equal(cmd.op->flags & SCST_OP_NO_LUN_OK, SCST_OP_NO_LUN_OK);
	assert_int_equal(cmd.op->flags & SCST_OP_CORE, 0);
	memset(&cmd, 0, sizeof(cmd));
	memcpy(cmd.cdb, rl, 12);
	cmd.cdb_len = 12;
	assert_int_equal(scst_parse_cdb(&cmd), 0);
	assert_int_equal(cmd.op->flags & SCST_OP_CORE, SCST_OP_CORE);
	memset(&cmd, 0, sizeof(cmd));
	memcpy(cmd.cdb, tur, 6);
	cmd.cdb_len = 6;
	assert_int_equal(scst_parse_cdb(&cmd), -1);
	assert_int_equal(cmd.sense[12], 0x25);
}

static void test_flags(void **state)
{
	const uint8_t write10[10] = { 0x2a }, read10[10] = { 0x28 }, rs[6] = { 0x03 };
	const struct scst_opcode_desc *op;

	(void)state;
	op = scst_find_opcode(write10, 10, 0);
	assert_non_null(op);
	/* SBC-4 WRITE(10): FUA is byte 1 bit 3; the blocks written are locked. */
	assert_int_equal(op->flags, SCST_OP_MEDIUM_ACCESS | SCST_OP_WRITE_MEDIUM | SCST_OP_LBA_RANGE |
					    SCST_OP_LBA_LOCK | SCST_OP_FUA_BIT);
	op = scst_find_opcode(read10, 10, 0);
	assert_int_equal(op->flags, SCST_OP_MEDIUM_ACCESS | SCST_OP_LBA_RANGE);
	op = scst_find_opcode(rs, 6, 0);
	/* SPC-4 5.16.2.4.4-6: REQUEST SENSE is served in every ALUA state;
	 * SBC-3 4.11.2: and during a sanitize operation. */
	assert_int_equal(op->flags, SCST_OP_CORE | SCST_OP_UA_EXEMPT | SCST_OP_NO_LUN_OK |
					    SCST_OP_ALUA_STANDBY | SCST_OP_ALUA_UNAVAILABLE |
					    SCST_OP_ALUA_TRANSITIONING | SCST_OP_SANITIZE_OK);
	/* Disk-only commands do not exist for other device types. */
	assert_null(scst_find_opcode(write10, 10, 0x08));
}

static void test_every_entry_is_consistent(void **state)
{
	unsigned count;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);

	(void)state;
	assert_true(count > 30);
	for (unsigned i = 0; i < count; i++) {
		assert_non_null(t[i].parse);
		assert_non_null(t[i].name);
		assert_int_equal(t[i].usage[0], t[i].opcode);
		assert_true(t[i].cdb_len == 6 || t[i].cdb_len == 10 || t[i].cdb_len == 12 ||
			    t[i].cdb_len == 16);
		for (unsigned j = i + 1; j < count; j++)
			/* One entry per command and device type. */
			assert_false(t[i].opcode == t[j].opcode && t[i].sa == t[j].sa &&
				     (t[i].types & t[j].types));
	}
}

/* REPORT SUPPORTED OPERATION CODES runs on a command with a buffer. */
static void rsoc(struct scst_cmd *cmd, uint8_t options, uint8_t opcode, uint16_t sa)
{
	uint8_t cdb[12] = { 0xa3, 0x0c, options, opcode, sa >> 8, sa & 0xff, 0, 0, 0x10, 0 };

	setup_disk(512, NBLOCKS);
	assert_int_equal(parse(cmd, cdb, 12), 0);
	cmd->buf = calloc(1, cmd->bufflen);
	cmd->buf_size = cmd->bufflen;
	scst_report_supported_opcodes(cmd);
}

static void test_rsoc_all(void **state)
{
	struct scst_cmd cmd;
	uint32_t len;
	unsigned count, n = 0;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);

	(void)state;
	/* A disk in no device group has no SET TARGET PORT GROUPS. */
	for (unsigned i = 0; i < count; i++)
		n += (t[i].types & SCST_TYPE_DISK_BIT) && !(t[i].flags & SCST_OP_EXPLICIT_ALUA);
	rsoc(&cmd, 0x00, 0, 0);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	len = (uint32_t)cmd.buf[0] << 24 | cmd.buf[1] << 16 | cmd.buf[2] << 8 | cmd.buf[3];
	assert_int_equal(len, n * 8);
	assert_int_equal(cmd.resp_data_len, 4 + n * 8);
	/* The first entry is TEST UNIT READY, 6 bytes, no service action. */
	assert_int_equal(cmd.buf[4], 0x00);
	assert_int_equal(cmd.buf[9], 0);
	assert_int_equal(cmd.buf[11], 6);
	free(cmd.buf);

	rsoc(&cmd, 0x80, 0, 0);          /* RCTD: timeout descriptors */
	assert_int_equal(cmd.resp_data_len, 4 + n * 20);
	assert_int_equal(cmd.buf[9], 0x02);
	assert_int_equal(cmd.buf[13], 0x0a);
	free(cmd.buf);
}

/* SANITIZE BLOCK ERASE deallocates (SBC-4); a fully provisioned disk
 * neither lists it nor accepts it (an unsupported service action: 5/24/00
 * on byte 1, bit 4), and its WABEREQ stays 0 (test_vdisk). */
static void test_block_erase_needs_thin(void **state)
{
	static const uint8_t erase[10] = { 0x48, 0x02 };
	uint8_t query[12] = { 0xa3, 0x0c, 0x02, 0x48, 0x00, 0x02, 0, 0, 0x10, 0 };
	struct scst_cmd cmd;

	(void)state;
	setup_disk(512, NBLOCKS);
	disk.thin_provisioned = false;
	assert_int_equal(parse(&cmd, erase, 10), -1);
	assert_int_equal(cmd.sense[2] & 0x0f, SK_ILLEGAL_REQUEST);
	assert_int_equal(cmd.sense[12], 0x24);
	assert_int_equal(cmd.sense[15], 0xc0 | 0x08 | 4);     /* SKSV, C/D, BPV, bit 4 */
	assert_int_equal(cmd.sense[17], 1);

	assert_int_equal(parse(&cmd, query, 12), 0);
	cmd.buf = calloc(1, cmd.bufflen);
	cmd.buf_size = cmd.bufflen;
	scst_report_supported_opcodes(&cmd);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	assert_int_equal(cmd.buf[1] & 0x07, 0x01);             /* not supported */
	free(cmd.buf);

	disk.thin_provisioned = true;
	assert_int_equal(parse(&cmd, erase, 10), 0);
}

static void test_rsoc_one(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	rsoc(&cmd, 0x01, 0x28, 0);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	assert_int_equal(cmd.buf[1], 0x03);
	assert_int_equal(cmd.buf[3], 10);
	assert_int_equal(cmd.buf[4], 0x28);
	assert_int_equal(cmd.buf[5], 0x1a);
	assert_int_equal(cmd.resp_data_len, 14);
	free(cmd.buf);

	rsoc(&cmd, 0x02, 0x9e, 0x10);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	assert_int_equal(cmd.buf[1], 0x03);
	assert_int_equal(cmd.buf[3], 16);
	free(cmd.buf);

	rsoc(&cmd, 0x01, 0xee, 0);       /* not supported */
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	assert_int_equal(cmd.buf[1], 0x01);
	free(cmd.buf);

	rsoc(&cmd, 0x01, 0x9e, 0x10);    /* has service actions: option 1 is wrong */
	assert_int_equal(cmd.status, SAM_STAT_CHECK_CONDITION);
	assert_int_equal(cmd.sense[12], 0x24);
	free(cmd.buf);

	rsoc(&cmd, 0x02, 0x28, 0);       /* no service actions: option 2 is wrong */
	assert_int_equal(cmd.sense[12], 0x24);
	free(cmd.buf);

	rsoc(&cmd, 0x05, 0, 0);          /* reserved reporting option */
	assert_int_equal(cmd.sense[12], 0x24);
	free(cmd.buf);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One command timeouts descriptor: length 0x0a, then the timeouts. */
static void assert_timeouts(const uint8_t *d, uint32_t nominal, uint32_t recommended)
{
	assert_int_equal(d[0], 0);
	assert_int_equal(d[1], 0x0a);
	assert_int_equal(d[3], 0);
	assert_int_equal(get_be32(&d[4]), nominal);
	assert_int_equal(get_be32(&d[8]), recommended);
}

/* The all-commands entry of opcode/sa (sa < 0: none), or NULL. */
static const uint8_t *rsoc_entry(const struct scst_cmd *cmd, uint8_t opcode, int sa)
{
	uint32_t len = get_be32(cmd->buf);

	for (uint32_t off = 4; off + 20 <= 4 + len; off += 20) {
		const uint8_t *e = &cmd->buf[off];
		bool has_sa = e[5] & 0x01;

		if (e[0] == opcode && has_sa == (sa >= 0) &&
		    (sa < 0 || ((e[2] << 8) | e[3]) == sa))
			return e;
	}
	return NULL;
}

/* RCTD: every descriptor carries real timeouts, by command class; whole
 * medium SANITIZE scales with the capacity (1 GiB at 100 MiB/s: 11 s). */
static void test_rsoc_timeouts(void **state)
{
	static const struct {
		uint8_t opcode;
		int sa;
		uint32_t nominal, recommended;
	} want[] = {
		{ 0x00, -1, 1, 30 }, { 0x28, -1, 1, 30 }, { 0x8a, -1, 1, 30 },
		{ 0x89, -1, 1, 30 }, { 0x93, -1, 1, 30 }, { 0x42, -1, 2, 60 },
		{ 0x35, -1, 10, 120 }, { 0x91, -1, 10, 120 }, { 0x04, -1, 2, 120 },
		{ 0x83, 0x00, 5, 120 }, { 0x48, 0x01, 11, 82 }, { 0x48, 0x02, 11, 82 },
		{ 0x48, 0x1f, 1, 30 },
	};
	struct scst_cmd cmd;
	unsigned count, n = 0;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);

	(void)state;
	for (unsigned i = 0; i < count; i++)
		n += (t[i].types & SCST_TYPE_DISK_BIT) && !(t[i].flags & SCST_OP_EXPLICIT_ALUA);
	rsoc(&cmd, 0x80, 0, 0);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = &cmd.buf[4 + i * 20];

		assert_int_equal(e[5] & 0x02, 0x02);             /* CTDP */
		assert_true(get_be32(&e[8 + 4]) >= 1);
		assert_true(get_be32(&e[8 + 8]) > get_be32(&e[8 + 4]));
	}
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const uint8_t *e = rsoc_entry(&cmd, want[i].opcode, want[i].sa);

		assert_non_null(e);
		assert_timeouts(&e[8], want[i].nominal, want[i].recommended);
	}
	free(cmd.buf);

	/* One-command formats: after the usage bitmap. */
	rsoc(&cmd, 0x81, 0x91, 0);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	assert_int_equal(cmd.buf[1], 0x83);                      /* CTDP, supported */
	assert_int_equal(cmd.resp_data_len, 4 + 16 + 12);
	assert_timeouts(&cmd.buf[4 + 16], 10, 120);
	free(cmd.buf);
	rsoc(&cmd, 0x82, 0x48, 0x01);
	assert_int_equal(cmd.buf[1], 0x83);
	assert_int_equal(cmd.resp_data_len, 4 + 10 + 12);
	assert_timeouts(&cmd.buf[4 + 10], 11, 82);
	free(cmd.buf);
	rsoc(&cmd, 0x83, 0x28, 0);
	assert_int_equal(cmd.resp_data_len, 4 + 10 + 12);
	assert_timeouts(&cmd.buf[4 + 10], 1, 30);
	free(cmd.buf);
	rsoc(&cmd, 0x01, 0x28, 0);                               /* no RCTD: none */
	assert_int_equal(cmd.buf[1], 0x03);
	assert_int_equal(cmd.resp_data_len, 4 + 10);
	free(cmd.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_cdbs),
		cmocka_unit_test(test_invalid_cdbs),
		cmocka_unit_test(test_block_size_scales_transfer),
		cmocka_unit_test(test_allocation_length_caps_buffer),
		cmocka_unit_test(test_last_block_is_in_range),
		cmocka_unit_test(test_no_lun_accepts_only_lun_less_opcodes),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_every_entry_is_consistent),
		cmocka_unit_test(test_rsoc_all),
		cmocka_unit_test(test_rsoc_one),
		cmocka_unit_test(test_block_erase_needs_thin),
		cmocka_unit_test(test_rsoc_timeouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
