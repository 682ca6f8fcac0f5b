/* ctl_socket.c - the control socket: accepts local clients one at a time
 * on its own thread (never an I/O thread) and answers the line protocol
 * documented in ctl_socket.h through the management tree.
 *
 * Clients are not trusted: lines are length-limited, a client that stalls
 * is dropped after a timeout, and a malformed request gets an err reply
 * and changes nothing. */
#include "ctl_socket.h"
#include "util/write_all.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mgmt/cmd.h"
#include "mgmt/tree.h"
#include "util/log.h"
#include "util/unix_listen.h"

#define CTL_REPLY_MAX (256 * 1024)
#define CTL_CLIENT_TIMEOUT_S 5

static void serve_connection(int fd);
static struct unix_server server = UNIX_SERVER_INIT(serve_connection);

static size_t reply_err(char *out, size_t outlen, int rc, const char *msg)
{
	const char *name = strerrorname_np(-rc);
	int n = snprintf(out, outlen, "err %s %s\n", name ? name : "EIO", msg);

	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

/* A request refused before it reaches the tree: the client gets the
 * reason, the log one line (the tree logs the writes it refuses). */
static size_t refuse_request(char *out, size_t outlen, int rc, const char *msg)
{
	log_warn("control socket: request refused: %s", msg);
	return reply_err(out, outlen, rc, msg);
}

/* The payload is built after room for the header, then the header is put
 * in front of it. */
static size_t reply_ok(char *out, size_t outlen, const char *payload, size_t len)
{
	int n = snprintf(out, outlen, "ok %zu\n", len);

	if (n < 0 || (size_t)n + len >= outlen)
		return reply_err(out, outlen, -EOVERFLOW, "reply too long");
	memmove(out + n, payload, len);
	out[n + len] = '\0';
	return (size_t)n + len;
}

static void list_cb(void *ctx, const char *name, enum mgmt_kind kind, bool writable)
{
	static const char suffix[MGMT_MGMT + 1] = { [MGMT_DIR] = '/', [MGMT_LINK] = '@' };
	struct mgmt_buf *b = ctx;

	(void)writable;
	if (suffix[kind])
		mgmt_printf(b, "%s%c\n", name, suffix[kind]);
	else
		mgmt_printf(b, "%s\n", name);
}

/* "dir", "link", "mgmt", "attr rw" or "attr ro": what a client needs to
 * tell read-only from writable attributes (SysfsRules 1.1 and 1.2). */
static int stat_entry(const char *path, struct mgmt_buf *b, char *err, size_t errlen)
{
	static const char *const kinds[] = { [MGMT_DIR] = "dir", [MGMT_ATTR] = "attr",
					     [MGMT_LINK] = "link", [MGMT_MGMT] = "mgmt" };
	enum mgmt_kind kind;
	bool w;
	int rc = mgmt_stat(path, &kind, &w, err, errlen);

	if (rc < 0)
		return rc;
	if (kind == MGMT_ATTR)
		mgmt_printf(b, "attr %s\n", w ? "rw" : "ro");
	else
		mgmt_printf(b, "%s\n", kinds[kind]);
	return 0;
}

static size_t run_verb(const char *verb, const char *path, char *rest, char *out, size_t outlen)
{
	char err[512] = "";
	struct mgmt_buf b;
	char *payload;
	size_t n;
	int rc;

	payload = malloc(CTL_REPLY_MAX);
	if (!payload)
		return reply_err(out, outlen, -ENOMEM, "out of memory");
	b = (struct mgmt_buf){ .p = payload, .cap = CTL_REPLY_MAX };
	payload[0] = '\0';
	if (!strcmp(verb, "write"))
		rc = mgmt_write_timed(path, rest, err, sizeof(err));
	else if (!strcmp(verb, "stat") && !*rest)
		rc = stat_entry(path, &b, err, sizeof(err));
	else if (*rest)
		rc = mgmt_refuse(-EINVAL, err, sizeof(err), "%s takes only a path", verb);
	else if (!strcmp(verb, "list"))
		rc = mgmt_list(path, list_cb, &b, err, sizeof(err));
	else if (!strcmp(verb, "read"))
		rc = mgmt_read(path, &b, err, sizeof(err));
	else
		rc = mgmt_readlink(path, &b, err, sizeof(err));
	if (rc == 0 && b.overflow)
		rc = mgmt_refuse(-EOVERFLOW, err, sizeof(err), "reply too long");
	n = rc < 0 ? reply_err(out, outlen, rc, err) : reply_ok(out, outlen, payload, b.len);
	free(payload);
	return n;
}

size_t ctl_handle_line(char *line, char *out, size_t outlen)
{
	char err[128], *cur = line, *verb, *path;

	if (mgmt_check_line(line, err, sizeof(err)) < 0)
		return refuse_request(out, outlen, -EINVAL, err);
	verb = mgmt_next_word(&cur);
	if (!verb)
		return refuse_request(out, outlen, -EINVAL, "empty request");
	if (strcmp(verb, "list") && strcmp(verb, "read") && strcmp(verb, "readlink") &&
	    strcmp(verb, "write") && strcmp(verb, "stat"))
		return refuse_request(out, outlen, -EINVAL,
				      "unknown request (list, read, readlink, write, stat)");
	path = mgmt_next_word(&cur);
	if (!path)
		return refuse_request(out, outlen, -EINVAL, "path missing");
	/* write's value keeps its inner blanks: "add_device d1 size_mb=1; x=y". */
	while (*cur == ' ' || *cur == '\t')
		cur++;
	return run_verb(verb, path, cur, out, outlen);
}

/* True when fd has data; false on timeout, error or a stop request. */
static bool wait_readable(int fd)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = server.stop[0], .events = POLLIN } };
	int n;

	do
		n = poll(pfd, 2, CTL_CLIENT_TIMEOUT_S * 1000);
	while (n < 0 && errno == EINTR);
	return n > 0 && !pfd[1].revents;
}

/* Reads request lines until EOF, error, timeout or an over-long line. */
static void serve_client(int fd)
{
	char *line = malloc(CTL_MAX_LINE + 1), *reply = malloc(CTL_REPLY_MAX + 64);
	size_t have = 0;

	while (line && reply) {
		char *nl = have ? memchr(line, '\n', have) : NULL;
		ssize_t n;

		if (nl) {
			size_t used = (size_t)(nl - line) + 1, rlen;

			*nl = '\0';
			if (nl > line && nl[-1] == '\r')
				nl[-1] = '\0';
			rlen = ctl_handle_line(line, reply, CTL_REPLY_MAX + 64);
			if (write_all(fd, reply, rlen) < 0)
				break;
			memmove(line, line + used, have - used);
			have -= used;
			continue;
		}
		if (have == CTL_MAX_LINE) {
			size_t rlen = refuse_request(reply, 256, -E2BIG, "request line too long");

			write_all(fd, reply, rlen);
			break;
		}
		if (!wait_readable(fd))
			break;  /* the daemon stops, or the client stalled */
		n = read(fd, line + have, CTL_MAX_LINE - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;  /* EOF, error or the client timed out */
		if (memchr(line + have, '\0', (size_t)n)) {
			size_t rlen = refuse_request(reply, 256, -EINVAL, "NUL byte in request");

			write_all(fd, reply, rlen);
			break;
		}
		have += (size_t)n;
	}
	free(line);
	free(reply);
}

/* One client at a time, on the accept thread: requests are serialized
 * by the tree's lock anyway, and a stalled client is dropped after
 * CTL_CLIENT_TIMEOUT_S. */
static void serve_connection(int fd)
{
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	serve_client(fd);
	close(fd);
}

int ctl_socket_start(const char *path)
{
	int rc = unix_server_start(&server, path, SOCK_STREAM, 8);

	if (rc < 0) {
		log_err("control socket %s: %s", path, strerror(-rc));
		return rc;
	}
	log_info("control socket listening on %s", path);
	return 0;
}

void ctl_socket_stop(void)
{
	unix_server_close(&server);
}
