/* scstctl.c - command-line client of scstd's control socket:
 *   scstctl [--socket PATH] list|read|readlink PATH
 *   scstctl [--socket PATH] write PATH VALUE...
 * Prints the payload on stdout; on error prints the daemon's message on
 * stderr and exits non-zero. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/ctl_proto.h"
#include "util/write_all.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: scstctl [--socket PATH] list|read|readlink PATH\n"
		   "       scstctl [--socket PATH] write PATH VALUE...\n"
		   "default socket: " CTL_SOCKET_DEFAULT "\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "scstctl: socket path too long\n");
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "scstctl: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* "VERB PATH [VALUE...]\n", words joined by single spaces. */
static char *build_request(int argc, char **argv)
{
	size_t len = 2;
	char *req;

	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n')) {
			fprintf(stderr, "scstctl: arguments cannot contain newlines\n");
			return NULL;
		}
		len += strlen(argv[i]) + 1;
	}
	if (len > CTL_MAX_LINE) {
		fprintf(stderr, "scstctl: request too long\n");
		return NULL;
	}
	req = calloc(1, len);
	if (!req)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(req, " ");
		strcat(req, argv[i]);
	}
	strcat(req, "\n");
	return req;
}

/* Reads the whole reply (the daemon answers one line per request and we
 * close our side after sending), then interprets it. */
static int read_reply(int fd, bool add_newline)
{
	size_t cap = 4096, have = 0, plen;
	char *buf = malloc(cap), *nl, *end;
	ssize_t n;
	int rc = 1;

	while (buf) {
		if (have + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + have, cap - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (!buf) {
		fprintf(stderr, "scstctl: out of memory\n");
		return 1;
	}
	buf[have] = '\0';
	nl = memchr(buf, '\n', have);
	if (nl && !strncmp(buf, "ok ", 3)) {
		plen = strtoul(buf + 3, &end, 10);
		if (end == nl && plen == have - (size_t)(nl + 1 - buf)) {
			fwrite(nl + 1, 1, plen, stdout);
			/* A link target has no newline of its own; a shell user
			 * expects readlink(1)'s. */
			if (add_newline)
				putchar('\n');
			rc = 0;
		} else {
			fprintf(stderr, "scstctl: malformed reply\n");
		}
	} else if (nl && !strncmp(buf, "err ", 4)) {
		fprintf(stderr, "scstctl: %.*s\n", (int)(nl - buf - 4), buf + 4);
	} else {
		fprintf(stderr, "scstctl: no valid reply from the daemon\n");
	}
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CTL_SOCKET_DEFAULT;
	char *req;
	int c, fd, rc;

	while ((c = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		if (c == 's') {
			path = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || (strcmp(argv[0], "write") && argc != 2) ||
	    (!strcmp(argv[0], "write") && argc < 3)) {
		usage(stderr);
		return 2;
	}
	req = build_request(argc, argv);
	if (!req)
		return 2;
	fd = connect_to(path);
	if (fd < 0) {
		free(req);
		return 1;
	}
	if (write_all(fd, req, strlen(req)) < 0) {
		fprintf(stderr, "scstctl: cannot send the request: %s\n", strerror(errno));
		rc = 1;
	} else {
		shutdown(fd, SHUT_WR);
		rc = read_reply(fd, !strcmp(argv[0], "readlink"));
	}
	free(req);
	close(fd);
	return rc;
}
