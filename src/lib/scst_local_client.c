/* scst_local_client.c - libscst_local (include/scst_local.h): the client
 * side of the raw command socket and a minimal control-socket client for
 * management writes and reads.  Replies are decoded strictly: a daemon
 * that answers nonsense is a lost connection, never a buffer overrun. */
#include "scst_local.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/scst_local_wire.h"

struct scst_local {
	int fd;
	uint32_t next_tag;
	bool broken;
};

static int unix_connect(const char *path, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		snprintf(err, errlen, "connect %s: %s", path, strerror(e));
		close(s);
		return -e;
	}
	*fd = s;
	return 0;
}

int scst_local_connect(const char *socket_path, struct scst_local **out, char *err,
		       size_t errlen)
{
	struct scst_local *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	rc = unix_connect(socket_path ? socket_path : SCST_LOCAL_SOCKET_DEFAULT, &c->fd, err,
			  errlen);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->next_tag = 1;
	*out = c;
	return 0;
}

void scst_local_close(struct scst_local *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

static int send_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EPIPE;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ECONNRESET;
		got += (size_t)r;
	}
	return 0;
}

/* Sends one request and receives its reply payload (malloc'd). */
static int exchange(struct scst_local *c, uint16_t op, struct iovec *body, int nbody,
		    uint8_t **reply, uint32_t *reply_len, char *err, size_t errlen)
{
	uint8_t hdr[SCL_HDR_LEN];
	struct iovec iov[4];
	struct scl_hdr h;
	uint32_t len = 0, tag = c->next_tag++;
	int rc;

	if (c->broken) {
		snprintf(err, errlen, "connection lost earlier");
		return -ECONNRESET;
	}
	for (int i = 0; i < nbody; i++)
		len += (uint32_t)body[i].iov_len;
	scl_hdr_encode(hdr, op, len, tag);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	for (int i = 0; i < nbody; i++)
		iov[i + 1] = body[i];
	rc = send_all(c->fd, iov, nbody + 1);
	if (rc == 0)
		rc = recv_all(c->fd, hdr, sizeof(hdr));
	if (rc < 0) {
		c->broken = true;
		snprintf(err, errlen, "connection to scstd lost");
		return rc;
	}
	rc = scl_hdr_decode(hdr, sizeof(hdr), &h, err, errlen);
	if (rc == 0 && (h.op != (op | SCL_OP_REPLY) || h.tag != tag)) {
		snprintf(err, errlen, "reply does not match the request");
		rc = -EPROTO;
	}
	if (rc < 0) {
		c->broken = true;
		return rc;
	}
	*reply = malloc(h.len ? h.len : 1);
	if (!*reply) {
		c->broken = true;
		return -ENOMEM;
	}
	if (recv_all(c->fd, *reply, h.len) < 0) {
		free(*reply);
		c->broken = true;
		snprintf(err, errlen, "connection to scstd lost");
		return -ECONNRESET;
	}
	*reply_len = h.len;
	return 0;
}

int scst_local_attach(struct scst_local *c, const char *target, const char *session, char *err,
		      size_t errlen)
{
	uint8_t body[2 * (SCL_MAX_NAME + 1)], *reply;
	struct scl_attach_rsp r;
	uint32_t rlen;
	size_t n = scl_attach_encode(body, sizeof(body), target ? target : "", session);
	struct iovec iov = { body, n };
	int rc;

	if (!n) {
		snprintf(err, errlen, "name too long");
		return -EINVAL;
	}
	rc = exchange(c, SCL_OP_ATTACH, &iov, 1, &reply, &rlen, err, errlen);
	if (rc < 0)
		return rc;
	rc = scl_attach_rsp_decode(reply, rlen, &r, err, errlen);
	free(reply);
	if (rc < 0) {
		c->broken = true;
		return rc;
	}
	if (r.rc < 0)
		snprintf(err, errlen, "%s", r.msg);
	return r.rc;
}

int scst_local_cmd(struct scst_local *c, uint64_t lun, const uint8_t *cdb, unsigned cdb_len,
		   const void *data_out, uint32_t out_len, void *data_in, uint32_t in_len,
		   struct scst_local_result *res, char *err, size_t errlen)
{
	uint8_t head[SCL_CMD_FIXED + SCL_MAX_CDB], *reply;
	struct scl_cmd_rsp r;
	struct iovec iov[2];
	uint32_t rlen;
	size_t n = scl_cmd_encode_head(head, sizeof(head), lun, cdb, cdb_len, in_len, out_len);
	int rc;

	if (!n || (out_len && !data_out) || (in_len && !data_in)) {
		snprintf(err, errlen, "CDB length 1..%u and data up to %u bytes", SCL_MAX_CDB,
			 SCL_MAX_DATA);
		return -EINVAL;
	}
	iov[0] = (struct iovec){ head, n };
	iov[1] = (struct iovec){ (void *)data_out, out_len };
	rc = exchange(c, SCL_OP_CMD, iov, out_len ? 2 : 1, &reply, &rlen, err, errlen);
	if (rc < 0)
		return rc;
	rc = scl_cmd_rsp_decode(reply, rlen, in_len, &r, err, errlen);
	if (rc < 0) {
		c->broken = true;
	} else if (r.rc < 0) {
		rc = r.rc;
		snprintf(err, errlen, "command not run: %s", strerror(-r.rc));
	} else {
		memset(res, 0, sizeof(*res));
		res->status = r.status;
		res->sense_len = r.sense_len;
		memcpy(res->sense, r.sense, r.sense_len);
		res->data_in_len = r.in_len;
		if (r.in_len)
			memcpy(data_in, r.data, r.in_len);
	}
	free(reply);
	return rc;
}

/* ---- control socket: "VERB PATH [VALUE]\n" -> "ok LEN\n..." | "err NAME msg\n" ---- */

static int ctl_request(const char *sock, const char *line, char *out, size_t outlen, char *err,
		       size_t errlen)
{
	char buf[65536];
	size_t got = 0;
	int fd, rc = unix_connect(sock ? sock : SCST_LOCAL_CTL_SOCKET_DEFAULT, &fd, err, errlen);
	struct iovec iov = { (void *)line, strlen(line) };

	if (rc < 0)
		return rc;
	if (send_all(fd, &iov, 1) < 0) {
		close(fd);
		snprintf(err, errlen, "control socket: write failed");
		return -EPIPE;
	}
	shutdown(fd, SHUT_WR);
	while (got < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	if (!strncmp(buf, "err ", 4)) {
		char *nl = strchr(buf, '\n');

		if (nl)
			*nl = '\0';
		snprintf(err, errlen, "%s", buf + 4);
		return -EIO;
	}
	char *nl = strchr(buf, '\n');
	unsigned long len;
	char *end;

	if (strncmp(buf, "ok ", 3) || !nl) {
		snprintf(err, errlen, "control socket: malformed reply");
		return -EPROTO;
	}
	len = strtoul(buf + 3, &end, 10);
	if (end != nl || len != got - (size_t)(nl + 1 - buf)) {
		snprintf(err, errlen, "control socket: reply length mismatch");
		return -EPROTO;
	}
	if (out && outlen) {
		size_t n = len < outlen - 1 ? len : outlen - 1;

		memcpy(out, nl + 1, n);
		out[n] = '\0';
	}
	return 0;
}

static bool one_line(const char *s)
{
	return !strchr(s, '\n') && !strchr(s, '\r');
}

int scst_local_mgmt_write(const char *ctl_socket, const char *path, const char *value,
			  char *err, size_t errlen)
{
	char line[8192];

	if (!one_line(path) || !one_line(value) || strchr(path, ' ') ||
	    (size_t)snprintf(line, sizeof(line), "write %s %s\n", path, value) >= sizeof(line)) {
		snprintf(err, errlen, "path or value not one short line");
		return -EINVAL;
	}
	return ctl_request(ctl_socket, line, NULL, 0, err, errlen);
}

int scst_local_mgmt_read(const char *ctl_socket, const char *path, char *out, size_t outlen,
			 char *err, size_t errlen)
{
	char line[8192];

	if (!one_line(path) || strchr(path, ' ') ||
	    (size_t)snprintf(line, sizeof(line), "read %s\n", path) >= sizeof(line)) {
		snprintf(err, errlen, "path not one short line");
		return -EINVAL;
	}
	return ctl_request(ctl_socket, line, out, outlen, err, errlen);
}
