/* send_cost.c - owns the measurement behind zero-copy READ: what a sender
 * spends in CPU per MiB to put a file's bytes on a loopback TCP
 * connection, three ways: pread into a buffer then sendmsg (what fileio
 * did), sendmsg straight from a read-only mapping of the file (what it
 * lends now), and splice file -> pipe -> socket (the page-reference
 * path).  Each MiB goes with a 48-byte header, as a Data-In would; a
 * child process drains the connection.  The sender's utime + stime over
 * the window, divided by the MiB sent, is the figure: on loopback the
 * sender also runs the receiver's TCP input, as scstd does.
 *
 *   send-cost FILE copy|map|splice [SECS]
 *
 * FILE should be at least a few MiB (a /dev/shm file for the page cache
 * case); the last line is RESULT mode=... mbps=... sender_us_per_mib=... */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)
#define HDR 48

enum mode { MODE_COPY, MODE_MAP, MODE_SPLICE };

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A connected pair over 127.0.0.1: *tx is ours, the child drains *rx. */
static void loopback_pair(int *tx, pid_t *child)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0 || listen(l, 1) < 0)
		die("listen");
	*child = fork();
	if (*child < 0)
		die("fork");
	if (*child == 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		char *buf = malloc(MIB);

		if (s < 0 || !buf || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		while (recv(s, buf, MIB, 0) > 0)
			;
		_exit(0);
	}
	*tx = accept(l, NULL, NULL);
	if (*tx < 0)
		die("accept");
	setsockopt(*tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
}

static void send_all(int s, struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };

	while (m.msg_iovlen) {
		ssize_t w = sendmsg(s, &m, MSG_NOSIGNAL);

		if (w <= 0)
			die("sendmsg");
		while (w > 0 && m.msg_iovlen) {
			size_t take = (size_t)w < m.msg_iov->iov_len ? (size_t)w : m.msg_iov->iov_len;

			m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + take;
			m.msg_iov->iov_len -= take;
			w -= (ssize_t)take;
			if (!m.msg_iov->iov_len) {
				m.msg_iov++;
				m.msg_iovlen--;
			}
		}
	}
}

static void splice_mib(int f, off_t off, int pipe_fd[2], int s)
{
	loff_t o = off;
	size_t left = MIB;

	while (left) {
		ssize_t in = splice(f, &o, pipe_fd[1], NULL, left, SPLICE_F_MOVE);

		if (in <= 0)
			die("splice from file");
		left -= (size_t)in;
		while (in > 0) {
			ssize_t out = splice(pipe_fd[0], NULL, s, NULL, (size_t)in,
					     SPLICE_F_MOVE | (left ? SPLICE_F_MORE : 0));

			if (out <= 0)
				die("splice to socket");
			in -= out;
		}
	}
}

int main(int argc, char **argv)
{
	static char hdr[HDR];
	enum mode mode;
	double secs = argc > 3 ? atof(argv[3]) : 3, t0, c0, t;
	const char *map = NULL;
	char *buf = malloc(MIB);
	int f, s, pipe_fd[2];
	struct stat st;
	long n = 0;
	off_t off = 0;
	pid_t child;

	if (argc < 3 || !buf) {
		fprintf(stderr, "usage: send-cost FILE copy|map|splice [SECS]\n");
		return 2;
	}
	mode = !strcmp(argv[2], "map") ? MODE_MAP : !strcmp(argv[2], "splice") ? MODE_SPLICE
										 : MODE_COPY;
	f = open(argv[1], O_RDONLY);
	if (f < 0 || fstat(f, &st) < 0 || st.st_size < (off_t)MIB)
		die(argv[1]);
	if (mode == MODE_MAP) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, f, 0);
		if (map == MAP_FAILED)
			die("mmap");
	}
	if (pipe(pipe_fd) < 0 || fcntl(pipe_fd[1], F_SETPIPE_SZ, MIB) < 0)
		die("pipe");
	loopback_pair(&s, &child);
	t0 = now_s();
	c0 = cpu_s();
	while (now_s() - t0 < secs) {
		if (off + (off_t)MIB > st.st_size)
			off = 0;
		if (mode == MODE_SPLICE) {
			struct iovec h = { hdr, HDR };

			if (send(s, h.iov_base, h.iov_len, MSG_MORE | MSG_NOSIGNAL) != HDR)
				die("send");
			splice_mib(f, off, pipe_fd, s);
		} else {
			struct iovec iov[2] = { { hdr, HDR }, { buf, MIB } };

			if (mode == MODE_MAP)
				iov[1].iov_base = (void *)(map + off);
			else if (pread(f, buf, MIB, off) != (ssize_t)MIB)
				die("pread");
			send_all(s, iov, 2);
		}
		off += MIB;
		n++;
	}
	t = now_s() - t0;
	c0 = cpu_s() - c0;
	shutdown(s, SHUT_WR);
	waitpid(child, NULL, 0);
	printf("RESULT mode=%s mbps=%.0f sender_us_per_mib=%.1f\n", argv[2],
	       (double)n * MIB / 1e6 / t, c0 * 1e6 / (double)n);
	if (map)
		munmap((void *)map, (size_t)st.st_size);
	free(buf);
	return 0;
}
