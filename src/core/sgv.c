/* sgv.c - the per-thread data buffer cache (the spec's SGV cache) and its
 * statistics.
 *
 * Buffers come in power-of-two size classes from 4 KiB up; each thread keeps
 * a bounded free list per class, so the command path allocates without a
 * lock and without malloc once warm.  Buffers above the largest class go
 * straight to the allocator ("big" allocations).
 *
 * All threads' free lists together are one cache, shown as sgv/sgv in the
 * management tree, its size classes as the per-order lines sgv-4K ...
 * sgv-16384K (SCST's scst_mem.c names a pool's lines the same way).  Each
 * thread counts into its own block, which only that thread writes (plain
 * relaxed stores, no read-modify-write on a shared line); a reader sums
 * the registered blocks under sgv_reg_lock.  A thread that ends folds its
 * counters into the retired sum, so the totals never go back.
 *
 * Each buffer handed out is charged to the command memory limit
 * (cmd_mem.c) by the bytes it really takes, and uncharged when freed. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scst.h"
#include "util/io_claim.h"
#include "util/list.h"

#define SGV_MIN_SHIFT   12              /* 4 KiB */
#define SGV_MAX_SHIFT   24              /* 16 MiB */
#define SGV_CLASSES     (SGV_MAX_SHIFT - SGV_MIN_SHIFT + 1)
#define SGV_KEEP        64              /* free buffers kept per class */
#define SGV_ALIGN       4096            /* O_DIRECT friendly */
#define SGV_PAGE        4096

_Static_assert(SGV_CLASSES == SCST_SGV_CLASSES, "scst.h's class count");

struct sgv_free {
	struct sgv_free *next;
};

struct sgv_class {
	struct sgv_free *free;
	unsigned nfree;                 /* also read by the stats reader */
};

/* Monotonic counters of one thread (or their sum). */
struct sgv_counts {
	uint64_t hit[SGV_CLASSES], total[SGV_CLASSES], freed[SGV_CLASSES];
	uint64_t big_alloc, big_pages, big_freed, big_freed_pages;
};

struct sgv_thread {
	struct sgv_class classes[SGV_CLASSES];
	struct sgv_counts counts;
	struct list_head node;          /* in sgv_threads while registered */
	bool registered;
};

static __thread struct sgv_thread sgv_self;
static pthread_key_t sgv_key;
static pthread_once_t sgv_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t sgv_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head sgv_threads = LIST_HEAD_INIT(sgv_threads);
static struct sgv_counts sgv_retired;   /* of threads gone, under sgv_reg_lock */

/* The owner is the only writer, so load + store is exact; relaxed atomics
 * only keep the concurrent reader well-defined. */
static inline void count_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t count_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void counts_add(struct sgv_counts *sum, const struct sgv_counts *c)
{
	for (int i = 0; i < SGV_CLASSES; i++) {
		sum->hit[i] += count_read(&c->hit[i]);
		sum->total[i] += count_read(&c->total[i]);
		sum->freed[i] += count_read(&c->freed[i]);
	}
	sum->big_alloc += count_read(&c->big_alloc);
	sum->big_pages += count_read(&c->big_pages);
	sum->big_freed += count_read(&c->big_freed);
	sum->big_freed_pages += count_read(&c->big_freed_pages);
}

static void set_nfree(struct sgv_class *cl, unsigned n)
{
	__atomic_store_n(&cl->nfree, n, __ATOMIC_RELAXED);
}

/* An I/O thread that exits gives its cached buffers back and leaves its
 * counters to the retired sum. */
static void sgv_thread_exit(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&sgv_reg_lock);
	for (int c = 0; c < SGV_CLASSES; c++) {
		struct sgv_class *cl = &sgv_self.classes[c];

		while (cl->free) {
			struct sgv_free *f = cl->free;

			cl->free = f->next;
			free(f);
		}
		set_nfree(cl, 0);
	}
	if (sgv_self.registered) {
		counts_add(&sgv_retired, &sgv_self.counts);
		memset(&sgv_self.counts, 0, sizeof(sgv_self.counts));
		list_del(&sgv_self.node);
		sgv_self.registered = false;
	}
	pthread_mutex_unlock(&sgv_reg_lock);
	scst_cmd_mem_thread_exit();
}

/* The main thread never runs key destructors (it leaves through exit), yet
 * it frees the buffers of the commands still in flight at shutdown. */
void scst_sgv_thread_release(void)
{
	sgv_thread_exit(NULL);
}

static void sgv_key_create(void)
{
	pthread_key_create(&sgv_key, sgv_thread_exit);
}

/* Once per thread, off the warm path. */
static void sgv_register_thread(void)
{
	pthread_once(&sgv_once, sgv_key_create);
	pthread_setspecific(sgv_key, &sgv_self);
	pthread_mutex_lock(&sgv_reg_lock);
	list_add_tail(&sgv_self.node, &sgv_threads);
	sgv_self.registered = true;
	pthread_mutex_unlock(&sgv_reg_lock);
}

static int size_class(uint32_t size)
{
	unsigned shift = SGV_MIN_SHIFT;

	while (shift <= SGV_MAX_SHIFT && (1u << shift) < size)
		shift++;
	return shift > SGV_MAX_SHIFT ? -1 : (int)(shift - SGV_MIN_SHIFT);
}

static uint64_t pages_of(uint64_t bytes)
{
	return (bytes + SGV_PAGE - 1) / SGV_PAGE;
}

static void *big_alloc(uint32_t size, uint32_t *actual)
{
	void *p;

	if (posix_memalign(&p, SGV_ALIGN, size)) {
		scst_cmd_mem_uncharge(size);
		return NULL;
	}
	count_add(&sgv_self.counts.big_alloc, 1);
	count_add(&sgv_self.counts.big_pages, pages_of(size));
	*actual = size;
	return p;
}

/* The bytes a request of size takes: its class's buffer, or itself. */
static uint32_t charged_size(uint32_t size)
{
	int c = size_class(size ? size : 1);

	return c < 0 ? size : 1u << (c + SGV_MIN_SHIFT);
}

/* The limit was checked (or waived) and the bytes charged. */
static void *alloc_charged(uint32_t size, uint32_t *actual)
{
	int c = size_class(size ? size : 1);
	struct sgv_class *cl;
	void *p;

	if (__builtin_expect(!sgv_self.registered, 0))
		sgv_register_thread();
	if (c < 0)
		return big_alloc(size, actual);
	*actual = 1u << (c + SGV_MIN_SHIFT);
	cl = &sgv_self.classes[c];
	count_add(&sgv_self.counts.total[c], 1);
	if (cl->free) {
		struct sgv_free *f = cl->free;

		cl->free = f->next;
		set_nfree(cl, cl->nfree - 1);
		count_add(&sgv_self.counts.hit[c], 1);
		return f;
	}
	if (posix_memalign(&p, SGV_ALIGN, *actual)) {
		count_add(&sgv_self.counts.freed[c], 1);        /* never handed out */
		scst_cmd_mem_uncharge(*actual);
		return NULL;
	}
	return p;
}

void *scst_buf_alloc(uint32_t size, uint32_t *actual)
{
	scst_cmd_mem_charge_forced(charged_size(size));
	return alloc_charged(size, actual);
}

void *scst_buf_alloc_limited(uint32_t size, uint32_t *actual, bool *over_limit)
{
	*over_limit = !scst_cmd_mem_charge(charged_size(size));
	if (*over_limit)
		return NULL;
	return alloc_charged(size, actual);
}

void scst_buf_free(void *buf, uint32_t size)
{
	struct sgv_class *cl;
	int c;

	if (!buf)
		return;
	io_claim_check_free(buf, size, "command buffer");
	if (__builtin_expect(!sgv_self.registered, 0))
		sgv_register_thread();
	scst_cmd_mem_uncharge(size);
	c = size_class(size);
	if (c < 0) {
		count_add(&sgv_self.counts.big_freed, 1);
		count_add(&sgv_self.counts.big_freed_pages, pages_of(size));
		free(buf);
		return;
	}
	count_add(&sgv_self.counts.freed[c], 1);
	cl = &sgv_self.classes[c];
	if ((1u << (c + SGV_MIN_SHIFT)) != size || cl->nfree >= SGV_KEEP) {
		free(buf);
		return;
	}
	((struct sgv_free *)buf)->next = cl->free;
	cl->free = buf;
	set_nfree(cl, cl->nfree + 1);
}

/* ---- statistics (management thread) ---- */

static void fill_class(struct scst_sgv_class_stats *cs, int c, const struct sgv_counts *sum,
		       uint64_t cached)
{
	cs->size = 1u << (c + SGV_MIN_SHIFT);
	cs->hit = sum->hit[c];
	cs->total = sum->total[c];
	cs->freed = sum->freed[c];
	/* A buffer may be freed on another thread than the one that got it,
	 * so only the sums balance. */
	cs->in_use = cs->total > cs->freed ? cs->total - cs->freed : 0;
	cs->cached = cached;
}

void scst_sgv_get_stats(struct scst_sgv_stats *st)
{
	uint64_t cached[SGV_CLASSES] = { 0 };
	struct sgv_counts sum;
	struct sgv_thread *t;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&sgv_reg_lock);
	sum = sgv_retired;
	list_for_each_entry(t, &sgv_threads, node) {
		counts_add(&sum, &t->counts);
		for (int c = 0; c < SGV_CLASSES; c++)
			cached[c] += __atomic_load_n(&t->classes[c].nfree, __ATOMIC_RELAXED);
		st->threads++;
	}
	pthread_mutex_unlock(&sgv_reg_lock);
	for (int c = 0; c < SGV_CLASSES; c++)
		fill_class(&st->cls[c], c, &sum, cached[c]);
	st->big_alloc = sum.big_alloc;
	st->big_pages = sum.big_pages;
	st->big_freed = sum.big_freed;
	st->big_in_use_pages = sum.big_pages > sum.big_freed_pages
			       ? sum.big_pages - sum.big_freed_pages : 0;
	st->keep_per_class = SGV_KEEP;
}
