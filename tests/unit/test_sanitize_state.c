/* test_sanitize_state.c - what a running or failed SANITIZE lets through:
 * NOT READY, SANITIZE IN PROGRESS with the progress in the sense key
 * specific bytes (fixed and descriptor format), MEDIUM ERROR, SANITIZE
 * COMMAND FAILED in failure mode, INQUIRY/REPORT LUNS/REQUEST SENSE always
 * admitted, SANITIZE admitted only to leave failure mode; the progress
 * of a medium of petabytes; one operation at a time, holding the device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/sanitize_state.h"
#include "core/scst.h"

static struct scst_device dev;

static bool admits(struct scst_cmd *cmd, uint8_t opcode)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->dev = &dev;
	cmd->cdb[0] = opcode;
	if (opcode == 0x48)
		cmd->cdb[1] = 0x01;             /* SANITIZE OVERWRITE */
	cmd->op = scst_find_opcode(cmd->cdb, sizeof(cmd->cdb), 0);
	assert_non_null(cmd->op);
	return scst_sanitize_admits(cmd);
}

static void test_idle_admits_everything(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	memset(&dev, 0, sizeof(dev));
	assert_true(admits(&cmd, 0x28));
	assert_true(admits(&cmd, 0x00));
	assert_int_equal(scst_sanitize_sense(&dev, cmd.sense, sizeof(cmd.sense), false), 0);
}

static void test_running_refuses_with_progress(void **state)
{
	struct scst_cmd cmd;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	unsigned len;

	(void)state;
	memset(&dev, 0, sizeof(dev));
	scst_sanitize_begin(&dev);
	scst_sanitize_progress(&dev, 1, 4);         /* a quarter: 0x4000 */
	assert_false(admits(&cmd, 0x00));
	assert_int_equal(cmd.status, SAM_STAT_CHECK_CONDITION);
	assert_int_equal(cmd.sense[2] & 0x0f, SK_NOT_READY);
	assert_int_equal(cmd.sense[12], 0x04);
	assert_int_equal(cmd.sense[13], 0x1b);
	assert_int_equal(cmd.sense[15], 0x80);
	assert_int_equal(cmd.sense[16] << 8 | cmd.sense[17], 0x4000);
	assert_false(admits(&cmd, 0x48));           /* a second SANITIZE too */
	assert_true(admits(&cmd, 0x12));
	assert_true(admits(&cmd, 0xa0));
	assert_true(admits(&cmd, 0x03));

	len = scst_sanitize_sense(&dev, sense, sizeof(sense), true);
	assert_int_equal(len, 16);                  /* header + SKS descriptor */
	assert_int_equal(sense[0], 0x72);
	assert_int_equal(sense[1], SK_NOT_READY);
	assert_int_equal(sense[2] << 8 | sense[3], 0x041b);
	assert_int_equal(sense[7], 8);
	assert_int_equal(sense[8], 0x02);
	assert_int_equal(sense[12], 0x80);
	assert_int_equal(sense[13] << 8 | sense[14], 0x4000);

	scst_sanitize_end(&dev, true);
	assert_true(admits(&cmd, 0x00));
}

/* Half of a 4 PiB medium is half (0x8000 of 65536), not an overflow; the
 * operation holds the device from begin to end and sees a stop request. */
static void test_large_medium_and_pin(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	memset(&dev, 0, sizeof(dev));
	assert_true(scst_sanitize_begin(&dev));
	assert_false(scst_sanitize_begin(&dev));    /* one operation at a time */
	assert_true(scst_sanitize_holds(&dev));
	assert_false(scst_sanitize_stop_requested(&dev));
	scst_sanitize_progress(&dev, 1ull << 51, 1ull << 52);
	assert_false(admits(&cmd, 0x00));
	assert_int_equal(cmd.sense[16] << 8 | cmd.sense[17], 0x8000);
	scst_sanitize_request_stop(&dev);
	assert_true(scst_sanitize_stop_requested(&dev));
	scst_sanitize_end(&dev, false);
	assert_false(scst_sanitize_holds(&dev));
}

static void test_failure_mode(void **state)
{
	struct scst_cmd cmd;

	(void)state;
	memset(&dev, 0, sizeof(dev));
	scst_sanitize_begin(&dev);
	scst_sanitize_end(&dev, false);
	assert_true(scst_sanitize_failed(&dev));
	assert_false(admits(&cmd, 0x28));
	assert_int_equal(cmd.sense[2] & 0x0f, SK_MEDIUM_ERROR);
	assert_int_equal(cmd.sense[12], 0x31);
	assert_int_equal(cmd.sense[13], 0x03);
	assert_true(admits(&cmd, 0x48));
	assert_int_equal(scst_sanitize_sense(&dev, cmd.sense, sizeof(cmd.sense), false), 0);
	scst_sanitize_exit_failure_mode(&dev);
	assert_true(admits(&cmd, 0x28));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_admits_everything),
		cmocka_unit_test(test_running_refuses_with_progress),
		cmocka_unit_test(test_failure_mode),
		cmocka_unit_test(test_large_medium_and_pin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
