/* cm_copy.c - the copy manager's copy engine (core/copy_resolve.h): a
 * range of blocks moves as READ(16) and WRITE(16) commands of
 * copy_manager_sess to the source's and destination's LUNs of
 * copy_manager_tgt, one pair at a time of at most 512 KiB (SCST's
 * SCST_CM_MAX_EACH_IO_SIZE), on the session's loop.  The READ's data
 * buffer becomes the WRITE's (scst_cmd_take_buf / scst_cmd_adopt_buf):
 * no byte is copied in between.
 *
 * A command that fails is retried as SCST's scst_cm_err_check_retry
 * does: after a unit attention at once, after BUSY, TASK SET FULL,
 * RESERVATION CONFLICT or ACA ACTIVE a second later, as long as the copy
 * started less than 30 s ago; anything else, or an aborted command, ends
 * the range with the failed command's status and sense for the caller.
 *
 * Lifetime: the job belongs to the session's loop until it posts done to
 * the caller's loop; an abort asked meanwhile travels to the session's
 * loop holding a reference of its own, so the job is freed by whichever
 * of the two lets go last. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "targets/copy_manager/cm_priv.h"
#include "util/be.h"
#include "util/ioloop.h"
#include "util/log.h"

#define CM_MAX_IO (512u << 10)
#define RETRY_WAIT_MS 1000u
#define RETRY_WINDOW_MS 30000u
#define READ_16_CDB 0x88
#define WRITE_16_CDB 0x8a
#define SK_UNIT_ATTENTION 0x06

struct cm_job {
	enum cm_cmd_kind kind;          /* CM_CMD_COPY: first, see cm_priv.h */
	struct scst_copy_range *r;
	uint64_t done;                  /* bytes written */
	uint32_t chunk;                 /* bytes of the pair in flight */
	bool writing;                   /* the WRITE of the pair */
	bool adopted;                   /* buf is the WRITE command's now */
	void *buf;                      /* the READ's data, for the WRITE */
	uint32_t buf_size;
	struct scst_cmd *cmd;           /* the command in flight */
	struct io_timer retry;
	bool abort, finished;
	unsigned refs;
};

enum verdict { FAILED, RETRY_NOW, RETRY_LATER };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void job_put(struct cm_job *j)
{
	if (__atomic_sub_fetch(&j->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(j);
}

static void done_on_home(void *arg)
{
	struct cm_job *j = arg;
	struct scst_copy_range *r = j->r;

	r->engine = NULL;
	r->done(r);
	job_put(j);
}

static void finish(struct cm_job *j, enum scst_copy_result res)
{
	j->finished = true;
	if (j->buf)
		scst_buf_free(j->buf, j->buf_size);
	j->buf = NULL;
	j->r->result = res;
	j->r->bytes_done = j->done;
	if (ioloop_run_on(j->r->home, done_on_home, j) < 0)
		log_err("copy manager: out of memory: an EXTENDED COPY never completes");
}

static void issue(struct cm_job *j)
{
	const struct scst_copy_range *r = j->r;
	uint8_t cdb[16];
	struct scst_cmd *cmd;
	uint64_t lba, lun;
	unsigned shift;

	if (j->abort) {
		finish(j, SCST_COPY_ABORTED);
		return;
	}
	memset(cdb, 0, sizeof(cdb));
	if (j->writing) {
		cdb[0] = WRITE_16_CDB;
		lun = r->dst_lun;
		shift = r->dst_shift;
		lba = r->dst_lba + (j->done >> shift);
	} else {
		j->chunk = r->bytes - j->done < CM_MAX_IO ? (uint32_t)(r->bytes - j->done) : CM_MAX_IO;
		cdb[0] = READ_16_CDB;
		lun = r->src_lun;
		shift = r->src_shift;
		lba = r->src_lba + (j->done >> shift);
	}
	put_be64(&cdb[2], lba);
	put_be32(&cdb[10], j->chunk >> shift);
	cmd = cm_session_cmd(lun, cdb, sizeof(cdb), j);
	if (!cmd) {
		finish(j, SCST_COPY_NO_RESOURCES);
		return;
	}
	scst_cmd_set_expected(cmd, j->writing ? SCST_DATA_WRITE : SCST_DATA_READ, j->chunk);
	j->cmd = cmd;
	j->adopted = false;
	scst_cmd_init_done(cmd);
}

static void retry_fire(struct io_timer *t)
{
	issue(container_of(t, struct cm_job, retry));
}

static void start_on_loop(void *arg)
{
	issue(arg);
}

static bool is_unit_attention(const struct scst_cmd *cmd)
{
	uint8_t code = cmd->sense[0] & 0x7f;

	if ((code == 0x70 || code == 0x71) && cmd->sense_len > 2)
		return (cmd->sense[2] & 0x0f) == SK_UNIT_ATTENTION;
	if ((code == 0x72 || code == 0x73) && cmd->sense_len > 1)
		return (cmd->sense[1] & 0x0f) == SK_UNIT_ATTENTION;
	return false;
}

static enum verdict judge(const struct scst_cmd *cmd)
{
	if (cmd->aborted)
		return FAILED;
	switch (cmd->status) {
	case SAM_STAT_BUSY:
	case SAM_STAT_TASK_SET_FULL:
	case SAM_STAT_RESERVATION_CONFLICT:
	case SAM_STAT_ACA_ACTIVE:
		return RETRY_LATER;
	case SAM_STAT_CHECK_CONDITION:
		return is_unit_attention(cmd) ? RETRY_NOW : FAILED;
	default:
		return FAILED;
	}
}

static void failed(struct cm_job *j, struct scst_cmd *cmd)
{
	struct scst_copy_range *r = j->r;
	enum verdict v = judge(cmd);

	r->status = cmd->status;
	r->sense_len = cmd->status == SAM_STAT_CHECK_CONDITION ? cmd->sense_len : 0;
	memcpy(r->sense, cmd->sense, r->sense_len);
	if (j->adopted)                 /* the data stays for the retry */
		j->buf = scst_cmd_take_buf(cmd, &j->buf_size);
	scst_tgt_cmd_done(cmd);
	if (j->abort)
		finish(j, SCST_COPY_ABORTED);
	else if (v != FAILED && now_ms() < r->start_ms + RETRY_WINDOW_MS)
		ioloop_timer_arm(cm_session_loop(), &j->retry, v == RETRY_NOW ? 0 : RETRY_WAIT_MS);
	else
		finish(j, j->writing ? SCST_COPY_WRITE_FAILED : SCST_COPY_READ_FAILED);
}

void cm_copy_xmit_response(struct scst_cmd *cmd)
{
	struct cm_job *j = cmd->tgt_priv;

	j->cmd = NULL;
	if (cmd->aborted || cmd->status != SAM_STAT_GOOD) {
		failed(j, cmd);
		return;
	}
	if (!j->writing) {
		j->buf = scst_cmd_take_buf(cmd, &j->buf_size);
		scst_tgt_cmd_done(cmd);
		j->writing = true;
		issue(j);
		return;
	}
	scst_tgt_cmd_done(cmd);         /* frees the adopted buffer */
	j->done += j->chunk;
	j->writing = false;
	if (j->done == j->r->bytes)
		finish(j, SCST_COPY_OK);
	else
		issue(j);
}

void cm_copy_rdy_to_xfer(struct scst_cmd *cmd)
{
	struct cm_job *j = cmd->tgt_priv;

	scst_cmd_adopt_buf(cmd, j->buf, j->buf_size);
	j->buf = NULL;
	j->adopted = true;
	scst_rx_data(cmd, true);
}

int cm_copy(struct scst_copy_range *r)
{
	struct ioloop *loop = cm_session_loop();
	struct cm_job *j;

	if (!loop)
		return -ENODEV;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->kind = CM_CMD_COPY;
	j->r = r;
	j->refs = 1;
	ioloop_timer_init(&j->retry, retry_fire);
	r->engine = j;
	r->result = SCST_COPY_OK;
	r->bytes_done = 0;
	r->sense_len = 0;
	r->status = SAM_STAT_GOOD;
	if (!r->bytes) {
		free(j);
		r->engine = NULL;
		return -EINVAL;
	}
	if (ioloop_run_on(loop, start_on_loop, j) < 0) {
		r->engine = NULL;
		free(j);
		return -ENOMEM;
	}
	return 0;
}

static void abort_on_loop(void *arg)
{
	struct cm_job *j = arg;

	if (!j->finished) {
		j->abort = true;
		if (j->cmd) {
			scst_cmd_abort(j->cmd);
		} else if (j->retry.armed) {
			ioloop_timer_cancel(cm_session_loop(), &j->retry);
			finish(j, SCST_COPY_ABORTED);
		}
	}
	job_put(j);
}

void cm_copy_abort(struct scst_copy_range *r)
{
	struct cm_job *j = r->engine;

	if (!j)
		return;
	__atomic_add_fetch(&j->refs, 1, __ATOMIC_ACQ_REL);
	if (ioloop_run_on(cm_session_loop(), abort_on_loop, j) < 0) {
		job_put(j);
		log_err("copy manager: out of memory: an EXTENDED COPY's commands go on after its abort");
	}
}
