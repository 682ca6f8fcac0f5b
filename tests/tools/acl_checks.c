/* acl_checks.c - one iSCSI session under a chosen initiator name that runs
 * commands read from stdin, one per line, and answers each with one line,
 * so a test can interleave management changes with what a live session
 * sees (LUN sets, unit attentions, write protection).
 *
 *   acl_checks URL INITIATOR
 *     luns       -> "luns N..."               (REPORT LUNS)
 *     tur N      -> "tur N GOOD" | "tur N CHECK key=K asc=0xAAQQ"
 *     read N     -> READ(10) of block 0, same answer form
 *     write N    -> writes block 0 back unchanged, same answer form
 *     clear N    -> TEST UNIT READY until GOOD (at most 8): "clear N ok|..."
 *     tmf N FN   -> iSCSI task management function FN (RFC 7143 codes)
 *                   on LUN N: "tmf FN N ok" | "tmf FN N failed: REASON"
 *
 * The session logs in without TEST UNIT READY, so no unit attention is
 * consumed behind the test's back.  Exit status 2 on usage/login errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static struct iscsi_context *login(const char *initiator, const char *url_str)
{
	struct iscsi_context *iscsi = iscsi_create_context(initiator);
	struct iscsi_url *url;

	if (!iscsi)
		return NULL;
	url = iscsi_parse_full_url(iscsi, url_str);
	if (!url)
		return NULL;
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_noautoreconnect(iscsi, 1);
	iscsi_set_timeout(iscsi, 20);
	if (iscsi_connect_sync(iscsi, url->portal) != 0 || iscsi_login_sync(iscsi) != 0) {
		fprintf(stderr, "login as %s failed: %s\n", initiator, iscsi_get_error(iscsi));
		iscsi_destroy_url(url);
		return NULL;
	}
	iscsi_destroy_url(url);
	return iscsi;
}

/* Prints "<what> <lun> GOOD|CHECK ..." for t and frees it. */
static int answer(const char *what, int lun, struct scsi_task *t)
{
	int good = t && t->status == SCSI_STATUS_GOOD;

	if (!t)
		printf("%s %d FAILED\n", what, lun);
	else if (good)
		printf("%s %d GOOD\n", what, lun);
	else if (t->status == SCSI_STATUS_CHECK_CONDITION)
		printf("%s %d CHECK key=0x%x asc=0x%04x\n", what, lun, t->sense.key, t->sense.ascq);
	else
		printf("%s %d STATUS 0x%x\n", what, lun, t->status);
	if (t)
		scsi_free_scsi_task(t);
	return good;
}

static void report_luns(struct iscsi_context *iscsi)
{
	struct scsi_task *t = iscsi_reportluns_sync(iscsi, 0, 16384);
	struct scsi_reportluns_list *list;

	if (!t || t->status != SCSI_STATUS_GOOD || !(list = scsi_datain_unmarshall(t))) {
		printf("luns FAILED\n");
	} else {
		printf("luns");
		for (uint32_t i = 0; i < list->num; i++)
			printf(" %u", list->luns[i]);
		printf("\n");
	}
	if (t)
		scsi_free_scsi_task(t);
}

static void write_back(struct iscsi_context *iscsi, int lun)
{
	unsigned char block[512];
	struct scsi_task *t = iscsi_read10_sync(iscsi, lun, 0, 512, 512, 0, 0, 0, 0, 0);

	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size < 512)
		memset(block, 0, sizeof(block));
	else
		memcpy(block, t->datain.data, sizeof(block));
	if (t)
		scsi_free_scsi_task(t);
	answer("write", lun, iscsi_write10_sync(iscsi, lun, 0, block, 512, 512, 0, 0, 0, 0, 0));
}

static void clear_uas(struct iscsi_context *iscsi, int lun)
{
	for (int i = 0; i < 8; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, lun);
		int good = t && t->status == SCSI_STATUS_GOOD;

		if (t)
			scsi_free_scsi_task(t);
		if (good) {
			printf("clear %d ok\n", lun);
			return;
		}
	}
	printf("clear %d still-not-ready\n", lun);
}

static void run_tmf(struct iscsi_context *iscsi, const char *line)
{
	int lun, fn;

	if (sscanf(line, "tmf %d %d", &lun, &fn) != 2) {
		printf("tmf usage: tmf LUN FN\n");
		return;
	}
	if (iscsi_task_mgmt_sync(iscsi, lun, (enum iscsi_task_mgmt_funcs)fn, 0xffffffff, 0) == 0)
		printf("tmf %d %d ok\n", fn, lun);
	else
		printf("tmf %d %d failed: %s\n", fn, lun, iscsi_get_error(iscsi));
}

static void run_line(struct iscsi_context *iscsi, char *line)
{
	char verb[16];
	int lun = 0;

	if (sscanf(line, "%15s %d", verb, &lun) < 1)
		return;
	if (!strcmp(verb, "luns"))
		report_luns(iscsi);
	else if (!strcmp(verb, "tur"))
		answer("tur", lun, iscsi_testunitready_sync(iscsi, lun));
	else if (!strcmp(verb, "read"))
		answer("read", lun, iscsi_read10_sync(iscsi, lun, 0, 512, 512, 0, 0, 0, 0, 0));
	else if (!strcmp(verb, "write"))
		write_back(iscsi, lun);
	else if (!strcmp(verb, "clear"))
		clear_uas(iscsi, lun);
	else if (!strcmp(verb, "tmf"))
		run_tmf(iscsi, line);
	else
		printf("unknown %s\n", verb);
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	char line[256];

	if (argc != 3) {
		fprintf(stderr, "usage: acl_checks URL INITIATOR  (commands on stdin)\n");
		return 2;
	}
	iscsi = login(argv[2], argv[1]);
	if (!iscsi)
		return 2;
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		run_line(iscsi, line);
		fflush(stdout);
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
