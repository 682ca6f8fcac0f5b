/* test_attr_rules.c - the value rules the daemon's attribute stores and
 * the scst.conf checker share (core/attr_rules.h, conf/conf_values.c).
 * Limits are the specs': RFC 7143 section 13 for the iSCSI keys, SPC-4 for
 * identifiers and field widths, README.scst / README.scst-3.x for the
 * SCST attributes. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "core/attr_rules.h"

static int check(enum attr_scope scope, const char *owner, const char *key, const char *value)
{
	char why[256] = "";
	int rc = attr_rule_check(scope, owner, key, value, why, sizeof(why));

	if (rc < 0) {
		/* A refusal names the key and the value. */
		char quoted[128];

		snprintf(quoted, sizeof(quoted), "'%s'", value);
		assert_non_null(strstr(why, key));
		assert_non_null(strstr(why, quoted));
	}
	return rc;
}

#define OK(s, o, k, v) assert_int_equal(check(s, o, k, v), 0)
#define BAD(s, o, k, v) assert_int_equal(check(s, o, k, v), -EINVAL)
#define NO_RULE(s, o, k, v) assert_int_equal(check(s, o, k, v), 1)

/* RFC 7143 13.12-13.14: MaxRecvDataSegmentLength, MaxBurstLength and
 * FirstBurstLength are 512 to 2^24-1; 13.17 MaxOutstandingR2T 1 to 65535. */
static void test_iscsi_rfc7143_ranges(void **state)
{
	static const char *const lengths[] = { "MaxRecvDataSegmentLength", "MaxBurstLength",
					       "FirstBurstLength" };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		BAD(ATTR_TARGET, "iscsi", lengths[i], "511");
		OK(ATTR_TARGET, "iscsi", lengths[i], "512");
		OK(ATTR_TARGET, "iscsi", lengths[i], "16777215");
		BAD(ATTR_TARGET, "iscsi", lengths[i], "16777216");
		BAD(ATTR_TARGET, "iscsi", lengths[i], "-1");
		BAD(ATTR_TARGET, "iscsi", lengths[i], "");
		BAD(ATTR_TARGET, "iscsi", lengths[i], "8k");
	}
	OK(ATTR_TARGET, "iscsi", "MaxRecvDataSegmentLength", "0x200");  /* iscsi-scst's form */
	BAD(ATTR_TARGET, "iscsi", "MaxOutstandingR2T", "0");
	OK(ATTR_TARGET, "iscsi", "MaxOutstandingR2T", "1");
	OK(ATTR_TARGET, "iscsi", "MaxOutstandingR2T", "65535");
	BAD(ATTR_TARGET, "iscsi", "MaxOutstandingR2T", "65536");
}

/* RFC 7143 13.1: a list of None and CRC32C; 13.10/13.11 booleans. */
static void test_iscsi_words(void **state)
{
	(void)state;
	OK(ATTR_TARGET, "iscsi", "HeaderDigest", "None");
	OK(ATTR_TARGET, "iscsi", "DataDigest", "CRC32C");
	OK(ATTR_TARGET, "iscsi", "HeaderDigest", "CRC32C,None");
	BAD(ATTR_TARGET, "iscsi", "HeaderDigest", "MD5");
	BAD(ATTR_TARGET, "iscsi", "HeaderDigest", "None,");
	BAD(ATTR_TARGET, "iscsi", "DataDigest", ",CRC32C");
	BAD(ATTR_TARGET, "iscsi", "DataDigest", "");
	OK(ATTR_TARGET, "iscsi", "InitialR2T", "Yes");
	OK(ATTR_TARGET, "iscsi", "ImmediateData", "No");
	BAD(ATTR_TARGET, "iscsi", "InitialR2T", "Maybe");
	BAD(ATTR_TARGET, "iscsi", "InitialR2T", "yes");          /* RFC 7143 values are case-sensitive */
}

/* The iSCSI keys are the iscsi driver's; another driver's target has no
 * such rule (its own store decides, e.g. refuses an unknown attribute). */
static void test_owner_and_scope(void **state)
{
	(void)state;
	NO_RULE(ATTR_TARGET, "scst_local", "MaxRecvDataSegmentLength", "1");
	NO_RULE(ATTR_DEVICE, NULL, "no_such_attribute", "1");
	NO_RULE(ATTR_DEVICE, "vdisk_fileio", "cmd_timeout", "5");
	OK(ATTR_DEVICE, "scst_user", "cmd_timeout", "5");
	BAD(ATTR_DEVICE, "scst_user", "cmd_timeout", "0");
	/* SPC-4: relative target port identifier 0 is reserved; SCST takes 0
	 * on a target for "pick one when enabled", not for a group's port. */
	OK(ATTR_TARGET, "iscsi", "rel_tgt_id", "0");
	OK(ATTR_TARGET, "iscsi", "rel_tgt_id", "65535");
	BAD(ATTR_TARGET, "iscsi", "rel_tgt_id", "65536");
	BAD(ATTR_TG_TARGET, NULL, "rel_tgt_id", "0");
	OK(ATTR_TG_TARGET, NULL, "rel_tgt_id", "1");
	/* read_only of a LUN and of a device: README.scst 0/1. */
	BAD(ATTR_LUN, NULL, "read_only", "yes");
	BAD(ATTR_DEVICE, NULL, "read_only", "2");
	OK(ATTR_LUN, NULL, "read_only", "1");
	/* README.scst: read_only is the LUN parameter; nothing else is one. */
	BAD(ATTR_LUN, NULL, "write_cache", "1");
	/* vdisk_rbd's location parameters name something. */
	BAD(ATTR_DEVICE, "vdisk_rbd", "pool", "");
	OK(ATTR_DEVICE, "vdisk_rbd", "image", "disk1");
	NO_RULE(ATTR_DEVICE, "vdisk_fileio", "pool", "");
	OK(ATTR_DRIVER, "iscsi", "iSNSServer", "isns.example:3205");
	OK(ATTR_DRIVER, "iscsi", "iSNSServer", "");
	BAD(ATTR_DRIVER, "iscsi", "iSNSServer", "two words");
	BAD(ATTR_DRIVER, "iscsi", "iSNSAccessControl", "Maybe");
}

/* README.scst: blocksize "a power of 2 and >= 512 bytes". */
static void test_device_values(void **state)
{
	char why[256];
	uint64_t bytes;
	uint32_t bs;
	int n;

	(void)state;
	OK(ATTR_DEVICE, "vdisk_fileio", "blocksize", "512");
	OK(ATTR_DEVICE, "vdisk_fileio", "blocksize", "4096");
	BAD(ATTR_DEVICE, "vdisk_fileio", "blocksize", "256");
	BAD(ATTR_DEVICE, "vdisk_fileio", "blocksize", "1000");
	BAD(ATTR_DEVICE, "vdisk_fileio", "blocksize", "4k");
	assert_true(attr_parse_block_size("2048", &bs));
	assert_int_equal(bs, 2048);
	BAD(ATTR_DEVICE, NULL, "filename", "disk.img");         /* README.scst: absolute */
	OK(ATTR_DEVICE, NULL, "filename", "/srv/disk.img");
	assert_true(attr_parse_size("3M", 1, &bytes));
	assert_int_equal(bytes, 3u << 20);
	assert_true(attr_parse_size("2", 1u << 20, &bytes));
	assert_int_equal(bytes, 2u << 20);
	BAD(ATTR_DEVICE, NULL, "size_mb", "12X");
	/* README.scst: size in bytes, size_mb in MiB; both given must agree. */
	assert_int_equal(attr_size_pair_check("16M", "16", why, sizeof(why)), 0);
	assert_int_equal(attr_size_pair_check("16777216", "16", why, sizeof(why)), 0);
	assert_int_equal(attr_size_pair_check("1048576", "16", why, sizeof(why)), -EINVAL);
	BAD(ATTR_DEVICE, NULL, "size", "-1");
	BAD(ATTR_DEVICE, NULL, "size", "20000000T");            /* beyond 2^64 bytes */
	/* SPC-4 6.6.1: PRODUCT IDENTIFICATION 16 bytes, PRODUCT REVISION LEVEL 4,
	 * T10 VENDOR IDENTIFICATION 8. */
	OK(ATTR_DEVICE, NULL, "prod_id", "ABCDEFGHIJKLMNOP");
	BAD(ATTR_DEVICE, NULL, "prod_id", "ABCDEFGHIJKLMNOPQ");
	BAD(ATTR_DEVICE, NULL, "prod_rev_lvl", "12345");
	BAD(ATTR_DEVICE, NULL, "t10_vend_id", "NINECHARS");
	BAD(ATTR_DEVICE, NULL, "t10_dev_id", "");                /* never empty */
	/* SPC-4 7.8.6.6: NAA 2, 3, 5 designators are 8 bytes, NAA 6 16. */
	OK(ATTR_DEVICE, NULL, "naa_id", "0x5000c50012345678");
	OK(ATTR_DEVICE, NULL, "naa_id", "60000000000000000000000000000001");
	BAD(ATTR_DEVICE, NULL, "naa_id", "0x1000c50012345678");
	BAD(ATTR_DEVICE, NULL, "naa_id", "0x1234");
	/* README.scst: threads_num any integer, threads_pool_type two words. */
	assert_true(attr_parse_int("-1", &n));
	assert_int_equal(n, -1);
	BAD(ATTR_DEVICE, NULL, "threads_num", "many");
	OK(ATTR_DEVICE, NULL, "threads_pool_type", "per_initiator");
	BAD(ATTR_DEVICE, NULL, "threads_pool_type", "shared ");
}

/* README.scst: io_grouping_type, addr_method, cpu_mask (the kernel's
 * bitmap_parse form: 32-bit hex groups, most significant first). */
static void test_acg_values(void **state)
{
	cpu_set_t set;

	(void)state;
	OK(ATTR_INI_GROUP, NULL, "io_grouping_type", "this_group_only");
	OK(ATTR_TARGET, "iscsi", "io_grouping_type", "7");
	BAD(ATTR_INI_GROUP, NULL, "io_grouping_type", "0");
	BAD(ATTR_TARGET, "iscsi", "io_grouping_type", "sometimes");
	OK(ATTR_TARGET, "iscsi", "addr_method", "Flat");        /* README.scst writes "Flat" */
	BAD(ATTR_INI_GROUP, NULL, "addr_method", "BOGUS");
	assert_true(attr_parse_cpu_mask("ff,00000000", &set));
	assert_int_equal(CPU_COUNT(&set), 8);
	assert_true(CPU_ISSET(32, &set) && CPU_ISSET(39, &set) && !CPU_ISSET(0, &set));
	assert_true(attr_parse_cpu_mask("1", &set));
	assert_true(CPU_ISSET(0, &set));
	BAD(ATTR_INI_GROUP, NULL, "cpu_mask", "0");             /* no CPU */
	BAD(ATTR_INI_GROUP, NULL, "cpu_mask", "xyz");
	BAD(ATTR_INI_GROUP, NULL, "cpu_mask", ",1");
	BAD(ATTR_INI_GROUP, NULL, "cpu_mask", "123456789");     /* 36 bits in one group */
}

/* README.scst-3.x ALUA; SPC-4 6.37: target port group 16 bits, 0 reserved. */
static void test_alua_values(void **state)
{
	static const char *const states[] = { "active", "nonoptimized", "standby",
					      "unavailable", "offline", "transitioning" };

	(void)state;
	for (size_t i = 0; i < 6; i++)
		OK(ATTR_TARGET_GROUP, NULL, "state", states[i]);
	BAD(ATTR_TARGET_GROUP, NULL, "state", "Active");
	BAD(ATTR_TARGET_GROUP, NULL, "group_id", "0");
	OK(ATTR_TARGET_GROUP, NULL, "group_id", "65535");
	BAD(ATTR_TARGET_GROUP, NULL, "group_id", "65536");
	OK(ATTR_DEVICE_GROUP, NULL, "tpgs", "both");
	BAD(ATTR_DEVICE_GROUP, NULL, "tpgs", "none");
	OK(ATTR_DEVICE_GROUP, NULL, "implicit_transition_time", "255");
	BAD(ATTR_DEVICE_GROUP, NULL, "implicit_transition_time", "256");
}

static void test_scst_values(void **state)
{
	(void)state;
	BAD(ATTR_SCST, NULL, "threads", "0");
	OK(ATTR_SCST, NULL, "threads", "1");
	BAD(ATTR_SCST, NULL, "threads", "999");
	OK(ATTR_SCST, NULL, "setup_id", "0xdeadbeef");
	OK(ATTR_SCST, NULL, "setup_id", "4294967295");
	BAD(ATTR_SCST, NULL, "setup_id", "4294967296");
	BAD(ATTR_SCST, NULL, "setup_id", "0x");
	BAD(ATTR_SCST, NULL, "measure_latency", "on");
}

struct reports {
	int lines[8];
	size_t n;
};

static void collect(void *ctx, const struct cfg_node *n, const char *why)
{
	struct reports *r = ctx;

	assert_non_null(why);
	if (r->n < 8)
		r->lines[r->n] = n->line;
	r->n++;
}

/* Every bad value of a file is reported at its line, in every scope. */
static void test_conf_every_bad_value(void **state)
{
	static const char text[] =
		"threads 999\n"                                          /* 1 */
		"HANDLER vdisk_fileio {\n"
		"\tDEVICE d { filename /x\n"
		"\t\tblocksize 1000\n"                                   /* 4 */
		"\t\tsize_mb 2\n"
		"\t\tsize 1M }\n"                                        /* 6: not size_mb's */
		"}\n"
		"TARGET_DRIVER iscsi {\n"
		"\tTARGET iqn.x:t {\n"
		"\t\tMaxBurstLength 511\n"                               /* 10 */
		"\t\tLUN 0 d { read_only 2 }\n"                          /* 11 */
		"\t\tGROUP g { cpu_mask q }\n"                           /* 12 */
		"\t}\n"
		"}\n"
		"DEVICE_GROUP dg { DEVICE d\n"
		"\tTARGET_GROUP tg { state up\n"                         /* 16 */
		"\t\tTARGET r { rel_tgt_id 0 } } }\n";                   /* 17 */
	static const int want[] = { 1, 4, 6, 10, 11, 12, 16, 17 };
	char err[2048];
	struct cfg_node *root = cfg_parse(text, strlen(text), err, sizeof(err));
	struct reports r = { .n = 0 };

	(void)state;
	assert_non_null(root);
	assert_int_equal(conf_check_structure(root, err, sizeof(err)), 0);
	assert_int_equal(conf_check_values(root, collect, &r), 8);
	assert_int_equal(r.n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(r.lines[i], want[i]);
	/* conf_check (what conf_apply runs first) refuses the file, naming
	 * each line. */
	assert_int_equal(conf_check(root, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1: threads"));
	assert_non_null(strstr(err, "line 17: rel_tgt_id"));
	cfg_free(root);
}

static void test_conf_good_values(void **state)
{
	static const char text[] =
		"threads 256\n"
		"HANDLER vdisk_nullio { DEVICE d { blocksize 65536\n size_mb 16 } }\n"
		"TARGET_DRIVER iscsi { TARGET iqn.x:t { MaxBurstLength 16777215\n"
		"  FirstBurstLength 512\n HeaderDigest None,CRC32C\n LUN 0 d } }\n"
		"TARGET_DRIVER scst_local { TARGET t { session_name s } }\n";
	char err[512];
	struct cfg_node *root = cfg_parse(text, strlen(text), err, sizeof(err));

	(void)state;
	assert_non_null(root);
	assert_int_equal(conf_check(root, err, sizeof(err)), 0);
	cfg_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iscsi_rfc7143_ranges),
		cmocka_unit_test(test_iscsi_words),
		cmocka_unit_test(test_owner_and_scope),
		cmocka_unit_test(test_device_values),
		cmocka_unit_test(test_acg_values),
		cmocka_unit_test(test_alua_values),
		cmocka_unit_test(test_scst_values),
		cmocka_unit_test(test_conf_every_bad_value),
		cmocka_unit_test(test_conf_good_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
