/* pr_churn.c - drives a stream of APTPL persistent reservation updates for
 * the kill -9 durability test, and reads the registered keys back.
 *
 *   pr_churn URL churn START   registers key START, START+1, ... (REGISTER
 *                              AND IGNORE EXISTING KEY, APTPL=1) until the
 *                              connection breaks; prints "acked K" once the
 *                              target returned GOOD for key K
 *   pr_churn URL keys          prints "keys K..." (hex) from READ KEYS
 *
 * Exit status 0 (churn: the connection ended), 2 on usage or login errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define INITIATOR "iqn.2026-12.org.scstd:pr-churn"

static int churn(struct iscsi_context *iscsi, int lun, uint64_t key)
{
	for (;; key++) {
		struct scsi_persistent_reserve_out_basic p;
		struct scsi_task *t;
		int good;

		memset(&p, 0, sizeof(p));
		p.service_action_reservation_key = key;
		p.aptpl = 1;
		t = iscsi_persistent_reserve_out_sync(
			iscsi, lun, SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, &p);
		if (!t)
			return 0;       /* the daemon went away */
		good = t->status == SCSI_STATUS_GOOD;
		scsi_free_scsi_task(t);
		if (!good) {
			fprintf(stderr, "REGISTER of 0x%llx failed\n", (unsigned long long)key);
			return 1;
		}
		printf("acked %llu\n", (unsigned long long)key);
		fflush(stdout);
	}
}

static int print_keys(struct iscsi_context *iscsi, int lun)
{
	struct scsi_persistent_reserve_in_read_keys *rk;
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(
		iscsi, lun, SCSI_PERSISTENT_RESERVE_READ_KEYS, 16384);

	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "READ KEYS failed\n");
		if (t)
			scsi_free_scsi_task(t);
		return 1;
	}
	rk = scsi_datain_unmarshall(t);
	if (!rk) {
		scsi_free_scsi_task(t);
		return 1;
	}
	printf("keys");
	for (int i = 0; i < rk->num_keys; i++)
		printf(" %llu", (unsigned long long)rk->keys[i]);
	printf("\n");
	scsi_free_scsi_task(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	int lun, rc;

	if (argc < 3 || (strcmp(argv[2], "keys") && (strcmp(argv[2], "churn") || argc != 4))) {
		fprintf(stderr, "usage: pr_churn URL churn START | keys\n");
		return 2;
	}
	/* The daemon is killed under this client: a command must fail then,
	 * not wait in libiscsi's endless reconnect. */
	iscsi = tool_login(argv[1],
			   &(struct tool_login_opts){ .initiator = INITIATOR, .timeout_s = 10,
						      .no_reconnect = true },
			   &lun);
	if (!iscsi)
		return 2;
	if (!strcmp(argv[2], "churn"))
		rc = churn(iscsi, lun, strtoull(argv[3], NULL, 0));
	else
		rc = print_keys(iscsi, lun);
	iscsi_destroy_context(iscsi);
	return rc;
}
