/* io_claim.h - debug bookkeeping of memory lent to the kernel by io_uring.
 *
 * A recv, send, read or write op names user memory that the kernel may
 * copy into or out of until its CQE arrives, and that copy is invisible to
 * ASAN.  In sanitizer builds every such range is recorded when the op is
 * submitted and dropped at its completion; freeing memory that overlaps a
 * recorded range aborts with one log line naming both.  Other builds
 * compile all of it away, so the I/O fast path is unchanged. */
#ifndef SCSTD_UTIL_IO_CLAIM_H
#define SCSTD_UTIL_IO_CLAIM_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define SCSTD_IO_CLAIM 1
#endif

#ifdef SCSTD_IO_CLAIM
/* owner identifies the op (one op owns at most a few ranges at a time). */
void io_claim(const void *owner, const void *base, size_t len);
/* Drops every range of owner: its CQE has arrived. */
void io_unclaim(const void *owner);
/* Aborts when [base, base+len) overlaps memory the kernel may still use. */
void io_claim_check_free(const void *base, size_t len, const char *what);
#else
static inline void io_claim(const void *owner, const void *base, size_t len)
{
	(void)owner;
	(void)base;
	(void)len;
}

static inline void io_unclaim(const void *owner)
{
	(void)owner;
}

static inline void io_claim_check_free(const void *base, size_t len, const char *what)
{
	(void)base;
	(void)len;
	(void)what;
}
#endif

#endif
