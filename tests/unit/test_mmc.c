/* test_mmc.c - the MMC side of the core and the vcdrom handler: CDB field
 * checks of the MMC commands on a CD-ROM unit (exact sense key/ASC/ASCQ and
 * field pointer), which SBC commands a CD-ROM has, the removable medium
 * state machine (PREVENT ALLOW MEDIUM REMOVAL, START STOP UNIT, resets and
 * nexus loss), and the READ TOC / GET CONFIGURATION / GET EVENT STATUS
 * answers built by vcdrom_mmc.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/scst.h"
#include "core/scst_priv.h"
#include "handlers/vcdrom.h"
#include "handlers/vdisk_priv.h"

#define CD_BLOCKS 1000u

static struct scst_device cd;

static void setup_cd(void)
{
	memset(&cd, 0, sizeof(cd));
	cd.type = 5;
	cd.block_size = 2048;
	cd.block_shift = 11;
	cd.nblocks = CD_BLOCKS;
	cd.read_only = true;
	cd.removable = true;
	cd.medium_present = true;
}

static int parse(struct scst_cmd *cmd, const uint8_t *cdb, unsigned len)
{
	memset(cmd, 0, sizeof(*cmd));
	memcpy(cmd->cdb, cdb, len);
	cmd->cdb_len = len;
	cmd->dev = &cd;
	return scst_parse_cdb(cmd);
}

/* ---- CDB checks ---------------------------------------------------------- */

struct mmc_good {
	const char *what;
	uint8_t cdb[12];
	unsigned len;
	enum scst_data_dir dir;
	uint32_t bufflen;
};

static const struct mmc_good good[] = {
	{ "READ TOC format 0 track 1", { 0x43, 0, 0, 0, 0, 0, 1, 0, 20 }, 10, SCST_DATA_READ, 20 },
	{ "READ TOC MSF lead-out", { 0x43, 0x02, 0, 0, 0, 0, 0xaa, 0, 12 }, 10, SCST_DATA_READ, 12 },
	{ "READ TOC session info", { 0x43, 0, 1, 0, 0, 0, 0, 0, 12 }, 10, SCST_DATA_READ, 12 },
	{ "GET CONFIGURATION RT 2", { 0x46, 0x02, 0, 0x10, 0, 0, 0, 0, 64 }, 10, SCST_DATA_READ,
	  64 },
	{ "GESN polled media", { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8 }, 10, SCST_DATA_READ, 8 },
	{ "READ DISC INFORMATION", { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 }, 10, SCST_DATA_READ, 34 },
	{ "READ TRACK INFORMATION by LBA", { 0x52, 0, 0, 0, 0x03, 0xe7, 0, 0, 48 }, 10,
	  SCST_DATA_READ, 48 },
	{ "READ TRACK INFORMATION track 1", { 0x52, 0x01, 0, 0, 0, 1, 0, 0, 48 }, 10,
	  SCST_DATA_READ, 48 },
	{ "MECHANISM STATUS", { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 }, 12, SCST_DATA_READ, 8 },
	{ "READ(10) 2 blocks", { 0x28, 0, 0, 0, 0, 5, 0, 0, 2 }, 10, SCST_DATA_READ, 4096 },
	{ "READ(12) 1 block", { 0xa8, 0, 0, 0, 0, 5, 0, 0, 0, 1 }, 12, SCST_DATA_READ, 2048 },
	{ "READ CAPACITY(10)", { 0x25 }, 10, SCST_DATA_READ, 8 },
	{ "PREVENT persistent", { 0x1e, 0, 0, 0, 0x03 }, 6, SCST_DATA_NONE, 0 },
};

static void test_mmc_valid_cdbs(void **state)
{
	(void)state;
	setup_cd();
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct scst_cmd cmd;
		int rc = parse(&cmd, good[i].cdb, good[i].len);

		if (rc != 0 || cmd.data_dir != good[i].dir || cmd.bufflen != good[i].bufflen)
			fail_msg("%s: rc %d dir %d len %u", good[i].what, rc, cmd.data_dir,
				 cmd.bufflen);
	}
}

struct mmc_bad {
	const char *what;
	uint8_t cdb[16];
	unsigned len;
	uint8_t key, asc, ascq;
	int field_byte;         /* -1: no field pointer */
	int field_bit;          /* -1: no bit pointer */
};

static const struct mmc_bad bad[] = {
	{ "READ TOC format 2 (full TOC)", { 0x43, 0, 0x02, 0, 0, 0, 0, 0, 12 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, 3 },
	{ "READ TOC format 15", { 0x43, 0, 0x0f, 0, 0, 0, 0, 0, 12 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, 3 },
	{ "READ TOC track 2 does not exist", { 0x43, 0, 0, 0, 0, 0, 2, 0, 12 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 6, -1 },
	{ "READ TOC reserved bit in byte 1", { 0x43, 0x01, 0, 0, 0, 0, 0, 0, 12 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 0 },
	{ "READ TOC reserved bits in byte 2", { 0x43, 0, 0x40, 0, 0, 0, 0, 0, 12 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, 6 },
	{ "GET CONFIGURATION RT 3", { 0x46, 0x03, 0, 0, 0, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 1 },
	{ "GET CONFIGURATION reserved byte 4", { 0x46, 0, 0, 0, 0x01, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 4, 0 },
	{ "GESN asynchronous", { 0x4a, 0x00, 0, 0, 0x10, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 0 },
	{ "GESN reserved bit in byte 1", { 0x4a, 0x21, 0, 0, 0x10, 0, 0, 0, 8 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 5 },
	{ "READ DISC INFORMATION type 1", { 0x51, 0x01, 0, 0, 0, 0, 0, 0, 34 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 2 },
	{ "READ DISC INFORMATION type 4", { 0x51, 0x04, 0, 0, 0, 0, 0, 0, 34 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 2 },
	{ "READ TRACK INFORMATION type 3", { 0x52, 0x03, 0, 0, 0, 1, 0, 0, 48 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 1, 1 },
	{ "READ TRACK INFORMATION track 2", { 0x52, 0x01, 0, 0, 0, 2, 0, 0, 48 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, -1 },
	{ "READ TRACK INFORMATION invisible track", { 0x52, 0x01, 0xff, 0xff, 0xff, 0xff, 0, 0,
	  48 }, 10, SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, -1 },
	{ "READ TRACK INFORMATION session 0", { 0x52, 0x02, 0, 0, 0, 0, 0, 0, 48 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, -1 },
	{ "READ TRACK INFORMATION reserved byte 6", { 0x52, 0, 0, 0, 0, 0, 0x01, 0, 48 }, 10,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 6, 0 },
	{ "MECHANISM STATUS reserved byte 2", { 0xbd, 0, 0x80, 0, 0, 0, 0, 0, 0, 8 }, 12,
	  SK_ILLEGAL_REQUEST, 0x24, 0x00, 2, 7 },
	{ "READ(10) past the medium", { 0x28, 0, 0, 0, 0x03, 0xe8, 0, 0, 1 }, 10,
	  SK_ILLEGAL_REQUEST, 0x21, 0x00, -1, -1 },
	{ "READ(16) is no MMC command", { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16,
	  SK_ILLEGAL_REQUEST, 0x20, 0x00, -1, -1 },
	{ "READ CAPACITY(16) is no MMC command", { 0x9e, 0x10 }, 16,
	  SK_ILLEGAL_REQUEST, 0x20, 0x00, -1, -1 },
	{ "WRITE SAME(10) is no MMC command", { 0x41, 0, 0, 0, 0, 0, 0, 0, 1 }, 10,
	  SK_ILLEGAL_REQUEST, 0x20, 0x00, -1, -1 },
};

static void assert_sense(const char *what, const struct scst_cmd *cmd, uint8_t key, uint8_t asc,
			 uint8_t ascq)
{
	if (cmd->status != SAM_STAT_CHECK_CONDITION || cmd->sense[0] != 0x70 ||
	    (cmd->sense[2] & 0x0f) != key || cmd->sense[12] != asc || cmd->sense[13] != ascq)
		fail_msg("%s: status %u sense %x/%02x/%02x", what, cmd->status,
			 cmd->sense[2] & 0x0f, cmd->sense[12], cmd->sense[13]);
}

static void assert_field(const char *what, const struct scst_cmd *cmd, int byte, int bit)
{
	if (byte < 0)
		return;
	if ((cmd->sense[15] & 0xc0) != 0xc0 || cmd->sense[17] != byte)
		fail_msg("%s: field pointer %02x %02x %02x", what, cmd->sense[15], cmd->sense[16],
			 cmd->sense[17]);
	if (bit < 0)
		assert_int_equal(cmd->sense[15] & 0x08, 0);
	else if ((cmd->sense[15] & 0x0f) != (0x08 | bit))
		fail_msg("%s: bit pointer %02x", what, cmd->sense[15]);
}

static void test_mmc_invalid_cdbs(void **state)
{
	(void)state;
	setup_cd();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scst_cmd cmd;
		int rc = parse(&cmd, bad[i].cdb, bad[i].len);

		if (rc != -1)
			fail_msg("%s: accepted", bad[i].what);
		assert_sense(bad[i].what, &cmd, bad[i].key, bad[i].asc, bad[i].ascq);
		assert_field(bad[i].what, &cmd, bad[i].field_byte, bad[i].field_bit);
	}
}

/* Writes exist for a CD-ROM only to be refused by the read-only check; the
 * queries that poll the drive are not blocked by a UA. */
static void test_mmc_flags(void **state)
{
	static const uint8_t write10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t gesn[10] = { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8 };
	static const uint8_t toc[10] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 12 };
	struct scst_cmd cmd;

	(void)state;
	setup_cd();
	assert_int_equal(parse(&cmd, write10, 10), 0);
	assert_true(cmd.op->flags & SCST_OP_WRITE_MEDIUM);
	assert_int_equal(parse(&cmd, gesn, 10), 0);
	assert_true(cmd.op->flags & SCST_OP_UA_EXEMPT);
	assert_false(cmd.op->flags & SCST_OP_MEDIUM_ACCESS);
	assert_int_equal(parse(&cmd, toc, 10), 0);
	assert_true(cmd.op->flags & SCST_OP_MEDIUM_ACCESS);
	/* Without a medium a READ is not "out of range": the check step
	 * reports MEDIUM NOT PRESENT instead. */
	cd.medium_missing = true;
	cd.medium_present = false;
	cd.nblocks = 0;
	static const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1 };
	assert_int_equal(parse(&cmd, read10, 10), 0);
}

/* ---- the removable medium -------------------------------------------------- */

static struct scst_tgt_dev nexus[2];

static void setup_removable(uint8_t type, bool removable)
{
	setup_cd();
	cd.type = type;
	cd.removable = removable;
	pthread_mutex_init(&cd.lock, NULL);
	list_init(&cd.tgt_devs);
	for (int i = 0; i < 2; i++) {
		memset(&nexus[i], 0, sizeof(nexus[i]));
		nexus[i].dev = &cd;
		list_init(&nexus[i].uas);
		list_add_tail(&nexus[i].dev_node, &cd.tgt_devs);
	}
}

static void teardown_removable(void)
{
	for (int i = 0; i < 2; i++)
		scst_tgt_dev_clear_uas(&nexus[i]);
	pthread_mutex_destroy(&cd.lock);
}

/* Runs START STOP UNIT (0x1b) or PREVENT (0x1e) with byte 4 = b4 from a
 * nexus; the command's status. */
static struct scst_cmd run(int from, uint8_t opcode, uint8_t b4)
{
	struct scst_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.cdb[0] = opcode;
	cmd.cdb[4] = b4;
	cmd.cdb_len = 6;
	cmd.dev = &cd;
	cmd.tgt_dev = &nexus[from];
	if (opcode == 0x1b)
		scst_medium_start_stop(&cmd);
	else
		scst_medium_prevent_allow(&cmd);
	return cmd;
}

#define EJECT 0x02
#define LOAD  0x03

static void test_prevent_blocks_eject_and_load(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	setup_removable(0, true);
	assert_int_equal(run(0, 0x1e, 1).status, SAM_STAT_GOOD);
	cmd = run(1, 0x1b, EJECT);                 /* another nexus is locked out too */
	assert_sense("eject while prevented", &cmd, SK_ILLEGAL_REQUEST, 0x53, 0x02);
	assert_true(cd.medium_present);
	assert_int_equal(run(0, 0x1e, 0).status, SAM_STAT_GOOD);
	assert_int_equal(run(1, 0x1b, EJECT).status, SAM_STAT_GOOD);
	assert_false(cd.medium_present);
	assert_int_equal(run(0, 0x1e, 1).status, SAM_STAT_GOOD);
	cmd = run(0, 0x1b, LOAD);
	assert_sense("load while prevented", &cmd, SK_ILLEGAL_REQUEST, 0x53, 0x02);
	assert_false(cd.medium_present);
	assert_int_equal(run(0, 0x1e, 0).status, SAM_STAT_GOOD);
	assert_int_equal(run(1, 0x1b, LOAD).status, SAM_STAT_GOOD);
	assert_true(cd.medium_present);
	/* The loading nexus knows; the other one learns of the change. */
	assert_false(nexus[1].ua_pending);
	assert_true(nexus[0].ua_pending);
	teardown_removable();
}

static void test_start_stop_without_loej_or_with_power_condition(void **state)
{
	(void)state;
	setup_removable(0, true);
	assert_int_equal(run(0, 0x1b, 0x00).status, SAM_STAT_GOOD);     /* STOP */
	assert_true(cd.medium_present);
	assert_int_equal(run(0, 0x1b, 0x30 | EJECT).status, SAM_STAT_GOOD);
	assert_true(cd.medium_present);
	teardown_removable();
}

static void test_non_removable_follows_sbc(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	setup_removable(0, false);
	assert_int_equal(run(0, 0x1e, 1).status, SAM_STAT_GOOD);
	assert_int_equal(cd.prevent_count, 0);
	assert_int_equal(run(0, 0x1b, EJECT).status, SAM_STAT_GOOD);
	assert_true(cd.medium_present);
	/* SBC-3 made PREVENT 10b/11b obsolete; MMC's persistent prevent. */
	cmd = run(0, 0x1e, 2);
	assert_sense("PREVENT 2 on a disk", &cmd, SK_ILLEGAL_REQUEST, 0x24, 0x00);
	assert_field("PREVENT 2 on a disk", &cmd, 4, 1);
	teardown_removable();
	setup_removable(5, true);
	assert_int_equal(run(0, 0x1e, 3).status, SAM_STAT_GOOD);
	assert_int_equal(cd.prevent_count, 1);
	teardown_removable();
}

static void test_reset_and_nexus_loss_lift_prevent(void **state)
{
	(void)state;
	setup_removable(0, true);
	run(0, 0x1e, 1);
	run(1, 0x1e, 1);
	run(1, 0x1e, 1);                           /* twice from one nexus counts once */
	assert_int_equal(cd.prevent_count, 2);
	scst_medium_nexus_gone(&nexus[0]);
	assert_int_equal(cd.prevent_count, 1);
	assert_true(scst_medium_removal_prevented(&cd));
	scst_medium_reset(&cd);
	assert_int_equal(cd.prevent_count, 0);
	assert_int_equal(run(0, 0x1b, EJECT).status, SAM_STAT_GOOD);
	teardown_removable();
}

static void test_insert_raises_medium_changed_ua(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	setup_removable(5, true);
	scst_medium_set_inserted(&cd, false);
	assert_false(cd.medium_present);
	assert_false(nexus[0].ua_pending);
	scst_medium_set_inserted(&cd, true);
	assert_true(cd.medium_present);
	memset(&cmd, 0, sizeof(cmd));
	assert_true(scst_tgt_dev_pop_ua(&nexus[1], &cmd));
	assert_sense("UA after insert", &cmd, SK_UNIT_ATTENTION, 0x28, 0x00);
	/* Swapping one medium for another is a change as well. */
	scst_medium_set_inserted(&cd, true);
	memset(&cmd, 0, sizeof(cmd));
	assert_true(scst_tgt_dev_pop_ua(&nexus[1], &cmd));
	assert_false(scst_tgt_dev_pop_ua(&nexus[1], &cmd));
	teardown_removable();
}

/* ---- the answers ----------------------------------------------------------- */

static uint8_t answer_buf[256];

static void prepare_answer(struct scst_cmd *cmd, const uint8_t *cdb, unsigned len)
{
	assert_int_equal(parse(cmd, cdb, len), 0);
	memset(answer_buf, 0xee, sizeof(answer_buf));
	cmd->buf = answer_buf;
	cmd->buf_size = sizeof(answer_buf);
}

static void test_read_toc_answer(void **state)
{
	static const uint8_t lba[10] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 20 };
	static const uint8_t lead_out_msf[10] = { 0x43, 0x02, 0, 0, 0, 0, 0xaa, 0, 12 };
	static const uint8_t want_lba[20] = { 0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0,
					      0, 0x14, 0xaa, 0, 0, 0, 0x03, 0xe8 };
	/* 1000 + 150 frames = 0 min 15 s 25 frames. */
	static const uint8_t want_msf[12] = { 0, 10, 1, 1, 0, 0x14, 0xaa, 0, 0, 0, 15, 25 };
	struct scst_cmd cmd;

	(void)state;
	setup_cd();
	prepare_answer(&cmd, lba, 10);
	vcdrom_read_toc(&cmd);
	assert_int_equal(cmd.resp_data_len, 20);
	assert_memory_equal(answer_buf, want_lba, 20);
	prepare_answer(&cmd, lead_out_msf, 10);
	vcdrom_read_toc(&cmd);
	assert_int_equal(cmd.resp_data_len, 12);
	assert_memory_equal(answer_buf, want_msf, 12);
}

static void test_get_configuration_answer(void **state)
{
	static const uint8_t one[10] = { 0x46, 0x02, 0, 0x03, 0, 0, 0, 0, 64 };
	static const uint8_t all_from_0x10[10] = { 0x46, 0x00, 0, 0x10, 0, 0, 0, 0, 64 };
	struct scst_cmd cmd;

	(void)state;
	setup_cd();
	prepare_answer(&cmd, one, 10);
	vcdrom_get_configuration(&cmd);
	/* Header (current profile CD-ROM) and the Removable Medium feature. */
	assert_int_equal(cmd.resp_data_len, 16);
	assert_int_equal(answer_buf[3], 12);
	assert_int_equal(answer_buf[7], 0x08);
	assert_int_equal(answer_buf[9], 0x03);
	assert_int_equal(answer_buf[12] >> 5, 1);  /* tray loading mechanism */
	prepare_answer(&cmd, all_from_0x10, 10);
	vcdrom_get_configuration(&cmd);
	/* Random Readable (12), CD Read (4), DVD Read (4). */
	assert_int_equal(cmd.resp_data_len, 8 + 12 + 4 + 4);
	assert_int_equal(answer_buf[9], 0x10);
	assert_int_equal(answer_buf[10] & 0x01, 1);
	assert_int_equal(answer_buf[21], 0x1e);
	assert_int_equal(answer_buf[25], 0x1f);
	assert_int_equal(answer_buf[26] & 0x01, 0); /* a CD is not a current DVD */
}

static void test_read_track_info_answer(void **state)
{
	static const uint8_t last[10] = { 0x52, 0, 0, 0, 0x03, 0xe7, 0, 0, 48 };
	static const uint8_t past[10] = { 0x52, 0, 0, 0, 0x03, 0xe8, 0, 0, 48 };
	struct scst_cmd cmd;

	(void)state;
	setup_cd();
	prepare_answer(&cmd, last, 10);
	vcdrom_read_track_info(&cmd);
	assert_int_equal(cmd.resp_data_len, 48);
	assert_int_equal(answer_buf[1], 46);
	assert_int_equal(answer_buf[2], 1);
	assert_int_equal(answer_buf[5] & 0x0f, 4);
	assert_int_equal(answer_buf[27], CD_BLOCKS & 0xff);      /* track size */
	assert_int_equal(answer_buf[31], (CD_BLOCKS - 1) & 0xff);
	prepare_answer(&cmd, past, 10);
	vcdrom_read_track_info(&cmd);
	assert_sense("READ TRACK INFORMATION past the medium", &cmd, SK_ILLEGAL_REQUEST, 0x21,
		     0x00);
}

static void test_gesn_reports_each_change_once(void **state)
{
	static const uint8_t gesn[10] = { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8 };
	static const uint8_t other_class[10] = { 0x4a, 0x01, 0, 0, 0x04, 0, 0, 0, 8 };
	struct vcdrom_state st = { .reported_present = true };
	struct vdisk_dev vd = { .handler_priv = &st };
	struct scst_cmd cmd;

	(void)state;
	setup_removable(5, true);
	cd.dh_priv = &vd;
	prepare_answer(&cmd, gesn, 10);
	vcdrom_get_event_status(&cmd);
	assert_int_equal(answer_buf[4], 0);        /* no change */
	assert_int_equal(answer_buf[5], 0x02);     /* present */
	scst_medium_set_inserted(&cd, false);
	vcdrom_get_event_status(&cmd);
	assert_int_equal(answer_buf[4], 3);        /* media removal */
	assert_int_equal(answer_buf[5], 0x00);
	vcdrom_get_event_status(&cmd);
	assert_int_equal(answer_buf[4], 0);
	scst_medium_set_inserted(&cd, true);
	vcdrom_get_event_status(&cmd);
	assert_int_equal(answer_buf[4], 2);        /* new media */
	prepare_answer(&cmd, other_class, 10);
	vcdrom_get_event_status(&cmd);
	assert_int_equal(cmd.resp_data_len, 4);
	assert_int_equal(answer_buf[2], 0x80);     /* NEA */
	assert_int_equal(answer_buf[3], 0x10);     /* media class supported */
	teardown_removable();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmc_valid_cdbs),
		cmocka_unit_test(test_mmc_invalid_cdbs),
		cmocka_unit_test(test_mmc_flags),
		cmocka_unit_test(test_prevent_blocks_eject_and_load),
		cmocka_unit_test(test_start_stop_without_loej_or_with_power_condition),
		cmocka_unit_test(test_non_removable_follows_sbc),
		cmocka_unit_test(test_reset_and_nexus_loss_lift_prevent),
		cmocka_unit_test(test_insert_raises_medium_changed_ua),
		cmocka_unit_test(test_read_toc_answer),
		cmocka_unit_test(test_get_configuration_answer),
		cmocka_unit_test(test_read_track_info_answer),
		cmocka_unit_test(test_gesn_reports_each_change_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
