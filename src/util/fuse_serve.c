/* fuse_serve.c - see fuse_serve.h.  /dev/fuse is made non-blocking: with
 * several threads polling it, one request wakes them all and only one
 * gets it; the others go back to poll on EAGAIN instead of sleeping in
 * read(2) past the stop. */
#define FUSE_USE_VERSION 31
#include "util/fuse_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "util/log.h"

#define FUSE_SERVE_MAX_THREADS 16

struct fuse_server {
	struct fuse_session *se;
	int stop_fd;
	unsigned nthreads;
	const char *what;
	pthread_t threads[FUSE_SERVE_MAX_THREADS];
};

static void *serve_thread(void *arg)
{
	struct fuse_server *s = arg;
	struct fuse_buf buf = { .mem = NULL };
	struct pollfd pfd[2] = {
		{ .fd = fuse_session_fd(s->se), .events = POLLIN },
		{ .fd = s->stop_fd, .events = POLLIN },
	};
	int rc;

	while (!fuse_session_exited(s->se)) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("%s: poll: %s", s->what, strerror(errno));
			break;
		}
		if (pfd[1].revents || !(pfd[0].revents & POLLIN))
			break;          /* told to stop, or the connection is gone */
		rc = fuse_session_receive_buf(s->se, &buf);
		if (rc == -EINTR || rc == -EAGAIN)
			continue;
		if (rc <= 0)
			break;
		fuse_session_process_buf(s->se, &buf);
	}
	free(buf.mem);
	return NULL;
}

struct fuse_server *fuse_server_start(struct fuse *f, unsigned nthreads, const char *what)
{
	struct fuse_server *s = calloc(1, sizeof(*s));
	int fd, rc;

	if (!s)
		return NULL;
	if (nthreads < 1 || nthreads > FUSE_SERVE_MAX_THREADS)
		nthreads = nthreads < 1 ? 1 : FUSE_SERVE_MAX_THREADS;
	s->se = fuse_get_session(f);
	s->what = what;
	fd = fuse_session_fd(s->se);
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		rc = errno;
		goto fail;
	}
	for (s->nthreads = 0; s->nthreads < nthreads; s->nthreads++) {
		rc = pthread_create(&s->threads[s->nthreads], NULL, serve_thread, s);
		if (rc) {
			if (s->nthreads)
				break;  /* fewer threads serve as well, only slower */
			goto fail;
		}
	}
	return s;
fail:
	log_err("%s: cannot start serving: %s", what, strerror(rc));
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s);
	errno = rc;
	return NULL;
}

void fuse_server_stop(struct fuse_server *s)
{
	fuse_session_exit(s->se);
	if (eventfd_write(s->stop_fd, 1) < 0)
		log_err("%s: cannot wake its threads: %s", s->what, strerror(errno));
	for (unsigned i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	close(s->stop_fd);
	free(s);
}
