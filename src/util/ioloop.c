/* ioloop.c - the I/O threads and their io_uring event loops (see ioloop.h).
 *
 * Each loop owns one ring.  Cross-thread work arrives through a mutex-guarded
 * message list plus an eventfd whose read is always pending on the ring, so a
 * loop sleeps in exactly one place: io_uring_submit_and_wait(). */
#include "ioloop_uring.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "log.h"

#define RING_ENTRIES   1024
#define CQE_BATCH      64
#define TICK_MS        100

struct loop_msg {
	struct list_head node;
	void (*fn)(void *);
	void *arg;
	/* Set for ioloop_run_on_sync: the caller waits on done. */
	pthread_mutex_t *done_lock;
	pthread_cond_t *done_cond;
	bool *done;
};

struct ioloop {
	struct io_uring ring;
	pthread_t thread;
	unsigned idx;
	bool reserved;                 /* ioloop_start_reserved's */
	unsigned attached;             /* ioloop_attach - ioloop_detach (atomic) */
	unsigned holds;                /* ioloop_hold - ioloop_release (atomic) */
	volatile bool stop;
	/* Its thread has ended (`threads` lowered): posts are refused until
	 * it runs again.  Written under msg_lock, read atomically. */
	bool parked;
	bool ring_disabled;            /* SINGLE_ISSUER ring, enabled by its thread */
	bool ring_fd_registered;       /* by the loop thread, for its own entries */

	int efd;
	uint64_t efd_value;
	struct io_op efd_op;

	pthread_mutex_t msg_lock;
	struct list_head msgs;

	struct list_head deferred;
	struct list_head timers;
	struct io_op tick_op;
	struct __kernel_timespec tick_ts;
};

/* A fixed array: a loop started at run time never moves, so a pointer
 * to any loop stays valid without a lock.  nloops loops run.  The shared
 * ones are listed in shared_idx (append-only); the first nactive of them
 * take new connections and sessions (the `threads` attribute), the others
 * serve what they have.  A reserved loop (ioloop_start_reserved) is in no
 * list: only whoever started it places work there. */
static struct ioloop loops[IOLOOP_MAX];
static unsigned nloops;
static unsigned shared_idx[IOLOOP_MAX];
static unsigned nshared;
static unsigned nactive;
static unsigned nstart;                  /* as started: `threads` without [key] */
static pthread_mutex_t resize_lock = PTHREAD_MUTEX_INITIALIZER;
/* Held across ioloop_park (whose join runs outside resize_lock: the last
 * messages of the ending loop may ask ioloop_in_service) and across
 * ioloops_set_active, so a loop never restarts while it is being ended. */
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned next_pick;
static __thread struct ioloop *current_loop;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

unsigned ioloop_count(void)
{
	return __atomic_load_n(&nloops, __ATOMIC_ACQUIRE);
}

unsigned ioloop_active_count(void)
{
	return __atomic_load_n(&nactive, __ATOMIC_ACQUIRE);
}

unsigned ioloop_start_count(void)
{
	return nstart;
}

struct ioloop *ioloop_get(unsigned idx)
{
	return idx < ioloop_count() ? &loops[idx] : NULL;
}

unsigned ioloop_index(const struct ioloop *l)
{
	return l->idx;
}

struct ioloop *ioloop_current(void)
{
	return current_loop;
}

struct ioloop *ioloop_pick(void)
{
	unsigned i = __atomic_fetch_add(&next_pick, 1, __ATOMIC_RELAXED);

	return &loops[shared_idx[i % ioloop_active_count()]];
}

/* The loop with the fewest attached connections; ties rotate, so a burst
 * of new connections alternates even before any of them is counted. */
struct ioloop *ioloop_attach(void)
{
	unsigned start = __atomic_fetch_add(&next_pick, 1, __ATOMIC_RELAXED);
	unsigned n = ioloop_active_count();
	struct ioloop *best = &loops[shared_idx[start % n]];

	for (unsigned i = 1; i < n; i++) {
		struct ioloop *l = &loops[shared_idx[(start + i) % n]];

		if (__atomic_load_n(&l->attached, __ATOMIC_RELAXED) <
		    __atomic_load_n(&best->attached, __ATOMIC_RELAXED))
			best = l;
	}
	__atomic_fetch_add(&best->attached, 1, __ATOMIC_RELAXED);
	return best;
}

/* A connection that changes loops takes its attachment along. */
void ioloop_move_attachment(struct ioloop *from, struct ioloop *to)
{
	if (from == to)
		return;
	__atomic_fetch_add(&to->attached, 1, __ATOMIC_RELAXED);
	ioloop_detach(from);
}

void ioloop_detach(struct ioloop *l)
{
	__atomic_fetch_sub(&l->attached, 1, __ATOMIC_RELAXED);
}

struct io_uring_sqe *ioloop_sqe(struct ioloop *l)
{
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(&l->ring))) {
		int rc = io_uring_submit(&l->ring);

		if (rc < 0 && rc != -EAGAIN && rc != -EBUSY && rc != -EINTR) {
			log_err("io_uring_submit: %s", strerror(-rc));
			abort();
		}
	}
	return sqe;
}

void ioloop_defer(struct ioloop *l, struct io_defer *d)
{
	if (d->queued)
		return;
	d->queued = true;
	list_add_tail(&d->node, &l->deferred);
}

void ioloop_timer_init(struct io_timer *t, void (*fn)(struct io_timer *t))
{
	list_init(&t->node);
	t->fn = fn;
	t->armed = false;
	t->deadline_ms = 0;
}

void ioloop_timer_arm(struct ioloop *l, struct io_timer *t, unsigned ms)
{
	if (t->armed)
		list_del(&t->node);
	t->deadline_ms = now_ms() + ms;
	t->armed = true;
	list_add_tail(&t->node, &l->timers);
}

unsigned ioloop_timer_left_ms(const struct io_timer *t)
{
	uint64_t now = now_ms();

	return t->deadline_ms > now ? (unsigned)(t->deadline_ms - now) : 0;
}

void ioloop_timer_cancel(struct ioloop *l, struct io_timer *t)
{
	(void)l;
	if (t->armed) {
		list_del(&t->node);
		t->armed = false;
	}
}

static void arm_eventfd_read(struct ioloop *l)
{
	struct io_uring_sqe *sqe = ioloop_sqe(l);

	io_uring_prep_read(sqe, l->efd, &l->efd_value, sizeof(l->efd_value), 0);
	ioloop_sqe_set_op(sqe, &l->efd_op);
}

static void arm_tick(struct ioloop *l)
{
	struct io_uring_sqe *sqe = ioloop_sqe(l);

	l->tick_ts.tv_sec = 0;
	l->tick_ts.tv_nsec = TICK_MS * 1000000L;
	io_uring_prep_timeout(sqe, &l->tick_ts, 0, 0);
	ioloop_sqe_set_op(sqe, &l->tick_op);
}

static void run_messages(struct ioloop *l)
{
	struct list_head batch;
	struct loop_msg *m, *tmp;

	list_init(&batch);
	pthread_mutex_lock(&l->msg_lock);
	if (!list_empty(&l->msgs)) {
		/* Splice the whole list so callbacks may post new messages. */
		batch.next = l->msgs.next;
		batch.prev = l->msgs.prev;
		batch.next->prev = &batch;
		batch.prev->next = &batch;
		list_init(&l->msgs);
	}
	pthread_mutex_unlock(&l->msg_lock);

	list_for_each_entry_safe(m, tmp, &batch, node) {
		list_del(&m->node);
		m->fn(m->arg);
		if (m->done) {
			pthread_mutex_lock(m->done_lock);
			*m->done = true;
			pthread_cond_signal(m->done_cond);
			pthread_mutex_unlock(m->done_lock);
		}
		free(m);
	}
}

static void on_eventfd(struct io_op *op, int res)
{
	struct ioloop *l = container_of(op, struct ioloop, efd_op);

	(void)res;
	run_messages(l);
	if (!l->stop)
		arm_eventfd_read(l);
}

/* The due timers move to a list of their own first: a callback may cancel
 * or re-arm any other timer (a connection closing stops all of its own),
 * which a walk of l->timers could not survive.  A timer stays `armed`
 * while it waits there, so cancelling it takes it out. */
static void fire_due_timers(struct ioloop *l)
{
	uint64_t now = now_ms();
	struct io_timer *t, *tmp;
	struct list_head due;

	list_init(&due);
	list_for_each_entry_safe(t, tmp, &l->timers, node) {
		if (t->deadline_ms > now)
			continue;
		list_del(&t->node);
		list_add_tail(&t->node, &due);
	}
	while (!list_empty(&due)) {
		t = list_first_entry(&due, struct io_timer, node);
		list_del(&t->node);
		t->armed = false;
		t->fn(t);
	}
}

static void on_tick(struct io_op *op, int res)
{
	struct ioloop *l = container_of(op, struct ioloop, tick_op);

	(void)res;
	fire_due_timers(l);
	if (!l->stop)
		arm_tick(l);
}

static void run_deferred(struct ioloop *l)
{
	while (!list_empty(&l->deferred)) {
		struct io_defer *d = list_first_entry(&l->deferred, struct io_defer, node);

		list_del(&d->node);
		d->queued = false;
		d->fn(d);
	}
}

static void dispatch_completions(struct ioloop *l)
{
	struct io_uring_cqe *cqes[CQE_BATCH];
	struct { struct io_op *op; int res; } done[CQE_BATCH];
	unsigned n;

	/* Copy out and advance first: a callback may submit and so reap. */
	while ((n = io_uring_peek_batch_cqe(&l->ring, cqes, CQE_BATCH)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			done[i].op = io_uring_cqe_get_data(cqes[i]);
			done[i].res = cqes[i]->res;
		}
		io_uring_cq_advance(&l->ring, n);
		for (unsigned i = 0; i < n; i++)
			if (done[i].op)
				done[i].op->cb(done[i].op, done[i].res);
		run_deferred(l);
	}
}

static void *loop_main(void *arg)
{
	struct ioloop *l = arg;

	if (l->ring_disabled) {
		/* liburing 2.3 has no wrapper for this registration opcode. */
		long rc = syscall(__NR_io_uring_register, l->ring.ring_fd,
				  IORING_REGISTER_ENABLE_RINGS, NULL, 0);

		if (rc < 0) {
			log_err("io loop %u: cannot enable ring: %s", l->idx, strerror(errno));
			return NULL;
		}
	}
	/* Every iteration enters the kernel once: a registered ring fd spares
	 * that entry the file table lookup.  Optional: without it the plain
	 * fd works the same. */
	l->ring_fd_registered = io_uring_register_ring_fd(&l->ring) == 1;
	if (!l->ring_fd_registered)
		log_debug("io loop %u: ring fd not registered", l->idx);
	current_loop = l;
	arm_eventfd_read(l);
	arm_tick(l);
	while (!l->stop) {
		int rc;

		run_deferred(l);
		rc = io_uring_submit_and_wait(&l->ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
			log_err("io loop %u: io_uring_submit_and_wait: %s", l->idx, strerror(-rc));
			break;
		}
		dispatch_completions(l);
	}
	/* Last messages (e.g. shutdown work posted right before stop); once
	 * none is left, post() refuses new ones, so none is ever stranded. */
	for (;;) {
		bool empty;

		run_messages(l);
		pthread_mutex_lock(&l->msg_lock);
		empty = list_empty(&l->msgs);
		if (empty)
			__atomic_store_n(&l->parked, true, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&l->msg_lock);
		if (empty)
			break;
	}
	/* The registration belongs to this thread; queue_exit runs elsewhere. */
	if (l->ring_fd_registered)
		io_uring_unregister_ring_fd(&l->ring);
	current_loop = NULL;
	return NULL;
}

/* SINGLE_ISSUER binds the ring to the task that enables it, so the ring is
 * created disabled here and enabled by the loop thread itself. */
static int ring_init(struct io_uring *ring, bool *disabled)
{
	struct io_uring_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE |
		  IORING_SETUP_R_DISABLED;
	p.cq_entries = RING_ENTRIES * 4;
	rc = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
	if (rc == -EINVAL) {
		*disabled = false;
		/* Older kernels: plain ring. */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = RING_ENTRIES * 4;
		rc = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
	}
	return rc;
}

/* The ring and eventfd of a loop about to (re)start.  A loop that ran
 * before keeps its msg_lock and message list: other threads may be in
 * post() on it right now (and are refused while it is parked). */
static int loop_open(struct ioloop *l)
{
	int rc;

	l->stop = false;
	l->ring_fd_registered = false;
	list_init(&l->deferred);
	list_init(&l->timers);
	l->efd_op.cb = on_eventfd;
	l->tick_op.cb = on_tick;
	l->efd = eventfd(0, EFD_CLOEXEC);
	if (l->efd < 0)
		return -errno;
	l->ring_disabled = true;
	rc = ring_init(&l->ring, &l->ring_disabled);
	if (rc < 0) {
		close(l->efd);
		return rc;
	}
	return 0;
}

static int loop_init(struct ioloop *l, unsigned idx)
{
	memset(l, 0, sizeof(*l));
	l->idx = idx;
	list_init(&l->msgs);
	pthread_mutex_init(&l->msg_lock, NULL);
	return loop_open(l);
}

static void loop_close(struct ioloop *l)
{
	io_uring_queue_exit(&l->ring);
	close(l->efd);
}

/* The thread is named before its creator returns: whoever counts the
 * scstd-ioN threads right after a start sees it. */
static int spawn_thread(struct ioloop *l)
{
	char name[16];
	int rc = pthread_create(&l->thread, NULL, loop_main, l);

	if (rc) {
		log_err("cannot start I/O thread %u: %s", l->idx, strerror(rc));
		loop_close(l);
		return -rc;
	}
	snprintf(name, sizeof(name), "scstd-io%u", l->idx);
	pthread_setname_np(l->thread, name);
	return 0;
}

/* Caller holds resize_lock.  The next loop set up and its thread
 * running; published (ioloop_count) only then. */
static int start_loop(void)
{
	unsigned idx = ioloop_count();
	int rc;

	if (idx >= IOLOOP_MAX)
		return -EAGAIN;
	rc = loop_init(&loops[idx], idx);

	if (rc < 0) {
		log_err("cannot set up io_uring for I/O thread %u: %s", idx, strerror(-rc));
		return rc;
	}
	rc = spawn_thread(&loops[idx]);
	if (rc < 0)
		return rc;
	__atomic_store_n(&nloops, idx + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Caller holds resize_lock. */
static int start_shared_loop(void)
{
	int rc = start_loop();

	if (rc == 0)
		shared_idx[nshared++] = ioloop_count() - 1;
	return rc;
}

int ioloops_start(unsigned n)
{
	int rc = 0;

	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (n > IOLOOP_MAX)
		n = IOLOOP_MAX;
	pthread_mutex_lock(&resize_lock);
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = start_shared_loop();
	if (rc == 0) {
		nstart = n;
		__atomic_store_n(&nactive, n, __ATOMIC_RELEASE);
		log_info("started %u I/O thread%s (io_uring)", n, n == 1 ? "" : "s");
	}
	pthread_mutex_unlock(&resize_lock);
	return rc;
}

/* Caller holds resize_lock.  A parked loop runs again in its slot (its
 * index and address stay the same); it takes posts once its thread runs. */
static int restart_loop(struct ioloop *l)
{
	int rc = loop_open(l);

	if (rc < 0) {
		log_err("cannot set up io_uring for I/O thread %u: %s", l->idx, strerror(-rc));
		return rc;
	}
	rc = spawn_thread(l);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&l->msg_lock);
	__atomic_store_n(&l->parked, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->msg_lock);
	log_info("I/O thread %u runs again", l->idx);
	return 0;
}

bool ioloop_running(const struct ioloop *l)
{
	return !__atomic_load_n(&l->parked, __ATOMIC_ACQUIRE);
}

/* SCST's `threads` store: more loops start at once (parked ones first);
 * fewer take the loops above n out of service for new connections and
 * sessions.  Those keep serving what they have until the caller moved it
 * away and parks them (ioloop_park). */
int ioloops_set_active(unsigned n)
{
	unsigned had;
	int rc = 0;

	if (n == 0 || n > IOLOOP_MAX)
		return -EINVAL;
	pthread_mutex_lock(&park_lock);
	pthread_mutex_lock(&resize_lock);
	had = ioloop_count();
	if (!had) {
		pthread_mutex_unlock(&resize_lock);
		pthread_mutex_unlock(&park_lock);
		return -ESRCH;                 /* stopped, or not started yet */
	}
	for (unsigned i = 0; i < n && i < nshared && rc == 0; i++)
		if (!ioloop_running(&loops[shared_idx[i]]))
			rc = restart_loop(&loops[shared_idx[i]]);
	while (nshared < n && rc == 0)
		rc = start_shared_loop();
	if (rc == 0) {
		unsigned old = ioloop_active_count();

		__atomic_store_n(&nactive, n, __ATOMIC_RELEASE);
		log_info("I/O threads: %u -> %u taking new work", old, n);
	}
	pthread_mutex_unlock(&resize_lock);
	pthread_mutex_unlock(&park_lock);
	return rc;
}

unsigned ioloops_surplus(struct ioloop **out, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&resize_lock);
	for (unsigned i = ioloop_active_count(); i < nshared && n < max; i++)
		if (ioloop_running(&loops[shared_idx[i]]))
			out[n++] = &loops[shared_idx[i]];
	pthread_mutex_unlock(&resize_lock);
	return n;
}

/* Caller holds resize_lock. */
static bool takes_new_work(const struct ioloop *l)
{
	for (unsigned i = 0; i < ioloop_active_count(); i++)
		if (shared_idx[i] == l->idx)
			return true;
	return false;
}

bool ioloop_in_service(const struct ioloop *l)
{
	bool yes;

	pthread_mutex_lock(&resize_lock);
	yes = ioloop_running(l) && (l->reserved || takes_new_work(l));
	pthread_mutex_unlock(&resize_lock);
	return yes;
}

unsigned ioloop_attached(const struct ioloop *l)
{
	return __atomic_load_n(&l->attached, __ATOMIC_RELAXED);
}

void ioloop_hold(struct ioloop *l)
{
	__atomic_add_fetch(&l->holds, 1, __ATOMIC_RELAXED);
}

void ioloop_release(struct ioloop *l)
{
	__atomic_sub_fetch(&l->holds, 1, __ATOMIC_RELAXED);
}

static void mark_stop(void *arg);

int ioloop_park(struct ioloop *l)
{
	int rc = 0;

	pthread_mutex_lock(&park_lock);
	pthread_mutex_lock(&resize_lock);
	if (!ioloop_running(l))
		rc = 1;
	else if (l->reserved || takes_new_work(l) || ioloop_attached(l) ||
		 __atomic_load_n(&l->holds, __ATOMIC_RELAXED))
		rc = -EBUSY;
	else
		rc = ioloop_run_on(l, mark_stop, l);
	pthread_mutex_unlock(&resize_lock);
	if (rc == 0) {
		pthread_join(l->thread, NULL);
		loop_close(l);
		log_info("I/O thread %u ended", l->idx);
	}
	pthread_mutex_unlock(&park_lock);
	return rc < 0 ? rc : 0;
}

static void wake(struct ioloop *l)
{
	uint64_t one = 1;

	if (write(l->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("io loop %u: eventfd write: %s", l->idx, strerror(errno));
}

static void mark_stop(void *arg)
{
	struct ioloop *l = arg;

	l->stop = true;
}

struct ioloop *ioloop_start_reserved(void)
{
	struct ioloop *l = NULL;

	pthread_mutex_lock(&resize_lock);
	if (ioloop_count() && start_loop() == 0) {
		l = &loops[ioloop_count() - 1];
		l->reserved = true;
		log_info("started reserved I/O thread %u", l->idx);
	}
	pthread_mutex_unlock(&resize_lock);
	return l;
}

int ioloop_set_affinity(struct ioloop *l, const cpu_set_t *cpus)
{
	return -pthread_setaffinity_np(l->thread, sizeof(*cpus), cpus);
}

void ioloops_stop(void)
{
	bool was_running[IOLOOP_MAX];
	unsigned n;

	pthread_mutex_lock(&resize_lock);
	n = ioloop_count();
	for (unsigned i = 0; i < n; i++)
		was_running[i] = ioloop_run_on(&loops[i], mark_stop, &loops[i]) == 0;
	for (unsigned i = 0; i < n; i++) {
		if (!was_running[i])
			continue;                      /* parked: joined then */
		pthread_join(loops[i].thread, NULL);
		loop_close(&loops[i]);
	}
	__atomic_store_n(&nactive, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&nloops, 0, __ATOMIC_RELEASE);
	nshared = 0;
	pthread_mutex_unlock(&resize_lock);
}

/* Refused (-ESRCH) on a parked loop; the wake happens under msg_lock
 * so that the eventfd is never written after the loop closed it. */
static int post(struct ioloop *l, struct loop_msg *m)
{
	pthread_mutex_lock(&l->msg_lock);
	if (__atomic_load_n(&l->parked, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&l->msg_lock);
		free(m);
		return -ESRCH;
	}
	list_add_tail(&m->node, &l->msgs);
	wake(l);
	pthread_mutex_unlock(&l->msg_lock);
	return 0;
}

int ioloop_run_on(struct ioloop *l, void (*fn)(void *), void *arg)
{
	struct loop_msg *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->fn = fn;
	m->arg = arg;
	return post(l, m);
}

int ioloop_run_on_sync(struct ioloop *l, void (*fn)(void *), void *arg)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	bool done = false;
	struct loop_msg *m;

	if (current_loop == l) {
		fn(arg);
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fn = fn;
	m->arg = arg;
	m->done_lock = &lock;
	m->done_cond = &cond;
	m->done = &done;
	if (post(l, m) < 0)
		return -ESRCH;
	pthread_mutex_lock(&lock);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}
