/* iscsi_digest_relay.c - a transparent TCP relay that puts CRC32C header
 * and data digests on the target side of iSCSI connections whose initiator
 * cannot do them (libiscsi 1.19 never offers DataDigest=CRC32C).
 *
 *   iscsi_digest_relay [--stats FILE] [--corrupt header|data-imm|data-out]
 *                      LISTEN-PORT TARGET-HOST:PORT
 *
 * Every connection accepted on 127.0.0.1:LISTEN-PORT gets its own
 * connection to the target.  During login the relay offers the target
 * HeaderDigest=CRC32C and DataDigest=CRC32C in place of what the initiator
 * offered (adding the keys to the first operational-stage request that
 * lacks them) and turns the target's CRC32C answers back into None for the
 * initiator.  From the first PDU after the final Login Response (digests
 * belong to the full feature phase; that Login Response still travels
 * without them, as scstd and libiscsi agree) it appends the negotiated
 * digests to what the initiator sends, and verifies and strips those of
 * what the target sends.  A wrong digest from the target is counted,
 * logged and ends the connection.  The largest data segments relayed are
 * counted too.
 *
 * --corrupt spoils, once per relay run, the header digest of the first
 * SCSI Command, the data digest of the first SCSI Command carrying
 * immediate data, or that of the first Data-Out, on its way to the target.
 * --stats FILE is rewritten after every connection and at exit; SIGTERM
 * or SIGINT also print the counts on stdout and end the relay.
 * Exit status 0 on a signal, 2 on bad arguments or setup failure. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <isa-l/crc.h>

#define BHS_LEN 48
#define DIGEST_LEN 4
#define MAX_AHS (255 * 4)
#define MAX_DSL 0xffffffu
#define OP_SCSI_CMD 0x01
#define OP_LOGIN_REQ 0x03
#define OP_DATA_OUT 0x05
#define OP_LOGIN_RSP 0x23
#define OP_REJECT 0x3f
#define LOGIN_TRANSIT 0x80
#define LOGIN_CONTINUE 0x40
#define STAGE_OPERATIONAL 1
#define STAGE_FULL 3

enum corrupt_mode { CORRUPT_NONE, CORRUPT_HEADER, CORRUPT_DATA_IMM, CORRUPT_DATA_OUT };

static struct {
	atomic_ulong connections, pdus_to_target, pdus_to_initiator;
	atomic_ulong header_digests_generated, header_digests_verified;
	atomic_ulong data_digests_generated, data_digests_verified;
	atomic_ulong digest_mismatches, digested_connections, corrupted;
	atomic_ulong largest_segment_to_target, largest_segment_to_initiator;
} stats;

static const char *stats_path;
static enum corrupt_mode corrupt_mode;
static atomic_bool corrupt_done;
static const char *target_addr;
static atomic_uint next_conn_id;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

/* One initiator connection and its twin to the target.  The digest flags
 * are written by the target-to-initiator thread before it relays the final
 * Login Response, so the other thread sees them before the initiator's
 * first full-feature PDU can arrive. */
struct pair {
	unsigned id;
	int ini_fd, tgt_fd;
	atomic_bool full_feature, hdigest, ddigest;
	bool offered;          /* digest keys offered to the target */
	bool req_fragment;     /* last Login Request text ended mid-pair */
	bool rsp_fragment;     /* the same for Login Responses */
};

/* One direction of a pair and its PDU buffer, laid out as the wire with
 * digests: BHS+AHS | header digest | data+pad | data digest. */
struct stream {
	struct pair *p;
	bool to_target;
	int in, out;
	uint8_t *buf;
	size_t cap;
	uint32_t hlen, dlen;
};

static void logmsg(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	/* One stdio call per line: threads do not interleave their lines. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

static uint32_t pad4(uint32_t n)
{
	return (4 - (n & 3)) & 3;
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	return ~crc32_iscsi((unsigned char *)p, (int)n, 0xffffffffu);
}

/* The digest word travels least significant byte first. */
static void put_digest(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_digest(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t bhs_dlen(const uint8_t *bhs)
{
	return (uint32_t)bhs[5] << 16 | (uint32_t)bhs[6] << 8 | bhs[7];
}

static void set_bhs_dlen(uint8_t *bhs, uint32_t len)
{
	bhs[5] = (uint8_t)(len >> 16);
	bhs[6] = (uint8_t)(len >> 8);
	bhs[7] = (uint8_t)len;
}

static uint8_t opcode(const uint8_t *bhs)
{
	return bhs[0] & 0x3f;
}

/* 1 all read, 0 clean end of stream before the first byte, -1 otherwise. */
static int read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && got == 0 ? 0 : -1;
		got += (size_t)n;
	}
	return 1;
}

static bool write_iov(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t n = writev(fd, iov, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return true;
}

static bool reserve(struct stream *s, size_t need)
{
	uint8_t *nb;

	if (need <= s->cap)
		return true;
	nb = realloc(s->buf, need);
	if (!nb)
		return false;
	s->buf = nb;
	s->cap = need;
	return true;
}

static size_t data_off(const struct stream *s)
{
	return s->hlen + DIGEST_LEN;
}

static size_t ddigest_off(const struct stream *s)
{
	return data_off(s) + s->dlen + pad4(s->dlen);
}

/* ---- login text ----------------------------------------------------- */

/* What one Login PDU's text said about the digest keys. */
struct text_view {
	bool hd_key, dd_key;      /* the key was present (complete) */
	bool hd_crc, dd_crc;      /* its value was exactly CRC32C */
	bool ends_in_fragment;    /* the text's last pair has no NUL */
	bool split_digest_key;    /* ... and that fragment may be a digest key */
};

static bool key_is(const uint8_t *pair, size_t len, const char *key)
{
	size_t k = strlen(key);

	return len > k && !memcmp(pair, key, k) && pair[k] == '=';
}

static bool value_is(const uint8_t *pair, size_t len, const char *key, const char *value)
{
	size_t k = strlen(key) + 1, v = strlen(value);

	return len == k + v && !memcmp(pair + k, value, v);
}

/* A trailing fragment that could still become "HeaderDigest=..." or
 * "DataDigest=..." once the next PDU continues it. */
static bool maybe_digest_key(const uint8_t *frag, size_t len)
{
	static const char *const keys[] = { "HeaderDigest=", "DataDigest=" };

	for (size_t i = 0; i < 2; i++) {
		size_t k = strlen(keys[i]);

		if (!memcmp(frag, keys[i], len < k ? len : k))
			return true;
	}
	return false;
}

static size_t put_text(uint8_t *out, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(out + at, s, n);
	return at + n;
}

/* Copies text into out, each complete digest key replaced by the given
 * pair (NULL: copied as is), notes what it saw in *v; a leading
 * continuation of the previous PDU's fragment is copied untouched.  out
 * needs 2 * len + 64 bytes.  The new length. */
static size_t rewrite_text(const uint8_t *text, size_t len, bool continues, const char *hd_pair,
			   const char *dd_pair, uint8_t *out, struct text_view *v)
{
	size_t at = 0, i = 0;

	memset(v, 0, sizeof(*v));
	while (i < len) {
		const uint8_t *pair = text + i, *nul = memchr(pair, 0, len - i);
		size_t plen = nul ? (size_t)(nul - pair) : len - i;
		bool whole = nul && !(continues && i == 0);

		if (whole && key_is(pair, plen, "HeaderDigest")) {
			v->hd_key = true;
			v->hd_crc = value_is(pair, plen, "HeaderDigest", "CRC32C");
		} else if (whole && key_is(pair, plen, "DataDigest")) {
			v->dd_key = true;
			v->dd_crc = value_is(pair, plen, "DataDigest", "CRC32C");
		}
		if (whole && hd_pair && key_is(pair, plen, "HeaderDigest")) {
			at = put_text(out, at, hd_pair);
		} else if (whole && dd_pair && key_is(pair, plen, "DataDigest")) {
			at = put_text(out, at, dd_pair);
		} else {
			memcpy(out + at, pair, plen + (nul ? 1 : 0));
			at += plen + (nul ? 1 : 0);
		}
		if (!nul) {
			v->ends_in_fragment = true;
			v->split_digest_key = !(continues && i == 0) && maybe_digest_key(pair, plen);
		}
		i += plen + 1;
	}
	return at;
}

/* ---- one PDU ---------------------------------------------------------- */

enum pdu_status { PDU_OK, PDU_EOF, PDU_FAIL };

static bool digests_in_force(const struct stream *s, bool *hd, bool *dd)
{
	bool ffp = atomic_load(&s->p->full_feature);

	*hd = ffp && atomic_load(&s->p->hdigest);
	*dd = ffp && atomic_load(&s->p->ddigest);
	return ffp;
}

static void mismatch(struct stream *s, const char *what, uint32_t got, uint32_t want)
{
	atomic_fetch_add(&stats.digest_mismatches, 1);
	logmsg("conn %u: %s digest mismatch from the target (opcode 0x%02x): got 0x%08x, "
	       "computed 0x%08x; closing", s->p->id, what, opcode(s->buf), got, want);
}

/* Reads BHS, AHS and (from a digesting target) the header digest. */
static enum pdu_status read_header(struct stream *s, bool hd_in)
{
	int r;
	uint32_t ahs;

	if (!reserve(s, BHS_LEN + MAX_AHS + DIGEST_LEN))
		return PDU_FAIL;
	r = read_full(s->in, s->buf, BHS_LEN);
	if (r <= 0)
		return r == 0 ? PDU_EOF : PDU_FAIL;
	ahs = (uint32_t)s->buf[4] * 4;
	s->hlen = BHS_LEN + ahs;
	if (ahs && read_full(s->in, s->buf + BHS_LEN, ahs) != 1)
		return PDU_FAIL;
	if (!hd_in)
		return PDU_OK;
	if (read_full(s->in, s->buf + s->hlen, DIGEST_LEN) != 1)
		return PDU_FAIL;
	uint32_t want = crc32c(s->buf, s->hlen), got = get_digest(s->buf + s->hlen);

	if (got != want) {
		mismatch(s, "header", got, want);
		return PDU_FAIL;
	}
	atomic_fetch_add(&stats.header_digests_verified, 1);
	return PDU_OK;
}

/* Reads data, padding and (from a digesting target) the data digest. */
static enum pdu_status read_data(struct stream *s, bool dd_in)
{
	size_t seg;

	s->dlen = bhs_dlen(s->buf);
	seg = s->dlen + pad4(s->dlen);
	if (!reserve(s, ddigest_off(s) + DIGEST_LEN))
		return PDU_FAIL;
	if (seg && read_full(s->in, s->buf + data_off(s), seg) != 1)
		return PDU_FAIL;
	if (!dd_in || !s->dlen)
		return PDU_OK;
	if (read_full(s->in, s->buf + ddigest_off(s), DIGEST_LEN) != 1)
		return PDU_FAIL;
	uint32_t want = crc32c(s->buf + data_off(s), seg), got = get_digest(s->buf + ddigest_off(s));

	if (got != want) {
		mismatch(s, "data", got, want);
		return PDU_FAIL;
	}
	atomic_fetch_add(&stats.data_digests_verified, 1);
	return PDU_OK;
}

static bool corrupt_now(enum corrupt_mode mode, const struct stream *s)
{
	uint8_t op = opcode(s->buf);
	bool fits = (mode == CORRUPT_HEADER && op == OP_SCSI_CMD) ||
		    (mode == CORRUPT_DATA_IMM && op == OP_SCSI_CMD && s->dlen) ||
		    (mode == CORRUPT_DATA_OUT && op == OP_DATA_OUT && s->dlen);

	return corrupt_mode == mode && fits && !atomic_exchange(&corrupt_done, true);
}

static void note_corruption(const struct stream *s, const char *what)
{
	atomic_fetch_add(&stats.corrupted, 1);
	logmsg("conn %u: corrupted the %s digest of opcode 0x%02x (ITT 0x%02x%02x%02x%02x)", s->p->id,
	       what, opcode(s->buf), s->buf[16], s->buf[17], s->buf[18], s->buf[19]);
}

/* Computes the digests the target expects. */
static void add_digests(struct stream *s, bool hd, bool dd)
{
	if (hd) {
		uint32_t c = crc32c(s->buf, s->hlen);

		if (corrupt_now(CORRUPT_HEADER, s)) {
			c ^= 1;
			note_corruption(s, "header");
		}
		put_digest(s->buf + s->hlen, c);
		atomic_fetch_add(&stats.header_digests_generated, 1);
	}
	if (dd && s->dlen) {
		uint32_t c = crc32c(s->buf + data_off(s), s->dlen + pad4(s->dlen));

		if (corrupt_now(CORRUPT_DATA_IMM, s) || corrupt_now(CORRUPT_DATA_OUT, s)) {
			c ^= 1;
			note_corruption(s, "data");
		}
		put_digest(s->buf + ddigest_off(s), c);
		atomic_fetch_add(&stats.data_digests_generated, 1);
	}
}

static bool send_pdu(struct stream *s, bool hd, bool dd)
{
	struct iovec iov[4];
	int n = 0;

	iov[n++] = (struct iovec){ s->buf, s->hlen };
	if (hd)
		iov[n++] = (struct iovec){ s->buf + s->hlen, DIGEST_LEN };
	if (s->dlen)
		iov[n++] = (struct iovec){ s->buf + data_off(s), s->dlen + pad4(s->dlen) };
	if (dd && s->dlen)
		iov[n++] = (struct iovec){ s->buf + ddigest_off(s), DIGEST_LEN };
	return write_iov(s->out, iov, n);
}

/* Replaces the data segment by text of length len (padding zeroed). */
static bool replace_data(struct stream *s, const uint8_t *text, size_t len)
{
	if (len > MAX_DSL)
		return false;
	s->dlen = (uint32_t)len;
	if (!reserve(s, ddigest_off(s) + DIGEST_LEN))
		return false;
	memcpy(s->buf + data_off(s), text, len);
	memset(s->buf + data_off(s) + len, 0, pad4(s->dlen));
	set_bhs_dlen(s->buf, s->dlen);
	return true;
}

/* The first request of the operational stage (or one going straight to
 * full feature phase) is where the digest keys belong. */
static bool wants_digest_offer(const uint8_t *bhs)
{
	unsigned csg = (bhs[1] >> 2) & 3, nsg = bhs[1] & 3;

	return csg == STAGE_OPERATIONAL || ((bhs[1] & LOGIN_TRANSIT) && nsg == STAGE_FULL);
}

static bool rewrite_login_request(struct stream *s)
{
	struct pair *p = s->p;
	struct text_view v;
	uint8_t *out = malloc(2 * (size_t)s->dlen + 64);
	size_t len;
	bool ok;

	if (!out)
		return false;
	len = rewrite_text(s->buf + data_off(s), s->dlen, p->req_fragment, "HeaderDigest=CRC32C",
			   "DataDigest=CRC32C", out, &v);
	p->req_fragment = v.ends_in_fragment;
	if (v.split_digest_key) {
		logmsg("conn %u: a digest key split over continued Login Requests cannot be "
		       "rewritten; closing", p->id);
		free(out);
		return false;
	}
	p->offered |= v.hd_key || v.dd_key;
	if (!p->offered && !v.ends_in_fragment && wants_digest_offer(s->buf)) {
		len = put_text(out, len, "HeaderDigest=CRC32C");
		len = put_text(out, len, "DataDigest=CRC32C");
		p->offered = true;
	}
	ok = replace_data(s, out, len);
	free(out);
	return ok;
}

/* Notes the target's answers and tells the initiator None instead. */
static bool rewrite_login_response(struct stream *s)
{
	struct pair *p = s->p;
	struct text_view v;
	uint8_t *out = malloc(2 * (size_t)s->dlen + 64);
	size_t len;
	bool ok;

	if (!out)
		return false;
	len = rewrite_text(s->buf + data_off(s), s->dlen, p->rsp_fragment, "HeaderDigest=None",
			   "DataDigest=None", out, &v);
	p->rsp_fragment = v.ends_in_fragment;
	if (v.split_digest_key) {
		logmsg("conn %u: a digest key split over continued Login Responses cannot be "
		       "rewritten; closing", p->id);
		free(out);
		return false;
	}
	if (v.hd_key)
		atomic_store(&p->hdigest, v.hd_crc);
	if (v.dd_key)
		atomic_store(&p->ddigest, v.dd_crc);
	ok = replace_data(s, out, len);
	free(out);
	return ok;
}

static bool is_final_login_response(const uint8_t *bhs)
{
	return opcode(bhs) == OP_LOGIN_RSP && (bhs[1] & LOGIN_TRANSIT) &&
	       !(bhs[1] & LOGIN_CONTINUE) && (bhs[1] & 3) == STAGE_FULL && bhs[36] == 0;
}

static void enter_full_feature(struct pair *p)
{
	bool hd = atomic_load(&p->hdigest), dd = atomic_load(&p->ddigest);

	atomic_store(&p->full_feature, true);
	if (hd && dd)
		atomic_fetch_add(&stats.digested_connections, 1);
	logmsg("conn %u: full feature phase, target side HeaderDigest %s, DataDigest %s", p->id,
	       hd ? "CRC32C" : "None", dd ? "CRC32C" : "None");
}

/* Reads one PDU; *hd, *dd, *ffp: the digest state it travels under.  The
 * initiator's side looks at the state only once a header is in: the
 * initiator's first full-feature PDU may be awaited while the other thread
 * relays the final Login Response. */
static enum pdu_status read_pdu(struct stream *s, bool *hd, bool *dd, bool *ffp)
{
	enum pdu_status st;

	if (s->to_target) {
		st = read_header(s, false);
		*ffp = digests_in_force(s, hd, dd);
		return st == PDU_OK ? read_data(s, false) : st;
	}
	*ffp = digests_in_force(s, hd, dd);
	st = read_header(s, *hd);
	return st == PDU_OK ? read_data(s, *dd) : st;
}

static void note_segment(const struct stream *s)
{
	atomic_ulong *max = s->to_target ? &stats.largest_segment_to_target :
					   &stats.largest_segment_to_initiator;
	unsigned long cur = atomic_load(max);

	while (s->dlen > cur && !atomic_compare_exchange_weak(max, &cur, s->dlen))
		;
}

/* Relays one PDU from s->in to s->out. */
static enum pdu_status relay_pdu(struct stream *s)
{
	bool hd, dd, ffp;
	enum pdu_status st = read_pdu(s, &hd, &dd, &ffp);

	if (st != PDU_OK)
		return st;
	if (!ffp && opcode(s->buf) == OP_LOGIN_REQ && s->to_target && !rewrite_login_request(s))
		return PDU_FAIL;
	if (!ffp && opcode(s->buf) == OP_LOGIN_RSP && !s->to_target && !rewrite_login_response(s))
		return PDU_FAIL;
	if (s->to_target)
		add_digests(s, hd, dd);
	/* The final Login Response itself goes out bare; the switch happens
	 * before the initiator can see it and answer. */
	if (!ffp && !s->to_target && is_final_login_response(s->buf))
		enter_full_feature(s->p);
	if (!s->to_target && opcode(s->buf) == OP_REJECT)
		logmsg("conn %u: the target sent a Reject, reason 0x%02x", s->p->id, s->buf[2]);
	if (!send_pdu(s, s->to_target && hd, s->to_target && dd))
		return PDU_FAIL;
	atomic_fetch_add(s->to_target ? &stats.pdus_to_target : &stats.pdus_to_initiator, 1);
	note_segment(s);
	return PDU_OK;
}

/* ---- connections ------------------------------------------------------ */

/* Runs one direction until its end of stream (half-closed onwards) or a
 * failure (both connections shut down, waking the other direction). */
static void run_stream(struct stream *s)
{
	enum pdu_status st;

	while ((st = relay_pdu(s)) == PDU_OK)
		;
	if (st == PDU_EOF) {
		logmsg("conn %u: the %s ended its stream", s->p->id,
		       s->to_target ? "initiator" : "target");
		shutdown(s->out, SHUT_WR);
		return;
	}
	logmsg("conn %u: relaying to the %s stopped: closing both sides", s->p->id,
	       s->to_target ? "target" : "initiator");
	shutdown(s->p->ini_fd, SHUT_RDWR);
	shutdown(s->p->tgt_fd, SHUT_RDWR);
}

static void *to_target_thread(void *arg)
{
	struct stream *s = arg;

	run_stream(s);
	return NULL;
}

static void write_stats(FILE *f)
{
	fprintf(f, "connections %lu\n", atomic_load(&stats.connections));
	fprintf(f, "digested_connections %lu\n", atomic_load(&stats.digested_connections));
	fprintf(f, "pdus_to_target %lu\n", atomic_load(&stats.pdus_to_target));
	fprintf(f, "pdus_to_initiator %lu\n", atomic_load(&stats.pdus_to_initiator));
	fprintf(f, "header_digests_generated %lu\n", atomic_load(&stats.header_digests_generated));
	fprintf(f, "header_digests_verified %lu\n", atomic_load(&stats.header_digests_verified));
	fprintf(f, "data_digests_generated %lu\n", atomic_load(&stats.data_digests_generated));
	fprintf(f, "data_digests_verified %lu\n", atomic_load(&stats.data_digests_verified));
	fprintf(f, "digest_mismatches %lu\n", atomic_load(&stats.digest_mismatches));
	fprintf(f, "corrupted %lu\n", atomic_load(&stats.corrupted));
	fprintf(f, "largest_segment_to_target %lu\n", atomic_load(&stats.largest_segment_to_target));
	fprintf(f, "largest_segment_to_initiator %lu\n",
		atomic_load(&stats.largest_segment_to_initiator));
}

/* Readers of the file never see half of it. */
static void save_stats(void)
{
	char tmp[4096];
	FILE *f;

	if (!stats_path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", stats_path);
	pthread_mutex_lock(&stats_lock);
	f = fopen(tmp, "w");
	if (f) {
		write_stats(f);
		if (fclose(f) != 0 || rename(tmp, stats_path) != 0)
			logmsg("cannot write %s: %s", stats_path, strerror(errno));
	}
	pthread_mutex_unlock(&stats_lock);
}

static int connect_target(void)
{
	char host[256];
	const char *colon = strrchr(target_addr, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, one = 1;

	if (!colon || (size_t)(colon - target_addr) >= sizeof(host))
		return -1;
	memcpy(host, target_addr, (size_t)(colon - target_addr));
	host[colon - target_addr] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Both directions of one pair; the target-to-initiator one runs here. */
static void run_pair(struct pair *p)
{
	struct stream up = { .p = p, .to_target = true, .in = p->ini_fd, .out = p->tgt_fd };
	struct stream down = { .p = p, .to_target = false, .in = p->tgt_fd, .out = p->ini_fd };
	pthread_t t;

	if (pthread_create(&t, NULL, to_target_thread, &up)) {
		logmsg("conn %u: no thread: closing", p->id);
		return;
	}
	run_stream(&down);
	pthread_join(t, NULL);
	free(up.buf);
	free(down.buf);
}

static void *pair_thread(void *arg)
{
	struct pair *p = arg;

	p->tgt_fd = connect_target();
	if (p->tgt_fd < 0) {
		logmsg("conn %u: cannot connect to %s: %s", p->id, target_addr, strerror(errno));
	} else {
		run_pair(p);
		close(p->tgt_fd);
	}
	close(p->ini_fd);
	logmsg("conn %u: closed", p->id);
	save_stats();
	free(p);
	return NULL;
}

static void accept_one(int lfd)
{
	struct pair *p;
	pthread_t t;
	pthread_attr_t attr;
	int fd = accept(lfd, NULL, NULL), one = 1;

	if (fd < 0)
		return;
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->id = atomic_fetch_add(&next_conn_id, 1) + 1;
	p->ini_fd = fd;
	p->tgt_fd = -1;
	atomic_fetch_add(&stats.connections, 1);
	logmsg("conn %u: accepted", p->id);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, pair_thread, p)) {
		logmsg("conn %u: no thread: closing", p->id);
		close(fd);
		free(p);
	}
	pthread_attr_destroy(&attr);
}

static int listen_on(const char *port_str)
{
	char *end;
	long port = strtol(port_str, &end, 10);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd, one = 1;

	if (*end || port < 1 || port > 65535)
		return -1;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accepts until SIGTERM or SIGINT; the signals are taken synchronously so
 * that the final counts are printed by this thread, not a handler. */
static int serve(int lfd)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return 2;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = lfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return 2;
		if (pfd[1].revents)
			break;
		if (pfd[0].revents)
			accept_one(lfd);
	}
	save_stats();
	write_stats(stdout);
	fflush(stdout);
	return 0;
}

static bool parse_corrupt(const char *v)
{
	if (!strcmp(v, "header"))
		corrupt_mode = CORRUPT_HEADER;
	else if (!strcmp(v, "data-imm"))
		corrupt_mode = CORRUPT_DATA_IMM;
	else if (!strcmp(v, "data-out"))
		corrupt_mode = CORRUPT_DATA_OUT;
	else
		return false;
	return true;
}

static int usage(void)
{
	fprintf(stderr, "usage: iscsi_digest_relay [--stats FILE] [--corrupt header|data-imm|"
			"data-out] LISTEN-PORT TARGET-HOST:PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	sigset_t set;
	int i = 1, lfd;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--stats"))
			stats_path = argv[i + 1];
		else if (strcmp(argv[i], "--corrupt") || !parse_corrupt(argv[i + 1]))
			return usage();
	}
	if (argc - i != 2 || !strchr(argv[i + 1], ':'))
		return usage();
	target_addr = argv[i + 1];
	/* Blocked before any thread exists, so that every thread inherits it. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(argv[i]);
	if (lfd < 0) {
		fprintf(stderr, "cannot listen on 127.0.0.1:%s: %s\n", argv[i], strerror(errno));
		return 2;
	}
	logmsg("# listening on 127.0.0.1:%s, target %s", argv[i], target_addr);
	save_stats();
	return serve(lfd);
}
