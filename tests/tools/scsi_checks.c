/* scsi_checks.c - SCSI-level checks of one LUN through libiscsi's
 * synchronous API: status and sense for bad commands, REPORT LUNS, the
 * caching mode page, data integrity, SYNCHRONIZE CACHE, unknown LUNs.
 * Prints one TAP line per check ("ok - sense: NAME" / "not ok - ...").
 *
 *   scsi_checks [-L 0,1] [-u 5] [-w] iscsi://HOST:PORT/IQN/LUN [CHECK...]
 *
 * -L  the exact LUN list REPORT LUNS must return (default 0,1)
 * -u  a LUN that does not exist (default 5)
 * -w  allow the write-read check (it overwrites 64 KiB of the LUN)
 * Without CHECK names every check runs.  Exit status 1 if any failed. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

struct ctx {
	struct iscsi_context *iscsi;
	int lun;
	int unknown_lun;
	int allow_write;
	const char *expected_luns;
	uint64_t blocks;
	uint32_t block_size;
	int failed;
};

static void report(struct ctx *c, int good, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - sense: %s", good ? "ok" : "not ok", name);
	if (!good) {
		c->failed++;
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
}

static const char *task_str(struct iscsi_context *iscsi, struct scsi_task *t, char *buf, size_t len)
{
	if (!t)
		snprintf(buf, len, "transport error: %s", iscsi_get_error(iscsi));
	else if (t->status == SCSI_STATUS_CHECK_CONDITION)
		snprintf(buf, len, "CHECK CONDITION %s(0x%02x) %s(0x%04x)",
			 scsi_sense_key_str(t->sense.key), t->sense.key,
			 scsi_sense_ascq_str(t->sense.ascq) ? scsi_sense_ascq_str(t->sense.ascq) : "?",
			 t->sense.ascq);
	else
		snprintf(buf, len, "status 0x%02x", t->status);
	return buf;
}

/* Unit attentions (power on, reset) belong to the first commands of a new
 * nexus; consume them so the checks see the answer to their own command. */
static void drain_ua(struct ctx *c, int lun)
{
	for (int i = 0; i < 8; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(c->iscsi, lun);
		int ua = t && t->status == SCSI_STATUS_CHECK_CONDITION &&
			 t->sense.key == SCSI_SENSE_UNIT_ATTENTION;

		if (t)
			scsi_free_scsi_task(t);
		if (!ua)
			return;
	}
}

static struct scsi_task *raw_cdb(struct ctx *c, int lun, const uint8_t *cdb, int len,
				 int dir, int xfer)
{
	uint8_t buf[16];
	struct scsi_task *t, *r;

	memcpy(buf, cdb, (size_t)len);
	t = scsi_create_task(len, buf, dir, xfer);
	if (!t)
		return NULL;
	r = iscsi_scsi_command_sync(c->iscsi, lun, t, NULL);
	if (!r)
		scsi_free_scsi_task(t);
	return r;
}

/* One expected CHECK CONDITION with ILLEGAL REQUEST and the given ASC/ASCQ. */
static void expect_illegal(struct ctx *c, const char *name, struct scsi_task *t, int ascq)
{
	char buf[200];
	int good = t && t->status == SCSI_STATUS_CHECK_CONDITION &&
		   t->sense.key == SCSI_SENSE_ILLEGAL_REQUEST && t->sense.ascq == ascq;

	report(c, good, name, "want ILLEGAL REQUEST %s(0x%04x), got %s",
	       scsi_sense_ascq_str(ascq), ascq, task_str(c->iscsi, t, buf, sizeof(buf)));
	if (t)
		scsi_free_scsi_task(t);
}

static int expect_good(struct ctx *c, const char *name, struct scsi_task *t)
{
	char buf[200];
	int good = t && t->status == SCSI_STATUS_GOOD;

	if (!good)
		report(c, 0, name, "got %s", task_str(c->iscsi, t, buf, sizeof(buf)));
	return good;
}

static int read_capacity(struct ctx *c)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(c->iscsi, c->lun);
	struct scsi_readcapacity16 *rc16;

	if (!expect_good(c, "read capacity(16)", t)) {
		if (t)
			scsi_free_scsi_task(t);
		return -1;
	}
	rc16 = scsi_datain_unmarshall(t);
	if (!rc16) {
		report(c, 0, "read capacity(16)", "cannot unmarshall the answer");
		scsi_free_scsi_task(t);
		return -1;
	}
	c->blocks = rc16->returned_lba + 1;
	c->block_size = rc16->block_length;
	scsi_free_scsi_task(t);
	return 0;
}

/* --- checks ----------------------------------------------------------- */

static void check_unknown_opcode(struct ctx *c)
{
	static const uint8_t reserved6[6] = { 0x02 };
	static const uint8_t vendor16[16] = { 0xd7 };

	drain_ua(c, c->lun);
	expect_illegal(c, "unknown opcode 0x02 -> INVALID COMMAND OPERATION CODE",
		       raw_cdb(c, c->lun, reserved6, 6, SCSI_XFER_NONE, 0),
		       SCSI_SENSE_ASCQ_INVALID_OPERATION_CODE);
	expect_illegal(c, "unknown opcode 0xd7 -> INVALID COMMAND OPERATION CODE",
		       raw_cdb(c, c->lun, vendor16, 16, SCSI_XFER_NONE, 0),
		       SCSI_SENSE_ASCQ_INVALID_OPERATION_CODE);
}

static void check_lba_out_of_range(struct ctx *c)
{
	drain_ua(c, c->lun);
	if (read_capacity(c) < 0)
		return;
	expect_illegal(c, "READ(16) at the first LBA past the end -> LBA OUT OF RANGE",
		       iscsi_read16_sync(c->iscsi, c->lun, c->blocks, c->block_size,
					 (int)c->block_size, 0, 0, 0, 0, 0),
		       SCSI_SENSE_ASCQ_LBA_OUT_OF_RANGE);
	if (c->blocks <= 0xffffffffu)
		expect_illegal(c, "READ(10) of 2 blocks from the last LBA -> LBA OUT OF RANGE",
			       iscsi_read10_sync(c->iscsi, c->lun, (uint32_t)(c->blocks - 1),
						 2 * c->block_size, (int)c->block_size,
						 0, 0, 0, 0, 0),
			       SCSI_SENSE_ASCQ_LBA_OUT_OF_RANGE);
}

static void check_invalid_field(struct ctx *c)
{
	/* SPC: a page code with EVPD clear is an invalid field. */
	static const uint8_t inquiry[6] = { 0x12, 0x00, 0x80, 0x00, 0xff, 0x00 };

	drain_ua(c, c->lun);
	expect_illegal(c, "INQUIRY with page code but no EVPD -> INVALID FIELD IN CDB",
		       raw_cdb(c, c->lun, inquiry, 6, SCSI_XFER_READ, 255),
		       SCSI_SENSE_ASCQ_INVALID_FIELD_IN_CDB);
}

static void check_report_luns(struct ctx *c)
{
	const char *name = "REPORT LUNS lists exactly the configured LUNs";
	struct scsi_task *t = iscsi_reportluns_sync(c->iscsi, 0, 16384);
	struct scsi_reportluns_list *list;
	char got[512] = "", one[16];

	if (!expect_good(c, name, t)) {
		if (t)
			scsi_free_scsi_task(t);
		return;
	}
	list = scsi_datain_unmarshall(t);
	if (!list) {
		report(c, 0, name, "cannot unmarshall the answer");
		scsi_free_scsi_task(t);
		return;
	}
	for (uint32_t i = 0; i < list->num; i++) {
		snprintf(one, sizeof(one), "%s%u", i ? "," : "", list->luns[i]);
		strncat(got, one, sizeof(got) - strlen(got) - 1);
	}
	report(c, !strcmp(got, c->expected_luns), name, "want %s, got %s",
	       c->expected_luns, got);
	scsi_free_scsi_task(t);
}

static void check_mode_caching(struct ctx *c)
{
	static const struct { int page; const char *name; } asks[] = {
		{ SCSI_MODEPAGE_CACHING, "MODE SENSE(6) caching page present" },
		{ SCSI_MODEPAGE_RETURN_ALL_PAGES, "MODE SENSE(6) all pages include caching" },
	};

	drain_ua(c, c->lun);
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		struct scsi_task *t = iscsi_modesense6_sync(c->iscsi, c->lun, 1,
				SCSI_MODESENSE_PC_CURRENT, asks[i].page, 0, 255);
		struct scsi_mode_sense *ms;

		if (!expect_good(c, asks[i].name, t)) {
			if (t)
				scsi_free_scsi_task(t);
			continue;
		}
		ms = scsi_datain_unmarshall(t);
		report(c, ms && scsi_modesense_get_page(ms, SCSI_MODEPAGE_CACHING, 0),
		       asks[i].name, "no caching page in the answer");
		scsi_free_scsi_task(t);
	}
}

static void check_write_read(struct ctx *c)
{
	const char *name = "WRITE(10) then READ(10) of 64 KiB returns the data";
	uint32_t len = 65536, lba;
	unsigned char *out, *in;
	struct scsi_task *t;

	if (!c->allow_write) {
		printf("ok - # SKIP sense: write-read needs -w\n");
		return;
	}
	drain_ua(c, c->lun);
	if (read_capacity(c) < 0)
		return;
	out = malloc(len);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	for (uint32_t i = 0; i < len; i++)
		out[i] = (unsigned char)random();
	lba = (uint32_t)(c->blocks / 2);
	t = iscsi_write10_sync(c->iscsi, c->lun, lba, out, len, (int)c->block_size, 0, 0, 0, 0, 0);
	if (!expect_good(c, name, t)) {
		free(out);
		if (t)
			scsi_free_scsi_task(t);
		return;
	}
	scsi_free_scsi_task(t);
	t = iscsi_read10_sync(c->iscsi, c->lun, lba, len, (int)c->block_size, 0, 0, 0, 0, 0);
	if (expect_good(c, name, t)) {
		in = t->datain.data;
		report(c, t->datain.size == (int)len && !memcmp(in, out, len), name,
		       "read back %d bytes that differ from what was written", t->datain.size);
	}
	if (t)
		scsi_free_scsi_task(t);
	free(out);
}

static void check_sync_cache(struct ctx *c)
{
	const char *n10 = "SYNCHRONIZE CACHE(10) of the whole LU is GOOD";
	const char *n16 = "SYNCHRONIZE CACHE(16) of a range is GOOD";
	struct scsi_task *t;

	drain_ua(c, c->lun);
	t = iscsi_synchronizecache10_sync(c->iscsi, c->lun, 0, 0, 0, 0);
	if (expect_good(c, n10, t))
		report(c, 1, n10, "");
	if (t)
		scsi_free_scsi_task(t);
	t = iscsi_synchronizecache16_sync(c->iscsi, c->lun, 0, 1024, 0, 0);
	if (expect_good(c, n16, t))
		report(c, 1, n16, "");
	if (t)
		scsi_free_scsi_task(t);
}

static void check_unknown_lun(struct ctx *c)
{
	static const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 96, 0 };
	char name[128];
	struct scsi_task *t;

	snprintf(name, sizeof(name), "TEST UNIT READY to LUN %d -> LOGICAL UNIT NOT SUPPORTED",
		 c->unknown_lun);
	expect_illegal(c, name, iscsi_testunitready_sync(c->iscsi, c->unknown_lun),
		       SCSI_SENSE_ASCQ_LOGICAL_UNIT_NOT_SUPPORTED);
	snprintf(name, sizeof(name), "READ(10) to LUN %d -> LOGICAL UNIT NOT SUPPORTED",
		 c->unknown_lun);
	expect_illegal(c, name, iscsi_read10_sync(c->iscsi, c->unknown_lun, 0, 512, 512,
						  0, 0, 0, 0, 0),
		       SCSI_SENSE_ASCQ_LOGICAL_UNIT_NOT_SUPPORTED);
	/* SPC: INQUIRY still answers, with qualifier 011b and type 1Fh. */
	snprintf(name, sizeof(name), "INQUIRY to LUN %d reports no LU (0x7f)", c->unknown_lun);
	t = raw_cdb(c, c->unknown_lun, inquiry, 6, SCSI_XFER_READ, 96);
	if (expect_good(c, name, t))
		report(c, t->datain.size > 0 && t->datain.data[0] == 0x7f, name,
		       "peripheral byte 0x%02x", t->datain.size > 0 ? t->datain.data[0] : 0);
	if (t)
		scsi_free_scsi_task(t);
}

static const struct {
	const char *name;
	void (*fn)(struct ctx *c);
} checks[] = {
	{ "unknown-opcode", check_unknown_opcode },
	{ "lba-out-of-range", check_lba_out_of_range },
	{ "invalid-field", check_invalid_field },
	{ "report-luns", check_report_luns },
	{ "mode-caching", check_mode_caching },
	{ "write-read", check_write_read },
	{ "sync-cache", check_sync_cache },
	{ "unknown-lun", check_unknown_lun },
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static void usage(void)
{
	fprintf(stderr, "usage: scsi_checks [-L 0,1] [-u LUN] [-w] URL [CHECK...]\nchecks:");
	for (size_t i = 0; i < NCHECKS; i++)
		fprintf(stderr, " %s", checks[i].name);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct ctx c = { .unknown_lun = 5, .expected_luns = "0,1" };
	int opt;

	while ((opt = getopt(argc, argv, "L:u:w")) != -1) {
		if (opt == 'L')
			c.expected_luns = optarg;
		else if (opt == 'u')
			c.unknown_lun = atoi(optarg);
		else if (opt == 'w')
			c.allow_write = 1;
		else
			usage();
	}
	if (optind >= argc)
		usage();
	c.iscsi = tool_login(argv[optind],
			     &(struct tool_login_opts){
				     .initiator = "iqn.2026-11.org.scstd:scsi-checks" },
			     &c.lun);
	if (!c.iscsi) {
		printf("not ok - sense: login to %s\n", argv[optind]);
		return 1;
	}
	for (size_t i = 0; i < NCHECKS; i++) {
		int wanted = optind + 1 == argc;

		for (int a = optind + 1; a < argc; a++)
			wanted |= !strcmp(argv[a], checks[i].name);
		if (wanted)
			checks[i].fn(&c);
	}
	iscsi_logout_sync(c.iscsi);
	iscsi_destroy_context(c.iscsi);
	return c.failed ? 1 : 0;
}
