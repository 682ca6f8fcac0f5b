/* test_iscsi_params.c - login/text key=value parsing of hostile input and
 * the RFC 7143 negotiation results for each kind of key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "targets/iscsi/iscsi_params.h"

static int parse_text(const char *s, size_t len, struct iscsi_text *t)
{
	char err[128];

	return iscsi_text_parse((const uint8_t *)s, len, t, err, sizeof(err));
}

static void test_parses_pairs(void **state)
{
	static const char text[] = "InitiatorName=iqn.x\0SessionType=Normal\0";
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text(text, sizeof(text) - 1, &t), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(iscsi_text_get(&t, "InitiatorName"), "iqn.x");
	assert_string_equal(iscsi_text_get(&t, "SessionType"), "Normal");
	assert_null(iscsi_text_get(&t, "TargetName"));
	iscsi_text_free(&t);
}

static void test_empty_value_is_allowed(void **state)
{
	static const char text[] = "SendTargets=\0";
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text(text, sizeof(text) - 1, &t), 0);
	assert_string_equal(iscsi_text_get(&t, "SendTargets"), "");
	iscsi_text_free(&t);
}

static void test_rejects_missing_nul(void **state)
{
	static const char text[] = "InitiatorName=iqn.x";
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text(text, sizeof(text) - 1, &t), -1);
}

static void test_rejects_pair_without_equals(void **state)
{
	static const char text[] = "InitiatorName\0";
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text(text, sizeof(text) - 1, &t), -1);
}

static void test_rejects_empty_and_bad_keys(void **state)
{
	static const char empty_key[] = "=value\0";
	static const char bad_char[] = "Key With Space=1\0";
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text(empty_key, sizeof(empty_key) - 1, &t), -1);
	assert_int_equal(parse_text(bad_char, sizeof(bad_char) - 1, &t), -1);
}

static void test_rejects_duplicates(void **state)
{
	static const char text[] = "MaxBurstLength=512\0MaxBurstLength=1024\0";
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text(text, sizeof(text) - 1, &t), -1);
}

static void test_rejects_overlong_key_and_value(void **state)
{
	char buf[ISCSI_VALUE_MAX + 64];
	struct iscsi_text t;
	size_t n;

	(void)state;
	memset(buf, 'K', 100);
	memcpy(buf + 100, "=1", 3);
	assert_int_equal(parse_text(buf, 103, &t), -1);

	n = (size_t)sprintf(buf, "TargetAlias=");
	memset(buf + n, 'v', ISCSI_VALUE_MAX + 1);
	buf[n + ISCSI_VALUE_MAX + 1] = 0;
	assert_int_equal(parse_text(buf, n + ISCSI_VALUE_MAX + 2, &t), -1);
}

static void test_rejects_too_many_pairs(void **state)
{
	static char buf[(ISCSI_TEXT_MAX_PAIRS + 1) * 16];
	struct iscsi_text t;
	size_t len = 0;

	(void)state;
	for (int i = 0; i <= ISCSI_TEXT_MAX_PAIRS; i++)
		len += (size_t)sprintf(buf + len, "X-k%d=1", i) + 1;
	assert_int_equal(parse_text(buf, len, &t), -1);
}

static void test_empty_text_is_empty(void **state)
{
	struct iscsi_text t;

	(void)state;
	assert_int_equal(parse_text("", 0, &t), 0);
	assert_int_equal(t.n, 0);
	iscsi_text_free(&t);
}

/* Runs one negotiation and returns the answer text for key (or NULL). */
static const char *negotiate(const char *key, const char *value, struct iscsi_params *p,
			     bool discovery)
{
	static char answer[256];
	struct iscsi_limits lim;
	struct iscsi_text_out out = { 0 };
	struct iscsi_text t;
	const char *v;

	iscsi_limits_defaults(&lim);
	assert_int_equal(iscsi_negotiate_key(key, value, p, &lim, discovery, &out),
			 ISCSI_NEG_ANSWERED);
	if (!out.len) {
		iscsi_text_out_free(&out);
		return NULL;
	}
	assert_int_equal(parse_text(out.buf, out.len, &t), 0);
	v = iscsi_text_get(&t, key);
	assert_non_null(v);
	snprintf(answer, sizeof(answer), "%s", v);
	iscsi_text_free(&t);
	iscsi_text_out_free(&out);
	return answer;
}

static void test_numeric_min(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_string_equal(negotiate("MaxBurstLength", "16776192", &p, false), "1048576");
	assert_int_equal(p.max_burst, 1048576);
	assert_string_equal(negotiate("FirstBurstLength", "262144", &p, false), "65536");
	assert_string_equal(negotiate("MaxOutstandingR2T", "4", &p, false), "4");
}

static void test_max_connections_up_to_driver_limit(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_int_equal(p.max_connections, 1);
	assert_string_equal(negotiate("MaxConnections", "1", &p, false), "1");
	assert_int_equal(p.max_connections, 1);
	assert_string_equal(negotiate("MaxConnections", "4", &p, false), "4");
	assert_int_equal(p.max_connections, 4);
	assert_string_equal(negotiate("MaxConnections", "65535", &p, false), "8");
	assert_int_equal(p.max_connections, ISCSI_MAX_CONNECTIONS);
	assert_string_equal(negotiate("MaxConnections", "0", &p, false), "Reject");
}

static void test_numeric_out_of_range_is_reject(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_string_equal(negotiate("MaxBurstLength", "100", &p, false), "Reject");
	assert_string_equal(negotiate("MaxBurstLength", "abc", &p, false), "Reject");
	assert_string_equal(negotiate("MaxOutstandingR2T", "0", &p, false), "Reject");
	assert_string_equal(negotiate("ErrorRecoveryLevel", "7", &p, false), "Reject");
	assert_int_equal(p.max_burst, 262144);
}

static void test_declarative_mrdsl_sets_our_send_size(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_null(negotiate("MaxRecvDataSegmentLength", "4096", &p, false));
	assert_int_equal(p.max_xmit_dsl, 4096);
}

static void test_boolean_or_and(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_string_equal(negotiate("InitialR2T", "No", &p, false), "No");
	assert_false(p.initial_r2t);
	assert_string_equal(negotiate("InitialR2T", "Yes", &p, false), "Yes");
	assert_string_equal(negotiate("ImmediateData", "No", &p, false), "No");
	assert_false(p.immediate_data);
	assert_string_equal(negotiate("ImmediateData", "maybe", &p, false), "Reject");
	assert_string_equal(negotiate("DataPDUInOrder", "No", &p, false), "Yes");
}

/* The initiator's first supported choice wins; unknown digests are skipped. */
static void test_digests_first_choice(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_string_equal(negotiate("HeaderDigest", "None,CRC32C", &p, false), "None");
	assert_false(p.header_digest);
	assert_string_equal(negotiate("HeaderDigest", "CRC32C,None", &p, false), "CRC32C");
	assert_true(p.header_digest);
	assert_string_equal(negotiate("DataDigest", "None", &p, false), "None");
	assert_false(p.data_digest);
	assert_string_equal(negotiate("DataDigest", "CRC32C", &p, false), "CRC32C");
	assert_true(p.data_digest);
	assert_string_equal(negotiate("DataDigest", "X-foo,None", &p, false), "None");
	assert_false(p.data_digest);
	assert_string_equal(negotiate("DataDigest", "MD5,X-bar", &p, false), "Reject");
	assert_string_equal(negotiate("HeaderDigest", ",", &p, false), "Reject");
	assert_string_equal(negotiate("HeaderDigest", "CRC32", &p, false), "Reject");
}

/* The target's HeaderDigest/DataDigest attributes restrict the choice. */
static void test_digest_target_policy(void **state)
{
	struct iscsi_params p;
	struct iscsi_limits lim;
	struct iscsi_text_out out = { 0 };
	uint8_t m = 0;

	(void)state;
	assert_int_equal(iscsi_digest_list_parse("CRC32C", &m), 0);
	assert_int_equal(m, ISCSI_DIGEST_ALLOW_CRC32C);
	assert_int_equal(iscsi_digest_list_parse("None,CRC32C", &m), 0);
	assert_int_equal(m, ISCSI_DIGEST_ALLOW_NONE | ISCSI_DIGEST_ALLOW_CRC32C);
	assert_true(iscsi_digest_list_parse("", &m) < 0);
	assert_true(iscsi_digest_list_parse("CRC32C,", &m) < 0);
	assert_true(iscsi_digest_list_parse("crc32c", &m) < 0);

	iscsi_params_defaults(&p);
	iscsi_limits_defaults(&lim);
	assert_true(iscsi_digests_acceptable(&p, &lim));
	lim.header_digests = ISCSI_DIGEST_ALLOW_CRC32C;
	assert_false(iscsi_digests_acceptable(&p, &lim));
	/* An initiator preferring None still gets CRC32C from a target
	 * that insists. */
	assert_int_equal(iscsi_negotiate_key("HeaderDigest", "None,CRC32C", &p, &lim, false, &out),
			 ISCSI_NEG_ANSWERED);
	assert_non_null(strstr(out.buf, "HeaderDigest=CRC32C"));
	assert_true(p.header_digest);
	assert_true(iscsi_digests_acceptable(&p, &lim));
	iscsi_text_out_free(&out);
	/* None only against CRC32C only: rejected, and not acceptable. */
	lim.data_digests = ISCSI_DIGEST_ALLOW_CRC32C;
	assert_int_equal(iscsi_negotiate_key("DataDigest", "None", &p, &lim, false, &out),
			 ISCSI_NEG_ANSWERED);
	assert_non_null(strstr(out.buf, "DataDigest=Reject"));
	assert_false(iscsi_digests_acceptable(&p, &lim));
	iscsi_text_out_free(&out);
	/* A target refusing digests answers None to an initiator wanting them. */
	lim.data_digests = ISCSI_DIGEST_ALLOW_NONE;
	assert_int_equal(iscsi_negotiate_key("DataDigest", "CRC32C,None", &p, &lim, false, &out),
			 ISCSI_NEG_ANSWERED);
	assert_non_null(strstr(out.buf, "DataDigest=None"));
	assert_false(p.data_digest);
	iscsi_text_out_free(&out);
}

static void test_unknown_keys_not_understood(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_string_equal(negotiate("X-com.example.Foo", "1", &p, false), "NotUnderstood");
	assert_string_equal(negotiate("Bogus", "1", &p, false), "NotUnderstood");
}

static void test_session_keys_irrelevant_in_discovery(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_string_equal(negotiate("MaxBurstLength", "4096", &p, true), "Irrelevant");
	assert_string_equal(negotiate("InitialR2T", "No", &p, true), "Irrelevant");
	assert_string_equal(negotiate("HeaderDigest", "None", &p, true), "None");
}

static void test_login_keys_left_to_login(void **state)
{
	struct iscsi_params p;
	struct iscsi_limits lim;
	struct iscsi_text_out out = { 0 };

	(void)state;
	iscsi_params_defaults(&p);
	iscsi_limits_defaults(&lim);
	assert_int_equal(iscsi_negotiate_key("TargetName", "iqn.x", &p, &lim, false, &out),
			 ISCSI_NEG_NOT_OPERATIONAL);
	assert_int_equal(out.len, 0);
}

static void test_answers_are_not_answered(void **state)
{
	struct iscsi_params p;

	(void)state;
	iscsi_params_defaults(&p);
	assert_null(negotiate("MaxBurstLength", "Reject", &p, false));
	assert_null(negotiate("IFMarker", "NotUnderstood", &p, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_pairs),
		cmocka_unit_test(test_empty_value_is_allowed),
		cmocka_unit_test(test_rejects_missing_nul),
		cmocka_unit_test(test_rejects_pair_without_equals),
		cmocka_unit_test(test_rejects_empty_and_bad_keys),
		cmocka_unit_test(test_rejects_duplicates),
		cmocka_unit_test(test_rejects_overlong_key_and_value),
		cmocka_unit_test(test_rejects_too_many_pairs),
		cmocka_unit_test(test_empty_text_is_empty),
		cmocka_unit_test(test_numeric_min),
		cmocka_unit_test(test_max_connections_up_to_driver_limit),
		cmocka_unit_test(test_numeric_out_of_range_is_reject),
		cmocka_unit_test(test_declarative_mrdsl_sets_our_send_size),
		cmocka_unit_test(test_boolean_or_and),
		cmocka_unit_test(test_digests_first_choice),
		cmocka_unit_test(test_unknown_keys_not_understood),
		cmocka_unit_test(test_session_keys_irrelevant_in_discovery),
		cmocka_unit_test(test_login_keys_left_to_login),
		cmocka_unit_test(test_digest_target_policy),
		cmocka_unit_test(test_answers_are_not_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
