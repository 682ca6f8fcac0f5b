/* test_mgmt_sgv.c - the sgv/ directory of the management tree against the
 * real buffer cache (allocations on a worker thread show up as hits,
 * misses, cached and in-use buffers; writing 0 resets, anything else is
 * refused and changes nothing) and the rel_tgt_id uniqueness rule of
 * README.scst (disabled targets may share an id, enabling one is refused
 * until it is unique, new targets get an unused id). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/scst.h"
#include "mgmt/tree.h"

static char rbuf[65536];
static struct mgmt_buf out = { .p = rbuf, .cap = sizeof(rbuf) };
static char err[512];

static const char *rd(const char *path)
{
	return mgmt_read(path, &out, err, sizeof(err)) == 0 ? rbuf : NULL;
}

static int wr(const char *path, const char *value)
{
	err[0] = '\0';
	return mgmt_write(path, value, err, sizeof(err));
}

/* The first line of text that starts with prefix followed by a blank. */
static const char *line_of(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, n) && l[n] == ' ')
			return l + n;
	return NULL;
}

/* Two numbers after the name on the line named name (Hit Total, or Miss
 * Freed in the second table when second is set). */
static void two_numbers(const char *name, bool second, uint64_t *a, uint64_t *b)
{
	const char *text = rd("sgv/sgv/stats"), *l;

	assert_non_null(text);
	if (second) {
		text = strstr(text, "\nName ");
		assert_non_null(text);
		text++;
	}
	l = line_of(text, name);
	assert_non_null(l);
	assert_int_equal(sscanf(l, "%" SCNu64 " %" SCNu64, a, b), 2);
}

static uint64_t global_value(const char *label)
{
	const char *text = rd("sgv/global_stats"), *l;
	uint64_t v = 0;

	assert_non_null(text);
	l = line_of(text, label);
	assert_non_null(l);
	assert_int_equal(sscanf(l, "%" SCNu64, &v), 1);
	return v;
}

/* ---- a worker thread that allocates on command ---- */

static pthread_mutex_t w_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t w_cond = PTHREAD_COND_INITIALIZER;
static int w_step, w_done;
static bool w_ok;
static void *w_held;
static uint32_t w_held_size;

/* Returns false on a surprise; cmocka's asserts belong to the main thread. */
static bool worker_step1(void)
{
	uint32_t got, got2, got_big;
	void *a = scst_buf_alloc(4096, &got), *b, *big;

	scst_buf_free(a, got);                          /* cached */
	b = scst_buf_alloc(3000, &got2);                /* hit, 4K class */
	scst_buf_free(b, got2);
	w_held = scst_buf_alloc(8192, &w_held_size);    /* miss, kept */
	big = scst_buf_alloc(32u << 20, &got_big);      /* beyond the classes */
	scst_buf_free(big, got_big);
	return a && b && big && w_held && got == 4096 && got2 == 4096 &&
	       w_held_size == 8192 && got_big == 32u << 20;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&w_lock);
	while (w_step == 0)
		pthread_cond_wait(&w_cond, &w_lock);
	pthread_mutex_unlock(&w_lock);
	w_ok = worker_step1();
	pthread_mutex_lock(&w_lock);
	w_done = 1;
	pthread_cond_broadcast(&w_cond);
	while (w_step == 1)
		pthread_cond_wait(&w_cond, &w_lock);
	pthread_mutex_unlock(&w_lock);
	scst_buf_free(w_held, w_held_size);
	return NULL;
}

static void worker_go(int step)
{
	pthread_mutex_lock(&w_lock);
	w_step = step;
	pthread_cond_broadcast(&w_cond);
	while (step == 1 && !w_done)
		pthread_cond_wait(&w_cond, &w_lock);
	pthread_mutex_unlock(&w_lock);
}

static void test_sgv_layout(void **state)
{
	const char *t;

	(void)state;
	t = rd("sgv/global_stats");
	assert_non_null(t);
	assert_non_null(strstr(t, "Inactive/active pages"));
	t = rd("sgv/sgv/stats");
	assert_non_null(t);
	/* SCST's header and lines, so its parsers read ours. */
	assert_memory_equal(t, "Name                           Hit         Total       % merged    "
			    "Cached (P/I/O)\nsgv ", 86);
	assert_non_null(strstr(t, "\n  sgv-4K "));
	assert_non_null(strstr(t, "\n  sgv-16384K "));
	assert_non_null(strstr(t, "\n  big/other "));
	assert_int_equal(wr("sgv/nothere/stats", "0"), -ENOENT);
	assert_int_equal(wr("sgv/sgv", "0"), -EISDIR);
}

static void test_sgv_counts_real_allocations(void **state)
{
	uint64_t hit0, total0, hit, total, miss, freed, big0;
	struct scst_sgv_stats st;
	unsigned threads0;
	pthread_t th;

	(void)state;
	scst_sgv_get_stats(&st);
	threads0 = st.threads;
	two_numbers("  sgv-4K", false, &hit0, &total0);
	big0 = global_value("Big allocs");
	assert_int_equal(pthread_create(&th, NULL, worker, NULL), 0);
	worker_go(1);
	assert_true(w_ok);

	two_numbers("  sgv-4K", false, &hit, &total);
	assert_int_equal(hit - hit0, 1);
	assert_int_equal(total - total0, 2);
	two_numbers("  sgv-8K", true, &miss, &freed);
	assert_true(miss >= 1);                         /* the 8K buffer was new */
	scst_sgv_get_stats(&st);
	assert_int_equal(freed, st.cls[1].freed);
	assert_int_equal(st.cls[1].in_use, 1);          /* the 8K buffer held */
	assert_true(st.cls[0].cached >= 1);             /* the 4K one, cached */
	assert_int_equal(st.threads, threads0 + 1);
	assert_int_equal(global_value("Big allocs") - big0, 1);
	assert_true(global_value("Inactive/active pages") >= 1);

	worker_go(2);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* The thread's counters outlive it; its free lists do not. */
	scst_sgv_get_stats(&st);
	assert_int_equal(st.threads, threads0);
	assert_int_equal(st.cls[1].in_use, 0);
	assert_int_equal(st.cls[0].cached, 0);
	two_numbers("  sgv-4K", false, &hit, &total);
	assert_int_equal(total - total0, 2);
}

static void test_sgv_reset(void **state)
{
	uint64_t hit, total, miss, freed;
	char *before;

	(void)state;
	two_numbers("  sgv-4K", false, &hit, &total);
	assert_true(total > 0);
	before = strdup(rd("sgv/sgv/stats"));
	assert_int_equal(wr("sgv/sgv/stats", "1"), -EINVAL);
	assert_non_null(strstr(err, "only 0"));
	assert_int_equal(wr("sgv/sgv/stats", "0 now"), -EINVAL);
	assert_string_equal(rd("sgv/sgv/stats"), before);
	free(before);

	assert_int_equal(wr("sgv/sgv/stats", "0\n"), 0);
	two_numbers("  sgv-4K", false, &hit, &total);
	assert_int_equal(hit, 0);
	assert_int_equal(total, 0);
	two_numbers("  sgv-4K", true, &miss, &freed);
	assert_int_equal(miss, 0);
	assert_int_equal(freed, 0);

	assert_true(global_value("Big allocs") > 0);
	assert_int_equal(wr("sgv/global_stats", "x"), -EINVAL);
	assert_true(global_value("Big allocs") > 0);
	assert_int_equal(wr("sgv/global_stats", "0"), 0);
	assert_int_equal(global_value("Big allocs"), 0);
}

/* ---- rel_tgt_id ---- */

static int fake_add_target(const char *name, const struct scst_kv *p, size_t n, char *e,
			   size_t elen)
{
	(void)p;
	if (n)
		return snprintf(e, elen, "no parameters"), -EINVAL;
	return scst_add_target(scst_find_target_template("fake"), name, NULL, e, elen) ?
		       0 : -EINVAL;
}

static struct scst_tgt_template fake_tt = { .name = "fake", .add_target = fake_add_target };

static unsigned rel_id(const char *tgt)
{
	char path[128];
	unsigned v = 0;

	snprintf(path, sizeof(path), "targets/fake/%s/rel_tgt_id", tgt);
	assert_non_null(rd(path));
	assert_int_equal(sscanf(rbuf, "%u", &v), 1);
	return v;
}

static int set_attr(const char *tgt, const char *attr, unsigned v)
{
	char path[128], val[16];

	snprintf(path, sizeof(path), "targets/fake/%s/%s", tgt, attr);
	snprintf(val, sizeof(val), "%u", v);
	return wr(path, val);
}

static void test_rel_tgt_id_unique_when_enabled(void **state)
{
	unsigned a, b;

	(void)state;
	assert_int_equal(wr("targets/fake/mgmt", "add_target ta"), 0);
	assert_int_equal(wr("targets/fake/mgmt", "add_target tb"), 0);
	a = rel_id("ta");
	b = rel_id("tb");
	assert_int_not_equal(a, b);

	/* Disabled: the same id is taken (README.scst "for convenience"). */
	assert_int_equal(set_attr("ta", "rel_tgt_id", b), 0);
	assert_int_equal(rel_id("ta"), b);
	assert_int_equal(set_attr("tb", "enabled", 1), 0);
	assert_int_equal(set_attr("ta", "enabled", 1), -EBADSLT);
	assert_non_null(strstr(err, "not unique"));
	assert_string_equal(rd("targets/fake/ta/enabled"), "0\n");
	/* Unique again: enabling works. */
	assert_int_equal(set_attr("ta", "rel_tgt_id", a), 0);
	assert_int_equal(set_attr("ta", "enabled", 1), 0);
	/* Enabled: only an id no other target has (SCST); PR registrations
	 * follow it. */
	assert_int_equal(set_attr("ta", "rel_tgt_id", b), -EBADSLT);
	assert_non_null(strstr(err, "not unique"));
	assert_int_equal(rel_id("ta"), a);
	assert_int_equal(set_attr("ta", "rel_tgt_id", 4321), 0);
	assert_int_equal(rel_id("ta"), 4321);
	assert_string_equal(rd("targets/fake/ta/enabled"), "1\n");
	/* A disabled target sharing the current id makes it ambiguous. */
	assert_int_equal(wr("targets/fake/mgmt", "add_target tx"), 0);
	assert_int_equal(set_attr("tx", "rel_tgt_id", 4321), 0);
	assert_int_equal(set_attr("ta", "rel_tgt_id", 4322), -EBUSY);
	assert_int_equal(rel_id("ta"), 4321);
	assert_int_equal(wr("targets/fake/mgmt", "del_target tx"), 0);
	assert_int_equal(set_attr("ta", "rel_tgt_id", a), 0);

	/* Swapping two ids needs the duplicate step in between. */
	assert_int_equal(set_attr("ta", "enabled", 0), 0);
	assert_int_equal(set_attr("tb", "enabled", 0), 0);
	assert_int_equal(set_attr("ta", "rel_tgt_id", b), 0);
	assert_int_equal(set_attr("tb", "rel_tgt_id", a), 0);
	assert_int_equal(set_attr("ta", "enabled", 1), 0);
	assert_int_equal(set_attr("tb", "enabled", 1), 0);
	assert_int_equal(rel_id("ta"), b);
	assert_int_equal(rel_id("tb"), a);

	assert_int_equal(set_attr("ta", "enabled", 0), 0);
	assert_int_equal(set_attr("tb", "enabled", 0), 0);
	assert_int_equal(wr("targets/fake/mgmt", "del_target ta"), 0);
	assert_int_equal(wr("targets/fake/mgmt", "del_target tb"), 0);
}

/* An id set by hand ahead of the counter is not handed out again. */
static void test_rel_tgt_id_new_targets_skip_used(void **state)
{
	unsigned c, d;

	(void)state;
	assert_int_equal(wr("targets/fake/mgmt", "add_target tc"), 0);
	c = rel_id("tc");
	assert_int_equal(set_attr("tc", "rel_tgt_id", c + 1), 0);
	assert_int_equal(wr("targets/fake/mgmt", "add_target td"), 0);
	d = rel_id("td");
	assert_int_not_equal(d, c + 1);
	assert_int_equal(set_attr("tc", "enabled", 1), 0);
	assert_int_equal(set_attr("td", "enabled", 1), 0);
	assert_int_equal(set_attr("tc", "enabled", 0), 0);
	assert_int_equal(set_attr("td", "enabled", 0), 0);
	assert_int_equal(wr("targets/fake/mgmt", "del_target tc"), 0);
	assert_int_equal(wr("targets/fake/mgmt", "del_target td"), 0);
}

static int setup(void **state)
{
	(void)state;
	return scst_register_target_template(&fake_tt) < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgv_layout),
		cmocka_unit_test(test_sgv_counts_real_allocations),
		cmocka_unit_test(test_sgv_reset),
		cmocka_unit_test(test_rel_tgt_id_unique_when_enabled),
		cmocka_unit_test(test_rel_tgt_id_new_targets_skip_used),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
