/* iscsi_badpdu.c - a hostile iSCSI initiator for robustness tests.  It
 * speaks raw iSCSI over TCP (RFC 7143) with the minimal login of
 * raw_iscsi.c (AuthMethod=None, no digests) and then sends one kind of malformed or
 * abandoned traffic, chosen by a subcommand.  Every wait is bounded by
 * poll(), so a target that stops answering shows up as a failure, not as
 * a hung test.
 *
 *   iscsi_badpdu [-t MS] [-l LUN] HOST:PORT TARGET-IQN SUBCOMMAND
 *
 * Exit status: 0 the target behaved acceptably, 1 it did not (hang, wrong
 * answer), 2 the tool could not even set up (connect, baseline login). */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw_iscsi.h"

/* After a protocol violation: the target must either reject the PDU or
 * drop the connection, in bounded time.  Other PDUs (NOP-In pings, async
 * messages) are read past. */
static int expect_reject_or_close(struct raw_conn *c, const char *what)
{
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	struct raw_pdu pdu;

	for (;;) {
		int rc = raw_recv_pdu_until(c, &pdu, deadline);

		if (rc == RAW_GOT_EOF || rc == RAW_GOT_ERROR) {
			raw_say("%s: connection closed by the target", what);
			return 0;
		}
		if (rc == RAW_GOT_TIMEOUT) {
			raw_say("%s: FAIL no Reject and no close within %d ms", what, c->timeout_ms);
			return 1;
		}
		int op = raw_opcode(&pdu);
		uint8_t reason = pdu.bhs[2];
		raw_pdu_free(&pdu);
		if (op == RAW_OP_REJECT) {
			raw_say("%s: Reject, reason 0x%02x", what, reason);
			return 0;
		}
		if (op == RAW_OP_LOGOUT_RSP || op == RAW_OP_SCSI_RSP) {
			raw_say("%s: FAIL answered with opcode 0x%02x instead of a Reject", what, op);
			return 1;
		}
		raw_say("  (skipping opcode 0x%02x)", op);
	}
}

static int login_or_die(struct raw_conn *c)
{
	enum raw_login_result r = raw_login(c, NULL, 0);

	if (r != RAW_LOGIN_OK) {
		raw_say("baseline login to %s failed: %s", c->target, raw_login_result_name(r));
		exit(2);
	}
	return 0;
}

/* --- subcommands ------------------------------------------------------ */

/* The baseline: the tool's own login and a TEST UNIT READY work, so the
 * rejections seen by the other subcommands are the target's doing. */
static int cmd_login(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[6] = { 0 };
	struct raw_pdu rsp;
	int rc;

	login_or_die(c);
	raw_scsi_cmd_bhs(c, bhs, 0, 0, 0, cdb, sizeof(cdb));
	if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU)
		return 1;
	do {
		rc = raw_recv_pdu(c, &rsp);
		if (rc != RAW_GOT_PDU) {
			raw_say("login: FAIL no response to TEST UNIT READY");
			return 1;
		}
		raw_track_sn(c, &rsp);
		raw_pdu_free(&rsp);
	} while (raw_opcode(&rsp) != RAW_OP_SCSI_RSP);
	raw_say("login: ok, max_recv_data_segment_length %u, TEST UNIT READY status 0x%02x",
	    c->target_mrdsl, rsp.bhs[3]);
	return 0;
}

/* A first login text split over a Continue PDU (RFC 7143 allows it
 * anywhere, even inside a key) logs in like the whole one. */
static int cmd_split_login(struct raw_conn *c)
{
	c->split_first_text = true;
	return cmd_login(c);
}

static int cmd_garbage(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN];

	for (int i = 0; i < RAW_BHS_LEN; i++)
		bhs[i] = (uint8_t)(0xa5 ^ (i * 37));
	bhs[0] = 0x7e; /* no valid initiator opcode */
	if (raw_send_all(c, bhs, sizeof(bhs)) != RAW_GOT_PDU) {
		raw_say("garbage: connection closed while sending");
		return 0;
	}
	return expect_reject_or_close(c, "garbage");
}

static int cmd_bogus_opcode(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN];

	login_or_die(c);
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = 0x0b; /* reserved initiator opcode */
	bhs[1] = 0x80;
	raw_put32(bhs + 16, c->itt++);
	raw_put32(bhs + 24, c->cmdsn);
	raw_put32(bhs + 28, c->exp_statsn);
	if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU) {
		raw_say("bogus-opcode: connection closed while sending");
		return 0;
	}
	return expect_reject_or_close(c, "bogus-opcode");
}

/* A NOP-Out announcing far more data than the target accepts; the data
 * never follows, so a target that trusts the length before checking it
 * waits forever. */
static int cmd_big_dsl(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN];

	login_or_die(c);
	raw_nop_out_bhs(c, bhs, 0);
	raw_put24(bhs + 5, 0xfffffc);
	raw_say("big-dsl: announcing %u bytes, target's MaxRecvDataSegmentLength is %u",
	    0xfffffc, c->target_mrdsl);
	if (raw_send_all(c, bhs, RAW_BHS_LEN) != RAW_GOT_PDU) {
		raw_say("big-dsl: connection closed while sending");
		return 0;
	}
	return expect_reject_or_close(c, "big-dsl");
}

static int cmd_truncated(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[10] = { 0x28 };

	login_or_die(c);
	cdb[8] = 8;
	raw_scsi_cmd_bhs(c, bhs, 1, 0, 8 * 512, cdb, sizeof(cdb));
	raw_send_all(c, bhs, 20);
	raw_say("truncated: sent 20 of 48 header bytes, closing");
	return 0;
}

static int cmd_write_disconnect(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[10] = { 0x2a };
	struct raw_pdu pdu;
	int rc;

	login_or_die(c);
	cdb[5] = 16; /* LBA 16 */
	cdb[8] = 128; /* 64 KiB at 512-byte blocks, fewer at larger ones */
	raw_scsi_cmd_bhs(c, bhs, 0, 1, 128 * 512, cdb, sizeof(cdb));
	if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU)
		return 1;
	rc = raw_recv_pdu(c, &pdu);
	if (rc != RAW_GOT_PDU) {
		raw_say("write-disconnect: FAIL no R2T (%d)", rc);
		return 1;
	}
	raw_say("write-disconnect: got opcode 0x%02x, closing without sending data", raw_opcode(&pdu));
	raw_pdu_free(&pdu);
	return 0;
}

static int cmd_read_disconnect(struct raw_conn *c)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[10] = { 0x28 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	login_or_die(c);
	cdb[7] = 0x08; /* 2048 blocks: 1 MiB at 512 */
	for (int i = 0; i < 8; i++) {
		raw_scsi_cmd_bhs(c, bhs, 1, 0, 2048 * 512, cdb, sizeof(cdb));
		if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU)
			return 1;
	}
	/* A reset rather than a FIN: the target's pending sends fail hard. */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	raw_say("read-disconnect: 8 READs of 1 MiB sent, resetting the connection");
	return 0;
}

/* Sends NOP-Out pings as fast as the CmdSN window allows while draining
 * the NOP-Ins; every ping must be answered. */
static int cmd_nop_flood(struct raw_conn *c)
{
	enum { COUNT = 20000 };
	uint8_t bhs[RAW_BHS_LEN];
	unsigned sent = 0, answered = 0;
	int64_t deadline;

	login_or_die(c);
	deadline = raw_now_ms() + c->timeout_ms * 4;
	while (answered < COUNT && raw_now_ms() < deadline) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int window_open = (int32_t)(c->max_cmdsn - c->cmdsn) >= 0;

		if (sent < COUNT && window_open)
			p.events |= POLLOUT;
		if (poll(&p, 1, 100) < 0)
			continue;
		if (p.revents & POLLOUT) {
			raw_nop_out_bhs(c, bhs, 0);
			if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU) {
				raw_say("nop-flood: FAIL connection lost after %u pings", sent);
				return 1;
			}
			sent++;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			struct raw_pdu pdu;

			if (raw_recv_pdu(c, &pdu) != RAW_GOT_PDU) {
				raw_say("nop-flood: FAIL connection lost after %u answers", answered);
				return 1;
			}
			raw_track_sn(c, &pdu);
			if (raw_opcode(&pdu) == RAW_OP_NOP_IN && raw_get32(pdu.bhs + 16) != 0xffffffff)
				answered++;
			else if (raw_opcode(&pdu) == RAW_OP_REJECT)
				raw_say("  Reject reason 0x%02x", pdu.bhs[2]);
			raw_pdu_free(&pdu);
		}
	}
	raw_say("nop-flood: %u pings sent, %u answered", sent, answered);
	return answered == COUNT ? 0 : 1;
}

static int cmd_bad_target(struct raw_conn *c)
{
	c->target = "iqn.2026-11.org.scstd:no-such-target";
	enum raw_login_result r = raw_login(c, NULL, 0);

	raw_say("bad-target: %s", raw_login_result_name(r));
	return r == RAW_LOGIN_REJECTED || r == RAW_LOGIN_CLOSED ? 0 : 1;
}

/* Key text a target must refuse: a key without '=', an empty key, an
 * over-long key name and a last key without its NUL terminator. */
static int cmd_bad_keys(struct raw_conn *c)
{
	char text[1024], kv[512];
	uint32_t len = 0;

	len = raw_add_session_keys(text, len, sizeof(text), c->initiator, c->target);
	len = raw_add_key(text, len, sizeof(text), "ThisKeyHasNoValue");
	len = raw_add_key(text, len, sizeof(text), "=orphan-value");
	memset(kv, 'K', 300);
	strcpy(kv + 300, "=1");
	len = raw_add_key(text, len, sizeof(text), kv);
	memcpy(text + len, "AuthMethod=None", 15);
	len += 15;
	enum raw_login_result r = raw_login(c, text, len);

	raw_say("bad-keys: %s", raw_login_result_name(r));
	return r == RAW_LOGIN_REJECTED || r == RAW_LOGIN_CLOSED ? 0 : 1;
}

static const struct {
	const char *name;
	int (*fn)(struct raw_conn *c);
} subcommands[] = {
	{ "login", cmd_login },
	{ "split-login", cmd_split_login },
	{ "garbage", cmd_garbage },
	{ "bogus-opcode", cmd_bogus_opcode },
	{ "big-dsl", cmd_big_dsl },
	{ "truncated", cmd_truncated },
	{ "write-disconnect", cmd_write_disconnect },
	{ "read-disconnect", cmd_read_disconnect },
	{ "nop-flood", cmd_nop_flood },
	{ "bad-target", cmd_bad_target },
	{ "bad-keys", cmd_bad_keys },
};

static void usage(void)
{
	fprintf(stderr, "usage: iscsi_badpdu [-t MS] [-l LUN] HOST:PORT TARGET SUBCOMMAND\n"
			"subcommands:");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(stderr, " %s", subcommands[i].name);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct raw_conn c = { .timeout_ms = 5000, .cmdsn = 1, .itt = 1, .lun = 1,
			       .initiator = "iqn.2026-11.org.scstd:badpdu" };
	int opt;

	while ((opt = getopt(argc, argv, "t:l:")) != -1) {
		if (opt == 't')
			c.timeout_ms = atoi(optarg);
		else if (opt == 'l')
			c.lun = strtoull(optarg, NULL, 0);
		else
			usage();
	}
	if (argc - optind != 3 || c.timeout_ms <= 0)
		usage();
	c.target = argv[optind + 1];
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[optind + 2], subcommands[i].name))
			continue;
		c.fd = raw_tcp_connect(argv[optind]);
		if (c.fd < 0) {
			fprintf(stderr, "cannot connect to %s\n", argv[optind]);
			return 2;
		}
		int rc = subcommands[i].fn(&c);
		close(c.fd);
		return rc;
	}
	usage();
	return 2;
}
