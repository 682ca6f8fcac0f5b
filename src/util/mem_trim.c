/* mem_trim.c - see mem_trim.h.  Why: glibc keeps what a thread freed in
 * that thread's arena, and a burst of logouts frees every connection's
 * receive buffer and command pool on the io loops' threads at once; the
 * resident size stayed at its peak (bench/soak.sh: 19 -> 55 MiB in two
 * minutes of session churn).  malloc_trim(0) walks every arena and
 * returns their free pages.  It runs from an io loop, after a burst and
 * at most once a second, never per logout. */
#include "util/mem_trim.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "util/ioloop.h"

static unsigned ended;
static int64_t last_trim_ms = INT64_MIN / 2;
static bool queued;

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void trim_now(void *arg)
{
	(void)arg;
	malloc_trim(0);
	__atomic_store_n(&ended, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&last_trim_ms, monotonic_ms(), __ATOMIC_RELAXED);
	__atomic_store_n(&queued, false, __ATOMIC_RELEASE);
}

void mem_trim_conn_ended(unsigned still_live)
{
	unsigned n = __atomic_add_fetch(&ended, 1, __ATOMIC_RELAXED);
	struct ioloop *l = ioloop_get(0);

	if (n < MEM_TRIM_MIN_ENDED || still_live > n / 4 || !l)
		return;
	if (monotonic_ms() - __atomic_load_n(&last_trim_ms, __ATOMIC_RELAXED) <
	    MEM_TRIM_INTERVAL_MS)
		return;
	if (__atomic_exchange_n(&queued, true, __ATOMIC_ACQ_REL))
		return;
	if (ioloop_run_on(l, trim_now, NULL) < 0)
		__atomic_store_n(&queued, false, __ATOMIC_RELEASE);
}
