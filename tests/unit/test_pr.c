/* test_pr.c - persistent reservations: the state machine (pr.c) for every
 * service action and reservation type (ALL_TG_PT and REGISTER AND MOVE
 * included), the conflict rules (pr.c and the SPC-2 side in reserve.c),
 * the state file (pr_store.c): round trip, atomic save/load, and
 * malformed files rejected; and PERSISTENT RESERVE OUT/IN as commands
 * (pr_cmd.c) for the exact sense of each REGISTER AND MOVE check and the
 * roll-back of a command whose state cannot be saved. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/pr.h"
#include "core/scst.h"
#include "core/scst_priv.h"
#include "util/iscsi_tid.h"

static const struct scst_pr_nexus A = { "iqn.test:a", 1 };
static const struct scst_pr_nexus B = { "iqn.test:b", 1 };
static const struct scst_pr_nexus C = { "iqn.test:c", 1 };      /* never registers */
static const struct scst_pr_nexus A2 = { "iqn.test:a", 2 };     /* A via another port */

struct note {
	char initiator[SCST_NAME_MAX];
	enum scst_sense_id ua;
};

struct notes {
	struct note n[16];
	unsigned count;
};

static void record(void *ctx, const struct scst_pr_reg *reg, enum scst_sense_id ua)
{
	struct notes *nt = ctx;

	assert_true(nt->count < 16);
	snprintf(nt->n[nt->count].initiator, SCST_NAME_MAX, "%s", reg->initiator);
	nt->n[nt->count++].ua = ua;
}

static enum scst_sense_id out_p(struct scst_pr *pr, const struct scst_pr_nexus *nx,
				const struct scst_pr_out_params *p, struct notes *nt)
{
	static struct notes scratch;

	return scst_pr_out_action(pr, nx, p, record, nt ? nt : &scratch);
}

static enum scst_sense_id out(struct scst_pr *pr, const struct scst_pr_nexus *nx, unsigned sa,
			      unsigned type, uint64_t key, uint64_t sa_key, struct notes *nt)
{
	struct scst_pr_out_params p = { .sa = sa, .type = type, .key = key, .sa_key = sa_key,
					.can_persist = true };

	return out_p(pr, nx, &p, nt);
}

/* REGISTER or REGISTER AND IGNORE EXISTING KEY with ALL_TG_PT. */
static enum scst_sense_id out_all(struct scst_pr *pr, const struct scst_pr_nexus *nx, unsigned sa,
				  uint64_t key, uint64_t sa_key, struct notes *nt)
{
	struct scst_pr_out_params p = { .sa = sa, .key = key, .sa_key = sa_key,
					.all_tg_pt = true, .can_persist = true };

	return out_p(pr, nx, &p, nt);
}

static enum scst_sense_id spec(struct scst_pr *pr, const struct scst_pr_nexus *nx, uint64_t key,
			       uint64_t sa_key, bool all_tg_pt, const struct scst_pr_tid *tids,
			       unsigned n)
{
	struct scst_pr_out_params p = { .sa = SCST_PR_REGISTER, .key = key, .sa_key = sa_key,
					.all_tg_pt = all_tg_pt, .can_persist = true };

	return scst_pr_register_spec(pr, nx, &p, tids, n);
}

static void test_register(void **state)
{
	struct scst_pr pr;

	(void)state;
	scst_pr_state_init(&pr);
	/* Unregistered with a non-zero current key: conflict. */
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 5, 0x11, NULL), SCST_PR_CONFLICT);
	/* Unregistered, zero service action key: success, nothing changes. */
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.generation, 0);
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0, 0x11, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 1);
	assert_int_equal(pr.generation, 1);
	/* Wrong current key: conflict; IGNORE EXISTING KEY does not care. */
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0x99, 0x12, NULL), SCST_PR_CONFLICT);
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER_AND_IGNORE, 0, 0x99, 0x12, NULL),
			 SCST_S_OK);
	assert_int_equal(scst_pr_find_reg(&pr, &A)->key, 0x12);
	/* The same initiator through another target port is another nexus. */
	assert_null(scst_pr_find_reg(&pr, &A2));
	assert_int_equal(out(&pr, &A2, SCST_PR_REGISTER, 0, 0, 0x13, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 2);
	/* Unregister. */
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0x12, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 1);
	assert_int_equal(pr.generation, 4);
	/* APTPL where nothing can persist is refused. */
	{
		struct scst_pr_out_params p = { .sa = SCST_PR_REGISTER, .sa_key = 7, .aptpl = true };

		assert_int_equal(out_p(&pr, &B, &p, NULL), SCST_S_INVALID_FIELD_IN_PARAM);
	}
	scst_pr_state_clear(&pr);
}

/* SPC-4 5.9.7: a device out of registration slots answers ILLEGAL REQUEST,
 * INSUFFICIENT REGISTRATION RESOURCES, and keeps what it had. */
static void test_register_table_full(void **state)
{
	struct scst_pr pr;
	char name[64];
	struct scst_pr_nexus nx = { name, 1 };
	uint8_t key, asc, ascq;

	(void)state;
	scst_pr_state_init(&pr);
	for (unsigned i = 0; i < SCST_PR_MAX_REGS; i++) {
		snprintf(name, sizeof(name), "iqn.test:full-%u", i);
		assert_int_equal(out(&pr, &nx, SCST_PR_REGISTER, 0, 0, 0x100 + i, NULL), SCST_S_OK);
	}
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0, 0x11, NULL),
			 SCST_S_INSUFFICIENT_REG_RESOURCES);
	assert_int_equal(pr.nregs, SCST_PR_MAX_REGS);
	assert_null(scst_pr_find_reg(&pr, &A));
	scst_sense_id_to_triple(SCST_S_INSUFFICIENT_REG_RESOURCES, &key, &asc, &ascq);
	assert_int_equal(key, 0x05);
	assert_int_equal(asc, 0x55);
	assert_int_equal(ascq, 0x04);
	scst_pr_state_clear(&pr);
}

/* Registers A (key 0xa) and B (key 0xb), A reserves with type. */
static void setup_reserved(struct scst_pr *pr, unsigned type)
{
	scst_pr_state_init(pr);
	assert_int_equal(out(pr, &A, SCST_PR_REGISTER, 0, 0, 0xa, NULL), SCST_S_OK);
	assert_int_equal(out(pr, &B, SCST_PR_REGISTER, 0, 0, 0xb, NULL), SCST_S_OK);
	assert_int_equal(out(pr, &A, SCST_PR_RESERVE, type, 0xa, 0, NULL), SCST_S_OK);
	assert_int_equal(pr->type, type);
}

/* Expected access of a registered other nexus (B) and an unregistered
 * one (C): read, write. */
static void check_access(unsigned type, bool b_read, bool b_write, bool c_read, bool c_write)
{
	struct scst_pr pr;

	setup_reserved(&pr, type);
	assert_true(scst_pr_allowed(&pr, &A, SCST_RESV_READ));
	assert_true(scst_pr_allowed(&pr, &A, SCST_RESV_WRITE));
	assert_int_equal(scst_pr_allowed(&pr, &B, SCST_RESV_READ), b_read);
	assert_int_equal(scst_pr_allowed(&pr, &B, SCST_RESV_WRITE), b_write);
	assert_int_equal(scst_pr_allowed(&pr, &C, SCST_RESV_READ), c_read);
	assert_int_equal(scst_pr_allowed(&pr, &C, SCST_RESV_WRITE), c_write);
	/* INQUIRY and friends, and PR commands themselves, always pass. */
	assert_true(scst_pr_allowed(&pr, &C, SCST_RESV_ALWAYS));
	assert_true(scst_pr_allowed(&pr, &C, SCST_RESV_PR));
	/* SPC-2 RESERVE conflicts while registrations exist. */
	assert_false(scst_pr_allowed(&pr, &C, SCST_RESV_RESERVE));
	scst_pr_state_clear(&pr);
}

static void test_access_rules(void **state)
{
	(void)state;
	check_access(SCST_PR_TYPE_WE, true, false, true, false);
	check_access(SCST_PR_TYPE_EA, false, false, false, false);
	check_access(SCST_PR_TYPE_WE_RO, true, true, true, false);
	check_access(SCST_PR_TYPE_EA_RO, true, true, false, false);
	check_access(SCST_PR_TYPE_WE_AR, true, true, true, false);
	check_access(SCST_PR_TYPE_EA_AR, true, true, false, false);
}

static void test_reserve_release(void **state)
{
	struct scst_pr pr;
	struct notes nt = { 0 };

	(void)state;
	setup_reserved(&pr, SCST_PR_TYPE_EA_RO);
	/* Another registrant cannot reserve; the holder may repeat. */
	assert_int_equal(out(&pr, &B, SCST_PR_RESERVE, SCST_PR_TYPE_EA_RO, 0xb, 0, NULL),
			 SCST_PR_CONFLICT);
	assert_int_equal(out(&pr, &A, SCST_PR_RESERVE, SCST_PR_TYPE_EA_RO, 0xa, 0, NULL),
			 SCST_S_OK);
	assert_int_equal(out(&pr, &A, SCST_PR_RESERVE, SCST_PR_TYPE_WE, 0xa, 0, NULL),
			 SCST_PR_CONFLICT);
	/* Unregistered nexus or wrong key: conflict. */
	assert_int_equal(out(&pr, &C, SCST_PR_RELEASE, SCST_PR_TYPE_EA_RO, 0, 0, NULL),
			 SCST_PR_CONFLICT);
	assert_int_equal(out(&pr, &A, SCST_PR_RELEASE, SCST_PR_TYPE_EA_RO, 0xb, 0, NULL),
			 SCST_PR_CONFLICT);
	/* A non-holder's release does nothing; a wrong type is an error. */
	assert_int_equal(out(&pr, &B, SCST_PR_RELEASE, SCST_PR_TYPE_EA_RO, 0xb, 0, NULL),
			 SCST_S_OK);
	assert_int_equal(pr.type, SCST_PR_TYPE_EA_RO);
	assert_int_equal(out(&pr, &A, SCST_PR_RELEASE, SCST_PR_TYPE_EA, 0xa, 0, NULL),
			 SCST_S_INVALID_RELEASE_OF_PR);
	assert_int_equal(out(&pr, &A, SCST_PR_RELEASE, SCST_PR_TYPE_EA_RO, 0xa, 0, &nt),
			 SCST_S_OK);
	assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	/* Registrants-only release is news to the other registrants. */
	assert_int_equal(nt.count, 1);
	assert_string_equal(nt.n[0].initiator, B.initiator);
	assert_int_equal(nt.n[0].ua, SCST_S_UA_RESERVATIONS_RELEASED);
	assert_int_equal(pr.generation, 2);     /* RESERVE/RELEASE do not count */
	scst_pr_state_clear(&pr);
}

static void test_unregister_holder(void **state)
{
	struct scst_pr pr;

	(void)state;
	/* The holder of a single-holder reservation takes it along. */
	setup_reserved(&pr, SCST_PR_TYPE_WE_RO);
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0xa, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	scst_pr_state_clear(&pr);
	/* All-registrants: it stays while anyone is registered. */
	setup_reserved(&pr, SCST_PR_TYPE_EA_AR);
	assert_null(pr.holder);
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0xa, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.type, SCST_PR_TYPE_EA_AR);
	assert_int_equal(out(&pr, &B, SCST_PR_RELEASE, SCST_PR_TYPE_EA_AR, 0xb, 0, NULL),
			 SCST_S_OK);
	assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	scst_pr_state_clear(&pr);
}

static void test_preempt(void **state)
{
	struct scst_pr pr;
	struct notes nt = { 0 };
	uint32_t gen;

	(void)state;
	/* Without a reservation: B preempts A's registration. */
	scst_pr_state_init(&pr);
	out(&pr, &A, SCST_PR_REGISTER, 0, 0, 0xa, NULL);
	out(&pr, &B, SCST_PR_REGISTER, 0, 0, 0xb, NULL);
	gen = pr.generation;
	assert_int_equal(out(&pr, &B, SCST_PR_PREEMPT, SCST_PR_TYPE_EA, 0xb, 0xa, &nt), SCST_S_OK);
	assert_int_equal(pr.nregs, 1);
	assert_int_equal(pr.generation, gen + 1);
	assert_int_equal(nt.count, 1);
	assert_string_equal(nt.n[0].initiator, A.initiator);
	assert_int_equal(nt.n[0].ua, SCST_S_UA_REGISTRATIONS_PREEMPTED);
	assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	/* A key nobody holds: conflict; key zero: invalid field. */
	assert_int_equal(out(&pr, &B, SCST_PR_PREEMPT, SCST_PR_TYPE_EA, 0xb, 0x77, NULL),
			 SCST_PR_CONFLICT);
	assert_int_equal(out(&pr, &B, SCST_PR_PREEMPT, SCST_PR_TYPE_EA, 0xb, 0, NULL),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	scst_pr_state_clear(&pr);

	/* The holder's key: the reservation moves to the preempter. */
	setup_reserved(&pr, SCST_PR_TYPE_WE);
	memset(&nt, 0, sizeof(nt));
	assert_int_equal(out(&pr, &B, SCST_PR_PREEMPT_AND_ABORT, SCST_PR_TYPE_EA, 0xb, 0xa, &nt),
			 SCST_S_OK);
	assert_int_equal(pr.type, SCST_PR_TYPE_EA);
	assert_ptr_equal(pr.holder, scst_pr_find_reg(&pr, &B));
	assert_null(scst_pr_find_reg(&pr, &A));
	assert_false(scst_pr_allowed(&pr, &A, SCST_RESV_READ));
	scst_pr_state_clear(&pr);

	/* All-registrants with key zero: everyone else goes. */
	setup_reserved(&pr, SCST_PR_TYPE_WE_AR);
	assert_int_equal(out(&pr, &B, SCST_PR_PREEMPT, SCST_PR_TYPE_WE, 0xb, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 1);
	assert_int_equal(pr.type, SCST_PR_TYPE_WE);
	assert_ptr_equal(pr.holder, scst_pr_find_reg(&pr, &B));
	scst_pr_state_clear(&pr);
}

static void test_clear(void **state)
{
	struct scst_pr pr;
	struct notes nt = { 0 };

	(void)state;
	setup_reserved(&pr, SCST_PR_TYPE_EA);
	assert_int_equal(out(&pr, &C, SCST_PR_CLEAR, 0, 0, 0, NULL), SCST_PR_CONFLICT);
	assert_int_equal(out(&pr, &B, SCST_PR_CLEAR, 0, 0xb, 0, &nt), SCST_S_OK);
	assert_int_equal(pr.nregs, 0);
	assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	assert_int_equal(pr.generation, 3);
	assert_int_equal(nt.count, 1);
	assert_int_equal(nt.n[0].ua, SCST_S_UA_RESERVATIONS_PREEMPTED);
	scst_pr_state_clear(&pr);
}

/* ---- ALL_TG_PT ------------------------------------------------------------ */

static void test_all_tg_pt_register(void **state)
{
	struct scst_pr pr;
	struct scst_pr_reg *reg;

	(void)state;
	scst_pr_state_init(&pr);
	assert_int_equal(out_all(&pr, &A, SCST_PR_REGISTER, 0, 0x11, NULL), SCST_S_OK);
	/* One registration, for A through every port, present or future. */
	assert_int_equal(pr.nregs, 1);
	reg = scst_pr_find_reg(&pr, &A);
	assert_non_null(reg);
	assert_true(reg->all_tg_pt);
	assert_ptr_equal(scst_pr_find_reg(&pr, &A2), reg);
	assert_ptr_equal(scst_pr_find_reg(&pr, &(struct scst_pr_nexus){ "IQN.TEST:A", 77 }), reg);
	assert_null(scst_pr_find_reg(&pr, &B));
	/* Through port 2 A is registered: it reserves with the key, and is
	 * the holder through port 1 too. */
	assert_int_equal(out(&pr, &A2, SCST_PR_RESERVE, SCST_PR_TYPE_WE, 0x11, 0, NULL), SCST_S_OK);
	assert_true(scst_pr_allowed(&pr, &A, SCST_RESV_WRITE));
	assert_false(scst_pr_allowed(&pr, &B, SCST_RESV_WRITE));
	/* A new key through either port is the key of both. */
	assert_int_equal(out(&pr, &A2, SCST_PR_REGISTER, 0, 0x11, 0x12, NULL), SCST_S_OK);
	assert_int_equal(scst_pr_find_reg(&pr, &A)->key, 0x12);
	/* Unregistering through any port removes it for all. */
	assert_int_equal(out(&pr, &A2, SCST_PR_REGISTER, 0, 0x12, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 0);
	assert_null(scst_pr_find_reg(&pr, &A));
	assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	assert_int_equal(pr.generation, 3);
	scst_pr_state_clear(&pr);
}

static void test_all_tg_pt_other_ports(void **state)
{
	struct scst_pr pr;
	struct scst_pr_reg *reg;
	uint32_t gen;

	(void)state;
	/* A registered through port 2 only: REGISTER with ALL_TG_PT through
	 * port 1 would register port 2 with key zero -- a conflict, nothing
	 * changes. */
	scst_pr_state_init(&pr);
	assert_int_equal(out(&pr, &A2, SCST_PR_REGISTER, 0, 0, 0x22, NULL), SCST_S_OK);
	assert_int_equal(out(&pr, &A2, SCST_PR_RESERVE, SCST_PR_TYPE_EA, 0x22, 0, NULL), SCST_S_OK);
	gen = pr.generation;
	assert_int_equal(out_all(&pr, &A, SCST_PR_REGISTER, 0, 0x11, NULL), SCST_PR_CONFLICT);
	assert_int_equal(pr.nregs, 1);
	assert_int_equal(pr.generation, gen);
	/* REGISTER AND IGNORE EXISTING KEY takes the port 2 registration
	 * over, the reservation it holds with it. */
	assert_int_equal(out_all(&pr, &A, SCST_PR_REGISTER_AND_IGNORE, 0, 0x11, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 1);
	reg = scst_pr_find_reg(&pr, &A2);
	assert_true(reg->all_tg_pt);
	assert_int_equal(reg->key, 0x11);
	assert_ptr_equal(pr.holder, reg);
	assert_int_equal(pr.type, SCST_PR_TYPE_EA);
	scst_pr_state_clear(&pr);

	/* Registered through both ports one by one: unregistering with
	 * ALL_TG_PT through one drops both. */
	scst_pr_state_init(&pr);
	assert_int_equal(out(&pr, &A, SCST_PR_REGISTER, 0, 0, 0x1, NULL), SCST_S_OK);
	assert_int_equal(out(&pr, &A2, SCST_PR_REGISTER, 0, 0, 0x2, NULL), SCST_S_OK);
	assert_int_equal(out(&pr, &B, SCST_PR_REGISTER, 0, 0, 0xb, NULL), SCST_S_OK);
	assert_int_equal(out_all(&pr, &A, SCST_PR_REGISTER, 0x1, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 1);
	assert_null(scst_pr_find_initiator(&pr, A.initiator));
	scst_pr_state_clear(&pr);
}

static void test_all_tg_pt_spec_i_pt(void **state)
{
	struct scst_pr pr;
	struct scst_pr_tid tids[1] = { { "iqn.test:b" } };
	const struct scst_pr_nexus b2 = { "iqn.test:b", 2 };

	(void)state;
	scst_pr_state_init(&pr);
	/* B registered through port 2: with ALL_TG_PT, naming B conflicts. */
	assert_int_equal(out(&pr, &b2, SCST_PR_REGISTER, 0, 0, 0xb, NULL), SCST_S_OK);
	assert_int_equal(spec(&pr, &A, 0, 0x11, true, tids, 1), SCST_PR_CONFLICT);
	assert_int_equal(pr.nregs, 1);
	/* Without ALL_TG_PT it names B on port 1 only: no conflict. */
	assert_int_equal(spec(&pr, &A, 0, 0x11, false, tids, 1), SCST_S_OK);
	assert_int_equal(pr.nregs, 3);
	assert_false(scst_pr_find_reg(&pr, &A)->all_tg_pt);
	scst_pr_state_clear(&pr);

	/* With ALL_TG_PT the issuer and the named initiator register through
	 * every port. */
	scst_pr_state_init(&pr);
	assert_int_equal(spec(&pr, &A, 0, 0x11, true, tids, 1), SCST_S_OK);
	assert_int_equal(pr.nregs, 2);
	assert_true(scst_pr_find_reg(&pr, &b2)->all_tg_pt);
	assert_non_null(scst_pr_find_reg(&pr, &A2));
	/* An issuer registered through another port counts as registered. */
	assert_int_equal(spec(&pr, &(struct scst_pr_nexus){ "iqn.test:b", 3 }, 0, 0x12, true,
			      tids, 0), SCST_S_INVALID_FIELD_IN_CDB);
	scst_pr_state_clear(&pr);
}

/* ---- REGISTER AND MOVE ------------------------------------------------------ */

static enum scst_sense_id move(struct scst_pr *pr, const struct scst_pr_nexus *nx, uint64_t key,
			       uint64_t sa_key, const struct scst_pr_nexus *dest, bool unreg,
			       uint32_t *bad)
{
	struct scst_pr_out_params p = { .sa = SCST_PR_REGISTER_AND_MOVE, .key = key,
					.sa_key = sa_key, .can_persist = true };

	*bad = 0;
	return scst_pr_register_move(pr, nx, &p, dest, unreg, bad);
}

static void test_register_move(void **state)
{
	static const struct scst_pr_nexus C2 = { "iqn.test:c", 2 };
	struct scst_pr pr;
	uint32_t bad, gen;

	(void)state;
	setup_reserved(&pr, SCST_PR_TYPE_WE);
	gen = pr.generation;
	/* Only the holder, with its key, may move. */
	assert_int_equal(move(&pr, &C, 0, 0xc, &C2, false, &bad), SCST_PR_CONFLICT);
	assert_int_equal(move(&pr, &A, 0xb, 0xc, &C2, false, &bad), SCST_PR_CONFLICT);
	assert_int_equal(move(&pr, &B, 0xb, 0xc, &C2, false, &bad), SCST_PR_CONFLICT);
	/* Key zero: INVALID FIELD IN PARAMETER LIST at byte 8. */
	assert_int_equal(move(&pr, &A, 0xa, 0, &C2, false, &bad), SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 8);
	/* To the issuer's own I_T nexus: at byte 24 (the TransportID). */
	assert_int_equal(move(&pr, &A, 0xa, 0xc, &A, false, &bad), SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 24);
	assert_int_equal(pr.generation, gen);
	assert_int_equal(pr.nregs, 2);

	/* A moves to C through port 2, which it registers with the key. */
	assert_int_equal(move(&pr, &A, 0xa, 0xc, &C2, false, &bad), SCST_S_OK);
	assert_int_equal(pr.nregs, 3);
	assert_ptr_equal(pr.holder, scst_pr_find_reg(&pr, &C2));
	assert_int_equal(pr.holder->key, 0xc);
	assert_int_equal(pr.type, SCST_PR_TYPE_WE);
	assert_int_equal(pr.generation, gen + 1);
	assert_non_null(scst_pr_find_reg(&pr, &A));
	assert_false(scst_pr_allowed(&pr, &A, SCST_RESV_WRITE));
	assert_true(scst_pr_allowed(&pr, &C2, SCST_RESV_WRITE));
	/* C moves on to the registered B, with UNREG: B gets the new key,
	 * C's registration goes. */
	assert_int_equal(move(&pr, &C2, 0xc, 0xbb, &B, true, &bad), SCST_S_OK);
	assert_int_equal(pr.nregs, 2);
	assert_null(scst_pr_find_reg(&pr, &C2));
	assert_ptr_equal(pr.holder, scst_pr_find_reg(&pr, &B));
	assert_int_equal(pr.holder->key, 0xbb);

	/* No reservation: INVALID FIELD IN CDB. */
	assert_int_equal(out(&pr, &B, SCST_PR_RELEASE, SCST_PR_TYPE_WE, 0xbb, 0, NULL), SCST_S_OK);
	assert_int_equal(move(&pr, &B, 0xbb, 0xc, &C2, false, &bad), SCST_S_INVALID_FIELD_IN_CDB);
	/* All-registrants reservations have no single holder to move. */
	assert_int_equal(out(&pr, &B, SCST_PR_RESERVE, SCST_PR_TYPE_EA_AR, 0xbb, 0, NULL),
			 SCST_S_OK);
	assert_int_equal(move(&pr, &B, 0xbb, 0xc, &C2, false, &bad), SCST_PR_CONFLICT);
	assert_int_equal(pr.nregs, 2);
	scst_pr_state_clear(&pr);

	/* An ALL_TG_PT holder moving to itself through another port is its
	 * own registration: INVALID FIELD IN PARAMETER LIST. */
	scst_pr_state_init(&pr);
	assert_int_equal(out_all(&pr, &A, SCST_PR_REGISTER, 0, 0xa, NULL), SCST_S_OK);
	assert_int_equal(out(&pr, &A, SCST_PR_RESERVE, SCST_PR_TYPE_EA, 0xa, 0, NULL), SCST_S_OK);
	assert_int_equal(move(&pr, &A, 0xa, 0xc, &A2, false, &bad), SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 24);
	scst_pr_state_clear(&pr);

	/* A registration of its own through one port may move to the same
	 * initiator through another: a different I_T nexus. */
	setup_reserved(&pr, SCST_PR_TYPE_EA);
	assert_int_equal(move(&pr, &A, 0xa, 0xa2, &A2, true, &bad), SCST_S_OK);
	assert_ptr_equal(pr.holder, scst_pr_find_reg(&pr, &A2));
	assert_null(scst_pr_find_reg(&pr, &A));
	scst_pr_state_clear(&pr);
}

static void test_state_copy_move(void **state)
{
	struct scst_pr pr, saved;

	(void)state;
	setup_reserved(&pr, SCST_PR_TYPE_WE_RO);
	scst_pr_state_init(&saved);
	assert_true(scst_pr_state_copy(&saved, &pr));
	assert_int_equal(saved.nregs, 2);
	assert_string_equal(saved.holder->initiator, A.initiator);
	assert_ptr_not_equal(saved.holder, pr.holder);
	/* Change the live state, then put the copy back. */
	assert_int_equal(out(&pr, &B, SCST_PR_CLEAR, 0, 0xb, 0, NULL), SCST_S_OK);
	assert_int_equal(pr.nregs, 0);
	scst_pr_state_move(&pr, &saved);
	assert_int_equal(pr.nregs, 2);
	assert_int_equal(pr.type, SCST_PR_TYPE_WE_RO);
	assert_ptr_equal(pr.holder, scst_pr_find_reg(&pr, &A));
	assert_int_equal(pr.generation, 2);
	assert_int_equal(saved.nregs, 0);
	assert_true(list_empty(&saved.regs));
	scst_pr_state_clear(&pr);
}

/* ---- SPC-2 reservations through the core's check step ------------------ */

struct fake {
	struct scst_tgt tgt;
	struct scst_device dev;
	struct scst_session s1, s2;
	struct scst_pr pr;
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->tgt.rel_tgt_id = 1;
	pthread_mutex_init(&f->dev.lock, NULL);
	list_init(&f->dev.tgt_devs);
	scst_pr_state_init(&f->pr);
	f->dev.pr = &f->pr;
	f->s1.tgt = f->s2.tgt = &f->tgt;
	snprintf(f->s1.initiator_name, SCST_NAME_MAX, "%s", A.initiator);
	snprintf(f->s2.initiator_name, SCST_NAME_MAX, "%s", B.initiator);
}

static bool allowed(struct fake *f, struct scst_session *s, uint8_t opcode)
{
	struct scst_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.dev = &f->dev;
	cmd.sess = s;
	cmd.cdb[0] = opcode;
	cmd.cdb_len = 10;
	cmd.op = scst_find_opcode(cmd.cdb, cmd.cdb_len, 0);
	assert_non_null(cmd.op);
	if (scst_check_reservation(&cmd))
		return true;
	assert_int_equal(cmd.status, SAM_STAT_RESERVATION_CONFLICT);
	return false;
}

static void run(struct fake *f, struct scst_session *s, void (*fn)(struct scst_cmd *),
		uint8_t expect_status)
{
	struct scst_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.dev = &f->dev;
	cmd.sess = s;
	fn(&cmd);
	assert_int_equal(cmd.status, expect_status);
}

static void test_spc2(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f);
	assert_true(allowed(&f, &f.s2, 0x2a));
	run(&f, &f.s1, scst_reserve_exec, SAM_STAT_GOOD);
	assert_ptr_equal(f.dev.reserved_by, &f.s1);
	assert_true(allowed(&f, &f.s1, 0x2a));          /* holder: anything */
	assert_false(allowed(&f, &f.s2, 0x28));         /* READ(10) */
	assert_false(allowed(&f, &f.s2, 0x1a));         /* MODE SENSE(6) */
	assert_false(allowed(&f, &f.s2, 0x16));         /* RESERVE(6) */
	assert_false(allowed(&f, &f.s2, 0x5e));         /* PR IN */
	assert_true(allowed(&f, &f.s2, 0x12));          /* INQUIRY */
	assert_true(allowed(&f, &f.s2, 0x00));          /* TEST UNIT READY */
	assert_true(allowed(&f, &f.s2, 0x17));          /* RELEASE(6) ... */
	run(&f, &f.s2, scst_reserve_exec, SAM_STAT_RESERVATION_CONFLICT);
	run(&f, &f.s2, scst_release_exec, SAM_STAT_GOOD);
	assert_ptr_equal(f.dev.reserved_by, &f.s1);     /* ... which does nothing */
	scst_reserve_session_gone(&f.dev, &f.s2);
	assert_ptr_equal(f.dev.reserved_by, &f.s1);
	scst_reserve_session_gone(&f.dev, &f.s1);
	assert_null(f.dev.reserved_by);
	assert_false(f.dev.resv_active);
	run(&f, &f.s2, scst_reserve_exec, SAM_STAT_GOOD);
	scst_reserve_reset(&f.dev);
	assert_null(f.dev.reserved_by);
	/* With persistent registrations, RESERVE(6) conflicts. */
	out(&f.pr, &A, SCST_PR_REGISTER, 0, 0, 0xa, NULL);
	pthread_mutex_lock(&f.dev.lock);
	scst_resv_update_hint(&f.dev);
	pthread_mutex_unlock(&f.dev.lock);
	assert_false(allowed(&f, &f.s2, 0x16));
	run(&f, &f.s2, scst_reserve_exec, SAM_STAT_RESERVATION_CONFLICT);
	scst_pr_state_clear(&f.pr);
	pthread_mutex_destroy(&f.dev.lock);
}

/* ---- the state file ------------------------------------------------------ */

static void test_store_roundtrip(void **state)
{
	struct scst_pr pr, back;
	char err[128], *text;

	(void)state;
	setup_reserved(&pr, SCST_PR_TYPE_WE_RO);
	pr.aptpl = true;
	text = scst_pr_store_format(&pr);
	assert_non_null(text);
	scst_pr_state_init(&back);
	assert_int_equal(scst_pr_store_parse(text, strlen(text), &back, err, sizeof(err)), 0);
	assert_int_equal(back.generation, pr.generation);
	assert_true(back.aptpl);
	assert_int_equal(back.type, SCST_PR_TYPE_WE_RO);
	assert_int_equal(back.nregs, 2);
	assert_non_null(back.holder);
	assert_string_equal(back.holder->initiator, A.initiator);
	assert_int_equal(scst_pr_find_reg(&back, &B)->key, 0xb);
	free(text);
	scst_pr_state_clear(&back);
	scst_pr_state_clear(&pr);
}

static void test_nexus_names_ignore_case(void **state)
{
	static const struct scst_pr_nexus A_upper = { "IQN.TEST:A", 1 };
	struct scst_pr pr;

	(void)state;
	setup_reserved(&pr, SCST_PR_TYPE_EA);
	assert_ptr_equal(scst_pr_find_reg(&pr, &A_upper), scst_pr_find_reg(&pr, &A));
	assert_non_null(scst_pr_find_reg(&pr, &A_upper));
	assert_null(scst_pr_find_reg(&pr, &C));
	scst_pr_state_clear(&pr);
}

static void test_store_save_load(void **state)
{
	char dir[] = "/tmp/h4_test_pr.XXXXXX", sub[64], path[512], bak[520], err[128];
	struct scst_pr pr, back;
	bool from_backup;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* The PR directory is created on the first save, parents included. */
	snprintf(sub, sizeof(sub), "%s/a/pr", dir);
	scst_set_state_dir(sub);
	assert_true(scst_pr_store_path("disk1", path, sizeof(path)));
	assert_false(scst_pr_store_path("../x", path + 256, 256));
	snprintf(bak, sizeof(bak), "%s.1", path);
	setup_reserved(&pr, SCST_PR_TYPE_EA);
	assert_int_equal(scst_pr_store_save(&pr, path), 0);
	assert_int_equal(access(bak, F_OK), -1);
	scst_pr_state_init(&back);
	assert_int_equal(scst_pr_store_load(path, &back, err, sizeof(err), &from_backup), 0);
	assert_false(from_backup);
	assert_int_equal(back.nregs, 2);
	assert_int_equal(back.type, SCST_PR_TYPE_EA);
	scst_pr_state_clear(&back);

	/* A second save keeps the first state as DEVICE.1 ... */
	pr.generation++;
	assert_int_equal(scst_pr_store_save(&pr, path), 0);
	assert_int_equal(access(bak, F_OK), 0);
	/* ... which is what a crash between the two renames leaves. */
	assert_int_equal(rename(path, bak), 0);
	assert_int_equal(scst_pr_store_load(path, &back, err, sizeof(err), &from_backup), 0);
	assert_true(from_backup);
	assert_int_equal(back.generation, pr.generation);
	scst_pr_state_clear(&back);

	/* A corrupt current file falls back to the backup too. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("scstd-pr 1\ngarbage\n", f);
	fclose(f);
	assert_int_equal(scst_pr_store_load(path, &back, err, sizeof(err), &from_backup), 0);
	assert_true(from_backup);
	scst_pr_state_clear(&back);

	assert_int_equal(scst_pr_store_remove(path), 0);
	assert_int_equal(access(bak, F_OK), -1);
	scst_pr_state_clear(&pr);
	assert_int_equal(scst_pr_store_load(path, &back, err, sizeof(err), &from_backup),
			 -2 /* ENOENT */);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	rmdir(sub);
	rmdir(dir);
	scst_set_state_dir(NULL);
	assert_false(scst_pr_store_path("disk1", path, sizeof(path)));
}

#define HDR "scstd-pr 1\ngeneration 3\naptpl 1\n"
#define HDR2 "scstd-pr 2\ngeneration 3\naptpl 1\n"

static const char *const bad_files[] = {
	"",
	"scstd-pr 0\ngeneration 1\naptpl 0\ntype 0\n",
	HDR,                                                    /* no type */
	HDR "type 0\nreg 0x1 1 0 iqn.a",                        /* unterminated */
	HDR "type 0\nreg -1 1 0 iqn.a\n",                       /* negative key */
	HDR "type 0\nreg 0 1 0 iqn.a\n",                        /* key zero */
	HDR "type 0\nreg 0x1 70000 0 iqn.a\n",                  /* rel_tgt_id */
	HDR "type 0\nreg 0x1 1 2 iqn.a\n",                      /* holder flag */
	HDR "type 0\nreg 0x1 1 0 iqn.a\nreg 0x2 1 0 iqn.a\n",   /* same nexus */
	HDR "type 0\nreg 0x1 1 0  iqn.a\n",                     /* double space */
	HDR "type 0\nreg 0x1 1 0 iqn.a extra\n",
	HDR "type 2\n",                                         /* reserved type */
	HDR "type 3\nreg 0x1 1 0 iqn.a\n",                      /* no holder */
	HDR "type 3\nreg 0x1 1 1 iqn.a\nreg 0x2 1 1 iqn.b\n",   /* two holders */
	HDR "type 7\nreg 0x1 1 1 iqn.a\n",                      /* holder of AR */
	HDR "type 7\n",                                         /* nobody registered */
	HDR "type 0\ntype 0\n",                                 /* repeated */
	HDR "type 0\ncolour blue\n",
	HDR "type 0\ngeneration 99999999999\n",
	"scstd-pr 1\ngeneration 0x\naptpl 0\ntype 0\n",
	HDR "type 0\nreg 0x1 0 0 iqn.a\n",                      /* port 0 */
	HDR "type 0\nreg 0x1 1 0 1 iqn.a\n",                    /* v2 line in v1 */
	"scstd-pr 3\ngeneration 1\naptpl 0\ntype 0\n",
	HDR2 "type 0\nreg 0x1 1 0 iqn.a\n",                     /* v1 line in v2 */
	HDR2 "type 0\nreg 0x1 1 0 2 iqn.a\n",                   /* all_tg_pt flag */
	HDR2 "type 0\nreg 0x1 1 0 1 iqn.a\nreg 0x2 2 0 0 iqn.a\n", /* A twice */
	HDR2 "type 0\nreg 0x2 2 0 0 iqn.a\nreg 0x1 1 0 1 IQN.A\n",
	HDR2 "type 3\nreg 0x1 1 1 1 iqn.a\nreg 0x2 1 1 0 iqn.b\n", /* two holders */
};

static void test_store_rejects(void **state)
{
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct scst_pr pr;

		scst_pr_state_init(&pr);
		err[0] = '\0';
		if (scst_pr_store_parse(bad_files[i], strlen(bad_files[i]), &pr, err,
					sizeof(err)) != -22)
			fail_msg("bad file %zu accepted", i);
		assert_true(err[0] != '\0');
		assert_int_equal(pr.nregs, 0);
		assert_int_equal(pr.type, SCST_PR_TYPE_NONE);
	}
}

static void test_store_all_tg_pt(void **state)
{
	static const char v1[] = HDR "type 3\nreg 0x1 2 1 iqn.test:a\n";
	struct scst_pr pr, back;
	char err[128], *text;

	(void)state;
	scst_pr_state_init(&pr);
	assert_int_equal(out_all(&pr, &A, SCST_PR_REGISTER, 0, 0xa, NULL), SCST_S_OK);
	assert_int_equal(out(&pr, &B, SCST_PR_REGISTER, 0, 0, 0xb, NULL), SCST_S_OK);
	assert_int_equal(out(&pr, &A2, SCST_PR_RESERVE, SCST_PR_TYPE_EA, 0xa, 0, NULL), SCST_S_OK);
	text = scst_pr_store_format(&pr);
	assert_non_null(text);
	assert_non_null(strstr(text, "scstd-pr 2\n"));
	assert_non_null(strstr(text, "\nreg 0xa 1 1 1 iqn.test:a\n"));
	assert_non_null(strstr(text, "\nreg 0xb 1 0 0 iqn.test:b\n"));
	scst_pr_state_init(&back);
	assert_int_equal(scst_pr_store_parse(text, strlen(text), &back, err, sizeof(err)), 0);
	assert_true(scst_pr_find_reg(&back, &A2)->all_tg_pt);
	assert_ptr_equal(back.holder, scst_pr_find_reg(&back, &A2));
	assert_false(scst_pr_find_reg(&back, &B)->all_tg_pt);
	assert_null(scst_pr_find_reg(&back, &(struct scst_pr_nexus){ "iqn.test:b", 2 }));
	free(text);
	scst_pr_state_clear(&back);
	scst_pr_state_clear(&pr);
	/* A version 1 file, from before ALL_TG_PT, still loads. */
	scst_pr_state_init(&back);
	assert_int_equal(scst_pr_store_parse(v1, strlen(v1), &back, err, sizeof(err)), 0);
	assert_false(scst_pr_find_reg(&back, &A2)->all_tg_pt);
	assert_null(scst_pr_find_reg(&back, &A));
	assert_non_null(back.holder);
	scst_pr_state_clear(&back);
}

static void test_store_binary_and_long(void **state)
{
	char err[128], buf[2048];
	struct scst_pr pr;
	size_t n;

	(void)state;
	scst_pr_state_init(&pr);
	n = (size_t)snprintf(buf, sizeof(buf), HDR "type 0\nreg 0x1 1 0 iqn.a");
	buf[n++] = '\0';
	buf[n++] = '\n';
	assert_int_equal(scst_pr_store_parse(buf, n, &pr, err, sizeof(err)), -22);
	n = (size_t)snprintf(buf, sizeof(buf), HDR "type 0\nreg 0x1 1 0 ");
	memset(buf + n, 'x', 1000);
	n += 1000;
	buf[n++] = '\n';
	assert_int_equal(scst_pr_store_parse(buf, n, &pr, err, sizeof(err)), -22);
	assert_int_equal(pr.nregs, 0);
}

/* A REGISTER parameter list with SPEC_I_PT: 24 bytes, the 4-byte length,
 * then the TransportIDs given as (format, text) pairs. */
/* The TransportIDs below are iSCSI ones (SPC-4 7.6.4.6); the transport
 * reading them is a stand-in with the iSCSI codec. */
static struct scst_tgt_template iscsi_like = {
	.name = "iscsi-like",
	.has_protocol_id = true,
	.protocol_id = 5,                       /* SPC-4 7.6.1: iSCSI */
	.parse_transport_id = iscsi_tid_parse,
	.build_transport_id = iscsi_tid_build,
};

static uint32_t tid_list(uint8_t *p, const unsigned *fmts, const char *const *names, unsigned n)
{
	uint32_t off = 28;

	memset(p, 0, 1024);
	p[20] = 0x08;
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = ((uint32_t)strlen(names[i]) + 1 + 3) & ~3u;

		if (len < 16)
			len = 16;
		p[off] = (uint8_t)(fmts[i] << 6 | 0x05);
		p[off + 2] = (uint8_t)(len >> 8);
		p[off + 3] = (uint8_t)len;
		memcpy(p + off + 4, names[i], strlen(names[i]));
		off += 4 + len;
	}
	p[26] = (uint8_t)((off - 28) >> 8);
	p[27] = (uint8_t)(off - 28);
	return off;
}

static void test_tids_parse(void **state)
{
	static const unsigned fmts[] = { 0, 1 };
	static const char *const names[] = { "iqn.test:b", "IQN.Test:C,i,0x23d000000001" };
	uint8_t p[1024];
	struct scst_pr_tid tids[4];
	uint32_t len = tid_list(p, fmts, names, 2), bad;
	unsigned n;

	(void)state;
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad), SCST_S_OK);
	assert_int_equal(n, 2);
	assert_string_equal(tids[0].initiator, "iqn.test:b");
	assert_string_equal(tids[1].initiator, "IQN.Test:C");       /* ISID dropped */
	/* An empty list is valid: only the issuer registers. */
	len = tid_list(p, fmts, names, 0);
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad), SCST_S_OK);
	assert_int_equal(n, 0);
}

static void test_tids_malformed(void **state)
{
	static const unsigned fmts[] = { 0 }, fmt1[] = { 1 };
	static const char *const names[] = { "iqn.test:b" };
	uint8_t p[1024];
	struct scst_pr_tid tids[4];
	uint32_t len, bad;
	unsigned n;

	(void)state;
	/* Shorter than 24 + 4 bytes: PARAMETER LIST LENGTH ERROR. */
	len = tid_list(p, fmts, names, 1);
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, 27, tids, 4, &n, &bad),
			 SCST_S_PARAM_LIST_LENGTH_ERROR);
	/* The list claims more than was sent. */
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len - 4, tids, 4, &n, &bad),
			 SCST_S_PARAM_LIST_LENGTH_ERROR);
	/* A TransportID running past the list's own length. */
	p[27] -= 4;
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
			 SCST_S_PARAM_LIST_LENGTH_ERROR);
	/* Not iSCSI (protocol 0 = Fibre Channel): INVALID FIELD at its byte 0. */
	len = tid_list(p, fmts, names, 1);
	p[28] = 0x00;
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28);
	/* Format 2 does not exist for iSCSI. */
	p[28] = 0x85;
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	/* Additional length not a multiple of 4. */
	len = tid_list(p, fmts, names, 1);
	p[31] += 1;
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 30);
	/* Name without its terminating NUL. */
	len = tid_list(p, fmts, names, 1);
	memset(p + 32, 'x', len - 32);
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 32);
	/* Format 1 without ",i,0x" ISID; format 0 with one. */
	len = tid_list(p, fmt1, names, 1);
	assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	{
		static const char *const with_isid[] = { "iqn.test:b,i,0x1" };

		len = tid_list(p, fmts, with_isid, 1);
		assert_int_equal(scst_pr_parse_tids(&iscsi_like, p, len, tids, 4, &n, &bad),
				 SCST_S_INVALID_FIELD_IN_PARAM);
	}
}

static void test_register_spec_i_pt(void **state)
{
	struct scst_pr pr;
	struct scst_pr_tid tids[3] = { { "IQN.TEST:B" }, { "iqn.test:c" }, { "iqn.test:b" } };
	struct scst_pr_nexus b = { "iqn.test:b", 1 }, c = { "iqn.test:c", 1 };
	uint32_t gen;

	(void)state;
	scst_pr_state_init(&pr);
	/* Non-zero current key for an unregistered issuer: conflict. */
	assert_int_equal(spec(&pr, &A, 7, 0x11, false, tids, 2), SCST_PR_CONFLICT);
	assert_int_equal(spec(&pr, &A, 0, 0x11, false, tids, 3), SCST_S_OK);
	/* A, B (named twice, case-insensitively) and C, all with the key. */
	assert_int_equal(pr.nregs, 3);
	assert_non_null(scst_pr_find_reg(&pr, &b));
	assert_int_equal(scst_pr_find_reg(&pr, &c)->key, 0x11);
	/* A registered issuer may not name others: INVALID FIELD IN CDB. */
	gen = pr.generation;
	assert_int_equal(spec(&pr, &A, 0x11, 0x12, false, tids, 1),
			 SCST_S_INVALID_FIELD_IN_CDB);
	/* A named nexus already registered: conflict, nothing changes. */
	{
		struct scst_pr_tid one[1] = { { "iqn.test:c" } };
		struct scst_pr_nexus d = { "iqn.test:d", 1 };

		assert_int_equal(spec(&pr, &d, 0, 0x13, false, one, 1),
				 SCST_PR_CONFLICT);
		assert_null(scst_pr_find_reg(&pr, &d));
	}
	assert_int_equal(pr.generation, gen);
	scst_pr_state_clear(&pr);
}

/* ---- PERSISTENT RESERVE OUT/IN as commands ---------------------------------- */

/* Device prdev exported by two target ports (11 and 12); sessions of A
 * and B through port 11, of A and C through port 12, each with its I_T_L
 * nexus on the device (for unit attentions). */
struct cmd_fixture {
	struct scst_tgt t1, t2;
	struct scst_acg acg1, acg2;
	struct scst_acg_dev ad1, ad2;
	struct scst_device dev;
	struct scst_pr pr;
	struct scst_session a1, b1, a2, c2;
	struct scst_tgt_dev td_a1, td_b1, td_a2, td_c2;
	struct scst_cmd cmd;
	uint8_t buf[1024];
};

static void fixture_port(struct cmd_fixture *f, struct scst_tgt *t, struct scst_acg *acg,
			 struct scst_acg_dev *ad, uint16_t id)
{
	t->rel_tgt_id = id;
	t->tgtt = &iscsi_like;
	t->default_acg = acg;
	list_init(&t->acg_list);
	list_init(&t->sessions);
	acg->tgt = t;
	acg->is_default = true;
	list_init(&acg->acg_devs);
	list_init(&acg->acns);
	ad->dev = &f->dev;
	list_add_tail(&ad->node, &acg->acg_devs);
	list_add_tail(&t->node, &scst_targets);
}

static void fixture_session(struct cmd_fixture *f, struct scst_session *s,
			    struct scst_tgt_dev *td, struct scst_tgt *t, const char *name)
{
	s->tgt = t;
	snprintf(s->initiator_name, SCST_NAME_MAX, "%s", name);
	td->sess = s;
	td->dev = &f->dev;
	list_init(&td->uas);
	list_init(&td->held_cmds);
	list_add_tail(&td->dev_node, &f->dev.tgt_devs);
}

static struct cmd_fixture *fixture_new(void)
{
	struct cmd_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dev.name, SCST_NAME_MAX, "prdev");
	pthread_mutex_init(&f->dev.lock, NULL);
	list_init(&f->dev.tgt_devs);
	scst_pr_state_init(&f->pr);
	f->dev.pr = &f->pr;
	fixture_port(f, &f->t1, &f->acg1, &f->ad1, 11);
	fixture_port(f, &f->t2, &f->acg2, &f->ad2, 12);
	fixture_session(f, &f->a1, &f->td_a1, &f->t1, "iqn.test:a");
	fixture_session(f, &f->b1, &f->td_b1, &f->t1, "iqn.test:b");
	fixture_session(f, &f->a2, &f->td_a2, &f->t2, "iqn.test:a");
	fixture_session(f, &f->c2, &f->td_c2, &f->t2, "iqn.test:c");
	return f;
}

static void fixture_free(struct cmd_fixture *f)
{
	struct scst_tgt_dev *tds[] = { &f->td_a1, &f->td_b1, &f->td_a2, &f->td_c2 };

	for (unsigned i = 0; i < 4; i++)
		scst_tgt_dev_clear_uas(tds[i]);
	list_del(&f->t1.node);
	list_del(&f->t2.node);
	scst_pr_state_clear(&f->pr);
	pthread_mutex_destroy(&f->dev.lock);
	free(f);
}

/* Runs PERSISTENT RESERVE OUT with the parameter list (len bytes). */
static struct scst_cmd *prout_cmd(struct cmd_fixture *f, struct scst_session *s, unsigned sa,
				  unsigned type, const uint8_t *param, uint32_t len)
{
	struct scst_cmd *cmd = &f->cmd;

	memset(cmd, 0, sizeof(*cmd));
	cmd->dev = &f->dev;
	cmd->sess = s;
	cmd->cdb[0] = 0x5f;
	cmd->cdb[1] = (uint8_t)sa;
	cmd->cdb[2] = (uint8_t)type;
	cmd->cdb_len = 10;
	memcpy(f->buf, param, len);
	cmd->buf = f->buf;
	cmd->buf_size = sizeof(f->buf);
	cmd->write_len = len;
	assert_true(scst_pr_out(cmd));
	return cmd;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The basic 24-byte list; flags is byte 20 (SPEC_I_PT, ALL_TG_PT, APTPL). */
static struct scst_cmd *prout_basic(struct cmd_fixture *f, struct scst_session *s, unsigned sa,
				    unsigned type, uint64_t key, uint64_t sa_key, uint8_t flags)
{
	uint8_t p[24] = { 0 };

	put64(p, key);
	put64(p + 8, sa_key);
	p[20] = flags;
	return prout_cmd(f, s, sa, type, p, sizeof(p));
}

/* A REGISTER AND MOVE list naming name (TransportID format fmt) through
 * port rtpi; flags is byte 17 (UNREG, APTPL).  Returns its length. */
static uint32_t move_list(uint8_t *p, uint64_t key, uint64_t sa_key, uint8_t flags, uint16_t rtpi,
			  unsigned fmt, const char *name)
{
	uint32_t tlen = ((uint32_t)strlen(name) + 1 + 3) & ~3u;

	if (tlen < 20)
		tlen = 20;
	memset(p, 0, 24 + 4 + tlen);
	put64(p, key);
	put64(p + 8, sa_key);
	p[17] = flags;
	p[18] = (uint8_t)(rtpi >> 8);
	p[19] = (uint8_t)rtpi;
	p[23] = (uint8_t)(4 + tlen);
	p[24] = (uint8_t)(fmt << 6 | 0x05);
	p[27] = (uint8_t)tlen;
	memcpy(p + 28, name, strlen(name));
	return 24 + 4 + tlen;
}

static void assert_good(const struct scst_cmd *cmd)
{
	assert_int_equal(cmd->status, SAM_STAT_GOOD);
}

static void assert_conflict(const struct scst_cmd *cmd)
{
	assert_int_equal(cmd->status, SAM_STAT_RESERVATION_CONFLICT);
}

/* CHECK CONDITION with key/asc/ascq (fixed format); field < 0: no
 * sense-key specific field pointer, bit < 0: none of the bit. */
static void assert_sense(const struct scst_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq,
			 int field, int bit)
{
	assert_int_equal(cmd->status, SAM_STAT_CHECK_CONDITION);
	assert_int_equal(cmd->sense[2] & 0x0f, key);
	assert_int_equal(cmd->sense[12], asc);
	assert_int_equal(cmd->sense[13], ascq);
	if (field < 0) {
		assert_int_equal(cmd->sense[15] & 0x80, 0);
		return;
	}
	assert_int_equal(cmd->sense[15] & 0x80, 0x80);
	assert_int_equal(cmd->sense[16] << 8 | cmd->sense[17], field);
	if (bit >= 0)
		assert_int_equal(cmd->sense[15] & 0x0f, 0x08 | bit);
	else
		assert_int_equal(cmd->sense[15] & 0x08, 0);
}

#define INVALID_PARAM(cmd, field, bit) assert_sense(cmd, 0x5, 0x26, 0x00, field, bit)

/* PERSISTENT RESERVE IN service action sa; returns its data. */
static const uint8_t *prin(struct cmd_fixture *f, struct scst_session *s, unsigned sa)
{
	struct scst_cmd *cmd = &f->cmd;

	memset(cmd, 0, sizeof(*cmd));
	cmd->dev = &f->dev;
	cmd->sess = s;
	cmd->cdb[0] = 0x5e;
	cmd->cdb[1] = (uint8_t)sa;
	cmd->cdb_len = 10;
	cmd->buf = f->buf;
	cmd->buf_size = sizeof(f->buf);
	cmd->bufflen = sizeof(f->buf);
	scst_pr_in(cmd);
	assert_int_equal(cmd->status, SAM_STAT_GOOD);
	return f->buf;
}

static bool has_ua(struct scst_tgt_dev *td)
{
	return !list_empty(&td->uas);
}

static void test_cmd_register_move(void **state)
{
	struct cmd_fixture *f = fixture_new();
	uint8_t p[256];
	uint32_t len;

	(void)state;
	assert_good(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0, 0xa, 0));
	assert_good(prout_basic(f, &f->b1, SCST_PR_REGISTER, 0, 0, 0xb, 0));
	assert_good(prout_basic(f, &f->a1, SCST_PR_RESERVE, SCST_PR_TYPE_WE, 0xa, 0, 0));

	/* The list: TransportID length under 24, or not what follows. */
	len = move_list(p, 0xa, 0xc, 0, 12, 0, "iqn.test:c");
	p[23] = 16;
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, 24 + 16), 20, -1);
	len = move_list(p, 0xa, 0xc, 0, 12, 0, "iqn.test:c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len + 4), 20, -1);
	/* Shorter than the 24-byte header: PARAMETER LIST LENGTH ERROR. */
	assert_sense(prout_cmd(f, &f->a1, 7, 0, p, 20), 0x5, 0x1a, 0x00, -1, -1);
	/* Not an iSCSI TransportID; a name with a space; format 1 without
	 * an ISID. */
	len = move_list(p, 0xa, 0xc, 0, 12, 0, "iqn.test:c");
	p[24] = 0x06;
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 24, -1);
	len = move_list(p, 0xa, 0xc, 0, 12, 0, "iqn.test c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 28, -1);
	len = move_list(p, 0xa, 0xc, 0, 12, 1, "iqn.test:c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 28, -1);
	/* Reserved bits of bytes 16-17: no ALL_TG_PT in this list. */
	len = move_list(p, 0xa, 0xc, 0x04, 12, 0, "iqn.test:c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 17, 2);
	len = move_list(p, 0xa, 0xc, 0, 12, 0, "iqn.test:c");
	p[16] = 0x01;
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 16, 0);
	/* A relative target port that does not export the device. */
	len = move_list(p, 0xa, 0xc, 0, 99, 0, "iqn.test:c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 18, -1);
	/* APTPL with no PR directory to keep it in. */
	len = move_list(p, 0xa, 0xc, 0x01, 12, 0, "iqn.test:c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 17, 0);
	/* Not the holder, or the wrong key: RESERVATION CONFLICT. */
	len = move_list(p, 0xb, 0xc, 0, 12, 0, "iqn.test:c");
	assert_conflict(prout_cmd(f, &f->b1, 7, 0, p, len));
	len = move_list(p, 0xb, 0xc, 0, 12, 0, "iqn.test:c");
	assert_conflict(prout_cmd(f, &f->a1, 7, 0, p, len));
	/* Service action key zero; the issuer's own I_T nexus. */
	len = move_list(p, 0xa, 0, 0, 12, 0, "iqn.test:c");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 8, -1);
	len = move_list(p, 0xa, 0xc, 0, 11, 1, "IQN.TEST:A,i,0x23d000000001");
	INVALID_PARAM(prout_cmd(f, &f->a1, 7, 0, p, len), 24, -1);
	assert_int_equal(f->pr.generation, 2);
	assert_string_equal(f->pr.holder->initiator, "iqn.test:a");

	/* A moves to C through port 12 (format 1: the ISID is dropped). */
	len = move_list(p, 0xa, 0xc, 0, 12, 1, "iqn.test:c,i,0x23d000000002");
	assert_good(prout_cmd(f, &f->a1, 7, 0, p, len));
	assert_string_equal(f->pr.holder->initiator, "iqn.test:c");
	assert_int_equal(f->pr.holder->rel_tgt_id, 12);
	assert_int_equal(f->pr.generation, 3);
	assert_int_equal(f->pr.nregs, 3);
	/* C, through port 12, moves it to B on port 11 and unregisters. */
	len = move_list(p, 0xc, 0xbb, 0x02, 11, 0, "iqn.test:b");
	assert_good(prout_cmd(f, &f->c2, 7, 0, p, len));
	assert_string_equal(f->pr.holder->initiator, "iqn.test:b");
	assert_int_equal(f->pr.holder->key, 0xbb);
	assert_int_equal(f->pr.nregs, 2);
	/* No reservation: INVALID FIELD IN CDB, no field pointer. */
	assert_good(prout_basic(f, &f->b1, SCST_PR_RELEASE, SCST_PR_TYPE_WE, 0xbb, 0, 0));
	len = move_list(p, 0xbb, 0xc, 0, 12, 0, "iqn.test:c");
	assert_sense(prout_cmd(f, &f->b1, 7, 0, p, len), 0x5, 0x24, 0x00, -1, -1);
	/* All registrants: RESERVATION CONFLICT. */
	assert_good(prout_basic(f, &f->b1, SCST_PR_RESERVE, SCST_PR_TYPE_EA_AR, 0xbb, 0, 0));
	assert_conflict(prout_cmd(f, &f->b1, 7, 0, p, len));
	fixture_free(f);
}

static void test_cmd_all_tg_pt(void **state)
{
	struct cmd_fixture *f = fixture_new();
	const uint8_t *d;

	(void)state;
	d = prin(f, &f->a1, 2);                         /* REPORT CAPABILITIES */
	assert_int_equal(d[2] & 0x04, 0x04);            /* ATP_C */
	/* A registers through port 11 with ALL_TG_PT ... */
	assert_good(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0, 0x1, 0x04));
	/* ... so its session through port 12 is registered: it reserves,
	 * ALL_TG_PT in the RESERVE's list being ignored. */
	assert_good(prout_basic(f, &f->a2, SCST_PR_RESERVE, SCST_PR_TYPE_WE, 0x1, 0, 0x04));
	d = prin(f, &f->a2, 3);                         /* READ FULL STATUS */
	assert_int_equal(d[7], 24 + 20);                /* one descriptor, 20-byte TransportID */
	assert_int_equal(d[8 + 7], 0x1);
	assert_int_equal(d[8 + 12], 0x03);              /* ALL_TG_PT, R_HOLDER */
	assert_int_equal(d[8 + 13], SCST_PR_TYPE_WE);
	assert_memory_equal(d + 8 + 28, "iqn.test:a", 10);
	/* B preempts it: A's nexuses through both ports hear of it. */
	assert_good(prout_basic(f, &f->b1, SCST_PR_REGISTER, 0, 0, 0xb, 0));
	assert_good(prout_basic(f, &f->b1, SCST_PR_PREEMPT, SCST_PR_TYPE_EA, 0xb, 0x1, 0));
	assert_true(has_ua(&f->td_a1));
	assert_true(has_ua(&f->td_a2));
	assert_false(has_ua(&f->td_c2));
	assert_int_equal(f->pr.nregs, 1);
	/* Unregistering through port 12 removes it through port 11 too. */
	assert_good(prout_basic(f, &f->a2, SCST_PR_REGISTER, 0, 0, 0x2, 0x04));
	assert_good(prout_basic(f, &f->a2, SCST_PR_REGISTER, 0, 0x2, 0, 0));
	assert_null(scst_pr_find_initiator(&f->pr, "iqn.test:a"));
	assert_int_equal(f->pr.nregs, 1);
	fixture_free(f);
}

/* The PR directory replaced by a file: every save and removal fails. */
static void break_pr_dir(const char *dir, const char *aside, bool broken)
{
	FILE *fp;

	if (broken) {
		assert_int_equal(rename(dir, aside), 0);
		fp = fopen(dir, "w");
		assert_non_null(fp);
		fclose(fp);
	} else {
		assert_int_equal(unlink(dir), 0);
		assert_int_equal(rename(aside, dir), 0);
	}
}

static void test_cmd_save_failure(void **state)
{
	char top[] = "/tmp/h4_test_pr_save.XXXXXX", dir[64], aside[64], path[128], err[128];
	struct cmd_fixture *f = fixture_new();
	struct scst_pr back;
	bool from_backup;

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/pr", top);
	snprintf(aside, sizeof(aside), "%s/pr.aside", top);
	snprintf(path, sizeof(path), "%s/prdev", dir);
	scst_set_state_dir(dir);
	assert_good(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0, 0xa, 0x01));
	assert_good(prout_basic(f, &f->a1, SCST_PR_RESERVE, SCST_PR_TYPE_EA, 0xa, 0, 0));
	assert_good(prout_basic(f, &f->b1, SCST_PR_REGISTER_AND_IGNORE, 0, 0, 0xb, 0x01));
	assert_int_equal(f->pr.generation, 2);
	scst_tgt_dev_clear_uas(&f->td_a1);

	break_pr_dir(dir, aside, true);
	/* A new key cannot be saved: HARDWARE ERROR, INTERNAL TARGET
	 * FAILURE, and the old key stays. */
	assert_sense(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0xa, 0xa2, 0x01), 0x4, 0x44, 0x00,
		     -1, -1);
	assert_int_equal(scst_pr_find_reg(&f->pr, &(struct scst_pr_nexus){ "iqn.test:a", 11 })->key,
			 0xa);
	assert_int_equal(f->pr.generation, 2);
	/* A preemption that cannot be saved preempts nobody and tells
	 * nobody. */
	assert_sense(prout_basic(f, &f->b1, SCST_PR_PREEMPT, SCST_PR_TYPE_WE, 0xb, 0xa, 0), 0x4,
		     0x44, 0x00, -1, -1);
	assert_int_equal(f->pr.nregs, 2);
	assert_int_equal(f->pr.type, SCST_PR_TYPE_EA);
	assert_string_equal(f->pr.holder->initiator, "iqn.test:a");
	assert_false(has_ua(&f->td_a1));
	/* Dropping APTPL must remove the file, which fails too. */
	assert_sense(prout_basic(f, &f->b1, SCST_PR_REGISTER, 0, 0xb, 0xb2, 0), 0x4, 0x44, 0x00,
		     -1, -1);
	assert_true(f->pr.aptpl);
	assert_int_equal(f->pr.generation, 2);

	/* Once the directory is back, the same command succeeds. */
	break_pr_dir(dir, aside, false);
	assert_good(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0xa, 0xa2, 0x01));
	scst_pr_state_init(&back);
	assert_int_equal(scst_pr_store_load(path, &back, err, sizeof(err), &from_backup), 0);
	assert_int_equal(back.generation, 3);
	assert_int_equal(scst_pr_find_reg(&back, &(struct scst_pr_nexus){ "iqn.test:a", 11 })->key,
			 0xa2);
	scst_pr_state_clear(&back);

	assert_int_equal(scst_pr_store_remove(path), 0);
	rmdir(dir);
	rmdir(top);
	scst_set_state_dir(NULL);
	fixture_free(f);
}

/* A second transport whose TransportIDs differ from the iSCSI-like one:
 * protocol 6 (SAS, SPC-4 7.6.4.8: 24 bytes, the SAS address at 4-11),
 * the address taken from the name's first 8 bytes. */
static uint32_t sas_like_build(const char *name, uint8_t *out, uint32_t size)
{
	if (size < 24)
		return 0;
	memset(out, 0, 24);
	out[0] = 0x06;
	strncpy((char *)out + 4, name, 8);
	return 24;
}

/* Its initiator names: the 8 bytes of the SAS address. */
static bool sas_like_parse(const uint8_t *tid, uint32_t len, char *name, size_t size,
			   uint32_t *bad_off)
{
	*bad_off = 0;
	if (len != 24 || tid[0] != 0x06 || size < 9)
		return false;
	memcpy(name, tid + 4, 8);
	name[8] = 0;
	return true;
}

static struct scst_tgt_template sas_like = {
	.name = "sas-like",
	.has_protocol_id = true,
	.protocol_id = 6,
	.parse_transport_id = sas_like_parse,
	.build_transport_id = sas_like_build,
};

/* REGISTER AND MOVE to a port of another transport: the TransportID is
 * that transport's (a SAS one here), not the issuing port's (iSCSI). */
static void test_cmd_move_to_other_transport(void **state)
{
	struct cmd_fixture *f = fixture_new();
	uint8_t p[48] = { 0 };
	const uint8_t *d;

	(void)state;
	f->t2.tgtt = &sas_like;
	assert_good(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0, 0xa, 0));
	assert_good(prout_basic(f, &f->a1, SCST_PR_RESERVE, SCST_PR_TYPE_WE, 0xa, 0, 0));
	put64(p, 0xa);
	put64(p + 8, 0xd);
	p[19] = 12;                                     /* to port 12 */
	p[23] = 24;                                     /* TransportID length */
	p[24] = 0x06;                                   /* SAS */
	p[27] = 20;
	memcpy(p + 28, "sasaddr1", 8);
	assert_good(prout_cmd(f, &f->a1, SCST_PR_REGISTER_AND_MOVE, SCST_PR_TYPE_WE, p, 48));
	d = prin(f, &f->a1, 1);                         /* READ RESERVATION */
	assert_int_equal(d[15], 0xd);                   /* the new holder's key */
	/* The same list to port 11 (iSCSI): not one of its TransportIDs. */
	p[19] = 11;
	INVALID_PARAM(prout_cmd(f, &f->a1, SCST_PR_REGISTER_AND_MOVE, SCST_PR_TYPE_WE, p, 48),
		      24, -1);
	fixture_free(f);
}

/* READ FULL STATUS reports each registrant with the TransportID of the
 * transport of the port it registered through, whichever port asks. */
static void test_cmd_full_status_per_transport(void **state)
{
	struct cmd_fixture *f = fixture_new();
	const uint8_t *d;
	uint32_t off = 8, tid;

	(void)state;
	f->t2.tgtt = &sas_like;
	assert_good(prout_basic(f, &f->a1, SCST_PR_REGISTER, 0, 0, 0xa, 0));
	assert_good(prout_basic(f, &f->c2, SCST_PR_REGISTER, 0, 0, 0xc, 0));
	d = prin(f, &f->a1, 3);
	for (int i = 0; i < 2; i++) {
		bool is_c = d[off + 7] == 0xc;

		tid = (uint32_t)d[off + 20] << 24 | d[off + 21] << 16 | d[off + 22] << 8 | d[off + 23];
		if (is_c) {
			assert_int_equal(d[off + 18] << 8 | d[off + 19], 12);
			assert_int_equal(tid, 24);
			assert_int_equal(d[off + 24], 0x06);
			assert_memory_equal(d + off + 28, "iqn.test", 8);
		} else {
			assert_int_equal(d[off + 7], 0xa);
			assert_int_equal(tid, 20);      /* "iqn.test:a" NUL, padded: 16 */
			assert_int_equal(d[off + 24], 0x05);
			assert_string_equal((const char *)d + off + 28, "iqn.test:a");
		}
		off += 24 + tid;
	}
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_register_table_full),
		cmocka_unit_test(test_access_rules),
		cmocka_unit_test(test_reserve_release),
		cmocka_unit_test(test_unregister_holder),
		cmocka_unit_test(test_preempt),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_spc2),
		cmocka_unit_test(test_store_roundtrip),
		cmocka_unit_test(test_nexus_names_ignore_case),
		cmocka_unit_test(test_tids_parse),
		cmocka_unit_test(test_tids_malformed),
		cmocka_unit_test(test_register_spec_i_pt),
		cmocka_unit_test(test_store_save_load),
		cmocka_unit_test(test_store_rejects),
		cmocka_unit_test(test_store_binary_and_long),
		cmocka_unit_test(test_store_all_tg_pt),
		cmocka_unit_test(test_all_tg_pt_register),
		cmocka_unit_test(test_all_tg_pt_other_ports),
		cmocka_unit_test(test_all_tg_pt_spec_i_pt),
		cmocka_unit_test(test_register_move),
		cmocka_unit_test(test_state_copy_move),
		cmocka_unit_test(test_cmd_register_move),
		cmocka_unit_test(test_cmd_all_tg_pt),
		cmocka_unit_test(test_cmd_save_failure),
		cmocka_unit_test(test_cmd_full_status_per_transport),
		cmocka_unit_test(test_cmd_move_to_other_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
