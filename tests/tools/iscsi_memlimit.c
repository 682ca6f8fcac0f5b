/* iscsi_memlimit.c - the command memory limit (README.scst
 * scst_max_cmd_mem) seen from the wire.  Two raw iSCSI sessions
 * (raw_iscsi.c's login): A sends HOLD WRITEs of SIZE KiB and holds back
 * their Data-Out, so their buffers stay allocated; then commands of OVER
 * KiB, which no longer fit, must be answered at once: TASK SET FULL on A
 * (it has other commands outstanding), BUSY on B (its only command), for
 * WRITE and READ alike, without taking a slot of the CmdSN window and
 * without an R2T.  B negotiates ImmediateData=Yes, so its refused WRITE
 * brings 64 KiB of immediate data the target takes and drops.  A WRITE
 * SAME whose own buffer fits but whose pattern buffer does not is refused
 * by the handler and writes nothing.  Then
 * A sends the held data, every WRITE ends GOOD, a WRITE of OVER KiB now
 * succeeds and the data reads back as written.
 *
 *   iscsi_memlimit [-t MS] HOST:PORT TARGET-IQN LUN HOLD SIZE-KIB OVER-KIB
 *
 * After holding it prints "held" and waits for a line on standard input,
 * after the refusals "refused" and waits again (the caller reads the
 * management tree meanwhile).  Prints one line per check; exit 0 all held,
 * 1 a check failed, 2 setup failed.  Every wait is bounded. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw_iscsi.h"

#define MAX_HOLD 16
#define SAM_GOOD 0x00
#define SAM_BUSY 0x08
#define SAM_TASK_SET_FULL 0x28

struct held {
	uint32_t itt;
	uint64_t lba;
	uint32_t r2t_ttt, r2t_off, r2t_len;     /* the pending R2T */
	bool r2t, answered;
	uint8_t status;
};

static int failures;
static uint32_t block_size;

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

static void wait_for_line(const char *what)
{
	char line[64];

	raw_say("%s", what);
	if (!fgets(line, sizeof(line), stdin))
		raw_say("no line on stdin: going on");
}

/* Every byte of the medium has its own value, so misplaced data shows. */
static uint8_t pattern_at(uint64_t byte)
{
	return (uint8_t)(byte * 7 + (byte >> 9) * 13 + 1);
}

static void fill_pattern(uint8_t *buf, uint64_t byte, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = pattern_at(byte + i);
}

/* READ(10) or WRITE(10); a WRITE on a session with ImmediateData=Yes
 * carries its first IMM_BYTES as immediate data. */
#define IMM_BYTES 65536u                /* raw_login's FirstBurstLength */

static uint32_t send_rw(struct raw_conn *c, bool read, uint64_t lba, uint32_t bytes)
{
	uint8_t cdb[10] = { read ? 0x28 : 0x2a }, bhs[RAW_BHS_LEN];
	uint32_t itt = c->itt, blocks = bytes / block_size;
	uint32_t imm = !read && c->immediate_data ? (bytes < IMM_BYTES ? bytes : IMM_BYTES) : 0;
	uint8_t *data = imm ? malloc(imm) : NULL;

	if (data)
		fill_pattern(data, lba * block_size, imm);
	else
		imm = 0;
	raw_put32(cdb + 2, (uint32_t)lba);
	raw_put16(cdb + 7, (uint16_t)blocks);
	raw_scsi_cmd_bhs(c, bhs, read, !read, bytes, cdb, sizeof(cdb));
	raw_send_pdu(c, bhs, data, imm);
	free(data);
	return itt;
}

static bool open_session(struct raw_conn *c, const char *hostport)
{
	static const uint8_t tur[6];
	struct raw_answer a;
	uint8_t bhs[RAW_BHS_LEN];

	c->fd = raw_tcp_connect(hostport);
	if (c->fd < 0 || raw_login(c, NULL, 0) != RAW_LOGIN_OK)
		return false;
	for (int i = 0; i < 8; i++) {           /* the new nexus's unit attentions */
		uint32_t itt = c->itt;

		raw_scsi_cmd_bhs(c, bhs, false, false, 0, tur, sizeof(tur));
		raw_send_pdu(c, bhs, NULL, 0);
		raw_wait_for(c, itt, &a, raw_now_ms() + c->timeout_ms, 0, NULL);
		if (a.got && a.status == SAM_GOOD)
			return true;
	}
	return false;
}

static bool read_block_size(struct raw_conn *c)
{
	uint8_t cdb[10] = { 0x25 }, bhs[RAW_BHS_LEN];
	uint32_t itt = c->itt;
	struct raw_answer a;

	raw_scsi_cmd_bhs(c, bhs, true, false, 8, cdb, sizeof(cdb));
	raw_send_pdu(c, bhs, NULL, 0);
	raw_wait_for(c, itt, &a, raw_now_ms() + c->timeout_ms, 0, NULL);
	if (!a.got || a.status != SAM_GOOD || a.data_len < 8)
		return false;
	block_size = raw_get32(a.data + 4);
	return block_size >= 512 && block_size <= 65536;
}

static struct held *held_by_itt(struct held *h, unsigned n, uint32_t itt)
{
	for (unsigned i = 0; i < n; i++)
		if (h[i].itt == itt)
			return &h[i];
	return NULL;
}

/* Reads one PDU and files it: an R2T or a response of a held WRITE. */
static bool take_pdu(struct raw_conn *c, struct held *h, unsigned n, int64_t deadline)
{
	struct raw_pdu pdu;
	struct held *w;

	if (raw_recv_pdu_until(c, &pdu, deadline) != RAW_GOT_PDU)
		return false;
	raw_track_sn(c, &pdu);
	w = held_by_itt(h, n, raw_get32(pdu.bhs + 16));
	if (w && raw_opcode(&pdu) == RAW_OP_R2T) {
		w->r2t = true;
		w->r2t_ttt = raw_get32(pdu.bhs + 20);
		w->r2t_off = raw_get32(pdu.bhs + 40);
		w->r2t_len = raw_get32(pdu.bhs + 44);
	} else if (w && raw_opcode(&pdu) == RAW_OP_SCSI_RSP) {
		w->answered = true;
		w->status = pdu.bhs[3];
	}
	raw_pdu_free(&pdu);
	return true;
}

static bool hold_writes(struct raw_conn *c, struct held *h, unsigned n, uint32_t bytes)
{
	int64_t deadline = raw_now_ms() + c->timeout_ms;

	for (unsigned i = 0; i < n; i++) {
		h[i].lba = (uint64_t)i * bytes / block_size;
		h[i].itt = send_rw(c, false, h[i].lba, bytes);
	}
	for (unsigned i = 0; i < n; i++)
		while (!h[i].r2t && !h[i].answered)
			if (!take_pdu(c, h, n, deadline))
				return false;
	for (unsigned i = 0; i < n; i++)
		if (h[i].answered) {
			raw_say("held WRITE %u answered at once with status 0x%02x", i, h[i].status);
			return false;
		}
	return true;
}

/* The Data-Out sequence answering w's pending R2T. */
static void send_burst(struct raw_conn *c, struct held *w)
{
	uint32_t mrdsl = c->target_mrdsl ? c->target_mrdsl : 8192, done = 0, datasn = 0;
	uint8_t *buf = malloc(mrdsl), bhs[RAW_BHS_LEN];

	if (!buf)
		return;
	while (done < w->r2t_len) {
		uint32_t len = w->r2t_len - done < mrdsl ? w->r2t_len - done : mrdsl;
		uint32_t off = w->r2t_off + done;

		fill_pattern(buf, w->lba * block_size + off, len);
		raw_data_out_bhs(c, bhs, w->itt, w->r2t_ttt, off);
		if (done + len < w->r2t_len)
			bhs[1] = 0;                     /* F only on the burst's last */
		raw_put32(bhs + 36, datasn++);
		raw_send_pdu(c, bhs, buf, len);
		done += len;
	}
	w->r2t = false;
	free(buf);
}

static void release_writes(struct raw_conn *c, struct held *h, unsigned n, const char *what)
{
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	unsigned answered = 0;

	while (answered < n) {
		for (unsigned i = 0; i < n; i++)
			if (h[i].r2t)
				send_burst(c, &h[i]);
		if (!take_pdu(c, h, n, deadline))
			break;
		answered = 0;
		for (unsigned i = 0; i < n; i++)
			answered += h[i].answered;
	}
	for (unsigned i = 0; i < n; i++)
		check(h[i].answered && h[i].status == SAM_GOOD,
		      "%s %u ends GOOD after its data (status 0x%02x)", what, i, h[i].status);
}

/* A command refused at the limit: status only, answered at once. */
static void expect_refusal(struct raw_conn *c, const char *who, bool read, uint64_t lba,
			   uint32_t bytes, uint8_t want)
{
	uint32_t free_before = c->max_cmdsn - c->cmdsn + 1, itt = send_rw(c, read, lba, bytes);
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	uint32_t data_in = 0, r2t = 0;
	int status = -1;
	struct raw_pdu pdu;

	while (status < 0 && raw_recv_pdu_until(c, &pdu, deadline) == RAW_GOT_PDU) {
		bool mine = raw_get32(pdu.bhs + 16) == itt;

		raw_track_sn(c, &pdu);
		if (mine && raw_opcode(&pdu) == RAW_OP_DATA_IN)
			data_in += pdu.dlen;
		else if (mine && raw_opcode(&pdu) == RAW_OP_R2T)
			r2t++;
		else if (mine && raw_opcode(&pdu) == RAW_OP_SCSI_RSP)
			status = pdu.bhs[3];
		raw_pdu_free(&pdu);
	}
	check(status == want && !data_in && !r2t,
	      "%s: %s of %u KiB%s over the limit gets %s (status %d, %u data bytes, %u R2Ts)",
	      who, read ? "READ" : "WRITE", bytes >> 10,
	      !read && c->immediate_data ? " with immediate data" : "",
	      want == SAM_BUSY ? "BUSY" : "TASK SET FULL", status, data_in, r2t);
	check(c->max_cmdsn - c->cmdsn + 1 == free_before,
	      "%s: the refused command gave its CmdSN slot back (window %u, was %u)", who,
	      c->max_cmdsn - c->cmdsn + 1, free_before);
}

/* WRITE SAME(10) over bytes at lba: its one-block buffer fits, the 1 MiB
 * pattern buffer the handler then needs does not, so the handler refuses
 * it (TASK SET FULL) before writing anything. */
static void expect_write_same_refusal(struct raw_conn *c, uint64_t lba, uint32_t bytes)
{
	uint8_t cdb[10] = { 0x41 }, bhs[RAW_BHS_LEN];
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	struct held w = { .lba = lba };

	raw_put32(cdb + 2, (uint32_t)lba);
	raw_put16(cdb + 7, (uint16_t)(bytes / block_size));
	w.itt = c->itt;
	raw_scsi_cmd_bhs(c, bhs, false, true, block_size, cdb, sizeof(cdb));
	raw_send_pdu(c, bhs, NULL, 0);
	while (!w.answered && take_pdu(c, &w, 1, deadline))
		if (w.r2t)
			send_burst(c, &w);
	check(w.answered && w.status == SAM_TASK_SET_FULL,
	      "A: WRITE SAME of %u KiB whose pattern buffer passes the limit gets TASK SET FULL "
	      "(status 0x%02x)", bytes >> 10, w.status);
}

/* READ of bytes at lba, compared in full with the pattern (or zeros). */
static void check_read_back(struct raw_conn *c, uint64_t lba, uint32_t bytes, const char *what,
			    bool zeros)
{
	uint32_t itt = send_rw(c, true, lba, bytes), got = 0, bad = 0;
	int64_t deadline = raw_now_ms() + c->timeout_ms;
	bool done = false;
	int status = -1;
	struct raw_pdu pdu;

	while (!done && raw_recv_pdu_until(c, &pdu, deadline) == RAW_GOT_PDU) {
		uint32_t off = raw_get32(pdu.bhs + 40);

		raw_track_sn(c, &pdu);
		if (raw_get32(pdu.bhs + 16) == itt && raw_opcode(&pdu) == RAW_OP_DATA_IN) {
			for (uint32_t i = 0; i < pdu.dlen; i++)
				bad += pdu.data[i] != (zeros ? 0 : pattern_at(lba * block_size + off + i));
			got += pdu.dlen;
			if (pdu.bhs[1] & 0x01) {
				status = pdu.bhs[3];
				done = true;
			}
		} else if (raw_get32(pdu.bhs + 16) == itt && raw_opcode(&pdu) == RAW_OP_SCSI_RSP) {
			status = pdu.bhs[3];
			done = true;
		}
		raw_pdu_free(&pdu);
	}
	check(status == SAM_GOOD && got == bytes && !bad,
	      "%s reads back %s (status %d, %u of %u bytes, %u wrong)", what,
	      zeros ? "as zeros: nothing written" : "as written", status, got, bytes, bad);
}

static void write_one(struct raw_conn *c, uint64_t lba, uint32_t bytes)
{
	struct held w = { .lba = lba };

	w.itt = send_rw(c, false, lba, bytes);
	release_writes(c, &w, 1, "WRITE over the former limit");
}

int main(int argc, char **argv)
{
	struct raw_conn a = { .timeout_ms = 10000, .initiator = "iqn.2026-12.org.scstd:memlimit-a",
			      .cmdsn = 1, .itt = 1 };
	struct raw_conn b = { .timeout_ms = 10000, .initiator = "iqn.2026-12.org.scstd:memlimit-b",
			      .cmdsn = 1, .itt = 0x1000, .immediate_data = true };
	struct held h[MAX_HOLD];
	uint32_t size, over;
	unsigned nhold;
	uint64_t over_lba;
	int opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			return 2;
		a.timeout_ms = b.timeout_ms = atoi(optarg);
	}
	if (argc - optind != 6) {
		fprintf(stderr, "usage: iscsi_memlimit [-t MS] HOST:PORT TARGET-IQN LUN HOLD "
			"SIZE-KIB OVER-KIB\n");
		return 2;
	}
	a.target = b.target = argv[optind + 1];
	a.lun = b.lun = strtoull(argv[optind + 2], NULL, 0);
	nhold = (unsigned)atoi(argv[optind + 3]);
	size = (uint32_t)atoi(argv[optind + 4]) << 10;
	over = (uint32_t)atoi(argv[optind + 5]) << 10;
	if (nhold < 1 || nhold > MAX_HOLD || !size || !over || size > (16u << 20) ||
	    over > (16u << 20)) {
		fprintf(stderr, "iscsi_memlimit: HOLD 1..%d, sizes 1..16384 KiB\n", MAX_HOLD);
		return 2;
	}
	memset(h, 0, sizeof(h));
	if (!open_session(&a, argv[optind]) || !open_session(&b, argv[optind]) ||
	    !read_block_size(&a) || size % block_size || over % block_size) {
		raw_say("setup: sessions or block size failed");
		return 2;
	}
	if (!hold_writes(&a, h, nhold, size)) {
		raw_say("setup: the WRITEs to hold got no R2T");
		return 2;
	}
	check(true, "%u WRITEs of %u KiB hold their buffers (R2T sent, no data yet)", nhold,
	      size >> 10);
	wait_for_line("held");
	over_lba = (uint64_t)nhold * size / block_size;
	expect_refusal(&a, "A", false, over_lba, over, SAM_TASK_SET_FULL);
	expect_refusal(&a, "A", true, over_lba, over, SAM_TASK_SET_FULL);
	expect_refusal(&b, "B", false, over_lba, over, SAM_BUSY);
	expect_refusal(&b, "B", true, over_lba, over, SAM_BUSY);
	expect_write_same_refusal(&a, over_lba + over / block_size, over);
	wait_for_line("refused");
	release_writes(&a, h, nhold, "held WRITE");
	write_one(&a, over_lba, over);
	for (unsigned i = 0; i < nhold; i++)
		check_read_back(&a, h[i].lba, size, "held WRITE", false);
	check_read_back(&b, over_lba, over, "WRITE over the former limit", false);
	check_read_back(&b, over_lba + over / block_size, over, "refused WRITE SAME's range", true);
	close(a.fd);
	close(b.fd);
	return failures ? 1 : 0;
}
