/* tcp_ceiling.c - owns the loopback ceiling of the 1 MiB read rows: what
 * one TCP connection carries when a client keeps N requests of a small
 * header (48 bytes, a SCSI Command PDU's size) outstanding and a server
 * answers each with a 48-byte header plus the transfer (1 MiB), with no
 * SCSI work at all.  Both sides batch the way a good iSCSI pair does: the
 * server answers every request it has in one go, the client sends its
 * next requests together as responses complete.  Measured like
 * iscsi-bench: a warm-up, then a window; the last line is
 * RESULT mbps=... ios=... (bench/compare.sh parses it).
 *
 *   tcp-ceiling [-b BYTES] [-q N] [-t SECS] [-W SECS]
 *
 * iperf3 was the ceiling before; one unidirectional stream with its
 * default buffer sizes measured under what scstd itself carried, so the
 * ceiling is now this request/response shape of the same sizes. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HDR 48

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Every request it has: one header plus the payload each, sent as one
 * writev per request (the header and the data in one call, as scstd's
 * sendmsg does). */
static void serve(int fd, size_t bs)
{
	char *payload = calloc(1, bs), req[HDR * 64], hdr[HDR] = { 0 };
	size_t have = 0;

	if (!payload)
		_exit(1);
	for (;;) {
		ssize_t r = recv(fd, req + have, sizeof(req) - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(0);
		have += (size_t)r;
		size_t n = have / HDR;
		for (size_t i = 0; i < n; i++) {
			struct iovec iov[2] = { { hdr, HDR }, { payload, bs } };
			struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
			size_t left = HDR + bs;
			while (left) {
				ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					_exit(0);
				left -= (size_t)w;
				while (m.msg_iovlen && (size_t)w >= m.msg_iov->iov_len) {
					w -= (ssize_t)m.msg_iov->iov_len;
					m.msg_iov++;
					m.msg_iovlen--;
				}
				if (m.msg_iovlen) {
					m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + w;
					m.msg_iov->iov_len -= (size_t)w;
				}
			}
		}
		memmove(req, req + n * HDR, have - n * HDR);
		have -= n * HDR;
	}
}

/* Keeps qd requests outstanding; counts the responses completed inside
 * [win_start, win_end). */
static int drive(int fd, size_t bs, int qd, uint64_t win_start, uint64_t win_end,
		 uint64_t *done_in_window)
{
	size_t chunk = 256 << 10, resp = HDR + bs, into = 0;
	char *buf = malloc(chunk), *reqs = calloc((size_t)qd, HDR);

	if (!buf || !reqs || write_all(fd, reqs, (size_t)qd * HDR) < 0)
		return -1;
	for (;;) {
		ssize_t r = recv(fd, buf, chunk, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		into += (size_t)r;
		size_t completed = into / resp;
		into %= resp;
		if (!completed)
			continue;
		uint64_t t = now_ns();
		if (t >= win_start && t < win_end)
			*done_in_window += completed;
		if (t >= win_end)
			break;
		if (write_all(fd, reqs, completed * HDR) < 0)
			return -1;
	}
	free(buf);
	free(reqs);
	return 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (*end == 'k' || *end == 'K')
		v *= 1024;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024;
	else if (*end)
		return 0;
	return (uint64_t)v;
}

int main(int argc, char **argv)
{
	size_t bs = 1 << 20;
	int qd = 8, ch, one = 1, lfd, cfd;
	double secs = 10, warmup = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	while ((ch = getopt(argc, argv, "b:q:t:W:")) != -1) {
		switch (ch) {
		case 'b': bs = parse_size(optarg); break;
		case 'q': qd = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'W': warmup = atof(optarg); break;
		default:
			fprintf(stderr, "usage: tcp-ceiling [-b BYTES] [-q N] [-t SECS] [-W SECS]\n");
			return 2;
		}
	}
	if (bs == 0 || qd < 1 || qd > 64 || secs <= 0 || warmup < 0) {
		fprintf(stderr, "tcp-ceiling: bad arguments\n");
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		perror("tcp-ceiling: listen");
		return 1;
	}
	pid_t srv = fork();
	if (srv < 0) {
		perror("tcp-ceiling: fork");
		return 1;
	}
	if (srv == 0) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(fd, bs);
	}
	close(lfd);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("tcp-ceiling: connect");
		kill(srv, SIGKILL);
		return 1;
	}
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	uint64_t t0 = now_ns(), ws = t0 + (uint64_t)(warmup * 1e9),
		 we = ws + (uint64_t)(secs * 1e9), done = 0;
	int rc = drive(cfd, bs, qd, ws, we, &done);
	close(cfd);
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
	if (rc < 0 || done == 0) {
		fprintf(stderr, "tcp-ceiling: the connection failed\n");
		return 1;
	}
	double mbps = (double)done * (double)bs / secs / 1e6;
	printf("tcp-ceiling: %d x %zu bytes outstanding over loopback TCP: %.0f MB/s (%.0f per s)\n",
	       qd, bs, mbps, (double)done / secs);
	printf("RESULT mbps=%.0f ios=%llu\n", mbps, (unsigned long long)done);
	return 0;
}
