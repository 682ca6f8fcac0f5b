/* test_mgmt_tree.c - the management tree without a daemon: path
 * resolution, the name=value parameter parser against hostile input, the
 * error codes of refused commands, that a refused command changes nothing,
 * and the control socket's request parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/attr_rules.h"
#include "core/scst.h"
#include "handlers/vdisk.h"
#include "mgmt/cmd.h"
#include "mgmt/ctl_socket.h"
#include "mgmt/tree.h"

#define TGT "iqn.2026-11.test:t1"

/* A minimal target driver: targets with no transport behind them. */
static int fake_add_target(const char *name, const struct scst_kv *p, size_t n, char *err,
			   size_t errlen)
{
	(void)p;
	if (n)
		return snprintf(err, errlen, "no parameters"), -EINVAL;
	return scst_add_target(scst_find_target_template("fake"), name, NULL, err, errlen) ?
		       0 : -EINVAL;
}

static struct scst_tgt_template fake_tt = { .name = "fake", .add_target = fake_add_target };

static int setup(void **state)
{
	(void)state;
	if (vdisk_register_handlers(NULL) < 0 || scst_register_target_template(&fake_tt) < 0)
		return -1;
	return 0;
}

static char rbuf[65536];
static struct mgmt_buf out = { .p = rbuf, .cap = sizeof(rbuf) };
static char err[512];

static const char *rd(const char *path)
{
	int rc = mgmt_read(path, &out, err, sizeof(err));

	return rc == 0 ? rbuf : NULL;
}

static int wr(const char *path, const char *value)
{
	err[0] = '\0';
	return mgmt_write(path, value, err, sizeof(err));
}

/* A snapshot of every list and read in the parts of the tree we change. */
static void snapshot_cb(void *ctx, const char *name, enum mgmt_kind kind, bool w)
{
	struct mgmt_buf *b = ctx;

	mgmt_printf(b, "%s:%d:%d\n", name, kind, w);
}

static char *snapshot(void)
{
	static const char *dirs[] = { "devices", "handlers/vdisk_nullio", "targets/fake",
				      "targets/fake/" TGT "/luns",
				      "targets/fake/" TGT "/ini_groups", NULL };
	char *s = calloc(1, 65536);
	struct mgmt_buf b = { .p = s, .cap = 65536 };

	for (int i = 0; dirs[i]; i++) {
		mgmt_printf(&b, "[%s]\n", dirs[i]);
		mgmt_list(dirs[i], snapshot_cb, &b, err, sizeof(err));
	}
	return s;
}

static void test_paths(void **state)
{
	enum mgmt_kind kind;
	bool w;

	(void)state;
	assert_int_equal(mgmt_stat("", &kind, &w, err, sizeof(err)), 0);
	assert_int_equal(kind, MGMT_DIR);
	assert_int_equal(mgmt_stat("/handlers//vdisk_nullio/", &kind, &w, err, sizeof(err)), 0);
	assert_int_equal(kind, MGMT_DIR);
	assert_int_equal(mgmt_stat("handlers/vdisk_nullio/mgmt", &kind, &w, err, sizeof(err)), 0);
	assert_int_equal(kind, MGMT_MGMT);
	assert_true(w);
	assert_int_equal(mgmt_stat("version", &kind, &w, err, sizeof(err)), 0);
	assert_false(w);
	assert_int_equal(mgmt_stat("handlers/nope", &kind, &w, err, sizeof(err)), -ENOENT);
	assert_int_equal(mgmt_stat("version/x", &kind, &w, err, sizeof(err)), -ENOTDIR);
	assert_int_equal(mgmt_stat("handlers/..", &kind, &w, err, sizeof(err)), -ENOENT);
	assert_int_equal(mgmt_read("handlers", &out, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(rd("handlers/vdisk_nullio/mgmt"), "add_device device_name"));
	assert_int_equal(wr("version", "2"), -EACCES);
	assert_int_equal(mgmt_last_result(), -EACCES);
}

static void test_params(void **state)
{
	struct scst_kv kv[4];
	char s[128];

	(void)state;
	snprintf(s, sizeof(s), " a=1 ;b = x y; ;c=3;");
	assert_int_equal(mgmt_parse_params(s, kv, 4, err, sizeof(err)), 3);
	assert_string_equal(kv[1].key, "b");
	assert_string_equal(kv[1].value, "x y");
	static const char *bad[] = { "a", "=1", "a=", "a b=1", "a=1;a=2", "a=1;b=2;c=3;d=4;e=5",
				     "a-b=1", "a=1;;=", NULL };
	for (int i = 0; bad[i]; i++) {
		snprintf(s, sizeof(s), "%s", bad[i]);
		assert_int_equal(mgmt_parse_params(s, kv, 4, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
	}
	s[0] = '\0';
	assert_int_equal(mgmt_parse_params(s, kv, 4, err, sizeof(err)), 0);

	uint64_t v;
	assert_true(attr_parse_uint("16383", SCST_MAX_LUN, &v));
	assert_false(attr_parse_uint("16384", SCST_MAX_LUN, &v));
	assert_false(attr_parse_uint("-1", SCST_MAX_LUN, &v));
	assert_false(attr_parse_uint("1x", SCST_MAX_LUN, &v));
	assert_false(attr_parse_uint("99999999999999999999999", UINT64_MAX, &v));
	assert_false(attr_parse_uint("", SCST_MAX_LUN, &v));
}

static void test_device_lifecycle(void **state)
{
	(void)state;
	assert_int_equal(wr("handlers/vdisk_nullio/mgmt", "add_device m1 size_mb=10; blocksize=4096\n"),
			 0);
	assert_string_equal(rd("devices/m1/size_mb"), "10\n[key]\n");
	assert_string_equal(rd("devices/m1/blocksize"), "4096\n[key]\n");
	assert_string_equal(rd("devices/m1/read_only"), "0\n");
	assert_int_equal(mgmt_readlink("devices/m1/handler", &out, err, sizeof(err)), 0);
	assert_string_equal(rbuf, "../../handlers/vdisk_nullio");
	assert_int_equal(mgmt_readlink("handlers/vdisk_nullio/m1", &out, err, sizeof(err)), 0);
	assert_string_equal(rbuf, "../../devices/m1");
	assert_int_equal(mgmt_read("devices/m1/handler", &out, err, sizeof(err)), -EINVAL);

	assert_int_equal(wr("targets/fake/mgmt", "add_target " TGT), 0);
	assert_int_equal(wr("targets/fake/mgmt", "add_target " TGT), -EEXIST);
	assert_int_equal(wr("targets/fake/" TGT "/luns/mgmt", "add m1 2 read_only=1"), 0);
	/* Non-default: a [key] attribute (SysfsRules), so -write_config keeps it. */
	assert_string_equal(rd("targets/fake/" TGT "/luns/2/read_only"), "1\n[key]\n");
	assert_int_equal(mgmt_readlink("targets/fake/" TGT "/luns/2/device", &out, err,
				       sizeof(err)), 0);
	assert_string_equal(rbuf, "../../../../../devices/m1");
	assert_null(rd("targets/fake/" TGT "/luns/02"));
	/* README.scst: devices/<dev>/exported/ links each LUN of the device. */
	assert_int_equal(mgmt_readlink("devices/m1/exported/export0", &out, err, sizeof(err)), 0);
	assert_string_equal(rbuf, "../../../targets/fake/" TGT "/luns/2");
	/* SCST's del_device takes an exported device's LUNs with it. */
	assert_int_equal(wr("handlers/vdisk_nullio/mgmt", "del_device m1"), 0);
	assert_null(rd("targets/fake/" TGT "/luns/2/read_only"));
	assert_int_equal(wr("handlers/vdisk_nullio/mgmt", "add_device m1 size_mb=1"), 0);
	assert_int_equal(wr("targets/fake/" TGT "/luns/mgmt", "add m1 2 read_only=1"), 0);

	assert_int_equal(wr("targets/fake/" TGT "/ini_groups/mgmt", "create g1"), 0);
	assert_int_equal(wr("targets/fake/" TGT "/ini_groups/g1/initiators/mgmt", "add iqn.x:*"),
			 0);
	assert_string_equal(rd("targets/fake/" TGT "/ini_groups/g1/initiators/iqn.x:*"),
			    "iqn.x:*\n");
	assert_int_equal(wr("targets/fake/" TGT "/ini_groups/g1/luns/mgmt", "add m1 0"), 0);
	assert_int_equal(mgmt_readlink("targets/fake/" TGT "/ini_groups/g1/luns/0/device", &out,
				       err, sizeof(err)), 0);
	assert_string_equal(rbuf, "../../../../../../../devices/m1");
	assert_int_equal(wr("targets/fake/" TGT "/ini_groups/mgmt", "del g1"), 0);
	assert_int_equal(wr("targets/fake/" TGT "/enabled", "1"), 0);
	/* SCST's enabled carries no [key] (scst_tgt_enable_show). */
	assert_string_equal(rd("targets/fake/" TGT "/enabled"), "1\n");
	/* SCST: an enabled target takes an id no other target has. */
	assert_int_equal(wr("targets/fake/" TGT "/rel_tgt_id", "7"), 0);
	assert_string_equal(rd("targets/fake/" TGT "/rel_tgt_id"), "7\n[key]\n");
	/* SCST's enabled carries no [key] (scst_tgt_enable_show). */
	assert_string_equal(rd("targets/fake/" TGT "/enabled"), "1\n");
	assert_int_equal(wr("targets/fake/" TGT "/enabled", "0"), 0);
	assert_int_equal(wr("targets/fake/" TGT "/rel_tgt_id", "8"), 0);
	assert_string_equal(rd("targets/fake/" TGT "/rel_tgt_id"), "8\n[key]\n");

	assert_int_equal(wr("targets/fake/" TGT "/luns/mgmt", "del 2"), 0);
	assert_int_equal(wr("targets/fake/" TGT "/luns/mgmt", "del 2"), -ENOENT);
	assert_int_equal(wr("handlers/vdisk_nullio/mgmt", "del_device m1"), 0);
	assert_null(rd("devices/m1/size"));
	assert_int_equal(wr("targets/fake/mgmt", "del_target " TGT), 0);
}

/* Every refused command: the right code, a reason, and no change. */
static void test_refused_commands_change_nothing(void **state)
{
	static const struct {
		const char *path, *value;
		int rc;
	} bad[] = {
		{ "handlers/vdisk_nullio/mgmt", "", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "frobnicate x", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device m2 size_mb", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device m2 bogus=1", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device m2 size_mb=1;size_mb=2", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device m2 size_mb=1\x01", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device ../x size_mb=1", -EINVAL },
		{ "handlers/vdisk_nullio/mgmt", "add_device k1 size_mb=1", -EEXIST },
		{ "handlers/vdisk_nullio/mgmt", "del_device nothere", -ENOENT },
		{ "handlers/vdisk_nullio/mgmt", "del_device k1 extra", -EINVAL },
		{ "handlers/vdisk_fileio/mgmt", "del_device k1x", -ENOENT },
		{ "targets/fake/mgmt", "add_target " TGT, -EEXIST },
		{ "targets/fake/mgmt", "del_target nothere", -ENOENT },
		{ "targets/fake/mgmt", "add_target", -EINVAL },
		{ "targets/fake/" TGT "/luns/mgmt", "add k1", -EINVAL },
		{ "targets/fake/" TGT "/luns/mgmt", "add k1 16384", -EINVAL },
		{ "targets/fake/" TGT "/luns/mgmt", "add k1 -1", -EINVAL },
		{ "targets/fake/" TGT "/luns/mgmt", "add k1 0", -EEXIST },
		{ "targets/fake/" TGT "/luns/mgmt", "add nothere 5", -ENOENT },
		{ "targets/fake/" TGT "/luns/mgmt", "add k1 5 read_only=2", -EINVAL },
		{ "targets/fake/" TGT "/luns/mgmt", "add k1 5 rw=1", -EINVAL },
		{ "targets/fake/" TGT "/luns/mgmt", "del 9", -ENOENT },
		{ "targets/fake/" TGT "/luns/mgmt", "clear now", -EINVAL },
		{ "targets/fake/" TGT "/ini_groups/mgmt", "create", -EINVAL },
		{ "targets/fake/" TGT "/ini_groups/mgmt", "del nothere", -ENOENT },
		{ "targets/fake/" TGT "/enabled", "2", -EINVAL },
		{ "targets/fake/" TGT "/rel_tgt_id", "65536", -EINVAL },
		{ "setup_id", "0xzz", -EINVAL },
		{ "devices/k1/size", "1", -EACCES },
		{ "devices", "x", -EISDIR },
		{ "nothere/mgmt", "x", -ENOENT },
	};
	char *before, *after;

	(void)state;
	assert_int_equal(wr("handlers/vdisk_nullio/mgmt", "add_device k1 size_mb=1"), 0);
	assert_int_equal(wr("targets/fake/mgmt", "add_target " TGT), 0);
	assert_int_equal(wr("targets/fake/" TGT "/luns/mgmt", "add k1 0"), 0);
	before = snapshot();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wr(bad[i].path, bad[i].value);

		if (rc != bad[i].rc)
			fail_msg("%s <- '%s': %d, expected %d (%s)", bad[i].path, bad[i].value, rc,
				 bad[i].rc, err);
		assert_true(err[0] != '\0');
		assert_int_equal(mgmt_last_result(), bad[i].rc);
		after = snapshot();
		assert_string_equal(before, after);
		free(after);
	}
	free(before);
	assert_int_equal(wr("targets/fake/" TGT "/luns/mgmt", "clear"), 0);
	assert_int_equal(wr("targets/fake/mgmt", "del_target " TGT), 0);
	assert_int_equal(wr("handlers/vdisk_nullio/mgmt", "del_device k1"), 0);
}

static void test_ctl_protocol(void **state)
{
	char line[256], reply[4096];
	size_t n;

	(void)state;
	snprintf(line, sizeof(line), "read version");
	n = ctl_handle_line(line, reply, sizeof(reply));
	assert_true(n > 0);
	/* SCST's scstadmin (SCST.pm) parses the first \d+.\d+.\d+ of this
	 * file and requires at least 2.0.0; scstd shows the SCST 3.x
	 * interface it implements (README.scst-3.x: 3.11.0-pre). */
	reply[n] = '\0';
	assert_non_null(strstr(reply, "\n3.11.0\n"));
	assert_int_equal(strncmp(reply, "ok ", 3), 0);
	snprintf(line, sizeof(line), "list /");
	ctl_handle_line(line, reply, sizeof(reply));
	assert_non_null(strstr(reply, "\nhandlers/\n"));
	static const struct {
		const char *req, *reply;
	} bad[] = {
		{ "", "err EINVAL empty request\n" },
		{ "frob /", "err EINVAL unknown request" },
		{ "read", "err EINVAL path missing\n" },
		{ "read version extra", "err EINVAL read takes only a path\n" },
		{ "read nothere", "err ENOENT 'nothere': no such entry\n" },
		{ "readlink version", "err EINVAL 'version': not a symlink\n" },
		{ "write version 1", "err EACCES 'version': read-only\n" },
		{ "read \x1b[2J", "err EINVAL control character 0x1b" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s", bad[i].req);
		n = ctl_handle_line(line, reply, sizeof(reply));
		reply[n] = '\0';
		assert_true(strncmp(reply, bad[i].reply, strlen(bad[i].reply)) == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_device_lifecycle),
		cmocka_unit_test(test_refused_commands_change_nothing),
		cmocka_unit_test(test_ctl_protocol),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
