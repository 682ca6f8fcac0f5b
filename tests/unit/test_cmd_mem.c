/* test_cmd_mem.c - the command memory limit (core/cmd_mem.c) and its use
 * by the buffer cache and the command path: charges within the limit pass
 * and one beyond it is refused without charging anything; a buffer that
 * fits exactly is not refused for the chunk rounding; forced charges (data
 * already on the wire) pass the limit and block later ones until freed;
 * buffers freed on another thread than the one that took them balance;
 * two threads charging at once never pass the limit and leave nothing
 * charged; scst_cmd_buf_alloc answers a refusal with TASK SET FULL when
 * the session has other commands, BUSY when not; sgv/global_stats shows
 * the limit as SCST's watermark line and counts the refusals. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/scst.h"
#include "mgmt/tree.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

static struct scst_cmd_mem_stats stats(void)
{
	struct scst_cmd_mem_stats st;

	scst_cmd_mem_get_stats(&st);
	return st;
}

/* Each test starts from nothing charged on this thread. */
static int fresh(void **state)
{
	(void)state;
	scst_cmd_mem_thread_exit();
	scst_cmd_mem_reset_stats();
	return stats().charged == 0 ? 0 : -1;
}

static void test_limit_refuses_without_charging(void **state)
{
	(void)state;
	scst_cmd_mem_set_limit(1 * MiB);
	assert_true(scst_cmd_mem_charge(512 * KiB));
	assert_true(scst_cmd_mem_charge(512 * KiB));
	assert_int_equal(stats().charged, 1 * MiB);
	assert_false(scst_cmd_mem_charge(4 * KiB));
	assert_int_equal(stats().charged, 1 * MiB);
	assert_int_equal(stats().refused, 1);
	assert_int_equal(stats().peak, 1 * MiB);
	scst_cmd_mem_uncharge(4 * KiB);
	assert_true(scst_cmd_mem_charge(4 * KiB));
	scst_cmd_mem_uncharge(1 * MiB);
	/* The thread keeps at most two chunks of credit. */
	assert_true(stats().charged <= 2 * stats().chunk);
	scst_cmd_mem_thread_exit();
	assert_int_equal(stats().charged, 0);
}

static void test_exact_fit_beats_rounding(void **state)
{
	(void)state;
	scst_cmd_mem_set_limit(100 * KiB);         /* chunk 64 KiB: 128 KiB would not fit */
	assert_int_equal(stats().chunk, 64 * KiB);
	assert_true(scst_cmd_mem_charge(100 * KiB));
	assert_false(scst_cmd_mem_charge(1));
	scst_cmd_mem_uncharge(100 * KiB);
	scst_cmd_mem_thread_exit();
	assert_int_equal(stats().charged, 0);
}

static void test_forced_charge_passes_and_blocks(void **state)
{
	(void)state;
	scst_cmd_mem_set_limit(1 * MiB);
	scst_cmd_mem_charge_forced(3 * MiB / 2);
	assert_true(stats().charged >= 3 * MiB / 2);
	assert_false(scst_cmd_mem_charge(64 * KiB));
	scst_cmd_mem_uncharge(3 * MiB / 2);
	assert_true(scst_cmd_mem_charge(64 * KiB));
	scst_cmd_mem_uncharge(64 * KiB);
	scst_cmd_mem_thread_exit();
	assert_int_equal(stats().charged, 0);
}

static void test_chunk_scales_with_limit(void **state)
{
	(void)state;
	scst_cmd_mem_set_limit(4 * MiB);
	assert_int_equal(stats().chunk, 64 * KiB);
	scst_cmd_mem_set_limit(32 * MiB);
	assert_int_equal(stats().chunk, 512 * KiB);
	scst_cmd_mem_set_limit(4096ull * MiB);
	assert_int_equal(stats().chunk, 1 * MiB);
	assert_true(scst_cmd_mem_default_limit() > 0);
}

/* ---- buffers through the SGV cache, across threads ---------------------- */

struct handoff {
	void *buf[4];
	uint32_t size[4];
	bool over[4];
};

static void *alloc_on_other_thread(void *arg)
{
	struct handoff *h = arg;

	for (int i = 0; i < 4; i++)
		h->buf[i] = scst_buf_alloc_limited(i < 3 ? 256 * KiB : 64 * KiB, &h->size[i],
						   &h->over[i]);
	return NULL;
}

static void test_buffers_freed_elsewhere_balance(void **state)
{
	struct handoff h;
	pthread_t t;
	uint32_t got;
	bool over;
	void *extra;

	(void)state;
	scst_cmd_mem_set_limit(800 * KiB);
	memset(&h, 0, sizeof(h));
	pthread_create(&t, NULL, alloc_on_other_thread, &h);
	pthread_join(t, NULL);                  /* its leftover credit went back */
	for (int i = 0; i < 3; i++) {
		assert_non_null(h.buf[i]);
		assert_int_equal(h.size[i], 256 * KiB);
	}
	assert_null(h.buf[3]);                  /* 768 + 64 KiB > 800 KiB */
	assert_true(h.over[3]);
	assert_int_equal(stats().charged, 768 * KiB);
	extra = scst_buf_alloc_limited(32 * KiB, &got, &over);
	assert_non_null(extra);                 /* 800 KiB exactly */
	assert_false(over);
	for (int i = 0; i < 3; i++)
		scst_buf_free(h.buf[i], h.size[i]);
	scst_buf_free(extra, got);
	scst_cmd_mem_thread_exit();
	assert_int_equal(stats().charged, 0);
}

#define ROUNDS 20000

static void *churn(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg, held_size[8] = { 0 };
	void *held[8] = { 0 };
	bool over;

	for (int r = 0; r < ROUNDS; r++) {
		int slot;

		seed = seed * 1103515245u + 12345u;
		slot = (int)(seed >> 16) % 8;
		if (held[slot]) {
			scst_buf_free(held[slot], held_size[slot]);
			held[slot] = NULL;
		} else {
			held[slot] = scst_buf_alloc_limited(4 * KiB << ((seed >> 8) % 6),
							    &held_size[slot], &over);
			if (!held[slot] && !over)
				return (void *)1;       /* the allocator itself failed */
		}
	}
	for (int i = 0; i < 8; i++)
		scst_buf_free(held[i], held_size[i]);
	return NULL;
}

static void test_threads_never_pass_the_limit(void **state)
{
	pthread_t t[2];
	void *rc[2];

	(void)state;
	scst_cmd_mem_set_limit(256 * KiB);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 7));
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &rc[i]);
		assert_null(rc[i]);
	}
	assert_true(stats().peak <= 256 * KiB);
	assert_true(stats().refused > 0);       /* 2 x 8 slots of up to 128 KiB */
	assert_int_equal(stats().charged, 0);
}

/* ---- the command's answer at the limit --------------------------------- */

static void test_refusal_status_follows_session_load(void **state)
{
	struct scst_session sess;
	struct scst_cmd cmd;
	uint32_t got;

	(void)state;
	scst_cmd_mem_set_limit(64 * KiB);
	memset(&sess, 0, sizeof(sess));
	memset(&cmd, 0, sizeof(cmd));
	cmd.sess = &sess;
	sess.active_cmds = 1;                   /* cmd alone */
	assert_null(scst_cmd_buf_alloc(&cmd, 128 * KiB, &got));
	assert_int_equal(cmd.status, SAM_STAT_BUSY);
	assert_int_equal(cmd.sense_len, 0);
	sess.active_cmds = 3;                   /* two more outstanding */
	assert_null(scst_cmd_buf_alloc(&cmd, 128 * KiB, &got));
	assert_int_equal(cmd.status, SAM_STAT_TASK_SET_FULL);
	cmd.status = SAM_STAT_GOOD;
	void *buf = scst_cmd_buf_alloc(&cmd, 64 * KiB, &got);
	assert_non_null(buf);
	assert_int_equal(cmd.status, SAM_STAT_GOOD);
	scst_buf_free(buf, got);
	scst_cmd_mem_thread_exit();
	assert_int_equal(stats().charged, 0);
}

/* ---- sgv/global_stats -------------------------------------------------- */

static const char *global_stats(void)
{
	static char text[8192];
	static struct mgmt_buf out;
	char err[256];

	out = (struct mgmt_buf){ .p = text, .cap = sizeof(text) };
	return mgmt_read("sgv/global_stats", &out, err, sizeof(err)) == 0 ? text : NULL;
}

static void test_global_stats_lines(void **state)
{
	char err[256];
	uint32_t got;
	bool over;
	void *held;

	(void)state;
	scst_cmd_mem_set_limit(4 * MiB);
	held = scst_buf_alloc_limited(3 * MiB, &got, &over);     /* the 4 MiB class */
	assert_non_null(held);
	assert_null(scst_buf_alloc_limited(4 * KiB, &got, &over));
	assert_true(over);
	assert_non_null(strstr(global_stats(), "Hi/lo watermarks [pages]                   1024/0\n"));
	assert_non_null(strstr(global_stats(), "Hi watermark releases/failures             0/1\n"));
	assert_non_null(strstr(global_stats(), "Charged/peak charged pages                 1024/1024\n"));
	assert_int_equal(mgmt_write("sgv/global_stats", "0", err, sizeof(err)), 0);
	assert_non_null(strstr(global_stats(), "Hi watermark releases/failures             0/0\n"));
	assert_int_equal(mgmt_write("sgv/global_stats", "1", err, sizeof(err)), -EINVAL);
	scst_buf_free(held, 4 * MiB);
	scst_cmd_mem_thread_exit();
	assert_non_null(strstr(global_stats(), "Charged/peak charged pages                 0/1024\n"));
}

/* The main thread's cached buffers go back before exit. */
static int release_cache(void **state)
{
	(void)state;
	scst_sgv_thread_release();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_limit_refuses_without_charging, fresh),
		cmocka_unit_test_setup(test_exact_fit_beats_rounding, fresh),
		cmocka_unit_test_setup(test_forced_charge_passes_and_blocks, fresh),
		cmocka_unit_test_setup(test_chunk_scales_with_limit, fresh),
		cmocka_unit_test_setup(test_buffers_freed_elsewhere_balance, fresh),
		cmocka_unit_test_setup(test_threads_never_pass_the_limit, fresh),
		cmocka_unit_test_setup(test_refusal_status_follows_session_load, fresh),
		cmocka_unit_test_setup(test_global_stats_lines, fresh),
	};

	return cmocka_run_group_tests(tests, NULL, release_cache);
}
