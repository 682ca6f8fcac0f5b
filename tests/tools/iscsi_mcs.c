/* iscsi_mcs.c - a raw iSCSI initiator for multiple connections per session
 * (MC/S, RFC 7143 4.3): libiscsi's API has one connection per session, so
 * this tool speaks the PDUs itself.
 *
 *   iscsi_mcs HOST:PORT TARGET-IQN io [GO-FILE]
 *   iscsi_mcs HOST:PORT TARGET-IQN bad-tsih|too-many|same-cid
 *
 * io        logs in a session (MaxConnections=2) on connection 1, adds
 *           connection 2 with the TSIH of the first login, writes a
 *           different pattern through each (WRITE 10 with immediate data,
 *           connection 2's command sent first with the later CmdSN, so the
 *           target must hold it until connection 1's arrives), reads each
 *           block back through the other connection, checks that every
 *           answer came on the connection of its command with that
 *           connection's own StatSN, logs out connection 2 (reason 1),
 *           keeps using connection 1, then logs out the session.  With
 *           GO-FILE it prints "# two-connections" once both are in full
 *           feature phase and waits (up to 60 s) until a script that had a
 *           look creates GO-FILE.
 * spread    two connections, 32 WRITEs of distinct blocks alternating
 *           between them with their CmdSNs sent in pairs swapped, all
 *           answered GOOD on their own connection; each block read back
 *           through the other connection.
 * others    conn1 logs out conn2 by its CID (reason 1 sent on conn1):
 *           response 0 on conn1, conn2 closed; a third connection joins,
 *           and a session logout (reason 0) on conn1 closes it too.
 * drop      conn2 leaves a WRITE waiting for solicited data (R2T) and
 *           vanishes (TCP close, no logout): only its command is aborted,
 *           conn1 goes on reading and writing, a new conn2 can join.
 * window N GO-FILE
 *           QueuedCommands is session-wide (SCST's iscsi-scst: the
 *           session's queue depth): the session logs in on conn1 while the
 *           target's QueuedCommands is N, prints "# leading" and waits for
 *           GO-FILE (the script raises QueuedCommands meanwhile); conn2
 *           joins and sends N+1 WRITEs that wait for their data.  The first
 *           N get an R2T, the last of which closes the window (MaxCmdSN =
 *           ExpCmdSN - 1); the extra one is outside it and gets nothing.
 * bad-tsih  a second connection with a TSIH no session has: login refused
 *           with 0x020a (session does not exist); the session goes on.
 * too-many  with MaxConnections=1 negotiated, a second connection is
 *           refused with 0x0206 (too many connections).
 * same-cid  a second connection with the CID of the first reinstates it:
 *           the first is closed, the session goes on through the second.
 * Prints "ok"/"not ok" lines; exit 0 when the target behaved, 1 when not,
 * 2 on setup failure. */
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "raw_iscsi.h"

#define TIMEOUT_MS 5000
#define MAX_DATA (1u << 20)

/* What the connections share: the session's identity and CmdSN. */
struct session {
	const char *hostport, *target;
	uint8_t isid[6];
	uint16_t tsih;
	uint32_t cmdsn, itt;
	uint32_t block;                 /* logical block size of LUN 0 */
};

struct conn {
	struct raw_conn raw;
	uint16_t cid;
	const char *name;
};

static int failures;

static void check(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures += !cond;
}

static int send_pdu(struct conn *c, uint8_t *bhs, const void *data, uint32_t dlen)
{
	return raw_send_pdu(&c->raw, bhs, data, dlen) == RAW_GOT_PDU ? 0 : -1;
}

/* The next PDU other than a NOP-In: 1, 0 when closed, -1 on error. */
static int recv_pdu(struct conn *c, struct raw_pdu *p)
{
	for (;;) {
		int rc = raw_recv_pdu(&c->raw, p);

		if (rc != RAW_GOT_PDU)
			return rc == RAW_GOT_EOF ? 0 : -1;
		if (p->bhs[4] || p->dlen > MAX_DATA) {
			raw_pdu_free(p);
			return -1;
		}
		if (raw_opcode(p) != RAW_OP_NOP_IN)
			return 1;
		raw_pdu_free(p);            /* keep-alive pings are not our business */
	}
}

/* One-PDU login straight to full feature phase (no authentication):
 * returns the status (class << 8 | detail), or -1 when no answer came. */
static int login(struct session *s, struct conn *c, uint16_t tsih, unsigned max_conns)
{
	char text[1024], kv[300];
	uint8_t bhs[RAW_BHS_LEN] = { 0 };
	uint32_t len = 0;
	struct raw_pdu rsp;
	int status;

	c->raw.fd = raw_tcp_connect(s->hostport);
	if (c->raw.fd < 0)
		return -1;
	c->raw.timeout_ms = TIMEOUT_MS;
	len = raw_add_session_keys(text, len, sizeof(text), "iqn.2026-12.org.scstd:mcs", s->target);
	len = raw_add_key(text, len, sizeof(text), "HeaderDigest=None");
	len = raw_add_key(text, len, sizeof(text), "DataDigest=None");
	len = raw_add_key(text, len, sizeof(text), "MaxRecvDataSegmentLength=65536");
	if (!tsih) {
		snprintf(kv, sizeof(kv), "MaxConnections=%u", max_conns);
		len = raw_add_key(text, len, sizeof(text), kv);
		len = raw_add_key(text, len, sizeof(text), "InitialR2T=Yes");
		len = raw_add_key(text, len, sizeof(text), "ImmediateData=Yes");
		len = raw_add_key(text, len, sizeof(text), "FirstBurstLength=65536");
		len = raw_add_key(text, len, sizeof(text), "ErrorRecoveryLevel=0");
	}
	bhs[0] = 0x40 | RAW_OP_LOGIN_REQ;
	bhs[1] = 0x80 | 1 << 2 | 3;          /* T, operational -> full feature */
	memcpy(bhs + 8, s->isid, 6);
	raw_put16(bhs + 14, tsih);
	raw_put32(bhs + 16, s->itt++);
	raw_put16(bhs + 20, c->cid);
	raw_put32(bhs + 24, s->cmdsn);
	raw_put32(bhs + 28, 0);
	if (send_pdu(c, bhs, text, len) < 0 || recv_pdu(c, &rsp) <= 0)
		return -1;
	if ((rsp.bhs[0] & 0x3f) != RAW_OP_LOGIN_RSP) {
		free(rsp.data);
		return -1;
	}
	status = rsp.bhs[36] << 8 | rsp.bhs[37];
	if (status == 0) {
		const char *mc = raw_find_key(&rsp, "MaxConnections");

		c->raw.exp_statsn = raw_get32(rsp.bhs + 24) + 1;
		if (!tsih) {
			s->tsih = raw_get16(rsp.bhs + 14);
			check(mc && (unsigned)atoi(mc) == max_conns,
			      "%s: MaxConnections=%u agreed (answer %s)", c->name, max_conns,
			      mc ? mc : "none");
		} else {
			check(raw_get16(rsp.bhs + 14) == tsih, "%s: login answer carries TSIH %u",
			      c->name, tsih);
		}
		check((rsp.bhs[1] & 0x83) == 0x83, "%s: in full feature phase", c->name);
	}
	free(rsp.data);
	return status;
}

/* The answer to command itt on c: its status and, for a READ, the data.
 * The StatSN must be this connection's next one. */
static int await_cmd(struct conn *c, uint32_t itt, uint8_t *rbuf, uint32_t rlen)
{
	for (;;) {
		struct raw_pdu p;
		int op;

		if (recv_pdu(c, &p) <= 0) {
			check(false, "%s: answer to task 0x%x arrives", c->name, itt);
			return -1;
		}
		op = p.bhs[0] & 0x3f;
		if ((op != RAW_OP_DATA_IN && op != RAW_OP_SCSI_RSP) || raw_get32(p.bhs + 16) != itt) {
			check(false, "%s: got opcode 0x%02x ITT 0x%x while waiting for task 0x%x",
			      c->name, op, raw_get32(p.bhs + 16), itt);
			free(p.data);
			return -1;
		}
		if (op == RAW_OP_DATA_IN) {
			uint32_t off = raw_get32(p.bhs + 40);

			if (rbuf && off + p.dlen <= rlen)
				memcpy(rbuf + off, p.data, p.dlen);
			free(p.data);
			if (!(p.bhs[1] & 0x01))
				continue;
		} else {
			free(p.data);
		}
		if (raw_get32(p.bhs + 24) != c->raw.exp_statsn)
			check(false, "%s: StatSN %u, expected %u", c->name, raw_get32(p.bhs + 24),
			      c->raw.exp_statsn);
		c->raw.exp_statsn = raw_get32(p.bhs + 24) + 1;
		return p.bhs[3];
	}
}

static void cmd_bhs(struct session *s, struct conn *c, uint8_t *bhs, uint32_t cmdsn,
		    const uint8_t *cdb, uint8_t flags, uint32_t edtl)
{
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = RAW_OP_SCSI_CMD;
	bhs[1] = (uint8_t)(0x80 | flags | 1);    /* F, R/W, SIMPLE */
	raw_put32(bhs + 16, s->itt++);
	raw_put32(bhs + 20, edtl);
	raw_put32(bhs + 24, cmdsn);
	raw_put32(bhs + 28, c->raw.exp_statsn);
	memcpy(bhs + 32, cdb, 10);
}

static void rw10_cdb(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	raw_put32(cdb + 2, lba);
	raw_put16(cdb + 7, blocks);
}

/* Sends a WRITE 10 with all its data immediate, not waiting for the answer. */
static int send_write(struct session *s, struct conn *c, uint32_t cmdsn, uint32_t lba,
		      const uint8_t *data, uint32_t len, uint32_t *itt)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[16];

	rw10_cdb(cdb, 0x2a, lba, (uint16_t)(len / s->block));
	cmd_bhs(s, c, bhs, cmdsn, cdb, 0x20, len);
	*itt = raw_get32(bhs + 16);
	return send_pdu(c, bhs, data, len);
}

static int read_blocks(struct session *s, struct conn *c, uint32_t lba, uint8_t *buf,
		       uint32_t len)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[16];

	rw10_cdb(cdb, 0x28, lba, (uint16_t)(len / s->block));
	cmd_bhs(s, c, bhs, s->cmdsn++, cdb, 0x40, len);
	if (send_pdu(c, bhs, NULL, 0) < 0)
		return -1;
	return await_cmd(c, raw_get32(bhs + 16), buf, len);
}

static int read_capacity(struct session *s, struct conn *c)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[16] = { 0x25 }, buf[8] = { 0 };
	int st;

	cmd_bhs(s, c, bhs, s->cmdsn++, cdb, 0x40, sizeof(buf));
	if (send_pdu(c, bhs, NULL, 0) < 0)
		return -1;
	st = await_cmd(c, raw_get32(bhs + 16), buf, sizeof(buf));
	/* A first command may meet the POWER ON unit attention: once more. */
	if (st == 2) {
		cmd_bhs(s, c, bhs, s->cmdsn++, cdb, 0x40, sizeof(buf));
		if (send_pdu(c, bhs, NULL, 0) < 0)
			return -1;
		st = await_cmd(c, raw_get32(bhs + 16), buf, sizeof(buf));
	}
	s->block = raw_get32(buf + 4);
	return st == 0 && s->block >= 512 && s->block <= 4096 ? 0 : -1;
}

/* Logout with reason; 0 when the answer is response 0 and the target then
 * closes the connection. */
static int logout(struct session *s, struct conn *c, uint8_t reason, uint16_t cid)
{
	uint8_t bhs[RAW_BHS_LEN] = { 0 };
	struct raw_pdu p;
	int rc;

	bhs[0] = 0x40 | RAW_OP_LOGOUT_REQ;          /* immediate */
	bhs[1] = 0x80 | reason;
	raw_put32(bhs + 16, s->itt++);
	raw_put16(bhs + 20, cid);
	raw_put32(bhs + 24, s->cmdsn);
	raw_put32(bhs + 28, c->raw.exp_statsn);
	if (send_pdu(c, bhs, NULL, 0) < 0 || recv_pdu(c, &p) <= 0)
		return -1;
	rc = (p.bhs[0] & 0x3f) == RAW_OP_LOGOUT_RSP && p.bhs[2] == 0 ? 0 : -1;
	free(p.data);
	if (rc == 0 && recv_pdu(c, &p) != 0)
		rc = -1;                            /* the target must close it */
	return rc;
}

static void fill(uint8_t *buf, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 9));
}

static int setup_session(struct session *s, struct conn *a, unsigned max_conns)
{
	int st = login(s, a, 0, max_conns);

	if (st != 0) {
		fprintf(stderr, "leading login failed (status 0x%04x)\n", st);
		return -1;
	}
	if (read_capacity(s, a) < 0) {
		fprintf(stderr, "READ CAPACITY failed\n");
		return -1;
	}
	return 0;
}

static void wait_for_file(const char *path)
{
	for (int i = 0; i < 600 && access(path, F_OK) != 0; i++)
		usleep(100000);
}

static int cmd_io(struct session *s, const char *go_file)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 2, .name = "conn2" };
	uint32_t len, itt_a, itt_b, cmdsn;
	uint8_t *wa, *wb, *ra, *rb;
	int st;

	if (setup_session(s, &a, 2) < 0)
		return 2;
	st = login(s, &b, s->tsih, 0);
	check(st == 0, "conn2 joins the session with TSIH %u (status 0x%04x)", s->tsih, st);
	if (st != 0)
		return 1;
	if (go_file) {
		printf("# two-connections\n");
		fflush(stdout);
		wait_for_file(go_file);
	}
	len = 8 * s->block;
	wa = malloc(len); wb = malloc(len); ra = malloc(len); rb = malloc(len);
	if (!wa || !wb || !ra || !rb)
		return 2;
	fill(wa, len, 0x11);
	fill(wb, len, 0xa5);
	/* conn2's WRITE carries the later CmdSN and goes first: the target
	 * holds it until conn1's arrives (CmdSN order is session-wide). */
	cmdsn = s->cmdsn;
	s->cmdsn += 2;
	check(send_write(s, &b, cmdsn + 1, 64, wb, len, &itt_b) == 0, "conn2 sends WRITE CmdSN %u",
	      cmdsn + 1);
	usleep(100000);
	check(send_write(s, &a, cmdsn, 0, wa, len, &itt_a) == 0, "conn1 sends WRITE CmdSN %u", cmdsn);
	check(await_cmd(&a, itt_a, NULL, 0) == 0, "conn1's WRITE answered GOOD on conn1");
	check(await_cmd(&b, itt_b, NULL, 0) == 0, "conn2's WRITE answered GOOD on conn2");
	check(read_blocks(s, &a, 64, ra, len) == 0 && !memcmp(ra, wb, len),
	      "conn1 reads back what conn2 wrote");
	check(read_blocks(s, &b, 0, rb, len) == 0 && !memcmp(rb, wa, len),
	      "conn2 reads back what conn1 wrote");
	check(logout(s, &b, 1, b.cid) == 0, "conn2 logs out (reason 1): response 0, then closed");
	close(b.raw.fd);
	fill(wa, len, 0x3c);
	check(send_write(s, &a, s->cmdsn++, 128, wa, len, &itt_a) == 0 &&
	      await_cmd(&a, itt_a, NULL, 0) == 0, "conn1 still writes after conn2 left");
	check(read_blocks(s, &a, 128, ra, len) == 0 && !memcmp(ra, wa, len),
	      "... and reads it back");
	check(read_blocks(s, &a, 0, ra, len) == 0 && !memcmp(ra, rb, len),
	      "conn1 still reads conn1's first block");
	check(logout(s, &a, 0, a.cid) == 0, "conn1 logs out the session (reason 0)");
	close(a.raw.fd);
	free(wa); free(wb); free(ra); free(rb);
	return failures ? 1 : 0;
}

static bool session_works(struct session *s, struct conn *c);

static int cmd_spread(struct session *s)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 2, .name = "conn2" };
	struct conn *on[2] = { &a, &b };
	enum { N = 32 };
	struct raw_pdu p;
	uint32_t itt[N], len, base;
	uint8_t *w, *r;
	bool good = true, back = true;

	if (setup_session(s, &a, 2) < 0)
		return 2;
	if (login(s, &b, s->tsih, 0) != 0) {
		check(false, "conn2 joins");
		return 1;
	}
	len = s->block;
	w = malloc((size_t)len * N);
	r = malloc(len);
	if (!w || !r)
		return 2;
	base = s->cmdsn;
	s->cmdsn += N;
	for (int i = 0; i < N; i++) {
		int k = i ^ 1;              /* CmdSN order: 1, 0, 3, 2, ... */

		fill(w + (size_t)k * len, len, (uint8_t)(k * 13 + 1));
		if (send_write(s, on[k & 1], base + (uint32_t)k, 256 + (uint32_t)k,
			       w + (size_t)k * len, len, &itt[k]) < 0)
			good = false;
	}
	for (int k = 0; k < N; k++)
		good &= await_cmd(on[k & 1], itt[k], NULL, 0) == 0;
	check(good, "%d WRITEs spread over both connections, CmdSN pairs swapped, all GOOD", N);
	for (int k = 0; k < N; k++)
		back &= read_blocks(s, on[!(k & 1)], 256 + (uint32_t)k, r, len) == 0 &&
			!memcmp(r, w + (size_t)k * len, len);
	check(back, "each block reads back through the other connection");
	check(logout(s, &a, 0, a.cid) == 0, "session logout");
	check(recv_pdu(&b, &p) == 0, "... closes conn2 as well");
	close(a.raw.fd);
	close(b.raw.fd);
	free(w);
	free(r);
	return failures ? 1 : 0;
}

static int cmd_others(struct session *s)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 2, .name = "conn2" };
	struct conn c = { .cid = 3, .name = "conn3" };
	uint8_t bhs[RAW_BHS_LEN] = { 0 };
	struct raw_pdu p;

	if (setup_session(s, &a, 3) < 0)
		return 2;
	if (login(s, &b, s->tsih, 0) != 0) {
		check(false, "conn2 joins");
		return 1;
	}
	bhs[0] = 0x40 | RAW_OP_LOGOUT_REQ;
	bhs[1] = 0x80 | 1;
	raw_put32(bhs + 16, s->itt++);
	raw_put16(bhs + 20, b.cid);
	raw_put32(bhs + 24, s->cmdsn);
	raw_put32(bhs + 28, a.raw.exp_statsn);
	check(send_pdu(&a, bhs, NULL, 0) == 0 && recv_pdu(&a, &p) == 1 &&
	      (p.bhs[0] & 0x3f) == RAW_OP_LOGOUT_RSP && p.bhs[2] == 0,
	      "conn1 logs out conn2 by its CID: response 0");
	a.raw.exp_statsn++;
	check(recv_pdu(&b, &p) == 0, "conn2 is closed");
	close(b.raw.fd);
	raw_put32(bhs + 16, s->itt++);
	raw_put32(bhs + 28, a.raw.exp_statsn);
	raw_put16(bhs + 20, 77);
	check(send_pdu(&a, bhs, NULL, 0) == 0 && recv_pdu(&a, &p) == 1 &&
	      (p.bhs[0] & 0x3f) == RAW_OP_LOGOUT_RSP && p.bhs[2] == 1,
	      "a logout of an unknown CID: response 1 (CID not found)");
	a.raw.exp_statsn++;
	check(session_works(s, &a), "conn1 goes on");
	check(login(s, &c, s->tsih, 0) == 0, "conn3 joins");
	check(session_works(s, &c), "conn3 works");
	check(logout(s, &a, 0, a.cid) == 0, "session logout on conn1");
	check(recv_pdu(&c, &p) == 0, "... closes conn3 as well");
	close(a.raw.fd);
	close(c.raw.fd);
	return failures ? 1 : 0;
}

static int cmd_drop(struct session *s)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 2, .name = "conn2" };
	uint8_t bhs[RAW_BHS_LEN], cdb[16], *w;
	uint32_t itt;
	struct raw_pdu p;
	bool r2t;

	if (setup_session(s, &a, 2) < 0)
		return 2;
	if (login(s, &b, s->tsih, 0) != 0) {
		check(false, "conn2 joins");
		return 1;
	}
	w = calloc(2, s->block);
	if (!w)
		return 2;
	/* Half the data immediate, the rest only when solicited. */
	rw10_cdb(cdb, 0x2a, 512, 2);
	cmd_bhs(s, &b, bhs, s->cmdsn++, cdb, 0x20, 2 * s->block);
	r2t = send_pdu(&b, bhs, w, s->block) == 0 && recv_pdu(&b, &p) == 1 &&
	      (p.bhs[0] & 0x3f) == 0x31;
	check(r2t, "conn2's WRITE waits for its data (R2T)");
	close(b.raw.fd);
	usleep(200000);
	check(session_works(s, &a), "after conn2 vanished, conn1 reads");
	check(send_write(s, &a, s->cmdsn++, 600, w, s->block, &itt) == 0 &&
	      await_cmd(&a, itt, NULL, 0) == 0, "... and writes");
	b.raw.exp_statsn = 0;
	check(login(s, &b, s->tsih, 0) == 0 && session_works(s, &b), "a new conn2 joins and works");
	check(logout(s, &a, 0, a.cid) == 0, "session logout");
	close(a.raw.fd);
	close(b.raw.fd);
	free(w);
	return failures ? 1 : 0;
}

/* The session is still usable through a: a READ answered GOOD. */
/* A WRITE 10 of one block without data: it waits for an R2T. */
static int send_write_wanting_data(struct session *s, struct conn *c, uint32_t lba)
{
	uint8_t bhs[RAW_BHS_LEN], cdb[16];

	rw10_cdb(cdb, 0x2a, lba, 1);
	cmd_bhs(s, c, bhs, s->cmdsn++, cdb, 0x20, s->block);
	return send_pdu(c, bhs, NULL, 0);
}

static int cmd_window(struct session *s, unsigned n, const char *go_file)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 2, .name = "conn2" };
	uint32_t exp = 0, max = 0;
	unsigned r2ts = 0;
	struct raw_pdu p;
	int st, rc;

	if (!n || setup_session(s, &a, 2) < 0)
		return 2;
	printf("# leading\n");
	fflush(stdout);
	wait_for_file(go_file);
	st = login(s, &b, s->tsih, 0);
	check(st == 0, "conn2 joins the session with TSIH %u (status 0x%04x)", s->tsih, st);
	if (st != 0)
		return 1;
	for (unsigned i = 0; i <= n; i++)
		if (send_write_wanting_data(s, &b, 100 + i) < 0)
			return 2;
	while (r2ts <= n && (rc = raw_recv_pdu_until(&b.raw, &p, raw_now_ms() + 1500)) == RAW_GOT_PDU) {
		if (raw_opcode(&p) == RAW_OP_R2T) {
			r2ts++;
			exp = raw_get32(p.bhs + 28);
			max = raw_get32(p.bhs + 32);
		}
		raw_pdu_free(&p);
	}
	check(r2ts == n, "conn2: %u of %u WRITEs got an R2T within a session-wide window of %u",
	      r2ts, n + 1, n);
	check(r2ts && max == exp - 1, "conn2: the last R2T closes the window (ExpCmdSN %u, "
	      "MaxCmdSN %u)", exp, max);
	return failures ? 1 : 0;
}

static bool session_works(struct session *s, struct conn *c)
{
	uint8_t buf[4096];

	return read_blocks(s, c, 0, buf, s->block) == 0;
}

/* A second connection, with the session's TSIH plus tsih_offset, that
 * the target must refuse with status want (what: the check's words); the
 * session goes on through the first. */
static int refused_join(struct session *s, unsigned max_conns, uint16_t tsih_offset, int want,
			const char *what)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 2, .name = "conn2" };
	int st;

	if (setup_session(s, &a, max_conns) < 0)
		return 2;
	st = login(s, &b, (uint16_t)(s->tsih + tsih_offset), 0);
	check(st == want, "%s (got 0x%04x)", what, st);
	close(b.raw.fd);
	check(session_works(s, &a), "the session goes on");
	check(logout(s, &a, 0, a.cid) == 0, "logout");
	close(a.raw.fd);
	return failures ? 1 : 0;
}

static int cmd_bad_tsih(struct session *s)
{
	return refused_join(s, 2, 1000, 0x020a,
			    "a connection with a wrong TSIH is refused with 0x020a");
}

static int cmd_too_many(struct session *s)
{
	return refused_join(s, 1, 0, 0x0206,
			    "a second connection beyond MaxConnections=1 is refused with 0x0206");
}

static int cmd_same_cid(struct session *s)
{
	struct conn a = { .cid = 1, .name = "conn1" }, b = { .cid = 1, .name = "conn1'" };
	struct raw_pdu p;
	int st;

	if (setup_session(s, &a, 2) < 0)
		return 2;
	st = login(s, &b, s->tsih, 0);
	check(st == 0, "a connection with the CID in use logs in (status 0x%04x)", st);
	check(recv_pdu(&a, &p) == 0, "the old connection with that CID is closed");
	close(a.raw.fd);
	check(st == 0 && session_works(s, &b), "the session goes on through the new one");
	check(st == 0 && logout(s, &b, 0, b.cid) == 0, "logout");
	close(b.raw.fd);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct session s = { .isid = { 0x80, 0x00, 0x4d, 0x43, 0x53, 0x00 }, .cmdsn = 1,
			     .itt = 0x100 };

	if (argc < 4) {
		fprintf(stderr, "usage: iscsi_mcs HOST:PORT TARGET-IQN io [GO-FILE]|spread|others|drop|"
			"window N GO-FILE|bad-tsih|"
			"too-many|same-cid\n");
		return 2;
	}
	s.hostport = argv[1];
	s.target = argv[2];
	s.isid[5] = (uint8_t)getpid();
	if (!strcmp(argv[3], "io"))
		return cmd_io(&s, argc > 4 ? argv[4] : NULL);
	if (!strcmp(argv[3], "spread"))
		return cmd_spread(&s);
	if (!strcmp(argv[3], "drop"))
		return cmd_drop(&s);
	if (!strcmp(argv[3], "others"))
		return cmd_others(&s);
	if (!strcmp(argv[3], "window") && argc == 6)
		return cmd_window(&s, (unsigned)atoi(argv[4]), argv[5]);
	if (!strcmp(argv[3], "bad-tsih"))
		return cmd_bad_tsih(&s);
	if (!strcmp(argv[3], "too-many"))
		return cmd_too_many(&s);
	if (!strcmp(argv[3], "same-cid"))
		return cmd_same_cid(&s);
	fprintf(stderr, "unknown mode %s\n", argv[3]);
	return 2;
}
