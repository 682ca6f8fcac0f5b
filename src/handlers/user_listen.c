/* user_listen.c - the socket out-of-process device handlers attach
 * through (scstd --user-socket, 0600: attaching a handler is as
 * privileged as configuring a device).  Each connection gets a thread of
 * its own for its whole life (user_conn.c); at most USER_MAX_CONNS exist
 * at once, so a flood of connects cannot exhaust threads. */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handlers/user.h"
#include "handlers/user_dev.h"
#include "util/log.h"
#include "util/unix_listen.h"

#define USER_MAX_CONNS 64

static unsigned conns;                   /* live connection threads */

static void *conn_main(void *arg)
{
	user_conn_serve((int)(intptr_t)arg);
	__atomic_sub_fetch(&conns, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void start_conn(int fd)
{
	pthread_attr_t attr;
	pthread_t t;

	if (__atomic_add_fetch(&conns, 1, __ATOMIC_RELAXED) > USER_MAX_CONNS) {
		log_warn("scst_user socket: %u handler connections already, refusing another",
			 USER_MAX_CONNS);
		goto refused;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, (void *)(intptr_t)fd) == 0) {
		pthread_attr_destroy(&attr);
		return;
	}
	pthread_attr_destroy(&attr);
	log_warn("scst_user socket: cannot start a connection thread");
refused:
	__atomic_sub_fetch(&conns, 1, __ATOMIC_RELAXED);
	close(fd);
}

static struct unix_server server = UNIX_SERVER_INIT(start_conn);

int user_sock_start(const char *path)
{
	int rc = unix_server_start(&server, path, SOCK_SEQPACKET, 16);

	if (rc < 0) {
		log_err("scst_user socket %s: %s", path, strerror(-rc));
		return rc;
	}
	log_info("scst_user handler socket on %s", path);
	return 0;
}

/* Connections already attached end with their devices (deletion hangs
 * them up); only new attaches stop here. */
void user_sock_stop(void)
{
	unix_server_close(&server);
}
