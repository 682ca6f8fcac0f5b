/* bench_job.h - one load-generating process of iscsi-bench: its settings,
 * the results it leaves in memory shared with the parent, and the entry
 * point that logs in, waits for the common start and drives the I/O. */
#ifndef BENCH_JOB_H
#define BENCH_JOB_H

#include <stdint.h>
#include <sys/types.h>
#include "bench_hist.h"

enum bench_pattern { PAT_READ, PAT_WRITE, PAT_RANDREAD, PAT_RANDWRITE, PAT_MIX };

struct bench_cfg {
	const char *url;
	int sessions;		/* per job */
	int qd;			/* per session */
	uint32_t bs;		/* bytes per I/O */
	enum bench_pattern pattern;
	int read_pct;		/* for PAT_MIX */
	double secs;		/* measured window */
	double warmup;		/* I/O before the window, not counted */
	uint64_t span;		/* bytes of the LUN addressed; 0 = all */
	int jobs;
};

struct job_result {
	uint64_t ios, reads, writes, bytes, errors;
	int ready;		/* logged in, waiting for the start */
	int failed;
	char err[160];
	struct bench_hist hist;
};

/* Parent and children see this through a MAP_SHARED mapping. */
struct bench_shared {
	volatile uint64_t start_ns;	/* CLOCK_MONOTONIC; set before the go */
	struct job_result res[];
};

uint64_t bench_now_ns(void);
/* Runs in a forked child; go_fd reaches EOF when the parent says go. */
int bench_job_run(const struct bench_cfg *cfg, int index, struct bench_shared *sh, int go_fd);

#endif
