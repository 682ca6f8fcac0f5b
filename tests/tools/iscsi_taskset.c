/* iscsi_taskset.c - clearing another initiator's task set, seen from the
 * wire.  Two raw iSCSI sessions (RFC 7143, own minimal login) under two
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
 * Prints one line per check; exit 0 all held, 1 a check failed, 2 setup
 * failed.  Every wait is bounded. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
	const char *initiator;
	bool small_rcvbuf;      /* keep the target's Data-In in its socket */
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
	"InitialR2T=Yes", "ImmediateData=Yes", "MaxBurstLength=262144",
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
		snprintf(kv, sizeof(kv), "InitiatorName=%s", c->initiator);
		len = add_key(text, len, sizeof(text), kv);
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

enum { OP_TMF_REQ = 0x02, OP_TMF_RSP = 0x22 };
enum { TMF_CLEAR_TASK_SET = 4, TMF_LUN_RESET = 5 };

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

/* What a command ended with. */
struct answer {
	bool got;
	uint8_t status;
	uint8_t key, asc, ascq;
	uint8_t data[256];
	uint32_t data_len;
};

static void parse_sense(const uint8_t *d, uint32_t dlen, struct answer *a)
{
	const uint8_t *s;
	uint32_t slen;

	if (dlen < 2)
		return;
	slen = (uint32_t)d[0] << 8 | d[1];
	if (slen + 2 > dlen || slen < 4)
		return;
	s = d + 2;
	if ((s[0] & 0x7f) >= 0x72) {
		a->key = s[1] & 0x0f;
		a->asc = s[2];
		a->ascq = s[3];
	} else if (slen >= 14) {
		a->key = s[2] & 0x0f;
		a->asc = s[12];
		a->ascq = s[13];
	}
}

/* Reads PDUs until the SCSI Response (or TMF Response) for itt arrives,
 * the deadline passes or the connection ends.  A response for `watch`
 * (another task) is recorded in *watched. */
static void wait_for(struct conn *c, uint32_t itt, struct answer *a, int64_t deadline,
		     uint32_t watch, struct answer *watched)
{
	struct pdu pdu;

	memset(a, 0, sizeof(*a));
	while (recv_pdu_until(c, &pdu, deadline) == GOT_PDU) {
		int op = opcode(&pdu);
		uint32_t pitt = get32(pdu.bhs + 16);

		track_sn(c, &pdu);
		if (op == OP_DATA_IN && pitt == itt) {
			uint32_t off = get32(pdu.bhs + 40), n = pdu.dlen;

			if (off < sizeof(a->data)) {
				if (n > sizeof(a->data) - off)
					n = sizeof(a->data) - off;
				memcpy(a->data + off, pdu.data, n);
				if (off + n > a->data_len)
					a->data_len = off + n;
			}
			if (pdu.bhs[1] & 0x01) {        /* status in the last Data-In */
				a->got = true;
				a->status = pdu.bhs[3];
			}
		} else if ((op == OP_SCSI_RSP || op == OP_TMF_RSP) && pitt == itt) {
			a->got = true;
			a->status = op == OP_SCSI_RSP ? pdu.bhs[3] : pdu.bhs[2];
			parse_sense(pdu.data, pdu.dlen, a);
		} else if (op == OP_SCSI_RSP && watched && pitt == watch) {
			watched->got = true;
			watched->status = pdu.bhs[3];
		}
		pdu_free(&pdu);
		if (a->got)
			return;
	}
}

enum { ATTR_SIMPLE = 1, ATTR_ORDERED = 2, ATTR_HEAD_OF_QUEUE = 3 };

static uint32_t send_cmd_attr(struct conn *c, const uint8_t *cdb, size_t cdblen, bool read,
			      uint32_t edtl, const void *out, uint32_t outlen, uint8_t attr)
{
	uint8_t bhs[BHS_LEN];
	uint32_t itt = c->itt;

	scsi_cmd_bhs(c, bhs, read, outlen || (!read && edtl), edtl, cdb, cdblen);
	bhs[1] = (uint8_t)((bhs[1] & ~7u) | attr);
	put24(bhs + 5, outlen);
	send_pdu(c, bhs, out, outlen);
	return itt;
}

static uint32_t send_cmd(struct conn *c, const uint8_t *cdb, size_t cdblen, bool read,
			 uint32_t edtl, const void *out, uint32_t outlen)
{
	uint8_t bhs[BHS_LEN];
	uint32_t itt = c->itt;

	scsi_cmd_bhs(c, bhs, read, outlen || (!read && edtl), edtl, cdb, cdblen);
	put24(bhs + 5, outlen);
	send_pdu(c, bhs, out, outlen);
	return itt;
}

static void run_cmd(struct conn *c, const uint8_t *cdb, size_t cdblen, bool read, uint32_t edtl,
		    const void *out, uint32_t outlen, struct answer *a)
{
	uint32_t itt = send_cmd(c, cdb, cdblen, read, edtl, out, outlen);

	wait_for(c, itt, a, now_ms() + c->timeout_ms, 0, NULL);
}

/* TEST UNIT READY until GOOD: the unit attentions of a new nexus go. */
static bool clear_uas(struct conn *c)
{
	static const uint8_t tur[6];
	struct answer a;

	for (int i = 0; i < 8; i++) {
		run_cmd(c, tur, sizeof(tur), false, 0, NULL, 0, &a);
		if (a.got && a.status == 0)
			return true;
	}
	return false;
}

/* The unit attentions queued for c, in order (at most max). */
static unsigned collect_uas(struct conn *c, struct answer *uas, unsigned max)
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

static bool has_ua(const struct answer *uas, unsigned n, uint8_t asc, int ascq)
{
	for (unsigned i = 0; i < n; i++)
		if (uas[i].asc == asc && (ascq < 0 || uas[i].ascq == ascq))
			return true;
	return false;
}

static void pr_out(struct conn *c, unsigned sa, unsigned type, uint64_t key, uint64_t sa_key,
		   struct answer *a)
{
	uint8_t cdb[10] = { 0x5f, (uint8_t)sa, (uint8_t)type, 0, 0, 0, 0, 0, 24, 0 };
	uint8_t param[24] = { 0 };

	for (int i = 0; i < 8; i++) {
		param[i] = (uint8_t)(key >> (56 - 8 * i));
		param[8 + i] = (uint8_t)(sa_key >> (56 - 8 * i));
	}
	run_cmd(c, cdb, sizeof(cdb), false, sizeof(param), param, sizeof(param), a);
}

static void tmf(struct conn *c, unsigned fn, struct answer *a)
{
	uint8_t bhs[BHS_LEN] = { 0 };
	uint32_t itt = c->itt++;

	bhs[0] = 0x40 | OP_TMF_REQ;
	bhs[1] = 0x80 | (uint8_t)fn;
	put_lun(bhs + 8, c->lun);
	put32(bhs + 16, itt);
	put32(bhs + 20, 0xffffffff);
	put32(bhs + 24, c->cmdsn);
	put32(bhs + 28, c->exp_statsn);
	send_pdu(c, bhs, NULL, 0);
	wait_for(c, itt, a, now_ms() + c->timeout_ms, 0, NULL);
}

static bool open_session(struct conn *c, const char *hostport)
{
	int small = 32 * 1024;

	c->fd = tcp_connect(hostport);
	if (c->fd < 0)
		return false;
	if (c->small_rcvbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	return do_login(c, NULL, 0) == LOGIN_OK && clear_uas(c);
}

/* A WRITE(10) of one block whose Data-Out never comes: the target asks
 * for it with an R2T, and the command stays outstanding. */
static uint32_t held_ttt;

static bool hold_write(struct conn *c, uint32_t *itt)
{
	uint8_t cdb[10] = { 0x2a, 0, 0, 0, 0, 8, 0, 0, 1, 0 };
	int64_t deadline = now_ms() + c->timeout_ms;
	struct pdu pdu;

	*itt = send_cmd(c, cdb, sizeof(cdb), false, 512, NULL, 0);
	while (recv_pdu_until(c, &pdu, deadline) == GOT_PDU) {
		bool r2t = opcode(&pdu) == OP_R2T && get32(pdu.bhs + 16) == *itt;

		if (r2t)
			held_ttt = get32(pdu.bhs + 20);
		track_sn(c, &pdu);
		pdu_free(&pdu);
		if (r2t)
			return true;
	}
	return false;
}

/* The Data-Out the held WRITE's R2T asked for. */
static void release_write(struct conn *c, uint32_t itt)
{
	uint8_t bhs[BHS_LEN] = { 0 }, data[512] = { 0 };

	bhs[0] = 0x05;
	bhs[1] = 0x80;
	put24(bhs + 5, sizeof(data));
	put_lun(bhs + 8, c->lun);
	put32(bhs + 16, itt);
	put32(bhs + 20, held_ttt);
	put32(bhs + 28, c->exp_statsn);
	send_pdu(c, bhs, data, sizeof(data));
}

/* Reads responses until the deadline or until `want` commands are
 * answered; the ITTs in order of arrival go to order[]. */
static unsigned answered(struct conn *c, uint32_t *order, unsigned want, int ms)
{
	int64_t deadline = now_ms() + ms;
	unsigned n = 0;
	struct pdu pdu;

	while (n < want && recv_pdu_until(c, &pdu, deadline) == GOT_PDU) {
		int op = opcode(&pdu);

		track_sn(c, &pdu);
		if (op == OP_SCSI_RSP || (op == OP_DATA_IN && (pdu.bhs[1] & 0x01)))
			order[n++] = get32(pdu.bhs + 16);
		pdu_free(&pdu);
	}
	return n;
}

static void check_ordered(struct conn *a)
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

static bool control_page_tas(struct conn *c, bool *tas)
{
	uint8_t cdb[6] = { 0x1a, 0x08, 0x0a, 0, 64, 0 };   /* DBD, control page */
	struct answer a;

	run_cmd(c, cdb, sizeof(cdb), true, 64, NULL, 0, &a);
	if (!a.got || a.status != 0 || a.data_len < 4 + 6 || a.data[4] != 0x0a)
		return false;
	*tas = a.data[4 + 5] & 0x40;
	return true;
}

/* B's action against A's nexus; false when B's own command failed. */
static bool clear_from_b(struct conn *b, const char *action)
{
	struct answer a;

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

static bool register_keys(struct conn *a, struct conn *b)
{
	struct answer ra, rb;

	pr_out(a, 0, 0, 0, 0xa, &ra);
	pr_out(b, 0, 0, 0, 0xb, &rb);
	return ra.got && ra.status == 0 && rb.got && rb.status == 0;
}

/* What A must see afterwards. */
static void check_holder_side(struct conn *a, const char *action, bool tas, uint32_t held)
{
	static const uint8_t tur[6];
	struct answer wr, t, uas[6];
	bool reset = !strcmp(action, "lun_reset");
	unsigned n;

	if (tas) {
		wait_for(a, held, &wr, now_ms() + a->timeout_ms, 0, NULL);
		check(wr.got && wr.status == 0x40, "TAS=1: A's held WRITE ends with TASK ABORTED "
		      "(got %s 0x%02x)", wr.got ? "status" : "nothing", wr.status);
	} else {
		memset(&wr, 0, sizeof(wr));
		wait_for(a, send_cmd(a, tur, sizeof(tur), false, 0, NULL, 0), &t,
			 now_ms() + a->timeout_ms, held, &wr);
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
static void check_abort_finished(struct conn *a, uint8_t want)
{
	uint8_t cdb[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0x40, 0, 0 };  /* 16384 blocks */
	uint8_t bhs[BHS_LEN] = { 0 };
	uint32_t rd, tm = 0, cmdsn = a->cmdsn;
	int64_t deadline;
	bool read_done = false, tmf_done = false;
	uint8_t tmf_rsp = 0xff;
	struct pdu pdu;

	rd = send_cmd(a, cdb, sizeof(cdb), true, 8u << 20, NULL, 0);
	usleep(300 * 1000);     /* the target has read the data and is sending */
	tm = a->itt++;
	bhs[0] = 0x40 | OP_TMF_REQ;
	bhs[1] = 0x80 | 1;      /* ABORT TASK */
	put_lun(bhs + 8, a->lun);
	put32(bhs + 16, tm);
	put32(bhs + 20, rd);
	put32(bhs + 24, a->cmdsn);
	put32(bhs + 28, a->exp_statsn);
	put32(bhs + 32, cmdsn);
	send_pdu(a, bhs, NULL, 0);
	deadline = now_ms() + a->timeout_ms;
	while (!(read_done && tmf_done) && recv_pdu_until(a, &pdu, deadline) == GOT_PDU) {
		int op = opcode(&pdu);
		uint32_t itt = get32(pdu.bhs + 16);

		track_sn(a, &pdu);
		if (itt == rd && (op == OP_SCSI_RSP || (op == OP_DATA_IN && (pdu.bhs[1] & 0x01))))
			read_done = true;
		if (itt == tm && op == OP_TMF_RSP) {
			tmf_done = true;
			tmf_rsp = pdu.bhs[2];
		}
		pdu_free(&pdu);
	}
	check(read_done, "the READ completes");
	check(tmf_done && tmf_rsp == want, "ABORT TASK of the finished READ answers %u (got %d)",
	      want, tmf_done ? tmf_rsp : -1);
}

static void check_hold_release(struct conn *a)
{
	char line[64];
	struct answer x;
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
	wait_for(a, held, &x, now_ms() + a->timeout_ms, 0, NULL);
	check(x.got && x.status == 0, "held WRITE completes GOOD after its Data-Out (status %#x)",
	      x.status);
}

int main(int argc, char **argv)
{
	struct conn a = { .timeout_ms = 5000, .initiator = "iqn.2026-12.org.scstd:taskset-a" };
	struct conn b = { .timeout_ms = 5000, .initiator = "iqn.2026-12.org.scstd:taskset-b" };
	int opt;
	uint32_t held;
	int tas;
	bool page_tas;
	const char *action;

	while ((opt = getopt(argc, argv, "t:")) != -1)
		a.timeout_ms = b.timeout_ms = atoi(optarg);
	if (argc - optind != 5) {
		fprintf(stderr, "usage: %s [-t MS] HOST:PORT TARGET LUN "
			"clear_task_set|lun_reset|preempt_abort TAS\n", argv[0]);
		return 2;
	}
	a.target = b.target = argv[optind + 1];
	a.lun = b.lun = strtoull(argv[optind + 2], NULL, 0);
	action = argv[optind + 3];
	tas = atoi(argv[optind + 4]);
	a.itt = b.itt = 1;
	if (!strcmp(action, "hold_release")) {
		if (!open_session(&a, argv[optind])) {
			say("setup: cannot log in");
			return 2;
		}
		check_hold_release(&a);
		close(a.fd);
		return failures ? 1 : 0;
	}
	if (!strcmp(action, "ordered") || !strcmp(action, "abort_finished")) {
		a.small_rcvbuf = !strcmp(action, "abort_finished");
		if (!open_session(&a, argv[optind])) {
			say("setup: cannot log in");
			return 2;
		}
		if (a.small_rcvbuf)
			check_abort_finished(&a, (uint8_t)tas);
		else
			check_ordered(&a);
		close(a.fd);
		return failures ? 1 : 0;
	}
	if (!open_session(&a, argv[optind]) || !open_session(&b, argv[optind])) {
		say("setup: cannot log in two sessions");
		return 2;
	}
	check(control_page_tas(&b, &page_tas) && page_tas == tas,
	      "control mode page reports TAS=%d", tas);
	if (!strcmp(action, "preempt_abort") && !register_keys(&a, &b)) {
		say("setup: PR registration failed");
		return 2;
	}
	if (!hold_write(&a, &held)) {
		say("setup: no R2T for the held WRITE");
		return 2;
	}
	if (clear_from_b(&b, action))
		check_holder_side(&a, action, tas, held);
	if (!strcmp(action, "preempt_abort")) {
		struct answer x;

		pr_out(&b, 3, 0, 0xb, 0, &x);       /* CLEAR: leave no registrations */
		check(x.got && x.status == 0, "B clears the registrations");
	}
	close(a.fd);
	close(b.fd);
	return failures ? 1 : 0;
}
