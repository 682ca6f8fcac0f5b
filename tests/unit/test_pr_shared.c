/* test_pr_shared.c - the announcements gateways of one shared LU send
 * each other (core/pr_shared.c): a change's unit attentions, preempted
 * nexuses and state survive the round trip, and malformed announcements
 * (they arrive from the network through the cluster) are rejected whole;
 * and the state text's SPC-2 holder line (pr_store.c) round-trips and is
 * checked like the rest. */
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

#define STATE "scstd-pr 2\ngeneration 3\naptpl 0\ntype 1\nreg 0xa1 1 1 0 iqn.test:x\n"

static bool parse(const char *msg, struct scst_pr_event *ev)
{
	bool ok;

	memset(ev, 0, sizeof(*ev));
	ok = scst_pr_event_parse(ev, msg, strlen(msg));
	free(ev->c.notes);
	free(ev->c.preempted);
	ev->c.notes = ev->c.preempted = NULL;
	return ok;
}

static void test_round_trip(void **state)
{
	struct scst_pr_changes c = { 0 };
	struct scst_pr_event ev = { 0 };
	size_t len;
	char *msg;

	(void)state;
	assert_true(scst_pr_note_add(&c.notes, &c.nnotes, &c.notes_cap, "iqn.test:x", 1,
				     SCST_S_UA_REGISTRATIONS_PREEMPTED));
	assert_true(scst_pr_note_add(&c.notes, &c.nnotes, &c.notes_cap, "iqn.test:y", 0,
				     SCST_S_UA_RESERVATIONS_RELEASED));
	assert_true(scst_pr_note_add(&c.notes, &c.nnotes, &c.notes_cap, "iqn.test:z", 7,
				     SCST_S_UA_RESERVATIONS_PREEMPTED));
	assert_true(scst_pr_note_add(&c.preempted, &c.npreempted, &c.preempted_cap, "iqn.test:x",
				     1, SCST_S_UA_REGISTRATIONS_PREEMPTED));
	msg = scst_pr_event_format(0x1234567890abcdefULL, 42, &c, STATE, &len);
	assert_non_null(msg);
	assert_int_equal(len, strlen(msg));
	assert_true(scst_pr_event_parse(&ev, msg, len));
	assert_true(ev.origin == 0x1234567890abcdefULL);
	assert_true(ev.version == 42);
	assert_false(ev.reset);
	assert_int_equal(ev.c.nnotes, 3);
	assert_string_equal(ev.c.notes[0].initiator, "iqn.test:x");
	assert_int_equal(ev.c.notes[0].rel_tgt_id, 1);
	assert_int_equal(ev.c.notes[0].ua, SCST_S_UA_REGISTRATIONS_PREEMPTED);
	assert_int_equal(ev.c.notes[1].rel_tgt_id, SCST_PR_ALL_PORTS);
	assert_int_equal(ev.c.notes[1].ua, SCST_S_UA_RESERVATIONS_RELEASED);
	assert_int_equal(ev.c.notes[2].ua, SCST_S_UA_RESERVATIONS_PREEMPTED);
	assert_int_equal(ev.c.npreempted, 1);
	assert_string_equal(ev.c.preempted[0].initiator, "iqn.test:x");
	assert_int_equal(ev.state_len, strlen(STATE));
	assert_memory_equal(ev.state, STATE, strlen(STATE));
	free(ev.c.notes);
	free(ev.c.preempted);
	free(msg);
	free(c.notes);
	free(c.preempted);
}

static void test_reset_without_state(void **state)
{
	struct scst_pr_event ev;

	(void)state;
	assert_true(parse("scstd-pr-event 1\nfrom 9\nversion 0\nreset\nstate\n", &ev));
	assert_true(ev.reset);
	assert_int_equal(ev.state_len, 0);
	/* A state needs its version; a version 0 announcement has none. */
	assert_false(parse("scstd-pr-event 1\nfrom 9\nversion 0\nstate\n" STATE, &ev));
}

static void test_malformed_rejected(void **state)
{
	static const char *const bad[] = {
		"",
		"scstd-pr-event 2\nfrom 1\nversion 1\nstate\n" STATE,      /* unknown version */
		"scstd-pr-event 1\nversion 1\nstate\n" STATE,              /* no origin */
		"scstd-pr-event 1\nfrom 0\nversion 1\nstate\n" STATE,      /* origin 0 */
		"scstd-pr-event 1\nfrom 1\nversion 1\n",                   /* no state line */
		"scstd-pr-event 1\nfrom 1\nversion 1",                     /* unterminated */
		"scstd-pr-event 1\nfrom -1\nversion 1\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1x\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 99999999999999999999\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1\nua X 1 iqn.a\nstate\n" STATE,     /* tag */
		"scstd-pr-event 1\nfrom 1\nversion 1\nua PP 1 iqn.a\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1\nua P 65536 iqn.a\nstate\n" STATE, /* port */
		"scstd-pr-event 1\nfrom 1\nversion 1\nua P 1\nstate\n" STATE,           /* name */
		"scstd-pr-event 1\nfrom 1\nversion 1\nua P 1 \nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1\nua P 1 iqn.a b\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1\nabort x iqn.a\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1\nreset\nreset\nstate\n" STATE,
		"scstd-pr-event 1\nfrom 1\nversion 1\nwhatever\nstate\n" STATE,
		"state\nfrom 1\nversion 1\nstate\n" STATE,
	};
	struct scst_pr_event ev;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &ev))
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_nul_and_long_lines_rejected(void **state)
{
	char msg[4096];
	struct scst_pr_event ev = { 0 };
	int n;

	(void)state;
	n = snprintf(msg, sizeof(msg), "scstd-pr-event 1\nfrom 1\nversion 1\nua P 1 iqn.a\nstate\n");
	msg[n - 13] = '\0';     /* inside the ua line */
	assert_false(scst_pr_event_parse(&ev, msg, (size_t)n));
	free(ev.c.notes);
	memset(&ev, 0, sizeof(ev));
	n = snprintf(msg, sizeof(msg), "scstd-pr-event 1\nfrom 1\nversion 1\nua P 1 ");
	memset(msg + n, 'a', 1000);
	memcpy(msg + n + 1000, "\nstate\n", 7);
	assert_false(scst_pr_event_parse(&ev, msg, (size_t)n + 1007));
	free(ev.c.notes);
}

/* The SPC-2 holder of a shared device travels in the state text. */
static void test_spc2_line(void **state)
{
	struct scst_pr pr;
	char err[128], *text;

	(void)state;
	scst_pr_state_init(&pr);
	assert_int_equal(scst_pr_store_parse(STATE "spc2 2 iqn.test:y\n", strlen(STATE) + 18, &pr,
					     err, sizeof(err)), 0);
	assert_string_equal(pr.spc2_initiator, "iqn.test:y");
	assert_int_equal(pr.spc2_rel_tgt_id, 2);
	text = scst_pr_store_format(&pr);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nspc2 2 iqn.test:y\n"));
	free(text);
	scst_pr_state_clear(&pr);
	assert_string_equal(pr.spc2_initiator, "");
#define EMPTY "scstd-pr 2\ngeneration 0\naptpl 0\ntype 0\n"
	assert_int_equal(scst_pr_store_parse(EMPTY, strlen(EMPTY), &pr, err, sizeof(err)), 0);
	text = scst_pr_store_format(&pr);
	assert_null(strstr(text, "spc2"));      /* none held: no line */
	free(text);
	scst_pr_state_clear(&pr);
	assert_int_equal(scst_pr_store_parse(STATE "spc2 0 iqn.test:y\n", strlen(STATE) + 18, &pr,
					     err, sizeof(err)), -22);
	assert_int_equal(scst_pr_store_parse(STATE "spc2 1 iqn.a\nspc2 1 iqn.a\n",
					     strlen(STATE) + 26, &pr, err, sizeof(err)), -22);
	assert_int_equal(pr.nregs, 0);          /* rejected whole */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reset_without_state),
		cmocka_unit_test(test_malformed_rejected),
		cmocka_unit_test(test_nul_and_long_lines_rejected),
		cmocka_unit_test(test_spc2_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
