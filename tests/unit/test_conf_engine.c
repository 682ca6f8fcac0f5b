/* test_conf_engine.c - the scst.conf engine (src/conf): the structure
 * check (every error with line and column), the canonical writer (output
 * parses back to the same text), and hostile input (deep nesting, long
 * tokens, control bytes, random bytes) that must neither crash nor leak. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

static const char good_conf[] =
	"# every block kind\n"
	"setup_id 0x1234\n"
	"DEVICE_GROUP dgroup1 {\n"
	"\tDEVICE f1\n"
	"\tTARGET_GROUP tgroup2 {\n"
	"\t\tstate standby\n"
	"\t\tgroup_id 257\n"
	"\t\tTARGET iqn.2026-11.x:remote {\n"
	"\t\t\trel_tgt_id 2\n"
	"\t\t}\n"
	"\t}\n"
	"\tTARGET_GROUP tgroup1 {\n"
	"\t\tgroup_id 256\n"
	"\t\tpreferred 1\n"
	"\t\tstate active\n"
	"\t\tTARGET iqn.2026-11.x:t1\n"
	"\t}\n"
	"}\n"
	"HANDLER vdisk_nullio {\n"
	"\tDEVICE n1 {\n"
	"\t\tsize_mb 64\n"
	"\t\tt10_dev_id \"id with \\\"quotes\\\" and {braces} # hash\"\n"
	"\t}\n"
	"}\n"
	"HANDLER vdisk_fileio {\n"
	"\tDEVICE f1 {\n"
	"\t\tfilename \"/tmp/a b.img\"\n"
	"\t}\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"\tenabled 1\n"
	"\tIncomingUser joe secret12345\n"
	"\tTARGET iqn.2026-11.x:t1 {\n"
	"\t\tLUN 1 f1 { read_only 1 }\n"
	"\t\tLUN 0 n1\n"
	"\t\tGROUP g1 {\n"
	"\t\t\tLUN 0 f1\n"
	"\t\t\tINITIATOR \"iqn.2000-01.*\"\n"
	"\t\t}\n"
	"\t\tenabled 1\n"
	"\t}\n"
	"}\n";

static struct cfg_node *parse(const char *text, char *err, size_t errlen)
{
	return cfg_parse(text, strlen(text), err, errlen);
}

static char *write_text(struct cfg_node *root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	conf_sort(root);
	assert_int_equal(conf_write(f, root), 0);
	fclose(f);
	return buf;
}

static void test_good_config_passes_check(void **state)
{
	char err[256] = "";
	struct cfg_node *root = parse(good_conf, err, sizeof(err));

	(void)state;
	assert_non_null(root);
	assert_int_equal(conf_check(root, err, sizeof(err)), 0);
	cfg_free(root);
}

/* Written once, parsed and written again: the same bytes. */
static void test_writer_round_trip(void **state)
{
	char err[256] = "";
	struct cfg_node *a = parse(good_conf, err, sizeof(err)), *b;
	char *ta, *tb;

	(void)state;
	assert_non_null(a);
	ta = write_text(a);
	b = parse(ta, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(conf_check(b, err, sizeof(err)), 0);
	tb = write_text(b);
	assert_string_equal(ta, tb);
	/* Quoting kept the value intact; '#' escaped as SCST's escapeMeta does
	 * (its reader drops an unescaped '#' even inside quotes). */
	assert_non_null(strstr(ta, "t10_dev_id \"id with \\\"quotes\\\" and {braces} \\# hash\""));
	/* Canonical order: LUN 0 before LUN 1, attributes before blocks. */
	assert_true(strstr(ta, "LUN 0 n1") < strstr(ta, "LUN 1 f1"));
	/* DEVICE_GROUP after the drivers (as SCST writes it), its target
	 * groups by name, a port's block kept. */
	assert_true(strstr(ta, "TARGET_DRIVER iscsi") < strstr(ta, "DEVICE_GROUP dgroup1"));
	assert_true(strstr(ta, "TARGET_GROUP tgroup1") < strstr(ta, "TARGET_GROUP tgroup2"));
	assert_non_null(strstr(ta, "\t\tTARGET iqn.2026-11.x:remote {\n\t\t\trel_tgt_id 2\n"));
	cfg_free(a);
	cfg_free(b);
	free(ta);
	free(tb);
}

struct bad_case {
	const char *text;
	const char *where;      /* "line L, column C" */
	const char *what;       /* part of the message */
};

static const struct bad_case structure_cases[] = {
	{ "DEVICE d1 {\n}\n", "line 1, column 1", "not allowed inside the top level" },
	{ "HANDLER h {\n DEVICE d {\n  size_mb\n }\n}\n", "line 3, column 3", "needs a value" },
	{ "HANDLER h {\n DEVICE d { }\n DEVICE d { }\n}\n", "line 3, column 2", "already defined" },
	{ "HANDLER h {\n DEVICE a/b\n}\n", "line 2, column 2", "invalid name" },
	{ "HANDLER h {\n DEVICE d\n}\nTARGET_DRIVER t {\n TARGET x {\n  LUN 16384 d\n }\n}\n",
	  "line 6, column 3", "not in 0..16383" },
	{ "HANDLER h {\n DEVICE d\n}\nTARGET_DRIVER t {\n TARGET x {\n  LUN 01 d\n }\n}\n",
	  "line 6, column 3", "not in 0..16383" },
	{ "TARGET_DRIVER t {\n TARGET x {\n  LUN 0 nodev\n }\n}\n", "line 3, column 3",
	  "device 'nodev' is not defined" },
	{ "HANDLER h {\n DEVICE d\n}\nTARGET_DRIVER t {\n TARGET x {\n  LUN 0 d\n  LUN 0 d\n }\n}\n",
	  "line 7, column 3", "already defined" },
	{ "TARGET_DRIVER t {\n TARGET x {\n  GROUP g {\n   INITIATOR a { }\n  }\n }\n}\n",
	  "line 4, column 4", "INITIATOR takes no block" },
	{ "TARGET_DRIVER t {\n LUN 0 d\n}\n", "line 2, column 2", "not allowed inside TARGET_DRIVER" },
	{ "HANDLER a b {\n}\n", "line 1, column 1", "needs one name" },
	{ "HANDLER h {\n DEVICE d {\n  bad-key 1\n }\n}\n", "line 3, column 3",
	  "invalid attribute name" },
	{ "HANDLER h {\n DEVICE d\n}\nHANDLER h2 {\n DEVICE d\n}\n", "line 5, column 2",
	  "defined twice" },
	{ "DEVICE_GROUP g {\n DEVICE nodev\n}\n", "line 2, column 2",
	  "device 'nodev' is not defined" },
	{ "HANDLER h {\n DEVICE d\n}\nDEVICE_GROUP g {\n DEVICE d {\n  x 1\n }\n}\n",
	  "line 5, column 2", "takes no block" },
	{ "DEVICE_GROUP g {\n TARGET_GROUP t {\n  TARGET x {\n   LUN 0 d\n  }\n }\n}\n",
	  "line 4, column 4", "not allowed inside TARGET" },
	{ "TARGET_GROUP t {\n}\n", "line 1, column 1", "not allowed inside the top level" },
	{ "DEVICE_GROUP g {\n TARGET_GROUP t {\n }\n TARGET_GROUP t {\n }\n}\n",
	  "line 4, column 2", "already defined" },
	{ "DEVICE_GROUP g {\n TARGET x\n}\n", "line 2, column 2",
	  "not allowed inside DEVICE_GROUP" },
	{ "DEVICE_GROUP g {\n TARGET_GROUP t {\n  TARGET a/b\n }\n}\n", "line 3, column 3",
	  "invalid name" },
	{ "DEVICE_GROUP g {\n TARGET_GROUP a {\n  TARGET p\n }\n TARGET_GROUP b {\n  TARGET p\n }\n}\n",
	  "line 6, column 3", "already in a target group of DEVICE_GROUP g (line 3)" },
	{ "HANDLER h {\n DEVICE d\n}\nDEVICE_GROUP g1 {\n DEVICE d\n}\nDEVICE_GROUP g2 {\n DEVICE d\n}\n",
	  "line 8, column 2", "already in DEVICE_GROUP g1" },
};

static void test_structure_errors_name_line_and_column(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(structure_cases) / sizeof(structure_cases[0]); i++) {
		const struct bad_case *c = &structure_cases[i];
		char err[512] = "";
		struct cfg_node *root = parse(c->text, err, sizeof(err));

		assert_non_null(root);
		assert_int_equal(conf_check(root, err, sizeof(err)), -22);
		if (!strstr(err, c->where) || !strstr(err, c->what))
			fail_msg("case %zu: got '%s', wanted '%s' and '%s'", i, err, c->where,
				 c->what);
		cfg_free(root);
	}
}

static const struct bad_case syntax_cases[] = {
	{ "HANDLER h {\n DEVICE d {\n  x \"open\n", "line 3, column 5", "unterminated" },
	{ "HANDLER h {\n}\n}\n", "line 3, column 1", "unexpected '}'" },
	{ "HANDLER h {\n DEVICE d {\n", "line 2, column 11", "never closed" },
	{ "{\n", "line 1, column 1", "without a statement" },
	{ "HANDLER h\x01 {\n}\n", "line 1, column 9", "control character" },
};

static void test_syntax_errors_name_line_and_column(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(syntax_cases) / sizeof(syntax_cases[0]); i++) {
		const struct bad_case *c = &syntax_cases[i];
		char err[512] = "";

		assert_null(parse(c->text, err, sizeof(err)));
		if (!strstr(err, c->where) || !strstr(err, c->what))
			fail_msg("case %zu: got '%s', wanted '%s' and '%s'", i, err, c->where,
				 c->what);
	}
}

static void test_nul_byte_is_refused(void **state)
{
	static const char text[] = "HANDLER \"a\0b\" {\n}\n";
	char err[256] = "";

	(void)state;
	assert_null(cfg_parse(text, sizeof(text) - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "line 1"));
}

static void test_deep_nesting_is_refused(void **state)
{
	char text[4096] = "", err[256] = "";

	(void)state;
	for (int i = 0; i < 100; i++)
		strcat(text, "A {\n");
	assert_null(parse(text, err, sizeof(err)));
	assert_non_null(strstr(err, "nested too deeply"));
}

static void test_long_token_is_refused(void **state)
{
	size_t n = 100000;
	char *text = malloc(n + 32), err[256] = "";

	(void)state;
	assert_non_null(text);
	memcpy(text, "HANDLER ", 8);
	memset(text + 8, 'x', n);
	strcpy(text + 8 + n, " {\n}\n");
	assert_null(parse(text, err, sizeof(err)));
	assert_non_null(strstr(err, "too long"));
	free(text);
}

/* Random bytes and mutations of a good config: any outcome but a crash,
 * a leak or an error without a line. */
static void test_random_input_never_crashes(void **state)
{
	size_t len = sizeof(good_conf) - 1;
	char *buf = malloc(len + 1);

	(void)state;
	assert_non_null(buf);
	srand(12345);
	for (int round = 0; round < 3000; round++) {
		char err[512] = "";
		struct cfg_node *root;

		memcpy(buf, good_conf, len);
		for (int k = 0; k < 1 + round % 8; k++) {
			size_t pos = (size_t)rand() % len;

			buf[pos] = round % 3 ? "{}\"\\# \n\tab0"[rand() % 12] : (char)(rand() % 256);
		}
		root = cfg_parse(buf, len, err, sizeof(err));
		if (!root) {
			assert_non_null(strstr(err, "line "));
			continue;
		}
		if (conf_check(root, err, sizeof(err)) < 0)
			assert_non_null(strstr(err, "line "));
		else
			free(write_text(root));
		cfg_free(root);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_config_passes_check),
		cmocka_unit_test(test_writer_round_trip),
		cmocka_unit_test(test_structure_errors_name_line_and_column),
		cmocka_unit_test(test_syntax_errors_name_line_and_column),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_deep_nesting_is_refused),
		cmocka_unit_test(test_long_token_is_refused),
		cmocka_unit_test(test_random_input_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
