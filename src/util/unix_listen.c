/* unix_listen.c - UNIX-socket servers at a path (see unix_listen.h). */
#include "util/unix_listen.h"
#include "util/mkdir_p.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The socket's directory; new directories are private. */
static int make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir_p(dir, 0700);
}

int unix_listen_open(const char *path, int type, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	rc = make_parent_dirs(path);
	if (rc < 0)
		return rc;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket file left by a daemon that died is replaced; a live one
	 * would answer a connect, and then we refuse to start. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, backlog) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void *accept_main(void *arg)
{
	struct unix_server *s = arg;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = s->fd, .events = POLLIN },
					 { .fd = s->stop[0], .events = POLLIN } };
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			s->on_accept(fd);
		else if (errno == EMFILE || errno == ENFILE)
			usleep(100 * 1000);     /* until a descriptor frees */
	}
	return NULL;
}

int unix_server_start(struct unix_server *s, const char *path, int type, int backlog)
{
	int rc;

	s->fd = unix_listen_open(path, type, backlog);
	if (s->fd < 0) {
		rc = s->fd;
		s->fd = -1;
		return rc;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (pipe2(s->stop, O_CLOEXEC) < 0) {
		rc = -errno;
		unix_server_close(s);
		return rc;
	}
	rc = -pthread_create(&s->thread, NULL, accept_main, s);
	if (rc < 0) {
		unix_server_close(s);
		return rc;
	}
	s->running = true;
	return 0;
}

void unix_server_stop_accepting(struct unix_server *s)
{
	if (!s->running)
		return;
	if (write(s->stop[1], "x", 1) < 0)
		return;                 /* cannot happen: the pipe is ours and empty */
	pthread_join(s->thread, NULL);
	s->running = false;
}

void unix_server_close(struct unix_server *s)
{
	unix_server_stop_accepting(s);
	for (int i = 0; i < 2; i++) {
		if (s->stop[i] >= 0)
			close(s->stop[i]);
		s->stop[i] = -1;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
		unlink(s->path);
	}
}
