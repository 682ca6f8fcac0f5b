/* test_iscsi_chap.c - CHAP (iscsi_chap.c) and CRC32C digests
 * (iscsi_digest.c): known answers, the hex/base64 decoders against
 * malformed input, response verification with right and wrong secrets,
 * the mutual answer and the refusal of a reflected challenge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "targets/iscsi/iscsi_chap.h"
#include "targets/iscsi/iscsi_digest.h"

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	out += sprintf(out, "0x");
	for (size_t i = 0; i < n; i++)
		out += sprintf(out, "%02x", b[i]);
}

/* RFC 1994 MD5(id || secret || challenge), checked against a value
 * computed independently: printf '\x01secret12345' + 16 bytes 0x00..0x0f
 * | md5sum. */
static void test_md5_known_answer(void **state)
{
	uint8_t chal[16], out[16];
	char hex[64];

	(void)state;
	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	assert_int_equal(iscsi_chap_md5(1, "secret12345", chal, sizeof(chal), out), 0);
	hex_of(out, sizeof(out), hex);
	assert_string_equal(hex, "0x61ed336ea2fed940b45fdfc16c650318");
	/* Empty challenge: MD5 of "\x07abc". */
	assert_int_equal(iscsi_chap_md5(7, "abc", chal, 0, out), 0);
	hex_of(out, sizeof(out), hex);
	assert_string_equal(hex, "0xda2b6e1e9346308f4951815ddf13128a");
}

/* CHAP_A numbers are those of the IANA "PPP Authentication Algorithms"
 * registry (RFC 7143 CHAP_A; 5 = MD5 from RFC 1994, 6 = SHA-1, 7 =
 * SHA-256, 8 = SHA3-256; Linux LIO's iscsi_target_auth.h has the same),
 * written out here, not taken from iscsi_chap.h.  Each number's digest over
 * id 1, "secret12345" and the challenge 00..0f is the one Python's hashlib
 * computes: hashlib.new(ALG, b"\x01secret12345" + bytes(range(16))). */
static void test_sha_known_answers(void **state)
{
	static const struct { unsigned alg, len; const char *want; } v[] = {
		{ 5, 16, "0x61ed336ea2fed940b45fdfc16c650318" },                 /* md5 */
		{ 6, 20, "0xb0f1416a41745c0464524dade8e1b8b418cc4323" },         /* sha1 */
		{ 7, 32,                                                         /* sha256 */
		  "0x4311cb264c3df78b22db1a2f60b9ac8a8062b776a7600f85efd9927222e02616" },
		{ 8, 32,                                                         /* sha3_256 */
		  "0xaeea1b283d7d9d6fc12498244286e9c354835b881fcdafb926085e098e3077f6" },
	};
	uint8_t chal[16], out[ISCSI_CHAP_DIGEST_MAX];
	char hex[80];

	(void)state;
	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		assert_int_equal(iscsi_chap_digest_len(v[k].alg), v[k].len);
		assert_int_equal(iscsi_chap_hash(v[k].alg, 1, "secret12345", chal, sizeof(chal), out),
				 0);
		hex_of(out, v[k].len, hex);
		assert_string_equal(hex, v[k].want);
	}
	assert_int_equal(iscsi_chap_digest_len(4), 0);
	assert_int_equal(iscsi_chap_digest_len(9), 0);
	assert_true(iscsi_chap_hash(9, 1, "x", chal, 1, out) < 0);
}

/* Each algorithm end to end: picked from the initiator's list, verified
 * with its own response length, refused with another algorithm's. */
static void test_exchange_each_algorithm(void **state)
{
	/* The IANA numbers again (see test_sha_known_answers). */
	static const struct { const char *offer; unsigned alg; } v[] = {
		{ "5", 5 }, { "6", 6 }, { "7", 7 }, { "8", 8 }, { "8,7,6,5", 8 },
		{ "99,x,,6,5", 6 }, { "0007,5", 5 },
	};
	struct iscsi_auth a = { 0 };
	char err[128], resp[80];
	uint8_t r[ISCSI_CHAP_DIGEST_MAX], prev[ISCSI_CHAP_CHALLENGE_LEN] = { 0 };

	(void)state;
	assert_int_equal(iscsi_auth_add_incoming(&a, "joe secret12345", err, sizeof(err)), 0);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		struct iscsi_chap c = { 0 };
		struct iscsi_text_out out = { 0 };
		unsigned len = iscsi_chap_digest_len(v[k].alg);

		assert_int_equal(iscsi_chap_challenge(&c, v[k].offer, &out), 0);
		assert_int_equal(c.alg, v[k].alg);
		/* Fresh challenges: two in a row never agree. */
		assert_memory_not_equal(prev, c.challenge, sizeof(prev));
		memcpy(prev, c.challenge, sizeof(prev));
		iscsi_text_out_free(&out);
		assert_int_equal(iscsi_chap_hash(c.alg, c.id, "secret12345", c.challenge,
						 ISCSI_CHAP_CHALLENGE_LEN, r), 0);
		hex_of(r, len, resp);
		assert_int_equal(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)), 0);
		/* MD5-length answer to a SHA challenge (and vice versa). */
		hex_of(r, len == 16 ? 20 : 16, resp);
		assert_true(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)) < 0);
		/* Wrong secret. */
		assert_int_equal(iscsi_chap_hash(c.alg, c.id, "secret12346", c.challenge,
						 ISCSI_CHAP_CHALLENGE_LEN, r), 0);
		hex_of(r, len, resp);
		assert_true(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)) < 0);
		assert_null(strstr(err, "secret"));
	}
}

static void test_decode_hex_and_base64(void **state)
{
	uint8_t b[8];

	(void)state;
	assert_int_equal(iscsi_chap_decode("0x0aFf", b, sizeof(b)), 2);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(iscsi_chap_decode("0X123", b, sizeof(b)), 2);  /* odd: leading 0 */
	assert_int_equal(b[0], 0x01);
	assert_int_equal(b[1], 0x23);
	assert_int_equal(iscsi_chap_decode("0bAQID", b, sizeof(b)), 3);
	assert_memory_equal(b, "\x01\x02\x03", 3);
	assert_int_equal(iscsi_chap_decode("0BAQI=", b, sizeof(b)), 2);
	assert_memory_equal(b, "\x01\x02", 2);
	assert_int_equal(iscsi_chap_decode("0bAQ==", b, sizeof(b)), 1);
	assert_int_equal(b[0], 1);
}

static void test_decode_malformed(void **state)
{
	uint8_t b[4];
	char big[64];

	(void)state;
	assert_int_equal(iscsi_chap_decode(NULL, b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0x", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0b", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("1234", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0x12g4", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0x12 4", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0x1234567890", b, sizeof(b)), -1);  /* > cap */
	assert_int_equal(iscsi_chap_decode("0bA", b, sizeof(b)), -1);        /* 6 bits */
	assert_int_equal(iscsi_chap_decode("0bAQ=I", b, sizeof(b)), -1);     /* pad inside */
	assert_int_equal(iscsi_chap_decode("0bAQ===", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0bAR==", b, sizeof(b)), -1);     /* stray bits */
	assert_int_equal(iscsi_chap_decode("0bAQ*D", b, sizeof(b)), -1);
	assert_int_equal(iscsi_chap_decode("0bAQIDBAUG", b, sizeof(b)), -1); /* 6 > cap */
	memset(big, 'f', sizeof(big) - 1);
	big[0] = '0';
	big[1] = 'x';
	big[sizeof(big) - 1] = 0;
	assert_int_equal(iscsi_chap_decode(big, b, sizeof(b)), -1);
}

static void test_parse_id(void **state)
{
	(void)state;
	assert_int_equal(iscsi_chap_parse_id("0"), 0);
	assert_int_equal(iscsi_chap_parse_id("255"), 255);
	assert_int_equal(iscsi_chap_parse_id("0x7f"), 127);
	assert_int_equal(iscsi_chap_parse_id("256"), -1);
	assert_int_equal(iscsi_chap_parse_id("-1"), -1);
	assert_int_equal(iscsi_chap_parse_id("1a"), -1);
	assert_int_equal(iscsi_chap_parse_id("0001"), -1);
	assert_int_equal(iscsi_chap_parse_id(""), -1);
	assert_int_equal(iscsi_chap_parse_id("0x100"), -1);
}

static void test_users(void **state)
{
	struct iscsi_auth a = { 0 };
	char err[128];

	(void)state;
	assert_int_equal(iscsi_auth_add_incoming(&a, "joe secret12345", err, sizeof(err)), 0);
	assert_int_equal(iscsi_auth_add_incoming(&a, "ann pass67890123", err, sizeof(err)), 0);
	assert_int_equal(iscsi_auth_add_incoming(&a, "joe newsecret999", err, sizeof(err)), 0);
	assert_int_equal(a.n_in, 2);
	assert_string_equal(a.in[0].secret, "newsecret999");
	assert_true(iscsi_auth_required(&a));
	assert_true(iscsi_auth_add_incoming(&a, "nosecret", err, sizeof(err)) < 0);
	assert_true(iscsi_auth_add_incoming(&a, "joe two words", err, sizeof(err)) < 0);
	assert_true(iscsi_auth_add_incoming(&a, " leading", err, sizeof(err)) < 0);
	assert_null(strstr(err, "leading"));
	assert_true(iscsi_auth_add_incoming(&a, "bob bad\001secret", err, sizeof(err)) < 0);
	assert_null(strstr(err, "bad\001secret"));   /* the reason never quotes a secret */
	assert_non_null(strstr(err, "bob"));
	assert_false(a.has_out);
	assert_int_equal(iscsi_auth_set_outgoing(&a, "tgt tgtsecret9999", err, sizeof(err)), 0);
	assert_true(a.has_out);
	assert_false(iscsi_auth_required(NULL));
}

/* A full exchange: challenge, the initiator's answer computed here the way
 * an initiator would, verification; then the failures. */
static void test_exchange(void **state)
{
	struct iscsi_auth a = { 0 };
	struct iscsi_chap c = { 0 };
	struct iscsi_text_out out = { 0 };
	struct iscsi_text t;
	char err[128], resp[64], hex[80];
	uint8_t chal[ISCSI_CHAP_CHALLENGE_LEN], r[16];

	(void)state;
	assert_int_equal(iscsi_auth_add_incoming(&a, "joe secret12345", err, sizeof(err)), 0);
	assert_int_equal(iscsi_chap_challenge(&c, "5,7,6", &out), 0);
	assert_int_equal(c.step, ISCSI_CHAP_WAIT_RESPONSE);
	assert_int_equal(iscsi_text_parse((uint8_t *)out.buf, out.len, &t, err, sizeof(err)), 0);
	assert_string_equal(iscsi_text_get(&t, "CHAP_A"), "5");
	assert_int_equal(iscsi_chap_parse_id(iscsi_text_get(&t, "CHAP_I")), c.id);
	assert_int_equal(iscsi_chap_decode(iscsi_text_get(&t, "CHAP_C"), chal, sizeof(chal)),
			 ISCSI_CHAP_CHALLENGE_LEN);
	assert_memory_equal(chal, c.challenge, sizeof(chal));
	iscsi_text_free(&t);
	iscsi_text_out_free(&out);

	assert_int_equal(iscsi_chap_md5(c.id, "secret12345", chal, sizeof(chal), r), 0);
	hex_of(r, sizeof(r), resp);
	assert_int_equal(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)), 0);
	/* Upper-case hex is the same value. */
	for (char *p = resp + 2; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)), 0);
	assert_true(iscsi_chap_verify(&c, &a, "bob", resp, err, sizeof(err)) < 0);
	/* Too short, too long, not hex. */
	resp[strlen(resp) - 2] = 0;
	assert_true(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)) < 0);
	hex_of(r, sizeof(r), resp);
	strcat(resp, "00");
	assert_true(iscsi_chap_verify(&c, &a, "joe", resp, err, sizeof(err)) < 0);
	assert_true(iscsi_chap_verify(&c, &a, "joe", "0xzz", err, sizeof(err)) < 0);
	assert_true(iscsi_chap_verify(&c, &a, "joe", "", err, sizeof(err)) < 0);
	/* Wrong secret. */
	assert_int_equal(iscsi_chap_md5(c.id, "secret12346", chal, sizeof(chal), r), 0);
	hex_of(r, sizeof(r), hex);
	assert_true(iscsi_chap_verify(&c, &a, "joe", hex, err, sizeof(err)) < 0);
	assert_null(strstr(err, "secret12345"));
	assert_null(strstr(err, hex + 2));
	/* Only unknown algorithms offered: refused. */
	assert_true(iscsi_chap_challenge(&c, "4,9,1", &out) < 0);
	assert_non_null(strstr(out.buf, "CHAP_A=Reject"));
	iscsi_text_out_free(&out);
	assert_true(iscsi_chap_challenge(&c, "55", &out) < 0);
	iscsi_text_out_free(&out);
}

static void test_mutual_and_reflection(void **state)
{
	struct iscsi_auth a = { 0 };
	struct iscsi_chap c = { 0 };
	struct iscsi_text_out out = { 0 };
	struct iscsi_text t;
	char err[128], chal_hex[2 + 2 * ISCSI_CHAP_CHALLENGE_LEN + 1], want[64];
	uint8_t ichal[20], r[16];

	(void)state;
	assert_int_equal(iscsi_auth_add_incoming(&a, "joe secret12345", err, sizeof(err)), 0);
	assert_int_equal(iscsi_chap_challenge(&c, "5", &out), 0);
	iscsi_text_out_free(&out);
	/* No OutgoingUser: mutual CHAP cannot be answered. */
	assert_true(iscsi_chap_answer(&c, &a, "3", "0x0102", &out, err, sizeof(err)) < 0);
	assert_int_equal(iscsi_auth_set_outgoing(&a, "tgt tgtsecret9999", err, sizeof(err)), 0);
	/* Our own challenge reflected. */
	hex_of(c.challenge, ISCSI_CHAP_CHALLENGE_LEN, chal_hex);
	assert_true(iscsi_chap_answer(&c, &a, "3", chal_hex, &out, err, sizeof(err)) < 0);
	assert_null(out.buf);
	/* Malformed identifier or challenge. */
	assert_true(iscsi_chap_answer(&c, &a, "300", "0x0102", &out, err, sizeof(err)) < 0);
	assert_true(iscsi_chap_answer(&c, &a, "3", "0x", &out, err, sizeof(err)) < 0);
	/* A good one: CHAP_N is the outgoing user, CHAP_R = MD5(3||secret||chal). */
	for (size_t i = 0; i < sizeof(ichal); i++)
		ichal[i] = (uint8_t)(0xa0 + i);
	hex_of(ichal, sizeof(ichal), chal_hex);
	assert_int_equal(iscsi_chap_answer(&c, &a, "3", chal_hex, &out, err, sizeof(err)), 0);
	assert_int_equal(iscsi_text_parse((uint8_t *)out.buf, out.len, &t, err, sizeof(err)), 0);
	assert_string_equal(iscsi_text_get(&t, "CHAP_N"), "tgt");
	assert_int_equal(iscsi_chap_md5(3, "tgtsecret9999", ichal, sizeof(ichal), r), 0);
	hex_of(r, sizeof(r), want);
	assert_string_equal(iscsi_text_get(&t, "CHAP_R"), want);
	iscsi_text_free(&t);
	iscsi_text_out_free(&out);
}

/* CRC32C check value and the iSCSI test vectors of RFC 3720 B.4. */
static void test_crc32c_vectors(void **state)
{
	uint8_t buf[32];
	uint32_t s;

	(void)state;
	assert_int_equal(iscsi_crc32c("123456789", 9), 0xE3069283u);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(iscsi_crc32c(buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(iscsi_crc32c(buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(iscsi_crc32c(buf, 32), 0x46DD794Eu);
	/* Incremental equals one-shot. */
	s = iscsi_crc32c_update(iscsi_crc32c_begin(), buf, 5);
	s = iscsi_crc32c_update(s, buf + 5, 27);
	assert_int_equal(iscsi_crc32c_end(s), 0x46DD794Eu);
}

static void test_data_digest_and_wire_order(void **state)
{
	uint8_t w[4], padded[8] = { 'a', 'b', 'c', 'd', 'e', 0, 0, 0 };

	(void)state;
	/* Data digest covers the zero padding. */
	assert_int_equal(iscsi_data_digest(padded, 5), iscsi_crc32c(padded, 8));
	assert_int_equal(iscsi_data_digest(padded, 4), iscsi_crc32c(padded, 4));
	assert_int_equal(iscsi_data_digest(padded, 0), iscsi_crc32c(padded, 0));
	iscsi_digest_put(w, 0xE3069283u);
	assert_memory_equal(w, "\x83\x92\x06\xE3", 4);
	assert_int_equal(iscsi_digest_get(w), 0xE3069283u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_known_answer),
		cmocka_unit_test(test_sha_known_answers),
		cmocka_unit_test(test_exchange_each_algorithm),
		cmocka_unit_test(test_decode_hex_and_base64),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_mutual_and_reflection),
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_data_digest_and_wire_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
