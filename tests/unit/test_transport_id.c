/* test_transport_id.c - the TransportIDs each transport owns (struct
 * scst_tgt_template parse_transport_id / build_transport_id, SPC-4
 * 7.6.4): the iSCSI format (7.6.4.6) as the iSCSI target and scst_local
 * encode and decode it, the checks core makes around every TransportID
 * of a PERSISTENT RESERVE OUT list (pr_tid.c) against hostile lists, and
 * the verbatim names of TransportIDs no transport names.  Expected bytes
 * are written out from SPC-4, not produced by the code under test. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/pr.h"
#include "core/scst.h"
#include "targets/local/local_priv.h"

extern struct scst_tgt_template iscsi_template;

/* SPC-4 7.6.4.6 table 452: format 0, PROTOCOL IDENTIFIER 5h; ADDITIONAL
 * LENGTH 20 (the name, its NUL and padding to a multiple of four). */
static const uint8_t iscsi_fmt0[] = {
	0x05, 0x00, 0x00, 0x14,
	'i', 'q', 'n', '.', '2', '0', '0', '4', '-', '0', '1', '.', 'x', ':', 'i', '1',
	0x00, 0x00, 0x00, 0x00,
};

/* A SAS TransportID (SPC-4 7.6.4.8 / SAS: protocol 6, 24 bytes). */
static const uint8_t sas_tid[24] = { 0x06, 0, 0, 0, 0x50, 0x01, 0x43, 0x80, 0x12, 0x34, 0x56, 0x78 };

static void test_build_iscsi_format0(void **state)
{
	struct scst_tgt_template *t[] = { &iscsi_template, &local_template };
	uint8_t out[64];

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		memset(out, 0xee, sizeof(out));
		assert_true(t[i]->has_protocol_id);
		assert_int_equal(t[i]->protocol_id, 0x5);
		assert_int_equal(t[i]->build_transport_id("iqn.2004-01.x:i1", out, sizeof(out)),
				 sizeof(iscsi_fmt0));
		assert_memory_equal(out, iscsi_fmt0, sizeof(iscsi_fmt0));
		/* Too small a buffer: nothing claimed. */
		assert_int_equal(t[i]->build_transport_id("iqn.2004-01.x:i1", out, 23), 0);
	}
}

static void test_round_trip(void **state)
{
	struct scst_tgt_template *t[] = { &iscsi_template, &local_template };
	static const char *const names[] = { "iqn.2004-01.x:i1", "a",
		"eui.0123456789abcdef", "iqn.1993-08.org.debian:01:0123456789ab" };
	uint8_t out[128];
	char name[SCST_NAME_MAX];

	(void)state;
	for (unsigned i = 0; i < 2; i++)
		for (unsigned j = 0; j < 4; j++) {
			uint32_t bad = 99, len = t[i]->build_transport_id(names[j], out, sizeof(out));

			assert_true(len >= 20 && len % 4 == 0);
			assert_int_equal(out[2] << 8 | out[3], len - 4);
			assert_true(t[i]->parse_transport_id(out, len, name, sizeof(name), &bad));
			assert_string_equal(name, names[j]);
		}
}

/* Format 1 (7.6.4.6 table 453): name ",i,0x" ISID; the I_T nexus is
 * known by the name. */
static void test_parse_format1(void **state)
{
	uint8_t t[32] = { 0x45, 0, 0, 28 };
	char name[SCST_NAME_MAX];
	uint32_t bad;

	(void)state;
	memcpy(t + 4, "iqn.x:y,i,0x23d000000001", 24);
	assert_true(iscsi_template.parse_transport_id(t, sizeof(t), name, sizeof(name), &bad));
	assert_string_equal(name, "iqn.x:y");
	t[0] = 0x05;                            /* format 0 with an ISID */
	assert_false(iscsi_template.parse_transport_id(t, sizeof(t), name, sizeof(name), &bad));
	assert_int_equal(bad, 4);
}

static void test_parse_refuses(void **state)
{
	struct scst_tgt_template *t[] = { &iscsi_template, &local_template };
	uint8_t b[sizeof(iscsi_fmt0)];
	char name[SCST_NAME_MAX], small[8];
	uint32_t bad;

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		assert_false(t[i]->parse_transport_id(sas_tid, sizeof(sas_tid), name, sizeof(name), &bad));
		assert_int_equal(bad, 0);       /* another protocol */
		memcpy(b, iscsi_fmt0, sizeof(b));
		b[0] = 0x85;                    /* format code 2: none for iSCSI */
		assert_false(t[i]->parse_transport_id(b, sizeof(b), name, sizeof(name), &bad));
		assert_int_equal(bad, 0);
		memcpy(b, iscsi_fmt0, sizeof(b));
		memset(b + 4, 'x', sizeof(b) - 4);      /* no NUL */
		assert_false(t[i]->parse_transport_id(b, sizeof(b), name, sizeof(name), &bad));
		assert_int_equal(bad, 4);
		memcpy(b, iscsi_fmt0, sizeof(b));
		memset(b + 4, 0, sizeof(b) - 4);        /* empty name */
		assert_false(t[i]->parse_transport_id(b, sizeof(b), name, sizeof(name), &bad));
		memcpy(b, iscsi_fmt0, sizeof(b));
		b[7] = ' ';                             /* not an iSCSI name character */
		assert_false(t[i]->parse_transport_id(b, sizeof(b), name, sizeof(name), &bad));
		/* Only the header: no name at all. */
		assert_false(t[i]->parse_transport_id(iscsi_fmt0, 4, name, sizeof(name), &bad));
		/* A name longer than the caller's room. */
		assert_false(t[i]->parse_transport_id(iscsi_fmt0, sizeof(iscsi_fmt0), small,
						       sizeof(small), &bad));
	}
}

/* A REGISTER parameter list (SPC-4 6.16.3 table 210): 24 bytes, the
 * TRANSPORTID PARAMETER DATA LENGTH, then the TransportIDs. */
static uint32_t reg_list(uint8_t *p, const uint8_t *tid, uint32_t tid_len, uint32_t claimed)
{
	memset(p, 0, 256);
	p[20] = 0x08;                           /* SPEC_I_PT */
	p[24] = (uint8_t)(claimed >> 24);
	p[25] = (uint8_t)(claimed >> 16);
	p[26] = (uint8_t)(claimed >> 8);
	p[27] = (uint8_t)claimed;
	memcpy(p + 28, tid, tid_len);
	return 28 + tid_len;
}

static enum scst_sense_id parse_one(struct scst_tgt_template *t, const uint8_t *tid,
				    uint32_t tid_len, uint32_t claimed, uint32_t *bad)
{
	uint8_t p[256];
	struct scst_pr_tid tids[2];
	unsigned n;
	uint32_t plen = reg_list(p, tid, tid_len, claimed);

	return scst_pr_parse_tids(t, p, plen, tids, 2, &n, bad);
}

static void test_hostile_lists(void **state)
{
	uint8_t b[sizeof(iscsi_fmt0)];
	uint32_t bad;

	(void)state;
	assert_int_equal(parse_one(&iscsi_template, iscsi_fmt0, sizeof(iscsi_fmt0),
				   sizeof(iscsi_fmt0), &bad), SCST_S_OK);
	/* Short: a TransportID of 2 bytes. */
	assert_int_equal(parse_one(&iscsi_template, iscsi_fmt0, 2, 2, &bad),
			 SCST_S_PARAM_LIST_LENGTH_ERROR);
	/* The list claims more than was sent. */
	assert_int_equal(parse_one(&iscsi_template, iscsi_fmt0, sizeof(iscsi_fmt0), 200, &bad),
			 SCST_S_PARAM_LIST_LENGTH_ERROR);
	/* ADDITIONAL LENGTH says more than the list holds. */
	memcpy(b, iscsi_fmt0, sizeof(b));
	b[3] = 0x40;
	assert_int_equal(parse_one(&iscsi_template, b, sizeof(b), sizeof(b), &bad),
			 SCST_S_PARAM_LIST_LENGTH_ERROR);
	/* ADDITIONAL LENGTH not a multiple of 4: the length field is wrong. */
	b[3] = 0x13;
	assert_int_equal(parse_one(&iscsi_template, b, sizeof(b), sizeof(b), &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28 + 2);
	/* Reserved bits of byte 0. */
	memcpy(b, iscsi_fmt0, sizeof(b));
	b[0] |= 0x10;
	assert_int_equal(parse_one(&iscsi_template, b, sizeof(b), sizeof(b), &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28);
	/* Wrong format code, another transport's protocol. */
	b[0] = 0x85;
	assert_int_equal(parse_one(&iscsi_template, b, sizeof(b), sizeof(b), &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28);
	assert_int_equal(parse_one(&iscsi_template, sas_tid, sizeof(sas_tid), sizeof(sas_tid),
				   &bad), SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28);
	/* A name without its NUL. */
	memcpy(b, iscsi_fmt0, sizeof(b));
	memset(b + 20, 'z', 4);
	assert_int_equal(parse_one(&iscsi_template, b, sizeof(b), sizeof(b), &bad),
			 SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28 + 4);
}

/* A transport without TransportIDs accepts none. */
static void test_transport_without_tids(void **state)
{
	struct scst_tgt_template none = { .name = "none" };
	uint32_t bad;

	(void)state;
	assert_int_equal(parse_one(&none, iscsi_fmt0, sizeof(iscsi_fmt0), sizeof(iscsi_fmt0),
				   &bad), SCST_S_INVALID_FIELD_IN_PARAM);
	assert_int_equal(bad, 28);
}

static void test_verbatim_names(void **state)
{
	char name[SCST_NAME_MAX];
	uint8_t back[sizeof(sas_tid)];

	(void)state;
	assert_int_equal(scst_pr_verbatim_name(sas_tid, sizeof(sas_tid), name, sizeof(name)), 0);
	assert_string_equal(name, "tid:060000005001438012345678000000000000000000000000");
	assert_int_equal(scst_pr_verbatim_tid(name, NULL), sizeof(sas_tid));
	assert_int_equal(scst_pr_verbatim_tid(name, back), sizeof(sas_tid));
	assert_memory_equal(back, sas_tid, sizeof(sas_tid));
	/* 4 + 48 + NUL = 53 bytes needed. */
	assert_int_equal(scst_pr_verbatim_name(sas_tid, sizeof(sas_tid), name, 52), -ENAMETOOLONG);
	assert_int_equal(scst_pr_verbatim_name(sas_tid, sizeof(sas_tid), name, 53), 0);
	/* Not verbatim names: an iSCSI name, odd or non-hex digits. */
	assert_int_equal(scst_pr_verbatim_tid("iqn.2004-01.x:i1", NULL), 0);
	assert_int_equal(scst_pr_verbatim_tid("tid:060", NULL), 0);
	assert_int_equal(scst_pr_verbatim_tid("tid:06zz", NULL), 0);
	assert_int_equal(scst_pr_verbatim_tid("tid:", NULL), 0);
}

/* scst_local's transport_id attribute (README.scst_local): an iSCSI
 * TransportID names that initiator, format 1 without its ISID, like an
 * iSCSI login of that name; any other protocol's is kept verbatim and
 * reported byte for byte; a malformed one changes nothing. */
static void test_local_transport_id(void **state)
{
	struct scst_session sess = { .initiator_name = "local-ini" };
	struct local_sess ls = { .name = "local-ini", .sess = &sess };
	uint8_t fmt1[32] = { 0x45, 0, 0, 28 }, out[LOCAL_TID_MAX], bad[24];
	char err[160];

	(void)state;
	/* Without one: the session's own name in iSCSI format 0. */
	assert_int_equal(local_get_transport_id(&ls, out, sizeof(out)), 20);
	assert_memory_equal(out, "\x05\x00\x00\x10local-ini\0", 14);

	memcpy(fmt1 + 4, "iqn.x:y,i,0x23d000000001", 24);
	assert_int_equal(local_set_transport_id(&ls, fmt1, sizeof(fmt1), err, sizeof(err)), 0);
	assert_string_equal(scst_sess_pr_name(&sess), "iqn.x:y");
	assert_int_equal(local_get_transport_id(&ls, out, sizeof(out)), sizeof(fmt1));
	assert_memory_equal(out, fmt1, sizeof(fmt1));

	assert_int_equal(local_set_transport_id(&ls, sas_tid, sizeof(sas_tid), err, sizeof(err)), 0);
	assert_string_equal(scst_sess_pr_name(&sess),
			    "tid:060000005001438012345678000000000000000000000000");

	/* Hostile: the length field lies, no NUL, format 2, too short. */
	memcpy(bad, iscsi_fmt0, sizeof(bad));
	bad[3] = 0x30;
	assert_int_equal(local_set_transport_id(&ls, bad, sizeof(bad), err, sizeof(err)), -EINVAL);
	memcpy(bad, iscsi_fmt0, sizeof(bad));
	memset(bad + 4, 'q', 20);
	assert_int_equal(local_set_transport_id(&ls, bad, sizeof(bad), err, sizeof(err)), -EINVAL);
	memcpy(bad, iscsi_fmt0, sizeof(bad));
	bad[0] = 0x85;
	assert_int_equal(local_set_transport_id(&ls, bad, sizeof(bad), err, sizeof(err)), -EINVAL);
	assert_int_equal(local_set_transport_id(&ls, iscsi_fmt0, 16, err, sizeof(err)), -EINVAL);
	assert_string_equal(scst_sess_pr_name(&sess),
			    "tid:060000005001438012345678000000000000000000000000");

	/* Cleared: back to the initiator name. */
	assert_int_equal(local_set_transport_id(&ls, NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(scst_sess_pr_name(&sess), "local-ini");
	for (unsigned i = 0; i < ls.npr_names; i++)
		free(ls.pr_names[i]);
	free(ls.pr_names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_iscsi_format0),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_format1),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_hostile_lists),
		cmocka_unit_test(test_transport_without_tids),
		cmocka_unit_test(test_verbatim_names),
		cmocka_unit_test(test_local_transport_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
