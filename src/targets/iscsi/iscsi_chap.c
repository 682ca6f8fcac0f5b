/* iscsi_chap.c - CHAP for the iSCSI login (RFC 7143 12.1.3 with RFC 1994's
 * response H(id || secret || challenge), H one of MD5, SHA-1, SHA-256 and
 * SHA3-256 through OpenSSL's EVP): configured users, decoding of the hostile CHAP_* values,
 * challenge generation, response verification and the mutual answer.
 *
 * Secrets stay in this file's buffers: no message built here contains a
 * secret or a response, so nothing can leak them into the log. */
#include "targets/iscsi/iscsi_chap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "util/hex.h"

/* ---------------------------------------------------------------------- */
/* Users                                                                   */

static bool printable_word(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return len > 0;
}

int iscsi_chap_user_parse(const char *value, struct iscsi_chap_user *u, char *err, size_t errlen)
{
	const char *sp = strchr(value, ' ');
	size_t nlen, slen;

	if (!sp) {
		snprintf(err, errlen, "expected \"<user> <secret>\"");
		return -EINVAL;
	}
	nlen = (size_t)(sp - value);
	slen = strlen(sp + 1);
	if (!printable_word(value, nlen) || nlen >= sizeof(u->name)) {
		snprintf(err, errlen, "bad CHAP user name");
		return -EINVAL;
	}
	if (!printable_word(sp + 1, slen) || slen >= sizeof(u->secret)) {
		snprintf(err, errlen, "bad CHAP secret for user %.*s (1..%zu printable characters)",
			 (int)nlen, value, sizeof(u->secret) - 1);
		return -EINVAL;
	}
	memset(u, 0, sizeof(*u));
	memcpy(u->name, value, nlen);
	memcpy(u->secret, sp + 1, slen);
	return 0;
}

int iscsi_auth_add_incoming(struct iscsi_auth *a, const char *value, char *err, size_t errlen)
{
	struct iscsi_chap_user u;
	int rc = iscsi_chap_user_parse(value, &u, err, errlen);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < a->n_in; i++)
		if (!strcmp(a->in[i].name, u.name)) {
			a->in[i] = u;
			OPENSSL_cleanse(&u, sizeof(u));
			return 0;
		}
	if (a->n_in == ISCSI_CHAP_MAX_USERS) {
		snprintf(err, errlen, "at most %d incoming users", ISCSI_CHAP_MAX_USERS);
		OPENSSL_cleanse(&u, sizeof(u));
		return -ENOSPC;
	}
	a->in[a->n_in++] = u;
	OPENSSL_cleanse(&u, sizeof(u));
	return 0;
}

/* Drops incoming user name; -ENOENT when there is none. */
int iscsi_auth_del_incoming(struct iscsi_auth *a, const char *name)
{
	for (unsigned i = 0; i < a->n_in; i++)
		if (!strcmp(a->in[i].name, name)) {
			OPENSSL_cleanse(&a->in[i], sizeof(a->in[i]));
			a->in[i] = a->in[--a->n_in];
			OPENSSL_cleanse(&a->in[a->n_in], sizeof(a->in[a->n_in]));
			return 0;
		}
	return -ENOENT;
}

int iscsi_auth_del_outgoing(struct iscsi_auth *a, const char *name)
{
	if (!a->has_out || strcmp(a->out.name, name))
		return -ENOENT;
	OPENSSL_cleanse(&a->out, sizeof(a->out));
	a->has_out = false;
	return 0;
}

int iscsi_auth_set_outgoing(struct iscsi_auth *a, const char *value, char *err, size_t errlen)
{
	int rc = iscsi_chap_user_parse(value, &a->out, err, errlen);

	a->has_out = rc == 0;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Binary values                                                           */

static int decode_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t len = strlen(s), n = 0, i = 0;

	if (len == 0 || (len + 1) / 2 > cap)
		return -1;
	if (len & 1) {                       /* odd: implicit leading zero */
		int v = hex_digit_value(s[0]);

		if (v < 0)
			return -1;
		out[n++] = (uint8_t)v;
		i = 1;
	}
	for (; i < len; i += 2) {
		int hi = hex_digit_value(s[i]), lo = hex_digit_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return (int)n;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard alphabet; '=' padding only at the end and only as much as the
 * length needs. */
static int decode_base64(const char *s, uint8_t *out, size_t cap)
{
	size_t len = strlen(s), data = len, n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	while (data && s[data - 1] == '=')
		data--;
	if (data == 0 || len - data > 2 || data % 4 == 1 || (len - data && len % 4))
		return -1;
	if (data / 4 * 3 + (data % 4 ? data % 4 - 1 : 0) > cap)
		return -1;
	for (size_t i = 0; i < data; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* Left-over bits must be zero, or the encoding is not canonical. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (int)n;
}

int iscsi_chap_decode(const char *s, uint8_t *out, size_t cap)
{
	if (!s || s[0] != '0')
		return -1;
	if (s[1] == 'x' || s[1] == 'X')
		return decode_hex(s + 2, out, cap);
	if (s[1] == 'b' || s[1] == 'B')
		return decode_base64(s + 2, out, cap);
	return -1;
}

int iscsi_chap_parse_id(const char *s)
{
	uint8_t b[2];
	unsigned v = 0;

	if (!s || !*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		int n = decode_hex(s + 2, b, sizeof(b));

		if (n == 1)
			return b[0];
		if (n == 2 && b[0] == 0)
			return b[1];
		return -1;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || p - s >= 3)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v <= 255 ? (int)v : -1;
}

static void encode_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	*out++ = '0';
	*out++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*out++ = digits[in[i] >> 4];
		*out++ = digits[in[i] & 15];
	}
	*out = 0;
}

/* ---------------------------------------------------------------------- */
/* Responses                                                               */

struct chap_alg {
	unsigned code;
	const EVP_MD *(*md)(void);
	unsigned len;
};

static const struct chap_alg chap_algs[] = {
	{ ISCSI_CHAP_MD5, EVP_md5, 16 },
	{ ISCSI_CHAP_SHA256, EVP_sha256, 32 },
	{ ISCSI_CHAP_SHA1, EVP_sha1, 20 },
	{ ISCSI_CHAP_SHA3_256, EVP_sha3_256, 32 },
};

static const struct chap_alg *chap_alg_find(unsigned code)
{
	for (size_t i = 0; i < sizeof(chap_algs) / sizeof(chap_algs[0]); i++)
		if (chap_algs[i].code == code)
			return &chap_algs[i];
	return NULL;
}

unsigned iscsi_chap_digest_len(unsigned alg)
{
	const struct chap_alg *a = chap_alg_find(alg);

	return a ? a->len : 0;
}

int iscsi_chap_hash(unsigned alg, uint8_t id, const char *secret, const uint8_t *chal,
		    size_t chal_len, uint8_t *out)
{
	const struct chap_alg *a = chap_alg_find(alg);
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	int ok;

	if (!a)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, a->md(), NULL) && EVP_DigestUpdate(ctx, &id, 1) &&
	     EVP_DigestUpdate(ctx, secret, strlen(secret)) &&
	     EVP_DigestUpdate(ctx, chal, chal_len) && EVP_DigestFinal_ex(ctx, out, &len) &&
	     len == a->len;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int iscsi_chap_md5(uint8_t id, const char *secret, const uint8_t *chal, size_t chal_len,
		   uint8_t out[ISCSI_CHAP_MD5_LEN])
{
	return iscsi_chap_hash(ISCSI_CHAP_MD5, id, secret, chal, chal_len, out);
}

/* The first entry of the initiator's comma list that is a supported
 * algorithm; 0 when none is.  Entries are decimal numbers of 1..3 digits. */
static unsigned pick_alg(const char *algs)
{
	for (const char *p = algs; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned v = 0;
		bool num = len > 0 && len <= 3;

		for (size_t i = 0; num && i < len; i++) {
			num = p[i] >= '0' && p[i] <= '9';
			v = v * 10 + (unsigned)(p[i] - '0');
		}
		if (num && chap_alg_find(v))
			return v;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

int iscsi_chap_challenge(struct iscsi_chap *c, const char *algs, struct iscsi_text_out *out)
{
	char hex[2 + 2 * ISCSI_CHAP_CHALLENGE_LEN + 1];
	unsigned alg = pick_alg(algs);

	if (!alg) {
		iscsi_text_add(out, "CHAP_A", "Reject");
		return -1;
	}
	/* A fresh identifier and challenge for every exchange: an old
	 * response can never be replayed. */
	if (RAND_bytes(&c->id, 1) != 1 ||
	    RAND_bytes(c->challenge, ISCSI_CHAP_CHALLENGE_LEN) != 1)
		return -1;
	c->alg = (uint8_t)alg;
	encode_hex(c->challenge, ISCSI_CHAP_CHALLENGE_LEN, hex);
	if (iscsi_text_addu(out, "CHAP_A", alg) < 0 ||
	    iscsi_text_addu(out, "CHAP_I", c->id) < 0 || iscsi_text_add(out, "CHAP_C", hex) < 0)
		return -1;
	c->step = ISCSI_CHAP_WAIT_RESPONSE;
	return 0;
}

int iscsi_chap_verify(const struct iscsi_chap *c, const struct iscsi_auth *a, const char *name,
		      const char *response, char *err, size_t errlen)
{
	uint8_t got[ISCSI_CHAP_DIGEST_MAX + 1], want[ISCSI_CHAP_DIGEST_MAX];
	const struct iscsi_chap_user *u = NULL;
	unsigned dlen = iscsi_chap_digest_len(c->alg);
	int n;

	for (unsigned i = 0; i < a->n_in; i++)
		if (!strcmp(a->in[i].name, name))
			u = &a->in[i];
	if (!u) {
		snprintf(err, errlen, "unknown CHAP user");
		return -1;
	}
	n = iscsi_chap_decode(response, got, sizeof(got));
	if (!dlen || n != (int)dlen) {
		snprintf(err, errlen, "malformed CHAP_R of user %.64s", u->name);
		return -1;
	}
	if (iscsi_chap_hash(c->alg, c->id, u->secret, c->challenge, ISCSI_CHAP_CHALLENGE_LEN,
			    want) < 0) {
		snprintf(err, errlen, "CHAP algorithm %u unavailable", c->alg);
		return -1;
	}
	/* Constant time: how much of a guess was right must not show. */
	if (CRYPTO_memcmp(got, want, dlen)) {
		snprintf(err, errlen, "wrong CHAP response of user %.64s", u->name);
		return -1;
	}
	return 0;
}

int iscsi_chap_answer(const struct iscsi_chap *c, const struct iscsi_auth *a, const char *id,
		      const char *challenge, struct iscsi_text_out *out, char *err, size_t errlen)
{
	uint8_t chal[ISCSI_CHAP_BINARY_MAX];
	uint8_t resp[ISCSI_CHAP_DIGEST_MAX];
	char hex[2 + 2 * ISCSI_CHAP_DIGEST_MAX + 1];
	unsigned dlen = iscsi_chap_digest_len(c->alg);
	int ident = iscsi_chap_parse_id(id), n;

	if (!a->has_out) {
		snprintf(err, errlen, "mutual CHAP asked for but no OutgoingUser configured");
		return -1;
	}
	n = iscsi_chap_decode(challenge, chal, sizeof(chal));
	if (ident < 0 || n <= 0) {
		snprintf(err, errlen, "malformed CHAP_I or CHAP_C from the initiator");
		return -1;
	}
	/* Our own challenge sent back would make us compute the initiator's
	 * answer for it (reflection attack, RFC 7143 12.1.3). */
	if (n == ISCSI_CHAP_CHALLENGE_LEN && !memcmp(chal, c->challenge, (size_t)n)) {
		snprintf(err, errlen, "initiator reflected our CHAP challenge");
		return -1;
	}
	if (!dlen || iscsi_chap_hash(c->alg, (uint8_t)ident, a->out.secret, chal, (size_t)n,
				     resp) < 0) {
		snprintf(err, errlen, "CHAP algorithm %u unavailable", c->alg);
		return -1;
	}
	encode_hex(resp, dlen, hex);
	if (iscsi_text_add(out, "CHAP_N", a->out.name) < 0 || iscsi_text_add(out, "CHAP_R", hex) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
