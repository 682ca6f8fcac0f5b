/* user_area.h - page allocation in the data area an out-of-process handler
 * shares with scstd (handlers/user_conn.c).  Next-fit over a bitmap of
 * 4 KiB pages: the area is small (1 MiB .. 1 GiB) and only the handler's
 * connection thread allocates and frees, so there is no lock. */
#ifndef SCSTD_HANDLERS_USER_AREA_H
#define SCSTD_HANDLERS_USER_AREA_H

#include <stdbool.h>
#include <stdint.h>

#define USER_AREA_PAGE 4096u

struct user_area {
	uint64_t *bits;                  /* 1 = page in use */
	uint32_t npages;
	uint32_t used;
	uint32_t hint;                   /* where the next search starts */
};

/* 0 or -ENOMEM. */
int user_area_init(struct user_area *a, uint64_t bytes);
void user_area_destroy(struct user_area *a);
/* First page of a free run of n pages (1 <= n <= npages), or -1 when no
 * run is free now. */
int64_t user_area_alloc(struct user_area *a, uint32_t n);
void user_area_free(struct user_area *a, uint32_t first, uint32_t n);

#endif
