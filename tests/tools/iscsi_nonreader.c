/* iscsi_nonreader.c - initiators that never read their responses: each of
 * SESSIONS raw iSCSI sessions (raw_iscsi.c's login, initiator names
 * iqn.2026-12.org.scstd:nonreader-N) clears its unit attentions, then
 * sends CMDS READ(10)s of KIB KiB each (512-byte blocks, consecutive LBAs)
 * with consecutive CmdSNs, paying no attention to MaxCmdSN, and never
 * reads another byte.  The target has to keep what they pin in check.
 * With -1 every session is one initiator's (nonreader-0, ISIDs apart).
 * With -T the commands are immediate TEST UNIT READYs instead (the CmdSN
 * window does not bound those; KIB is then ignored); a send that the
 * target stops taking ends that session's sending.
 *
 *   iscsi_nonreader [-1] [-T] HOST:PORT TARGET-IQN LUN SESSIONS CMDS KIB
 *
 * Prints "# ready" once every command is sent, then holds the sessions
 * until killed.  Exit 2 when a session cannot be set up. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw_iscsi.h"

#define MAX_SESSIONS 256
#define SAM_GOOD 0x00

static bool clear_unit_attentions(struct raw_conn *c)
{
	static const uint8_t tur[6] = { 0 };
	uint8_t bhs[RAW_BHS_LEN];
	struct raw_answer a;

	for (int i = 0; i < 8; i++) {
		uint32_t itt = c->itt;

		raw_scsi_cmd_bhs(c, bhs, false, false, 0, tur, sizeof(tur));
		if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU)
			return false;
		raw_wait_for(c, itt, &a, raw_now_ms() + c->timeout_ms, 0, NULL);
		if (a.got && a.status == SAM_GOOD)
			return true;
	}
	return false;
}

static bool send_reads(struct raw_conn *c, unsigned cmds, uint32_t bytes)
{
	uint32_t blocks = bytes / 512;
	uint8_t bhs[RAW_BHS_LEN];

	for (unsigned i = 0; i < cmds; i++) {
		uint8_t cdb[10] = { 0x28 };

		raw_put32(cdb + 2, i * blocks);
		raw_put16(cdb + 7, (uint16_t)blocks);
		raw_scsi_cmd_bhs(c, bhs, true, false, bytes, cdb, sizeof(cdb));
		if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU)
			return false;
	}
	return true;
}

/* Immediate commands keep the CmdSN they were sent with (RFC 7143 3.2.2.1). */
static bool send_immediate_turs(struct raw_conn *c, unsigned cmds)
{
	static const uint8_t tur[6] = { 0 };
	uint8_t bhs[RAW_BHS_LEN];

	c->timeout_ms = 2000;
	for (unsigned i = 0; i < cmds; i++) {
		raw_scsi_cmd_bhs(c, bhs, false, false, 0, tur, sizeof(tur));
		bhs[0] |= 0x40;
		c->cmdsn--;
		if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU)
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static struct raw_conn conns[MAX_SESSIONS];
	static char names[MAX_SESSIONS][64];
	unsigned sessions, cmds, kib;
	bool one_initiator = false, turs = false;

	for (; argc > 1 && argv[1][0] == '-'; argc--, argv++) {
		if (!strcmp(argv[1], "-1"))
			one_initiator = true;
		else if (!strcmp(argv[1], "-T"))
			turs = true;
		else
			break;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: %s [-1] [-T] HOST:PORT TARGET-IQN LUN SESSIONS CMDS KIB\n",
			argv[0]);
		return 2;
	}
	sessions = (unsigned)atoi(argv[4]);
	cmds = (unsigned)atoi(argv[5]);
	kib = (unsigned)atoi(argv[6]);
	if (!sessions || sessions > MAX_SESSIONS || !cmds || !kib || kib > 32768) {
		fprintf(stderr, "bad SESSIONS (1..%d), CMDS or KIB (1..32768)\n", MAX_SESSIONS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < sessions; i++) {
		struct raw_conn *c = &conns[i];

		snprintf(names[i], sizeof(names[i]), "iqn.2026-12.org.scstd:nonreader-%u",
			 one_initiator ? 0 : i);
		c->isid_qualifier = (uint8_t)i;
		c->timeout_ms = 10000;
		c->initiator = names[i];
		c->target = argv[2];
		c->lun = (uint64_t)atoi(argv[3]);
		c->fd = raw_tcp_connect(argv[1]);
		if (c->fd < 0 || raw_login(c, NULL, 0) != RAW_LOGIN_OK ||
		    !clear_unit_attentions(c)) {
			raw_say("# session %u: cannot set up", i);
			return 2;
		}
	}
	for (unsigned i = 0; i < sessions; i++)
		if (!(turs ? send_immediate_turs(&conns[i], cmds) : send_reads(&conns[i], cmds, kib << 10)))
			raw_say("# session %u: the target stopped taking commands", i);
	raw_say("# ready");
	for (;;)
		pause();
}
