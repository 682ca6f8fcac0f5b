/* local_badwire.c - hostile clients of scstd's scst_local raw command
 * socket: each malformed message goes on a fresh connection, which the
 * daemon must close (or answer with an error, where the message is well
 * formed but not allowed); afterwards a well-behaved client (libscst_local)
 * must still get INQUIRY data.  One TAP line per case.
 *
 *   local_badwire SOCKET SESSION
 *
 * Exit status 1 if any case failed. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/scst_local_wire.h"
#include "scst_local.h"

static const char *sock_path;
static int failed;

static void report(bool good, const char *what)
{
	printf("%s - local socket: %s\n", good ? "ok" : "not ok", what);
	if (!good)
		failed = 1;
}

static int connect_sock(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True when the daemon closes the connection within 5 s. */
static bool closed_by_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while (poll(&p, 1, 5000) == 1) {
		ssize_t n = read(fd, &c, 1);

		if (n <= 0)
			return n == 0 || errno == ECONNRESET;
	}
	return false;
}

static void expect_close(const char *what, const void *msg, size_t len, bool half_close)
{
	int fd = connect_sock();
	bool ok = fd >= 0 && write(fd, msg, len) == (ssize_t)len;

	if (ok && half_close)
		shutdown(fd, SHUT_WR);
	report(ok && closed_by_peer(fd), what);
	if (fd >= 0)
		close(fd);
}

/* A well-formed request that must be refused with rc in the reply. */
static void expect_refusal(const char *what, uint16_t op, const uint8_t *body, size_t len,
			   int32_t want)
{
	uint8_t msg[SCL_HDR_LEN + 600], reply[SCL_HDR_LEN + 600];
	int fd = connect_sock();
	ssize_t n = -1;
	int32_t rc = 0;

	scl_hdr_encode(msg, op, (uint32_t)len, 9);
	memcpy(msg + SCL_HDR_LEN, body, len);
	if (fd >= 0 && write(fd, msg, SCL_HDR_LEN + len) == (ssize_t)(SCL_HDR_LEN + len))
		n = recv(fd, reply, SCL_HDR_LEN + 4, MSG_WAITALL);
	if (n >= SCL_HDR_LEN + 4)
		memcpy(&rc, reply + SCL_HDR_LEN, 4);    /* little endian host */
	report(n >= SCL_HDR_LEN + 4 && rc == want, what);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	uint8_t m[SCL_HDR_LEN + 128], cdb[6] = { 0x12, 0, 0, 0, 36, 0 }, in[36];
	struct scst_local_result res;
	struct scst_local *c;
	char err[256];
	size_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: local_badwire SOCKET SESSION\n");
		return 2;
	}
	sock_path = argv[1];

	memset(m, 0xee, sizeof(m));
	expect_close("garbage header closes", m, SCL_HDR_LEN, false);
	scl_hdr_encode(m, SCL_OP_CMD, 4, 1);
	m[0] = 'X';
	expect_close("bad magic closes", m, SCL_HDR_LEN + 4, false);
	scl_hdr_encode(m, 77, 0, 1);
	expect_close("unknown op closes", m, SCL_HDR_LEN, false);
	scl_hdr_encode(m, SCL_OP_CMD | SCL_OP_REPLY, 0, 1);
	expect_close("a reply sent to the daemon closes", m, SCL_HDR_LEN, false);
	scl_hdr_encode(m, SCL_OP_CMD, UINT32_MAX, 1);
	expect_close("a 4 GiB payload length closes", m, SCL_HDR_LEN, false);
	n = scl_cmd_encode_head(m + SCL_HDR_LEN, 100, 0, cdb, 6, 36, 0);
	scl_hdr_encode(m, SCL_OP_CMD, (uint32_t)n, 1);
	m[SCL_HDR_LEN + 16] = 50;                       /* data-out length lies */
	expect_close("inconsistent CMD lengths close", m, SCL_HDR_LEN + n, false);
	scl_hdr_encode(m, SCL_OP_CMD, 200, 1);
	expect_close("a truncated message closes", m, SCL_HDR_LEN + 10, true);
	scl_hdr_encode(m, SCL_OP_ATTACH, 4, 1);
	memcpy(m + SCL_HDR_LEN, "a\0b", 4);
	m[SCL_HDR_LEN + 3] = 'c';                       /* unterminated session */
	expect_close("an unterminated name closes", m, SCL_HDR_LEN + 4, false);

	n = scl_cmd_encode_head(m, sizeof(m), 0, cdb, 6, 36, 0);
	expect_refusal("CMD before ATTACH is refused with ENOTCONN", SCL_OP_CMD, m, n, -ENOTCONN);
	n = scl_attach_encode(m, sizeof(m), "", "no-such-session");
	expect_refusal("ATTACH to an unknown session is refused with ENOENT", SCL_OP_ATTACH, m,
		       n, -ENOENT);

	bool good = scst_local_connect(sock_path, &c, err, sizeof(err)) == 0;
	if (good) {
		good = scst_local_attach(c, NULL, argv[2], err, sizeof(err)) == 0 &&
		       scst_local_cmd(c, 0, cdb, 6, NULL, 0, in, sizeof(in), &res, err,
				      sizeof(err)) == 0 &&
		       res.status == 0 && res.data_in_len == 36;
		scst_local_close(c);
	}
	if (!good)
		fprintf(stderr, "# %s\n", err);
	report(good, "a good client still gets INQUIRY data afterwards");
	return failed;
}
