/* vdisk_fdio.c - I/O on a file descriptor shared by the fileio and
 * blockio backends: reads and writes with io_uring on the command's own
 * I/O loop (short transfers resubmitted for the rest, a read past the end
 * of a shorter-than-declared file returns zeros) and fdatasync.  Off the
 * I/O threads (unit tests, tools), and for files in RAM (vd->io_inline:
 * tmpfs cannot block on a disk, but io_uring would punt it to a worker),
 * the same work is done inline.
 *
 * Per-command I/O state: struct fdio_cmd_state (handlers/cmd_state.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "handlers/vdisk_priv.h"
#include "util/io_claim.h"
#include "util/ioloop_uring.h"

static int cmd_fd(const struct scst_cmd *cmd)
{
	return vdisk_of(cmd->dev)->fd;
}

static void fd_submit_rest(struct scst_cmd *cmd);

/* Off the I/O threads (unit tests, tools) the same work is done inline. */
static int fd_sync_rw(struct scst_cmd *cmd)
{
	const struct fdio_cmd_state *st = fdio_cmd_state(cmd);
	uint8_t *buf = st->buf;
	uint64_t off = st->off, len = st->len;
	bool write = st->write;
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwrite(cmd_fd(cmd), buf + done, len - done, off + done)
				  : pread(cmd_fd(cmd), buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			if (write)
				return -EIO;
			memset(buf + done, 0, len - done);
			break;
		}
		done += (uint64_t)n;
	}
	return 0;
}

static void fd_rw_cb(struct io_op *op, int res)
{
	struct scst_cmd *cmd = container_of(op, struct scst_cmd, io);
	struct fdio_cmd_state *st = fdio_cmd_state(cmd);
	bool write = st->write;
	uint64_t done = st->done, len = st->len;

	io_unclaim(op);
	if (res == -EINTR || res == -EAGAIN) {
		fd_submit_rest(cmd);
		return;
	}
	if (res < 0) {
		vdisk_io_done(cmd, res);
		return;
	}
	if (res == 0) {
		if (write) {
			vdisk_io_done(cmd, -EIO);
			return;
		}
		memset(st->buf + done, 0, len - done);
		done = len;
	}
	done += (uint64_t)res;
	if (done < len) {
		st->done = done;
		fd_submit_rest(cmd);
		return;
	}
	vdisk_io_done(cmd, 0);
}

static void fd_submit_rest(struct scst_cmd *cmd)
{
	struct ioloop *l = ioloop_current();
	const struct fdio_cmd_state *st = fdio_cmd_state(cmd);
	uint8_t *buf = st->buf;
	uint64_t off = st->off, len = st->len;
	uint64_t done = st->done;
	struct io_uring_sqe *sqe = ioloop_sqe(l);

	if (st->write)
		io_uring_prep_write(sqe, cmd_fd(cmd), buf + done, (unsigned)(len - done), off + done);
	else
		io_uring_prep_read(sqe, cmd_fd(cmd), buf + done, (unsigned)(len - done), off + done);
	io_claim(&cmd->io, buf + done, len - done);
	cmd->io.cb = fd_rw_cb;
	ioloop_sqe_set_op(sqe, &cmd->io);
}

void vdisk_fd_submit(struct scst_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off)
{
	*fdio_cmd_state(cmd) = (struct fdio_cmd_state){
		.buf = buf, .off = off, .len = len, .done = 0, .write = write,
	};
	if (!ioloop_current() || vdisk_of(cmd->dev)->io_inline) {
		vdisk_io_done(cmd, fd_sync_rw(cmd));
		return;
	}
	fd_submit_rest(cmd);
}

static void fd_flush_cb(struct io_op *op, int res)
{
	struct scst_cmd *cmd = container_of(op, struct scst_cmd, io);

	vdisk_io_done(cmd, res < 0 ? res : 0);
}

void vdisk_fd_flush(struct scst_cmd *cmd)
{
	struct ioloop *l = ioloop_current();
	struct io_uring_sqe *sqe;

	if (!l || vdisk_of(cmd->dev)->io_inline) {
		vdisk_io_done(cmd, fdatasync(cmd_fd(cmd)) < 0 ? -errno : 0);
		return;
	}
	sqe = ioloop_sqe(l);
	io_uring_prep_fsync(sqe, cmd_fd(cmd), IORING_FSYNC_DATASYNC);
	cmd->io.cb = fd_flush_cb;
	ioloop_sqe_set_op(sqe, &cmd->io);
}

/* Hole punching and allocation happen in whole physical blocks: telling
 * the initiator lets it align UNMAP and WRITE SAME. */
uint8_t vdisk_fd_lbppb_exp(int fd, uint32_t block_size)
{
	struct stat st;
	unsigned int pbs = 0;
	uint8_t exp = 0;

	if (fstat(fd, &st) < 0)
		return 0;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKPBSZGET, &pbs) < 0)
			return 0;
	} else {
		pbs = (unsigned int)st.st_blksize;
	}
	/* LBPPBE is four bits; st_blksize is a power of two in practice. */
	while (exp < 15 && ((uint64_t)block_size << (exp + 1)) <= pbs)
		exp++;
	return exp;
}
