/* session_probe.c - one iSCSI session kept open while a test changes the
 * configuration, probed by commands read from stdin, one answer line per
 * command on stdout:
 *
 *   session_probe INITIATOR_NAME iscsi://HOST:PORT/IQN/LUN
 *   tur N    -> "tur N status S sense K/ASC/ASCQ" (sense 0/00/00 when none)
 *   luns     -> "luns 0,1,2" (REPORT LUNS over LUN 0)
 *   read N   -> "read N status S" (READ(10) of block 0)
 *   quit
 * Used by tests/integration/scstadmin.sh to see the unit attentions and
 * the LUN set a live session observes. */
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
	if (!url) {
		fprintf(stderr, "bad url %s: %s\n", url_str, iscsi_get_error(iscsi));
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_connect_sync(iscsi, url->portal) != 0 || iscsi_login_sync(iscsi) != 0) {
		fprintf(stderr, "login: %s\n", iscsi_get_error(iscsi));
		iscsi_destroy_url(url);
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_destroy_url(url);
	return iscsi;
}

static void print_status(const char *what, int lun, struct scsi_task *t)
{
	if (!t) {
		printf("%s %d status -1 sense 0/00/00\n", what, lun);
		return;
	}
	if (t->status == SCSI_STATUS_CHECK_CONDITION)
		printf("%s %d status %d sense %x/%02x/%02x\n", what, lun, t->status,
		       t->sense.key, (t->sense.ascq >> 8) & 0xff, t->sense.ascq & 0xff);
	else
		printf("%s %d status %d sense 0/00/00\n", what, lun, t->status);
	scsi_free_scsi_task(t);
}

static void report_luns(struct iscsi_context *iscsi)
{
	struct scsi_task *t = iscsi_reportluns_sync(iscsi, 0, 16384);
	struct scsi_reportluns_list *l;

	if (!t || t->status != SCSI_STATUS_GOOD || !(l = scsi_datain_unmarshall(t))) {
		printf("luns error\n");
	} else {
		printf("luns ");
		for (uint32_t i = 0; i < l->num; i++)
			printf("%s%u", i ? "," : "", l->luns[i]);
		printf("\n");
	}
	if (t)
		scsi_free_scsi_task(t);
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	char line[256];

	if (argc != 3) {
		fprintf(stderr, "usage: session_probe INITIATOR iscsi://HOST:PORT/IQN/LUN\n");
		return 2;
	}
	iscsi = login(argv[1], argv[2]);
	if (!iscsi)
		return 1;
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int lun;

		if (sscanf(line, "tur %d", &lun) == 1)
			print_status("tur", lun, iscsi_testunitready_sync(iscsi, lun));
		else if (sscanf(line, "read %d", &lun) == 1)
			print_status("read", lun, iscsi_read10_sync(iscsi, lun, 0, 512, 512, 0, 0, 0,
								      0, 0));
		else if (!strncmp(line, "luns", 4))
			report_luns(iscsi);
		else if (!strncmp(line, "quit", 4))
			break;
		else
			printf("unknown command\n");
		fflush(stdout);
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
