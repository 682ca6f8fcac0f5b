/* daemonize.c - background start with a readiness pipe, and the pid file
 * (see daemonize.h).  The pipe carries one byte once the daemon serves;
 * a daemon that dies first closes it empty, and the parent, which still
 * has the terminal, reports the daemon's exit status. */
#include "daemonize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "util/log.h"

static int ready_fd = -1;
static int pid_fd = -1;
static char *pid_path;

static void __attribute__((noreturn)) parent_wait(pid_t child, int fd)
{
	char c;
	ssize_t n;
	int status;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	/* Closed without a byte: the daemon ended before it was ready. */
	if (waitpid(child, &status, 0) < 0) {
		fprintf(stderr, "scstd: the daemon failed to start\n");
		_exit(1);
	}
	if (WIFEXITED(status)) {
		fprintf(stderr, "scstd: the daemon failed to start (exit status %d)\n",
			WEXITSTATUS(status));
		_exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
	}
	fprintf(stderr, "scstd: the daemon failed to start (killed by signal %d)\n",
		WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	_exit(1);
}

int daemon_detach(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		log_err("cannot daemonize: pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_err("cannot daemonize: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(pid, p[0]);
	}
	close(p[0]);
	ready_fd = p[1];
	/* The working directory stays: relative --config, --var-dir and
	 * --pid-file paths mean what they meant to the caller. */
	setsid();
	return 0;
}

static void to_dev_null(int fd, int flags)
{
	int n = open("/dev/null", flags | O_CLOEXEC);

	if (n < 0)
		return;
	if (n != fd) {
		dup2(n, fd);
		close(n);
	}
}

void daemon_ready(bool keep_stderr)
{
	if (ready_fd < 0)
		return;
	to_dev_null(STDIN_FILENO, O_RDONLY);
	to_dev_null(STDOUT_FILENO, O_WRONLY);
	if (!keep_stderr)
		to_dev_null(STDERR_FILENO, O_WRONLY);
	if (write(ready_fd, "1", 1) != 1)
		log_warn("cannot tell the starting process that scstd is ready: %s",
			 strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

static pid_t pidfile_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid;
}

int pidfile_claim(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0) {
		log_err("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			log_err("pid file %s is held by running scstd (pid %ld)", path,
				(long)pidfile_holder(fd));
		else
			log_err("pid file %s: cannot lock: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	pid_path = strdup(path);
	if (!pid_path) {
		log_err("pid file %s: out of memory", path);
		close(fd);
		return -1;
	}
	pid_fd = fd;
	return 0;
}

int pidfile_write(void)
{
	char buf[24];
	int n;

	if (pid_fd < 0)
		return 0;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pid_fd, 0) < 0 || pwrite(pid_fd, buf, (size_t)n, 0) != n) {
		log_err("pid file %s: cannot write: %s", pid_path, strerror(errno));
		return -1;
	}
	return 0;
}

void pidfile_release(void)
{
	if (pid_fd < 0)
		return;
	/* Unlinked while still locked: a new scstd never sees our pid in a
	 * file it could lock. */
	unlink(pid_path);
	close(pid_fd);
	pid_fd = -1;
	free(pid_path);
	pid_path = NULL;
}
