/* test_iscsi_bhs.c - the Basic Header Segment accessors against the field
 * layout of RFC 7143 section 11 (byte offsets and widths written out here
 * from the RFC's PDU diagrams, not from iscsi_bhs.h), and util/be.h's
 * byte order (most significant byte first, as SAM-5 and RFC 7143
 * define it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "targets/iscsi/iscsi_bhs.h"
#include "util/be.h"

/* A header whose byte N holds N: a getter's result shows which bytes it
 * read and in which order. */
static void numbered(uint8_t *bhs)
{
	for (int i = 0; i < ISCSI_BHS_LEN; i++)
		bhs[i] = (uint8_t)i;
}

static void test_be_byte_order(void **state)
{
	const uint8_t in[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	uint8_t out[8];

	(void)state;
	assert_int_equal(get_be16(in), 0x0123);
	assert_int_equal(get_be24(in), 0x012345);
	assert_int_equal(get_be32(in), 0x01234567);
	assert_true(get_be64(in) == 0x0123456789abcdefull);
	assert_int_equal(get_be32(in + 4), 0x89abcdefu);    /* top bit set: no sign */
	memset(out, 0, sizeof(out));
	put_be64(out, 0x0123456789abcdefull);
	assert_memory_equal(out, in, 8);
	memset(out, 0xee, sizeof(out));
	put_be24(out, 0xff012345u);                         /* only the low 24 bits */
	assert_memory_equal(out, in, 3);
	assert_int_equal(out[3], 0xee);
	put_be16(out, 0x0123);
	put_be32(out + 4, 0x89abcdefu);
	assert_memory_equal(out, in, 2);
	assert_memory_equal(out + 4, in + 4, 4);
}

static void test_getters_read_rfc_offsets(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	numbered(bhs);
	assert_int_equal(iscsi_bhs_flags(bhs), 1);
	assert_int_equal(iscsi_bhs_version_min(bhs), 3);     /* Login Request byte 3 */
	assert_int_equal(iscsi_bhs_ahs_len(bhs), 4 * 4);     /* TotalAHSLength in words */
	assert_int_equal(iscsi_bhs_data_len(bhs), 0x050607); /* bytes 5-7 */
	assert_ptr_equal(iscsi_bhs_lun(bhs), bhs + 8);
	assert_ptr_equal(iscsi_bhs_isid(bhs), bhs + 8);
	assert_int_equal(iscsi_bhs_tsih(bhs), 0x0e0f);
	assert_int_equal(iscsi_bhs_itt(bhs), 0x10111213);
	assert_ptr_equal(iscsi_bhs_itt_bytes(bhs), bhs + 16);
	assert_int_equal(iscsi_bhs_edtl(bhs), 0x14151617);
	assert_int_equal(iscsi_bhs_ttt(bhs), 0x14151617);
	assert_int_equal(iscsi_bhs_ref_task_tag(bhs), 0x14151617);
	assert_int_equal(iscsi_bhs_cid(bhs), 0x1415);
	assert_int_equal(iscsi_bhs_cmdsn(bhs), 0x18191a1b);
	assert_int_equal(iscsi_bhs_exp_statsn(bhs), 0x1c1d1e1f);
	assert_ptr_equal(iscsi_bhs_cdb(bhs), bhs + 32);
	assert_int_equal(iscsi_bhs_datasn(bhs), 0x24252627);
	assert_int_equal(iscsi_bhs_buffer_offset(bhs), 0x28292a2b);

	bhs[0] = 0x40 | 0x01;    /* I bit + SCSI Command */
	bhs[1] = 0x80 | 0x05;    /* F bit + TMF function / logout reason */
	assert_int_equal(iscsi_bhs_opcode(bhs), 0x01);
	assert_true(iscsi_bhs_immediate(bhs));
	assert_int_equal(iscsi_bhs_tmf_function(bhs), 5);
	assert_int_equal(iscsi_bhs_logout_reason(bhs), 5);
	bhs[0] = 0x01;
	assert_false(iscsi_bhs_immediate(bhs));
}

/* Each setter on a zeroed header: exactly bytes [first, first + len) hold
 * the value, most significant first. */
static void expect_only(const uint8_t *bhs, unsigned first, const uint8_t *want, unsigned len)
{
	for (unsigned i = 0; i < ISCSI_BHS_LEN; i++) {
		uint8_t expected = i >= first && i < first + len ? want[i - first] : 0;

		if (bhs[i] != expected)
			fail_msg("byte %u is 0x%02x, expected 0x%02x", i, bhs[i], expected);
	}
}

#define CHECK_SET(call, first, ...)                                                   \
	do {                                                                          \
		const uint8_t want_[] = { __VA_ARGS__ };                              \
		memset(bhs, 0, sizeof(bhs));                                          \
		call;                                                                 \
		expect_only(bhs, first, want_, sizeof(want_));                        \
	} while (0)

static void test_setters_write_rfc_offsets(void **state)
{
	static const uint8_t lun[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t isid[6] = { 0x80, 2, 3, 4, 5, 6 };
	static const uint8_t itt[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	CHECK_SET(iscsi_bhs_set_opcode(bhs, 0x21), 0, 0x21);
	CHECK_SET(iscsi_bhs_set_flags(bhs, 0x80), 1, 0x80);
	CHECK_SET((iscsi_bhs_set_flags(bhs, 0x80), iscsi_bhs_add_flags(bhs, 0x01)), 1, 0x81);
	CHECK_SET(iscsi_bhs_set_response(bhs, 0x05), 2, 0x05);
	CHECK_SET(iscsi_bhs_set_reject_reason(bhs, 0x04), 2, 0x04);
	CHECK_SET(iscsi_bhs_set_status(bhs, 0x02), 3, 0x02);
	CHECK_SET(iscsi_bhs_set_data_len(bhs, 0x123456), 5, 0x12, 0x34, 0x56);
	CHECK_SET(iscsi_bhs_set_lun(bhs, lun), 8, 1, 2, 3, 4, 5, 6, 7, 8);
	CHECK_SET(iscsi_bhs_set_isid(bhs, isid), 8, 0x80, 2, 3, 4, 5, 6);
	CHECK_SET(iscsi_bhs_set_tsih(bhs, 0x0102), 14, 0x01, 0x02);
	CHECK_SET(iscsi_bhs_set_itt(bhs, 0xdeadbeef), 16, 0xde, 0xad, 0xbe, 0xef);
	CHECK_SET(iscsi_bhs_set_itt_bytes(bhs, itt), 16, 0xde, 0xad, 0xbe, 0xef);
	CHECK_SET(iscsi_bhs_set_ttt(bhs, 0x01020304), 20, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_statsn(bhs, 0x01020304), 24, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_exp_cmdsn(bhs, 0x01020304), 28, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_max_cmdsn(bhs, 0x01020304), 32, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_datasn(bhs, 0x01020304), 36, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_r2tsn(bhs, 0x01020304), 36, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_exp_datasn(bhs, 0x01020304), 36, 1, 2, 3, 4);
	/* Status-Class 2 (initiator error), Status-Detail 1 (authentication). */
	CHECK_SET(iscsi_bhs_set_login_status(bhs, 0x0201), 36, 0x02, 0x01);
	CHECK_SET(iscsi_bhs_set_async_event(bhs, 1), 36, 1);
	CHECK_SET(iscsi_bhs_set_async_param3(bhs, 0x0102), 42, 0x01, 0x02);
	CHECK_SET(iscsi_bhs_set_buffer_offset(bhs, 0x01020304), 40, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_residual_count(bhs, 0x01020304), 44, 1, 2, 3, 4);
	CHECK_SET(iscsi_bhs_set_desired_len(bhs, 0x01020304), 44, 1, 2, 3, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_be_byte_order),
		cmocka_unit_test(test_getters_read_rfc_offsets),
		cmocka_unit_test(test_setters_write_rfc_offsets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
