/* bench_hist.c - owns the latency histogram of iscsi-bench (see
 * bench_hist.h for the bucket layout). */
#include "bench_hist.h"

static unsigned bucket_of(uint64_t ns)
{
	if (ns < (1u << HIST_SUB_BITS))
		return (unsigned)ns;
	unsigned msb = 63 - (unsigned)__builtin_clzll(ns);
	unsigned shift = msb - HIST_SUB_BITS;
	unsigned sub = (unsigned)(ns >> shift) & ((1u << HIST_SUB_BITS) - 1);
	return ((shift + 1) << HIST_SUB_BITS) + sub;
}

/* The upper edge of a bucket: a quantile is reported conservatively. */
static uint64_t bucket_top(unsigned b)
{
	if (b < (1u << HIST_SUB_BITS))
		return b;
	unsigned shift = (b >> HIST_SUB_BITS) - 1;
	uint64_t sub = b & ((1u << HIST_SUB_BITS) - 1);
	return (((1ull << HIST_SUB_BITS) | sub) << shift) + (1ull << shift) - 1;
}

void hist_record(struct bench_hist *h, uint64_t ns)
{
	unsigned b = bucket_of(ns);
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	h->count[b]++;
	h->total++;
	h->sum_ns += ns;
}

void hist_add(struct bench_hist *into, const struct bench_hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += from->count[i];
	into->total += from->total;
	into->sum_ns += from->sum_ns;
}

double hist_mean(const struct bench_hist *h)
{
	return h->total ? (double)h->sum_ns / (double)h->total : 0;
}

uint64_t hist_quantile(const struct bench_hist *h, double q)
{
	if (h->total == 0)
		return 0;
	uint64_t want = (uint64_t)(q * (double)h->total);
	if (want >= h->total)
		want = h->total - 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen > want)
			return bucket_top(i);
	}
	return bucket_top(HIST_BUCKETS - 1);
}
