/* io_claim.c - the sanitizer-build registry of memory lent to the kernel
 * by in-flight io_uring ops (see io_claim.h).  One mutex-guarded array for
 * all loops: buffers come from per-thread caches but may be freed on
 * another thread, and the cost only matters in debug builds. */
#include "util/io_claim.h"

#ifdef SCSTD_IO_CLAIM
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/log.h"

struct claim {
	const void *owner;
	uintptr_t base, end;
};

static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;
static struct claim *claims;
static size_t nclaims, claims_cap;

static void claims_grow(void)
{
	size_t cap = claims_cap ? claims_cap * 2 : 256;
	struct claim *c = realloc(claims, cap * sizeof(*c));

	if (!c) {
		log_err("io_claim: out of memory");
		abort();
	}
	claims = c;
	claims_cap = cap;
}

void io_claim(const void *owner, const void *base, size_t len)
{
	if (!len)
		return;
	pthread_mutex_lock(&claims_lock);
	if (nclaims == claims_cap)
		claims_grow();
	claims[nclaims].owner = owner;
	claims[nclaims].base = (uintptr_t)base;
	claims[nclaims].end = (uintptr_t)base + len;
	nclaims++;
	pthread_mutex_unlock(&claims_lock);
}

void io_unclaim(const void *owner)
{
	pthread_mutex_lock(&claims_lock);
	for (size_t i = 0; i < nclaims;) {
		if (claims[i].owner == owner)
			claims[i] = claims[--nclaims];
		else
			i++;
	}
	pthread_mutex_unlock(&claims_lock);
}

void io_claim_check_free(const void *base, size_t len, const char *what)
{
	uintptr_t b = (uintptr_t)base, e = b + len;

	if (!base || !len)
		return;
	pthread_mutex_lock(&claims_lock);
	for (size_t i = 0; i < nclaims; i++) {
		if (claims[i].base < e && b < claims[i].end) {
			log_err("io_claim: %s %p+%zu freed while io_uring op %p still uses "
				"%p+%zu", what, base, len, claims[i].owner,
				(void *)claims[i].base, (size_t)(claims[i].end - claims[i].base));
			abort();
		}
	}
	pthread_mutex_unlock(&claims_lock);
}
#else
/* Nothing is compiled outside sanitizer builds; ISO C wants a declaration. */
typedef int io_claim_unused;
#endif
