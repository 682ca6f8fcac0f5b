/* local_pr_status.c - READ FULL STATUS of one LUN over iSCSI (libiscsi),
 * printed one registrant a line, so a test can see registrations made by
 * other transports (scst_local sessions) with their TransportIDs:
 *
 *   local_pr_status URL INITIATOR_NAME
 *   -> "key 0x0000000000001234 holder 0 type 0 rtpi 1 tid 0600...\n" ...
 *
 * Exit status 0 when the command succeeded, 1 otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int print_full_status(const uint8_t *d, uint32_t len)
{
	uint32_t off = 8, end;

	if (len < 8)
		return 1;
	end = 8 + be32(d + 4);
	if (end > len)
		end = len;
	printf("generation %u\n", be32(d));
	while (off + 24 <= end) {
		uint64_t key = (uint64_t)be32(d + off) << 32 | be32(d + off + 4);
		uint32_t tid = be32(d + off + 20);

		if (off + 24 + tid > end)
			return 1;
		printf("key 0x%016llx holder %u type %u rtpi %u tid ", (unsigned long long)key,
		       d[off + 12] & 1, d[off + 13] & 0x0f, (unsigned)d[off + 18] << 8 | d[off + 19]);
		for (uint32_t i = 0; i < tid; i++)
			printf("%02x", d[off + 24 + i]);
		printf("\n");
		off += 24 + tid;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	int lun;
	struct scsi_task *task;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: local_pr_status URL INITIATOR_NAME\n");
		return 1;
	}
	iscsi = tool_login(argv[1],
			   &(struct tool_login_opts){ .initiator = argv[2], .no_header_digest = true },
			   &lun);
	if (!iscsi)
		return 1;
	task = iscsi_persistent_reserve_in_sync(iscsi, lun, 3, 8192);
	if (task && task->status == SCSI_STATUS_GOOD)
		rc = print_full_status(task->datain.data, (uint32_t)task->datain.size);
	else
		fprintf(stderr, "READ FULL STATUS failed: %s\n", iscsi_get_error(iscsi));
	if (task)
		scsi_free_scsi_task(task);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return rc;
}
