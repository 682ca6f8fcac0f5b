/* metrics.h - the Prometheus text page of scstd's statistics
 * (metrics.c); served over HTTP by daemon/metrics_http.c. */
#ifndef SCSTD_MGMT_METRICS_H
#define SCSTD_MGMT_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/scst.h"

struct metrics_text {
	char *p;
	size_t len, cap;
	bool failed;
};

/* The whole page into t (malloc'ed; metrics_text_free).  0, or -1 when
 * out of memory (t is then empty). */
int metrics_render(struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);

/* Exposed for the unit test: one label, its value escaped; the le value
 * of a latency bucket (seconds, "+Inf" past the last). */
void metrics_label(struct metrics_text *t, bool first, const char *name, const char *value);
void metrics_format_le(char *buf, size_t len, unsigned bucket);

#endif
