/* test_iscsi_pdu.c - header-level validation of received PDUs (garbage,
 * reserved opcodes, AHS where none may be, over-long data segments) and
 * the Data-In segmentation rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "targets/iscsi/iscsi_pdu.h"
#include "util/be.h"

static void make_bhs(uint8_t *bhs, uint8_t op, uint8_t ahs_words, uint32_t dlen)
{
	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[0] = op;
	bhs[1] = 0x80;
	bhs[4] = ahs_words;
	put_be24(&bhs[5], dlen);
}

static void test_login_phase_accepts_only_login(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	make_bhs(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_IMMEDIATE, 0, 300);
	assert_int_equal(iscsi_check_header(bhs, true, 8192), ISCSI_HDR_OK);
	for (unsigned op = 0; op < 64; op++) {
		if (op == ISCSI_OP_LOGIN_REQ)
			continue;
		make_bhs(bhs, (uint8_t)op, 0, 0);
		assert_int_equal(iscsi_check_header(bhs, true, 8192), ISCSI_HDR_CLOSE);
	}
}

static void test_login_phase_limits(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	make_bhs(bhs, ISCSI_OP_LOGIN_REQ, 0, 8193);
	assert_int_equal(iscsi_check_header(bhs, true, 8192), ISCSI_HDR_CLOSE);
	make_bhs(bhs, ISCSI_OP_LOGIN_REQ, 1, 10);
	assert_int_equal(iscsi_check_header(bhs, true, 8192), ISCSI_HDR_CLOSE);
}

static void test_garbage_header_before_login(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	for (int i = 0; i < ISCSI_BHS_LEN; i++)
		bhs[i] = (uint8_t)(0xa5 ^ (i * 37));
	assert_int_equal(iscsi_check_header(bhs, true, 8192), ISCSI_HDR_CLOSE);
	memset(bhs, 0xff, sizeof(bhs));
	assert_int_equal(iscsi_check_header(bhs, true, 8192), ISCSI_HDR_CLOSE);
}

static void test_full_feature_data_limit(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	make_bhs(bhs, ISCSI_OP_DATA_OUT, 0, 262144);
	assert_int_equal(iscsi_check_header(bhs, false, 262144), ISCSI_HDR_OK);
	make_bhs(bhs, ISCSI_OP_DATA_OUT, 0, 262145);
	assert_int_equal(iscsi_check_header(bhs, false, 262144), ISCSI_HDR_REJECT_AND_CLOSE);
	make_bhs(bhs, ISCSI_OP_NOP_OUT, 0, 0xffffff);
	assert_int_equal(iscsi_check_header(bhs, false, 262144), ISCSI_HDR_REJECT_AND_CLOSE);
}

static void test_ahs_only_on_scsi_command(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	make_bhs(bhs, ISCSI_OP_SCSI_CMD, 5, 0);
	assert_int_equal(iscsi_check_header(bhs, false, 8192), ISCSI_HDR_OK);
	make_bhs(bhs, ISCSI_OP_NOP_OUT, 1, 0);
	assert_int_equal(iscsi_check_header(bhs, false, 8192), ISCSI_HDR_REJECT_AND_CLOSE);
	make_bhs(bhs, ISCSI_OP_DATA_OUT, 255, 0);
	assert_int_equal(iscsi_check_header(bhs, false, 8192), ISCSI_HDR_REJECT_AND_CLOSE);
}

static void test_reserved_opcodes_pass_header_check(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	/* Unknown opcodes are answered with a Reject once their data is read;
	 * the header itself does not end the connection. */
	make_bhs(bhs, 0x0b, 0, 16);
	assert_int_equal(iscsi_check_header(bhs, false, 8192), ISCSI_HDR_OK);
	assert_false(iscsi_known_initiator_opcode(0x0b));
	assert_false(iscsi_known_initiator_opcode(ISCSI_OP_NOP_IN));
	assert_true(iscsi_known_initiator_opcode(ISCSI_OP_SCSI_CMD));
	assert_true(iscsi_known_initiator_opcode(ISCSI_OP_SNACK));
}

static void test_field_accessors(void **state)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	(void)state;
	make_bhs(bhs, ISCSI_OP_SCSI_CMD | ISCSI_IMMEDIATE, 3, 0x123456);
	put_be32(&bhs[16], 0xdeadbeef);
	assert_int_equal(iscsi_bhs_opcode(bhs), ISCSI_OP_SCSI_CMD);
	assert_int_equal(iscsi_bhs_ahs_len(bhs), 12);
	assert_int_equal(iscsi_bhs_data_len(bhs), 0x123456);
	assert_int_equal(iscsi_bhs_itt(bhs), 0xdeadbeef);
	assert_int_equal(iscsi_pad4(0), 0);
	assert_int_equal(iscsi_pad4(1), 3);
	assert_int_equal(iscsi_pad4(4), 0);
	assert_int_equal(iscsi_pad4(7), 1);
}

static void test_serial_number_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(iscsi_sn_cmp(5, 5), 0);
	assert_int_equal(iscsi_sn_cmp(6, 5), 1);
	assert_int_equal(iscsi_sn_cmp(5, 6), -1);
	assert_int_equal(iscsi_sn_cmp(2, 0xfffffffeu), 1);     /* wrapped */
	assert_int_equal(iscsi_sn_cmp(0xfffffffeu, 2), -1);
}

static void test_data_in_segments(void **state)
{
	uint32_t left = 1048576, burst = 262144, off = 0, pdus = 0;

	(void)state;
	assert_int_equal(iscsi_data_in_segment(100, 8192, 262144), 100);
	assert_int_equal(iscsi_data_in_segment(100000, 8192, 262144), 8192);
	assert_int_equal(iscsi_data_in_segment(100000, 65536, 4096), 4096);
	/* 1 MiB at MRDSL 64 KiB and MaxBurst 256 KiB: 16 PDUs, bursts of 4. */
	while (left) {
		uint32_t seg = iscsi_data_in_segment(left, 65536, burst);

		assert_true(seg > 0);
		off += seg;
		left -= seg;
		burst -= seg;
		if (!burst)
			burst = 262144;
		pdus++;
	}
	assert_int_equal(off, 1048576);
	assert_int_equal(pdus, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_phase_accepts_only_login),
		cmocka_unit_test(test_login_phase_limits),
		cmocka_unit_test(test_garbage_header_before_login),
		cmocka_unit_test(test_full_feature_data_limit),
		cmocka_unit_test(test_ahs_only_on_scsi_command),
		cmocka_unit_test(test_reserved_opcodes_pass_header_check),
		cmocka_unit_test(test_field_accessors),
		cmocka_unit_test(test_serial_number_arithmetic),
		cmocka_unit_test(test_data_in_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
