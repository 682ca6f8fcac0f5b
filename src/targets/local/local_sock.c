/* local_sock.c - scst_local's raw command socket, the user-space /dev/sgX:
 * a unix stream socket serving the protocol of lib/scst_local_wire.h, one
 * thread per client (never an I/O thread: each client blocks in
 * local_exec while its command runs).  Clients are not trusted: every
 * message is decoded strictly, a malformed one closes that connection and
 * changes nothing, a client stalling inside a message is dropped. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/scst_local_wire.h"
#include "targets/local/local.h"
#include "targets/local/local_priv.h"
#include "util/log.h"
#include "util/unix_listen.h"

#define MAX_CLIENTS 64
#define MSG_TIMEOUT_MS 10000

char local_socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

struct client {
	struct list_head node;
	int fd;
	pthread_t thread;
	bool finished;
	char target[SCL_MAX_NAME + 1];
	char session[SCL_MAX_NAME + 1];
	bool attached;
};

static void add_client(int fd);
static struct unix_server server = UNIX_SERVER_INIT(add_client);
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head clients = LIST_HEAD_INIT(clients);
static unsigned nclients;

/* Waits for fd to be readable; idle waits have no limit (a driver may
 * keep a session quiet), waits inside a message do. */
static bool wait_readable(int fd, bool inside_message)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = server.stop[0], .events = POLLIN } };
	int rc;

	do
		rc = poll(pfd, 2, inside_message ? MSG_TIMEOUT_MS : -1);
	while (rc < 0 && errno == EINTR);
	return rc > 0 && !(pfd[1].revents & POLLIN) && (pfd[0].revents & (POLLIN | POLLHUP));
}

static bool read_full(int fd, void *buf, size_t len, bool first_is_idle)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r;

		if (!wait_readable(fd, !(first_is_idle && got == 0)))
			return false;
		r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static bool write_full(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return true;
}

static bool send_reply(int fd, uint16_t op, uint32_t tag, const void *a, size_t alen,
		       const void *b, size_t blen)
{
	uint8_t hdr[SCL_HDR_LEN];

	scl_hdr_encode(hdr, op | SCL_OP_REPLY, (uint32_t)(alen + blen), tag);
	return write_full(fd, hdr, sizeof(hdr)) && write_full(fd, a, alen) &&
	       (!blen || write_full(fd, b, blen));
}

static bool do_attach(struct client *cl, const struct scl_hdr *h, const uint8_t *p)
{
	struct scl_attach a;
	struct local_sess *ls;
	uint8_t out[4 + SCL_MAX_MSG];
	char err[128], msg[SCL_MAX_MSG];
	int32_t rc = 0;

	if (scl_attach_decode(p, h->len, &a, err, sizeof(err)) < 0) {
		log_warn("scst_local socket: %s: connection closed", err);
		return false;
	}
	ls = local_sess_get(a.target[0] ? a.target : NULL, a.session);
	if (ls) {
		local_sess_put(ls);
		snprintf(cl->target, sizeof(cl->target), "%s", a.target);
		snprintf(cl->session, sizeof(cl->session), "%s", a.session);
		cl->attached = true;
		snprintf(msg, sizeof(msg), "attached to %s", a.session);
	} else {
		rc = -ENOENT;
		snprintf(msg, sizeof(msg), "no session '%.100s'%s%.100s", a.session,
			 a.target[0] ? " in target " : "", a.target);
	}
	return send_reply(cl->fd, h->op, h->tag, out, scl_attach_rsp_encode(out, sizeof(out), rc, msg),
			  NULL, 0);
}

static bool reply_cmd(struct client *cl, const struct scl_hdr *h, const struct local_req *req)
{
	uint8_t head[SCL_RSP_FIXED + SCL_MAX_SENSE];
	size_t n;

	if (req->rc < 0)
		n = scl_cmd_rsp_encode_head(head, sizeof(head), req->rc, 0, NULL, 0, 0);
	else
		n = scl_cmd_rsp_encode_head(head, sizeof(head), 0, req->status, req->sense,
					    req->sense_len, req->in_done);
	return send_reply(cl->fd, h->op, h->tag, head, n, req->in,
			  req->rc < 0 ? 0 : req->in_done);
}

static bool do_cmd(struct client *cl, const struct scl_hdr *h, const uint8_t *p)
{
	struct local_req req = { 0 };
	struct local_sess *ls = NULL;
	struct scl_cmd c;
	char err[128];
	bool ok;

	if (scl_cmd_decode(p, h->len, &c, err, sizeof(err)) < 0) {
		log_warn("scst_local socket: %s: connection closed", err);
		return false;
	}
	if (cl->attached)
		ls = local_sess_get(cl->target[0] ? cl->target : NULL, cl->session);
	req.rc = cl->attached ? -ENOENT : -ENOTCONN;
	if (c.in_len) {
		req.in = malloc(c.in_len);
		if (!req.in)
			req.rc = -ENOMEM;
	}
	if (ls && (req.in || !c.in_len)) {
		req.lun = c.lun;
		memcpy(req.cdb, c.cdb, c.cdb_len);
		req.cdb_len = c.cdb_len;
		req.out = c.out;
		req.out_len = c.out_len;
		req.in_len = c.in_len;
		local_exec(ls, &req);
	}
	if (ls)
		local_sess_put(ls);
	ok = reply_cmd(cl, h, &req);
	free(req.in);
	return ok;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	uint8_t hdr[SCL_HDR_LEN];

	for (;;) {
		struct scl_hdr h;
		char err[128];
		uint8_t *p;
		bool ok;

		if (!read_full(cl->fd, hdr, sizeof(hdr), true))
			break;
		if (scl_hdr_decode(hdr, sizeof(hdr), &h, err, sizeof(err)) < 0 ||
		    (h.op != SCL_OP_ATTACH && h.op != SCL_OP_CMD)) {
			log_warn("scst_local socket: %s: connection closed",
				 h.op & SCL_OP_REPLY ? "reply sent to the daemon" : err);
			break;
		}
		p = malloc(h.len ? h.len : 1);
		if (!p)
			break;
		ok = read_full(cl->fd, p, h.len, false);
		if (ok)
			ok = h.op == SCL_OP_ATTACH ? do_attach(cl, &h, p) : do_cmd(cl, &h, p);
		free(p);
		if (!ok)
			break;
	}
	shutdown(cl->fd, SHUT_RDWR);
	pthread_mutex_lock(&clients_lock);
	cl->finished = true;
	pthread_mutex_unlock(&clients_lock);
	return NULL;
}

/* Joins clients that ended; all of them when stopping. */
static void reap_clients(bool all)
{
	struct client *cl, *tmp;
	struct list_head done = LIST_HEAD_INIT(done);

	pthread_mutex_lock(&clients_lock);
	list_for_each_entry_safe(cl, tmp, &clients, node) {
		if (all)
			shutdown(cl->fd, SHUT_RDWR);
		if (all || cl->finished) {
			list_del(&cl->node);
			list_add_tail(&cl->node, &done);
			nclients--;
		}
	}
	pthread_mutex_unlock(&clients_lock);
	list_for_each_entry_safe(cl, tmp, &done, node) {
		pthread_join(cl->thread, NULL);
		close(cl->fd);
		free(cl);
	}
}

static void add_client(int fd)
{
	struct client *cl;

	reap_clients(false);
	pthread_mutex_lock(&clients_lock);
	if (nclients >= MAX_CLIENTS) {
		pthread_mutex_unlock(&clients_lock);
		log_warn("scst_local socket: more than %d clients, one refused", MAX_CLIENTS);
		close(fd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl)
		cl->fd = fd;
	if (!cl || pthread_create(&cl->thread, NULL, client_main, cl) != 0) {
		pthread_mutex_unlock(&clients_lock);
		free(cl);
		close(fd);
		return;
	}
	list_add_tail(&cl->node, &clients);
	nclients++;
	pthread_mutex_unlock(&clients_lock);
}

int local_sock_start(const char *path)
{
	int rc = unix_server_start(&server, path, SOCK_STREAM, 16);

	if (rc < 0) {
		log_err("scst_local socket %s: %s", path, strerror(-rc));
		return rc;
	}
	snprintf(local_socket_path, sizeof(local_socket_path), "%s", path);
	log_info("scst_local raw command socket on %s", path);
	return 0;
}

void local_sock_stop(void)
{
	if (!server.running)
		return;
	unix_server_stop_accepting(&server);
	reap_clients(true);
	unix_server_close(&server);
	local_socket_path[0] = '\0';
}
