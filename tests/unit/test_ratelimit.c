/* test_ratelimit.c - the per-peer, per-site log rate limit (util/ratelimit):
 * a burst per window, the count of what was dropped handed to the next
 * logged line, peers and sites independent, and a full site making room
 * by forgetting the peer idle longest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/ratelimit.h"

/* How many of n lines at time now pass; the last suppressed count seen. */
static unsigned pass_count(struct ratelimit_site *s, const char *peer, int64_t now, unsigned n,
			   unsigned *last_suppressed)
{
	unsigned passed = 0, sup;

	for (unsigned i = 0; i < n; i++)
		if (ratelimit_allow(s, peer, now, &sup)) {
			passed++;
			*last_suppressed = sup;
		}
	return passed;
}

static void burst_then_silence(void **state)
{
	static struct ratelimit_site s;
	unsigned sup = 99;

	(void)state;
	assert_int_equal(pass_count(&s, "10.0.0.1", 1000, 100, &sup), RATELIMIT_BURST);
	assert_int_equal(sup, 0);
	/* Still the same window just before its end. */
	assert_int_equal(pass_count(&s, "10.0.0.1", 1000 + RATELIMIT_WINDOW_MS - 1, 5, &sup), 0);
}

static void next_window_reports_suppressed(void **state)
{
	static struct ratelimit_site s;
	unsigned sup = 0;

	(void)state;
	pass_count(&s, "10.0.0.1", 0, RATELIMIT_BURST + 25, &sup);
	assert_true(ratelimit_allow(&s, "10.0.0.1", RATELIMIT_WINDOW_MS, &sup));
	assert_int_equal(sup, 25);
	/* Reported once only. */
	assert_true(ratelimit_allow(&s, "10.0.0.1", RATELIMIT_WINDOW_MS, &sup));
	assert_int_equal(sup, 0);
}

static void peers_and_sites_are_independent(void **state)
{
	static struct ratelimit_site a, b;
	unsigned sup;

	(void)state;
	assert_int_equal(pass_count(&a, "10.0.0.1", 0, 50, &sup), RATELIMIT_BURST);
	assert_int_equal(pass_count(&a, "10.0.0.2", 0, 50, &sup), RATELIMIT_BURST);
	assert_int_equal(pass_count(&b, "10.0.0.1", 0, 50, &sup), RATELIMIT_BURST);
}

static void full_site_forgets_the_idlest_peer(void **state)
{
	static struct ratelimit_site s;
	char peer[32];
	unsigned sup;

	(void)state;
	/* Peer 0 floods first, then RATELIMIT_PEERS others fill the table. */
	assert_int_equal(pass_count(&s, "peer0", 0, 50, &sup), RATELIMIT_BURST);
	for (int i = 1; i <= RATELIMIT_PEERS; i++) {
		snprintf(peer, sizeof(peer), "peer%d", i);
		assert_int_equal(pass_count(&s, peer, i, 1, &sup), 1);
	}
	/* peer0 was evicted: it starts afresh within the same window. */
	assert_int_equal(pass_count(&s, "peer0", 100, 50, &sup), RATELIMIT_BURST);
	/* The newest peers kept their slots (and budgets). */
	snprintf(peer, sizeof(peer), "peer%d", RATELIMIT_PEERS);
	assert_int_equal(pass_count(&s, peer, 100, 50, &sup), RATELIMIT_BURST - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_silence),
		cmocka_unit_test(next_window_reports_suppressed),
		cmocka_unit_test(peers_and_sites_are_independent),
		cmocka_unit_test(full_site_forgets_the_idlest_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
