/* raw_iscsi.c - the raw iSCSI initiator shared by the protocol-level test
 * tools (see raw_iscsi.h): sockets, PDU framing with optional CRC32C
 * digests, login and the request headers.  Its CRC32C is a plain bitwise
 * one, independent of the target's isa-l one, so the two check each
 * other. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "raw_iscsi.h"

void raw_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int64_t raw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int raw_tcp_connect(const char *hostport)
{
	char host[256], *port, *h = host;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, one = 1;

	snprintf(host, sizeof(host), "%s", hostport);
	port = strrchr(host, ':');
	if (!port)
		return -1;
	*port++ = '\0';
	if (*h == '[') {
		char *e = strchr(++h, ']');

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
 * writable); 1 ready, 0 timed out.  A passed deadline still looks once:
 * what already arrived is not a timeout. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - raw_now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int rc = poll(&p, 1, left > 0 ? (int)left : 0);

		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 1; /* let the read/write report the error */
		if (left <= 0)
			return 0;
	}
}

int raw_send_all(struct raw_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int64_t deadline = raw_now_ms() + c->timeout_ms;

	while (len) {
		if (!wait_fd(c->fd, POLLOUT, deadline))
			return RAW_GOT_TIMEOUT;
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return errno == EPIPE || errno == ECONNRESET ? RAW_GOT_EOF : RAW_GOT_ERROR;
		p += n;
		len -= (size_t)n;
	}
	return RAW_GOT_PDU;
}

/* The rest of a PDU whose first byte came: a short caller deadline (a
 * 500 ms poll for pings) must not cut a PDU in half and leave the stream
 * out of step. */
#define RAW_REST_OF_PDU_MS 5000

static int recv_all(int fd, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		if (p != (uint8_t *)buf && deadline < raw_now_ms() + RAW_REST_OF_PDU_MS)
			deadline = raw_now_ms() + RAW_REST_OF_PDU_MS;
		if (!wait_fd(fd, POLLIN, deadline))
			return RAW_GOT_TIMEOUT;
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n == 0)
			return RAW_GOT_EOF;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return errno == ECONNRESET ? RAW_GOT_EOF : RAW_GOT_ERROR;
		p += n;
		len -= (size_t)n;
	}
	return RAW_GOT_PDU;
}

static uint32_t crc32c_more(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return crc;
}

/* Digests travel little-endian (RFC 7143 13.1: the CRC's bit order). */
static void put_digest(uint8_t *p, uint32_t crc)
{
	uint32_t v = ~crc;

	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static bool digest_matches(const uint8_t *p, uint32_t crc)
{
	uint8_t want[4];

	put_digest(want, crc);
	return !memcmp(p, want, 4);
}

int raw_send_pdu_spoilt(struct raw_conn *c, uint8_t *bhs, const void *data, uint32_t dlen,
			enum raw_spoil spoil)
{
	uint32_t pad = (4 - (dlen & 3)) & 3, dig = c->digests ? 4 : 0;
	size_t n = RAW_BHS_LEN + dig;
	uint8_t *buf = calloc(1, RAW_BHS_LEN + dig + dlen + pad + dig);
	int rc;

	if (!buf)
		return RAW_GOT_ERROR;
	raw_put24(bhs + 5, dlen);
	memcpy(buf, bhs, RAW_BHS_LEN);
	if (dig)
		put_digest(buf + RAW_BHS_LEN, crc32c_more(0xffffffffu, bhs, RAW_BHS_LEN) ^
			   (spoil == RAW_SPOIL_HEADER_DIGEST));
	if (dlen) {
		memcpy(buf + n, data, dlen);
		if (dig)
			put_digest(buf + n + dlen + pad, crc32c_more(0xffffffffu, buf + n, dlen + pad) ^
				   (spoil == RAW_SPOIL_DATA_DIGEST));
		n += dlen + pad + dig;
	}
	rc = raw_send_all(c, buf, n);
	free(buf);
	return rc;
}

int raw_send_pdu(struct raw_conn *c, uint8_t *bhs, const void *data, uint32_t dlen)
{
	return raw_send_pdu_spoilt(c, bhs, data, dlen, RAW_SPOIL_NONE);
}

void raw_pdu_free(struct raw_pdu *pdu)
{
	free(pdu->data);
	pdu->data = NULL;
	pdu->dlen = 0;
}

/* The digest after the header or data segment: the crc covers what came
 * before it. */
static int recv_digest(struct raw_conn *c, uint32_t crc, int64_t deadline, int bad)
{
	uint8_t d[4];
	int rc;

	if (!c->digests)
		return RAW_GOT_PDU;
	rc = recv_all(c->fd, d, 4, deadline);
	if (rc != RAW_GOT_PDU)
		return rc;      /* a close or a stall is not a bad digest */
	return digest_matches(d, crc) ? RAW_GOT_PDU : bad;
}

/* One PDU: BHS, AHS (skipped), data segment with its padding, each digest
 * checked. */
int raw_recv_pdu_until(struct raw_conn *c, struct raw_pdu *pdu, int64_t deadline)
{
	int rc = recv_all(c->fd, pdu->bhs, RAW_BHS_LEN, deadline);

	pdu->data = NULL;
	pdu->dlen = 0;
	if (rc != RAW_GOT_PDU)
		return rc;
	if (deadline < raw_now_ms() + RAW_REST_OF_PDU_MS)
		deadline = raw_now_ms() + RAW_REST_OF_PDU_MS;
	uint32_t ahs = pdu->bhs[4] * 4u, dlen = raw_get24(pdu->bhs + 5);
	uint32_t padded = (dlen + 3) & ~3u;
	uint8_t *buf = malloc(ahs + padded + 1);
	uint32_t crc = crc32c_more(0xffffffffu, pdu->bhs, RAW_BHS_LEN);

	if (!buf)
		return RAW_GOT_ERROR;
	rc = recv_all(c->fd, buf, ahs, deadline);
	if (rc == RAW_GOT_PDU)
		rc = recv_digest(c, crc32c_more(crc, buf, ahs), deadline, RAW_GOT_BAD_HEADER_DIGEST);
	if (rc == RAW_GOT_PDU)
		rc = recv_all(c->fd, buf + ahs, padded, deadline);
	if (rc == RAW_GOT_PDU && dlen)
		rc = recv_digest(c, crc32c_more(0xffffffffu, buf + ahs, padded), deadline,
				 RAW_GOT_BAD_DATA_DIGEST);
	if (rc != RAW_GOT_PDU || !(ahs + padded)) {
		free(buf);
		return rc;
	}
	memmove(buf, buf + ahs, dlen);
	buf[dlen] = '\0';
	pdu->data = buf;
	pdu->dlen = dlen;
	return RAW_GOT_PDU;
}

int raw_recv_pdu(struct raw_conn *c, struct raw_pdu *pdu)
{
	return raw_recv_pdu_until(c, pdu, raw_now_ms() + c->timeout_ms);
}

void raw_track_sn(struct raw_conn *c, const struct raw_pdu *pdu)
{
	int op = raw_opcode(pdu);

	if (op == RAW_OP_SCSI_RSP || op == RAW_OP_NOP_IN || op == RAW_OP_LOGIN_RSP ||
	    op == RAW_OP_TMF_RSP || op == RAW_OP_TEXT_RSP || op == RAW_OP_LOGOUT_RSP ||
	    op == RAW_OP_ASYNC || op == RAW_OP_REJECT ||
	    (op == RAW_OP_DATA_IN && (pdu->bhs[1] & 0x01))) {
		/* A NOP-In ping with StatSN 0 and no ITT carries no StatSN. */
		if (!(op == RAW_OP_NOP_IN && raw_get32(pdu->bhs + 16) == 0xffffffff &&
		      raw_get32(pdu->bhs + 24) == 0))
			c->exp_statsn = raw_get32(pdu->bhs + 24) + 1;
	}
	if (op != RAW_OP_LOGIN_RSP && op != RAW_OP_REJECT && op >= 0x20)
		c->max_cmdsn = raw_get32(pdu->bhs + 32);
}

uint32_t raw_add_key(char *buf, uint32_t len, uint32_t cap, const char *kv)
{
	size_t n = strlen(kv) + 1;

	if (len + n > cap)
		return len;
	memcpy(buf + len, kv, n);
	return len + (uint32_t)n;
}

uint32_t raw_add_session_keys(char *buf, uint32_t len, uint32_t cap, const char *initiator,
			      const char *target)
{
	char kv[512];

	snprintf(kv, sizeof(kv), "InitiatorName=%s", initiator);
	len = raw_add_key(buf, len, cap, kv);
	len = raw_add_key(buf, len, cap, "SessionType=Normal");
	snprintf(kv, sizeof(kv), "TargetName=%s", target);
	return raw_add_key(buf, len, cap, kv);
}

const char *raw_find_key(const struct raw_pdu *pdu, const char *key)
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

static void login_bhs(struct raw_conn *c, uint8_t *bhs, int csg, int nsg, uint32_t dlen)
{
	static const uint8_t isid[6] = { 0x80, 0x00, 0x23, 0x00, 0x00, 0x01 };

	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = 0x40 | RAW_OP_LOGIN_REQ;
	bhs[1] = 0x80 | (uint8_t)(csg << 2) | (uint8_t)nsg;
	raw_put24(bhs + 5, dlen);
	memcpy(bhs + 8, isid, 6);
	bhs[13] = (uint8_t)getpid();
	bhs[12] = c->isid_qualifier;
	raw_put32(bhs + 16, c->itt);
	raw_put32(bhs + 24, c->cmdsn);
	raw_put32(bhs + 28, c->exp_statsn);
}

const char *raw_login_result_name(enum raw_login_result r)
{
	static const char *names[] = { "accepted", "rejected", "connection closed",
				       "no answer", "unexpected answer" };
	return names[r];
}

static enum raw_login_result login_exchange(struct raw_conn *c, uint8_t *bhs, const void *text,
					    uint32_t tlen, struct raw_pdu *rsp)
{
	int rc = raw_send_pdu(c, bhs, text, tlen);

	if (rc == RAW_GOT_EOF)
		return RAW_LOGIN_CLOSED;
	if (rc != RAW_GOT_PDU)
		return rc == RAW_GOT_TIMEOUT ? RAW_LOGIN_HUNG : RAW_LOGIN_BROKEN;
	rc = raw_recv_pdu(c, rsp);
	if (rc == RAW_GOT_EOF)
		return RAW_LOGIN_CLOSED;
	if (rc == RAW_GOT_TIMEOUT)
		return RAW_LOGIN_HUNG;
	if (rc != RAW_GOT_PDU)
		return RAW_LOGIN_BROKEN;
	if (raw_opcode(rsp) != RAW_OP_LOGIN_RSP) {
		raw_say("  login answered with opcode 0x%02x", raw_opcode(rsp));
		raw_pdu_free(rsp);
		return raw_opcode(rsp) == RAW_OP_REJECT ? RAW_LOGIN_REJECTED : RAW_LOGIN_BROKEN;
	}
	if (rsp->bhs[36] != 0) {
		raw_say("  login response status class 0x%02x detail 0x%02x",
			rsp->bhs[36], rsp->bhs[37]);
		raw_pdu_free(rsp);
		return RAW_LOGIN_REJECTED;
	}
	c->exp_statsn = raw_get32(rsp->bhs + 24) + 1;
	c->max_cmdsn = raw_get32(rsp->bhs + 32);
	return RAW_LOGIN_OK;
}

/* The security-phase text, in one PDU or split in the middle (RFC 7143
 * 11.12.2: a Continue PDU carries part of the text, the target answers it
 * with an empty Login Response). */
static enum raw_login_result first_login_exchange(struct raw_conn *c, const char *text,
						  uint32_t len, struct raw_pdu *rsp)
{
	uint8_t bhs[RAW_BHS_LEN];
	uint32_t head = c->split_first_text ? len / 2 : 0;

	if (head) {
		enum raw_login_result r;

		login_bhs(c, bhs, 0, 1, head);
		bhs[1] = 0x40;                  /* Continue, no Transit, CSG 0 */
		r = login_exchange(c, bhs, text, head, rsp);
		if (r != RAW_LOGIN_OK)
			return r;
		raw_pdu_free(rsp);
	}
	login_bhs(c, bhs, 0, 1, len - head);
	return login_exchange(c, bhs, text + head, len - head, rsp);
}

static uint32_t operational_keys(const struct raw_conn *c, char *text, uint32_t cap)
{
	static const char *const keys[] = {
		"HeaderDigest=None", "DataDigest=None", "MaxRecvDataSegmentLength=262144",
		"InitialR2T=Yes", NULL, "MaxBurstLength=262144",
		"FirstBurstLength=65536", "MaxConnections=1", "DefaultTime2Wait=0",
		"DefaultTime2Retain=0", "MaxOutstandingR2T=1", "DataPDUInOrder=Yes",
		"DataSequenceInOrder=Yes", "ErrorRecoveryLevel=0", "IFMarker=No",
		"OFMarker=No",
	};
	uint32_t len = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		len = raw_add_key(text, len, cap, keys[i] ? keys[i] : c->immediate_data ?
				  "ImmediateData=Yes" : "ImmediateData=No");
	return len;
}

enum raw_login_result raw_login(struct raw_conn *c, const char *first_text, uint32_t first_len)
{
	char text[4096];
	uint8_t bhs[RAW_BHS_LEN];
	struct raw_pdu rsp;
	uint32_t len = 0;
	enum raw_login_result r;

	if (first_text) {
		memcpy(text, first_text, first_len);
		len = first_len;
	} else {
		len = raw_add_session_keys(text, len, sizeof(text), c->initiator, c->target);
		len = raw_add_key(text, len, sizeof(text), "AuthMethod=None");
	}
	r = first_login_exchange(c, text, len, &rsp);
	if (r != RAW_LOGIN_OK)
		return r;
	/* The target may want to stay in the security phase; with
	 * AuthMethod=None it has no reason to, so treat it as unexpected. */
	int transit = rsp.bhs[1] & 0x80, nsg = rsp.bhs[1] & 3;
	raw_pdu_free(&rsp);
	if (!transit || nsg != 1)
		return RAW_LOGIN_BROKEN;

	len = operational_keys(c, text, sizeof(text));
	login_bhs(c, bhs, 1, 3, len);
	r = login_exchange(c, bhs, text, len, &rsp);
	if (r != RAW_LOGIN_OK)
		return r;
	transit = rsp.bhs[1] & 0x80;
	nsg = rsp.bhs[1] & 3;
	const char *mrdsl = raw_find_key(&rsp, "MaxRecvDataSegmentLength");
	c->target_mrdsl = mrdsl ? (uint32_t)strtoul(mrdsl, NULL, 10) : 8192;
	raw_pdu_free(&rsp);
	if (!transit || nsg != 3)
		return RAW_LOGIN_BROKEN;
	c->itt++;
	return RAW_LOGIN_OK;
}

void raw_scsi_cmd_bhs(struct raw_conn *c, uint8_t *bhs, bool read, bool write, uint32_t edtl,
		      const uint8_t *cdb, size_t cdblen)
{
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = RAW_OP_SCSI_CMD;
	bhs[1] = 0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 0x01;
	raw_put_lun(bhs + 8, c->lun);
	raw_put32(bhs + 16, c->itt++);
	raw_put32(bhs + 20, edtl);
	raw_put32(bhs + 24, c->cmdsn++);
	raw_put32(bhs + 28, c->exp_statsn);
	memcpy(bhs + 32, cdb, cdblen);
}

void raw_nop_out_bhs(struct raw_conn *c, uint8_t *bhs, uint32_t dlen)
{
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = RAW_OP_NOP_OUT;
	bhs[1] = 0x80;
	raw_put24(bhs + 5, dlen);
	raw_put32(bhs + 16, c->itt++);
	raw_put32(bhs + 20, 0xffffffff);
	raw_put32(bhs + 24, c->cmdsn++);
	raw_put32(bhs + 28, c->exp_statsn);
}

uint32_t raw_tmf_bhs(struct raw_conn *c, uint8_t *bhs, unsigned fn, uint32_t ref_itt,
		     uint32_t ref_cmdsn)
{
	uint32_t itt = c->itt++;

	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = 0x40 | RAW_OP_TMF_REQ;
	bhs[1] = 0x80 | (uint8_t)fn;
	raw_put_lun(bhs + 8, c->lun);
	raw_put32(bhs + 16, itt);
	raw_put32(bhs + 20, ref_itt);
	raw_put32(bhs + 24, c->cmdsn);
	raw_put32(bhs + 28, c->exp_statsn);
	raw_put32(bhs + 32, ref_cmdsn);
	return itt;
}

void raw_data_out_bhs(struct raw_conn *c, uint8_t *bhs, uint32_t itt, uint32_t ttt,
		      uint32_t offset)
{
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = RAW_OP_DATA_OUT;
	bhs[1] = 0x80;
	raw_put_lun(bhs + 8, c->lun);
	raw_put32(bhs + 16, itt);
	raw_put32(bhs + 20, ttt);
	raw_put32(bhs + 28, c->exp_statsn);
	raw_put32(bhs + 40, offset);
}

/* Sense key/ASC/ASCQ of a SCSI Response's sense data (fixed or
 * descriptor format); untouched when there is none. */
static void parse_sense(const uint8_t *d, uint32_t dlen, struct raw_answer *a)
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

static void keep_data_in(struct raw_answer *a, const struct raw_pdu *pdu)
{
	uint32_t off = raw_get32(pdu->bhs + 40), n = pdu->dlen;

	if (off >= sizeof(a->data) || !n)
		return;
	if (n > sizeof(a->data) - off)
		n = sizeof(a->data) - off;
	memcpy(a->data + off, pdu->data, n);
	if (off + n > a->data_len)
		a->data_len = off + n;
}

void raw_wait_for(struct raw_conn *c, uint32_t itt, struct raw_answer *a, int64_t deadline,
		  uint32_t watch, struct raw_answer *watched)
{
	struct raw_pdu pdu;

	memset(a, 0, sizeof(*a));
	while (raw_recv_pdu_until(c, &pdu, deadline) == RAW_GOT_PDU) {
		int op = raw_opcode(&pdu);
		uint32_t pitt = raw_get32(pdu.bhs + 16);

		raw_track_sn(c, &pdu);
		if (op == RAW_OP_DATA_IN && pitt == itt) {
			keep_data_in(a, &pdu);
			if (pdu.bhs[1] & 0x01) {        /* status in the last Data-In */
				a->got = true;
				a->status = pdu.bhs[3];
			}
		} else if ((op == RAW_OP_SCSI_RSP || op == RAW_OP_TMF_RSP) && pitt == itt) {
			a->got = true;
			a->status = op == RAW_OP_SCSI_RSP ? pdu.bhs[3] : pdu.bhs[2];
			parse_sense(pdu.data, pdu.dlen, a);
		} else if (watched && pitt == watch &&
			   (op == RAW_OP_SCSI_RSP || (op == RAW_OP_DATA_IN && (pdu.bhs[1] & 0x01)))) {
			watched->got = true;
			watched->status = pdu.bhs[3];
		}
		raw_pdu_free(&pdu);
		if (a->got)
			return;
	}
}
