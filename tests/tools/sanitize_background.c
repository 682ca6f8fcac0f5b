/* sanitize_background.c - a SANITIZE OVERWRITE runs on as an operation of
 * the logical unit, apart from the command that started it (SBC-4 4.11):
 * while it runs TEST UNIT READY and REQUEST SENSE report NOT READY,
 * SANITIZE IN PROGRESS (02/04/1B) with a PROGRESS INDICATION that grows;
 * ABORT TASK of the SANITIZE and LUN RESET are answered at once and the
 * operation goes on; after a logout and a new login it still runs.  One
 * TAP line per check.
 *
 *   sanitize_background URL MODE
 *
 * MODE abort (IMMED 0, the whole sequence above), immed (IMMED 1: GOOD
 * at once while the operation runs), start (IMMED 1, then exit), hold
 * (IMMED 0, then wait for the connection to end: the caller stops the
 * daemon meanwhile; no check), wait (poll TEST UNIT READY until the
 * operation is over, then the first and last blocks must hold the
 * pattern) or running (one still runs).  The LUN must take many seconds
 * to overwrite (a huge nullio LUN) for abort, immed and hold.  Exit
 * status 1 if any check failed. */
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define PATTERN 0xc3
#define INITIATOR "iqn.2026-12.org.scstd:sanitize-background"
/* A task management function or a command answered within this bound is
 * answered while the operation runs, not after it (the load on the test
 * machine stays well below it; the nullio overwrite lasts much longer). */
#define ANSWER_BOUND_MS 5000

static int failed;

static void check(int good, const char *what)
{
	printf("%s - %s\n", good ? "ok" : "not ok", what);
	fflush(stdout);
	if (!good)
		failed++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* REQUEST SENSE data of a NOT READY, SANITIZE IN PROGRESS with SKSV set:
 * the progress (0..65535), or -1 for any other answer.  Fixed format
 * (DESC 0): key in byte 2, ASC/ASCQ in 12-13, SKSV and progress in 15-17. */
static long progress_of_sense(const uint8_t *s, int len)
{
	if (len < 18 || (s[0] & 0x7f) != 0x70 || (s[2] & 0x0f) != 0x02 || s[12] != 0x04 ||
	    s[13] != 0x1b || !(s[15] & 0x80))
		return -1;
	return (long)s[16] << 8 | s[17];
}

/* TEST UNIT READY: the progress of its NOT READY, SANITIZE IN PROGRESS
 * (libiscsi puts the PROGRESS INDICATION where a field pointer would be),
 * or -1; a unit attention (a reset) is taken and the command repeated. */
static long tur_progress(struct iscsi_context *iscsi, int lun)
{
	for (int i = 0; i < 4; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, lun);
		long p = -1;

		if (!t)
			return -1;
		if (t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_UNIT_ATTENTION) {
			scsi_free_scsi_task(t);
			continue;
		}
		if (t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_NOT_READY &&
		    t->sense.ascq == 0x041b && t->sense.sense_specific)
			p = t->sense.field_pointer;
		scsi_free_scsi_task(t);
		return p;
	}
	return -1;
}

/* REQUEST SENSE (fixed format): GOOD with the SANITIZE IN PROGRESS sense
 * and its progress, or -1. */
static long request_sense_progress(struct iscsi_context *iscsi, int lun)
{
	unsigned char cdb[6] = { 0x03, 0, 0, 0, 252, 0 };
	struct scsi_task *t = scsi_create_task(6, cdb, SCSI_XFER_READ, 252);
	long p = -1;

	if (!t)
		return -1;
	if (iscsi_scsi_command_sync(iscsi, lun, t, NULL) && t->status == SCSI_STATUS_GOOD)
		p = progress_of_sense(t->datain.data, t->datain.size);
	scsi_free_scsi_task(t);
	return p;
}

static int sanitize_done;
static int sanitize_status = -1;

static void sanitize_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	(void)iscsi;
	(void)data;
	(void)priv;
	sanitize_status = status;
	sanitize_done = 1;
}

static struct scsi_task *send_sanitize(struct iscsi_context *iscsi, int lun, int immed,
				       uint32_t bs, struct iscsi_data *param)
{
	uint8_t *list = malloc(bs + 4);

	list[0] = 0x01;                         /* one pass, no INVERT */
	list[1] = 0;
	list[2] = (uint8_t)(bs >> 8);
	list[3] = (uint8_t)bs;
	memset(list + 4, PATTERN, bs);
	param->data = list;
	param->size = bs + 4;
	return iscsi_sanitize_task(iscsi, lun, immed, 0, SCSI_SANITIZE_OVERWRITE, bs + 4, param,
				   sanitize_cb, NULL);
}

/* Services the connection until the SANITIZE answered or ms passed. */
static void wait_sanitize(struct iscsi_context *iscsi, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (!sanitize_done && now_ms() < end) {
		struct pollfd pfd = { .fd = iscsi_get_fd(iscsi), .events = iscsi_which_events(iscsi) };

		if (poll(&pfd, 1, 100) < 0 || iscsi_service(iscsi, pfd.revents) < 0)
			return;
	}
}

/* A full connect takes the new nexus' power-on unit attention, which the
 * SANITIZE would otherwise get; while an operation runs TEST UNIT READY
 * answers NOT READY, so a login then is a plain one (tur_progress takes
 * the unit attention). */
static struct iscsi_context *login(const char *url, int *lun, bool running, const char *initiator)
{
	return tool_login(url, &(struct tool_login_opts){ .initiator = initiator,
							  .no_header_digest = true,
							  .no_tur = running }, lun);
}

static int block_is_pattern(struct iscsi_context *iscsi, int lun, uint64_t lba, uint32_t bs)
{
	struct scsi_task *t = iscsi_read16_sync(iscsi, lun, lba, bs, bs, 0, 0, 0, 0, 0);
	int good = t && t->status == SCSI_STATUS_GOOD && t->datain.size == (int)bs;

	for (uint32_t i = 0; good && i < bs; i++)
		good = t->datain.data[i] == PATTERN;
	if (!good)
		printf("# READ(16) of LBA %llu: status 0x%x, %d bytes, first 0x%02x\n",
		       (unsigned long long)lba, t ? t->status : -1, t ? t->datain.size : -1,
		       t && t->datain.size > 0 ? t->datain.data[0] : 0);
	if (t)
		scsi_free_scsi_task(t);
	return good;
}

static int capacity(struct iscsi_context *iscsi, int lun, uint64_t *blocks, uint32_t *bs)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(iscsi, lun);
	struct scsi_readcapacity16 *rc = NULL;

	/* After a plain login the nexus' power-on unit attention comes first. */
	if (t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_UNIT_ATTENTION) {
		scsi_free_scsi_task(t);
		t = iscsi_readcapacity16_sync(iscsi, lun);
	}
	if (t && t->status == SCSI_STATUS_GOOD)
		rc = scsi_datain_unmarshall(t);
	if (!rc) {
		fprintf(stderr, "READ CAPACITY(16) failed\n");
		return -1;
	}
	*blocks = rc->returned_lba + 1;
	*bs = rc->block_length;
	scsi_free_scsi_task(t);
	return 0;
}

/* IMMED 0, then everything that must not wait for the operation. */
static void run_abort(const char *url, struct iscsi_context *iscsi, int lun, uint32_t bs)
{
	struct iscsi_data param;
	struct scsi_task *san = send_sanitize(iscsi, lun, 0, bs, &param);
	long p1, p2, p3, p4;
	uint64_t t0;
	int rc;

	check(san != NULL, "SANITIZE OVERWRITE (IMMED 0) sent");
	p1 = tur_progress(iscsi, lun);
	check(p1 >= 0, "TEST UNIT READY during it: NOT READY, SANITIZE IN PROGRESS, SKSV set");
	usleep(1500 * 1000);
	p2 = tur_progress(iscsi, lun);
	printf("# progress %ld then %ld of 65536\n", p1, p2);
	check(p1 >= 0 && p2 > p1, "the progress indication grows");
	p3 = request_sense_progress(iscsi, lun);
	check(p3 >= 0 && p3 >= p2, "REQUEST SENSE: GOOD with SANITIZE IN PROGRESS and the progress");

	t0 = now_ms();
	rc = iscsi_task_mgmt_abort_task_sync(iscsi, san);
	printf("# ABORT TASK answered in %llu ms\n", (unsigned long long)(now_ms() - t0));
	check(rc == 0 && now_ms() - t0 < ANSWER_BOUND_MS,
	      "ABORT TASK of the SANITIZE answered while the operation runs");
	wait_sanitize(iscsi, 1000);
	check(!sanitize_done || sanitize_status != SCSI_STATUS_GOOD,
	      "the aborted SANITIZE does not complete GOOD");
	p4 = tur_progress(iscsi, lun);
	check(p4 >= 0 && p4 >= p3, "the operation goes on after ABORT TASK");

	t0 = now_ms();
	rc = iscsi_task_mgmt_lun_reset_sync(iscsi, lun);
	printf("# LUN RESET answered in %llu ms\n", (unsigned long long)(now_ms() - t0));
	check(rc == 0 && now_ms() - t0 < ANSWER_BOUND_MS, "LUN RESET answered while the operation runs");
	p1 = tur_progress(iscsi, lun);
	check(p1 >= 0 && p1 >= p4, "the operation goes on after LUN RESET");

	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	/* Answered or cancelled by now: the task is ours again. */
	if (san)
		scsi_free_scsi_task(san);
	free(param.data);
	iscsi = login(url, &lun, true, INITIATOR);
	check(iscsi != NULL, "a new login while it runs");
	if (!iscsi)
		return;
	p2 = tur_progress(iscsi, lun);
	check(p2 >= 0 && p2 >= p1, "after logout and a new login it still runs");
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
}

/* IMMED 1: GOOD at once, the operation running behind it. */
static void run_immed(struct iscsi_context *iscsi, int lun, uint32_t bs, int check_running)
{
	struct iscsi_data param;
	struct scsi_task *san = send_sanitize(iscsi, lun, 1, bs, &param);
	uint64_t t0 = now_ms();

	check(san != NULL, "SANITIZE OVERWRITE (IMMED 1) sent");
	wait_sanitize(iscsi, ANSWER_BOUND_MS);
	printf("# answered in %llu ms\n", (unsigned long long)(now_ms() - t0));
	check(sanitize_done && sanitize_status == SCSI_STATUS_GOOD,
	      "SANITIZE with IMMED 1 completes GOOD at once");
	if (check_running)
		check(tur_progress(iscsi, lun) >= 0, "the operation runs on after the GOOD status");
	if (san)
		scsi_free_scsi_task(san);
	free(param.data);
}

/* Until TEST UNIT READY no longer reports the operation (at most 10 min). */
static void wait_over(struct iscsi_context *iscsi, int lun)
{
	struct scsi_task *t = NULL;
	uint64_t end = now_ms() + 600000;

	while (tur_progress(iscsi, lun) >= 0 && now_ms() < end)
		usleep(200 * 1000);
	t = iscsi_testunitready_sync(iscsi, lun);
	check(t && t->status == SCSI_STATUS_GOOD, "TEST UNIT READY once the operation is over: GOOD");
	if (t)
		scsi_free_scsi_task(t);
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	const char *mode = argc == 3 ? argv[2] : "";
	bool running = strcmp(mode, "wait") == 0 || strcmp(mode, "running") == 0;
	struct iscsi_data param;
	uint64_t blocks;
	uint32_t bs;
	int lun;

	if (!running && strcmp(mode, "abort") && strcmp(mode, "immed") && strcmp(mode, "start") &&
	    strcmp(mode, "hold")) {
		fprintf(stderr,
			"usage: %s iscsi://HOST:PORT/IQN/LUN abort|immed|start|hold|wait|running\n",
			argv[0]);
		return 2;
	}
	/* hold's session stays while others come and go. */
	iscsi = login(argv[1], &lun, running,
		      strcmp(mode, "hold") == 0 ? INITIATOR "-hold" : INITIATOR);
	if (!iscsi)
		return 2;
	if (strcmp(mode, "running") == 0) {
		check(tur_progress(iscsi, lun) >= 0, "the operation still runs");
	} else if (strcmp(mode, "wait") == 0) {
		wait_over(iscsi, lun);
		if (capacity(iscsi, lun, &blocks, &bs) < 0)
			return 2;
		check(block_is_pattern(iscsi, lun, 0, bs), "the first block holds the pattern");
		check(block_is_pattern(iscsi, lun, blocks - 1, bs), "the last block holds the pattern");
	} else if (capacity(iscsi, lun, &blocks, &bs) < 0) {
		return 2;
	} else if (strcmp(mode, "abort") == 0) {
		run_abort(argv[1], iscsi, lun, bs);
		return failed ? 1 : 0;
	} else if (strcmp(mode, "hold") == 0) {
		struct scsi_task *san = send_sanitize(iscsi, lun, 0, bs, &param);

		/* Until the daemon stops (no answer, the connection drops). */
		printf("# SANITIZE (IMMED 0) %s\n", san ? "sent" : "not sent");
		fflush(stdout);
		wait_sanitize(iscsi, 120000);
		iscsi_destroy_context(iscsi);
		if (san)
			scsi_free_scsi_task(san);
		free(param.data);
		return 0;
	} else {
		run_immed(iscsi, lun, bs, strcmp(mode, "immed") == 0);
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return failed ? 1 : 0;
}
