/* local_ublk.c - scst_local's LUNs as block devices of the kernel: with
 * --local-ublk every LUN of every local session is a ublk device
 * (/dev/ublkbN), the user-space stand-in for the SCSI host the kernel
 * module scst_local registers.  A watcher thread adds a device for each
 * new LUN and removes it when the LUN or its session goes; the driver
 * has no hook for LUN changes, so it compares every WATCH_MS.
 *
 * Each device has one queue served by one thread with its own io_uring
 * (128-byte SQEs for the ublk commands): a request becomes READ(16),
 * WRITE(16) or SYNCHRONIZE CACHE through the full core path
 * (local_lun_io.c), one at a time, like the FUSE LUN files.  The control
 * commands (add, parameters, start, stop, delete) go through a ring of
 * the watcher's own, so only that thread ever touches it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <signal.h>
#include <linux/ublk_cmd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "targets/local/local.h"
#include "targets/local/local_lun_io.h"
#include "util/log.h"

#define UBLK_CONTROL "/dev/ublk-control"
#define QUEUE_DEPTH 16
/* ublksrv_flags (the server field) of the devices scstd makes. */
#define SCSTD_UBLK_MARK 0x5c57d0b1c0ull
#define IO_BYTES (256u << 10)
#define WATCH_MS 500
#define MAX_WANTED 256
#define SQE128_BYTES 128

/* The ioctl-style encoding of the commands, which kernels without the
 * legacy opcodes require and the others accept. */
#define CTRL_OP(nr) _IOWR('u', nr, struct ublksrv_ctrl_cmd)
#define IO_OP(nr) _IOWR('u', nr, struct ublksrv_io_cmd)

struct ublk_dev {
	struct list_head node;                  /* devices (watcher only) */
	char sess[SCST_NAME_MAX];
	uint64_t lun;
	uint32_t id;                            /* N of /dev/ublkbN */
	int cfd;                                /* /dev/ublkcN */
	struct ublksrv_io_desc *descs;
	size_t descs_len;
	uint8_t *bufs;                          /* QUEUE_DEPTH x IO_BYTES */
	struct io_uring ring;
	bool ring_ready, started;
	bool stopping;                          /* atomic: queue thread ends */
	pthread_t thread;
};

struct wanted {
	char sess[SCST_NAME_MAX];
	uint64_t lun;
};

static struct list_head devices = LIST_HEAD_INIT(devices);
static struct io_uring ctrl_ring;
static int ctrl_fd = -1;
static pthread_t watcher;
static bool watching;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static bool stop_requested;

static struct io_uring_sqe *cmd_sqe(struct io_uring *ring, int fd, unsigned op, uint64_t data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return NULL;
	memset(sqe, 0, SQE128_BYTES);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	sqe->user_data = data;
	return sqe;
}

/* One control command, waited for; the kernel's result (>= 0) or -errno. */
static int ctrl_cmd(unsigned nr, uint32_t dev_id, void *buf, uint16_t len, uint64_t data0)
{
	struct io_uring_sqe *sqe = cmd_sqe(&ctrl_ring, ctrl_fd, CTRL_OP(nr), nr);
	struct io_uring_cqe *cqe;
	struct ublksrv_ctrl_cmd *c;
	int rc;

	if (!sqe)
		return -EBUSY;
	c = (struct ublksrv_ctrl_cmd *)sqe->cmd;
	c->dev_id = dev_id;
	c->queue_id = (uint16_t)-1;
	c->addr = (uintptr_t)buf;
	c->len = len;
	c->data[0] = data0;
	rc = io_uring_submit_and_wait(&ctrl_ring, 1);
	if (rc < 0)
		return rc;
	rc = io_uring_wait_cqe(&ctrl_ring, &cqe);
	if (rc < 0)
		return rc;
	rc = cqe->res;
	io_uring_cqe_seen(&ctrl_ring, cqe);
	return rc;
}

static void queue_io(struct ublk_dev *d, unsigned tag, unsigned nr, int result)
{
	struct io_uring_sqe *sqe = cmd_sqe(&d->ring, d->cfd, IO_OP(nr), tag);
	struct ublksrv_io_cmd *c;

	if (!sqe)
		return;                         /* cannot happen: 2 x depth entries */
	c = (struct ublksrv_io_cmd *)sqe->cmd;
	c->q_id = 0;
	c->tag = (uint16_t)tag;
	c->result = result;
	c->addr = (uintptr_t)(d->bufs + (size_t)tag * IO_BYTES);
}

static int sync_cache(struct local_lun *lu)
{
	struct local_req r = { .lun = lu->lun, .cdb = { 0x35 }, .cdb_len = 10 };

	return local_lun_run(lu, &r);
}

/* Serves one request: the byte count (reads and writes), 0, or -errno. */
static int serve(struct ublk_dev *d, const struct ublksrv_io_desc *iod, void *buf)
{
	struct local_lun lu = { .lun = d->lun };
	uint64_t off = iod->start_sector << 9;
	uint32_t bytes = iod->nr_sectors << 9;
	unsigned op = ublksrv_get_op(iod);
	int rc;

	lu.ls = local_sess_get(NULL, d->sess);
	if (!lu.ls)
		return -EIO;
	rc = local_lun_find(&lu);
	if (rc < 0) {
		local_sess_put(lu.ls);
		return -EIO;
	}
	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		if (bytes > IO_BYTES || off % lu.block_size || bytes % lu.block_size)
			rc = -EINVAL;
		else
			rc = local_lun_io(&lu, op == UBLK_IO_OP_WRITE, off / lu.block_size,
					  bytes / lu.block_size, buf);
		if (rc == 0)
			rc = (int)bytes;
		break;
	case UBLK_IO_OP_FLUSH:
		rc = sync_cache(&lu);
		break;
	case UBLK_IO_OP_DISCARD:
		if (!lu.thin || off % lu.block_size || bytes % lu.block_size)
			rc = -EOPNOTSUPP;
		else
			rc = local_lun_unmap(&lu, off / lu.block_size, bytes / lu.block_size);
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	local_sess_put(lu.ls);
	return rc;
}

/* The queue: fetch every tag, then serve and commit until the device is
 * stopped.  Kernels since 6.8 end the pending fetches only when their
 * ring closes, older ones at STOP_DEV: the thread ends on whichever comes
 * first, every tag aborted or free_device's stopping flag (set once
 * STOP_DEV has drained the block requests). */
static void *queue_main(void *arg)
{
	struct __kernel_timespec tick = { .tv_nsec = 100 * 1000000L };
	struct ublk_dev *d = arg;
	struct io_uring_cqe *cqe;
	unsigned tag, ended = 0;
	int res;

	for (tag = 0; tag < QUEUE_DEPTH; tag++)
		queue_io(d, tag, UBLK_IO_FETCH_REQ, 0);
	io_uring_submit(&d->ring);
	while (ended < QUEUE_DEPTH) {
		if (io_uring_wait_cqe_timeout(&d->ring, &cqe, &tick) < 0) {
			if (__atomic_load_n(&d->stopping, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		tag = (unsigned)cqe->user_data;
		res = cqe->res;
		io_uring_cqe_seen(&d->ring, cqe);
		if (res != UBLK_IO_RES_OK || tag >= QUEUE_DEPTH) {
			ended++;
			continue;
		}
		res = serve(d, &d->descs[tag], d->bufs + (size_t)tag * IO_BYTES);
		queue_io(d, tag, UBLK_IO_COMMIT_AND_FETCH_REQ, res);
		io_uring_submit(&d->ring);
	}
	return NULL;
}

static uint8_t shift_of(uint32_t v)
{
	uint8_t s = 0;

	while ((1u << s) < v)
		s++;
	return s;
}

static int set_params(struct ublk_dev *d, const struct local_lun *lu)
{
	struct ublk_params p = { .len = sizeof(p), .types = UBLK_PARAM_TYPE_BASIC };
	uint8_t bs = shift_of(lu->block_size);

	p.basic.attrs = UBLK_ATTR_VOLATILE_CACHE | (lu->read_only ? UBLK_ATTR_READ_ONLY : 0);
	p.basic.logical_bs_shift = bs;
	p.basic.physical_bs_shift = bs;
	p.basic.io_min_shift = bs;
	p.basic.io_opt_shift = bs;
	p.basic.max_sectors = IO_BYTES >> 9;
	p.basic.dev_sectors = lu->size >> 9;
	/* A thin LU deallocates: the kernel's discards become UNMAP, one
	 * descriptor per request, no larger than a transfer. */
	if (lu->thin) {
		p.types |= UBLK_PARAM_TYPE_DISCARD;
		p.discard.discard_granularity = lu->block_size;
		p.discard.max_discard_sectors = IO_BYTES >> 9;
		p.discard.max_discard_segments = 1;
	}
	return ctrl_cmd(UBLK_CMD_SET_PARAMS, d->id, &p, sizeof(p), 0);
}

static int open_char_dev(struct ublk_dev *d)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/ublkc%" PRIu32, d->id);
	/* devtmpfs creates the node with the device, udev may still chmod. */
	for (int i = 0; i < 50; i++) {
		d->cfd = open(path, O_RDWR | O_CLOEXEC);
		if (d->cfd >= 0)
			return 0;
		usleep(20000);
	}
	return -errno;
}

static int map_queue(struct ublk_dev *d)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = QUEUE_DEPTH * sizeof(struct ublksrv_io_desc);
	void *p;

	d->descs_len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, d->descs_len, PROT_READ, MAP_SHARED | MAP_POPULATE, d->cfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	d->descs = p;
	if (posix_memalign((void **)&d->bufs, (size_t)page, (size_t)QUEUE_DEPTH * IO_BYTES))
		return -ENOMEM;
	return io_uring_queue_init(2 * QUEUE_DEPTH, &d->ring, IORING_SETUP_SQE128);
}

/* Undoes whatever part of add_device was done.  DEL_DEV waits until the
 * character device is released, so the ring and the device close first. */
static void free_device(struct ublk_dev *d, bool added)
{
	if (d->started || d->ring_ready)
		ctrl_cmd(UBLK_CMD_STOP_DEV, d->id, NULL, 0, 0);
	if (d->ring_ready) {
		__atomic_store_n(&d->stopping, true, __ATOMIC_RELEASE);
		pthread_join(d->thread, NULL);
		io_uring_queue_exit(&d->ring);
	}
	if (d->descs)
		munmap(d->descs, d->descs_len);
	if (d->cfd >= 0)
		close(d->cfd);
	if (added)
		ctrl_cmd(UBLK_CMD_DEL_DEV, d->id, NULL, 0, 0);
	free(d->bufs);
	free(d);
}

static int start_device(struct ublk_dev *d, const struct local_lun *lu)
{
	int rc = set_params(d, lu);

	if (rc >= 0)
		rc = open_char_dev(d);
	if (rc >= 0)
		rc = map_queue(d);
	if (rc < 0)
		return rc;
	if (pthread_create(&d->thread, NULL, queue_main, d)) {
		io_uring_queue_exit(&d->ring);
		return -EAGAIN;
	}
	d->ring_ready = true;
	/* Returns once the queue has fetched every tag. */
	rc = ctrl_cmd(UBLK_CMD_START_DEV, d->id, NULL, 0, (uint64_t)getpid());
	if (rc < 0)
		return rc;
	d->started = true;
	return 0;
}

static void add_device(const struct wanted *w)
{
	struct ublksrv_ctrl_dev_info info = {
		.nr_hw_queues = 1, .queue_depth = QUEUE_DEPTH,
		.max_io_buf_bytes = IO_BYTES, .dev_id = (uint32_t)-1,
		.ublksrv_flags = SCSTD_UBLK_MARK,
	};
	struct local_lun lu = { .lun = w->lun };
	struct ublk_dev *d;
	int rc;

	lu.ls = local_sess_get(NULL, w->sess);
	if (!lu.ls)
		return;
	rc = local_lun_find(&lu);
	local_sess_put(lu.ls);
	if (rc < 0)
		return;
	d = calloc(1, sizeof(*d));
	if (!d)
		return;
	d->cfd = -1;
	snprintf(d->sess, sizeof(d->sess), "%s", w->sess);
	d->lun = w->lun;
	rc = ctrl_cmd(UBLK_CMD_ADD_DEV, (uint32_t)-1, &info, sizeof(info), 0);
	if (rc < 0) {
		log_err("scst_local: ublk device for session %s LUN %" PRIu64 " not added: %s",
			  w->sess, w->lun, strerror(-rc));
		free(d);
		return;
	}
	d->id = info.dev_id;
	rc = start_device(d, &lu);
	if (rc < 0) {
		log_err("scst_local: /dev/ublkb%" PRIu32 " (session %s LUN %" PRIu64 ") not started: %s",
			  d->id, w->sess, w->lun, strerror(-rc));
		free_device(d, true);
		return;
	}
	list_add_tail(&d->node, &devices);
	log_info("scst_local: session %s LUN %" PRIu64 " is /dev/ublkb%" PRIu32 " (%" PRIu64 " bytes)",
		 d->sess, d->lun, d->id, lu.size);
}

static void remove_device(struct ublk_dev *d)
{
	log_info("scst_local: /dev/ublkb%" PRIu32 " (session %s LUN %" PRIu64 ") removed", d->id,
		 d->sess, d->lun);
	list_del(&d->node);
	free_device(d, true);
}

/* Every LUN of every live local session, at most max of them. */
static unsigned list_wanted(struct wanted *w, unsigned max)
{
	struct scst_acg_dev *ad;
	struct local_tgt *lt;
	struct local_sess *ls;
	unsigned n = 0;

	pthread_mutex_lock(&scst_mutex);
	pthread_mutex_lock(&local_lock);
	list_for_each_entry(lt, &local_targets, node)
		list_for_each_entry(ls, &lt->sessions, node) {
			if (ls->closing)
				continue;
			list_for_each_entry(ad, &ls->sess->acg->acg_devs, node) {
				if (n == max)
					break;
				snprintf(w[n].sess, sizeof(w[n].sess), "%s", ls->name);
				w[n++].lun = ad->lun;
			}
		}
	pthread_mutex_unlock(&local_lock);
	pthread_mutex_unlock(&scst_mutex);
	return n;
}

static bool is_wanted(const struct ublk_dev *d, const struct wanted *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (w[i].lun == d->lun && !strcmp(w[i].sess, d->sess))
			return true;
	return false;
}

static bool has_device(const struct wanted *w)
{
	struct ublk_dev *d;

	list_for_each_entry(d, &devices, node)
		if (d->lun == w->lun && !strcmp(d->sess, w->sess))
			return true;
	return false;
}

static void sync_devices(struct wanted *w)
{
	unsigned n = list_wanted(w, MAX_WANTED);
	struct ublk_dev *d, *tmp;

	list_for_each_entry_safe(d, tmp, &devices, node)
		if (!is_wanted(d, w, n))
			remove_device(d);
	for (unsigned i = 0; i < n; i++)
		if (!has_device(&w[i]))
			add_device(&w[i]);
}

/* Sleeps WATCH_MS or until local_ublk_stop; true when asked to stop. */
static bool wait_or_stop(void)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += WATCH_MS * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&stop_lock);
	if (!stop_requested)
		pthread_cond_timedwait(&stop_cond, &stop_lock, &ts);
	stop = stop_requested;
	pthread_mutex_unlock(&stop_lock);
	return stop;
}

static void *watch_main(void *arg)
{
	struct wanted *w = calloc(MAX_WANTED, sizeof(*w));
	struct ublk_dev *d, *tmp;

	(void)arg;
	do {
		if (w)
			sync_devices(w);
	} while (!wait_or_stop());
	list_for_each_entry_safe(d, tmp, &devices, node)
		remove_device(d);
	free(w);
	return NULL;
}

/* Devices a killed scstd left behind would hold their ids for ever: the
 * kernel removes the disk but keeps the device, dead (no server, state
 * DEAD).  Such a device that scstd made (its mark in ublksrv_flags) and
 * whose server is gone is deleted, so that LUN N comes back as
 * /dev/ublkbN.  Other servers' devices and live ones are left alone. */
#define ORPHAN_SCAN_IDS 256

static bool orphaned(const struct ublksrv_ctrl_dev_info *info)
{
	pid_t pid = (pid_t)info->ublksrv_pid;

	if (info->ublksrv_flags != SCSTD_UBLK_MARK || info->state != UBLK_S_DEV_DEAD)
		return false;
	return pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH);
}

static void reclaim_orphans(void)
{
	for (uint32_t id = 0; id < ORPHAN_SCAN_IDS; id++) {
		struct ublksrv_ctrl_dev_info info;

		memset(&info, 0, sizeof(info));
		if (ctrl_cmd(UBLK_CMD_GET_DEV_INFO, id, &info, sizeof(info), 0) < 0 ||
		    !orphaned(&info))
			continue;
		if (ctrl_cmd(UBLK_CMD_DEL_DEV, id, NULL, 0, 0) == 0)
			log_info("scst_local: removed ublk device %u, left by an scstd that is gone", id);
	}
}

int local_ublk_start(void)
{
	int rc;

	ctrl_fd = open(UBLK_CONTROL, O_RDWR | O_CLOEXEC);
	if (ctrl_fd < 0) {
		rc = -errno;
		log_err("scst_local: %s: %s (is the ublk_drv module loaded?)", UBLK_CONTROL,
			  strerror(-rc));
		return rc;
	}
	rc = io_uring_queue_init(4, &ctrl_ring, IORING_SETUP_SQE128);
	if (rc < 0) {
		log_err("scst_local: io_uring for ublk control: %s", strerror(-rc));
		close(ctrl_fd);
		ctrl_fd = -1;
		return rc;
	}
	reclaim_orphans();
	if (pthread_create(&watcher, NULL, watch_main, NULL)) {
		io_uring_queue_exit(&ctrl_ring);
		close(ctrl_fd);
		ctrl_fd = -1;
		return -EAGAIN;
	}
	watching = true;
	log_info("scst_local: LUNs of local sessions become ublk block devices");
	return 0;
}

void local_ublk_stop(void)
{
	if (!watching)
		return;
	pthread_mutex_lock(&stop_lock);
	stop_requested = true;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&stop_lock);
	pthread_join(watcher, NULL);
	watching = false;
	io_uring_queue_exit(&ctrl_ring);
	close(ctrl_fd);
	ctrl_fd = -1;
}

void local_ublk_probe(void)
{
	if (access(UBLK_CONTROL, R_OK | W_OK) != 0)
		log_info("scst_local: no ublk here (%s missing): local LUNs are served as files "
			 "(--local-mount) and over the raw socket only", UBLK_CONTROL);
	else
		log_info("scst_local: %s present; --local-ublk makes local LUNs block devices",
			 UBLK_CONTROL);
}
