/* test_iscsi_tgt_params.c - a target's negotiable parameters as
 * attributes: limits, hostile values refused without any change, text
 * forms and the default / [key] distinction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "targets/iscsi/iscsi_priv.h"
#include "targets/iscsi/iscsi_tgt_params.h"

static struct iscsi_target fresh(void)
{
	struct iscsi_target it;

	memset(&it, 0, sizeof(it));
	iscsi_limits_defaults(&it.limits);
	return it;
}

static void assert_value(struct iscsi_target *it, const char *key, const char *want,
			 bool want_default)
{
	char v[64];
	bool is_default;

	assert_int_equal(iscsi_tgt_param_get(it, key, v, sizeof(v), &is_default), 0);
	assert_string_equal(v, want);
	assert_int_equal(is_default, want_default);
}

static void test_every_parameter_reads_its_default(void **state)
{
	struct iscsi_target it = fresh();
	char v[64];
	bool is_default;
	size_t n = 0;

	(void)state;
	for (const char *k; (k = iscsi_tgt_param_name(n)); n++) {
		assert_int_equal(iscsi_tgt_param_get(&it, k, v, sizeof(v), &is_default), 0);
		assert_true(is_default);
	}
	assert_int_equal(n, 14);
	assert_value(&it, "HeaderDigest", "None,CRC32C", true);
	assert_value(&it, "InitialR2T", "No", true);
	assert_value(&it, "MaxSessions", "0", true);
	assert_value(&it, "RspTimeout", "90", true);
}

static void test_limits_are_enforced(void **state)
{
	static const struct { const char *key, *value; } bad[] = {
		{ "QueuedCommands", "0" }, { "QueuedCommands", "2049" },
		{ "MaxRecvDataSegmentLength", "511" }, { "MaxBurstLength", "16777216" },
		{ "FirstBurstLength", "" }, { "FirstBurstLength", "-512" },
		{ "FirstBurstLength", "99999999999999999999999" }, { "FirstBurstLength", "4k" },
		{ "MaxOutstandingR2T", "65536" }, { "NopInTimeout", "0" },
		{ "MaxSessions", "65536" }, { "InitialR2T", "yes" }, { "ImmediateData", "" },
		{ "HeaderDigest", "" }, { "HeaderDigest", "CRC32C,MD5" }, { "DataDigest", ",None" },
		{ "RspTimeout", "1" }, { "RspTimeout", "0" }, { "RspTimeout", "65536" },
		{ "RspTimeout", "" }, { "RspTimeout", "90s" },
	};
	struct iscsi_target it = fresh();
	struct iscsi_limits before = it.limits;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(iscsi_tgt_param_set(&it, bad[i].key, bad[i].value, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, bad[i].key));
		assert_memory_equal(&it.limits, &before, sizeof(before));
	}
}

static void test_valid_values_change_one_field(void **state)
{
	struct iscsi_target it = fresh();
	char err[160];

	(void)state;
	assert_int_equal(iscsi_tgt_param_set(&it, "FirstBurstLength", "0x4000", err, sizeof(err)), 0);
	assert_int_equal(it.limits.first_burst, 16384);
	assert_value(&it, "FirstBurstLength", "16384", false);
	assert_int_equal(iscsi_tgt_param_set(&it, "InitialR2T", "Yes", err, sizeof(err)), 0);
	assert_value(&it, "InitialR2T", "Yes", false);
	assert_int_equal(iscsi_tgt_param_set(&it, "DataDigest", "CRC32C", err, sizeof(err)), 0);
	assert_value(&it, "DataDigest", "CRC32C", false);
	assert_int_equal(iscsi_tgt_param_set(&it, "MaxSessions", "2", err, sizeof(err)), 0);
	assert_int_equal(it.limits.max_sessions, 2);
	/* iscsi-scst's RspTimeout range is [2, 65535]. */
	assert_int_equal(iscsi_tgt_param_set(&it, "RspTimeout", "2", err, sizeof(err)), 0);
	assert_int_equal(it.limits.rsp_timeout, 2);
	assert_int_equal(iscsi_tgt_param_set(&it, "RspTimeout", "65535", err, sizeof(err)), 0);
	assert_value(&it, "RspTimeout", "65535", false);
	/* Back to the default value: no [key] any more. */
	assert_int_equal(iscsi_tgt_param_set(&it, "InitialR2T", "No", err, sizeof(err)), 0);
	assert_value(&it, "InitialR2T", "No", true);
}

static void test_other_keys_are_not_parameters(void **state)
{
	struct iscsi_target it = fresh();
	char err[64], v[64];
	bool d;

	(void)state;
	assert_int_equal(iscsi_tgt_param_set(&it, "IncomingUser", "a b", err, sizeof(err)), 1);
	assert_int_equal(iscsi_tgt_param_get(&it, "enabled", v, sizeof(v), &d), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_parameter_reads_its_default),
		cmocka_unit_test(test_limits_are_enforced),
		cmocka_unit_test(test_valid_values_change_one_field),
		cmocka_unit_test(test_other_keys_are_not_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
