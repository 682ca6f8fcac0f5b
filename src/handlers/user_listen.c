/* user_listen.c - the socket out-of-process device handlers attach
 * through (scstd --user-socket, 0600: attaching a handler is as
 * privileged as configuring a device).  Each connection gets a thread of
 * its own for its whole life (user_conn.c); at most USER_MAX_CONNS exist
 * at once, so a flood of connects cannot exhaust threads. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
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

static int listen_fd = -1;
static int stop_pipe[2] = { -1, -1 };
static pthread_t accept_thread;
static bool running;
static char sock_path[108];
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

static void *accept_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = listen_fd, .events = POLLIN },
					 { .fd = stop_pipe[0], .events = POLLIN } };
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			start_conn(fd);
		else if (errno == EMFILE || errno == ENFILE)
			usleep(100 * 1000);  /* a descriptor must free first */
	}
	return NULL;
}

int user_sock_start(const char *path)
{
	int rc;

	listen_fd = unix_listen_open(path, SOCK_SEQPACKET, 16);
	if (listen_fd < 0) {
		rc = listen_fd;
		listen_fd = -1;
		log_err("scst_user socket %s: %s", path, strerror(-rc));
		return rc;
	}
	if (pipe2(stop_pipe, O_CLOEXEC) < 0 ||
	    (rc = -pthread_create(&accept_thread, NULL, accept_main, NULL)) < 0) {
		rc = -errno;
		log_err("scst_user socket %s: cannot start: %s", path, strerror(-rc));
		close(listen_fd);
		unlink(path);
		listen_fd = -1;
		for (int i = 0; i < 2; i++)
			if (stop_pipe[i] >= 0)
				close(stop_pipe[i]);
		stop_pipe[0] = stop_pipe[1] = -1;
		return rc;
	}
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	running = true;
	log_info("scst_user handler socket on %s", path);
	return 0;
}

/* Connections already attached end with their devices (deletion hangs
 * them up); only new attaches stop here. */
void user_sock_stop(void)
{
	if (!running)
		return;
	if (write(stop_pipe[1], "x", 1) < 0)
		log_warn("scst_user socket: cannot signal stop");
	pthread_join(accept_thread, NULL);
	close(listen_fd);
	unlink(sock_path);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	listen_fd = stop_pipe[0] = stop_pipe[1] = -1;
	running = false;
}
