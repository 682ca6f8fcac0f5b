/* test_lba_lock.c - the vdisk per-device LBA range lock: shared ranges
 * coexist, an exclusive one waits for overlapping holders and is resumed
 * when they release, waiters are granted in arrival order (a later
 * compatible write does not overtake a waiting COMPARE AND WRITE), and a
 * waiter whose session lives on an I/O loop is resumed on that loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/scst.h"
#include "handlers/vdisk_lba_lock.h"
#include "util/ioloop.h"

static struct vdisk_lba_lock lock;
static struct scst_session no_loop_sess;
static struct scst_cmd *resumed[8];
static unsigned nresumed;

static void record_resume(void *arg)
{
	resumed[nresumed++] = arg;
}

static int setup(void **state)
{
	(void)state;
	vdisk_lba_lock_init(&lock, record_resume);
	nresumed = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vdisk_lba_lock_destroy(&lock);
	return 0;
}

static void make_cmd(struct scst_cmd *cmd, uint64_t lba, uint32_t n)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->sess = &no_loop_sess;
	cmd->lba = lba;
	cmd->nblocks = n;
}

static void test_shared_ranges_coexist(void **state)
{
	struct scst_cmd a, b;

	(void)state;
	make_cmd(&a, 0, 16);
	make_cmd(&b, 8, 16);
	assert_false(vdisk_lba_lock_taken(&a));
	assert_true(vdisk_lba_lock_acquire(&lock, &a, false));
	assert_true(vdisk_lba_lock_acquire(&lock, &b, false));
	assert_true(vdisk_lba_lock_taken(&a));
	vdisk_lba_lock_release(&lock, &a);
	vdisk_lba_lock_release(&lock, &b);
	assert_false(vdisk_lba_lock_taken(&a));
	assert_int_equal(nresumed, 0);
}

static void test_exclusive_waits_for_overlap(void **state)
{
	struct scst_cmd w, x, other;

	(void)state;
	make_cmd(&w, 10, 4);
	make_cmd(&x, 13, 1);
	make_cmd(&other, 14, 4);          /* adjacent, not overlapping */
	assert_true(vdisk_lba_lock_acquire(&lock, &w, false));
	assert_false(vdisk_lba_lock_acquire(&lock, &x, true));
	assert_true(vdisk_lba_lock_acquire(&lock, &other, true));
	assert_int_equal(nresumed, 0);
	vdisk_lba_lock_release(&lock, &w);
	assert_int_equal(nresumed, 1);
	assert_ptr_equal(resumed[0], &x);
	assert_true(vdisk_lba_lock_taken(&x));
	vdisk_lba_lock_release(&lock, &x);
	vdisk_lba_lock_release(&lock, &other);
}

/* A write compatible with the holder still queues behind an earlier
 * exclusive waiter it overlaps, and is granted only after it. */
static void test_arrival_order(void **state)
{
	struct scst_cmd s, x, w, far;

	(void)state;
	make_cmd(&s, 0, 8);
	make_cmd(&x, 4, 4);
	make_cmd(&w, 6, 1);
	make_cmd(&far, 100, 1);
	assert_true(vdisk_lba_lock_acquire(&lock, &s, false));
	assert_false(vdisk_lba_lock_acquire(&lock, &x, true));
	assert_false(vdisk_lba_lock_acquire(&lock, &w, false));
	assert_true(vdisk_lba_lock_acquire(&lock, &far, false));
	vdisk_lba_lock_release(&lock, &s);
	assert_int_equal(nresumed, 1);
	assert_ptr_equal(resumed[0], &x);
	assert_int_equal(nresumed, 1);              /* w still waits */
	vdisk_lba_lock_release(&lock, &x);
	assert_int_equal(nresumed, 2);
	assert_ptr_equal(resumed[1], &w);
	vdisk_lba_lock_release(&lock, &w);
	vdisk_lba_lock_release(&lock, &far);
}

/* Exclusive against exclusive: the second COMPARE AND WRITE of a range
 * runs after the first, never beside it. */
static void test_exclusive_against_exclusive(void **state)
{
	struct scst_cmd a, b;

	(void)state;
	make_cmd(&a, 50, 2);
	make_cmd(&b, 51, 2);
	assert_true(vdisk_lba_lock_acquire(&lock, &a, true));
	assert_false(vdisk_lba_lock_acquire(&lock, &b, true));
	vdisk_lba_lock_release(&lock, &a);
	assert_int_equal(nresumed, 1);
	assert_ptr_equal(resumed[0], &b);
	vdisk_lba_lock_release(&lock, &b);
}

static struct ioloop *volatile resumed_on;

static void record_loop(void *arg)
{
	(void)arg;
	resumed_on = ioloop_current();
}

static void test_resume_on_own_loop(void **state)
{
	struct scst_session sess = { .loop = NULL };
	struct scst_cmd holder, waiter;
	int i;

	(void)state;
	assert_int_equal(ioloops_start(2), 0);
	lock.resume = record_loop;
	sess.loop = ioloop_get(1);
	make_cmd(&holder, 0, 1);
	make_cmd(&waiter, 0, 1);
	waiter.sess = &sess;
	resumed_on = NULL;
	assert_true(vdisk_lba_lock_acquire(&lock, &holder, true));
	assert_false(vdisk_lba_lock_acquire(&lock, &waiter, false));
	vdisk_lba_lock_release(&lock, &holder);        /* off the loops */
	for (i = 0; i < 500 && !resumed_on; i++)
		usleep(2000);
	assert_ptr_equal(resumed_on, ioloop_get(1));
	vdisk_lba_lock_release(&lock, &waiter);
	ioloops_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shared_ranges_coexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusive_waits_for_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arrival_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusive_against_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_on_own_loop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
