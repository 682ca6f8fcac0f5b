/* test_metrics.c - the arithmetic behind the metrics and latency files:
 * histogram buckets (Prometheus: a bucket counts observations <= its le,
 * so a value equal to a bound belongs to that bucket, one above it to the
 * next; beyond the last bound only +Inf), bounds covering 10 us .. 1 s;
 * le values as the text format spells floats; README.scst-3.x's request
 * size classes of the latency files (512 .. 524288) and their stddev;
 * label escaping of the text format (backslash, double quote, line feed);
 * counter sums; a latency reset pending shows zeros. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/scst.h"
#include "mgmt/metrics.h"

static void test_bucket_edges(void **state)
{
	(void)state;
	assert_int_equal(scst_lat_bucket_of(0), 0);
	for (unsigned i = 0; i < SCST_LAT_BUCKETS; i++) {
		uint64_t b = scst_lat_bucket_ns[i];

		assert_int_equal(scst_lat_bucket_of(b), i);
		assert_int_equal(scst_lat_bucket_of(b + 1), i + 1);
		if (i)
			assert_true(scst_lat_bucket_ns[i - 1] < b);
	}
	assert_int_equal(scst_lat_bucket_of(UINT64_MAX), SCST_LAT_BUCKETS);
	assert_int_equal(scst_lat_bucket_of(3600ull * 1000000000ull), SCST_LAT_BUCKETS);
}

/* The brief: buckets suited to 10 us .. 1 s, i.e. 10 us and 1 s resolved. */
static void test_bucket_range(void **state)
{
	(void)state;
	assert_true(scst_lat_bucket_ns[0] <= 10000);
	assert_true(scst_lat_bucket_ns[SCST_LAT_BUCKETS - 1] >= 1000000000ull);
	/* 10 us and 20 us are told apart, so are 500 ms and 1 s. */
	assert_int_not_equal(scst_lat_bucket_of(10000), scst_lat_bucket_of(20000));
	assert_int_not_equal(scst_lat_bucket_of(500000000), scst_lat_bucket_of(1000000000));
}

static void test_le_values(void **state)
{
	char buf[32];

	(void)state;
	for (unsigned i = 0; i < SCST_LAT_BUCKETS; i++) {
		double v;
		char *end;

		metrics_format_le(buf, sizeof(buf), i);
		v = strtod(buf, &end);
		assert_int_equal(*end, 0);
		assert_true(fabs(v * 1e9 - (double)scst_lat_bucket_ns[i]) < 0.5);
	}
	metrics_format_le(buf, sizeof(buf), SCST_LAT_BUCKETS);
	assert_string_equal(buf, "+Inf");
	metrics_format_le(buf, sizeof(buf), SCST_LAT_BUCKETS - 1);
	assert_string_equal(buf, "1");
}

/* README.scst-3.x: a file of size S holds requests up to S bytes that
 * exceed the next smaller size (512 .. 524288); the 512 file also the
 * smaller ones (and data-less), the 524288 file all larger. */
static void test_size_classes(void **state)
{
	(void)state;
	assert_int_equal(scst_lat_size_class(0), 0);
	assert_int_equal(scst_lat_size_class(512), 0);
	assert_int_equal(scst_lat_size_class(513), 1);
	assert_int_equal(scst_lat_size_class(1024), 1);
	assert_int_equal(scst_lat_size_class(4095), 3);
	assert_int_equal(scst_lat_size_class(4096), 3);
	assert_int_equal(scst_lat_size_class(4097), 4);
	assert_int_equal(scst_lat_size_class(262145), 10);
	assert_int_equal(scst_lat_size_class(524288), 10);
	assert_int_equal(scst_lat_size_class(524289), 10);
	assert_int_equal(scst_lat_size_class(UINT32_MAX), 10);
}

/* Population standard deviation, sqrt(E[x^2] - E[x]^2), rounded down:
 * {2, 4, 4, 4, 5, 5, 7, 9} has mean 5 and stddev 2; {1, 2} has 0.5 -> 0;
 * {0, 10} has 5. */
static void test_stddev(void **state)
{
	(void)state;
	assert_int_equal(scst_lat_stddev(4 + 16 * 3 + 25 * 2 + 49 + 81, 40, 8), 2);
	assert_int_equal(scst_lat_stddev(1 + 4, 3, 2), 0);
	assert_int_equal(scst_lat_stddev(100, 10, 2), 5);
	assert_int_equal(scst_lat_stddev(49, 7, 1), 0);
	/* 10^6 samples of 10^6 and of 3*10^6 (100 ns units): stddev 10^6. */
	assert_int_equal(scst_lat_stddev(1000000ull * (1000000000000ull + 9000000000000ull),
					 1000000ull * 4000000ull, 2000000ull), 1000000);
}

static char *label(bool first, const char *value)
{
	struct metrics_text t = { 0 };

	metrics_label(&t, first, "session", value);
	assert_false(t.failed);
	return t.p;
}

/* Exposition format: label values escape \ as \\, " as \" and LF as \n. */
static void test_label_escaping(void **state)
{
	char *s;

	(void)state;
	s = label(true, "iqn.x:plain");
	assert_string_equal(s, "session=\"iqn.x:plain\"");
	free(s);
	s = label(false, "a\"b\\c\nd");
	assert_string_equal(s, ",session=\"a\\\"b\\\\c\\nd\"");
	free(s);
	s = label(true, "");
	assert_string_equal(s, "session=\"\"");
	free(s);
}

static void test_counters_add(void **state)
{
	struct scst_io_counters a = { 0 }, b = { 0 };

	(void)state;
	a.cmds[SCST_CLASS_WRITE] = 3;
	a.write_bytes = 4096;
	a.lat_bucket[SCST_LAT_BUCKETS] = 1;
	a.lat_sum_ns = 10;
	b.cmds[SCST_CLASS_WRITE] = 2;
	b.sense_key[SK_ILLEGAL_REQUEST] = 1;
	b.lat_sum_ns = 5;
	scst_io_counters_add(&a, &b);
	assert_int_equal(a.cmds[SCST_CLASS_WRITE], 5);
	assert_int_equal(a.write_bytes, 4096);
	assert_int_equal(a.sense_key[SK_ILLEGAL_REQUEST], 1);
	assert_int_equal(a.lat_bucket[SCST_LAT_BUCKETS], 1);
	assert_int_equal(a.lat_sum_ns, 15);
}

/* Clearing is done by the owning loop at its next update; until then a
 * reader must already see the cleared state, not the old values. */
static void test_reset_pending_reads_zero(void **state)
{
	struct scst_lat_stats st, out;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.e[3][SCST_DATA_READ][SCST_LAT_DEV_EXEC].count = 7;
	st.e[3][SCST_DATA_READ][SCST_LAT_DEV_EXEC].sum = 700;
	st.e[10][SCST_DATA_BIDI][SCST_LAT_TGT_XMIT].count = 7;
	scst_lat_stats_read(&st, &out);
	assert_int_equal(out.e[3][SCST_DATA_READ][SCST_LAT_DEV_EXEC].count, 7);
	assert_int_equal(out.e[10][SCST_DATA_BIDI][SCST_LAT_TGT_XMIT].count, 7);
	scst_lat_stats_request_reset(&st);
	scst_lat_stats_read(&st, &out);
	assert_int_equal(out.e[3][SCST_DATA_READ][SCST_LAT_DEV_EXEC].count, 0);
	assert_int_equal(out.e[3][SCST_DATA_READ][SCST_LAT_DEV_EXEC].sum, 0);
	assert_int_equal(out.e[10][SCST_DATA_BIDI][SCST_LAT_TGT_XMIT].count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_bucket_range),
		cmocka_unit_test(test_le_values),
		cmocka_unit_test(test_size_classes),
		cmocka_unit_test(test_stddev),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_counters_add),
		cmocka_unit_test(test_reset_pending_reads_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
