/* in_use_retry.c - retrying a bind while a dead predecessor lets go of the
 * address (see in_use_retry.h). */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util/in_use_retry.h"

#define IN_USE_RETRY_STEP_US 1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int in_use_retry(int (*attempt)(void *arg), void *arg)
{
	long long deadline = now_ms() + IN_USE_RETRY_MS;
	int rc;

	while ((rc = attempt(arg)) == -EADDRINUSE && now_ms() < deadline)
		usleep(IN_USE_RETRY_STEP_US);
	return rc;
}
