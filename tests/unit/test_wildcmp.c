/* test_wildcmp.c - initiator name patterns of access control groups
 * (README.scst "Access and devices visibility management"): '*', '?',
 * case-insensitive matching and the negation sign '!'.  Expected values
 * are README.scst's examples and those of SCST's wildcmp comment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/scst_priv.h"

static void test_spec_examples(void **state)
{
	(void)state;
	/* README.scst: "blah.xxx" will match "bl?h.*". */
	assert_true(scst_wildcmp("bl?h.*", "blah.xxx"));
	/* README.scst: "ah.xxx" will match "!bl?h.*". */
	assert_true(scst_wildcmp("!bl?h.*", "ah.xxx"));
	assert_false(scst_wildcmp("!bl?h.*", "blah.xxx"));
	/* SCST's wildcmp: "bl!?h.*" does not match "blah.jpg". */
	assert_false(scst_wildcmp("bl!?h.*", "blah.jpg"));
	assert_true(scst_wildcmp("bl!?h.*", "blxxh.jpg"));
	/* README.scst: 21:*:e0:?b:83:* matches FC WWNs. */
	assert_true(scst_wildcmp("21:*:e0:?b:83:*", "21:00:e0:8b:83:00:00:01"));
	assert_false(scst_wildcmp("21:*:e0:?b:83:*", "20:00:e0:8b:83:00:00:01"));
}

static void test_plain_wildcards(void **state)
{
	(void)state;
	assert_true(scst_wildcmp("*", ""));
	assert_true(scst_wildcmp("iqn.*:host-?", "IQN.2026-12.x:HOST-1"));
	assert_false(scst_wildcmp("iqn.*:host-?", "iqn.2026-12.x:host-12"));
	assert_true(scst_wildcmp("a*b*c", "aXbYbZc"));
	assert_false(scst_wildcmp("a*b*c", "aXbYbZ"));
	/* No bracket expressions: '[' is an ordinary character. */
	assert_true(scst_wildcmp("ini[1]", "ini[1]"));
	assert_false(scst_wildcmp("ini[1]", "ini1"));
	/* After the first '!', another '!' is an ordinary character. */
	assert_true(scst_wildcmp("!a!b", "xyz"));
	assert_false(scst_wildcmp("!a!b", "a!b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_plain_wildcards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
