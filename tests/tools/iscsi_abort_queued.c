/* iscsi_abort_queued.c - ABORT TASK of a command scstd has not yet handed
 * to a pass-through device.  One raw iSCSI session (raw_iscsi.c) sends
 * COUNT one-block READ(10)s to a LUN whose device answers slowly (the VM
 * suite makes scsi_debug wait seconds per command), more than the Linux
 * sg driver queues per file descriptor (16), then ABORT TASK for the last
 * one, which therefore still waits in scstd's own queue.  It checks that
 * the abort is answered "function complete" before the first READ
 * finishes (the command was taken back, not waited for), and that the
 * first READ still ends GOOD.
 *
 *   iscsi_abort_queued HOST:PORT TARGET-IQN LUN COUNT
 *
 * Prints one line per check and the timings; exit 0 when both held, 1
 * when one failed, 2 when the session could not be set up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw_iscsi.h"

#define TMF_ABORT_TASK 1
#define MAX_COUNT 64

static void read_block(struct raw_conn *c, uint32_t lba, uint32_t *itt, uint32_t *cmdsn)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[10] = { 0x28 };

	raw_put32(cdb + 2, lba);
	cdb[8] = 1;
	*itt = c->itt;
	*cmdsn = c->cmdsn;
	raw_scsi_cmd_bhs(c, bhs, true, false, 512, cdb, 10);
	raw_send_pdu(c, bhs, NULL, 0);
}

/* TEST UNIT READY until GOOD: the login's unit attentions are consumed. */
static bool ready(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[6] = { 0 };
	struct raw_answer a;

	for (int i = 0; i < 8; i++) {
		uint32_t itt = c->itt;

		raw_scsi_cmd_bhs(c, bhs, false, false, 0, cdb, 6);
		raw_send_pdu(c, bhs, NULL, 0);
		raw_wait_for(c, itt, &a, raw_now_ms() + c->timeout_ms, 0, NULL);
		if (a.got && a.status == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct raw_conn c = { .fd = -1, .timeout_ms = 120000,
			      .initiator = "iqn.2026-12.org.scstd:abort-queued" };
	uint32_t itt[MAX_COUNT], cmdsn[MAX_COUNT], tmf_itt;
	struct raw_answer tmf, first, first_late;
	uint8_t bhs[RAW_BHS_LEN];
	unsigned count;
	int64_t t0, t_tmf;
	bool ok;

	if (argc != 5 || (count = (unsigned)atoi(argv[4])) < 2 || count > MAX_COUNT) {
		fprintf(stderr, "usage: iscsi_abort_queued HOST:PORT TARGET-IQN LUN COUNT(2..64)\n");
		return 2;
	}
	c.target = argv[2];
	c.lun = strtoull(argv[3], NULL, 0);
	c.fd = raw_tcp_connect(argv[1]);
	if (c.fd < 0 || raw_login(&c, NULL, 0) != RAW_LOGIN_OK || !ready(&c)) {
		raw_say("setup failed: no session, or the LUN never became ready");
		return 2;
	}
	t0 = raw_now_ms();
	for (unsigned i = 0; i < count; i++)
		read_block(&c, i, &itt[i], &cmdsn[i]);
	/* Time for the target to take them all and fill the sg queue. */
	usleep(500 * 1000);
	tmf_itt = raw_tmf_bhs(&c, bhs, TMF_ABORT_TASK, itt[count - 1], cmdsn[count - 1]);
	raw_send_pdu(&c, bhs, NULL, 0);
	memset(&first, 0, sizeof(first));
	raw_wait_for(&c, tmf_itt, &tmf, raw_now_ms() + c.timeout_ms, itt[0], &first);
	t_tmf = raw_now_ms() - t0;
	ok = tmf.got && tmf.status == 0 && !first.got;
	raw_say("%s: ABORT TASK of READ %u answered %s after %lld ms, before the first READ's status: %s",
		ok ? "ok" : "FAILED", count, tmf.got ? (tmf.status == 0 ? "function complete"
							   : "other than function complete")
					    : "never",
		(long long)t_tmf, first.got ? "no" : "yes");
	if (!first.got) {
		raw_wait_for(&c, itt[0], &first_late, raw_now_ms() + c.timeout_ms, 0, NULL);
		first = first_late;
	}
	raw_say("%s: the first READ ends GOOD (status %#x, after %lld ms)",
		first.got && first.status == 0 ? "ok" : "FAILED", first.status,
		(long long)(raw_now_ms() - t0));
	close(c.fd);
	return ok && first.got && first.status == 0 ? 0 : 1;
}
