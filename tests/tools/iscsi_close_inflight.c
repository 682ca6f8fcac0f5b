/* iscsi_close_inflight.c - connections that end, and commands that are
 * aborted, while the target still has io_uring operations in flight on
 * their memory: a recv landing in a WRITE's buffer (Data-Out or immediate
 * data only partly sent), a sendmsg of a READ's Data-In the initiator does
 * not read, a read or write of the backing file.  Raw iSCSI sessions
 * (raw_iscsi.c) run the scenarios below in turn until the time or the
 * iteration budget is used up:
 *
 *   rst_mid_dataout     half a Data-Out segment sent, then TCP RST
 *   fin_mid_dataout     only the Data-Out header and a few bytes, then close
 *   reinstate_dataout   half a Data-Out segment, then the same initiator and
 *                       ISID log in again (session reinstatement closes the
 *                       old connection while its recv is in flight)
 *   lun_reset_dataout   half a Data-Out segment; another initiator resets
 *                       the LUN; the rest of the segment follows; the TMF
 *                       must be answered and the first session still work
 *   rst_read_unread     a 4 MiB READ whose Data-In is not read, then RST
 *   rst_after_write     a whole 256 KiB WRITE sent, then RST at once
 *   abort_backend_read  a 4 MiB READ and ABORT TASK for it right away
 *   reinstate_immdata   immediate data only partly sent, then reinstatement
 *   lun_reset_stalled   half a Data-Out segment; another initiator resets the
 *                       LUN and must get its answer within 2 s although the
 *                       segment is not complete (the target stops receiving
 *                       into the aborted WRITE's buffer); then the rest of
 *                       the segment follows and the first session still works
 *
 *   iscsi_close_inflight [-t MS] [-s SCENARIO] HOST:PORT TARGET-IQN LUN SECONDS
 *                        MAX-ITERATIONS
 *
 * -s runs that one scenario only (to show which one a target fails).
 * The LUN must hold at least 64 MiB.  Prints one line per scenario with its
 * count, then "iterations N"; exit 0 when every check held, 1 when one
 * failed (each failure is printed), 2 when setup failed.  Every wait is
 * bounded by the timeout (-t, default 5000 ms). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw_iscsi.h"

#define NAME_A "iqn.2026-11.org.scstd:close-inflight-a"
#define NAME_B "iqn.2026-11.org.scstd:close-inflight-b"
#define WRITE_LEN (1024u * 1024)
#define READ_LEN (4u * 1024 * 1024)
#define LUN_BLOCKS_USED (64u * 1024 * 1024 / 512)

enum { TMF_ABORT_TASK = 1, TMF_LUN_RESET = 5 };

static const char *hostport, *target;
static uint64_t lun;
static int timeout_ms = 5000;
static int failures;
static uint8_t payload[WRITE_LEN];

static void fail(const char *scenario, const char *what)
{
	raw_say("FAIL %s: %s", scenario, what);
	failures++;
}

static void conn_init(struct raw_conn *c, const char *initiator, bool immediate)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	c->initiator = initiator;
	c->target = target;
	c->lun = lun;
	c->immediate_data = immediate;
}

static void send_cdb(struct raw_conn *c, const uint8_t *cdb, bool read, uint32_t edtl,
		     const void *imm, uint32_t imm_len, uint32_t *itt)
{
	uint8_t bhs[RAW_BHS_LEN];

	*itt = c->itt;
	raw_scsi_cmd_bhs(c, bhs, read, !read && edtl, edtl, cdb, 10);
	raw_send_pdu(c, bhs, imm, imm_len);
}

static void tur(struct raw_conn *c, struct raw_answer *a)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[10] = { 0 };
	uint32_t itt = c->itt;

	raw_scsi_cmd_bhs(c, bhs, false, false, 0, cdb, 6);
	raw_send_pdu(c, bhs, NULL, 0);
	raw_wait_for(c, itt, a, raw_now_ms() + c->timeout_ms, 0, NULL);
}

/* Logs in on c->fd and consumes the unit attentions earlier scenarios
 * left (a LUN RESET's, for one). */
static bool session_login(struct raw_conn *c)
{
	struct raw_answer a;

	if (raw_login(c, NULL, 0) != RAW_LOGIN_OK)
		return false;
	for (int i = 0; i < 8; i++) {
		tur(c, &a);
		if (a.got && a.status == 0)
			return true;
	}
	return false;
}

static bool session_open(struct raw_conn *c)
{
	c->fd = raw_tcp_connect(hostport);
	return c->fd >= 0 && session_login(c);
}

static void close_rst(struct raw_conn *c)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
	c->fd = -1;
}

static void close_plain(struct raw_conn *c)
{
	close(c->fd);
	c->fd = -1;
}

static uint32_t pick_lba(unsigned iter, uint32_t len)
{
	uint32_t span = LUN_BLOCKS_USED - len / 512;

	return (iter * 2654435761u) % span;
}

static void rw10(uint8_t *cdb, bool read, uint32_t lba, uint32_t len)
{
	memset(cdb, 0, 10);
	cdb[0] = read ? 0x28 : 0x2a;
	raw_put32(cdb + 2, lba);
	raw_put16(cdb + 7, (uint16_t)(len / 512));
}

/* Waits for the R2T of itt; false when none came. */
static bool wait_r2t(struct raw_conn *c, uint32_t itt, uint32_t *ttt, uint32_t *off,
		     uint32_t *len)
{
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	struct raw_pdu pdu;

	while (raw_recv_pdu_until(c, &pdu, deadline) == RAW_GOT_PDU) {
		bool hit = raw_opcode(&pdu) == RAW_OP_R2T && raw_get32(pdu.bhs + 16) == itt;

		raw_track_sn(c, &pdu);
		if (hit) {
			*ttt = raw_get32(pdu.bhs + 20);
			*off = raw_get32(pdu.bhs + 40);
			*len = raw_get32(pdu.bhs + 44);
		}
		raw_pdu_free(&pdu);
		if (hit)
			return true;
	}
	return false;
}

/* A WRITE whose first solicited Data-Out segment is sent up to `sent`
 * bytes of its data; *seg says how long the segment announced is. */
struct held_write {
	uint32_t itt, ttt, off, seg;
};

static bool start_write_partly(struct raw_conn *c, unsigned iter, uint32_t sent_of_256k,
			       struct held_write *w)
{
	uint8_t cdb[10], bhs[RAW_BHS_LEN];
	uint32_t r2t_len;

	rw10(cdb, false, pick_lba(iter, WRITE_LEN), WRITE_LEN);
	send_cdb(c, cdb, false, WRITE_LEN, NULL, 0, &w->itt);
	if (!wait_r2t(c, w->itt, &w->ttt, &w->off, &r2t_len))
		return false;
	w->seg = r2t_len < c->target_mrdsl ? r2t_len : c->target_mrdsl;
	raw_data_out_bhs(c, bhs, w->itt, w->ttt, w->off);
	bhs[1] = w->seg == r2t_len ? 0x80 : 0;
	raw_put24(bhs + 5, w->seg);
	if (sent_of_256k > w->seg)
		sent_of_256k = w->seg;
	return raw_send_all(c, bhs, sizeof(bhs)) == RAW_GOT_PDU &&
	       raw_send_all(c, payload, sent_of_256k) == RAW_GOT_PDU;
}

static bool scenario_rst_mid_dataout(unsigned iter, bool rst, uint32_t sent)
{
	struct raw_conn a;
	struct held_write w;

	conn_init(&a, NAME_A, false);
	if (!session_open(&a) || !start_write_partly(&a, iter, sent, &w)) {
		if (a.fd >= 0)
			close_plain(&a);
		return false;
	}
	if (rst)
		close_rst(&a);
	else
		close_plain(&a);
	return true;
}

static bool scenario_reinstate_dataout(unsigned iter)
{
	struct raw_conn a, b;
	struct held_write w;
	struct raw_answer ans;
	uint8_t cdb[10];
	uint32_t itt;
	bool ok;

	conn_init(&a, NAME_A, false);
	conn_init(&b, NAME_A, false);           /* same name and ISID: reinstates */
	if (!session_open(&a) || !start_write_partly(&a, iter, 128 * 1024, &w)) {
		if (a.fd >= 0)
			close_plain(&a);
		return false;
	}
	ok = session_open(&b);
	if (ok) {
		rw10(cdb, true, pick_lba(iter, 65536), 65536);
		send_cdb(&b, cdb, true, 65536, NULL, 0, &itt);
		raw_wait_for(&b, itt, &ans, raw_now_ms() + b.timeout_ms, 0, NULL);
		if (!ans.got || ans.status != 0)
			fail("reinstate_dataout", "READ on the new session did not end GOOD");
	}
	close_rst(&a);
	if (b.fd >= 0)
		close_plain(&b);
	return ok;
}

/* A LUN RESET from another session while a WRITE's Data-Out is half
 * received.  rest_first: the rest of the segment follows the TMF at once
 * (the aborted WRITE's buffer takes it); otherwise the initiator stalls
 * and the reset must be answered within 2 s without the rest. */
static bool lun_reset_mid_write(unsigned iter, const char *name, bool rest_first)
{
	struct raw_conn a, b;
	struct held_write w;
	struct raw_answer tmf, t;
	uint8_t bhs[RAW_BHS_LEN];
	uint32_t sent = 128 * 1024, titt;
	bool ok = false;

	conn_init(&a, NAME_A, false);
	conn_init(&b, NAME_B, false);
	if (!session_open(&a) || !session_open(&b) || !start_write_partly(&a, iter, sent, &w))
		goto out;
	titt = raw_tmf_bhs(&b, bhs, TMF_LUN_RESET, 0xffffffff, 0);
	raw_send_pdu(&b, bhs, NULL, 0);
	if (rest_first) {
		usleep(2000);
		if (raw_send_all(&a, payload + sent, w.seg - sent) != RAW_GOT_PDU)
			goto out;
	}
	raw_wait_for(&b, titt, &tmf, raw_now_ms() + (rest_first ? b.timeout_ms : 2000), 0, NULL);
	if (!tmf.got || tmf.status != 0)
		fail(name, rest_first ? "LUN RESET not answered with function complete"
				      : "LUN RESET not answered within 2 s");
	if (!rest_first && raw_send_all(&a, payload + sent, w.seg - sent) != RAW_GOT_PDU)
		goto out;
	tur(&a, &t);
	if (!t.got)
		fail(name, "session of the reset WRITE does not answer any more");
	ok = true;
out:
	if (a.fd >= 0)
		close_plain(&a);
	if (b.fd >= 0)
		close_plain(&b);
	return ok;
}

static bool scenario_rst_read_unread(unsigned iter)
{
	struct raw_conn a;
	uint8_t cdb[10];
	uint32_t itt;
	int small = 16 * 1024;

	conn_init(&a, NAME_A, false);
	a.fd = raw_tcp_connect(hostport);
	if (a.fd < 0)
		return false;
	setsockopt(a.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (!session_login(&a)) {
		close_plain(&a);
		return false;
	}
	rw10(cdb, true, pick_lba(iter, READ_LEN), READ_LEN);
	send_cdb(&a, cdb, true, READ_LEN, NULL, 0, &itt);
	usleep((iter % 4) * 1000);
	close_rst(&a);
	return true;
}

static bool scenario_rst_after_write(unsigned iter)
{
	struct raw_conn a;
	struct held_write w;

	conn_init(&a, NAME_A, false);
	if (!session_open(&a) || !start_write_partly(&a, iter, 256 * 1024, &w)) {
		if (a.fd >= 0)
			close_plain(&a);
		return false;
	}
	close_rst(&a);
	return true;
}

static bool scenario_abort_backend_read(unsigned iter)
{
	struct raw_conn a;
	struct raw_answer tmf;
	uint8_t cdb[10], bhs[RAW_BHS_LEN];
	uint32_t itt, cmdsn, titt;

	conn_init(&a, NAME_A, false);
	if (!session_open(&a)) {
		if (a.fd >= 0)
			close_plain(&a);
		return false;
	}
	rw10(cdb, true, pick_lba(iter, READ_LEN), READ_LEN);
	cmdsn = a.cmdsn;
	send_cdb(&a, cdb, true, READ_LEN, NULL, 0, &itt);
	titt = raw_tmf_bhs(&a, bhs, TMF_ABORT_TASK, itt, cmdsn);
	raw_send_pdu(&a, bhs, NULL, 0);
	raw_wait_for(&a, titt, &tmf, raw_now_ms() + a.timeout_ms, 0, NULL);
	/* 0 (aborted) or 1 (already finished) are both right here. */
	if (!tmf.got || tmf.status > 1)
		fail("abort_backend_read", "ABORT TASK not answered");
	close_plain(&a);
	return true;
}

static bool scenario_reinstate_immdata(unsigned iter)
{
	struct raw_conn a, b;
	uint8_t cdb[10], bhs[RAW_BHS_LEN];
	uint32_t len = 65536;
	bool ok;

	conn_init(&a, NAME_A, true);
	conn_init(&b, NAME_A, false);
	if (!session_open(&a)) {
		if (a.fd >= 0)
			close_plain(&a);
		return false;
	}
	rw10(cdb, false, pick_lba(iter, len), len);
	raw_scsi_cmd_bhs(&a, bhs, false, true, len, cdb, 10);
	raw_put24(bhs + 5, len);
	if (raw_send_all(&a, bhs, sizeof(bhs)) != RAW_GOT_PDU ||
	    raw_send_all(&a, payload, 20000) != RAW_GOT_PDU) {
		close_plain(&a);
		return false;
	}
	ok = session_open(&b);
	close_rst(&a);
	if (b.fd >= 0)
		close_plain(&b);
	return ok;
}

static const char *const names[] = {
	"rst_mid_dataout", "fin_mid_dataout", "reinstate_dataout", "lun_reset_dataout",
	"rst_read_unread", "rst_after_write", "abort_backend_read", "reinstate_immdata",
	"lun_reset_stalled",
};
#define NSCENARIOS (sizeof(names) / sizeof(names[0]))

static bool run_scenario(unsigned s, unsigned iter)
{
	switch (s) {
	case 0: return scenario_rst_mid_dataout(iter, true, 128 * 1024);
	case 1: return scenario_rst_mid_dataout(iter, false, 100);
	case 2: return scenario_reinstate_dataout(iter);
	case 3: return lun_reset_mid_write(iter, "lun_reset_dataout", true);
	case 4: return scenario_rst_read_unread(iter);
	case 5: return scenario_rst_after_write(iter);
	case 6: return scenario_abort_backend_read(iter);
	case 7: return scenario_reinstate_immdata(iter);
	default: return lun_reset_mid_write(iter, "lun_reset_stalled", false);
	}
}

int main(int argc, char **argv)
{
	unsigned counts[NSCENARIOS] = { 0 }, iter = 0, max_iter, only = NSCENARIOS;
	int64_t end;
	int opt;

	while ((opt = getopt(argc, argv, "t:s:")) != -1) {
		if (opt == 't')
			timeout_ms = atoi(optarg);
		for (unsigned s = 0; opt == 's' && s < NSCENARIOS; s++)
			if (!strcmp(optarg, names[s]))
				only = s;
		if (opt == 's' && only == NSCENARIOS) {
			fprintf(stderr, "unknown scenario %s\n", optarg);
			return 2;
		}
	}
	if (argc - optind != 5) {
		fprintf(stderr, "usage: %s [-t MS] [-s SCENARIO] HOST:PORT TARGET-IQN LUN SECONDS "
			"MAX-ITERATIONS\n", argv[0]);
		return 2;
	}
	hostport = argv[optind];
	target = argv[optind + 1];
	lun = strtoull(argv[optind + 2], NULL, 0);
	end = raw_now_ms() + 1000 * (int64_t)atoi(argv[optind + 3]);
	max_iter = (unsigned)atoi(argv[optind + 4]);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	while (iter < max_iter && raw_now_ms() < end) {
		unsigned s = only < NSCENARIOS ? only : iter % NSCENARIOS;

		if (!run_scenario(s, iter)) {
			raw_say("FAIL %s: setup (login, R2T or send) failed at iteration %u",
				names[s], iter);
			return 2;
		}
		counts[s]++;
		iter++;
	}
	for (size_t s = 0; s < NSCENARIOS; s++)
		if (only == NSCENARIOS || only == s)
			raw_say("%s %u", names[s], counts[s]);
	raw_say("iterations %u", iter);
	return failures ? 1 : 0;
}
