/* scst_user_client.c - libscst_user (include/scstd_user.h): the handler
 * side of the scst_user socket.  The data area is a memfd sealed against
 * shrinking, as scstd requires; every request is checked against it before
 * the caller gets a pointer. */
#include "scstd_user.h"
#include "scst_user_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* scstd has at most 128 commands out; room for twice that. */
#define CMD_QUEUE_CAP 256

struct scstu_dev {
	int fd;
	uint8_t *area;
	size_t area_bytes;
	/* Task management (scstu_serve_cmds_tm): commands received while
	 * fn ran, the one fn runs, and whether (and by which TM) it was
	 * aborted meanwhile. */
	bool tm;
	struct scstu_cmd *queue;
	unsigned qhead, qlen;
	uint64_t cur_tag, cur_tm_id;
	bool cur_aborted;
	enum scstu_tm_status (*tm_fn)(const struct scstu_tm *tm, void *ctx);
	void *tm_ctx;
};

static ssize_t recv_packet(struct scstu_dev *d, uint8_t *pkt, size_t cap, bool wait);

static int connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int make_area(size_t bytes, char *err, size_t errlen)
{
	int fd = memfd_create("scst_user_area", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		snprintf(err, errlen, "data area: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* What the first packet carries besides the name, mode and area: a
 * REGISTER's block size and timeout (NULL: an ATTACH). */
struct reg_args {
	uint32_t block_size;
	uint32_t cmd_timeout;
};

static int send_attach(int fd, int memfd, const char *name, uint32_t mode, size_t bytes,
		       const struct reg_args *reg, char *err, size_t errlen)
{
	struct scu_attach a = { .version = SCU_VERSION, .mode = mode, .area_bytes = bytes };
	struct scu_register r = { .version = SCU_VERSION, .mode = mode, .area_bytes = bytes };
	uint8_t pkt[SCU_MAX_LEN];
	char ctrl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { pkt, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
			     .msg_controllen = sizeof(ctrl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	if (strlen(name) >= sizeof(a.name)) {
		snprintf(err, errlen, "device name too long");
		return -1;
	}
	strcpy(a.name, name);
	strcpy(r.name, name);
	if (reg) {
		r.block_size = reg->block_size;
		r.cmd_timeout = reg->cmd_timeout;
	}
	iov.iov_len = reg ? scu_register_encode(pkt, &r) : scu_attach_encode(pkt, &a);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)iov.iov_len) {
		snprintf(err, errlen, "attach: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int receive_attach_rsp(int fd, struct scstu_geometry *g, char *err, size_t errlen)
{
	uint8_t pkt[SCU_MAX_LEN];
	struct scu_attach_rsp r;
	ssize_t n = recv(fd, pkt, sizeof(pkt), MSG_TRUNC);

	if (n <= 0) {
		snprintf(err, errlen, "attach: no answer from scstd");
		return -1;
	}
	if ((size_t)n > sizeof(pkt) || scu_attach_rsp_decode(pkt, (size_t)n, &r, err, errlen) < 0)
		return -1;
	if (r.rc < 0) {
		snprintf(err, errlen, "%s", r.msg);
		return -1;
	}
	g->block_size = r.block_size;
	g->size = r.size;
	g->read_only = r.flags & SCU_F_READ_ONLY;
	g->max_io = r.max_io;
	return 0;
}

static struct scstu_dev *attach_mode(const char *socket_path, const char *name, uint32_t mode,
				     const struct reg_args *reg, size_t area_bytes,
				     struct scstu_geometry *geometry, char *err, size_t errlen)
{
	struct scstu_dev *d = calloc(1, sizeof(*d));
	int memfd = -1;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->fd = connect_to(socket_path, err, errlen);
	if (d->fd < 0)
		goto fail;
	memfd = make_area(area_bytes, err, errlen);
	if (memfd < 0)
		goto fail;
	d->area = mmap(NULL, area_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (d->area == MAP_FAILED) {
		d->area = NULL;
		snprintf(err, errlen, "data area: %s", strerror(errno));
		goto fail;
	}
	d->area_bytes = area_bytes;
	if (send_attach(d->fd, memfd, name, mode, area_bytes, reg, err, errlen) < 0 ||
	    receive_attach_rsp(d->fd, geometry, err, errlen) < 0)
		goto fail;
	close(memfd);
	return d;
fail:
	if (memfd >= 0)
		close(memfd);
	scstu_detach(d);
	return NULL;
}

struct scstu_dev *scstu_attach(const char *socket_path, const char *name, size_t area_bytes,
			       struct scstu_geometry *geometry, char *err, size_t errlen)
{
	return attach_mode(socket_path, name, 0, NULL, area_bytes, geometry, err, errlen);
}

/* A CDB-mode attach or register, with task management (tm) or not. */
static struct scstu_dev *attach_cdb(const char *socket_path, const char *name, unsigned type,
				    bool tm, const struct reg_args *reg, size_t area_bytes,
				    struct scstu_geometry *geometry, char *err, size_t errlen)
{
	struct scstu_cmd *queue = tm ? calloc(CMD_QUEUE_CAP, sizeof(*queue)) : NULL;
	struct scstu_dev *d;

	if (type > 0x1e) {
		snprintf(err, errlen, "peripheral device type %u: 0 to 30", type);
		free(queue);
		return NULL;
	}
	if (tm && !queue) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d = attach_mode(socket_path, name, SCU_AM_CDB | (tm ? SCU_AM_TM : 0) | type << 8, reg,
			area_bytes, geometry, err, errlen);
	if (!d) {
		free(queue);
		return NULL;
	}
	d->tm = tm;
	d->queue = queue;
	return d;
}

struct scstu_dev *scstu_attach_cdb(const char *socket_path, const char *name, unsigned type,
				   size_t area_bytes, struct scstu_geometry *geometry, char *err,
				   size_t errlen)
{
	return attach_cdb(socket_path, name, type, false, NULL, area_bytes, geometry, err, errlen);
}

struct scstu_dev *scstu_attach_cdb_tm(const char *socket_path, const char *name, unsigned type,
				      size_t area_bytes, struct scstu_geometry *geometry,
				      char *err, size_t errlen)
{
	return attach_cdb(socket_path, name, type, true, NULL, area_bytes, geometry, err, errlen);
}

struct scstu_dev *scstu_register_cdb(const char *socket_path, const char *name, unsigned type,
				     uint32_t block_size, unsigned cmd_timeout, bool tm,
				     size_t area_bytes, struct scstu_geometry *geometry,
				     char *err, size_t errlen)
{
	struct reg_args reg = { .block_size = block_size, .cmd_timeout = cmd_timeout };

	return attach_cdb(socket_path, name, type, tm, &reg, area_bytes, geometry, err, errlen);
}

int scstu_unregister(struct scstu_dev *d, char *err, size_t errlen)
{
	uint8_t pkt[SCU_MAX_LEN];
	struct scu_attach_rsp r;
	ssize_t n;

	scu_unregister_encode(pkt);
	if (send(d->fd, pkt, SCU_UNREGISTER_LEN, MSG_NOSIGNAL) != (ssize_t)SCU_UNREGISTER_LEN) {
		snprintf(err, errlen, "unregister: %s", strerror(errno));
		return -errno;
	}
	/* Commands and TMs sent before scstd read it are not answered. */
	while ((n = recv_packet(d, pkt, sizeof(pkt), true)) > 0) {
		if (scu_packet_op(pkt, (size_t)n) != SCU_OP_ATTACH_RSP)
			continue;
		if (scu_attach_rsp_decode(pkt, (size_t)n, &r, err, errlen) < 0)
			return -EPROTO;
		snprintf(err, errlen, "%s", r.msg);
		return r.rc;
	}
	snprintf(err, errlen, "unregister: scstd closed the connection without an answer");
	return n < 0 ? (int)n : -ENOTCONN;
}

int scstu_fd(const struct scstu_dev *d)
{
	return d->fd;
}

/* One packet from scstd: its length, 0 when none is waiting (!wait),
 * -ENOTCONN when the connection ended, -EPROTO when it was truncated. */
static ssize_t recv_packet(struct scstu_dev *d, uint8_t *pkt, size_t cap, bool wait)
{
	ssize_t n = recv(d->fd, pkt, cap, MSG_TRUNC | (wait ? 0 : MSG_DONTWAIT));

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -ENOTCONN;
	if (n == 0)
		return -ENOTCONN;
	return (size_t)n > cap ? -EPROTO : n;
}

/* Whether [off, off + len) lies inside the shared area. */
static bool in_area(const struct scstu_dev *d, uint64_t off, uint64_t len)
{
	return off <= d->area_bytes && len <= d->area_bytes - off;
}

int scstu_next(struct scstu_dev *d, struct scstu_io *io, bool wait)
{
	uint8_t pkt[SCU_MAX_LEN];
	struct scu_io w;
	char why[128];
	ssize_t n = recv_packet(d, pkt, sizeof(pkt), wait);

	if (n <= 0)
		return (int)n;
	if (scu_io_decode(pkt, (size_t)n, &w, why, sizeof(why)) < 0 || !in_area(d, w.area_off, w.len))
		return -EPROTO;
	io->tag = w.tag;
	io->kind = (enum scstu_kind)w.kind;
	io->offset = w.offset;
	io->len = w.len;
	io->data = d->area + w.area_off;
	return 1;
}

int scstu_complete(struct scstu_dev *d, const struct scstu_io *io, int result)
{
	struct scu_done done = { .tag = io->tag, .result = result > 0 ? -EIO : result };
	uint8_t pkt[SCU_DONE_LEN];

	if (result < -4095)
		done.result = -EIO;
	scu_done_encode(pkt, &done);
	if (send(d->fd, pkt, sizeof(pkt), MSG_NOSIGNAL) != (ssize_t)sizeof(pkt))
		return -errno;
	return 0;
}

int scstu_serve(struct scstu_dev *d, int (*fn)(const struct scstu_io *io, void *ctx), void *ctx)
{
	struct scstu_io io;
	int rc;

	while ((rc = scstu_next(d, &io, true)) == 1) {
		rc = scstu_complete(d, &io, fn(&io, ctx));
		if (rc < 0)
			return rc;
	}
	return rc;
}

void scstu_detach(struct scstu_dev *d)
{
	if (!d)
		return;
	if (d->area)
		munmap(d->area, d->area_bytes);
	if (d->fd >= 0)
		close(d->fd);
	free(d->queue);
	free(d);
}

/* A CMD packet into cmd: 0, or -EPROTO. */
static int take_cmd(struct scstu_dev *d, const uint8_t *pkt, size_t n, struct scstu_cmd *cmd)
{
	struct scu_cmd w;
	char why[128];

	if (scu_cmd_decode(pkt, n, &w, why, sizeof(why)) < 0 || !in_area(d, w.area_off, w.len))
		return -EPROTO;
	cmd->tag = w.tag;
	cmd->lun = w.lun;
	memcpy(cmd->cdb, w.cdb, sizeof(cmd->cdb));
	cmd->cdb_len = w.cdb_len;
	cmd->dir = (enum scstu_dir)w.dir;
	cmd->len = w.len;
	cmd->data = d->area + w.area_off;
	return 0;
}

int scstu_next_cmd(struct scstu_dev *d, struct scstu_cmd *cmd, bool wait)
{
	uint8_t pkt[SCU_MAX_LEN];
	ssize_t n = recv_packet(d, pkt, sizeof(pkt), wait);

	if (n <= 0)
		return (int)n;
	return take_cmd(d, pkt, (size_t)n, cmd) < 0 ? -EPROTO : 1;
}

static int send_tm_done(struct scstu_dev *d, uint64_t id, enum scstu_tm_status status)
{
	struct scu_tm_done done = { .id = id, .status = (uint8_t)status };
	uint8_t pkt[SCU_TM_DONE_LEN];

	scu_tm_done_encode(pkt, &done);
	if (send(d->fd, pkt, sizeof(pkt), MSG_NOSIGNAL) != (ssize_t)sizeof(pkt))
		return -errno;
	return 0;
}

/* Drops a command not yet started: whether the queue had it. */
static bool drop_queued(struct scstu_dev *d, uint64_t tag)
{
	for (unsigned i = 0; i < d->qlen; i++) {
		unsigned at = (d->qhead + i) % CMD_QUEUE_CAP;

		if (d->queue[at].tag != tag)
			continue;
		for (unsigned j = i; j + 1 < d->qlen; j++)
			d->queue[(d->qhead + j) % CMD_QUEUE_CAP] =
				d->queue[(d->qhead + j + 1) % CMD_QUEUE_CAP];
		d->qlen--;
		return true;
	}
	return false;
}

/* A TM: the command running is answered for when fn returns; any other
 * is answered now. */
static int take_tm(struct scstu_dev *d, const uint8_t *pkt, size_t n)
{
	struct scu_tm w;
	struct scstu_tm tm;
	enum scstu_tm_status st;
	char why[128];

	if (scu_tm_decode(pkt, n, &w, why, sizeof(why)) < 0)
		return -EPROTO;
	tm = (struct scstu_tm){ .id = w.id, .fn = (enum scstu_tm_fn)w.fn, .tag = w.tag,
				.lun = w.lun };
	st = d->tm_fn ? d->tm_fn(&tm, d->tm_ctx) : SCSTU_TM_COMPLETE;
	if (st != SCSTU_TM_REJECTED)
		st = SCSTU_TM_COMPLETE;
	if (st == SCSTU_TM_COMPLETE && tm.tag && tm.tag == d->cur_tag && !d->cur_aborted) {
		d->cur_aborted = true;
		d->cur_tm_id = tm.id;
		return 0;
	}
	if (st == SCSTU_TM_COMPLETE && tm.tag)
		drop_queued(d, tm.tag);
	return send_tm_done(d, tm.id, st);
}

/* Takes one packet in: 1, 0 none waiting (!wait), <0 the connection
 * ended or scstd sent something malformed. */
static int take_packet(struct scstu_dev *d, bool wait)
{
	uint8_t pkt[SCU_MAX_LEN];
	ssize_t n = recv_packet(d, pkt, sizeof(pkt), wait);
	int rc;

	if (n <= 0)
		return (int)n;
	if (scu_packet_op(pkt, (size_t)n) == SCU_OP_TM)
		rc = take_tm(d, pkt, (size_t)n);
	else if (d->qlen == CMD_QUEUE_CAP)
		rc = -EPROTO;
	else if ((rc = take_cmd(d, pkt, (size_t)n,
				&d->queue[(d->qhead + d->qlen) % CMD_QUEUE_CAP])) == 0)
		d->qlen++;
	return rc < 0 ? rc : 1;
}

bool scstu_cmd_aborted(struct scstu_dev *d, const struct scstu_cmd *cmd)
{
	while (d->tm && !(d->cur_aborted && d->cur_tag == cmd->tag) && take_packet(d, false) > 0)
		;
	return d->cur_aborted && d->cur_tag == cmd->tag;
}

int scstu_serve_cmds_tm(struct scstu_dev *d,
			void (*fn)(const struct scstu_cmd *cmd, struct scstu_reply *reply, void *ctx),
			enum scstu_tm_status (*tm_fn)(const struct scstu_tm *tm, void *ctx),
			void *ctx)
{
	struct scstu_cmd cmd;
	struct scstu_reply reply;
	int rc;

	if (!d->tm)
		return -EINVAL;
	d->tm_fn = tm_fn;
	d->tm_ctx = ctx;
	for (;;) {
		while (!d->qlen)
			if ((rc = take_packet(d, true)) < 0)
				return rc;
		cmd = d->queue[d->qhead];
		d->qhead = (d->qhead + 1) % CMD_QUEUE_CAP;
		d->qlen--;
		d->cur_tag = cmd.tag;
		d->cur_aborted = false;
		fn(&cmd, &reply, ctx);
		d->cur_tag = 0;
		/* Given up only now that fn no longer touches its data. */
		rc = d->cur_aborted ? send_tm_done(d, d->cur_tm_id, SCSTU_TM_COMPLETE)
				    : scstu_complete_cmd(d, &cmd, &reply);
		if (rc < 0)
			return rc;
	}
}

int scstu_complete_cmd(struct scstu_dev *d, const struct scstu_cmd *cmd,
		       const struct scstu_reply *reply)
{
	struct scu_cmd_done done = { .tag = cmd->tag, .status = reply->status,
				     .sense_len = (uint8_t)reply->sense_len,
				     .resp_len = reply->data_len };
	uint8_t pkt[SCU_CMD_DONE_LEN];
	char why[128];

	if (reply->sense_len > sizeof(done.sense) || reply->data_len > cmd->len ||
	    (reply->data_len && cmd->dir != SCSTU_DIR_IN))
		return -EINVAL;
	memcpy(done.sense, reply->sense, reply->sense_len);
	/* What scstd would refuse (and disconnect for) is refused here. */
	if (!scu_cmd_done_encode(pkt, &done) ||
	    scu_cmd_done_decode(pkt, sizeof(pkt), &done, why, sizeof(why)) < 0)
		return -EINVAL;
	if (send(d->fd, pkt, sizeof(pkt), MSG_NOSIGNAL) != (ssize_t)sizeof(pkt))
		return -errno;
	return 0;
}

void scstu_reply_good(struct scstu_reply *reply, uint32_t data_len)
{
	memset(reply, 0, sizeof(*reply));
	reply->data_len = data_len;
}

void scstu_reply_sense(struct scstu_reply *reply, uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(reply, 0, sizeof(*reply));
	reply->status = 0x02;
	reply->sense[0] = 0x70;
	reply->sense[2] = key & 0x0f;
	reply->sense[7] = 10;            /* additional sense length: 18 bytes in all */
	reply->sense[12] = asc;
	reply->sense[13] = ascq;
	reply->sense_len = 18;
}

int scstu_serve_cmds(struct scstu_dev *d,
		     void (*fn)(const struct scstu_cmd *cmd, struct scstu_reply *reply, void *ctx),
		     void *ctx)
{
	struct scstu_cmd cmd;
	struct scstu_reply reply;
	int rc;

	while ((rc = scstu_next_cmd(d, &cmd, true)) == 1) {
		fn(&cmd, &reply, ctx);
		rc = scstu_complete_cmd(d, &cmd, &reply);
		if (rc < 0)
			return rc;
	}
	return rc;
}
