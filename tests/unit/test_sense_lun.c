/* test_sense_lun.c - sense data builders (fixed and descriptor format, field
 * pointers, INFORMATION) and SAM LUN encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/scst.h"

static void test_fixed_format(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	scst_set_cmd_error(&cmd, SCST_S_LBA_OUT_OF_RANGE);
	assert_int_equal(cmd.status, SAM_STAT_CHECK_CONDITION);
	assert_int_equal(cmd.sense_len, 18);
	assert_int_equal(cmd.sense[0], 0x70);
	assert_int_equal(cmd.sense[2], SK_ILLEGAL_REQUEST);
	assert_int_equal(cmd.sense[7], 10);
	assert_int_equal(cmd.sense[12], 0x21);
	assert_int_equal(cmd.sense[13], 0x00);
}

static void test_descriptor_format(void **state)
{
	struct scst_device dev;
	struct scst_cmd cmd;

	(void)state;
	memset(&dev, 0, sizeof(dev));
	memset(&cmd, 0, sizeof(cmd));
	dev.d_sense = true;
	cmd.dev = &dev;
	scst_set_cmd_error(&cmd, SCST_S_UA_REPORTED_LUNS_CHANGED);
	assert_int_equal(cmd.sense[0], 0x72);
	assert_int_equal(cmd.sense[1], SK_UNIT_ATTENTION);
	assert_int_equal(cmd.sense[2], 0x3f);
	assert_int_equal(cmd.sense[3], 0x0e);
	assert_int_equal(cmd.sense_len, 8);
}

static void test_field_pointer(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	scst_set_invalid_field(&cmd, true, 1, 3);
	assert_int_equal(cmd.sense[12], 0x24);
	assert_int_equal(cmd.sense[15], 0x80 | 0x40 | 0x08 | 3);
	assert_int_equal(cmd.sense[16], 0);
	assert_int_equal(cmd.sense[17], 1);
	memset(&cmd, 0, sizeof(cmd));
	scst_set_invalid_field(&cmd, false, 300, -1);
	assert_int_equal(cmd.sense[12], 0x26);
	assert_int_equal(cmd.sense[15], 0x80);
	assert_int_equal(cmd.sense[16], 1);
	assert_int_equal(cmd.sense[17], 44);
}

static void test_information_field(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	scst_set_cmd_error(&cmd, SCST_S_MISCOMPARE);
	scst_set_sense_info(&cmd, 0x01020304);
	assert_int_equal(cmd.sense[0], 0xf0);
	assert_int_equal(cmd.sense[2], SK_MISCOMPARE);
	assert_int_equal(cmd.sense[3], 1);
	assert_int_equal(cmd.sense[6], 4);
}

static void test_lun_encoding(void **state)
{
	uint8_t l[8];

	(void)state;
	scst_pack_lun(5, SCST_LUN_ADDR_METHOD_PERIPHERAL, l);
	assert_int_equal(l[0], 0);
	assert_int_equal(l[1], 5);
	assert_int_equal(scst_unpack_lun(l), 5);
	scst_pack_lun(300, SCST_LUN_ADDR_METHOD_PERIPHERAL, l);
	assert_int_equal(l[0], 0x41);
	assert_int_equal(l[1], 300 & 0xff);
	assert_int_equal(scst_unpack_lun(l), 300);
	scst_pack_lun(16383, SCST_LUN_ADDR_METHOD_FLAT, l);
	assert_int_equal(scst_unpack_lun(l), 16383);
	memset(l, 0, 8);
	l[0] = 0x80;                    /* logical unit addressing: unsupported */
	assert_true(scst_unpack_lun(l) == UINT64_MAX);
	memset(l, 0, 8);
	l[3] = 1;                       /* second level present */
	assert_true(scst_unpack_lun(l) == UINT64_MAX);
	memset(l, 0, 8);
	l[0] = 0x01;                    /* peripheral, bus 1 */
	assert_true(scst_unpack_lun(l) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_format),
		cmocka_unit_test(test_descriptor_format),
		cmocka_unit_test(test_field_pointer),
		cmocka_unit_test(test_information_field),
		cmocka_unit_test(test_lun_encoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
