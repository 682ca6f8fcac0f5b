/* dev_pass_sg.c - commands to a pass-through device through the Linux sg
 * driver's asynchronous interface: write() of a struct sg_io_hdr queues the
 * command, read() returns a finished one.  Each I/O loop opens the sg node
 * for itself (an sg file descriptor returns only its own commands), so the
 * queue is only ever touched by its loop's thread; one io_uring poll per
 * queue wakes the loop when a command is done, and no thread waits for a
 * command.  sg takes a bounded number of commands per descriptor: past it
 * write() fails with EDOM and the command waits on the queue's backlog
 * until one finishes.  A block READ or WRITE longer than the device's
 * transfer limit (the initiator may not know it: a CD has no Block Limits
 * page) is sent as consecutive pieces of at most that size, each with its
 * own LBA and count, one after the other.
 *
 * The device's status and sense go back unchanged.  A unit attention the
 * device reports for a reset (ASC 29h) right after scstd reset it is
 * scstd's own reset seen again: scstd already queued that UA for its
 * nexuses, so the command is sent once more instead.  Any other unit
 * attention (a capacity change, a reset scstd did not make) reached one of
 * scstd's nexuses only, as the device sees one initiator: it goes back to
 * that nexus and is established for every other (scst_dev_device_ua).  A device that has gone away (sg returns ENODEV, or
 * the host reports no connection) answers LOGICAL UNIT NOT SUPPORTED. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>

#include "core/cdb.h"
#include "handlers/dev_pass.h"
#include "util/ioloop_uring.h"
#include "util/log.h"

/* Host statuses of the Linux SCSI midlayer (include/scsi/scsi_status.h). */
#define PT_DID_NO_CONNECT 0x01
#define PT_DID_BAD_TARGET 0x04
/* Long enough for a tape to rewind or space over a whole cartridge. */
#define PT_TIMEOUT_MS (60u * 60u * 1000u)
#define PT_RESET_UA_RETRIES 2

struct pt_queue {
	struct io_op poll_op;
	struct scst_device *dev;
	struct ioloop *loop;
	int fd;
	bool armed;
	bool closing;
	bool dead;
	/* Commands queued with sg, and those waiting for room (the handler's
	 * lba_lock_node: pass-through devices take no LBA lock). */
	struct list_head inflight;
	struct list_head backlog;
};

static void fill_hdr(struct sg_io_hdr *h, uint8_t *cdb, unsigned cdb_len, void *buf,
		     uint32_t len, int dir, uint8_t *sense, unsigned timeout_ms)
{
	memset(h, 0, sizeof(*h));
	h->interface_id = 'S';
	h->dxfer_direction = len ? dir : SG_DXFER_NONE;
	h->cmd_len = (unsigned char)cdb_len;
	h->cmdp = cdb;
	h->dxferp = buf;
	h->dxfer_len = len;
	h->sbp = sense;
	h->mx_sb_len = SCST_SENSE_BUFFERSIZE;
	h->timeout = timeout_ms;
}

int pt_sg_sync(int fd, const uint8_t *cdb, unsigned cdb_len, void *buf, uint32_t len,
	       bool to_dev, uint8_t *status, unsigned timeout_ms)
{
	uint8_t cdb_copy[SCST_MAX_CDB_SIZE], sense[SCST_SENSE_BUFFERSIZE];
	struct sg_io_hdr h;

	memcpy(cdb_copy, cdb, cdb_len);
	fill_hdr(&h, cdb_copy, cdb_len, buf, len, to_dev ? SG_DXFER_TO_DEV : SG_DXFER_FROM_DEV,
		 sense, timeout_ms);
	if (ioctl(fd, SG_IO, &h) < 0)
		return -errno;
	if (h.host_status || (h.driver_status & ~0x08))
		return -EIO;
	*status = h.status;
	return 0;
}

static int sg_dir(const struct scst_cmd *cmd)
{
	if (cmd->data_dir == SCST_DATA_WRITE)
		return SG_DXFER_TO_DEV;
	if (cmd->data_dir == SCST_DATA_READ)
		return SG_DXFER_FROM_DEV;
	return SG_DXFER_NONE;
}

/* Per-command state: struct pt_cmd_state (handlers/cmd_state.h). */
/* The data-moving READ/WRITE commands, by id: block ones (an LBA and a
 * block count, which can be cut into pieces) and the 6-byte ones of the
 * other types (the tape's fixed or variable blocks, the processor's
 * SEND/RECEIVE), which cannot. */
enum pt_rw_kind { PT_NOT_RW, PT_BLOCK_RW, PT_STREAM_RW };

static const uint8_t pt_rw_kinds[SCSI_OP__COUNT] = {
	[SCSI_OP_READ_10] = PT_BLOCK_RW,
	[SCSI_OP_WRITE_10] = PT_BLOCK_RW,
	[SCSI_OP_READ_12] = PT_BLOCK_RW,
	[SCSI_OP_WRITE_12] = PT_BLOCK_RW,
	[SCSI_OP_READ_16] = PT_BLOCK_RW,
	[SCSI_OP_WRITE_16] = PT_BLOCK_RW,
	[SCSI_OP_READ_6] = PT_STREAM_RW,
	[SCSI_OP_WRITE_6] = PT_STREAM_RW,
	[SCSI_OP_SSC_READ_6] = PT_STREAM_RW,
	[SCSI_OP_SSC_WRITE_6] = PT_STREAM_RW,
	[SCSI_OP_RECEIVE_6] = PT_STREAM_RW,
	[SCSI_OP_SEND_6] = PT_STREAM_RW,
};

bool pt_moves_data(const struct scst_cmd *cmd)
{
	return pt_rw_kinds[cmd->op->id] != PT_NOT_RW;
}

bool pt_splits(const struct scst_cmd *cmd)
{
	int t = cmd->dev->type;

	if (t != 0x00 && t != 0x05 && t != 0x07)
		return false;
	return pt_rw_kinds[cmd->op->id] == PT_BLOCK_RW;
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* The CDB of the piece starting `done` bytes into the command. */
void pt_piece_cdb(const struct scst_cmd *cmd, uint64_t done, uint32_t len, uint8_t *cdb)
{
	uint64_t lba = cmd->lba + (done >> cmd->dev->block_shift);
	uint32_t n = len >> cmd->dev->block_shift;

	memcpy(cdb, cmd->cdb, cmd->cdb_len);
	/* READ/WRITE(10), (12) and (16) differ by their layout only. */
	switch (cmd->op->cdb_len) {
	case 10:
		put_be(cdb + 2, lba, 4);
		put_be(cdb + 7, n, 2);
		break;
	case 12:
		put_be(cdb + 2, lba, 4);
		put_be(cdb + 6, n, 4);
		break;
	default:
		put_be(cdb + 2, lba, 8);
		put_be(cdb + 10, n, 4);
		break;
	}
}

static uint32_t piece_len(const struct scst_cmd *cmd)
{
	uint32_t max = cmd->dev->max_xfer_bytes & ~(cmd->dev->block_size - 1);
	uint64_t left = cmd->bufflen - pt_cmd_state_of(cmd)->split_done;

	return left < max ? (uint32_t)left : max;
}

/* cdb: room for the piece's CDB, which write() copies. */
static void fill_cmd_hdr(struct sg_io_hdr *h, struct scst_cmd *cmd, uint8_t *cdb)
{
	struct pt_cmd_state *st = pt_cmd_state(cmd);
	uint32_t max = cmd->dev->max_xfer_bytes;

	if (st->piece_len || (max && cmd->bufflen > max && pt_splits(cmd) &&
			      max >= cmd->dev->block_size)) {
		uint32_t len = piece_len(cmd);

		pt_piece_cdb(cmd, st->split_done, len, cdb);
		st->piece_len = len;
		fill_hdr(h, cdb, cmd->cdb_len, cmd->buf + st->split_done, len, sg_dir(cmd),
			 cmd->sense, PT_TIMEOUT_MS);
	} else {
		fill_hdr(h, cmd->cdb, cmd->cdb_len, cmd->buf, cmd->bufflen, sg_dir(cmd),
			 cmd->sense, PT_TIMEOUT_MS);
	}
	h->usr_ptr = cmd;
}

static void complete_gone(struct scst_cmd *cmd)
{
	scst_set_cmd_error(cmd, SCST_S_LUN_NOT_SUPPORTED);
	scst_cmd_done(cmd);
}

/* Fixed (70h/71h) and descriptor (72h/73h) sense alike. */
static bool is_reset_ua(const uint8_t *s, unsigned len)
{
	bool desc = (s[0] & 0x7f) >= 0x72;
	unsigned key = desc ? (len > 1 ? s[1] & 0xf : 0) : (len > 2 ? s[2] & 0xf : 0);
	unsigned asc = desc ? (len > 2 ? s[2] : 0) : (len > 12 ? s[12] : 0);

	return len && key == SK_UNIT_ATTENTION && asc == 0x29;
}

static void queue_send(struct pt_queue *q, struct scst_cmd *cmd);

static void finish_cmd(struct pt_queue *q, struct scst_cmd *cmd, const struct sg_io_hdr *h)
{
	struct pt_cmd_state *st = pt_cmd_state(cmd);

	if (h->host_status == PT_DID_NO_CONNECT || h->host_status == PT_DID_BAD_TARGET) {
		log_err("%s: device gone (host status %#x)", cmd->dev->name, h->host_status);
		complete_gone(cmd);
		return;
	}
	if (h->status == SAM_STAT_CHECK_CONDITION && is_reset_ua(cmd->sense, h->sb_len_wr) &&
	    __atomic_exchange_n(&pt_of(cmd->dev)->reset_ua_expected, false, __ATOMIC_ACQ_REL) &&
	    st->reset_ua_retries++ < PT_RESET_UA_RETRIES) {
		queue_send(q, cmd);
		return;
	}
	if (h->host_status || (h->driver_status & ~0x08)) {
		log_err("%s: %s failed: host status %#x, driver status %#x", cmd->dev->name,
			cmd->op->name, h->host_status, h->driver_status);
		scst_set_cmd_error(cmd, SCST_S_INTERNAL_FAILURE);
		scst_cmd_done(cmd);
		return;
	}
	if (st->piece_len && h->status == SAM_STAT_GOOD && !h->resid &&
	    st->split_done + st->piece_len < cmd->bufflen) {
		st->split_done += st->piece_len;
		queue_send(q, cmd);
		return;
	}
	cmd->status = h->status;
	cmd->sense_len = h->status == SAM_STAT_CHECK_CONDITION ? h->sb_len_wr : 0;
	if (st->piece_len) {
		/* A split command: what the pieces before this one moved. */
		if ((cmd->data_dir & SCST_DATA_READ) && h->status == SAM_STAT_GOOD)
			cmd->resp_data_len = (uint32_t)(st->split_done + st->piece_len) -
					     (h->resid > 0 ? (uint32_t)h->resid : 0);
	} else if (cmd->data_dir & SCST_DATA_READ) {
		uint32_t resid = h->resid > 0 ? (uint32_t)h->resid : 0;

		cmd->resp_data_len = resid < cmd->bufflen ? cmd->bufflen - resid : 0;
	}
	if (h->status == SAM_STAT_GOOD) {
		/* The reset UA did not come (the kernel took it): a later one
		 * is the device's own. */
		__atomic_store_n(&pt_of(cmd->dev)->reset_ua_expected, false, __ATOMIC_RELEASE);
		pt_cmd_succeeded(cmd);
	} else {
		scst_dev_device_ua(cmd);
	}
	scst_cmd_done(cmd);
}

static void queue_free(struct pt_queue *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}

/* The device has gone: everything it still holds fails. */
static void queue_kill(struct pt_queue *q)
{
	struct scst_cmd *cmd, *tmp;

	q->dead = true;
	list_for_each_entry_safe(cmd, tmp, &q->inflight, lba_lock_node) {
		list_del(&cmd->lba_lock_node);
		complete_gone(cmd);
	}
	list_for_each_entry_safe(cmd, tmp, &q->backlog, lba_lock_node) {
		list_del(&cmd->lba_lock_node);
		complete_gone(cmd);
	}
}

static void poll_cb(struct io_op *op, int res);

static void arm_poll(struct pt_queue *q)
{
	struct io_uring_sqe *sqe;

	if (q->armed || q->dead || list_empty(&q->inflight))
		return;
	sqe = ioloop_sqe(q->loop);
	io_uring_prep_poll_add(sqe, q->fd, POLLIN);
	ioloop_sqe_set_op(sqe, &q->poll_op);
	q->armed = true;
}

/* Returns false when the device is gone (queue killed). */
static bool send_one(struct pt_queue *q, struct scst_cmd *cmd, bool *full)
{
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	struct sg_io_hdr h;

	fill_cmd_hdr(&h, cmd, cdb);
	*full = false;
	for (;;) {
		if (write(q->fd, &h, sizeof(h)) == (ssize_t)sizeof(h)) {
			list_add_tail(&cmd->lba_lock_node, &q->inflight);
			return true;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EDOM || errno == EAGAIN || errno == EBUSY) &&
		    !list_empty(&q->inflight)) {
			*full = true;
			return true;
		}
		if (errno == ENODEV || errno == ENXIO) {
			complete_gone(cmd);
			return false;
		}
		log_err("%s: sg write: %s", cmd->dev->name, strerror(errno));
		scst_set_cmd_error(cmd, SCST_S_INTERNAL_FAILURE);
		scst_cmd_done(cmd);
		return true;
	}
}

static void queue_send(struct pt_queue *q, struct scst_cmd *cmd)
{
	bool full;

	if (q->dead) {
		complete_gone(cmd);
		return;
	}
	if (!list_empty(&q->backlog)) {
		list_add_tail(&cmd->lba_lock_node, &q->backlog);
		return;
	}
	if (!send_one(q, cmd, &full)) {
		log_err("%s: device gone", q->dev->name);
		queue_kill(q);
		return;
	}
	if (full)
		list_add_tail(&cmd->lba_lock_node, &q->backlog);
	arm_poll(q);
}

static void send_backlog(struct pt_queue *q)
{
	while (!q->dead && !list_empty(&q->backlog)) {
		struct scst_cmd *cmd = list_first_entry(&q->backlog, struct scst_cmd, lba_lock_node);
		bool full;

		list_del(&cmd->lba_lock_node);
		if (!send_one(q, cmd, &full)) {
			queue_kill(q);
			return;
		}
		if (full) {
			list_add(&cmd->lba_lock_node, &q->backlog);
			return;
		}
	}
}

/* Reads every finished command; false when the device is gone. */
static bool drain(struct pt_queue *q)
{
	struct sg_io_hdr h;

	for (;;) {
		struct scst_cmd *cmd;

		memset(&h, 0, sizeof(h));
		h.interface_id = 'S';
		h.pack_id = -1;
		if (read(q->fd, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return true;
			log_err("%s: sg read: %s", q->dev->name, strerror(errno));
			return false;
		}
		cmd = h.usr_ptr;
		list_del(&cmd->lba_lock_node);
		finish_cmd(q, cmd, &h);
	}
}

static void poll_cb(struct io_op *op, int res)
{
	struct pt_queue *q = container_of(op, struct pt_queue, poll_op);

	q->armed = false;
	if (q->closing) {
		queue_free(q);
		return;
	}
	if (res < 0 && res != -EINTR && res != -ECANCELED)
		log_err("%s: sg poll: %s", q->dev->name, strerror(-res));
	if (!drain(q) || (res > 0 && (res & (POLLHUP | POLLERR)) && !drain(q))) {
		queue_kill(q);
		return;
	}
	send_backlog(q);
	arm_poll(q);
}

static struct pt_queue *queue_open(struct scst_device *dev, struct ioloop *loop)
{
	struct pt_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->fd = open(pt_of(dev)->sg_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (q->fd < 0) {
		log_err("%s: open %s: %s", dev->name, pt_of(dev)->sg_path, strerror(errno));
		free(q);
		return NULL;
	}
	q->poll_op.cb = poll_cb;
	q->dev = dev;
	q->loop = loop;
	list_init(&q->inflight);
	list_init(&q->backlog);
	return q;
}

/* Off the I/O threads (tools, tests) the command runs synchronously. */
static void submit_sync(struct scst_cmd *cmd)
{
	struct pt_dev *pd = pt_of(cmd->dev);
	struct sg_io_hdr h;

	/* Unsplit: the pieces are chained by the asynchronous path only. */
	pt_cmd_state(cmd)->piece_len = 0;
	fill_hdr(&h, cmd->cdb, cmd->cdb_len, cmd->buf, cmd->bufflen, sg_dir(cmd), cmd->sense,
		 PT_TIMEOUT_MS);
	h.usr_ptr = cmd;
	if (ioctl(pd->sync_fd, SG_IO, &h) < 0) {
		complete_gone(cmd);
		return;
	}
	pt_cmd_state(cmd)->reset_ua_retries = PT_RESET_UA_RETRIES;
	finish_cmd(NULL, cmd, &h);
}

void pt_sg_submit(struct scst_cmd *cmd)
{
	struct pt_dev *pd = pt_of(cmd->dev);
	struct ioloop *loop = ioloop_current();
	unsigned idx;

	if (!loop) {
		submit_sync(cmd);
		return;
	}
	idx = ioloop_index(loop);
	if (idx >= pd->nqueues) {
		scst_set_cmd_error(cmd, SCST_S_INTERNAL_FAILURE);
		scst_cmd_done(cmd);
		return;
	}
	if (!pd->queues[idx])
		pd->queues[idx] = queue_open(cmd->dev, loop);
	if (!pd->queues[idx]) {
		complete_gone(cmd);
		return;
	}
	*pt_cmd_state(cmd) = (struct pt_cmd_state){ 0 };
	list_init(&cmd->lba_lock_node);
	queue_send(pd->queues[idx], cmd);
}

void pt_sg_abort(struct scst_cmd *cmd)
{
	struct pt_dev *pd = pt_of(cmd->dev);
	struct ioloop *loop = ioloop_current();
	unsigned idx = loop ? ioloop_index(loop) : pd->nqueues;
	struct pt_queue *q = idx < pd->nqueues ? pd->queues[idx] : NULL;
	struct scst_cmd *c;

	if (!q)
		return;
	list_for_each_entry(c, &q->backlog, lba_lock_node) {
		if (c != cmd)
			continue;
		/* Never sent: the device does not know it; the core answers
		 * for an aborted command itself. */
		list_del(&cmd->lba_lock_node);
		scst_cmd_done(cmd);
		return;
	}
}

/* On the queue's loop: a queue with a poll armed is freed by its
 * cancelled poll's completion. */
static void queue_close_on_loop(void *arg)
{
	struct pt_queue *q = arg;
	struct io_uring_sqe *sqe;

	if (!q->armed) {
		queue_free(q);
		return;
	}
	q->closing = true;
	sqe = ioloop_sqe(q->loop);
	io_uring_prep_cancel(sqe, &q->poll_op, 0);
	io_uring_sqe_set_data(sqe, NULL);
}

void pt_sg_close_queues(struct pt_dev *pd)
{
	bool loops_running = ioloop_count() != 0;

	for (unsigned i = 0; i < pd->nqueues; i++) {
		struct pt_queue *q = pd->queues[i];

		if (!q)
			continue;
		/* A parked loop (`threads` lowered) left the queue idle. */
		if (!loops_running || ioloop_run_on_sync(q->loop, queue_close_on_loop, q) < 0)
			queue_free(q);
		pd->queues[i] = NULL;
	}
}
