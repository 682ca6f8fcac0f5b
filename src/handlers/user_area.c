/* user_area.c - next-fit page runs in a handler's shared data area (see
 * user_area.h). */
#include "handlers/user_area.h"

#include <errno.h>
#include <stdlib.h>

static bool page_used(const struct user_area *a, uint32_t p)
{
	return a->bits[p / 64] >> (p % 64) & 1;
}

static void mark(struct user_area *a, uint32_t first, uint32_t n, bool used)
{
	for (uint32_t p = first; p < first + n; p++) {
		if (used)
			a->bits[p / 64] |= 1ull << (p % 64);
		else
			a->bits[p / 64] &= ~(1ull << (p % 64));
	}
}

int user_area_init(struct user_area *a, uint64_t bytes)
{
	a->npages = (uint32_t)(bytes / USER_AREA_PAGE);
	a->used = 0;
	a->hint = 0;
	a->bits = calloc((a->npages + 63) / 64, sizeof(*a->bits));
	return a->bits ? 0 : -ENOMEM;
}

void user_area_destroy(struct user_area *a)
{
	free(a->bits);
	a->bits = NULL;
}

/* The length of the free run starting at p, stopping at n. */
static uint32_t free_run(const struct user_area *a, uint32_t p, uint32_t n)
{
	uint32_t len = 0;

	while (len < n && p + len < a->npages && !page_used(a, p + len))
		len++;
	return len;
}

/* Searches [from, to) for a run of n. */
static int64_t search(struct user_area *a, uint32_t from, uint32_t to, uint32_t n)
{
	uint32_t p = from;

	while (p < to && p + n <= a->npages) {
		uint32_t run = free_run(a, p, n);

		if (run == n)
			return p;
		p += run + 1;
	}
	return -1;
}

int64_t user_area_alloc(struct user_area *a, uint32_t n)
{
	int64_t p;

	if (n == 0 || n > a->npages - a->used)
		return -1;
	p = search(a, a->hint, a->npages, n);
	if (p < 0)
		p = search(a, 0, a->hint, n);
	if (p < 0)
		return -1;
	mark(a, (uint32_t)p, n, true);
	a->used += n;
	a->hint = (uint32_t)p + n < a->npages ? (uint32_t)p + n : 0;
	return p;
}

void user_area_free(struct user_area *a, uint32_t first, uint32_t n)
{
	mark(a, first, n, false);
	a->used -= n;
}
