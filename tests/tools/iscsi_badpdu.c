/* iscsi_badpdu.c - a hostile iSCSI initiator for robustness tests.  It
 * speaks raw iSCSI over TCP (RFC 7143) with its own minimal login
 * (AuthMethod=None, no digests) and then sends one kind of malformed or
 * abandoned traffic, chosen by a subcommand.  Every wait is bounded by
 * poll(), so a target that stops answering shows up as a failure, not as
 * a hung test.
 *
 *   iscsi_badpdu [-t MS] [-l LUN] HOST:PORT TARGET-IQN SUBCOMMAND
 *
 * Exit status: 0 the target behaved acceptably, 1 it did not (hang, wrong
 * answer), 2 the tool could not even set up (connect, baseline login). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BHS_LEN 48

enum {
	OP_NOP_OUT = 0x00, OP_SCSI_CMD = 0x01, OP_LOGIN_REQ = 0x03,
	OP_LOGOUT_REQ = 0x06,
	OP_NOP_IN = 0x20, OP_SCSI_RSP = 0x21, OP_LOGIN_RSP = 0x23,
	OP_DATA_IN = 0x25, OP_LOGOUT_RSP = 0x26, OP_R2T = 0x31,
	OP_ASYNC = 0x32, OP_REJECT = 0x3f,
};

enum { GOT_PDU = 1, GOT_EOF = 0, GOT_TIMEOUT = -1, GOT_ERROR = -2 };

struct pdu {
	uint8_t bhs[BHS_LEN];
	uint8_t *data;
	uint32_t dlen;
};

struct conn {
	int fd;
	int timeout_ms;
	uint32_t cmdsn, exp_statsn, max_cmdsn, itt;
	uint32_t target_mrdsl;
	uint64_t lun;
	const char *target;
};

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = v >> 16; p[1] = v >> 8; p[2] = v;
}

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Single-level LUN addressing (SAM peripheral device method) for LUN < 256,
 * flat space above. */
static void put_lun(uint8_t *p, uint64_t lun)
{
	memset(p, 0, 8);
	if (lun < 256) {
		p[1] = (uint8_t)lun;
	} else {
		p[0] = 0x40 | ((lun >> 8) & 0x3f);
		p[1] = lun & 0xff;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tcp_connect(const char *hostport)
{
	char host[256], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, one = 1;

	snprintf(host, sizeof(host), "%s", hostport);
	port = strrchr(host, ':');
	if (!port)
		return -1;
	*port++ = '\0';
	char *h = host;
	if (*h == '[') {
		h++;
		char *e = strchr(h, ']');
		if (e)
			*e = '\0';
	}
	if (getaddrinfo(h, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Waits up to the deadline for the socket to become readable (or
 * writable); 1 ready, 0 timed out. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = events };

		if (left <= 0)
			return 0;
		int rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 1; /* let the read/write report the error */
	}
}

static int send_all(struct conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int64_t deadline = now_ms() + c->timeout_ms;

	while (len) {
		if (!wait_fd(c->fd, POLLOUT, deadline))
			return GOT_TIMEOUT;
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return errno == EPIPE || errno == ECONNRESET ? GOT_EOF : GOT_ERROR;
		p += n;
		len -= (size_t)n;
	}
	return GOT_PDU;
}

static int recv_all(int fd, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		if (!wait_fd(fd, POLLIN, deadline))
			return GOT_TIMEOUT;
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n == 0)
			return GOT_EOF;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return errno == ECONNRESET ? GOT_EOF : GOT_ERROR;
		p += n;
		len -= (size_t)n;
	}
	return GOT_PDU;
}

static void pdu_free(struct pdu *pdu)
{
	free(pdu->data);
	pdu->data = NULL;
	pdu->dlen = 0;
}

/* One PDU: BHS, AHS (skipped), data segment with its padding. */
static int recv_pdu_until(struct conn *c, struct pdu *pdu, int64_t deadline)
{
	int rc = recv_all(c->fd, pdu->bhs, BHS_LEN, deadline);

	pdu->data = NULL;
	pdu->dlen = 0;
	if (rc != GOT_PDU)
		return rc;
	uint32_t ahs = pdu->bhs[4] * 4u, dlen = get24(pdu->bhs + 5);
	uint32_t padded = (dlen + 3) & ~3u;
	uint8_t *buf = malloc(ahs + padded + 1);

	if (!buf)
		return GOT_ERROR;
	rc = recv_all(c->fd, buf, ahs + padded, deadline);
	if (rc != GOT_PDU) {
		free(buf);
		return rc;
	}
	memmove(buf, buf + ahs, dlen);
	buf[dlen] = '\0';
	pdu->data = buf;
	pdu->dlen = dlen;
	return GOT_PDU;
}

static int recv_pdu(struct conn *c, struct pdu *pdu)
{
	return recv_pdu_until(c, pdu, now_ms() + c->timeout_ms);
}

static int opcode(const struct pdu *pdu)
{
	return pdu->bhs[0] & 0x3f;
}

/* Keeps the sequence numbers a response carries (StatSN, Exp/MaxCmdSN). */
static void track_sn(struct conn *c, const struct pdu *pdu)
{
	int op = opcode(pdu);

	if (op == OP_SCSI_RSP || op == OP_NOP_IN || op == OP_LOGIN_RSP ||
	    op == OP_LOGOUT_RSP || op == OP_ASYNC || op == OP_REJECT ||
	    (op == OP_DATA_IN && (pdu->bhs[1] & 0x01))) {
		if (!(op == OP_NOP_IN && get32(pdu->bhs + 16) == 0xffffffff &&
		      get32(pdu->bhs + 24) == 0))
			c->exp_statsn = get32(pdu->bhs + 24) + 1;
	}
	if (op != OP_LOGIN_RSP && op != OP_REJECT && op >= 0x20) {
		c->max_cmdsn = get32(pdu->bhs + 32);
	}
}

static int send_pdu(struct conn *c, const uint8_t *bhs, const void *data, uint32_t dlen)
{
	static const uint8_t zero[4];
	int rc = send_all(c, bhs, BHS_LEN);

	if (rc == GOT_PDU && dlen)
		rc = send_all(c, data, dlen);
	if (rc == GOT_PDU && (dlen & 3))
		rc = send_all(c, zero, 4 - (dlen & 3));
	return rc;
}

/* Appends "key=value\0" to a text buffer. */
static uint32_t add_key(char *buf, uint32_t len, uint32_t cap, const char *kv)
{
	size_t n = strlen(kv) + 1;

	if (len + n > cap)
		return len;
	memcpy(buf + len, kv, n);
	return len + (uint32_t)n;
}

static const char *find_key(const struct pdu *pdu, const char *key)
{
	size_t klen = strlen(key);
	const char *p = (const char *)pdu->data, *end = p + pdu->dlen;

	while (p && p < end) {
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
		p += strnlen(p, (size_t)(end - p)) + 1;
	}
	return NULL;
}

static void login_bhs(struct conn *c, uint8_t *bhs, int csg, int nsg, uint32_t dlen)
{
	static const uint8_t isid[6] = { 0x80, 0x00, 0x23, 0x00, 0x00, 0x01 };

	memset(bhs, 0, BHS_LEN);
	bhs[0] = 0x40 | OP_LOGIN_REQ;
	bhs[1] = 0x80 | (uint8_t)(csg << 2) | (uint8_t)nsg;
	put24(bhs + 5, dlen);
	memcpy(bhs + 8, isid, 6);
	bhs[13] = (uint8_t)getpid();
	put32(bhs + 16, c->itt);
	put32(bhs + 24, c->cmdsn);
	put32(bhs + 28, c->exp_statsn);
}

/* Result of a login exchange as the tests see it. */
enum login_result { LOGIN_OK, LOGIN_REJECTED, LOGIN_CLOSED, LOGIN_HUNG, LOGIN_BROKEN };

static const char *login_result_name(enum login_result r)
{
	static const char *names[] = { "accepted", "rejected", "connection closed",
				       "no answer", "unexpected answer" };
	return names[r];
}

static enum login_result login_exchange(struct conn *c, const uint8_t *bhs,
					const void *text, uint32_t tlen, struct pdu *rsp)
{
	int rc = send_pdu(c, bhs, text, tlen);

	if (rc == GOT_EOF)
		return LOGIN_CLOSED;
	if (rc != GOT_PDU)
		return rc == GOT_TIMEOUT ? LOGIN_HUNG : LOGIN_BROKEN;
	rc = recv_pdu(c, rsp);
	if (rc == GOT_EOF)
		return LOGIN_CLOSED;
	if (rc == GOT_TIMEOUT)
		return LOGIN_HUNG;
	if (rc != GOT_PDU)
		return LOGIN_BROKEN;
	if (opcode(rsp) != OP_LOGIN_RSP) {
		say("  login answered with opcode 0x%02x", opcode(rsp));
		pdu_free(rsp);
		return opcode(rsp) == OP_REJECT ? LOGIN_REJECTED : LOGIN_BROKEN;
	}
	if (rsp->bhs[36] != 0) {
		say("  login response status class 0x%02x detail 0x%02x",
		    rsp->bhs[36], rsp->bhs[37]);
		pdu_free(rsp);
		return LOGIN_REJECTED;
	}
	c->exp_statsn = get32(rsp->bhs + 24) + 1;
	c->max_cmdsn = get32(rsp->bhs + 32);
	return LOGIN_OK;
}

static const char *const operational_keys[] = {
	"HeaderDigest=None", "DataDigest=None", "MaxRecvDataSegmentLength=262144",
	"InitialR2T=Yes", "ImmediateData=No", "MaxBurstLength=262144",
	"FirstBurstLength=65536", "MaxConnections=1", "DefaultTime2Wait=0",
	"DefaultTime2Retain=0", "MaxOutstandingR2T=1", "DataPDUInOrder=Yes",
	"DataSequenceInOrder=Yes", "ErrorRecoveryLevel=0", "IFMarker=No",
	"OFMarker=No", NULL,
};

/* Security phase with AuthMethod=None, then operational negotiation,
 * then full feature phase.  extra_text, when given, replaces the keys of
 * the first PDU (used to send malformed text). */
static enum login_result do_login(struct conn *c, const char *extra_text, uint32_t extra_len)
{
	char text[4096], kv[512];
	uint8_t bhs[BHS_LEN];
	struct pdu rsp;
	uint32_t len = 0;
	enum login_result r;

	if (extra_text) {
		memcpy(text, extra_text, extra_len);
		len = extra_len;
	} else {
		len = add_key(text, len, sizeof(text), "InitiatorName=iqn.2026-11.org.scstd:badpdu");
		len = add_key(text, len, sizeof(text), "SessionType=Normal");
		snprintf(kv, sizeof(kv), "TargetName=%s", c->target);
		len = add_key(text, len, sizeof(text), kv);
		len = add_key(text, len, sizeof(text), "AuthMethod=None");
	}
	login_bhs(c, bhs, 0, 1, len);
	r = login_exchange(c, bhs, text, len, &rsp);
	if (r != LOGIN_OK)
		return r;
	/* The target may want to stay in the security phase; with
	 * AuthMethod=None it has no reason to, so treat it as unexpected. */
	int transit = rsp.bhs[1] & 0x80, nsg = rsp.bhs[1] & 3;
	pdu_free(&rsp);
	if (!transit || nsg != 1)
		return LOGIN_BROKEN;

	len = 0;
	for (int i = 0; operational_keys[i]; i++)
		len = add_key(text, len, sizeof(text), operational_keys[i]);
	login_bhs(c, bhs, 1, 3, len);
	r = login_exchange(c, bhs, text, len, &rsp);
	if (r != LOGIN_OK)
		return r;
	transit = rsp.bhs[1] & 0x80;
	nsg = rsp.bhs[1] & 3;
	const char *mrdsl = find_key(&rsp, "MaxRecvDataSegmentLength");
	c->target_mrdsl = mrdsl ? (uint32_t)strtoul(mrdsl, NULL, 10) : 8192;
	pdu_free(&rsp);
	if (!transit || nsg != 3)
		return LOGIN_BROKEN;
	c->itt++;
	return LOGIN_OK;
}

static void scsi_cmd_bhs(struct conn *c, uint8_t *bhs, int read, int write,
			 uint32_t edtl, const uint8_t *cdb, size_t cdblen)
{
	memset(bhs, 0, BHS_LEN);
	bhs[0] = OP_SCSI_CMD;
	bhs[1] = 0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 0x01;
	put_lun(bhs + 8, c->lun);
	put32(bhs + 16, c->itt++);
	put32(bhs + 20, edtl);
	put32(bhs + 24, c->cmdsn++);
	put32(bhs + 28, c->exp_statsn);
	memcpy(bhs + 32, cdb, cdblen);
}

static void nop_out_bhs(struct conn *c, uint8_t *bhs, uint32_t dlen)
{
	memset(bhs, 0, BHS_LEN);
	bhs[0] = OP_NOP_OUT;
	bhs[1] = 0x80;
	put24(bhs + 5, dlen);
	put32(bhs + 16, c->itt++);
	put32(bhs + 20, 0xffffffff);
	put32(bhs + 24, c->cmdsn++);
	put32(bhs + 28, c->exp_statsn);
}

/* After a protocol violation: the target must either reject the PDU or
 * drop the connection, in bounded time.  Other PDUs (NOP-In pings, async
 * messages) are read past. */
static int expect_reject_or_close(struct conn *c, const char *what)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	struct pdu pdu;

	for (;;) {
		int rc = recv_pdu_until(c, &pdu, deadline);

		if (rc == GOT_EOF || rc == GOT_ERROR) {
			say("%s: connection closed by the target", what);
			return 0;
		}
		if (rc == GOT_TIMEOUT) {
			say("%s: FAIL no Reject and no close within %d ms", what, c->timeout_ms);
			return 1;
		}
		int op = opcode(&pdu);
		uint8_t reason = pdu.bhs[2];
		pdu_free(&pdu);
		if (op == OP_REJECT) {
			say("%s: Reject, reason 0x%02x", what, reason);
			return 0;
		}
		if (op == OP_LOGOUT_RSP || op == OP_SCSI_RSP) {
			say("%s: FAIL answered with opcode 0x%02x instead of a Reject", what, op);
			return 1;
		}
		say("  (skipping opcode 0x%02x)", op);
	}
}

static int login_or_die(struct conn *c)
{
	enum login_result r = do_login(c, NULL, 0);

	if (r != LOGIN_OK) {
		say("baseline login to %s failed: %s", c->target, login_result_name(r));
		exit(2);
	}
	return 0;
}

/* --- subcommands ------------------------------------------------------ */

/* The baseline: the tool's own login and a TEST UNIT READY work, so the
 * rejections seen by the other subcommands are the target's doing. */
static int cmd_login(struct conn *c)
{
	uint8_t bhs[BHS_LEN], cdb[6] = { 0 };
	struct pdu rsp;
	int rc;

	login_or_die(c);
	scsi_cmd_bhs(c, bhs, 0, 0, 0, cdb, sizeof(cdb));
	if (send_pdu(c, bhs, NULL, 0) != GOT_PDU)
		return 1;
	do {
		rc = recv_pdu(c, &rsp);
		if (rc != GOT_PDU) {
			say("login: FAIL no response to TEST UNIT READY");
			return 1;
		}
		track_sn(c, &rsp);
		pdu_free(&rsp);
	} while (opcode(&rsp) != OP_SCSI_RSP);
	say("login: ok, max_recv_data_segment_length %u, TEST UNIT READY status 0x%02x",
	    c->target_mrdsl, rsp.bhs[3]);
	return 0;
}

static int cmd_garbage(struct conn *c)
{
	uint8_t bhs[BHS_LEN];

	for (int i = 0; i < BHS_LEN; i++)
		bhs[i] = (uint8_t)(0xa5 ^ (i * 37));
	bhs[0] = 0x7e; /* no valid initiator opcode */
	if (send_all(c, bhs, sizeof(bhs)) != GOT_PDU) {
		say("garbage: connection closed while sending");
		return 0;
	}
	return expect_reject_or_close(c, "garbage");
}

static int cmd_bogus_opcode(struct conn *c)
{
	uint8_t bhs[BHS_LEN];

	login_or_die(c);
	memset(bhs, 0, BHS_LEN);
	bhs[0] = 0x0b; /* reserved initiator opcode */
	bhs[1] = 0x80;
	put32(bhs + 16, c->itt++);
	put32(bhs + 24, c->cmdsn);
	put32(bhs + 28, c->exp_statsn);
	if (send_pdu(c, bhs, NULL, 0) != GOT_PDU) {
		say("bogus-opcode: connection closed while sending");
		return 0;
	}
	return expect_reject_or_close(c, "bogus-opcode");
}

/* A NOP-Out announcing far more data than the target accepts; the data
 * never follows, so a target that trusts the length before checking it
 * waits forever. */
static int cmd_big_dsl(struct conn *c)
{
	uint8_t bhs[BHS_LEN];

	login_or_die(c);
	nop_out_bhs(c, bhs, 0);
	put24(bhs + 5, 0xfffffc);
	say("big-dsl: announcing %u bytes, target's MaxRecvDataSegmentLength is %u",
	    0xfffffc, c->target_mrdsl);
	if (send_all(c, bhs, BHS_LEN) != GOT_PDU) {
		say("big-dsl: connection closed while sending");
		return 0;
	}
	return expect_reject_or_close(c, "big-dsl");
}

static int cmd_truncated(struct conn *c)
{
	uint8_t bhs[BHS_LEN], cdb[10] = { 0x28 };

	login_or_die(c);
	cdb[8] = 8;
	scsi_cmd_bhs(c, bhs, 1, 0, 8 * 512, cdb, sizeof(cdb));
	send_all(c, bhs, 20);
	say("truncated: sent 20 of 48 header bytes, closing");
	return 0;
}

static int cmd_write_disconnect(struct conn *c)
{
	uint8_t bhs[BHS_LEN], cdb[10] = { 0x2a };
	struct pdu pdu;
	int rc;

	login_or_die(c);
	cdb[5] = 16; /* LBA 16 */
	cdb[8] = 128; /* 64 KiB at 512-byte blocks, fewer at larger ones */
	scsi_cmd_bhs(c, bhs, 0, 1, 128 * 512, cdb, sizeof(cdb));
	if (send_pdu(c, bhs, NULL, 0) != GOT_PDU)
		return 1;
	rc = recv_pdu(c, &pdu);
	if (rc != GOT_PDU) {
		say("write-disconnect: FAIL no R2T (%d)", rc);
		return 1;
	}
	say("write-disconnect: got opcode 0x%02x, closing without sending data", opcode(&pdu));
	pdu_free(&pdu);
	return 0;
}

static int cmd_read_disconnect(struct conn *c)
{
	uint8_t bhs[BHS_LEN], cdb[10] = { 0x28 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	login_or_die(c);
	cdb[7] = 0x08; /* 2048 blocks: 1 MiB at 512 */
	for (int i = 0; i < 8; i++) {
		scsi_cmd_bhs(c, bhs, 1, 0, 2048 * 512, cdb, sizeof(cdb));
		if (send_pdu(c, bhs, NULL, 0) != GOT_PDU)
			return 1;
	}
	/* A reset rather than a FIN: the target's pending sends fail hard. */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	say("read-disconnect: 8 READs of 1 MiB sent, resetting the connection");
	return 0;
}

/* Sends NOP-Out pings as fast as the CmdSN window allows while draining
 * the NOP-Ins; every ping must be answered. */
static int cmd_nop_flood(struct conn *c)
{
	enum { COUNT = 20000 };
	uint8_t bhs[BHS_LEN];
	unsigned sent = 0, answered = 0;
	int64_t deadline;

	login_or_die(c);
	deadline = now_ms() + c->timeout_ms * 4;
	while (answered < COUNT && now_ms() < deadline) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int window_open = (int32_t)(c->max_cmdsn - c->cmdsn) >= 0;

		if (sent < COUNT && window_open)
			p.events |= POLLOUT;
		if (poll(&p, 1, 100) < 0)
			continue;
		if (p.revents & POLLOUT) {
			nop_out_bhs(c, bhs, 0);
			if (send_pdu(c, bhs, NULL, 0) != GOT_PDU) {
				say("nop-flood: FAIL connection lost after %u pings", sent);
				return 1;
			}
			sent++;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			struct pdu pdu;

			if (recv_pdu(c, &pdu) != GOT_PDU) {
				say("nop-flood: FAIL connection lost after %u answers", answered);
				return 1;
			}
			track_sn(c, &pdu);
			if (opcode(&pdu) == OP_NOP_IN && get32(pdu.bhs + 16) != 0xffffffff)
				answered++;
			else if (opcode(&pdu) == OP_REJECT)
				say("  Reject reason 0x%02x", pdu.bhs[2]);
			pdu_free(&pdu);
		}
	}
	say("nop-flood: %u pings sent, %u answered", sent, answered);
	return answered == COUNT ? 0 : 1;
}

static int cmd_bad_target(struct conn *c)
{
	c->target = "iqn.2026-11.org.scstd:no-such-target";
	enum login_result r = do_login(c, NULL, 0);

	say("bad-target: %s", login_result_name(r));
	return r == LOGIN_REJECTED || r == LOGIN_CLOSED ? 0 : 1;
}

/* Key text a target must refuse: a key without '=', an empty key, an
 * over-long key name and a last key without its NUL terminator. */
static int cmd_bad_keys(struct conn *c)
{
	char text[1024], kv[512];
	uint32_t len = 0;

	len = add_key(text, len, sizeof(text), "InitiatorName=iqn.2026-11.org.scstd:badpdu");
	len = add_key(text, len, sizeof(text), "SessionType=Normal");
	snprintf(kv, sizeof(kv), "TargetName=%s", c->target);
	len = add_key(text, len, sizeof(text), kv);
	len = add_key(text, len, sizeof(text), "ThisKeyHasNoValue");
	len = add_key(text, len, sizeof(text), "=orphan-value");
	memset(kv, 'K', 300);
	strcpy(kv + 300, "=1");
	len = add_key(text, len, sizeof(text), kv);
	memcpy(text + len, "AuthMethod=None", 15);
	len += 15;
	enum login_result r = do_login(c, text, len);

	say("bad-keys: %s", login_result_name(r));
	return r == LOGIN_REJECTED || r == LOGIN_CLOSED ? 0 : 1;
}

static const struct {
	const char *name;
	int (*fn)(struct conn *c);
} subcommands[] = {
	{ "login", cmd_login },
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
	struct conn c = { .timeout_ms = 5000, .cmdsn = 1, .itt = 1, .lun = 1 };
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
		c.fd = tcp_connect(argv[optind]);
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
