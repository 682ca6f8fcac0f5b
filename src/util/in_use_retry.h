/* in_use_retry.h - claiming an address that a daemon killed a moment ago
 * may still hold.
 *
 * After kill -9 the old process keeps its listening sockets until the
 * kernel has finished tearing it down (10-20 ms with open connections),
 * and SO_REUSEADDR does not help against a socket that still listens.
 * A restart therefore retries for a short while instead of failing. */
#ifndef SCSTD_UTIL_IN_USE_RETRY_H
#define SCSTD_UTIL_IN_USE_RETRY_H

/* How long an address may stay busy before the claim gives up. */
#define IN_USE_RETRY_MS 2000

/* Calls attempt(arg) until it returns something else than -EADDRINUSE or
 * IN_USE_RETRY_MS have passed; its last result. */
int in_use_retry(int (*attempt)(void *arg), void *arg);

#endif
