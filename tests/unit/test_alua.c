/* test_alua.c - asymmetric access (core/alua.c): which commands each
 * target port asymmetric access state lets through and the sense of the
 * rest, from SPC-4 5.16.2.4 (standby: 5.16.2.4.4, unavailable 5.16.2.4.5,
 * transitioning 5.16.2.4.6; sense codes from SPC-4 Annex F) with READ
 * CAPACITY in standby (SBC-3); and the device group model's rules: a
 * device in one device group, a port in one target group of a device
 * group, group ids 1..65535 and unique, README.scst-3.x's state names,
 * deleted devices and targets leaving their groups. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/alua.h"
#include "core/cdb.h"
#include "core/scst.h"
#include "handlers/vdisk.h"

enum { OK, STANDBY, UNAVAIL, TRANS };

struct state_case {
	const char *what;
	uint8_t cdb[16];
	unsigned cdb_len;
	int type;
	/* expected in standby, unavailable, offline, transitioning */
	int standby, unavailable, offline, transitioning;
};

static const struct state_case cases[] = {
	{ "INQUIRY", { 0x12, 0, 0, 0, 36 }, 6, 0, OK, OK, OK, OK },
	{ "REPORT LUNS", { 0xa0 }, 12, 0, OK, OK, OK, OK },
	{ "REQUEST SENSE", { 0x03, 0, 0, 0, 18 }, 6, 0, OK, OK, OK, OK },
	{ "REPORT TARGET PORT GROUPS", { 0xa3, 0x0a }, 12, 0, OK, OK, OK, OK },
	{ "SET TARGET PORT GROUPS", { 0xa4, 0x0a }, 12, 0, OK, OK, OK, TRANS },
	{ "MODE SENSE(6)", { 0x1a, 0, 0x3f, 0, 0xff }, 6, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "MODE SENSE(10)", { 0x5a }, 10, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "MODE SELECT(6)", { 0x15, 0x10 }, 6, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "MODE SELECT(10)", { 0x55, 0x10 }, 10, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "LOG SENSE", { 0x4d }, 10, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "PERSISTENT RESERVE IN", { 0x5e }, 10, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "PERSISTENT RESERVE OUT", { 0x5f }, 10, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "READ CAPACITY(10)", { 0x25 }, 10, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "READ CAPACITY(16)", { 0x9e, 0x10 }, 16, 0, OK, UNAVAIL, UNAVAIL, TRANS },
	{ "TEST UNIT READY", { 0x00 }, 6, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "READ(10)", { 0x28 }, 10, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "WRITE(10)", { 0x2a }, 10, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "SYNCHRONIZE CACHE(10)", { 0x35 }, 10, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "WRITE SAME(16)", { 0x93 }, 16, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "COMPARE AND WRITE", { 0x89 }, 16, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "START STOP UNIT", { 0x1b }, 6, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "REPORT SUPPORTED OPERATION CODES", { 0xa3, 0x0c }, 12, 0, STANDBY, UNAVAIL, UNAVAIL,
	  TRANS },
	/* Only the echo buffer modes are allowed; ours are data/descriptor. */
	{ "READ BUFFER mode 02h", { 0x3c, 0x02 }, 10, 0, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "READ(10) on a CD", { 0x28 }, 10, 5, STANDBY, UNAVAIL, UNAVAIL, TRANS },
	{ "INQUIRY on a CD", { 0x12, 0, 0, 0, 36 }, 6, 5, OK, OK, OK, OK },
};

/* NOT READY, LOGICAL UNIT NOT ACCESSIBLE, ... (SPC-4 Annex F): ASCQ 0Ah
 * asymmetric access state transition, 0Bh target port in standby
 * state, 0Ch target port in unavailable state. */
static void assert_outcome(const char *what, const char *state, enum scst_sense_id id, int want)
{
	static const uint8_t ascq[] = { [STANDBY] = 0x0b, [UNAVAIL] = 0x0c, [TRANS] = 0x0a };
	uint8_t key, asc, q;

	if (want == OK) {
		if (id != SCST_S_OK)
			fail_msg("%s in %s: refused, expected to run", what, state);
		return;
	}
	scst_sense_id_to_triple(id, &key, &asc, &q);
	if (key != SK_NOT_READY || asc != 0x04 || q != ascq[want])
		fail_msg("%s in %s: %x/%02x/%02x, expected 2/04/%02x", what, state, key, asc, q,
			 ascq[want]);
}

static void test_commands_per_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct state_case *c = &cases[i];
		const struct scst_opcode_desc *op = scst_find_opcode(c->cdb, c->cdb_len, c->type);

		if (!op)
			fail_msg("%s: not in the opcode table", c->what);
		assert_outcome(c->what, "active/optimized",
			       scst_alua_check_state(SCST_ALUA_OPTIMIZED, op->flags), OK);
		assert_outcome(c->what, "active/non-optimized",
			       scst_alua_check_state(SCST_ALUA_NONOPTIMIZED, op->flags), OK);
		assert_outcome(c->what, "standby",
			       scst_alua_check_state(SCST_ALUA_STANDBY, op->flags), c->standby);
		assert_outcome(c->what, "unavailable",
			       scst_alua_check_state(SCST_ALUA_UNAVAILABLE, op->flags),
			       c->unavailable);
		assert_outcome(c->what, "offline",
			       scst_alua_check_state(SCST_ALUA_OFFLINE, op->flags), c->offline);
		assert_outcome(c->what, "transitioning",
			       scst_alua_check_state(SCST_ALUA_TRANSITIONING, op->flags),
			       c->transitioning);
	}
}

/* UNIT ATTENTION, ASYMMETRIC ACCESS STATE CHANGED is 6/2A/06 (SPC-4). */
static void test_state_changed_sense(void **state)
{
	uint8_t key, asc, ascq;

	(void)state;
	scst_sense_id_to_triple(SCST_S_UA_ALUA_STATE_CHANGED, &key, &asc, &ascq);
	assert_int_equal(key, SK_UNIT_ATTENTION);
	assert_int_equal(asc, 0x2a);
	assert_int_equal(ascq, 0x06);
}

/* README.scst-3.x: "One of active, nonoptimized, standby, unavailable,
 * offline or transitioning"; the codes are SPC-4's. */
static void test_state_names(void **state)
{
	static const struct { const char *name; int code; } names[] = {
		{ "active", 0x0 }, { "nonoptimized", 0x1 }, { "standby", 0x2 },
		{ "unavailable", 0x3 }, { "offline", 0xe }, { "transitioning", 0xf },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(scst_alua_state_from_name(names[i].name), names[i].code);
		assert_string_equal(scst_alua_state_name((unsigned)names[i].code), names[i].name);
	}
	assert_int_equal(scst_alua_state_from_name("lba_dependent"), -1);
	assert_int_equal(scst_alua_state_from_name("Active"), -1);
	assert_null(scst_alua_state_name(0x4));
	assert_int_equal(scst_tpgs_from_name("both"), 3);
	assert_int_equal(scst_tpgs_from_name("none"), -1);
}

static struct scst_tgt *fake_add(const char *name)
{
	char err[256];

	return scst_add_target(scst_find_target_template("fake"), name, NULL, err, sizeof(err));
}

static struct scst_tgt_template fake_tt = { .name = "fake" };

static int setup(void **state)
{
	(void)state;
	if (vdisk_register_handlers(NULL) < 0 || scst_register_target_template(&fake_tt) < 0)
		return -1;
	return 0;
}

static void test_group_rules(void **state)
{
	struct scst_target_group *a, *b;
	struct scst_dev_group *dg1, *dg2;
	struct scst_tgt *t1, *t2;
	char err[256];
	uint16_t id;

	(void)state;
	assert_int_equal(scst_add_device("vdisk_nullio", "d1", NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(scst_add_device("vdisk_nullio", "d2", NULL, 0, err, sizeof(err)), 0);
	t1 = fake_add("t1");
	t2 = fake_add("t2");
	assert_non_null(t1);
	assert_non_null(t2);
	assert_int_equal(scst_dg_add("dg1", err, sizeof(err)), 0);
	assert_int_equal(scst_dg_add("dg1", err, sizeof(err)), -EEXIST);
	assert_int_equal(scst_dg_add("a/b", err, sizeof(err)), -EINVAL);
	assert_int_equal(scst_dg_add("dg2", err, sizeof(err)), 0);
	dg1 = scst_dg_find("dg1");
	dg2 = scst_dg_find("dg2");

	/* A device is in one device group. */
	assert_int_equal(scst_dg_dev_add(dg1, "d1", err, sizeof(err)), 0);
	assert_int_equal(scst_dg_dev_add(dg2, "d1", err, sizeof(err)), -EEXIST);
	assert_int_equal(scst_dg_dev_add(dg1, "nosuch", err, sizeof(err)), -ENOENT);

	/* A port is in one target group of a device group. */
	assert_int_equal(scst_tg_add(dg1, "a", err, sizeof(err)), 0);
	assert_int_equal(scst_tg_add(dg1, "b", err, sizeof(err)), 0);
	a = scst_tg_find(dg1, "a");
	b = scst_tg_find(dg1, "b");
	assert_int_equal(scst_tg_tgt_add(a, "t1", err, sizeof(err)), 0);
	assert_int_equal(scst_tg_tgt_add(b, "t1", err, sizeof(err)), -EEXIST);
	assert_int_equal(scst_tg_tgt_add(a, "t1", err, sizeof(err)), -EEXIST);
	assert_int_equal(scst_tg_tgt_add(b, "t2", err, sizeof(err)), 0);
	assert_int_equal(scst_tg_tgt_add(b, "remote", err, sizeof(err)), 0);
	/* ...but may be in a target group of another device group. */
	assert_int_equal(scst_tg_add(dg2, "a", err, sizeof(err)), 0);
	assert_int_equal(scst_tg_tgt_add(scst_tg_find(dg2, "a"), "t1", err, sizeof(err)), 0);

	/* Group ids: 1..65535, one per target group of a device group. */
	assert_int_equal(scst_tg_set_group_id(a, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(scst_tg_set_group_id(a, 65536, err, sizeof(err)), -EINVAL);
	assert_int_equal(scst_tg_set_group_id(a, 256, err, sizeof(err)), 0);
	assert_int_equal(scst_tg_set_group_id(b, 256, err, sizeof(err)), -EEXIST);
	assert_int_equal(scst_tg_set_group_id(b, 257, err, sizeof(err)), 0);
	assert_int_equal(scst_tg_tgt_set_rel_tgt_id(scst_tg_tgt_find(b, "remote"), 0, err,
						    sizeof(err)), -EINVAL);

	/* The port group a port reports in VPD page 0x83. */
	assert_true(scst_alua_port_group(scst_find_device("d1"), t1, &id));
	assert_int_equal(id, 256);
	assert_true(scst_alua_port_group(scst_find_device("d1"), t2, &id));
	assert_int_equal(id, 257);
	/* d2 is in no device group: the one implicit group. */
	assert_true(scst_alua_port_group(scst_find_device("d2"), t2, &id));
	assert_int_equal(id, SCST_TARGET_PORT_GROUP_ID);
	assert_int_equal(scst_tg_tgt_del(b, "t2", err, sizeof(err)), 0);
	assert_false(scst_alua_port_group(scst_find_device("d1"), t2, &id));

	/* TPGS: implicit by default, the device group's otherwise. */
	assert_int_equal(scst_alua_tpgs_bits(scst_find_device("d1")), 0x10);
	scst_dg_set_tpgs(dg1, SCST_TPGS_BOTH);
	assert_int_equal(scst_alua_tpgs_bits(scst_find_device("d1")), 0x30);
	assert_int_equal(scst_alua_tpgs_bits(scst_find_device("d2")), 0x10);

	/* A deleted local target leaves its target groups (SCST); a port of
	 * another node stays. */
	assert_int_equal(scst_tg_tgt_add(b, "t2", err, sizeof(err)), 0);
	assert_int_equal(scst_del_target(t2, err, sizeof(err)), 0);
	assert_null(scst_tg_tgt_find(b, "t2"));
	assert_non_null(scst_tg_tgt_find(b, "remote"));

	/* A deleted device leaves its group; the group can then be deleted. */
	assert_int_equal(scst_del_device("d1", err, sizeof(err)), 0);
	assert_true(list_empty(&dg1->devs));
	assert_int_equal(scst_dg_del("dg1", err, sizeof(err)), 0);
	assert_null(scst_dg_find("dg1"));
	assert_int_equal(scst_dg_del("dg1", err, sizeof(err)), -ENOENT);
	assert_int_equal(scst_dg_del("dg2", err, sizeof(err)), 0);
	assert_int_equal(scst_del_device("d2", err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_per_state),
		cmocka_unit_test(test_state_changed_sense),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_group_rules),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
