/* sgv.c - the per-thread data buffer cache (the spec's SGV cache).
 *
 * Buffers come in power-of-two size classes from 4 KiB up; each thread keeps
 * a bounded free list per class, so the command path allocates without a
 * lock and without malloc once warm.  Buffers above the largest class go
 * straight to the allocator. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scst.h"

#define SGV_MIN_SHIFT   12              /* 4 KiB */
#define SGV_MAX_SHIFT   24              /* 16 MiB */
#define SGV_CLASSES     (SGV_MAX_SHIFT - SGV_MIN_SHIFT + 1)
#define SGV_KEEP        64              /* free buffers kept per class */
#define SGV_ALIGN       4096            /* O_DIRECT friendly */

struct sgv_free {
	struct sgv_free *next;
};

struct sgv_class {
	struct sgv_free *free;
	unsigned nfree;
};

static __thread struct sgv_class sgv_classes[SGV_CLASSES];
static __thread bool sgv_thread_registered;
static pthread_key_t sgv_key;
static pthread_once_t sgv_once = PTHREAD_ONCE_INIT;

/* An I/O thread that exits gives its cached buffers back. */
static void sgv_thread_exit(void *unused)
{
	(void)unused;
	for (int c = 0; c < SGV_CLASSES; c++) {
		while (sgv_classes[c].free) {
			struct sgv_free *f = sgv_classes[c].free;

			sgv_classes[c].free = f->next;
			free(f);
		}
		sgv_classes[c].nfree = 0;
	}
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

static void sgv_register_thread(void)
{
	pthread_once(&sgv_once, sgv_key_create);
	pthread_setspecific(sgv_key, &sgv_thread_registered);
	sgv_thread_registered = true;
}

/* Global counters for the sgv/global_stats attribute. */
uint64_t scst_sgv_hits, scst_sgv_misses, scst_sgv_big;

static int size_class(uint32_t size)
{
	unsigned shift = SGV_MIN_SHIFT;

	while (shift <= SGV_MAX_SHIFT && (1u << shift) < size)
		shift++;
	return shift > SGV_MAX_SHIFT ? -1 : (int)(shift - SGV_MIN_SHIFT);
}

void *scst_buf_alloc(uint32_t size, uint32_t *actual)
{
	int c = size_class(size ? size : 1);
	void *p;

	if (c < 0) {
		__atomic_fetch_add(&scst_sgv_big, 1, __ATOMIC_RELAXED);
		if (posix_memalign(&p, SGV_ALIGN, size))
			return NULL;
		*actual = size;
		return p;
	}
	*actual = 1u << (c + SGV_MIN_SHIFT);
	if (sgv_classes[c].free) {
		struct sgv_free *f = sgv_classes[c].free;

		sgv_classes[c].free = f->next;
		sgv_classes[c].nfree--;
		__atomic_fetch_add(&scst_sgv_hits, 1, __ATOMIC_RELAXED);
		return f;
	}
	__atomic_fetch_add(&scst_sgv_misses, 1, __ATOMIC_RELAXED);
	if (posix_memalign(&p, SGV_ALIGN, *actual))
		return NULL;
	return p;
}

void scst_buf_free(void *buf, uint32_t size)
{
	int c;

	if (!buf)
		return;
	c = size_class(size);
	if (c < 0 || (1u << (c + SGV_MIN_SHIFT)) != size || sgv_classes[c].nfree >= SGV_KEEP) {
		free(buf);
		return;
	}
	if (!sgv_thread_registered)
		sgv_register_thread();
	((struct sgv_free *)buf)->next = sgv_classes[c].free;
	sgv_classes[c].free = buf;
	sgv_classes[c].nfree++;
}
