/* iscsi_fuzz.c - a seeded mutation fuzzer of the iSCSI wire: each
 * iteration opens a connection and plays a short valid script (a login, or
 * a login followed by full feature phase PDUs) with random mutations of
 * the headers, the key=value text and the framing, then classifies what
 * the target answered.  Malformed input must end in an answer, a Reject, a
 * login reject or a closed connection; a malformed response, a connection
 * that goes silent though every PDU was framed right, or a target that no
 * longer serves a clean login + TEST UNIT READY + Logout is a failure.
 *
 *   iscsi_fuzz [-s SEED] [-n ITERATIONS | -T SECONDS] [-t MS] [-c EVERY]
 *              [-f FIRST] [-l LUN] [-v] HOST:PORT TARGET-IQN
 *
 * Iteration i draws from its own generator seeded by (SEED, i), so
 * "-s SEED -f i -n 1 -v" replays one iteration alone (with "-f i-1 -n 2"
 * when iteration i-1 left its connection open for i to reinstate).  Exit status: 0 no
 * failure, 1 a failure (each printed with seed, iteration and the
 * mutations made), 2 bad usage. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_rng.h"
#include "raw_iscsi.h"

#define TEXT_CAP 70000u
#define DATA_CAP 270000u
#define LOGIN_MRDSL 8192u       /* RFC 7143 12.12: the default during login */
#define FFP_MRDSL 262144u       /* what raw_login declares */
#define SENTINEL_TAG 0x5e47000u /* ITTs of the closing NOP-Out pings */
#define MAX_FAILURES 5
#define MISFRAMED_WAIT_MS 100
#define MAX_ITTS 64

enum { OP_TEXT_REQ = 0x04, OP_SNACK = 0x10, OP_TEXT_RSP = 0x24 };

static uint32_t rnd32(struct rng *r)
{
	return (uint32_t)rng_next(r);
}

/* ---- run state ----------------------------------------------------- */

enum outcome {
	OUT_ANSWER, OUT_REJECT, OUT_LOGIN_REJECT, OUT_CLOSE, OUT_TIMEOUT, OUT_ABORTED,
	OUT_FAIL, OUT_COUNT
};

static const char *const outcome_names[OUT_COUNT] = {
	"answer", "reject", "login-reject", "close", "timeout", "aborted", "failed"
};

struct opts {
	const char *hostport, *target;
	uint64_t seed;
	long iterations, first;
	int seconds, timeout_ms, check_every;
	uint64_t lun;
	bool verbose;
};

struct fuzz {
	const struct opts *o;
	struct rng rng;
	struct raw_conn c;
	long iter;
	bool login_phase;
	bool misframed;         /* some PDU declared other lengths than it carried */
	bool saw_reject, saw_login_reject, eof;
	char desc[1024];        /* what this iteration did, for the failure report */
	size_t desc_len;
	char failure[256];
	uint32_t last_cmd_itt;  /* for TMFs, SNACKs and Data-Outs to refer to */
	bool wild;              /* the login may be mutated and cut off */
	bool discovery;         /* the clean login asks for a discovery session */
	uint32_t my_mrdsl;      /* the MaxRecvDataSegmentLength we declared */
	uint32_t offered_mrdsl; /* ... in the login under way */
	bool initial_r2t;       /* the session's InitialR2T */
	uint32_t first_burst;
	uint16_t tsih, cid;     /* of our own logins */
	bool joining;           /* a second connection is logging in (MC/S) */
	int first_fd;           /* the session's first connection, once joined */
	uint32_t sent_itts[MAX_ITTS];  /* ITTs of the full feature PDUs sent */
	unsigned n_itts;
};

static void note(struct fuzz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->desc_len >= sizeof(f->desc) - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(f->desc + f->desc_len, sizeof(f->desc) - f->desc_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->desc_len += (size_t)n;
	if (f->desc_len > sizeof(f->desc) - 1)
		f->desc_len = sizeof(f->desc) - 1;
}

static void fail(struct fuzz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->failure, sizeof(f->failure), fmt, ap);
	va_end(ap);
}

/* ---- checking what the target sends ----------------------------------- */

static bool target_opcode(int op)
{
	switch (op) {
	case RAW_OP_NOP_IN: case RAW_OP_SCSI_RSP: case RAW_OP_TMF_RSP: case RAW_OP_LOGIN_RSP:
	case OP_TEXT_RSP: case RAW_OP_DATA_IN: case RAW_OP_LOGOUT_RSP: case RAW_OP_R2T:
	case RAW_OP_ASYNC: case RAW_OP_REJECT:
		return true;
	default:
		return false;
	}
}

/* Login and Text responses carry NUL-terminated key=value pairs. */
static bool text_well_formed(const struct raw_pdu *pdu)
{
	const char *p = (const char *)pdu->data, *end = p + pdu->dlen;

	if (!pdu->dlen)
		return true;
	if (pdu->data[pdu->dlen - 1] != '\0')
		return false;
	while (p < end) {
		size_t n = strlen(p);

		if (!memchr(p, '=', n) || p[0] == '=')
			return false;
		p += n + 1;
	}
	return true;
}

static void remember_itt(struct fuzz *f, uint32_t itt)
{
	if (f->n_itts < MAX_ITTS)
		f->sent_itts[f->n_itts++] = itt;
}

/* An answer to a task must name an ITT we sent (once our frames were read
 * as framed: a lying length makes our data the target's next header). */
static bool itt_known(const struct fuzz *f, const struct raw_pdu *pdu)
{
	int op = raw_opcode(pdu);
	uint32_t itt = raw_get32(pdu->bhs + 16);

	if (f->login_phase || f->misframed || f->n_itts >= MAX_ITTS || itt == 0xffffffff ||
	    op == RAW_OP_REJECT || op == RAW_OP_ASYNC)
		return true;
	for (unsigned i = 0; i < f->n_itts; i++)
		if (f->sent_itts[i] == itt)
			return true;
	return false;
}

/* Each response that carries status takes the next StatSN (RFC 7143
 * 4.2.2.2); pings, R2Ts and Data-In without status only show it. */
static bool carries_status(const struct raw_pdu *pdu)
{
	int op = raw_opcode(pdu);

	return op == RAW_OP_SCSI_RSP || op == RAW_OP_TMF_RSP || op == OP_TEXT_RSP ||
	       op == RAW_OP_LOGOUT_RSP || op == RAW_OP_REJECT || op == RAW_OP_ASYNC ||
	       (op == RAW_OP_DATA_IN && (pdu->bhs[1] & 0x01)) ||
	       (op == RAW_OP_NOP_IN && raw_get32(pdu->bhs + 16) != 0xffffffff);
}

static bool statsn_in_order(const struct fuzz *f, const struct raw_pdu *pdu)
{
	return f->login_phase || !carries_status(pdu) ||
	       raw_get32(pdu->bhs + 24) == f->c.exp_statsn;
}

static bool response_ok(struct fuzz *f, const struct raw_pdu *pdu)
{
	int op = raw_opcode(pdu);
	uint32_t limit = f->login_phase ? LOGIN_MRDSL : f->my_mrdsl;

	if (!target_opcode(op))
		fail(f, "the target sent opcode 0x%02x", op);
	else if (pdu->bhs[4])
		fail(f, "opcode 0x%02x came with %u bytes of AHS", op, pdu->bhs[4] * 4u);
	else if (pdu->dlen > limit)
		fail(f, "opcode 0x%02x carried %u bytes, beyond MaxRecvDataSegmentLength %u",
		     op, pdu->dlen, limit);
	else if (f->login_phase && op != RAW_OP_LOGIN_RSP && op != RAW_OP_REJECT)
		fail(f, "opcode 0x%02x during login", op);
	else if (!f->login_phase && op == RAW_OP_LOGIN_RSP)
		fail(f, "a Login Response in full feature phase");
	else if (op == RAW_OP_REJECT && pdu->dlen != RAW_BHS_LEN)
		fail(f, "a Reject carrying %u bytes instead of the rejected header", pdu->dlen);
	else if (op == RAW_OP_REJECT && (pdu->bhs[2] < 0x02 || pdu->bhs[2] > 0x0c))
		fail(f, "a Reject with reason 0x%02x", pdu->bhs[2]);
	else if ((op == RAW_OP_LOGIN_RSP || op == OP_TEXT_RSP) && !text_well_formed(pdu))
		fail(f, "opcode 0x%02x with malformed key=value text", op);
	else if (!statsn_in_order(f, pdu))
		fail(f, "opcode 0x%02x with StatSN %u, expected %u", op, raw_get32(pdu->bhs + 24),
		     f->c.exp_statsn);
	else if (!itt_known(f, pdu))
		fail(f, "opcode 0x%02x for ITT 0x%08x, which was never sent", op,
		     raw_get32(pdu->bhs + 16));
	return !f->failure[0];
}

enum event { EV_PDU, EV_EOF, EV_TIMEOUT, EV_BAD };

/* A target waiting for bytes a lying header promised never answers; no
 * use waiting the full timeout for that. */
static int64_t answer_deadline(const struct fuzz *f)
{
	int ms = f->misframed && f->o->timeout_ms > MISFRAMED_WAIT_MS ? MISFRAMED_WAIT_MS :
		 f->o->timeout_ms;

	return raw_now_ms() + ms;
}

/* One PDU from the target, checked; Rejects and login rejects are noted. */
static enum event read_one(struct fuzz *f, struct raw_pdu *pdu, int64_t deadline)
{
	int rc = raw_recv_pdu_until(&f->c, pdu, deadline);

	if (rc == RAW_GOT_TIMEOUT)
		return EV_TIMEOUT;
	if (rc != RAW_GOT_PDU) {
		f->eof = true;
		return EV_EOF;
	}
	if (f->o->verbose)
		note(f, " <%02x itt %x sn %u>", raw_opcode(pdu), raw_get32(pdu->bhs + 16),
		     raw_get32(pdu->bhs + 24));
	if (!response_ok(f, pdu)) {
		raw_pdu_free(pdu);
		return EV_BAD;
	}
	if (!f->login_phase) {
		raw_track_sn(&f->c, pdu);
		/* raw_track_sn leaves out TMF and Text Responses. */
		if (carries_status(pdu))
			f->c.exp_statsn = raw_get32(pdu->bhs + 24) + 1;
	}
	if (raw_opcode(pdu) == RAW_OP_REJECT)
		f->saw_reject = true;
	if (raw_opcode(pdu) == RAW_OP_LOGIN_RSP && pdu->bhs[36])
		f->saw_login_reject = true;
	return EV_PDU;
}

/* ---- framing ------------------------------------------------------- */

/* A PDU as it goes on the wire: the BHS decides what the target expects
 * (AHS and data lengths), ahs_len and sent are what really follows. */
struct frame {
	uint8_t bhs[RAW_BHS_LEN];
	uint8_t ahs[1020];
	uint32_t ahs_len;
	uint8_t data[DATA_CAP];
	uint32_t sent;
};

static void frame_set_data(struct frame *fr, const void *data, uint32_t len)
{
	if (len > DATA_CAP)
		len = DATA_CAP;
	memcpy(fr->data, data, len);
	fr->sent = len;
	raw_put24(fr->bhs + 5, len);
}

/* Serialises the frame; *total its size.  Notes when the header lies. */
static uint8_t *frame_bytes(struct fuzz *f, const struct frame *fr, size_t *total)
{
	uint32_t pad = (4 - (fr->sent & 3)) & 3;
	uint8_t *buf = malloc(RAW_BHS_LEN + fr->ahs_len + fr->sent + pad);

	if (!buf)
		return NULL;
	memcpy(buf, fr->bhs, RAW_BHS_LEN);
	memcpy(buf + RAW_BHS_LEN, fr->ahs, fr->ahs_len);
	memcpy(buf + RAW_BHS_LEN + fr->ahs_len, fr->data, fr->sent);
	memset(buf + RAW_BHS_LEN + fr->ahs_len + fr->sent, 0, pad);
	*total = RAW_BHS_LEN + fr->ahs_len + fr->sent + pad;
	if (fr->bhs[4] * 4u != fr->ahs_len || raw_get24(fr->bhs + 5) != fr->sent)
		f->misframed = true;
	if (!f->login_phase)
		remember_itt(f, raw_get32(fr->bhs + 16));
	return buf;
}

/* false when the connection is gone (or the send failed). */
static bool send_frame(struct fuzz *f, const struct frame *fr)
{
	size_t total;
	uint8_t *buf = frame_bytes(f, fr, &total);
	int rc;

	if (!buf) {
		fail(f, "out of memory");
		return false;
	}
	rc = raw_send_all(&f->c, buf, total);
	free(buf);
	if (rc == RAW_GOT_PDU)
		return true;
	f->eof = true;
	return false;
}

/* Half a PDU, then the connection goes: the target must let go of it. */
static void send_half_and_close(struct fuzz *f, const struct frame *fr)
{
	size_t total;
	uint8_t *buf = frame_bytes(f, fr, &total);

	if (!buf) {
		fail(f, "out of memory");
		return;
	}
	size_t part = 1 + rng_below(&f->rng, (uint32_t)total - 1);
	note(f, " cut@%zu/%zu", part, total);
	raw_send_all(&f->c, buf, part);
	free(buf);
	close(f->c.fd);
	f->c.fd = -1;
}

/* ---- header mutations ------------------------------------------------ */

static uint32_t interesting32(struct fuzz *f)
{
	static const uint32_t v[] = { 0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
				      0xffff, 0x10000, 0x1000000 };

	if (rng_chance(&f->rng, 50))
		return rnd32(&f->rng);
	return v[rng_below(&f->rng, sizeof(v) / sizeof(v[0]))];
}

/* The DataSegmentLength lies: more than sent (the target waits), less
 * (the rest reads as the next header) or beyond MaxRecvDataSegmentLength. */
static void lie_about_length(struct fuzz *f, struct frame *fr, uint32_t mrdsl)
{
	uint32_t dsl;

	switch (rng_below(&f->rng, 3)) {
	case 0:
		dsl = fr->sent + 1 + rng_below(&f->rng, 2000);
		break;
	case 1:
		dsl = fr->sent ? rng_below(&f->rng, fr->sent) : 0;
		break;
	default:
		dsl = mrdsl + 1 + rng_below(&f->rng, 0xffffff - mrdsl);
		break;
	}
	note(f, " dsl=%u(sent %u)", dsl, fr->sent);
	raw_put24(fr->bhs + 5, dsl);
}

/* AHS: an extended-CDB one that fits, or a length with random bytes or
 * none at all behind it. */
static void add_ahs(struct fuzz *f, struct frame *fr)
{
	uint32_t words = 1 + rng_below(&f->rng, rng_chance(&f->rng, 70) ? 5 : 255);

	fr->bhs[4] = (uint8_t)words;
	fr->ahs_len = rng_chance(&f->rng, 80) ? words * 4 : rng_below(&f->rng, words) * 4;
	for (uint32_t i = 0; i < fr->ahs_len; i++)
		fr->ahs[i] = (uint8_t)rnd32(&f->rng);
	if (rng_chance(&f->rng, 50) && fr->ahs_len >= 4) {
		raw_put16(fr->ahs, (uint16_t)(words * 4 - 3));  /* AHSLength */
		fr->ahs[2] = rng_chance(&f->rng, 70) ? 1 : 2;       /* extended CDB, bidi length */
	}
	note(f, " ahs=%u/%u", fr->ahs_len, words * 4);
}

static void mutate_bhs(struct fuzz *f, struct frame *fr, uint32_t mrdsl)
{
	unsigned n = 1 + rng_below(&f->rng, 3);

	for (unsigned i = 0; i < n; i++) {
		unsigned at = rng_below(&f->rng, RAW_BHS_LEN);

		switch (rng_below(&f->rng, 8)) {
		case 0: case 1: case 2:
			fr->bhs[at] ^= (uint8_t)(1u << rng_below(&f->rng, 8));
			note(f, " flip@%u", at);
			break;
		case 3: case 4:
			at &= ~3u;
			raw_put32(fr->bhs + at, interesting32(f));
			note(f, " set32@%u", at);
			break;
		case 5:
			fr->bhs[at] = (uint8_t)rnd32(&f->rng);
			note(f, " set8@%u", at);
			break;
		case 6:
			add_ahs(f, fr);
			break;
		default:
			lie_about_length(f, fr, mrdsl);
			break;
		}
	}
}

/* ---- key=value text ------------------------------------------------- */

struct text {
	uint8_t b[TEXT_CAP];
	uint32_t len;
};

static void text_add(struct text *t, const char *kv)
{
	size_t n = strlen(kv) + 1;

	if (t->len + n <= TEXT_CAP) {
		memcpy(t->b + t->len, kv, n);
		t->len += (uint32_t)n;
	}
}

static void text_addf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_addf(struct text *t, const char *fmt, ...)
{
	char kv[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kv, sizeof(kv), fmt, ap);
	va_end(ap);
	text_add(t, kv);
}

/* Start offset and length (NUL excluded) of a random key=value pair. */
static bool pick_pair(struct fuzz *f, const struct text *t, uint32_t *start, uint32_t *len)
{
	uint32_t pairs = 0, p = 0, k;

	for (uint32_t i = 0; i < t->len; i++)
		pairs += !t->b[i];
	if (!pairs)
		return false;
	k = rng_below(&f->rng, pairs);
	while (k--)
		p += (uint32_t)strnlen((const char *)t->b + p, t->len - p) + 1;
	*start = p;
	*len = (uint32_t)strnlen((const char *)t->b + p, t->len - p);
	return true;
}

static const char *const numeric_keys[] = {
	"MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait",
	"DefaultTime2Retain", "MaxOutstandingR2T", "ErrorRecoveryLevel", "MaxConnections",
	"TargetPortalGroupTag",
};
static const char *const odd_numbers[] = {
	"0", "1", "511", "512", "16777215", "16777216", "4294967295", "4294967296",
	"18446744073709551616", "-1", "0x10", "0x", "0b101", "1e3", "", " 5", "5 ", "007",
	"99999999999999999999999999999999", "65535", "2147483648", "+4",
};
static const char *const list_keys[] = {
	"HeaderDigest", "DataDigest", "AuthMethod", "SessionType", "InitialR2T",
	"ImmediateData", "DataPDUInOrder", "DataSequenceInOrder", "IFMarker", "OFMarker",
	"CHAP_A", "SendTargets", "TargetName", "InitiatorName", "TargetAlias",
};
static const char *const odd_values[] = {
	"", ",", "None,", ",None", "CRC32C,Bogus", "Yes,No", "Maybe", "None,None,None,None",
	"Irrelevant", "Reject", "NotUnderstood", "CHAP,SRP,KRB5,SPKM1,SPKM2,None", "Discovery",
	"Normal,Discovery", "yes", "NONE", "CRC32C", "No", "5,7,6", "All",
	"iqn.", "eui.0123456789abcdeX", "naa.", "iqn.2026-11.org.scstd:default",
};

static void append_odd_key(struct fuzz *f, struct text *t)
{
	char key[80];
	uint32_t klen;

	switch (rng_below(&f->rng, 9)) {
	case 0:
		text_addf(t, "%s=%s", numeric_keys[rng_below(&f->rng, 9)],
			  odd_numbers[rng_below(&f->rng, sizeof(odd_numbers) / sizeof(odd_numbers[0]))]);
		break;
	case 1:
		text_addf(t, "%s=%s", list_keys[rng_below(&f->rng, 15)],
			  odd_values[rng_below(&f->rng, sizeof(odd_values) / sizeof(odd_values[0]))]);
		break;
	case 2:         /* RFC 7143 6.1: keys are at most 63 bytes */
		klen = 61 + rng_below(&f->rng, 5);
		memset(key, rng_chance(&f->rng, 50) ? 'K' : 'x', klen);
		if (key[0] == 'x')
			key[1] = '-';
		key[klen] = '\0';
		text_addf(t, "%s=v", key);
		break;
	case 3:
		text_add(t, rng_chance(&f->rng, 50) ? "X-org.scstd.Fuzz=1" : "UnheardOfKey=abc");
		break;
	case 4:
		text_add(t, rng_chance(&f->rng, 50) ? "KeyWithoutValue" : "=ValueWithoutKey");
		break;
	case 5: {
		uint32_t n = rng_chance(&f->rng, 50) ? 200 + rng_below(&f->rng, 300)
						     : 1000 + rng_below(&f->rng, 3000);
		while (n-- && t->len + 16 < TEXT_CAP)
			text_addf(t, "X-k%u=%u", n, n);
		break;
	}
	case 6: {       /* a huge value: 255/256 (value limit), 4096, 8192, more */
		static const uint32_t sizes[] = { 223, 224, 255, 256, 4095, 4096, 8192, 9000, 20000 };
		uint32_t n = sizes[rng_below(&f->rng, 9)];
		const char *k = list_keys[rng_below(&f->rng, 15)];
		size_t kl = strlen(k);

		if (t->len + kl + n + 2 > TEXT_CAP)
			break;
		memcpy(t->b + t->len, k, kl);
		t->b[t->len + kl] = '=';
		memset(t->b + t->len + kl + 1, 'A' + (int)rng_below(&f->rng, 26), n);
		t->b[t->len + kl + 1 + n] = '\0';
		t->len += (uint32_t)kl + n + 2;
		break;
	}
	case 7:
		text_addf(t, "%s=\xff\xfe\xc0\x80\xed\xa0\x80", list_keys[rng_below(&f->rng, 15)]);
		break;
	default:
		text_addf(t, "%s=%s", numeric_keys[rng_below(&f->rng, 9)],
			  list_keys[rng_below(&f->rng, 15)]);
		break;
	}
}

static void mutate_text(struct fuzz *f, struct text *t)
{
	unsigned n = 1 + rng_below(&f->rng, 3);
	uint32_t s, l;

	for (unsigned i = 0; i < n; i++) {
		unsigned what = rng_below(&f->rng, 9);

		note(f, " text%u", what);
		switch (what) {
		case 0:         /* truncated, maybe without its final NUL */
			t->len = rng_below(&f->rng, t->len + 1);
			break;
		case 1:         /* two pairs run together */
			if (pick_pair(f, t, &s, &l) && s + l < t->len)
				t->b[s + l] = rng_chance(&f->rng, 50) ? ',' : '=';
			break;
		case 2:         /* a pair twice */
			if (pick_pair(f, t, &s, &l) && t->len + l + 1 <= TEXT_CAP) {
				memmove(t->b + t->len, t->b + s, l + 1);
				t->len += l + 1;
			}
			break;
		case 3:         /* non-UTF-8 and control bytes inside a pair */
			if (pick_pair(f, t, &s, &l) && l)
				t->b[s + rng_below(&f->rng, l)] = (uint8_t)(0x80 | rnd32(&f->rng));
			break;
		case 4:         /* '=' dropped */
			if (pick_pair(f, t, &s, &l)) {
				uint8_t *eq = memchr(t->b + s, '=', l);
				if (eq)
					*eq = rng_chance(&f->rng, 50) ? ':' : 'Q';
			}
			break;
		case 5:         /* a NUL in the middle of a pair */
			if (pick_pair(f, t, &s, &l) && l)
				t->b[s + rng_below(&f->rng, l)] = '\0';
			break;
		case 6:
			for (unsigned k = 1 + rng_below(&f->rng, 4); k && t->len; k--)
				t->b[rng_below(&f->rng, t->len)] ^=
					(uint8_t)(1u << rng_below(&f->rng, 8));
			break;
		default:
			append_odd_key(f, t);
			break;
		}
	}
}

/* ---- login phase ----------------------------------------------------- */

static void login_frame(struct fuzz *f, struct frame *fr, int csg, int nsg, bool transit,
			bool cont)
{
	memset(fr->bhs, 0, RAW_BHS_LEN);
	fr->ahs_len = 0;
	fr->sent = 0;
	fr->bhs[0] = 0x40 | RAW_OP_LOGIN_REQ;
	fr->bhs[1] = (uint8_t)((transit ? 0x80 : 0) | (cont ? 0x40 : 0) | csg << 2 | nsg);
	fr->bhs[8] = 0x80;
	fr->bhs[10] = 0x23;
	raw_put16(fr->bhs + 12, (uint16_t)(0xf000 | (getpid() & 0xfff)));
	raw_put16(fr->bhs + 14, f->tsih);
	raw_put32(fr->bhs + 16, f->c.itt);
	raw_put16(fr->bhs + 20, f->cid);
	raw_put32(fr->bhs + 24, f->c.cmdsn);
	raw_put32(fr->bhs + 28, f->c.exp_statsn);
}

static void security_keys(struct fuzz *f, struct text *t)
{
	text_addf(t, "InitiatorName=%s", f->c.initiator);
	if (f->discovery || (f->wild && rng_chance(&f->rng, 15))) {
		text_add(t, "SessionType=Discovery");
	} else {
		text_add(t, "SessionType=Normal");
		text_addf(t, "TargetName=%s", f->c.target);
	}
	text_add(t, !f->wild || rng_chance(&f->rng, 80) ? "AuthMethod=None" : "AuthMethod=CHAP,None");
}

static void operational_keys(struct fuzz *f, struct text *t)
{
	/* Our frames carry no digests: only a wild login may agree to them. */
	text_add(t, !f->wild || rng_chance(&f->rng, 80) ? "HeaderDigest=None"
						       : "HeaderDigest=CRC32C,None");
	text_add(t, "DataDigest=None");
	/* What a clean login declares, every answer must keep to. */
	static const uint32_t mrdsl[] = { 512, 1024, 4096, 8192, 65536 };
	f->offered_mrdsl = f->wild ? 8192 : mrdsl[rng_below(&f->rng, 5)];
	text_addf(t, "MaxRecvDataSegmentLength=%u", f->offered_mrdsl);
	text_add(t, rng_chance(&f->rng, 50) ? "InitialR2T=Yes" : "InitialR2T=No");
	if (rng_chance(&f->rng, 50))
		text_add(t, "MaxOutstandingR2T=1");
	text_add(t, rng_chance(&f->rng, 50) ? "ImmediateData=Yes" : "ImmediateData=No");
	text_add(t, "MaxBurstLength=262144");
	text_add(t, "FirstBurstLength=65536");
	text_add(t, "ErrorRecoveryLevel=0");
	if (rng_chance(&f->rng, 50))
		text_addf(t, "MaxConnections=%u", 1 + rng_below(&f->rng, 4));
}

/* Sends the text as one Login PDU or, now and then, as a Continue
 * sequence; *rsp is the last answer.  Returns the event that ended it. */
static enum event login_step(struct fuzz *f, struct frame *fr, struct text *t, int csg, int nsg,
			     bool mutate_header, struct raw_pdu *rsp)
{
	uint32_t pieces = rng_chance(&f->rng, 15) ? 2 + rng_below(&f->rng, 3) : 1, off = 0;

	if (pieces > 1)
		note(f, " continue%u", pieces);
	for (uint32_t i = 0; i < pieces; i++) {
		bool last = i + 1 == pieces;
		uint32_t n = last ? t->len - off : rng_below(&f->rng, t->len - off + 1);

		/* A Continue PDU never transits; now and then it does anyway. */
		login_frame(f, fr, csg, nsg, last || (f->wild && rng_chance(&f->rng, 10)), !last);
		frame_set_data(fr, t->b + off, n);
		off += n;
		if (mutate_header && (last || rng_chance(&f->rng, 30)))
			mutate_bhs(f, fr, LOGIN_MRDSL);
		if (f->wild && rng_chance(&f->rng, 3)) {
			send_half_and_close(f, fr);
			return EV_EOF;
		}
		if (!send_frame(f, fr))
			return EV_EOF;
		enum event ev = read_one(f, rsp, answer_deadline(f));
		if (ev != EV_PDU)
			return ev;
		if (raw_opcode(rsp) != RAW_OP_LOGIN_RSP || rsp->bhs[36] || last)
			return EV_PDU;
		raw_pdu_free(rsp);
	}
	return EV_PDU;
}

static bool login_moved_on(const struct raw_pdu *rsp, int nsg)
{
	return raw_opcode(rsp) == RAW_OP_LOGIN_RSP && !rsp->bhs[36] && (rsp->bhs[1] & 0x80) &&
	       (rsp->bhs[1] & 3) == nsg;
}

/* A key's answer; "Irrelevant" (a leading-only key offered on a second
 * connection) leaves the session's value. */
static const char *answer(const struct raw_pdu *rsp, const char *key)
{
	const char *v = raw_find_key(rsp, key);

	return v && strcmp(v, "Irrelevant") ? v : NULL;
}

static bool yes(const struct raw_pdu *rsp, const char *key, bool dflt)
{
	const char *v = answer(rsp, key);

	return v ? !strcmp(v, "Yes") : dflt;
}

static uint32_t number(const struct raw_pdu *rsp, const char *key, uint32_t dflt)
{
	const char *v = answer(rsp, key);

	return v ? (uint32_t)strtoul(v, NULL, 10) : dflt;
}

/* One stage of a clean login: the target must move on to nsg. */
static bool own_login_step(struct fuzz *f, struct frame *fr, struct text *t, int csg, int nsg,
			   struct raw_pdu *rsp)
{
	static const char *const events[] = { "answer", "close", "no answer", "bad answer" };
	enum event ev = login_step(f, fr, t, csg, nsg, false, rsp);

	if (f->joining && ev == EV_PDU && raw_opcode(rsp) == RAW_OP_LOGIN_RSP && rsp->bhs[36]) {
		note(f, " join refused %02x%02x", rsp->bhs[36], rsp->bhs[37]);
		raw_pdu_free(rsp);
		return false;   /* MaxConnections may be 1: no failure */
	}
	if (ev != EV_PDU) {
		fail(f, "clean login, stage %d: %s", csg, events[ev]);
		return false;
	}
	if (!login_moved_on(rsp, nsg)) {
		fail(f, "clean login, stage %d: opcode 0x%02x flags 0x%02x status 0x%02x%02x",
		     csg, raw_opcode(rsp), rsp->bhs[1], rsp->bhs[36], rsp->bhs[37]);
		raw_pdu_free(rsp);
		return false;
	}
	f->c.exp_statsn = raw_get32(rsp->bhs + 24) + 1;
	return true;
}

/* A login of our own with random valid operational keys (InitialR2T,
 * ImmediateData, a MaxRecvDataSegmentLength from 512 to 65536 the
 * target must respect); what the target answered becomes the session's parameters. */
static bool own_login(struct fuzz *f)
{
	static struct frame fr;
	static struct text t;
	struct raw_pdu rsp;

	t.len = 0;
	security_keys(f, &t);
	if (!own_login_step(f, &fr, &t, 0, 1, &rsp))
		return false;
	raw_pdu_free(&rsp);
	t.len = 0;
	operational_keys(f, &t);
	if (!own_login_step(f, &fr, &t, 1, 3, &rsp))
		return false;
	f->c.max_cmdsn = raw_get32(rsp.bhs + 32);
	f->c.target_mrdsl = number(&rsp, "MaxRecvDataSegmentLength", 8192);
	f->c.immediate_data = yes(&rsp, "ImmediateData", f->c.immediate_data);
	f->initial_r2t = yes(&rsp, "InitialR2T", f->initial_r2t);
	f->first_burst = number(&rsp, "FirstBurstLength", f->first_burst);
	f->tsih = raw_get16(rsp.bhs + 14);
	f->my_mrdsl = f->offered_mrdsl;
	raw_pdu_free(&rsp);
	f->c.itt++;
	return true;
}

/* Now and then a second connection (CID 1) joins the session and takes
 * the fuzzed PDUs; the first one stays open, idle, until the end. */
static bool maybe_join(struct fuzz *f)
{
	int first = f->c.fd;
	uint32_t statsn = f->c.exp_statsn;

	if (f->discovery || !rng_chance(&f->rng, 15))
		return true;
	f->c.fd = raw_tcp_connect(f->o->hostport);
	if (f->c.fd < 0) {
		fail(f, "cannot connect a second connection");
		f->c.fd = first;
		return false;
	}
	f->joining = true;
	f->login_phase = true;
	f->cid = 1;
	f->c.exp_statsn = 0;
	bool joined = own_login(f);
	f->joining = false;
	f->login_phase = false;
	if (joined) {
		f->first_fd = first;
		note(f, " joined");
		return true;
	}
	close(f->c.fd);
	f->c.fd = first;
	f->c.exp_statsn = statsn;
	return !f->failure[0];
}

/* A login whose text and headers are mutated, in the security phase, the
 * operational phase or both. */
static enum outcome fuzz_login(struct fuzz *f)
{
	static struct frame fr;
	static struct text t;
	struct raw_pdu rsp = { 0 };
	bool mut_first = rng_chance(&f->rng, 60), hdr_first = rng_chance(&f->rng, 35);
	enum event ev;

	t.len = 0;
	security_keys(f, &t);
	note(f, "login");
	if (mut_first)
		mutate_text(f, &t);
	ev = login_step(f, &fr, &t, 0, 1, hdr_first, &rsp);
	if (ev == EV_PDU && login_moved_on(&rsp, 1)) {
		f->c.exp_statsn = raw_get32(rsp.bhs + 24) + 1;
		raw_pdu_free(&rsp);
		t.len = 0;
		operational_keys(f, &t);
		note(f, " | op");
		bool again = !(mut_first || hdr_first) || rng_chance(&f->rng, 30);
		if (again)
			mutate_text(f, &t);
		ev = login_step(f, &fr, &t, 1, 3, again && rng_chance(&f->rng, 35), &rsp);
	}
	if (ev == EV_PDU)
		raw_pdu_free(&rsp);
	if (f->c.fd < 0)
		return OUT_ABORTED;
	if (ev == EV_BAD)
		return OUT_FAIL;
	if (ev == EV_EOF)
		return OUT_CLOSE;
	if (ev == EV_TIMEOUT)
		return f->misframed ? OUT_TIMEOUT : (fail(f, "no answer to a login request"), OUT_FAIL);
	if (f->saw_login_reject)
		return OUT_LOGIN_REJECT;
	return f->saw_reject ? OUT_REJECT : OUT_ANSWER;
}

/* ---- full feature phase PDUs ------------------------------------------ */

/* Opcodes a random CDB must not carry: they would change the LU for the
 * clients that come after the fuzzer (reservations, mode pages, stopped
 * or formatted media), which is right for the target but not a finding. */
static bool lasting_opcode(uint8_t op)
{
	static const uint8_t deny[] = { 0x04, 0x15, 0x16, 0x1b, 0x1e, 0x3b, 0x48, 0x4c, 0x55,
					0x56, 0x5f, 0x83, 0x9f, 0xa4, 0x07, 0xa9 };

	return memchr(deny, op, sizeof(deny)) != NULL;
}

static uint64_t pick_lba(struct fuzz *f)
{
	static const uint64_t edges[] = { 0, 16383, 16384, 0xffffffffull, 0xffffffffffffffffull };

	if (rng_chance(&f->rng, 70))
		return rng_below(&f->rng, 16384);
	return edges[rng_below(&f->rng, 5)];
}

/* A CDB and the transfer it asks for (*dir: 1 read, 2 write). */
static uint32_t gen_cdb(struct fuzz *f, uint8_t *cdb, int *dir)
{
	uint64_t lba = pick_lba(f);
	uint32_t blocks = rng_chance(&f->rng, 90) ? rng_below(&f->rng, 33) : rng_below(&f->rng, 0x10000);
	uint16_t alloc = (uint16_t)(rng_chance(&f->rng, 80) ? rng_below(&f->rng, 600) : rnd32(&f->rng));

	memset(cdb, 0, 16);
	*dir = 0;
	switch (rng_below(&f->rng, 11)) {
	case 0:
		return 0;       /* TEST UNIT READY */
	case 1:
		cdb[0] = 0x12;
		cdb[1] = (uint8_t)rng_below(&f->rng, 2);
		cdb[2] = cdb[1] ? (uint8_t)(rng_chance(&f->rng, 50) ? 0x83 : rnd32(&f->rng)) : 0;
		raw_put16(cdb + 3, alloc);
		*dir = 1;
		return alloc;
	case 2:
		cdb[0] = 0x25;
		*dir = 1;
		return 8;
	case 3: case 4:
		cdb[0] = rng_below(&f->rng, 2) ? 0x28 : 0x2a;
		raw_put32(cdb + 2, (uint32_t)lba);
		raw_put16(cdb + 7, (uint16_t)blocks);
		*dir = cdb[0] == 0x28 ? 1 : 2;
		return blocks * 512;
	case 5: case 6:
		cdb[0] = rng_below(&f->rng, 2) ? 0x88 : 0x8a;
		raw_put32(cdb + 2, (uint32_t)(lba >> 32));
		raw_put32(cdb + 6, (uint32_t)lba);
		raw_put32(cdb + 10, blocks);
		*dir = cdb[0] == 0x88 ? 1 : 2;
		return blocks * 512;
	case 7:
		cdb[0] = 0x1a;
		cdb[2] = (uint8_t)(rng_chance(&f->rng, 50) ? 0x3f : rnd32(&f->rng));
		cdb[4] = (uint8_t)alloc;
		*dir = 1;
		return (uint8_t)alloc;
	case 8:
		cdb[0] = 0xa0;
		raw_put32(cdb + 6, alloc);
		*dir = 1;
		return alloc;
	case 9:
		cdb[0] = 0x35;
		return 0;
	default:
		for (int i = 0; i < 16; i++)
			cdb[i] = (uint8_t)rnd32(&f->rng);
		while (lasting_opcode(cdb[0]))
			cdb[0] = (uint8_t)rnd32(&f->rng);
		*dir = (int)rng_below(&f->rng, 3);
		return rng_below(&f->rng, 4096);
	}
}

static uint64_t pick_lun(struct fuzz *f)
{
	return rng_chance(&f->rng, 85) ? f->o->lun : rng_below(&f->rng, 20000);
}

static void fill_data(struct fuzz *f, struct frame *fr, uint32_t len)
{
	if (len > DATA_CAP)
		len = DATA_CAP;
	for (uint32_t i = 0; i < len; i++)
		fr->data[i] = (uint8_t)(i * 7 + f->iter);
	fr->sent = len;
	raw_put24(fr->bhs + 5, len);
}

static void gen_scsi_cmd(struct fuzz *f, struct frame *fr, bool *wants_r2t)
{
	uint8_t cdb[16];
	int dir;
	uint32_t xfer = gen_cdb(f, cdb, &dir), edtl = xfer;

	if (rng_chance(&f->rng, 25))
		edtl = rng_chance(&f->rng, 50) ? rng_below(&f->rng, xfer + 1024) : interesting32(f);
	f->last_cmd_itt = f->c.itt;
	raw_scsi_cmd_bhs(&f->c, fr->bhs, dir == 1, dir == 2, edtl, cdb, 16);
	raw_put_lun(fr->bhs + 8, pick_lun(f));
	if (rng_chance(&f->rng, 15))        /* F, R, W or ATTR bits wrong */
		fr->bhs[1] ^= (uint8_t)(1u << rng_below(&f->rng, 8));
	if (rng_chance(&f->rng, 10))
		fr->bhs[0] |= 0x40;     /* immediate */
	note(f, " cmd(%02x,edtl %u,fl %02x)", cdb[0], edtl, fr->bhs[1]);
	if (dir == 2 && edtl && rng_chance(&f->rng, 50)) {
		uint32_t n = rng_chance(&f->rng, 70) ? (edtl < 65536 ? edtl : 65536) :
			     rng_below(&f->rng, DATA_CAP);
		fill_data(f, fr, n);
		note(f, " imm %u", n);
	}
	*wants_r2t = dir == 2 && fr->sent < edtl && rng_chance(&f->rng, 60);
	if (*wants_r2t && !f->initial_r2t && rng_chance(&f->rng, 60))
		fr->bhs[1] &= (uint8_t)~0x80;   /* unsolicited Data-Out follows */
}

/* Waits briefly for an R2T of itt; its TTT, offset and length. */
static bool await_r2t(struct fuzz *f, uint32_t itt, uint32_t *ttt, uint32_t *off, uint32_t *len)
{
	int64_t deadline = raw_now_ms() + (f->o->timeout_ms < 300 ? f->o->timeout_ms : 300);
	struct raw_pdu pdu;

	for (;;) {
		enum event ev = read_one(f, &pdu, deadline);

		if (ev != EV_PDU)
			return false;
		bool mine = raw_opcode(&pdu) == RAW_OP_R2T && raw_get32(pdu.bhs + 16) == itt;
		bool answered = raw_opcode(&pdu) == RAW_OP_SCSI_RSP && raw_get32(pdu.bhs + 16) == itt;
		*ttt = raw_get32(pdu.bhs + 20);
		*off = raw_get32(pdu.bhs + 40);
		*len = raw_get32(pdu.bhs + 44);
		raw_pdu_free(&pdu);
		if (mine || answered)
			return mine;
	}
}

/* Data-Out answering an R2T, with its ITT, TTT, offset, DataSN, length
 * or F bit spoilt now and then. */
static void gen_data_out(struct fuzz *f, struct frame *fr, uint32_t itt, uint32_t ttt,
			 uint32_t off, uint32_t len, uint32_t dsn)
{
	raw_data_out_bhs(&f->c, fr->bhs, rng_chance(&f->rng, 85) ? itt : interesting32(f),
			 rng_chance(&f->rng, 85) ? ttt : interesting32(f),
			 rng_chance(&f->rng, 80) ? off
			 : rng_chance(&f->rng, 50) ? off + len : interesting32(f));
	raw_put32(fr->bhs + 36, dsn);	if (rng_chance(&f->rng, 20))
		raw_put32(fr->bhs + 36, interesting32(f));      /* DataSN */
	if (rng_chance(&f->rng, 15))
		fr->bhs[1] = 0;                                 /* not final */
	if (rng_chance(&f->rng, 25))
		len = rng_chance(&f->rng, 50) ? rng_below(&f->rng, len + 1)
					      : len + rng_below(&f->rng, 4096);
	fill_data(f, fr, len);
	note(f, " dout(itt %x ttt %x off %u len %u dsn %u F%u)", raw_get32(fr->bhs + 16),
	     raw_get32(fr->bhs + 20), raw_get32(fr->bhs + 40), fr->sent, raw_get32(fr->bhs + 36),
	     fr->bhs[1] >> 7);
}

/* The unsolicited Data-Out of the command just sent (F bit clear), up to
 * FirstBurstLength; false when the connection is gone. */
static bool send_unsolicited(struct fuzz *f, struct frame *fr, uint32_t itt, uint32_t edtl)
{
	uint32_t off = fr->sent, end = edtl < f->first_burst ? edtl : f->first_burst, dsn = 0;

	while (off < end) {
		uint32_t n = end - off < f->c.target_mrdsl ? end - off : f->c.target_mrdsl;

		gen_data_out(f, fr, itt, 0xffffffff, off, n, dsn++);
		if (off + n < end)
			fr->bhs[1] &= (uint8_t)~0x80;
		if (!send_frame(f, fr))
			return false;
		off += n;
	}
	return true;
}

static void gen_nop_out(struct fuzz *f, struct frame *fr)
{
	uint32_t n = rng_chance(&f->rng, 60) ? 0
		     : rng_below(&f->rng, rng_chance(&f->rng, 80) ? 8193 : DATA_CAP);

	raw_nop_out_bhs(&f->c, fr->bhs, 0);
	if (rng_chance(&f->rng, 50))
		fr->bhs[0] |= 0x40;
	if (rng_chance(&f->rng, 25))
		raw_put32(fr->bhs + 16, 0xffffffff);    /* no answer wanted */
	if (rng_chance(&f->rng, 20))
		raw_put32(fr->bhs + 20, interesting32(f));
	if (rng_chance(&f->rng, 15))
		raw_put_lun(fr->bhs + 8, pick_lun(f));
	fill_data(f, fr, n);
	note(f, " nop(itt %x ttt %x len %u)", raw_get32(fr->bhs + 16), raw_get32(fr->bhs + 20), n);
}

static void gen_tmf(struct fuzz *f, struct frame *fr)
{
	unsigned fn = rng_chance(&f->rng, 90) ? 1 + rng_below(&f->rng, 8) : rng_below(&f->rng, 128);
	uint32_t ref = rng_chance(&f->rng, 60) ? f->last_cmd_itt : interesting32(f);

	raw_tmf_bhs(&f->c, fr->bhs, fn, ref, f->c.cmdsn - rng_below(&f->rng, 3));
	raw_put_lun(fr->bhs + 8, pick_lun(f));
	if (rng_chance(&f->rng, 15))
		fr->bhs[0] &= (uint8_t)~0x40;
	fr->sent = 0;
	note(f, " tmf(fn %u ref %x)", fn, ref);
}

static void gen_text(struct fuzz *f, struct frame *fr)
{
	static struct text t;

	t.len = 0;
	if (rng_chance(&f->rng, 50))
		text_add(&t, "SendTargets=All");
	else
		text_addf(&t, "SendTargets=%s", rng_chance(&f->rng, 50) ? f->c.target : "");
	if (rng_chance(&f->rng, 50))
		mutate_text(f, &t);
	memset(fr->bhs, 0, RAW_BHS_LEN);
	fr->bhs[0] = OP_TEXT_REQ | (rng_chance(&f->rng, 20) ? 0x40 : 0);
	fr->bhs[1] = rng_chance(&f->rng, 85) ? 0x80 : 0x40;        /* final, or continue */
	raw_put32(fr->bhs + 16, f->c.itt++);
	raw_put32(fr->bhs + 20, rng_chance(&f->rng, 85) ? 0xffffffff : interesting32(f));
	raw_put32(fr->bhs + 24, f->c.cmdsn);
	if (!(fr->bhs[0] & 0x40))
		f->c.cmdsn++;
	raw_put32(fr->bhs + 28, f->c.exp_statsn);
	frame_set_data(fr, t.b, t.len);
	note(f, " text(%u bytes, fl %02x)", t.len, fr->bhs[1]);
}

static void gen_logout(struct fuzz *f, struct frame *fr)
{
	unsigned reason = rng_chance(&f->rng, 85) ? rng_below(&f->rng, 4) : rng_below(&f->rng, 128);

	memset(fr->bhs, 0, RAW_BHS_LEN);
	fr->bhs[0] = RAW_OP_LOGOUT_REQ | (rng_chance(&f->rng, 60) ? 0x40 : 0);
	fr->bhs[1] = (uint8_t)(0x80 | reason);
	raw_put32(fr->bhs + 16, f->c.itt++);
	if (rng_chance(&f->rng, 30))
		raw_put16(fr->bhs + 20, (uint16_t)rnd32(&f->rng));      /* CID */
	raw_put32(fr->bhs + 24, f->c.cmdsn);
	if (!(fr->bhs[0] & 0x40))
		f->c.cmdsn++;
	raw_put32(fr->bhs + 28, f->c.exp_statsn);
	fr->sent = 0;
	note(f, " logout(reason %u cid %u)", reason, raw_get16(fr->bhs + 20));
}

static void gen_snack(struct fuzz *f, struct frame *fr)
{
	memset(fr->bhs, 0, RAW_BHS_LEN);
	fr->bhs[0] = OP_SNACK;
	fr->bhs[1] = (uint8_t)(0x80 | rng_below(&f->rng, rng_chance(&f->rng, 80) ? 4 : 16));
	raw_put32(fr->bhs + 16, rng_chance(&f->rng, 50) ? f->last_cmd_itt : 0xffffffff);
	raw_put32(fr->bhs + 20, interesting32(f));
	raw_put32(fr->bhs + 28, f->c.exp_statsn);
	raw_put32(fr->bhs + 40, rng_below(&f->rng, 8));
	raw_put32(fr->bhs + 44, rng_below(&f->rng, 8));
	fr->sent = 0;
	note(f, " snack(type %u)", fr->bhs[1] & 0xf);
}

static void gen_reserved(struct fuzz *f, struct frame *fr)
{
	static const uint8_t ops[] = { 0x07, 0x08, 0x0b, 0x0f, 0x11, 0x1b, 0x1c, 0x1d, 0x1e,
				       0x1f, 0x20, 0x21, 0x23, 0x25, 0x31, 0x3f, 0x03 };
	uint8_t op = ops[rng_below(&f->rng, sizeof(ops))];

	memset(fr->bhs, 0, RAW_BHS_LEN);
	fr->bhs[0] = op | (rng_chance(&f->rng, 50) ? 0x40 : 0);
	fr->bhs[1] = 0x80;
	raw_put32(fr->bhs + 16, f->c.itt++);
	raw_put32(fr->bhs + 24, f->c.cmdsn);
	raw_put32(fr->bhs + 28, f->c.exp_statsn);
	fill_data(f, fr, rng_chance(&f->rng, 70) ? 0 : rng_below(&f->rng, 1024));
	note(f, " op%02x(%u bytes)", op, fr->sent);
}

/* The Data-Out sequence an R2T asked for, in one to four PDUs (none
 * beyond the target's MaxRecvDataSegmentLength), DataSN counting up. */
static bool answer_r2t(struct fuzz *f, struct frame *fr, uint32_t itt, uint32_t ttt,
		       uint32_t off, uint32_t len)
{
	uint32_t pieces = rng_chance(&f->rng, 30) ? 2 + rng_below(&f->rng, 3) : 1, end = off + len;

	for (uint32_t dsn = 0; off < end; dsn++) {
		uint32_t n = dsn + 1 >= pieces ? end - off : (len / pieces ? len / pieces : 1);

		if (n > f->c.target_mrdsl)
			n = f->c.target_mrdsl;
		gen_data_out(f, fr, itt, ttt, off, n, dsn);
		if (off + n < end)
			fr->bhs[1] &= (uint8_t)~0x80;
		if (rng_chance(&f->rng, 15))
			mutate_bhs(f, fr, f->c.target_mrdsl);
		if (!send_frame(f, fr))
			return false;
		off += n;
	}
	return true;
}

static bool is_scsi_cmd(const struct frame *fr)
{
	return (fr->bhs[0] & 0x3f) == RAW_OP_SCSI_CMD;
}

/* One full feature phase PDU (and the Data-Out of a WRITE); false when
 * the connection is gone. */
static bool fuzz_one_pdu(struct fuzz *f, struct frame *fr, bool cut)
{
	bool wants_r2t = false;

	fr->ahs_len = 0;
	fr->sent = 0;
	switch (rng_below(&f->rng, 16)) {
	case 0: case 1: case 2: case 3: case 4:
		gen_scsi_cmd(f, fr, &wants_r2t);
		break;
	case 5: case 6:
		gen_nop_out(f, fr);
		break;
	case 7: case 8:
		gen_tmf(f, fr);
		break;
	case 9: case 10:
		gen_text(f, fr);
		break;
	case 11:
		gen_logout(f, fr);
		break;
	case 12:
		gen_snack(f, fr);
		break;
	case 13:
		gen_reserved(f, fr);
		break;
	default:        /* Data-Out nobody asked for */
		gen_data_out(f, fr, rng_chance(&f->rng, 50) ? f->last_cmd_itt : f->c.itt, 0xffffffff, 0,
			     rng_below(&f->rng, 2048), 0);
		break;
	}
	if (rng_chance(&f->rng, 35)) {
		mutate_bhs(f, fr, f->c.target_mrdsl);
		wants_r2t = false;
	}
	if (cut) {
		send_half_and_close(f, fr);
		return false;
	}
	if (!send_frame(f, fr))
		return false;
	if (wants_r2t) {
		uint32_t itt = raw_get32(fr->bhs + 16), ttt, off, len;

		if (!(fr->bhs[1] & 0x80) && is_scsi_cmd(fr))
			return send_unsolicited(f, fr, itt, raw_get32(fr->bhs + 20));

		if (await_r2t(f, itt, &ttt, &off, &len))
			return answer_r2t(f, fr, itt, ttt, off, len);
		return !f->eof && !f->failure[0];
	}
	return true;
}

/* An immediate NOP-Out ping: once its NOP-In is back, the target has
 * dealt with everything sent before it. */
static enum outcome await_sentinel(struct fuzz *f)
{
	static struct frame fr;
	uint32_t itt = SENTINEL_TAG | (uint32_t)(f->iter & 0xfff);
	int64_t deadline;
	struct raw_pdu pdu;

	raw_nop_out_bhs(&f->c, fr.bhs, 0);
	f->c.cmdsn--;           /* an immediate PDU does not advance CmdSN */
	fr.bhs[0] |= 0x40;
	raw_put32(fr.bhs + 16, itt);
	fr.ahs_len = 0;
	fr.sent = 0;
	if (!send_frame(f, &fr))
		return OUT_CLOSE;
	deadline = answer_deadline(f);
	for (;;) {
		enum event ev = read_one(f, &pdu, deadline);

		if (ev == EV_BAD)
			return OUT_FAIL;
		if (ev == EV_EOF)
			return OUT_CLOSE;
		if (ev == EV_TIMEOUT) {
			if (f->misframed)
				return OUT_TIMEOUT;
			fail(f, "no answer to an immediate NOP-Out within %d ms", f->o->timeout_ms);
			return OUT_FAIL;
		}
		/* A discovery session may refuse the NOP-Out with a Reject. */
		bool done = (raw_opcode(&pdu) == RAW_OP_NOP_IN && raw_get32(pdu.bhs + 16) == itt) ||
			    (raw_opcode(&pdu) == RAW_OP_REJECT && raw_get32(pdu.data + 16) == itt);
		raw_pdu_free(&pdu);
		if (done)
			return f->saw_reject ? OUT_REJECT : OUT_ANSWER;
	}
}

static enum outcome fuzz_full_feature(struct fuzz *f)
{
	static struct frame fr;
	unsigned n = 1 + rng_below(&f->rng, 6);
	bool cut = rng_chance(&f->rng, 4);

	f->wild = false;
	if (rng_chance(&f->rng, 50)) {
		f->c.immediate_data = rng_chance(&f->rng, 50);
		enum raw_login_result r = raw_login(&f->c, NULL, 0);
		if (r != RAW_LOGIN_OK) {
			fail(f, "a clean login failed: %s", raw_login_result_name(r));
			return OUT_FAIL;
		}
		f->initial_r2t = true;
		f->my_mrdsl = FFP_MRDSL;
	} else {
		f->discovery = rng_chance(&f->rng, 20);
		f->c.immediate_data = true;
		f->initial_r2t = true;
		f->first_burst = 65536;
		if (!own_login(f))
			return OUT_FAIL;
		f->login_phase = false;
		if (!maybe_join(f))
			return OUT_FAIL;
	}
	f->login_phase = false;
	note(f, "ffp%s%s%s mrdsl %u", f->discovery ? " discovery" : "",
	     f->c.immediate_data ? " immediate" : "",
	     f->initial_r2t ? "" : " unsolicited", f->my_mrdsl);
	for (unsigned i = 0; i < n; i++) {
		note(f, " |");
		if (!fuzz_one_pdu(f, &fr, cut && i + 1 == n))
			break;
	}
	if (f->failure[0])
		return OUT_FAIL;
	if (f->c.fd < 0)
		return OUT_ABORTED;
	if (f->eof)
		return OUT_CLOSE;
	return await_sentinel(f);
}

/* ---- the clean session that must keep working --------------------------- */

static bool logout_cleanly(struct raw_conn *c, char *why, size_t whylen)
{
	uint8_t bhs[RAW_BHS_LEN] = { 0x40 | RAW_OP_LOGOUT_REQ, 0x80 };
	struct raw_pdu pdu;
	uint32_t itt = c->itt++;

	raw_put32(bhs + 16, itt);
	raw_put32(bhs + 24, c->cmdsn);
	raw_put32(bhs + 28, c->exp_statsn);
	if (raw_send_pdu(c, bhs, NULL, 0) != RAW_GOT_PDU) {
		snprintf(why, whylen, "Logout could not be sent");
		return false;
	}
	for (;;) {
		if (raw_recv_pdu(c, &pdu) != RAW_GOT_PDU) {
			snprintf(why, whylen, "no Logout Response");
			return false;
		}
		int op = raw_opcode(&pdu);
		uint8_t response = pdu.bhs[2];
		raw_pdu_free(&pdu);
		if (op != RAW_OP_LOGOUT_RSP)
			continue;
		if (response) {
			snprintf(why, whylen, "Logout Response %u", response);
			return false;
		}
		break;
	}
	if (raw_recv_pdu(c, &pdu) != RAW_GOT_EOF) {
		raw_pdu_free(&pdu);
		snprintf(why, whylen, "the connection stayed open after Logout");
		return false;
	}
	return true;
}

/* Login, TEST UNIT READY (a pending UNIT ATTENTION from the fuzzer's
 * resets is read past) and Logout on a fresh connection. */
static bool health_check(const struct opts *o, char *why, size_t whylen)
{
	struct raw_conn c = { .timeout_ms = o->timeout_ms < 5000 ? 5000 : o->timeout_ms,
			      .cmdsn = 1, .itt = 1, .lun = o->lun,
			      .initiator = "iqn.2026-11.org.scstd:fuzz-health", .target = o->target };
	uint8_t bhs[RAW_BHS_LEN], cdb[6] = { 0 };
	struct raw_answer a = { 0 };
	bool ok = false;

	c.fd = raw_tcp_connect(o->hostport);
	if (c.fd < 0) {
		snprintf(why, whylen, "cannot connect");
		return false;
	}
	enum raw_login_result r = raw_login(&c, NULL, 0);
	if (r != RAW_LOGIN_OK) {
		snprintf(why, whylen, "login %s", raw_login_result_name(r));
		goto out;
	}
	for (int tries = 0; tries < 4; tries++) {
		uint32_t itt = c.itt;

		raw_scsi_cmd_bhs(&c, bhs, false, false, 0, cdb, sizeof(cdb));
		if (raw_send_pdu(&c, bhs, NULL, 0) != RAW_GOT_PDU)
			break;
		raw_wait_for(&c, itt, &a, raw_now_ms() + c.timeout_ms, 0, NULL);
		if (!a.got || !(a.status == 2 && a.key == 6))
			break;
	}
	if (!a.got || a.status) {
		snprintf(why, whylen, a.got ? "TEST UNIT READY status 0x%02x sense %x/%02x/%02x" :
			 "no answer to TEST UNIT READY", a.status, a.key, a.asc, a.ascq);
		goto out;
	}
	ok = logout_cleanly(&c, why, whylen);
out:
	close(c.fd);
	return ok;
}

/* ---- driver --------------------------------------------------------- */

/* Now and then a connection stays open, its commands pending, until the
 * next iteration ends: the next login with the same ISID reinstates its
 * session under it. */
static void linger_or_close(struct fuzz *f)
{
	static int lingering = -1;

	if (lingering >= 0)
		close(lingering);
	lingering = -1;
	if (!f->failure[0] && rng_chance(&f->rng, 10))
		lingering = f->c.fd;
	else
		close(f->c.fd);
	f->c.fd = -1;
}

static enum outcome run_iteration(const struct opts *o, long i, struct fuzz *f)
{
	memset(f, 0, sizeof(*f));
	f->o = o;
	f->iter = i;
	f->first_fd = -1;
	f->rng.s = o->seed * 0x2545f4914f6cdd1dull + (uint64_t)i;
	rng_next(&f->rng);
	f->c = (struct raw_conn){ .timeout_ms = o->timeout_ms, .cmdsn = rnd32(&f->rng),
				  .itt = rnd32(&f->rng) & 0xffff, .lun = o->lun,
				  .initiator = "iqn.2026-11.org.scstd:fuzz", .target = o->target };
	f->login_phase = true;
	f->c.fd = raw_tcp_connect(o->hostport);
	if (f->c.fd < 0) {
		fail(f, "cannot connect to %s", o->hostport);
		return OUT_FAIL;
	}
	f->wild = true;
	enum outcome out = rng_chance(&f->rng, 40) ? fuzz_login(f) : fuzz_full_feature(f);
	if (f->c.fd >= 0)
		linger_or_close(f);
	if (f->first_fd >= 0)
		close(f->first_fd);
	if (f->failure[0])
		out = OUT_FAIL;
	return out;
}

static void usage(void)
{
	fprintf(stderr, "usage: iscsi_fuzz [-s SEED] [-n ITERATIONS | -T SECONDS] [-t MS] "
		"[-c CHECK-EVERY] [-f FIRST] [-l LUN] [-v] HOST:PORT TARGET-IQN\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:n:T:t:c:f:l:v")) != -1) {
		switch (opt) {
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 'n': o->iterations = atol(optarg); break;
		case 'T': o->seconds = atoi(optarg); break;
		case 't': o->timeout_ms = atoi(optarg); break;
		case 'c': o->check_every = atoi(optarg); break;
		case 'f': o->first = atol(optarg); break;
		case 'l': o->lun = strtoull(optarg, NULL, 0); break;
		case 'v': o->verbose = true; break;
		default: usage();
		}
	}
	if (argc - optind != 2 || o->timeout_ms <= 0 || o->check_every <= 0 ||
	    (o->iterations <= 0 && o->seconds <= 0))
		usage();
	o->hostport = argv[optind];
	o->target = argv[optind + 1];
}

int main(int argc, char **argv)
{
	struct opts o = { .seed = 1, .timeout_ms = 1000, .check_every = 100 };
	static struct fuzz f;
	long counts[OUT_COUNT] = { 0 }, done = 0, failures = 0, checks = 0;
	char why[160];

	parse_args(argc, argv, &o);
	int64_t end = o.seconds > 0 ? raw_now_ms() + o.seconds * 1000ll : INT64_MAX;
	for (long i = o.first; (o.iterations <= 0 || done < o.iterations) && raw_now_ms() < end;
	     i++, done++) {
		enum outcome out = run_iteration(&o, i, &f);

		counts[out]++;
		if (o.verbose || out == OUT_FAIL)
			raw_say("%s seed %llu iteration %ld: %s: %s", out == OUT_FAIL ? "FAIL" : "#",
				(unsigned long long)o.seed, i, outcome_names[out],
				out == OUT_FAIL ? f.failure : "");
		if (o.verbose || out == OUT_FAIL)
			raw_say("#   %s", f.desc);
		if (out == OUT_FAIL && ++failures >= MAX_FAILURES)
			break;
		if ((done + 1) % o.check_every == 0) {
			checks++;
			if (!health_check(&o, why, sizeof(why))) {
				raw_say("FAIL seed %llu after iteration %ld: the clean session failed: %s",
					(unsigned long long)o.seed, i, why);
				failures++;
				break;
			}
		}
	}
	if (!failures) {
		checks++;
		if (!health_check(&o, why, sizeof(why))) {
			raw_say("FAIL seed %llu at the end: the clean session failed: %s",
				(unsigned long long)o.seed, why);
			failures++;
		}
	}
	printf("iscsi_fuzz seed %llu: %ld iterations,", (unsigned long long)o.seed, done);
	for (int k = 0; k < OUT_COUNT - 1; k++)
		printf(" %s %ld,", outcome_names[k], counts[k]);
	printf(" failures %ld, health checks %ld\n", failures, checks);
	return failures ? 1 : 0;
}
