/* test_passthru.c - CDB decoding for pass-through devices (dev_disk,
 * dev_tape, dev_changer, ...): data direction and transfer length per
 * device type, as written in SSC-3 (tape), SMC-3 (changer), SPC-4
 * (processor, common commands) and MMC-6 (CD/DVD); the device's own checks
 * left to it (no LBA range or reserved-bit refusal by scstd); the device's
 * transfer limit; the tape block size following MODE SELECT; and the
 * H:C:I:L names and sysfs lookup of the handlers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/scst.h"
#include "handlers/dev_pass.h"

static struct scst_device dev;

static void setup(int type, uint32_t block_size)
{
	memset(&dev, 0, sizeof(dev));
	dev.type = type;
	dev.passthrough = true;
	dev.medium_present = true;
	dev.block_size = block_size;
	dev.block_shift = block_size ? (unsigned)__builtin_ctz(block_size) : 0;
	dev.nblocks = 1000;
}

static int parse(struct scst_cmd *cmd, const uint8_t *cdb, unsigned len)
{
	memset(cmd, 0, sizeof(*cmd));
	memcpy(cmd->cdb, cdb, len);
	cmd->cdb_len = len;
	cmd->dev = &dev;
	return scst_parse_cdb(cmd);
}

struct pt_case {
	const char *what;
	int type;
	uint32_t block_size;
	uint8_t cdb[16];
	unsigned len;
	enum scst_data_dir dir;
	uint32_t bufflen;
};

#define N SCST_DATA_NONE
#define I SCST_DATA_READ
#define O SCST_DATA_WRITE

static const struct pt_case cases[] = {
	/* SSC-3 6.x: READ(6)/WRITE(6) byte 1 bit 0 FIXED; TRANSFER LENGTH
	 * bytes 2-4 in blocks (FIXED=1) or bytes (FIXED=0). */
	{ "tape READ6 fixed 3 blocks", 1, 1024, { 0x08, 0x01, 0, 0, 3 }, 6, I, 3072 },
	{ "tape READ6 variable 70000 bytes", 1, 1024, { 0x08, 0x00, 0x01, 0x11, 0x70 }, 6, I, 70000 },
	{ "tape READ6 SILI variable", 1, 512, { 0x08, 0x02, 0, 0x10, 0 }, 6, I, 4096 },
	{ "tape WRITE6 fixed 2 blocks", 1, 512, { 0x0a, 0x01, 0, 0, 2 }, 6, O, 1024 },
	{ "tape WRITE6 variable 10 bytes", 1, 512, { 0x0a, 0x00, 0, 0, 10 }, 6, O, 10 },
	{ "tape READ REVERSE6 fixed", 1, 256, { 0x0f, 0x01, 0, 0, 4 }, 6, I, 1024 },
	{ "tape VERIFY6 no BYTCMP", 1, 512, { 0x13, 0x01, 0, 0, 9 }, 6, N, 0 },
	{ "tape VERIFY6 BYTCMP fixed", 1, 512, { 0x13, 0x03, 0, 0, 2 }, 6, O, 1024 },
	{ "tape WRITE FILEMARKS6", 1, 512, { 0x10, 0, 0, 0, 5 }, 6, N, 0 },
	{ "tape SPACE6 blocks", 1, 512, { 0x11, 0x00, 0xff, 0xff, 0xfe }, 6, N, 0 },
	{ "tape SPACE6 filemarks", 1, 512, { 0x11, 0x01, 0, 0, 1 }, 6, N, 0 },
	{ "tape SPACE16", 1, 512, { 0x91, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 16, N, 0 },
	{ "tape REWIND", 1, 512, { 0x01 }, 6, N, 0 },
	{ "tape ERASE6 long", 1, 512, { 0x19, 0x01 }, 6, N, 0 },
	{ "tape LOAD UNLOAD", 1, 512, { 0x1b, 0, 0, 0, 0x01, 0 }, 6, N, 0 },
	{ "tape LOCATE10", 1, 512, { 0x2b, 0, 0, 0, 0, 0x10 }, 10, N, 0 },
	{ "tape READ BLOCK LIMITS", 1, 512, { 0x05 }, 6, I, 6 },
	{ "tape READ BLOCK LIMITS MLOC", 1, 512, { 0x05, 0x01 }, 6, I, 20 },
	{ "tape READ POSITION short", 1, 512, { 0x34, 0x00 }, 10, I, 20 },
	{ "tape READ POSITION long", 1, 512, { 0x34, 0x06 }, 10, I, 32 },
	{ "tape READ POSITION extended", 1, 512, { 0x34, 0x08, 0, 0, 0, 0, 0, 0, 28 }, 10, I, 28 },
	{ "tape REPORT DENSITY SUPPORT", 1, 512, { 0x44, 0, 0, 0, 0, 0, 0, 0x01, 0x00 }, 10, I, 256 },
	{ "tape MODE SENSE6", 1, 512, { 0x1a, 0, 0x3f, 0, 12 }, 6, I, 12 },
	{ "tape FORMAT MEDIUM", 1, 512, { 0x04, 0, 0, 0, 0 }, 6, N, 0 },
	/* SMC-3: READ ELEMENT STATUS ALLOCATION LENGTH bytes 7-9; MOVE
	 * MEDIUM, EXCHANGE MEDIUM, INITIALIZE ELEMENT STATUS (WITH RANGE)
	 * and POSITION TO ELEMENT move no data. */
	{ "changer READ ELEMENT STATUS", 8, 0,
	  { 0xb8, 0x10, 0, 0, 0, 10, 0, 0x01, 0x00, 0x08 }, 12, I, 65544 },
	{ "changer MOVE MEDIUM", 8, 0, { 0xa5, 0, 0, 0, 0, 0x10, 0, 0x20 }, 12, N, 0 },
	{ "changer EXCHANGE MEDIUM", 8, 0, { 0xa6, 0, 0, 0, 0, 1, 0, 2, 0, 3 }, 12, N, 0 },
	{ "changer INITIALIZE ELEMENT STATUS", 8, 0, { 0x07 }, 6, N, 0 },
	{ "changer INIT ELEMENT STATUS WITH RANGE", 8, 0, { 0x37, 0x01, 0, 1, 0, 0, 0, 5 }, 10, N, 0 },
	{ "changer POSITION TO ELEMENT", 8, 0, { 0x2b, 0, 0, 1, 0, 2 }, 10, N, 0 },
	{ "changer INQUIRY", 8, 0, { 0x12, 0, 0, 0, 96 }, 6, I, 96 },
	/* SMC-3 REQUEST VOLUME ELEMENT ADDRESS (B5h, where SPC-4 has
	 * SECURITY PROTOCOL OUT for other types): data in, ALLOCATION
	 * LENGTH bytes 7-9; SEND VOLUME TAG (B6h): data out, PARAMETER LIST
	 * LENGTH bytes 8-9 (a 40-byte volume identification template). */
	{ "changer REQUEST VOLUME ELEMENT ADDRESS", 8, 0,
	  { 0xb5, 0x12, 0x10, 0x00, 0, 4, 0, 0x01, 0x00, 0x40 }, 12, I, 65600 },
	{ "changer SEND VOLUME TAG", 8, 0, { 0xb6, 0x02, 0x10, 0x00, 0, 0x05, 0, 0, 0, 40 }, 12, O, 40 },
	{ "changer READ ELEMENT STATUS all 3 length bytes", 8, 0,
	  { 0xb8, 0x10, 0, 0, 0xff, 0xff, 0, 0x01, 0x00, 0x00 }, 12, I, 65536 },
	{ "tape SECURITY PROTOCOL OUT", 1, 512, { 0xb5, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x30 }, 12, O, 48 },
	/* SPC-4 processor: RECEIVE / SEND TRANSFER LENGTH bytes 2-4. */
	{ "processor RECEIVE", 3, 0, { 0x08, 0, 0x00, 0x02, 0x00 }, 6, I, 512 },
	{ "processor SEND", 3, 0, { 0x0a, 0, 0x01, 0x00, 0x00 }, 6, O, 65536 },
	/* SPC-4 common: RECEIVE DIAGNOSTIC RESULTS / SEND DIAGNOSTIC bytes
	 * 3-4, LOG SELECT/SENSE bytes 7-8, READ/WRITE BUFFER bytes 6-8,
	 * READ ATTRIBUTE bytes 10-13, SECURITY PROTOCOL IN bytes 6-9. */
	{ "RECEIVE DIAGNOSTIC", 8, 0, { 0x1c, 0x01, 0x00, 0x01, 0x00 }, 6, I, 256 },
	{ "SEND DIAGNOSTIC selftest", 1, 512, { 0x1d, 0x04 }, 6, N, 0 },
	{ "SEND DIAGNOSTIC page", 0x0c, 0, { 0x1d, 0x10, 0, 0, 8 }, 6, O, 8 },
	{ "LOG SENSE tape", 1, 512, { 0x4d, 0, 0x40, 0, 0, 0, 0, 0x02, 0x00 }, 10, I, 512 },
	{ "LOG SELECT tape", 1, 512, { 0x4c, 0x02, 0xc0, 0, 0, 0, 0, 0, 0 }, 10, N, 0 },
	{ "READ BUFFER disk mode 0", 0, 512, { 0x3c, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00 }, 10, I, 4096 },
	{ "WRITE BUFFER microcode", 0, 512, { 0x3b, 0x05, 0, 0, 0, 0, 0x00, 0x02, 0x00 }, 10, O, 512 },
	{ "READ ATTRIBUTE tape", 1, 512,
	  { 0x8c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0, 0 }, 16, I, 4096 },
	{ "SECURITY PROTOCOL IN", 1, 512, { 0xa2, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00 }, 12, I, 512 },
	{ "RAID REPORT SUPPORTED OPCODES", 0x0c, 0, { 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0x40 }, 12, I, 64 },
	/* MMC-6 on a real drive: READ(10) counts 2048-byte blocks, READ CD
	 * at most 2352 + 296 + 96 bytes per sector. */
	{ "cdrom READ10", 5, 2048, { 0x28, 0, 0, 0, 0, 16, 0, 0, 4 }, 10, I, 8192 },
	{ "cdrom READ CD", 5, 2048, { 0xbe, 0, 0, 0, 0, 0, 0, 0, 2, 0x10 }, 12, I, 2 * 2744 },
	{ "cdrom READ DISC STRUCTURE", 5, 2048, { 0xad, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x04 }, 12, I, 2052 },
	{ "cdrom READ SUB-CHANNEL", 5, 2048, { 0x42, 0x02, 0x40, 0x01, 0, 0, 0, 0, 24 }, 10, I, 24 },
	/* A pass-through disk: the SBC lengths of the main table. */
	{ "disk READ16", 0, 4096, { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3 }, 16, I, 12288 },
	{ "disk SYNCHRONIZE CACHE16", 0, 512, { 0x91 }, 16, N, 0 },
	{ "optical ERASE10", 7, 2048, { 0x2c, 0, 0, 0, 0, 1, 0, 0, 8 }, 10, N, 0 },
	{ "optical READ10", 7, 2048, { 0x28, 0, 0, 0, 0, 1, 0, 0, 8 }, 10, I, 16384 },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pt_case *c = &cases[i];
		struct scst_cmd cmd;

		setup(c->type, c->block_size);
		if (parse(&cmd, c->cdb, c->len) != 0)
			fail_msg("%s: refused (sense %02x/%02x)", c->what, cmd.sense[2], cmd.sense[12]);
		if (cmd.data_dir != c->dir || cmd.bufflen != c->bufflen)
			fail_msg("%s: dir %d len %u, want dir %d len %u", c->what, cmd.data_dir,
				 cmd.bufflen, c->dir, c->bufflen);
	}
}

/* The device judges its own LBAs and reserved bits: a READ past the
 * capacity scstd read at attach, or with a bit the main table refuses,
 * still goes to the device (which may have grown, or support it). */
static void test_device_checks_its_own_fields(void **state)
{
	static const uint8_t past_end[10] = { 0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0 };
	static const uint8_t odd_bit[10] = { 0x28, 0x04, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct scst_cmd cmd;

	(void)state;
	setup(0, 512);
	assert_int_equal(parse(&cmd, past_end, 10), 0);
	assert_int_equal(cmd.bufflen, 512);
	assert_int_equal(parse(&cmd, odd_bit, 10), 0);
	dev.passthrough = false;
	assert_int_not_equal(parse(&cmd, past_end, 10), 0);
	assert_int_not_equal(parse(&cmd, odd_bit, 10), 0);
}

/* WRITE SAME with zero blocks (to the end of the medium) is the device's
 * to bound by its own Block Limits: scstd's cap for vdisk does not apply
 * (libiscsi WriteSame10.ZeroBlocks on scsi_debug). */
static void test_write_same_to_end_goes_to_device(void **state)
{
	static const uint8_t ws10[10] = { 0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct scst_cmd cmd;

	(void)state;
	setup(0, 512);
	dev.nblocks = 1ull << 30;
	assert_int_equal(parse(&cmd, ws10, 10), 0);
	assert_int_equal(cmd.data_dir, SCST_DATA_WRITE);
	assert_int_equal(cmd.bufflen, 512);
}

/* A transfer beyond the device's own limit that cannot be cut (a tape
 * block) is refused before it is sent (sg would fail it); allocation
 * lengths are clipped to it; a block READ/WRITE is let through, to go in
 * pieces. */
static void test_device_transfer_limit(void **state)
{
	static const uint8_t tape_write[6] = { 0x0a, 0x01, 0, 0, 129, 0 };
	static const uint8_t write10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 129, 0 };
	static const uint8_t res[12] = { 0xb8, 0, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0xff };
	struct scst_cmd cmd;

	(void)state;
	setup(1, 512);
	dev.max_xfer_bytes = 64 * 1024;
	assert_int_not_equal(parse(&cmd, tape_write, 6), 0);
	assert_int_equal(cmd.sense[2] & 0xf, SK_ILLEGAL_REQUEST);
	assert_int_equal(cmd.sense[12], 0x24);
	setup(0, 512);
	dev.max_xfer_bytes = 64 * 1024;
	assert_int_equal(parse(&cmd, write10, 10), 0);
	assert_int_equal(cmd.bufflen, 129 * 512);
	assert_true(pt_splits(&cmd));
	setup(8, 0);
	dev.max_xfer_bytes = 64 * 1024;
	assert_int_equal(parse(&cmd, res, 12), 0);
	assert_int_equal(cmd.bufflen, 64 * 1024);
	assert_false(pt_splits(&cmd));
}

/* The pieces of a split READ: the same CDB with the piece's LBA and block
 * count in the fields SBC-3 gives them (READ(10): LBA 2-5, count 7-8;
 * READ(16): LBA 2-9, count 10-13; READ(12): LBA 2-5, count 6-9). */
static void test_piece_cdbs(void **state)
{
	static const uint8_t read10[10] = { 0x28, 0x08, 0, 0, 0x01, 0x00, 0, 0x04, 0x00, 0 };
	static const uint8_t read16[16] = { 0x88, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
	static const uint8_t read12[12] = { 0xa8, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x40, 0, 0 };
	uint8_t cdb[16];
	struct scst_cmd cmd;

	(void)state;
	setup(5, 2048);
	assert_int_equal(parse(&cmd, read10, 10), 0);
	pt_piece_cdb(&cmd, 512 * 2048, 256 * 2048, cdb);
	assert_int_equal(cdb[0], 0x28);
	assert_int_equal(cdb[1], 0x08);
	assert_memory_equal(cdb + 2, ((uint8_t[]){ 0, 0, 0x03, 0x00 }), 4);
	assert_memory_equal(cdb + 7, ((uint8_t[]){ 0x01, 0x00 }), 2);
	setup(0, 512);
	assert_int_equal(parse(&cmd, read16, 16), 0);
	pt_piece_cdb(&cmd, 1024 * 512, 128 * 512, cdb);
	assert_memory_equal(cdb + 2, ((uint8_t[]){ 0, 0, 0, 1, 0, 0, 0x04, 0x00 }), 8);
	assert_memory_equal(cdb + 10, ((uint8_t[]){ 0, 0, 0, 128 }), 4);
	assert_int_equal(parse(&cmd, read12, 12), 0);
	pt_piece_cdb(&cmd, 0x20 * 512, 0x10 * 512, cdb);
	assert_memory_equal(cdb + 2, ((uint8_t[]){ 0, 0, 0, 0x30 }), 4);
	assert_memory_equal(cdb + 6, ((uint8_t[]){ 0, 0, 0, 0x10 }), 4);
}

/* An opcode no table knows for the type is INVALID COMMAND OPERATION
 * CODE (5/20/00), and a type's opcode means nothing on another type. */
static void test_unknown_opcodes(void **state)
{
	static const uint8_t move_medium[12] = { 0xa5 };
	static const uint8_t vendor[6] = { 0xc0 };
	struct scst_cmd cmd;

	(void)state;
	setup(0, 512);
	assert_int_not_equal(parse(&cmd, move_medium, 12), 0);
	assert_int_equal(cmd.sense[12], 0x20);
	setup(1, 512);
	assert_int_not_equal(parse(&cmd, vendor, 6), 0);
	assert_int_equal(cmd.sense[2] & 0xf, SK_ILLEGAL_REQUEST);
	assert_int_equal(cmd.sense[12], 0x20);
}

/* MODE SELECT(6) with a block descriptor sets the tape's block size
 * (SPC-4 mode parameter header: byte 3 block descriptor length; short
 * block descriptor bytes 5-7 BLOCK LENGTH), which FIXED transfers use. */
static void test_tape_block_size_follows_mode_select(void **state)
{
	static const uint8_t mode_select[6] = { 0x15, 0x10, 0, 0, 12, 0 };
	static const uint8_t read_fixed[6] = { 0x08, 0x01, 0, 0, 2, 0 };
	uint8_t data[12] = { 0, 0, 0x10, 8, 0x00, 0, 0, 0, 0, 0x00, 0x80, 0x00 };
	struct scst_cmd cmd;

	(void)state;
	setup(1, 512);
	assert_int_equal(parse(&cmd, mode_select, 6), 0);
	cmd.buf = data;
	pt_cmd_succeeded(&cmd);
	assert_int_equal(dev.block_size, 0x8000);
	assert_int_equal(parse(&cmd, read_fixed, 6), 0);
	assert_int_equal(cmd.bufflen, 0x10000);
}

static void test_hctl_names(void **state)
{
	unsigned h[4];

	(void)state;
	assert_true(pt_parse_hctl("2:0:1:3", h));
	assert_int_equal(h[0], 2);
	assert_int_equal(h[2], 1);
	assert_int_equal(h[3], 3);
	assert_false(pt_parse_hctl("2:0:1", h));
	assert_false(pt_parse_hctl("2:0:1:3:4", h));
	assert_false(pt_parse_hctl("2:0:1:x", h));
	assert_false(pt_parse_hctl(" 2:0:1:3", h));
	assert_false(pt_parse_hctl("2:0:-1:3", h));
	assert_false(pt_parse_hctl("2:0:+1:3", h));
	assert_false(pt_parse_hctl("disk1", h));
	assert_false(pt_parse_hctl("", h));
}

/* The sysfs layout of a SCSI device (Documentation/ABI: scsi_device,
 * scsi_generic), laid out under a directory of our own. */
static void test_sysfs_lookup(void **state)
{
	char root[] = "/tmp/test_passthru.XXXXXX", p[512], path[64], err[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "mkdir -p %s/class/scsi_device/1:0:0:0/device/scsi_generic/sg3",
		 root);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof(p), "%s/class/scsi_device/1:0:0:0/device/type", root);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("8\n", f);
	fclose(f);
	assert_int_equal(pt_find_sg(root, "1:0:0:0", path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/dev/sg3");
	assert_int_equal(pt_sysfs_type(root, "1:0:0:0"), 8);
	assert_int_equal(pt_find_sg(root, "1:0:0:1", path, sizeof(path), err, sizeof(err)),
			 -ENODEV);
	assert_non_null(strstr(err, "1:0:0:1"));
	assert_true(pt_sysfs_type(root, "1:0:0:1") < 0);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_device_checks_its_own_fields),
		cmocka_unit_test(test_device_transfer_limit),
		cmocka_unit_test(test_write_same_to_end_goes_to_device),
		cmocka_unit_test(test_piece_cdbs),
		cmocka_unit_test(test_unknown_opcodes),
		cmocka_unit_test(test_tape_block_size_follows_mode_select),
		cmocka_unit_test(test_hctl_names),
		cmocka_unit_test(test_sysfs_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
