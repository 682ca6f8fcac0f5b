/* test_local_wire.c - the raw command socket's wire format (libscst_local
 * and scstd's scst_local socket) against hostile bytes: every truncation,
 * oversize, inconsistent length, unknown op, non-zero reserved field and
 * unterminated or invalid name is refused; valid messages round-trip. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/scst_local_wire.h"

static char err[128];

static void test_header_roundtrip(void **state)
{
	uint8_t b[SCL_HDR_LEN];
	struct scl_hdr h;

	(void)state;
	scl_hdr_encode(b, SCL_OP_CMD, 100, 0xdeadbeef);
	assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)), 0);
	assert_int_equal(h.op, SCL_OP_CMD);
	assert_int_equal(h.len, 100);
	assert_int_equal(h.tag, 0xdeadbeef);
}

static void test_header_hostile(void **state)
{
	uint8_t b[SCL_HDR_LEN];
	struct scl_hdr h;

	(void)state;
	scl_hdr_encode(b, SCL_OP_CMD, 1, 1);
	for (size_t n = 0; n < SCL_HDR_LEN; n++)
		assert_int_equal(scl_hdr_decode(b, n, &h, err, sizeof(err)), -EPROTO);
	b[0] ^= 1;                                      /* magic */
	assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)), -EPROTO);
	scl_hdr_encode(b, SCL_OP_CMD, 1, 1);
	b[6] = 1;                                       /* flags */
	assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)), -EPROTO);
	for (unsigned op = 0; op < 0x10000; op += 0x101) {
		scl_hdr_encode(b, (uint16_t)op, 0, 1);
		bool known = op == 1 || op == 2 || op == 0x8001 || op == 0x8002;

		assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)),
				 known ? 0 : -EPROTO);
	}
	scl_hdr_encode(b, SCL_OP_CMD, SCL_MAX_PAYLOAD + 1, 1);
	assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)), -EMSGSIZE);
	scl_hdr_encode(b, SCL_OP_CMD, UINT32_MAX, 1);
	assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)), -EMSGSIZE);
	scl_hdr_encode(b, SCL_OP_ATTACH, 2 * (SCL_MAX_NAME + 1) + 1, 1);
	assert_int_equal(scl_hdr_decode(b, sizeof(b), &h, err, sizeof(err)), -EMSGSIZE);
}

static void test_attach(void **state)
{
	uint8_t p[600];
	struct scl_attach a;
	size_t n;

	(void)state;
	n = scl_attach_encode(p, sizeof(p), "tgt", "host");
	assert_int_equal(n, 9);
	assert_int_equal(scl_attach_decode(p, n, &a, err, sizeof(err)), 0);
	assert_string_equal(a.target, "tgt");
	assert_string_equal(a.session, "host");
	/* Every truncation, and a trailing byte. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(scl_attach_decode(p, i, &a, err, sizeof(err)), -EPROTO);
	p[n] = 0;
	assert_int_equal(scl_attach_decode(p, n + 1, &a, err, sizeof(err)), -EPROTO);
	/* Empty target is "any"; an empty session is not. */
	n = scl_attach_encode(p, sizeof(p), "", "h");
	assert_int_equal(scl_attach_decode(p, n, &a, err, sizeof(err)), 0);
	n = scl_attach_encode(p, sizeof(p), "t", "");
	assert_int_equal(scl_attach_decode(p, n, &a, err, sizeof(err)), -EPROTO);
	/* Blanks, slashes, control bytes and high bytes in names. */
	const char *bad[] = { "a b", "a/b", "a\tb", "a\x7f", "\xff" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = scl_attach_encode(p, sizeof(p), "t", bad[i]);
		assert_int_equal(scl_attach_decode(p, n, &a, err, sizeof(err)), -EPROTO);
		n = scl_attach_encode(p, sizeof(p), bad[i], "s");
		assert_int_equal(scl_attach_decode(p, n, &a, err, sizeof(err)), -EPROTO);
	}
	/* Names longer than the limit cannot be sent or received. */
	char longname[SCL_MAX_NAME + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(scl_attach_encode(p, sizeof(p), "t", longname), 0);
	memcpy(p, "t\0", 2);
	memcpy(p + 2, longname, sizeof(longname));
	assert_int_equal(scl_attach_decode(p, 2 + sizeof(longname), &a, err, sizeof(err)), -EPROTO);
	/* No NUL at all. */
	memset(p, 'x', 20);
	assert_int_equal(scl_attach_decode(p, 20, &a, err, sizeof(err)), -EPROTO);
}

static size_t make_cmd(uint8_t *p, size_t cap, unsigned cdb_len, uint32_t in, uint32_t out)
{
	uint8_t cdb[SCL_MAX_CDB + 1] = { 0x12 };
	size_t n = scl_cmd_encode_head(p, cap, 7, cdb, cdb_len, in, out);

	if (n)
		memset(p + n, 0xab, out);
	return n ? n + out : 0;
}

static void test_cmd(void **state)
{
	uint8_t p[256];
	struct scl_cmd c;
	size_t n;

	(void)state;
	n = make_cmd(p, sizeof(p), 6, 96, 10);
	assert_int_equal(n, SCL_CMD_FIXED + 6 + 10);
	assert_int_equal(scl_cmd_decode(p, n, &c, err, sizeof(err)), 0);
	assert_int_equal(c.lun, 7);
	assert_int_equal(c.cdb_len, 6);
	assert_int_equal(c.cdb[0], 0x12);
	assert_int_equal(c.in_len, 96);
	assert_int_equal(c.out_len, 10);
	assert_ptr_equal(c.out, p + SCL_CMD_FIXED + 6);
	/* Every truncation and one extra byte. */
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(scl_cmd_decode(p, i, &c, err, sizeof(err)), 0);
	assert_int_equal(scl_cmd_decode(p, n + 1, &c, err, sizeof(err)), -EPROTO);
	/* Reserved bytes. */
	for (int i = 9; i < 12; i++) {
		n = make_cmd(p, sizeof(p), 6, 0, 0);
		p[i] = 1;
		assert_int_equal(scl_cmd_decode(p, n, &c, err, sizeof(err)), -EPROTO);
	}
	/* CDB length 0 and above the limit (forged). */
	n = make_cmd(p, sizeof(p), 6, 0, 0);
	p[8] = 0;
	assert_int_equal(scl_cmd_decode(p, n - 6, &c, err, sizeof(err)), -EPROTO);
	p[8] = SCL_MAX_CDB + 1;
	assert_int_equal(scl_cmd_decode(p, SCL_CMD_FIXED + SCL_MAX_CDB + 1, &c, err,
					sizeof(err)), -EPROTO);
	assert_int_equal(make_cmd(p, sizeof(p), SCL_MAX_CDB + 1, 0, 0), 0);
	assert_int_equal(make_cmd(p, sizeof(p), 0, 0, 0), 0);
	/* Data lengths beyond the limit, and lengths whose sum wraps. */
	n = make_cmd(p, sizeof(p), 6, 0, 0);
	p[12] = p[13] = p[14] = p[15] = 0xff;           /* in_len */
	assert_int_equal(scl_cmd_decode(p, n, &c, err, sizeof(err)), -EMSGSIZE);
	n = make_cmd(p, sizeof(p), 6, 0, 0);
	p[16] = p[17] = p[18] = p[19] = 0xff;           /* out_len */
	assert_int_equal(scl_cmd_decode(p, n, &c, err, sizeof(err)), -EMSGSIZE);
	n = make_cmd(p, sizeof(p), 6, 0, 0);
	p[16] = 0xfa;                                   /* out_len 250, only 0 sent */
	assert_int_equal(scl_cmd_decode(p, n, &c, err, sizeof(err)), -EPROTO);
}

static void test_cmd_reply(void **state)
{
	uint8_t p[256], sense[18] = { 0x70, 0, 5 };
	struct scl_cmd_rsp r;
	size_t n;

	(void)state;
	n = scl_cmd_rsp_encode_head(p, sizeof(p), 0, 2, sense, sizeof(sense), 4);
	memcpy(p + n, "abcd", 4);
	n += 4;
	assert_int_equal(scl_cmd_rsp_decode(p, n, 4, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 2);
	assert_int_equal(r.sense_len, 18);
	assert_int_equal(r.in_len, 4);
	assert_memory_equal(r.data, "abcd", 4);
	/* More data than the request allowed. */
	assert_int_equal(scl_cmd_rsp_decode(p, n, 3, &r, err, sizeof(err)), -EPROTO);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(scl_cmd_rsp_decode(p, i, 4, &r, err, sizeof(err)), -EPROTO);
	assert_int_equal(scl_cmd_rsp_decode(p, n + 1, 4, &r, err, sizeof(err)), -EPROTO);
	/* A positive rc, reserved bytes, a failed command carrying a result. */
	p[0] = 1;
	assert_int_equal(scl_cmd_rsp_decode(p, n, 4, &r, err, sizeof(err)), -EPROTO);
	p[0] = 0;
	p[6] = 1;
	assert_int_equal(scl_cmd_rsp_decode(p, n, 4, &r, err, sizeof(err)), -EPROTO);
	n = scl_cmd_rsp_encode_head(p, sizeof(p), -ENOENT, 2, NULL, 0, 0);
	assert_int_equal(scl_cmd_rsp_decode(p, n, 0, &r, err, sizeof(err)), -EPROTO);
	n = scl_cmd_rsp_encode_head(p, sizeof(p), -ENOENT, 0, NULL, 0, 0);
	assert_int_equal(scl_cmd_rsp_decode(p, n, 0, &r, err, sizeof(err)), 0);
	assert_int_equal(r.rc, -ENOENT);
	/* Sense longer than the protocol allows (forged). */
	n = scl_cmd_rsp_encode_head(p, sizeof(p), 0, 2, sense, 0, 0);
	p[5] = SCL_MAX_SENSE + 1;
	assert_int_equal(scl_cmd_rsp_decode(p, sizeof(p), 0, &r, err, sizeof(err)), -EPROTO);
}

static void test_attach_reply(void **state)
{
	uint8_t p[4 + SCL_MAX_MSG + 1];
	struct scl_attach_rsp r;
	size_t n;

	(void)state;
	n = scl_attach_rsp_encode(p, sizeof(p), -ENOENT, "no\nsuch");
	assert_int_equal(scl_attach_rsp_decode(p, n, &r, err, sizeof(err)), 0);
	assert_int_equal(r.rc, -ENOENT);
	assert_string_equal(r.msg, "no?such");          /* control bytes defused */
	assert_int_equal(scl_attach_rsp_decode(p, 3, &r, err, sizeof(err)), -EPROTO);
	assert_int_equal(scl_attach_rsp_decode(p, sizeof(p), &r, err, sizeof(err)), -EPROTO);
	n = scl_attach_rsp_encode(p, sizeof(p), 5, "x");
	assert_int_equal(scl_attach_rsp_decode(p, n, &r, err, sizeof(err)), -EPROTO);
}

/* Random bytes never crash a decoder (ASan/UBSan watch the accesses). */
static void test_random_bytes(void **state)
{
	uint8_t *p = malloc(512);
	struct scl_hdr h;
	struct scl_attach a;
	struct scl_cmd c;
	struct scl_cmd_rsp r;
	struct scl_attach_rsp ar;

	(void)state;
	assert_non_null(p);
	srand(7);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)rand() % 512;

		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)rand();
		(void)scl_hdr_decode(p, n, &h, err, sizeof(err));
		(void)scl_attach_decode(p, n, &a, err, sizeof(err));
		(void)scl_cmd_decode(p, n, &c, err, sizeof(err));
		(void)scl_cmd_rsp_decode(p, n, (uint32_t)n, &r, err, sizeof(err));
		(void)scl_attach_rsp_decode(p, n, &ar, err, sizeof(err));
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_hostile),
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_cmd),
		cmocka_unit_test(test_cmd_reply),
		cmocka_unit_test(test_attach_reply),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
