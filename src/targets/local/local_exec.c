/* local_exec.c - a local initiator's command through the core: the caller
 * (a FUSE worker or a socket client thread, never an I/O thread) hands the
 * command to its session's loop and sleeps on a condition variable; the
 * loop runs it through the full path (LUN lookup, access control,
 * reservations, UAs, read-only) and the template callbacks copy data in
 * and out, then wake the caller.  No I/O thread ever waits here. */
#include <errno.h>
#include <string.h>

#include "targets/local/local_priv.h"
#include "util/log.h"

static struct {
	pthread_mutex_t lock;
	struct local_stats s;
} stats = { .lock = PTHREAD_MUTEX_INITIALIZER };

void local_stats_get(struct local_stats *s)
{
	pthread_mutex_lock(&stats.lock);
	*s = stats.s;
	pthread_mutex_unlock(&stats.lock);
}

static void count(const struct local_req *req)
{
	pthread_mutex_lock(&stats.lock);
	stats.s.commands++;
	if (req->rc < 0 || req->status != SAM_STAT_GOOD)
		stats.s.errors++;
	else {
		stats.s.read_bytes += req->in_done;
		stats.s.write_bytes += req->out_len;
	}
	pthread_mutex_unlock(&stats.lock);
}

static void complete(struct local_req *req, int rc)
{
	req->rc = rc;
	pthread_mutex_lock(&req->m);
	req->done = true;
	pthread_cond_signal(&req->c);
	pthread_mutex_unlock(&req->m);
}

static void submit_on_loop(void *arg)
{
	struct local_req *req = arg;
	struct scst_session *sess = req->ls->sess;
	unsigned gen = __atomic_load_n(&sess->acg->generation, __ATOMIC_ACQUIRE);
	enum scst_data_dir dir = SCST_DATA_NONE;
	struct scst_cmd *cmd;
	uint8_t lun[8];

	if (gen != req->ls->seen_generation) {
		if (scst_session_sync_luns(sess) < 0) {
			complete(req, -ENOMEM);
			return;
		}
		req->ls->seen_generation = gen;
	}
	scst_pack_lun(req->lun, __atomic_load_n(&sess->acg->addr_method, __ATOMIC_RELAXED), lun);
	cmd = scst_rx_cmd(sess, lun, req->cdb, req->cdb_len);
	if (!cmd) {
		complete(req, -ENOMEM);
		return;
	}
	if (req->out_len)
		dir |= SCST_DATA_WRITE;
	if (req->in_len)
		dir |= SCST_DATA_READ;
	scst_cmd_set_expected(cmd, dir, req->out_len ? req->out_len : req->in_len);
	cmd->tag = (uint64_t)(uintptr_t)req;
	cmd->queue_type = SCST_CMD_QUEUE_SIMPLE;
	cmd->tgt_priv = req;
	scst_cmd_init_done(cmd);
}

void local_rdy_to_xfer(struct scst_cmd *cmd)
{
	struct local_req *req = cmd->tgt_priv;
	uint32_t n = cmd->write_len < req->out_len ? cmd->write_len : req->out_len;

	if (n)
		memcpy(cmd->buf, req->out, n);
	/* The core settled write_len against what was announced, so a short
	 * buffer here means the caller announced less than the CDB wants. */
	scst_rx_data(cmd, n == cmd->write_len);
}

void local_xmit_response(struct scst_cmd *cmd)
{
	struct local_req *req = cmd->tgt_priv;
	int rc = 0;

	if (cmd->aborted && !cmd->tas_response) {
		rc = -ECANCELED;
	} else if (cmd->aborted) {
		req->status = SAM_STAT_TASK_ABORTED;
	} else {
		req->status = cmd->status;
		req->sense_len = cmd->sense_len;
		memcpy(req->sense, cmd->sense, cmd->sense_len);
		if ((cmd->data_dir & SCST_DATA_READ) && req->in_len) {
			req->in_done = cmd->resp_data_len < req->in_len ? cmd->resp_data_len
									 : req->in_len;
			/* A command that failed early has no buffer at all. */
			if (req->in_done)
				memcpy(req->in, cmd->buf, req->in_done);
		}
	}
	scst_tgt_cmd_done(cmd);
	complete(req, rc);
}

void local_tmf_done(struct scst_mgmt_cmd *mcmd)
{
	/* Local initiators send no task management; the core may still end
	 * one it started itself. */
	scst_mgmt_cmd_free(mcmd);
}

void local_exec(struct local_sess *ls, struct local_req *req)
{
	req->ls = ls;
	req->rc = 0;
	req->status = 0;
	req->sense_len = 0;
	req->in_done = 0;
	req->done = false;
	pthread_mutex_init(&req->m, NULL);
	pthread_cond_init(&req->c, NULL);
	if (ioloop_run_on(local_exec_begin(ls), submit_on_loop, req) < 0) {
		req->rc = -ENOMEM;
	} else {
		pthread_mutex_lock(&req->m);
		while (!req->done)
			pthread_cond_wait(&req->c, &req->m);
		pthread_mutex_unlock(&req->m);
	}
	local_exec_end(ls);
	pthread_cond_destroy(&req->c);
	pthread_mutex_destroy(&req->m);
	count(req);
}
