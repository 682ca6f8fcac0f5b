/* test_ioloop.c - the I/O threads: cross-thread calls run on the target
 * loop's own thread, deferred work runs once per iteration, timers fire and
 * cancelled timers do not, and real io_uring completions reach their op. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/ioloop_uring.h"

struct probe {
	struct ioloop *seen;
	int count;
	struct io_defer defer;
	struct io_timer timer, cancelled;
	int timer_fired, cancelled_fired;
	struct io_op op;
	int op_res;
	int pipefd[2];
	char byte;
};

static int group_setup(void **state)
{
	(void)state;
	return ioloops_start(2);
}

static int group_teardown(void **state)
{
	(void)state;
	ioloops_stop();
	return 0;
}

static void record_loop(void *arg)
{
	struct probe *p = arg;

	p->seen = ioloop_current();
	p->count++;
}

static void test_run_on_sync_runs_on_target_thread(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (unsigned i = 0; i < ioloop_count(); i++) {
		assert_int_equal(ioloop_run_on_sync(ioloop_get(i), record_loop, &p), 0);
		assert_ptr_equal(p.seen, ioloop_get(i));
	}
	assert_int_equal(p.count, 2);
	assert_null(ioloop_current());
}

static void deferred(struct io_defer *d)
{
	struct probe *p = container_of(d, struct probe, defer);

	p->count++;
}

static void queue_defer_twice(void *arg)
{
	struct probe *p = arg;

	ioloop_defer(ioloop_current(), &p->defer);
	ioloop_defer(ioloop_current(), &p->defer);     /* coalesced */
}

static void test_defer_runs_once(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.defer.fn = deferred;
	ioloop_run_on_sync(ioloop_get(0), queue_defer_twice, &p);
	ioloop_run_on_sync(ioloop_get(0), record_loop, &p);    /* a later iteration */
	assert_int_equal(p.count, 2);
}

static void on_timer(struct io_timer *t)
{
	struct probe *p = container_of(t, struct probe, timer);

	p->timer_fired++;
}

static void on_cancelled(struct io_timer *t)
{
	struct probe *p = container_of(t, struct probe, cancelled);

	p->cancelled_fired++;
}

static void arm_timers(void *arg)
{
	struct probe *p = arg;

	ioloop_timer_init(&p->timer, on_timer);
	ioloop_timer_init(&p->cancelled, on_cancelled);
	ioloop_timer_arm(ioloop_current(), &p->timer, 50);
	ioloop_timer_arm(ioloop_current(), &p->cancelled, 50);
	ioloop_timer_cancel(ioloop_current(), &p->cancelled);
}

static void test_timers(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	ioloop_run_on_sync(ioloop_get(1), arm_timers, &p);
	usleep(400 * 1000);
	ioloop_run_on_sync(ioloop_get(1), record_loop, &p);
	assert_int_equal(p.timer_fired, 1);
	assert_int_equal(p.cancelled_fired, 0);
}

/* A timer whose callback stops the other timer due at the same tick (a
 * connection closing from its keep-alive cancels its other timers). */
static void on_timer_cancelling(struct io_timer *t)
{
	struct probe *p = container_of(t, struct probe, timer);

	p->timer_fired++;
	ioloop_timer_cancel(ioloop_current(), &p->cancelled);
}

static void arm_timers_due_together(void *arg)
{
	struct probe *p = arg;

	ioloop_timer_init(&p->timer, on_timer_cancelling);
	ioloop_timer_init(&p->cancelled, on_cancelled);
	ioloop_timer_arm(ioloop_current(), &p->timer, 50);
	ioloop_timer_arm(ioloop_current(), &p->cancelled, 50);
}

static void test_timer_cancelled_by_one_due_with_it(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	ioloop_run_on_sync(ioloop_get(1), arm_timers_due_together, &p);
	usleep(400 * 1000);
	ioloop_run_on_sync(ioloop_get(1), record_loop, &p);
	assert_int_equal(p.timer_fired, 1);
	assert_int_equal(p.cancelled_fired, 0);
	assert_false(p.cancelled.armed);
}

static void on_read(struct io_op *op, int res)
{
	struct probe *p = container_of(op, struct probe, op);

	p->op_res = res;
}

static void submit_read(void *arg)
{
	struct probe *p = arg;
	struct io_uring_sqe *sqe = ioloop_sqe(ioloop_current());

	io_uring_prep_read(sqe, p->pipefd[0], &p->byte, 1, 0);
	ioloop_sqe_set_op(sqe, &p->op);
}

static void test_uring_completion_reaches_op(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.op.cb = on_read;
	p.op_res = -1000;
	assert_int_equal(pipe(p.pipefd), 0);
	ioloop_run_on_sync(ioloop_get(0), submit_read, &p);
	assert_int_equal(write(p.pipefd[1], "x", 1), 1);
	for (int i = 0; i < 100 && p.op_res == -1000; i++) {
		usleep(10 * 1000);
		ioloop_run_on_sync(ioloop_get(0), record_loop, &p);
	}
	assert_int_equal(p.op_res, 1);
	assert_int_equal(p.byte, 'x');
	close(p.pipefd[0]);
	close(p.pipefd[1]);
}

/* Connections that come and go (a discovery session before each login)
 * must not leave every long-lived connection on the same loop. */
static void test_attach_balances_live_connections(void **state)
{
	struct ioloop *a, *b, *c;

	(void)state;
	a = ioloop_attach();
	b = ioloop_attach();
	assert_ptr_not_equal(a, b);
	ioloop_detach(b);                /* b was short-lived */
	c = ioloop_attach();
	assert_ptr_equal(c, b);          /* the emptier loop, not the next in turn */
	ioloop_detach(a);
	ioloop_detach(c);
}

/* The scstd-ioN threads of this process (/proc), as `threads` shows them. */
static int io_threads(void)
{
	char path[300], comm[32];
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "scstd-io", 8))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Lowering the active count and parking a loop ends its thread; posts to
 * it are refused (not lost); raising the count runs it again in the same
 * slot.  A loop that takes new work or has attached connections is not
 * parked. */
static void test_park_ends_thread_and_restart_reuses_slot(void **state)
{
	struct ioloop *l1 = ioloop_get(1), *sur[4];
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(io_threads(), 2);
	assert_int_equal(ioloop_park(l1), -EBUSY);          /* still active */
	assert_int_equal(ioloops_set_active(1), 0);
	assert_int_equal(ioloops_surplus(sur, 4), 1);
	assert_ptr_equal(sur[0], l1);
	ioloop_move_attachment(ioloop_get(0), l1);         /* a connection there */
	assert_int_equal(ioloop_park(l1), -EBUSY);
	ioloop_move_attachment(l1, ioloop_get(0));
	assert_int_equal(ioloop_park(l1), 0);
	assert_false(ioloop_running(l1));
	assert_int_equal(io_threads(), 1);
	assert_int_equal(ioloop_run_on_sync(l1, record_loop, &p), -ESRCH);
	assert_int_equal(ioloop_run_on(l1, record_loop, &p), -ESRCH);
	assert_int_equal(p.count, 0);
	assert_int_equal(ioloop_count(), 2);                 /* the slot stays */
	assert_int_equal(ioloops_set_active(2), 0);
	assert_true(ioloop_running(l1));
	assert_int_equal(io_threads(), 2);
	assert_int_equal(ioloop_run_on_sync(l1, record_loop, &p), 0);
	assert_ptr_equal(p.seen, l1);
	assert_int_equal(p.count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_on_sync_runs_on_target_thread),
		cmocka_unit_test(test_defer_runs_once),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_timer_cancelled_by_one_due_with_it),
		cmocka_unit_test(test_uring_completion_reaches_op),
		cmocka_unit_test(test_attach_balances_live_connections),
		cmocka_unit_test(test_park_ends_thread_and_restart_reuses_slot),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
