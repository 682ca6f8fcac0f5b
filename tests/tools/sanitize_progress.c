/* sanitize_progress.c - SANITIZE OVERWRITE seen from the initiator while it
 * runs: a TEST UNIT READY queued behind it ends NOT READY, SANITIZE IN
 * PROGRESS with a progress indication, INQUIRY still works, and once the
 * SANITIZE completed GOOD the first and last blocks hold the pattern and
 * TEST UNIT READY is GOOD again.  One TAP line per check.
 *
 *   sanitize_progress iscsi://HOST:PORT/IQN/LUN
 *
 * The LUN must be large enough (hundreds of MiB) that the overwrite is
 * still running when the next command arrives.  Exit status 1 if any check
 * failed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define PATTERN 0x5a

static int failed;
static int sanitize_done;
static int sanitize_status = -1;

static void check(int good, const char *what)
{
	printf("%s - %s\n", good ? "ok" : "not ok", what);
	fflush(stdout);
	if (!good)
		failed++;
}

static void sanitize_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	(void)iscsi;
	(void)data;
	(void)priv;
	sanitize_status = status;
	sanitize_done = 1;
}

/* Runs the event loop until the SANITIZE completed (or the connection
 * failed). */
static void wait_sanitize(struct iscsi_context *iscsi)
{
	while (!sanitize_done) {
		struct pollfd pfd = { .fd = iscsi_get_fd(iscsi), .events = iscsi_which_events(iscsi) };

		if (poll(&pfd, 1, 1000) < 0 || iscsi_service(iscsi, pfd.revents) < 0)
			return;
	}
}

/* SANITIZE IN PROGRESS with SKSV set: libiscsi puts the PROGRESS
 * INDICATION where a field pointer would be. */
static int has_progress(const struct scsi_task *t)
{
	return t->sense.sense_specific && t->sense.ascq == 0x041b;
}

static int block_is_pattern(struct iscsi_context *iscsi, int lun, uint64_t lba, uint32_t bs)
{
	struct scsi_task *t = iscsi_read16_sync(iscsi, lun, lba, bs, bs, 0, 0, 0, 0, 0);
	int good = t && t->status == SCSI_STATUS_GOOD && t->datain.size == (int)bs;

	for (uint32_t i = 0; good && i < bs; i++)
		good = t->datain.data[i] == PATTERN;
	if (t)
		scsi_free_scsi_task(t);
	return good;
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	int lun;
	struct scsi_task *t, *san;
	struct scsi_readcapacity16 *rc;
	struct iscsi_data param;
	uint64_t blocks;
	uint32_t bs;
	uint8_t *list;

	if (argc != 2) {
		fprintf(stderr, "usage: %s iscsi://HOST:PORT/IQN/LUN\n", argv[0]);
		return 2;
	}
	iscsi = tool_login(argv[1],
			   &(struct tool_login_opts){
				   .initiator = "iqn.2026-11.org.scstd:sanitize-progress",
				   .no_header_digest = true },
			   &lun);
	if (!iscsi)
		return 2;
	while ((t = iscsi_testunitready_sync(iscsi, lun)) && t->status != SCSI_STATUS_GOOD)
		scsi_free_scsi_task(t);         /* the power-on unit attention */
	if (t)
		scsi_free_scsi_task(t);
	t = iscsi_readcapacity16_sync(iscsi, lun);
	rc = t ? scsi_datain_unmarshall(t) : NULL;
	if (!rc) {
		fprintf(stderr, "READ CAPACITY(16) failed\n");
		return 2;
	}
	blocks = rc->returned_lba + 1;
	bs = rc->block_length;
	scsi_free_scsi_task(t);

	list = malloc(bs + 4);
	list[0] = 0x01;                         /* one pass, no INVERT */
	list[1] = 0;
	list[2] = (uint8_t)(bs >> 8);
	list[3] = (uint8_t)bs;
	memset(list + 4, PATTERN, bs);
	param.data = list;
	param.size = bs + 4;
	san = iscsi_sanitize_task(iscsi, lun, 0, 0, SCSI_SANITIZE_OVERWRITE, bs + 4, &param,
				  sanitize_cb, NULL);
	check(san != NULL, "SANITIZE OVERWRITE queued");

	t = iscsi_testunitready_sync(iscsi, lun);
	check(t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_NOT_READY &&
	      has_progress(t), "TEST UNIT READY during SANITIZE: NOT READY, SANITIZE IN PROGRESS, progress");
	if (t && t->status == SCSI_STATUS_CHECK_CONDITION)
		printf("# sense %x/%04x, progress %u/65536%s\n", t->sense.key, t->sense.ascq,
		       t->sense.field_pointer, t->sense.sense_specific ? "" : " (SKSV clear)");
	if (t)
		scsi_free_scsi_task(t);
	t = iscsi_inquiry_sync(iscsi, lun, 0, 0, 64);
	check(t && t->status == SCSI_STATUS_GOOD, "INQUIRY during SANITIZE: GOOD");
	if (t)
		scsi_free_scsi_task(t);

	wait_sanitize(iscsi);
	check(sanitize_done && sanitize_status == SCSI_STATUS_GOOD, "SANITIZE OVERWRITE completes GOOD");
	t = iscsi_testunitready_sync(iscsi, lun);
	check(t && t->status == SCSI_STATUS_GOOD, "TEST UNIT READY after SANITIZE: GOOD");
	if (t)
		scsi_free_scsi_task(t);
	check(block_is_pattern(iscsi, lun, 0, bs), "first block holds the pattern");
	check(block_is_pattern(iscsi, lun, blocks - 1, bs), "last block holds the pattern");

	if (san)
		scsi_free_scsi_task(san);
	free(list);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return failed ? 1 : 0;
}
