/* bench_hist.h - the latency histogram of iscsi-bench: log-linear buckets
 * (16 per power of two, about 6% resolution) over nanoseconds, cheap to
 * record in the completion path and summable across processes. */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 4
#define HIST_BUCKETS (64 << HIST_SUB_BITS)

struct bench_hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t total;
	uint64_t sum_ns;	/* exact, for the mean */
};

void hist_record(struct bench_hist *h, uint64_t ns);
void hist_add(struct bench_hist *into, const struct bench_hist *from);
/* The value (ns) below which the fraction q (0..1) of the samples lie. */
uint64_t hist_quantile(const struct bench_hist *h, double q);
/* The exact mean (ns) of the samples; 0 without any. */
double hist_mean(const struct bench_hist *h);

#endif
