/* mgmt_sgv.c - sgv/ of the management tree (README.scst "Sgv"
 * subdirectory): global_stats and one directory per SGV cache with its
 * stats.  scstd has one cache, "sgv": every thread's per-size-class free
 * lists (core/sgv.c), its classes shown as SCST shows a pool's orders
 * (sgv-4K ... sgv-16384K).  The first table keeps the columns of SCST's
 * scst_mem.c so scripts written for it parse ours; a second table adds
 * what SCST has no column for (misses, frees, buffers in use and cached).
 * Writing 0 to a stats file clears its counters, as a write does in SCST;
 * current values (in use, cached) are not counters and stay.  global_stats
 * also shows the command memory limit (scst_max_cmd_mem, core/cmd_mem.c)
 * as SCST's watermark lines, and what is charged against it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/scst.h"
#include "mgmt/tree.h"
#include "util/log.h"

#define SGV_CACHE_NAME "sgv"
#define PAGE_BYTES 4096u

/* Counter values at the last reset; guarded by the management lock. */
static struct scst_sgv_stats stats_base;
static uint64_t global_big_base;

static uint64_t since(uint64_t now, uint64_t base)
{
	return now > base ? now - base : 0;
}

/* The counters since the last reset; current values as they are. */
static void read_stats(struct scst_sgv_stats *st)
{
	scst_sgv_get_stats(st);
	for (int c = 0; c < SCST_SGV_CLASSES; c++) {
		st->cls[c].hit = since(st->cls[c].hit, stats_base.cls[c].hit);
		st->cls[c].total = since(st->cls[c].total, stats_base.cls[c].total);
		st->cls[c].freed = since(st->cls[c].freed, stats_base.cls[c].freed);
	}
	st->big_alloc = since(st->big_alloc, stats_base.big_alloc);
	st->big_freed = since(st->big_freed, stats_base.big_freed);
}

static uint64_t class_pages(const struct scst_sgv_class_stats *cs)
{
	return cs->size / PAGE_BYTES;
}

static void class_name(char *buf, size_t len, const struct scst_sgv_class_stats *cs)
{
	snprintf(buf, len, "%s-%uK", SGV_CACHE_NAME, cs->size >> 10);
}

/* SCST's table: Name, Hit, Total, % merged, Cached (P/I/O).  Buffers are
 * never merged here (one contiguous allocation each), hence 0. */
static void show_scst_table(struct mgmt_buf *out, const struct scst_sgv_stats *st)
{
	uint64_t hit = 0, total = 0, pages = 0, inactive = 0, objs = 0;
	char name[32];

	for (int c = 0; c < SCST_SGV_CLASSES; c++) {
		const struct scst_sgv_class_stats *cs = &st->cls[c];

		hit += cs->hit;
		total += cs->total;
		pages += (cs->in_use + cs->cached) * class_pages(cs);
		inactive += cs->cached * class_pages(cs);
		objs += cs->in_use + cs->cached;
	}
	mgmt_printf(out, "%-30s %-11s %-11s %-11s %-11s", "Name", "Hit", "Total", "% merged",
		    "Cached (P/I/O)");
	mgmt_printf(out, "\n%-30s %-11" PRIu64 " %-11" PRIu64 " %-11d %" PRIu64 "/%" PRIu64
		    "/%" PRIu64 "\n", SGV_CACHE_NAME, hit, total, 0, pages, inactive, objs);
	for (int c = 0; c < SCST_SGV_CLASSES; c++) {
		class_name(name, sizeof(name), &st->cls[c]);
		mgmt_printf(out, "  %-28s %-11" PRIu64 " %-11" PRIu64 " %d\n", name,
			    st->cls[c].hit, st->cls[c].total, 0);
	}
	/* "other" is memory taken outside the cache: none here. */
	mgmt_printf(out, "  %-40s %" PRIu64 "/%-9d %d/%d\n", "big/other", st->big_alloc, 0, 0, 0);
}

static void show_extra_table(struct mgmt_buf *out, const struct scst_sgv_stats *st)
{
	uint64_t miss = 0, freed = 0, in_use = 0, cached = 0;
	char name[32];

	for (int c = 0; c < SCST_SGV_CLASSES; c++) {
		miss += st->cls[c].total - st->cls[c].hit;
		freed += st->cls[c].freed;
		in_use += st->cls[c].in_use;
		cached += st->cls[c].cached;
	}
	mgmt_printf(out, "\n%-30s %-11s %-11s %-11s %s\n", "Name", "Miss", "Freed", "In use",
		    "Cached");
	mgmt_printf(out, "%-30s %-11" PRIu64 " %-11" PRIu64 " %-11" PRIu64 " %" PRIu64 "\n",
		    SGV_CACHE_NAME, miss, freed, in_use, cached);
	for (int c = 0; c < SCST_SGV_CLASSES; c++) {
		const struct scst_sgv_class_stats *cs = &st->cls[c];

		class_name(name, sizeof(name), cs);
		mgmt_printf(out, "  %-28s %-11" PRIu64 " %-11" PRIu64 " %-11" PRIu64 " %" PRIu64
			    "\n", name, cs->total - cs->hit, cs->freed, cs->in_use, cs->cached);
	}
	/* Big buffers are never cached: every one is a miss. */
	mgmt_printf(out, "  %-28s %-11" PRIu64 " %-11" PRIu64 " %-11" PRIu64 " %d\n", "big",
		    st->big_alloc, st->big_freed,
		    st->big_alloc > st->big_freed ? st->big_alloc - st->big_freed : 0, 0);
}

static int show_stats(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct scst_sgv_stats st;

	(void)n;
	read_stats(&st);
	show_scst_table(out, &st);
	show_extra_table(out, &st);
	return 0;
}

static int expect_zero(const char *what, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "0"))
		return mgmt_refuse(-EINVAL, err, errlen, "%s: only 0 (reset) can be written, not '%s'",
				   what, value);
	return 0;
}

static int store_stats(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	int rc = expect_zero("sgv stats", value, err, errlen);

	(void)n;
	if (rc < 0)
		return rc;
	scst_sgv_get_stats(&stats_base);
	log_info("mgmt: statistics of SGV cache %s reset", SGV_CACHE_NAME);
	return 0;
}

static uint64_t pages_up(uint64_t bytes)
{
	return (bytes + PAGE_BYTES - 1) / PAGE_BYTES;
}

/* SCST's watermark lines: the high one is scst_max_cmd_mem, the low one
 * (down to which SCST's shrinker trims its cache) is 0 as in SCST's
 * default.  Cached buffers do not count against the limit here, so the
 * limit never releases cache: releases stay 0 and failures are the
 * buffers refused.  The charged lines are scstd's own. */
static void show_mem_limit(struct mgmt_buf *out)
{
	struct scst_cmd_mem_stats m;

	scst_cmd_mem_get_stats(&m);
	mgmt_printf(out, "%-42s %" PRIu64 "/%d\n", "Hi/lo watermarks [pages]",
		    m.limit / PAGE_BYTES, 0);
	mgmt_printf(out, "%-42s %d/%" PRIu64 "\n", "Hi watermark releases/failures", 0,
		    m.refused);
	mgmt_printf(out, "%-42s %" PRIu64 "/%" PRIu64 "\n", "Charged/peak charged pages",
		    pages_up(m.charged), pages_up(m.peak));
	mgmt_printf(out, "%-42s %" PRIu64 "\n", "Charge chunk per thread [pages]",
		    pages_up(m.chunk));
}

static int show_global_stats(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct scst_sgv_stats st;
	uint64_t inactive = 0, active;

	(void)n;
	scst_sgv_get_stats(&st);
	active = st.big_in_use_pages;
	for (int c = 0; c < SCST_SGV_CLASSES; c++) {
		inactive += st.cls[c].cached * class_pages(&st.cls[c]);
		active += st.cls[c].in_use * class_pages(&st.cls[c]);
	}
	mgmt_printf(out, "%-42s %" PRIu64 "/%" PRIu64 "\n", "Inactive/active pages", inactive,
		    active);
	show_mem_limit(out);
	mgmt_printf(out, "%-42s %" PRIu64 "\n", "Big allocs", since(st.big_alloc, global_big_base));
	mgmt_printf(out, "%-42s %u\n", "Threads with SGV free lists", st.threads);
	mgmt_printf(out, "%-42s %u\n", "Free list length limit [buffers]", st.keep_per_class);
	return 0;
}

static int store_global_stats(const struct mgmt_node *n, const char *value, char *err,
			      size_t errlen)
{
	struct scst_sgv_stats st;
	int rc = expect_zero("sgv global_stats", value, err, errlen);

	(void)n;
	if (rc < 0)
		return rc;
	scst_sgv_get_stats(&st);
	global_big_base = st.big_alloc;
	scst_cmd_mem_reset_stats();
	log_info("mgmt: global SGV statistics reset");
	return 0;
}

static const struct mgmt_entry cache_entries[] = {
	{ .name = "stats", .kind = MGMT_ATTR, .show = show_stats, .store = store_stats },
	{ .name = NULL },
};

static const struct mgmt_dir_ops cache_dir = { .entries = cache_entries };

static const struct mgmt_entry sgv_entries[] = {
	{ .name = "global_stats", .kind = MGMT_ATTR, .show = show_global_stats,
	  .store = store_global_stats },
	{ .name = SGV_CACHE_NAME, .kind = MGMT_DIR, .dir = &cache_dir },
	{ .name = NULL },
};

const struct mgmt_dir_ops mgmt_sgv_dir = { .entries = sgv_entries };
