/* user_conn.c - one out-of-process handler's connection: the attach
 * handshake, then the requests of its device's I/O loops and the handler's
 * answers.  One thread per connection (not per command) owns the socket,
 * the data area and the in-flight table, so none of them needs a lock; the
 * loops hand requests over through a locked list and an eventfd, and
 * completions go back to each command's loop with ioloop_run_on.
 *
 * The handler is not trusted: every packet is decoded strictly, a tag it
 * was not given or a malformed packet ends the connection, it never names
 * memory (scstd picks the area range of each request), the area must be a
 * memfd sealed against shrinking (so it cannot fault scstd), and a request
 * unanswered after cmd_timeout seconds ends the connection.  Whatever ends
 * it, every outstanding command is completed: 04/08/00 LOGICAL UNIT
 * COMMUNICATION FAILURE, or 04/08/01 COMMUNICATION TIME-OUT.  A CDB-mode
 * device's requests are whole commands (USER_REQ_CMD): never split, their
 * answer a SCSI status, sense and a data-in length no longer than asked.
 * Task management of CDB-mode commands: user_tm.c.  A REGISTER instead of
 * ATTACH creates the device first (user_dev_register), and the device goes
 * again when its connection ends (user_dev_unregister). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "handlers/user_area.h"
#include "handlers/user_dev.h"
#include "handlers/vdisk_priv.h"
#include "lib/scst_user_wire.h"
#include "util/log.h"

#include "handlers/user_conn_priv.h"

static uint64_t req_seq;

uint64_t user_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- completion, on the command's own loop ------------------------------ */

static void complete_on_loop(void *arg)
{
	struct user_req *r = arg;
	struct scst_cmd *cmd = r->cmd;
	int res = r->result;

	if (r->kind == USER_REQ_CMD)
		user_cmd_answered(cmd, res, &r->answer);
	else
		vdisk_io_done(cmd, res);
	free(r);
}

void user_req_complete(struct user_req *r, int result)
{
	struct user_wait *w = r->wait;

	r->result = result;
	if (w) {
		free(r);
		pthread_mutex_lock(&w->lock);
		w->result = result;
		w->done = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	/* Only an allocation can fail; the command must end all the same. */
	while (ioloop_run_on(r->cmd->sess->loop, complete_on_loop, r) < 0)
		usleep(1000);
}

/* ---- requests from the I/O loops ---------------------------------------- */

bool user_conn_queue(struct user_conn *c, struct scst_cmd *cmd, struct user_wait *w,
		     unsigned kind, uint8_t *buf, uint32_t len, uint64_t off)
{
	struct user_req *r = calloc(1, sizeof(*r));
	bool queued = false;
	uint64_t one = 1;

	if (!r)
		return false;
	r->cmd = cmd;
	r->wait = w;
	r->kind = kind;
	r->buf = buf;
	r->len = len;
	r->off = off;
	if (kind == USER_REQ_CMD)
		r->dir = cmd->data_dir == SCST_DATA_READ ? SCU_DIR_IN
		       : cmd->data_dir == SCST_DATA_WRITE ? SCU_DIR_OUT : SCU_DIR_NONE;
	if (cmd && kind == USER_REQ_CMD)
		user_cmd_state(cmd)->req = r;
	pthread_mutex_lock(&c->lock);
	if (!c->dead) {
		r->seq = __atomic_add_fetch(&req_seq, 1, __ATOMIC_RELAXED);
		list_add_tail(&r->node, &c->pending);
		r->on_pending = true;
		queued = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (!queued) {
		free(r);
		return false;
	}
	if (write(c->efd, &one, sizeof(one)) < 0)
		log_warn("scst_user %s: cannot wake the connection thread", c->name);
	return true;
}

void user_conn_wake(struct user_conn *c)
{
	uint64_t one = 1;

	if (write(c->efd, &one, sizeof(one)) < 0)
		log_warn("scst_user %s: cannot wake the connection thread", c->name);
}




void user_conn_hangup(struct user_conn *c)
{
	uint64_t one = 1;

	pthread_mutex_lock(&c->lock);
	c->hangup = true;
	pthread_mutex_unlock(&c->lock);
	if (write(c->efd, &one, sizeof(one)) < 0)
		log_warn("scst_user %s: cannot wake the connection thread", c->name);
}

/* ---- sending requests to the handler ------------------------------------ */

static struct user_req *pop_pending(struct user_conn *c)
{
	struct user_req *r = NULL;

	pthread_mutex_lock(&c->lock);
	if (!list_empty(&c->pending)) {
		r = list_first_entry(&c->pending, struct user_req, node);
		list_del(&r->node);
		r->on_pending = false;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

static void push_back_first(struct user_conn *c, struct user_req *r)
{
	pthread_mutex_lock(&c->lock);
	list_add(&r->node, &c->pending);
	r->on_pending = true;
	pthread_mutex_unlock(&c->lock);
}

static int free_slot(const struct user_conn *c)
{
	for (int i = 0; i < USER_MAX_INFLIGHT; i++)
		if (!c->slots[i].req)
			return i;
	return -1;
}

void user_conn_release_slot(struct user_conn *c, struct user_slot *s)
{
	if (s->npages)
		user_area_free(&c->pages, s->first_page, s->npages);
	s->req = NULL;
	c->inflight--;
}

/* The packet of a whole command (CDB mode) into pkt: its length. */
static size_t encode_cmd(const struct user_slot *s, const struct user_req *r, uint8_t *pkt)
{
	struct scu_cmd m = { .tag = s->tag, .len = s->chunk, .dir = r->dir,
			     .cdb_len = (uint8_t)r->cmd->cdb_len,
			     .area_off = (uint64_t)s->first_page * USER_AREA_PAGE,
			     .lun = r->cmd->lun };

	memcpy(m.cdb, r->cmd->cdb, r->cmd->cdb_len);
	return scu_cmd_encode(pkt, &m);
}

static size_t encode_io(const struct user_slot *s, const struct user_req *r, uint8_t *pkt)
{
	struct scu_io io = { .tag = s->tag, .kind = (uint16_t)r->kind, .len = s->chunk,
			     .offset = r->off + r->done,
			     .area_off = (uint64_t)s->first_page * USER_AREA_PAGE };

	return scu_io_encode(pkt, &io);
}

/* Sends one packet without waiting: 1 sent, 0 the socket is full (sent
 * later, when it drains), -ENOTCONN. */
int user_conn_send_now(struct user_conn *c, const uint8_t *pkt, size_t len)
{
	ssize_t n = send(c->fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == (ssize_t)len)
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->want_out = true;
		return 0;
	}
	return -ENOTCONN;
}

/* When what is sent now must have been answered. */
uint64_t user_conn_answer_deadline(const struct user_conn *c)
{
	return user_now_ms() + (uint64_t)c->ud->cmd_timeout_s * 1000;
}

/* Sends the next chunk of r: 1 sent, 0 no room now (r not taken), <0 the
 * connection failed. */
static int send_chunk(struct user_conn *c, struct user_req *r)
{
	int idx = free_slot(c);
	struct user_slot *s;
	uint8_t pkt[SCU_MAX_LEN];
	size_t len;
	int64_t first = 0;
	int rc;

	if (idx < 0)
		return 0;
	s = &c->slots[idx];
	s->chunk = r->len - r->done < c->chunk_max ? r->len - r->done : c->chunk_max;
	s->npages = (s->chunk + USER_AREA_PAGE - 1) / USER_AREA_PAGE;
	if (s->npages) {
		first = user_area_alloc(&c->pages, s->npages);
		if (first < 0)
			return 0;
	}
	s->first_page = (uint32_t)first;
	s->tag = (uint64_t)++c->gen << 32 | (uint32_t)idx;
	s->req = r;
	c->inflight++;
	if (r->kind == SCU_IO_WRITE || (r->kind == USER_REQ_CMD && r->dir == SCU_DIR_OUT))
		memcpy(c->area + (uint64_t)s->first_page * USER_AREA_PAGE, r->buf + r->done,
		       s->chunk);
	len = r->kind == USER_REQ_CMD ? encode_cmd(s, r, pkt) : encode_io(s, r, pkt);
	rc = user_conn_send_now(c, pkt, len);
	if (rc == 1)
		s->deadline_ms = user_conn_answer_deadline(c);
	else
		user_conn_release_slot(c, s);
	return rc;
}

static int dispatch(struct user_conn *c)
{
	struct user_req *r;

	c->want_out = false;
	while ((r = pop_pending(c))) {
		int rc;

		/* A command cannot be cut; the device's limit is the handler's. */
		if (r->kind == USER_REQ_CMD && r->len > c->chunk_max) {
			user_req_complete(r, -E2BIG);
			continue;
		}
		rc = send_chunk(c, r);

		if (rc <= 0) {
			push_back_first(c, r);
			return rc;
		}
	}
	return 0;
}

/* ---- answers from the handler ------------------------------------------- */

struct user_slot *user_conn_outstanding_slot(struct user_conn *c, uint64_t tag)
{
	uint32_t idx = (uint32_t)tag;
	struct user_slot *s = idx < USER_MAX_INFLIGHT ? &c->slots[idx] : NULL;

	return s && s->req && s->tag == tag ? s : NULL;
}


/* The slot of an answer's tag when it is outstanding and of the answer's
 * form (a whole command or a byte range), else NULL (logged). */
static struct user_slot *answered_slot(struct user_conn *c, uint64_t tag, bool cmd)
{
	struct user_slot *s = user_conn_outstanding_slot(c, tag);

	if (!s) {
		log_warn("scst_user %s: answer for tag %#llx, which is not outstanding", c->name,
			 (unsigned long long)tag);
		return NULL;
	}
	if ((s->req->kind == USER_REQ_CMD) != cmd) {
		log_warn("scst_user %s: tag %#llx answered as a %s", c->name,
			 (unsigned long long)tag, cmd ? "command" : "byte range");
		return NULL;
	}
	return s;
}

static int take_cmd_answer(struct user_conn *c, const struct scu_cmd_done *d)
{
	struct user_slot *s;
	struct user_req *r;

	/* The handler may have finished it while its TM_DONE was on the way;
	 * the command has ended aborted. */
	if (!user_conn_outstanding_slot(c, d->tag) && user_tm_given_up(c, d->tag)) {
		log_debug("scst_user %s: answer for given-up tag %#llx dropped", c->name,
			  (unsigned long long)d->tag);
		return 0;
	}
	s = answered_slot(c, d->tag, true);
	if (!s)
		return -EPROTO;
	r = s->req;
	if (d->resp_len > s->chunk || (d->resp_len && r->dir != SCU_DIR_IN)) {
		log_warn("scst_user %s: tag %#llx answered with %u data-in bytes, %u %s asked",
			 c->name, (unsigned long long)d->tag, d->resp_len, s->chunk,
			 r->dir == SCU_DIR_IN ? "were" : "data-out bytes were");
		return -EPROTO;
	}
	if (d->resp_len)
		memcpy(r->buf, c->area + (uint64_t)s->first_page * USER_AREA_PAGE, d->resp_len);
	r->answer = *d;
	user_conn_release_slot(c, s);
	user_req_complete(r, 0);
	return 0;
}

static int take_answer(struct user_conn *c, const struct scu_done *d)
{
	struct user_slot *s = answered_slot(c, d->tag, false);
	struct user_req *r;

	if (!s)
		return -EPROTO;
	r = s->req;
	if (d->result == 0 && r->kind == SCU_IO_READ)
		memcpy(r->buf + r->done, c->area + (uint64_t)s->first_page * USER_AREA_PAGE,
		       s->chunk);
	r->done += s->chunk;
	user_conn_release_slot(c, s);
	if (d->result < 0)
		user_req_complete(r, d->result);
	else if (r->done < r->len)
		push_back_first(c, r);
	else
		user_req_complete(r, 0);
	return 0;
}









/* Reads every packet waiting: 0, or <0 when the connection must end. */
static int read_answers(struct user_conn *c)
{
	uint8_t pkt[SCU_MAX_LEN];
	char why[128];

	for (;;) {
		ssize_t n = recv(c->fd, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_TRUNC);
		struct scu_cmd_done cd;
		struct scu_tm_done td;
		struct scu_done d;
		int op, rc;

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -ENOTCONN;
		if (n == 0) {
			log_info("scst_user %s: handler closed the connection", c->name);
			return -ENOTCONN;
		}
		if ((size_t)n > sizeof(pkt)) {
			log_warn("scst_user %s: oversized packet: disconnecting the handler",
				 c->name);
			return -EPROTO;
		}
		op = scu_packet_op(pkt, (size_t)n);
		if (op == SCU_OP_UNREGISTER && c->ud->cdb_mode) {
			if (scu_unregister_decode(pkt, (size_t)n, why, sizeof(why)) < 0) {
				log_warn("scst_user %s: %s: disconnecting the handler", c->name,
					 why);
				return -EPROTO;
			}
			return -ESHUTDOWN;
		}
		if (op == SCU_OP_CMD_DONE)
			rc = scu_cmd_done_decode(pkt, (size_t)n, &cd, why, sizeof(why));
		else if (op == SCU_OP_TM_DONE && c->tm_capable)
			rc = scu_tm_done_decode(pkt, (size_t)n, &td, why, sizeof(why));
		else
			rc = scu_done_decode(pkt, (size_t)n, &d, why, sizeof(why));
		if (rc < 0) {
			log_warn("scst_user %s: %s: disconnecting the handler", c->name, why);
			return -EPROTO;
		}
		rc = op == SCU_OP_CMD_DONE ? take_cmd_answer(c, &cd)
		   : op == SCU_OP_TM_DONE ? user_tm_take_answer(c, &td)
		   : take_answer(c, &d);
		if (rc < 0)
			return -EPROTO;
	}
}

static bool timed_out(const struct user_conn *c)
{
	uint64_t now = user_now_ms();

	for (int i = 0; i < USER_MAX_INFLIGHT; i++)
		if (c->slots[i].req && c->slots[i].deadline_ms <= now)
			return true;
	return user_tm_timed_out(c, now);
}

/* ---- the end of a connection -------------------------------------------- */

/* Every outstanding command ends with res (requests the handler had) or
 * -ENOTCONN (not sent yet); then the device is free for a new handler. */
static void finish(struct user_conn *c, int res)
{
	struct user_req *r, *tmp;
	struct list_head left = LIST_HEAD_INIT(left);

	pthread_mutex_lock(&c->lock);
	c->dead = true;
	while (!list_empty(&c->pending)) {
		r = list_first_entry(&c->pending, struct user_req, node);
		list_del(&r->node);
		r->on_pending = false;
		list_add_tail(&r->node, &left);
	}
	user_tm_drop_queue(c);
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < USER_MAX_INFLIGHT; i++) {
		struct user_slot *s = &c->slots[i];

		if (!s->req)
			continue;
		r = s->req;
		user_conn_release_slot(c, s);
		user_req_complete(r, res);
	}
	list_for_each_entry_safe(r, tmp, &left, node) {
		list_del(&r->node);
		user_req_complete(r, -ENOTCONN);
	}
	user_dev_conn_gone(c->ud);
	log_info("scst_user %s: handler detached", c->name);
}

static int serve_requests(struct user_conn *c)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->fd, .events = POLLIN | (c->want_out ? POLLOUT : 0) },
			{ .fd = c->efd, .events = POLLIN },
		};
		uint64_t v;
		bool hangup;
		int rc;

		bool ticking = c->inflight || user_tm_outstanding(c);

		if (poll(pfd, 2, ticking ? USER_TICK_MS : -1) < 0 && errno != EINTR)
			return -ENOTCONN;
		if (pfd[1].revents & POLLIN && read(c->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -ENOTCONN;
		pthread_mutex_lock(&c->lock);
		hangup = c->hangup;
		pthread_mutex_unlock(&c->lock);
		if (hangup)
			return -ENOTCONN;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = read_answers(c);
			if (rc < 0)
				return rc;
		}
		rc = user_tm_dispatch(c);
		if (rc < 0)
			return rc;
		rc = dispatch(c);
		if (rc < 0)
			return rc;
		if (timed_out(c)) {
			log_warn("scst_user %s: the handler did not answer within %u s: disconnecting it",
				 c->name, c->ud->cmd_timeout_s);
			return -ETIMEDOUT;
		}
	}
}

/* ---- the attach handshake ----------------------------------------------- */

static void send_attach_rsp(int fd, const struct scu_attach_rsp *r)
{
	uint8_t pkt[SCU_ATTACH_RSP_LEN];

	scu_attach_rsp_encode(pkt, r);
	if (send(fd, pkt, sizeof(pkt), MSG_NOSIGNAL) < 0)
		log_debug("scst_user: cannot answer an attach: %s", strerror(errno));
}

static void refuse(int fd, int rc, const char *why)
{
	struct scu_attach_rsp r = { .rc = rc };

	snprintf(r.msg, sizeof(r.msg), "%s", why);
	log_warn("scst_user: attach refused: %s", why);
	send_attach_rsp(fd, &r);
}

/* The one fd that came with the packet, or -1 (extra or missing ones are
 * closed and refused). */
static int received_fd(struct msghdr *mh)
{
	int fd = -1, count = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;

			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (count++ == 0)
				fd = f;
			else
				close(f);
		}
	}
	if (count != 1 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Receives ATTACH or REGISTER (reg) and its memfd within the handshake
 * time: 0, or -errno with the reason in why.  A REGISTER is returned as
 * the ATTACH it implies, its own fields in r. */
static int receive_attach(int fd, struct scu_attach *a, struct scu_register *r, bool *reg,
			  int *memfd, char *why, size_t whylen)
{
	uint8_t pkt[SCU_MAX_LEN];
	char ctrl[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { pkt, sizeof(pkt) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
			     .msg_controllen = sizeof(ctrl) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, USER_HANDSHAKE_MS) <= 0) {
		snprintf(why, whylen, "no ATTACH within %u ms", USER_HANDSHAKE_MS);
		return -ETIMEDOUT;
	}
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n <= 0) {
		snprintf(why, whylen, "connection closed before ATTACH");
		return -ENOTCONN;
	}
	*memfd = received_fd(&mh);
	if (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC) || (size_t)n > sizeof(pkt)) {
		snprintf(why, whylen, "ATTACH packet or its file descriptors truncated");
		return -EPROTO;
	}
	*reg = scu_packet_op(pkt, (size_t)n) == SCU_OP_REGISTER;
	if (*reg) {
		if (scu_register_decode(pkt, (size_t)n, r, why, whylen) < 0)
			return -EPROTO;
		*a = (struct scu_attach){ .version = r->version, .mode = r->mode,
					  .area_bytes = r->area_bytes };
		memcpy(a->name, r->name, sizeof(a->name));
	} else if (scu_attach_decode(pkt, (size_t)n, a, why, whylen) < 0) {
		return -EPROTO;
	}
	if (a->version != SCU_VERSION) {
		snprintf(why, whylen, "protocol version %u, scstd speaks %u", a->version, SCU_VERSION);
		return -EPROTO;
	}
	if (*memfd < 0) {
		snprintf(why, whylen, "ATTACH must carry exactly one file descriptor (the data area)");
		return -EPROTO;
	}
	return 0;
}

/* Maps the handler's data area after checking it can never fault us: a
 * regular file (memfd) of at least the announced size, sealed against
 * shrinking. */
static int map_area(struct user_conn *c, int memfd, uint64_t bytes, char *why, size_t whylen)
{
	struct stat st;
	int seals = fcntl(memfd, F_GET_SEALS);

	if (bytes < SCU_AREA_MIN || bytes > SCU_AREA_MAX || bytes % USER_AREA_PAGE) {
		snprintf(why, whylen, "data area of %llu bytes: whole pages from %u to %llu",
			 (unsigned long long)bytes, SCU_AREA_MIN, (unsigned long long)SCU_AREA_MAX);
		return -EINVAL;
	}
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		snprintf(why, whylen, "the data area must be a memfd sealed with F_SEAL_SHRINK");
		return -EINVAL;
	}
	if (fstat(memfd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < bytes) {
		snprintf(why, whylen, "the data area's file is smaller than the %llu bytes announced",
			 (unsigned long long)bytes);
		return -EINVAL;
	}
	c->area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (c->area == MAP_FAILED) {
		c->area = NULL;
		snprintf(why, whylen, "cannot map the data area: %s", strerror(errno));
		return -EINVAL;
	}
	c->area_bytes = bytes;
	c->chunk_max = bytes / 4 < USER_CHUNK_MAX ? (uint32_t)(bytes / 4) : USER_CHUNK_MAX;
	if (user_area_init(&c->pages, bytes) < 0) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static pid_t peer_pid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 ? cr.pid : 0;
}

static int handshake(struct user_conn *c)
{
	struct scu_attach a;
	struct scu_register r;
	bool reg = false;
	struct scu_attach_rsp rsp = { 0 };
	char why[SCU_MSG_LEN];
	int memfd = -1, rc;
	pid_t pid = peer_pid(c->fd);

	rc = receive_attach(c->fd, &a, &r, &reg, &memfd, why, sizeof(why));
	if (rc == 0) {
		snprintf(c->name, sizeof(c->name), "%s", a.name);
		rc = map_area(c, memfd, a.area_bytes, why, sizeof(why));
	}
	if (memfd >= 0)
		close(memfd);
	if (rc == 0) {
		c->tm_capable = a.mode & SCU_AM_TM;
		c->ud = reg ? user_dev_register(&r, c, pid, &rc, why, sizeof(why))
			    : user_dev_attach(a.name, a.mode, c, pid, &rc, why, sizeof(why));
		if (!c->ud)
			rc = rc < 0 ? rc : -EINVAL;
	}
	if (rc < 0) {
		refuse(c->fd, rc, why);
		return rc;
	}
	rsp.block_size = c->ud->cdb_mode ? c->ud->block_size : c->ud->dev->block_size;
	rsp.size = c->ud->cdb_mode ? 0 : c->ud->dev->nblocks * c->ud->dev->block_size;
	rsp.flags = c->ud->dev->read_only ? SCU_F_READ_ONLY : 0;
	rsp.max_io = c->chunk_max;
	snprintf(rsp.msg, sizeof(rsp.msg), "attached to %.200s", c->name);
	send_attach_rsp(c->fd, &rsp);
	log_info("scst_user %s: handler process %d attached (data area %llu KiB)", c->name,
		 (int)pid, (unsigned long long)(c->area_bytes >> 10));
	return 0;
}

/* The handler left (or sent UNREGISTER, answered here): its registered
 * device goes with it, unless LUNs still export it. */
static void end_registration(struct user_conn *c, bool registered, bool asked)
{
	struct scu_attach_rsp rsp = { 0 };

	if (registered) {
		rsp.rc = user_dev_unregister(c->name, rsp.msg, sizeof(rsp.msg));
		if (rsp.rc == 0)
			snprintf(rsp.msg, sizeof(rsp.msg), "device %.200s unregistered", c->name);
	} else {
		rsp.rc = -EPERM;
		snprintf(rsp.msg, sizeof(rsp.msg),
			 "device %.180s was created by management: detached, not deleted", c->name);
	}
	if (asked)
		send_attach_rsp(c->fd, &rsp);
}

void user_conn_serve(int fd)
{
	struct user_conn *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&c->lock, NULL);
	list_init(&c->pending);
	list_init(&c->tm_queue);
	if (c->efd >= 0 && handshake(c) == 0) {
		/* The device outlives the connection unless it is registered;
		 * ud may be freed once finish has let the device go. */
		bool registered = c->ud->registered;

		rc = serve_requests(c);
		finish(c, rc == -ETIMEDOUT ? -ETIMEDOUT : -ENOTCONN);
		if (registered || rc == -ESHUTDOWN)
			end_registration(c, registered, rc == -ESHUTDOWN);
	}
	if (c->area)
		munmap(c->area, c->area_bytes);
	user_area_destroy(&c->pages);
	if (c->efd >= 0)
		close(c->efd);
	close(fd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
