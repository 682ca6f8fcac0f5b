/* cmd_mem.c - the limit on memory held by command data buffers
 * (README.scst's scst_max_cmd_mem) and the accounting behind it.
 *
 * Every buffer the SGV cache hands out is charged here until it is freed.
 * A command whose buffer would take the charge past the limit is refused
 * (cmd.c answers it with TASK SET FULL or BUSY); buffers whose data is
 * already on the wire (immediate data) are charged without refusal.
 *
 * The command path must not meet a lock or a contended cache line, so the
 * global charge moves in chunks: each thread holds credit taken from the
 * global counter and spends it locally; only when the credit runs out does
 * it take another chunk (a compare-and-swap that also enforces the limit),
 * and only when freed buffers leave it with more than two chunks does it
 * give the surplus back.  The global counter therefore runs ahead of the
 * bytes really in use by at most two chunks per thread (the limit can be
 * met that much early, never passed); a chunk is a small fraction of the
 * limit, and when the rounded chunk does not fit the request is retried
 * for exactly what it needs, so the rounding alone never refuses a buffer. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "scst.h"

#define CHUNK_MIN       (64u << 10)
#define CHUNK_MAX       (1u << 20)
#define CHUNKS_PER_LIMIT 64

static uint64_t mem_limit = UINT64_MAX;         /* set once at start-up */
static uint64_t mem_chunk = CHUNK_MAX;
static uint64_t mem_charged;                    /* global: credit handed to threads */
static uint64_t mem_peak;
static uint64_t mem_refused;

/* Bytes this thread took from mem_charged and has not spent. */
static __thread uint64_t thread_credit;
/* An I/O thread that ends (`threads` lowered) gives its credit back. */
static __thread bool credit_key_set;
static pthread_key_t credit_key;
static pthread_once_t credit_once = PTHREAD_ONCE_INIT;

uint64_t scst_cmd_mem_default_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * (uint64_t)page / 4;
}

static uint64_t chunk_for(uint64_t limit)
{
	uint64_t c = limit / CHUNKS_PER_LIMIT;

	if (c < CHUNK_MIN)
		return CHUNK_MIN;
	return c > CHUNK_MAX ? CHUNK_MAX : c;
}

void scst_cmd_mem_set_limit(uint64_t bytes)
{
	__atomic_store_n(&mem_limit, bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&mem_chunk, chunk_for(bytes), __ATOMIC_RELAXED);
}

static void note_peak(uint64_t charged)
{
	uint64_t peak = __atomic_load_n(&mem_peak, __ATOMIC_RELAXED);

	while (charged > peak &&
	       !__atomic_compare_exchange_n(&mem_peak, &peak, charged, true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

/* Takes want bytes from the global counter; false, taking nothing, when
 * that would pass the limit (unless forced). */
static bool take_global(uint64_t want, bool forced)
{
	uint64_t limit = __atomic_load_n(&mem_limit, __ATOMIC_RELAXED);
	uint64_t cur = __atomic_load_n(&mem_charged, __ATOMIC_RELAXED);

	do {
		if (!forced && (cur > limit || want > limit - cur))
			return false;
	} while (!__atomic_compare_exchange_n(&mem_charged, &cur, cur + want, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	note_peak(cur + want);
	return true;
}

static uint64_t round_up(uint64_t n, uint64_t to)
{
	return (n + to - 1) / to * to;
}

static void credit_thread_exit(void *unused)
{
	(void)unused;
	scst_cmd_mem_thread_exit();
}

static void credit_key_create(void)
{
	pthread_key_create(&credit_key, credit_thread_exit);
}

static void note_credit_holder(void)
{
	if (credit_key_set)
		return;
	pthread_once(&credit_once, credit_key_create);
	pthread_setspecific(credit_key, &credit_key_set);
	credit_key_set = true;
}

/* The slow path: the thread's credit does not cover bytes. */
static bool refill_credit(uint64_t bytes, bool forced)
{
	uint64_t need = bytes - thread_credit;

	note_credit_holder();
	uint64_t chunked = round_up(need, __atomic_load_n(&mem_chunk, __ATOMIC_RELAXED));

	if (take_global(chunked, forced)) {
		thread_credit += chunked;
		return true;
	}
	if (take_global(need, forced)) {
		thread_credit += need;
		return true;
	}
	__atomic_add_fetch(&mem_refused, 1, __ATOMIC_RELAXED);
	return false;
}

static bool charge(uint64_t bytes, bool forced)
{
	if (__builtin_expect(thread_credit < bytes, 0) && !refill_credit(bytes, forced))
		return false;
	thread_credit -= bytes;
	return true;
}

bool scst_cmd_mem_charge(uint64_t bytes)
{
	return charge(bytes, false);
}

void scst_cmd_mem_charge_forced(uint64_t bytes)
{
	charge(bytes, true);
}

static void give_back(uint64_t bytes)
{
	thread_credit -= bytes;
	__atomic_sub_fetch(&mem_charged, bytes, __ATOMIC_RELAXED);
}

void scst_cmd_mem_uncharge(uint64_t bytes)
{
	uint64_t chunk = __atomic_load_n(&mem_chunk, __ATOMIC_RELAXED);

	thread_credit += bytes;
	if (__builtin_expect(thread_credit > 2 * chunk, 0))
		give_back(thread_credit - chunk);
}

void scst_cmd_mem_thread_exit(void)
{
	if (thread_credit)
		give_back(thread_credit);
}

/* A write of 0 to sgv/global_stats: the peak starts again from now. */
void scst_cmd_mem_reset_stats(void)
{
	__atomic_store_n(&mem_peak, __atomic_load_n(&mem_charged, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&mem_refused, 0, __ATOMIC_RELAXED);
}

void scst_cmd_mem_get_stats(struct scst_cmd_mem_stats *st)
{
	st->limit = __atomic_load_n(&mem_limit, __ATOMIC_RELAXED);
	st->charged = __atomic_load_n(&mem_charged, __ATOMIC_RELAXED);
	st->peak = __atomic_load_n(&mem_peak, __ATOMIC_RELAXED);
	st->refused = __atomic_load_n(&mem_refused, __ATOMIC_RELAXED);
	st->chunk = __atomic_load_n(&mem_chunk, __ATOMIC_RELAXED);
}
