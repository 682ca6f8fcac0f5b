/* ioloop.h - the I/O threads: one io_uring event loop per thread.
 *
 * Every connection, its commands and their backend I/O belong to exactly one
 * loop, so the per-command path never takes a lock.  Work for another loop is
 * handed over with ioloop_run_on(), the only cross-thread entry point.
 *
 * Completion model: a submission carries a struct io_op as user_data; when
 * the CQE arrives the loop calls op->cb(op, cqe->res) on the owning thread.
 * Deferred callbacks (ioloop_defer) run once per loop iteration after all
 * completions of that iteration, which is where batched sends are flushed.
 *
 * liburing stays out of this header: only files that prepare SQEs include
 * util/ioloop_uring.h. */
#ifndef SCSTD_UTIL_IOLOOP_H
#define SCSTD_UTIL_IOLOOP_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include "list.h"

struct io_op;
typedef void (*io_op_cb)(struct io_op *op, int res);

struct io_op {
	io_op_cb cb;
};

/* A callback queued to run at the end of the current loop iteration. */
struct io_defer {
	struct list_head node;
	void (*fn)(struct io_defer *d);
	bool queued;
};

/* Coarse timers (100 ms tick): keep-alives and timeouts, not I/O pacing.
 * Cancelling is a list removal, so a timer may be freed right after. */
struct io_timer {
	struct list_head node;
	uint64_t deadline_ms;
	void (*fn)(struct io_timer *t);
	bool armed;
};

struct ioloop;

/* At most this many loops (scstd --threads, the `threads` attribute). */
#define IOLOOP_MAX 256

/* Starts n loops (n == 0: one per online CPU).  Returns 0 or -errno. */
int ioloops_start(unsigned n);
/* Asks every loop to finish and joins the threads. */
void ioloops_stop(void);
/* Loop slots: every index below it is a valid loop for good (slots are
 * only added at run time, never taken away before ioloops_stop).  A slot's
 * thread may be parked (ioloop_running). */
unsigned ioloop_count(void);
/* The first n loops take new connections and sessions (ioloop_pick,
 * ioloop_attach); loops below n are started (or restarted) when missing,
 * loops above it keep what they serve until moved away and parked.  0 or
 * -errno (-EINVAL: n outside 1..IOLOOP_MAX). */
int ioloops_set_active(unsigned n);
/* Running shared loops above the active count (at most max). */
unsigned ioloops_surplus(struct ioloop **out, unsigned max);
/* Ends the thread of surplus loop l: -EBUSY while l takes new work, is
 * reserved, or still has attached connections.  Its caller moved all
 * work away.  Posts to a parked loop fail with -ESRCH; ioloops_set_active
 * runs it again in the same slot. */
int ioloop_park(struct ioloop *l);
/* False once parked (or stopped). */
bool ioloop_running(const struct ioloop *l);
/* Running and either reserved or among the loops taking new work. */
bool ioloop_in_service(const struct ioloop *l);
unsigned ioloop_attached(const struct ioloop *l);
/* Work that cannot move to another loop (a background SANITIZE) holds
 * its loop: ioloop_park refuses until it is released. */
void ioloop_hold(struct ioloop *l);
void ioloop_release(struct ioloop *l);
unsigned ioloop_active_count(void);
/* The number ioloops_start started. */
unsigned ioloop_start_count(void);
/* A loop of its own for work its caller places there (a cpu_mask's
 * sessions): never chosen by ioloop_pick or ioloop_attach.  NULL when no
 * more loops can run. */
struct ioloop *ioloop_start_reserved(void);
/* Pins loop l's thread to cpus (pthread_setaffinity_np); 0 or -errno. */
int ioloop_set_affinity(struct ioloop *l, const cpu_set_t *cpus);
struct ioloop *ioloop_get(unsigned idx);
unsigned ioloop_index(const struct ioloop *l);
/* The loop owning the calling thread, or NULL off the I/O threads. */
struct ioloop *ioloop_current(void);
/* Picks the loop for a new connection (round robin). */
struct ioloop *ioloop_pick(void);
/* Picks the loop for a long-lived connection: the one with the fewest
 * attached, so that connections which come and go do not leave all live
 * ones on one loop.  Each attach is undone by one ioloop_detach. */
struct ioloop *ioloop_attach(void);
void ioloop_detach(struct ioloop *l);
void ioloop_move_attachment(struct ioloop *from, struct ioloop *to);

/* Runs fn(arg) on loop l's thread.  Thread-safe; never blocks on l.
 * -ESRCH when l is parked (fn does not run). */
int ioloop_run_on(struct ioloop *l, void (*fn)(void *), void *arg);
/* Like ioloop_run_on but waits until fn has returned (not from l itself). */
int ioloop_run_on_sync(struct ioloop *l, void (*fn)(void *), void *arg);

void ioloop_defer(struct ioloop *l, struct io_defer *d);

void ioloop_timer_init(struct io_timer *t, void (*fn)(struct io_timer *t));
void ioloop_timer_arm(struct ioloop *l, struct io_timer *t, unsigned ms);
void ioloop_timer_cancel(struct ioloop *l, struct io_timer *t);
/* Milliseconds until an armed timer is due (0: due now). */
unsigned ioloop_timer_left_ms(const struct io_timer *t);

#endif
