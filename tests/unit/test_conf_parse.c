/* test_conf_parse.c - the scst.conf parser: structure, quoting, comments, and
 * hostile input (every error names its line, nothing crashes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

static struct cfg_node *parse(const char *text, char *err, size_t errlen)
{
	return cfg_parse(text, strlen(text), err, errlen);
}

static void test_nested_blocks(void **state)
{
	const char *text =
		"# comment line\n"
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE disk1 {\n"
		"\t\tfilename /tmp/a b.img   # trailing comment\n"
		"\t\tblocksize 4096\n"
		"\t}\n"
		"}\n"
		"TARGET_DRIVER iscsi {\n"
		"  TARGET iqn.x:t { LUN 0 disk1 { read_only 1 } \n"
		"    enabled 1 }\n"
		"}\n";
	char err[256] = "";
	struct cfg_node *root = parse(text, err, sizeof(err));

	(void)state;
	assert_non_null(root);
	assert_int_equal(root->nchildren, 2);
	struct cfg_node *h = root->children[0];
	assert_string_equal(h->key, "HANDLER");
	assert_int_equal(h->nargs, 1);
	assert_string_equal(h->args[0], "vdisk_fileio");
	assert_int_equal(h->nchildren, 1);
	struct cfg_node *d = h->children[0];
	assert_string_equal(d->args[0], "disk1");
	assert_int_equal(d->nchildren, 2);
	assert_string_equal(d->children[0]->key, "filename");
	assert_int_equal(d->children[0]->nargs, 2);
	assert_string_equal(d->children[0]->args[1], "b.img");
	assert_int_equal(d->children[1]->line, 5);
	struct cfg_node *t = root->children[1]->children[0];
	assert_string_equal(t->key, "TARGET");
	assert_int_equal(t->nchildren, 2);
	assert_string_equal(t->children[0]->key, "LUN");
	assert_int_equal(t->children[0]->nchildren, 1);
	assert_string_equal(t->children[0]->children[0]->key, "read_only");
	assert_string_equal(t->children[1]->key, "enabled");
	cfg_free(root);
}

static void test_quoted_values(void **state)
{
	char err[256] = "";
	struct cfg_node *root = parse("a \"x y\" \"q\\\"z\" \"\"\n", err, sizeof(err));

	(void)state;
	assert_non_null(root);
	assert_int_equal(root->children[0]->nargs, 3);
	assert_string_equal(root->children[0]->args[0], "x y");
	assert_string_equal(root->children[0]->args[1], "q\"z");
	assert_string_equal(root->children[0]->args[2], "");
	cfg_free(root);
}

/* SCST's scstadmin reads "\X" as X anywhere (readConfigFile) and writes
 * '#' and '\' escaped (escapeMeta): INITIATOR *\#* names "*#*". */
static void test_backslash_escapes(void **state)
{
	char err[256] = "";
	struct cfg_node *root = parse("INITIATOR *\\#* # a comment\n"
				      "INITIATOR a\\\\b \"c\\#d\"\n"
				      "INITIATOR x\\ y\n", err, sizeof(err));

	(void)state;
	assert_non_null(root);
	assert_int_equal(root->nchildren, 3);
	assert_int_equal(root->children[0]->nargs, 1);
	assert_string_equal(root->children[0]->args[0], "*#*");
	assert_string_equal(root->children[1]->args[0], "a\\b");
	assert_string_equal(root->children[1]->args[1], "c#d");
	assert_int_equal(root->children[2]->nargs, 1);
	assert_string_equal(root->children[2]->args[0], "x y");
	cfg_free(root);
}

static void expect_error(const char *text, const char *needle)
{
	char err[256] = "";
	struct cfg_node *root = parse(text, err, sizeof(err));

	assert_null(root);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	expect_error("HANDLER x {\n  DEVICE d {\n}\n", "line 1");
	expect_error("a b\n}\n", "line 2, column 1: unexpected '}'");
	expect_error("a \"open\n", "line 1, column 3: unterminated");
	expect_error("{\n", "without a statement");
	expect_error("a\n b \x01 c\n", "line 2");
}

static void test_depth_bound(void **state)
{
	char text[4096] = "";

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(text, "a {\n");
	expect_error(text, "nested too deeply");
}

static void test_long_token_refused(void **state)
{
	size_t n = 10000;
	char *text = malloc(n + 2);

	(void)state;
	memset(text, 'x', n);
	text[n] = '\n';
	text[n + 1] = '\0';
	expect_error(text, "too long");
	free(text);
}

static void test_random_garbage_never_crashes(void **state)
{
	char buf[512];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(round % 500);
		char err[128];

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = "ab {}\"#\n\\ \t\x01"[(seed >> 16) % 13];
		}
		struct cfg_node *root = cfg_parse(buf, len, err, sizeof(err));

		cfg_free(root);
	}
}

static void test_empty_input(void **state)
{
	char err[64];
	struct cfg_node *root = cfg_parse("", 0, err, sizeof(err));

	(void)state;
	assert_non_null(root);
	assert_int_equal(root->nchildren, 0);
	cfg_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_blocks),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_backslash_escapes),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_long_token_refused),
		cmocka_unit_test(test_random_garbage_never_crashes),
		cmocka_unit_test(test_empty_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
