/* iscsi_taskset.c - clearing another initiator's task set, seen from the
 * wire.  Two raw iSCSI sessions (RFC 7143, raw_iscsi.c's login) under two
 * initiator names: A sends a WRITE and holds back its Data-Out, so the
 * command stays outstanding; B then clears A's task set with a task
 * management function or PERSISTENT RESERVE OUT PREEMPT AND ABORT.  The
 * tool checks what A sees: TASK ABORTED status for the held WRITE when
 * the LU's TAS bit is set (and no unit attention for it), otherwise no
 * status for it and the unit attention the action calls for.  It also
 * checks that the control mode page reports the TAS bit expected.
 * ACTION ordered checks task attributes on A alone: behind the held WRITE
 * an ORDERED command waits, a SIMPLE one after it waits too, a HEAD OF
 * QUEUE one is answered at once; the Data-Out then releases them in order.
 * ACTION abort_finished sends ABORT TASK for an 8 MiB READ whose data the
 * tool does not read yet (finished, its response still being sent) and
 * expects the TMF response code given in place of TAS (0 function
 * complete, 1 task does not exist).
 *
 *   iscsi_taskset [-t MS] HOST:PORT TARGET-IQN LUN ACTION TAS
 *
 * ACTION hold_release holds a WRITE on A alone, prints "held" and waits
 * for a line on standard input (meanwhile the LUN and its device may be
 * deleted), then sends the Data-Out and expects GOOD: a command that
 * started before its LUN went away still completes on its device.
 *
 * ACTION: clear_task_set | lun_reset | preempt_abort | ordered | abort_finished |
 * hold_release.  TAS: 0 or 1 (ignored by hold_release).
 * B-HOST:PORT B-TARGET (optional) puts B on another target port, e.g.
 * another daemon exporting the same LU (vdisk_rbd's shared reservations).
 * Prints one line per check; exit 0 all held, 1 a check failed, 2 setup
 * failed.  Every wait is bounded. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw_iscsi.h"

enum { TMF_ABORT_TASK = 1, TMF_CLEAR_TASK_SET = 4, TMF_LUN_RESET = 5 };

static int failures;

static void check(bool good, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", good ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!good)
		failures++;
}

enum { ATTR_SIMPLE = 1, ATTR_ORDERED = 2, ATTR_HEAD_OF_QUEUE = 3 };

static uint32_t send_cmd_attr(struct raw_conn *c, const uint8_t *cdb, size_t cdblen, bool read,
			      uint32_t edtl, const void *out, uint32_t outlen, uint8_t attr)
{
	uint8_t bhs[RAW_BHS_LEN];
	uint32_t itt = c->itt;

	raw_scsi_cmd_bhs(c, bhs, read, outlen || (!read && edtl), edtl, cdb, cdblen);
	bhs[1] = (uint8_t)((bhs[1] & ~7u) | attr);
	raw_put24(bhs + 5, outlen);
	raw_send_pdu(c, bhs, out, outlen);
	return itt;
}

static uint32_t send_cmd(struct raw_conn *c, const uint8_t *cdb, size_t cdblen, bool read,
			 uint32_t edtl, const void *out, uint32_t outlen)
{
	uint8_t bhs[RAW_BHS_LEN];
	uint32_t itt = c->itt;

	raw_scsi_cmd_bhs(c, bhs, read, outlen || (!read && edtl), edtl, cdb, cdblen);
	raw_put24(bhs + 5, outlen);
	raw_send_pdu(c, bhs, out, outlen);
	return itt;
}

static void run_cmd(struct raw_conn *c, const uint8_t *cdb, size_t cdblen, bool read, uint32_t edtl,
		    const void *out, uint32_t outlen, struct raw_answer *a)
{
	uint32_t itt = send_cmd(c, cdb, cdblen, read, edtl, out, outlen);

	raw_wait_for(c, itt, a, raw_now_ms() + c->timeout_ms, 0, NULL);
}

/* TEST UNIT READY until GOOD: the unit attentions of a new nexus go. */
static bool clear_uas(struct raw_conn *c)
{
	static const uint8_t tur[6];
	struct raw_answer a;

	for (int i = 0; i < 8; i++) {
		run_cmd(c, tur, sizeof(tur), false, 0, NULL, 0, &a);
		if (a.got && a.status == 0)
			return true;
	}
	return false;
}

/* The unit attentions queued for c, in order (at most max). */
static unsigned collect_uas(struct raw_conn *c, struct raw_answer *uas, unsigned max)
{
	static const uint8_t tur[6];
	unsigned n = 0;

	while (n < max) {
		run_cmd(c, tur, sizeof(tur), false, 0, NULL, 0, &uas[n]);
		if (!uas[n].got || uas[n].status != 2 || uas[n].key != 6)
			break;
		n++;
	}
	return n;
}

static bool has_ua(const struct raw_answer *uas, unsigned n, uint8_t asc, int ascq)
{
	for (unsigned i = 0; i < n; i++)
		if (uas[i].asc == asc && (ascq < 0 || uas[i].ascq == ascq))
			return true;
	return false;
}

static void pr_out(struct raw_conn *c, unsigned sa, unsigned type, uint64_t key, uint64_t sa_key,
		   struct raw_answer *a)
{
	uint8_t cdb[10] = { 0x5f, (uint8_t)sa, (uint8_t)type, 0, 0, 0, 0, 0, 24, 0 };
	uint8_t param[24] = { 0 };

	for (int i = 0; i < 8; i++) {
		param[i] = (uint8_t)(key >> (56 - 8 * i));
		param[8 + i] = (uint8_t)(sa_key >> (56 - 8 * i));
	}
	run_cmd(c, cdb, sizeof(cdb), false, sizeof(param), param, sizeof(param), a);
}

static void tmf(struct raw_conn *c, unsigned fn, struct raw_answer *a)
{
	uint8_t bhs[RAW_BHS_LEN];
	uint32_t itt = raw_tmf_bhs(c, bhs, fn, 0xffffffff, 0);

	raw_send_pdu(c, bhs, NULL, 0);
	raw_wait_for(c, itt, a, raw_now_ms() + c->timeout_ms, 0, NULL);
}

/* small_rcvbuf keeps the target's Data-In in its socket. */
static bool open_session(struct raw_conn *c, const char *hostport, bool small_rcvbuf)
{
	int small = 32 * 1024;

	c->fd = raw_tcp_connect(hostport);
	if (c->fd < 0)
		return false;
	if (small_rcvbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	return raw_login(c, NULL, 0) == RAW_LOGIN_OK && clear_uas(c);
}

/* A WRITE(10) of one block whose Data-Out never comes: the target asks
 * for it with an R2T, and the command stays outstanding. */
static uint32_t held_ttt;

static bool hold_write(struct raw_conn *c, uint32_t *itt)
{
	uint8_t cdb[10] = { 0x2a, 0, 0, 0, 0, 8, 0, 0, 1, 0 };
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	struct raw_pdu pdu;

	*itt = send_cmd(c, cdb, sizeof(cdb), false, 512, NULL, 0);
	while (raw_recv_pdu_until(c, &pdu, deadline) == RAW_GOT_PDU) {
		bool r2t = raw_opcode(&pdu) == RAW_OP_R2T && raw_get32(pdu.bhs + 16) == *itt;

		if (r2t)
			held_ttt = raw_get32(pdu.bhs + 20);
		raw_track_sn(c, &pdu);
		raw_pdu_free(&pdu);
		if (r2t)
			return true;
	}
	return false;
}

/* The Data-Out the held WRITE's R2T asked for. */
static void release_write(struct raw_conn *c, uint32_t itt)
{
	uint8_t bhs[RAW_BHS_LEN], data[512] = { 0 };

	raw_data_out_bhs(c, bhs, itt, held_ttt, 0);
	raw_send_pdu(c, bhs, data, sizeof(data));
}

/* Reads responses until the deadline or until `want` commands are
 * answered; the ITTs in order of arrival go to order[]. */
static unsigned answered(struct raw_conn *c, uint32_t *order, unsigned want, int ms)
{
	int64_t deadline = raw_now_ms() + ms;
	unsigned n = 0;
	struct raw_pdu pdu;

	while (n < want && raw_recv_pdu_until(c, &pdu, deadline) == RAW_GOT_PDU) {
		int op = raw_opcode(&pdu);

		raw_track_sn(c, &pdu);
		if (op == RAW_OP_SCSI_RSP || (op == RAW_OP_DATA_IN && (pdu.bhs[1] & 0x01)))
			order[n++] = raw_get32(pdu.bhs + 16);
		raw_pdu_free(&pdu);
	}
	return n;
}

static void check_ordered(struct raw_conn *a)
{
	static const uint8_t tur[6];
	uint32_t w, o, s, h, got[4];
	unsigned n;

	if (!hold_write(a, &w)) {
		check(false, "setup: no R2T for the held WRITE");
		return;
	}
	o = send_cmd_attr(a, tur, sizeof(tur), false, 0, NULL, 0, ATTR_ORDERED);
	s = send_cmd_attr(a, tur, sizeof(tur), false, 0, NULL, 0, ATTR_SIMPLE);
	h = send_cmd_attr(a, tur, sizeof(tur), false, 0, NULL, 0, ATTR_HEAD_OF_QUEUE);
	n = answered(a, got, 4, 1000);
	check(n == 1 && got[0] == h, "only HEAD OF QUEUE is answered while the WRITE is "
	      "outstanding (%u answers)", n);
	release_write(a, w);
	n = answered(a, got, 3, a->timeout_ms);
	check(n == 3 && got[0] == w && got[1] == o && got[2] == s,
	      "after the Data-Out: WRITE, then ORDERED, then SIMPLE (%u answers)", n);
}

static bool control_page_tas(struct raw_conn *c, bool *tas)
{
	uint8_t cdb[6] = { 0x1a, 0x08, 0x0a, 0, 64, 0 };   /* DBD, control page */
	struct raw_answer a;

	run_cmd(c, cdb, sizeof(cdb), true, 64, NULL, 0, &a);
	if (!a.got || a.status != 0 || a.data_len < 4 + 6 || a.data[4] != 0x0a)
		return false;
	*tas = a.data[4 + 5] & 0x40;
	return true;
}

/* B's action against A's nexus; false when B's own command failed. */
static bool clear_from_b(struct raw_conn *b, const char *action)
{
	struct raw_answer a;

	if (!strcmp(action, "clear_task_set")) {
		tmf(b, TMF_CLEAR_TASK_SET, &a);
		check(a.got && a.status == 0, "CLEAR TASK SET from B: function complete");
	} else if (!strcmp(action, "lun_reset")) {
		tmf(b, TMF_LUN_RESET, &a);
		check(a.got && a.status == 0, "LUN RESET from B: function complete");
	} else {
		pr_out(b, 5, 1, 0xb, 0xa, &a);     /* PREEMPT AND ABORT key A, WE */
		check(a.got && a.status == 0, "PREEMPT AND ABORT from B: GOOD");
	}
	return a.got && a.status == 0;
}

static bool register_keys(struct raw_conn *a, struct raw_conn *b)
{
	struct raw_answer ra, rb;

	pr_out(a, 0, 0, 0, 0xa, &ra);
	pr_out(b, 0, 0, 0, 0xb, &rb);
	return ra.got && ra.status == 0 && rb.got && rb.status == 0;
}

/* What A must see afterwards. */
static void check_holder_side(struct raw_conn *a, const char *action, bool tas, uint32_t held)
{
	static const uint8_t tur[6];
	struct raw_answer wr, t, uas[6];
	bool reset = !strcmp(action, "lun_reset");
	unsigned n;

	if (tas) {
		raw_wait_for(a, held, &wr, raw_now_ms() + a->timeout_ms, 0, NULL);
		check(wr.got && wr.status == 0x40, "TAS=1: A's held WRITE ends with TASK ABORTED "
		      "(got %s 0x%02x)", wr.got ? "status" : "nothing", wr.status);
	} else {
		memset(&wr, 0, sizeof(wr));
		raw_wait_for(a, send_cmd(a, tur, sizeof(tur), false, 0, NULL, 0), &t,
			 raw_now_ms() + a->timeout_ms, held, &wr);
		check(!wr.got, "TAS=0: A's held WRITE gets no status");
		check(t.got && t.status == 2 && t.key == 6,
		      "TAS=0: A's next command reports a unit attention (%x/%02x/%02x)", t.key,
		      t.asc, t.ascq);
		uas[0] = t;
		n = 1 + collect_uas(a, uas + 1, 5);
		if (reset)
			check(has_ua(uas, n, 0x29, -1) && !has_ua(uas, n, 0x2f, 0),
			      "LUN RESET: A gets the reset UA, not COMMANDS CLEARED");
		else
			check(has_ua(uas, n, 0x2f, 0),
			      "A gets COMMANDS CLEARED BY ANOTHER INITIATOR (06/2F/00)");
		return;
	}
	n = collect_uas(a, uas, 6);
	check(!has_ua(uas, n, 0x2f, 0), "TAS=1: no COMMANDS CLEARED unit attention for A");
}

/* ABORT TASK for a READ whose Data-In is stuck in the socket: the target
 * finished it and is sending its response. */
static void check_abort_finished(struct raw_conn *a, uint8_t want)
{
	uint8_t cdb[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0x40, 0, 0 };  /* 16384 blocks */
	uint8_t bhs[RAW_BHS_LEN];
	uint32_t rd, tm, cmdsn = a->cmdsn;
	int64_t deadline;
	bool read_done = false, tmf_done = false;
	uint8_t tmf_rsp = 0xff;
	struct raw_pdu pdu;

	rd = send_cmd(a, cdb, sizeof(cdb), true, 8u << 20, NULL, 0);
	usleep(300 * 1000);     /* the target has read the data and is sending */
	tm = raw_tmf_bhs(a, bhs, TMF_ABORT_TASK, rd, cmdsn);
	raw_send_pdu(a, bhs, NULL, 0);
	deadline = raw_now_ms() + a->timeout_ms;
	while (!(read_done && tmf_done) && raw_recv_pdu_until(a, &pdu, deadline) == RAW_GOT_PDU) {
		int op = raw_opcode(&pdu);
		uint32_t itt = raw_get32(pdu.bhs + 16);

		raw_track_sn(a, &pdu);
		if (itt == rd && (op == RAW_OP_SCSI_RSP || (op == RAW_OP_DATA_IN && (pdu.bhs[1] & 0x01))))
			read_done = true;
		if (itt == tm && op == RAW_OP_TMF_RSP) {
			tmf_done = true;
			tmf_rsp = pdu.bhs[2];
		}
		raw_pdu_free(&pdu);
	}
	check(read_done, "the READ completes");
	check(tmf_done && tmf_rsp == want, "ABORT TASK of the finished READ answers %u (got %d)",
	      want, tmf_done ? tmf_rsp : -1);
}

static void check_hold_release(struct raw_conn *a)
{
	char line[64];
	struct raw_answer x;
	uint32_t held;

	if (!hold_write(a, &held)) {
		check(false, "R2T for the held WRITE");
		return;
	}
	printf("held\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		check(false, "a go-ahead line on standard input");
		return;
	}
	release_write(a, held);
	raw_wait_for(a, held, &x, raw_now_ms() + a->timeout_ms, 0, NULL);
	check(x.got && x.status == 0, "held WRITE completes GOOD after its Data-Out (status %#x)",
	      x.status);
}

int main(int argc, char **argv)
{
	struct raw_conn a = { .timeout_ms = 5000, .initiator = "iqn.2026-12.org.scstd:taskset-a",
			      .immediate_data = true };
	struct raw_conn b = { .timeout_ms = 5000, .initiator = "iqn.2026-12.org.scstd:taskset-b",
			      .immediate_data = true };
	int opt;
	uint32_t held;
	int tas;
	bool page_tas;
	const char *action, *b_addr;

	while ((opt = getopt(argc, argv, "t:")) != -1)
		a.timeout_ms = b.timeout_ms = atoi(optarg);
	if (argc - optind != 5 && argc - optind != 7) {
		fprintf(stderr, "usage: %s [-t MS] HOST:PORT TARGET LUN "
			"clear_task_set|lun_reset|preempt_abort TAS [B-HOST:PORT B-TARGET]\n",
			argv[0]);
		return 2;
	}
	a.target = b.target = argv[optind + 1];
	b_addr = argv[optind];
	if (argc - optind == 7) {
		b_addr = argv[optind + 5];
		b.target = argv[optind + 6];
	}
	a.lun = b.lun = strtoull(argv[optind + 2], NULL, 0);
	action = argv[optind + 3];
	tas = atoi(argv[optind + 4]);
	a.itt = b.itt = 1;
	if (!strcmp(action, "hold_release")) {
		if (!open_session(&a, argv[optind], false)) {
			raw_say("setup: cannot log in");
			return 2;
		}
		check_hold_release(&a);
		close(a.fd);
		return failures ? 1 : 0;
	}
	if (!strcmp(action, "ordered") || !strcmp(action, "abort_finished")) {
		bool abort_finished = !strcmp(action, "abort_finished");

		if (!open_session(&a, argv[optind], abort_finished)) {
			raw_say("setup: cannot log in");
			return 2;
		}
		if (abort_finished)
			check_abort_finished(&a, (uint8_t)tas);
		else
			check_ordered(&a);
		close(a.fd);
		return failures ? 1 : 0;
	}
	if (!open_session(&a, argv[optind], false) || !open_session(&b, b_addr, false)) {
		raw_say("setup: cannot log in two sessions");
		return 2;
	}
	check(control_page_tas(&b, &page_tas) && page_tas == tas,
	      "control mode page reports TAS=%d", tas);
	if (!strcmp(action, "preempt_abort") && !register_keys(&a, &b)) {
		raw_say("setup: PR registration failed");
		return 2;
	}
	if (!hold_write(&a, &held)) {
		raw_say("setup: no R2T for the held WRITE");
		return 2;
	}
	if (clear_from_b(&b, action))
		check_holder_side(&a, action, tas, held);
	if (!strcmp(action, "preempt_abort")) {
		struct raw_answer x;

		pr_out(&b, 3, 0, 0xb, 0, &x);       /* CLEAR: leave no registrations */
		check(x.got && x.status == 0, "B clears the registrations");
	}
	close(a.fd);
	close(b.fd);
	return failures ? 1 : 0;
}
