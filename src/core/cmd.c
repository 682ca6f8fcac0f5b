/* cmd.c - the SCSI command life-cycle: init (LUN lookup), parse (opcode
 * table), check (UA, read-only, medium, LBA range), buffer, data transfer,
 * exec, done, xmit and release.
 *
 * A command lives on its session's loop from scst_rx_cmd to
 * scst_tgt_cmd_done; nothing here locks except when a UA is pending.
 * Responses reach the transport through the completion rule
 * (cmd_deliver.c): never inside one of the entry points below.
 * Command objects are recycled through a per-thread free list.  Data
 * buffers count against the command memory limit (cmd_mem.c); a command
 * refused at the limit is answered with TASK SET FULL or BUSY. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "sanitize_state.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

#define CMD_CACHE_KEEP 256

struct cmd_cache {
	struct scst_cmd *free;          /* linked through tgt_priv */
	unsigned nfree;
};

static __thread struct cmd_cache cmd_cache;
static __thread bool cmd_cache_registered;
static pthread_key_t cmd_cache_key;
static pthread_once_t cmd_cache_once = PTHREAD_ONCE_INIT;

/* An I/O thread that exits frees the commands it kept for reuse. */
static void cmd_cache_thread_exit(void *unused)
{
	(void)unused;
	while (cmd_cache.free) {
		struct scst_cmd *cmd = cmd_cache.free;

		cmd_cache.free = cmd->tgt_priv;
		free(cmd);
	}
	cmd_cache.nfree = 0;
}

/* See scst_sgv_thread_release: the same holds for the main thread here. */
void scst_cmd_cache_thread_release(void)
{
	cmd_cache_thread_exit(NULL);
}

static void cmd_cache_key_create(void)
{
	pthread_key_create(&cmd_cache_key, cmd_cache_thread_exit);
}

static struct scst_cmd *cmd_alloc(void)
{
	struct scst_cmd *cmd = cmd_cache.free;

	if (cmd) {
		cmd_cache.free = cmd->tgt_priv;
		cmd_cache.nfree--;
		memset(cmd, 0, sizeof(*cmd));
		return cmd;
	}
	return calloc(1, sizeof(*cmd));
}

static void cmd_release(struct scst_cmd *cmd)
{
	if (cmd_cache.nfree >= CMD_CACHE_KEEP) {
		free(cmd);
		return;
	}
	if (!cmd_cache_registered) {
		pthread_once(&cmd_cache_once, cmd_cache_key_create);
		pthread_setspecific(cmd_cache_key, &cmd_cache_registered);
		cmd_cache_registered = true;
	}
	cmd->tgt_priv = cmd_cache.free;
	cmd_cache.free = cmd;
	cmd_cache.nfree++;
}

static struct scst_tgt_dev *lookup_tgt_dev(struct scst_session *sess, uint64_t lun)
{
	if (lun >= sess->nluns)
		return NULL;
	return sess->luns[lun];
}

struct scst_cmd *scst_rx_cmd(struct scst_session *sess, const uint8_t lun[8], const uint8_t *cdb,
			     unsigned cdb_len)
{
	struct scst_cmd *cmd = cmd_alloc();

	if (!cmd)
		return NULL;
	cmd->t_rx = scst_stats_now();
	cmd->lat_measured = scst_measure_latency_on();
	cmd->sess = sess;
	cmd->lun = scst_unpack_lun(lun);
	cmd->queue_type = SCST_CMD_QUEUE_SIMPLE;
	if (cdb_len > SCST_MAX_CDB_SIZE)
		cdb_len = 0;            /* refused in init_done */
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = cdb_len;
	list_add_tail(&cmd->sess_node, &sess->cmds);
	sess->active_cmds++;
	return cmd;
}

void scst_cmd_set_expected(struct scst_cmd *cmd, enum scst_data_dir dir, uint32_t len)
{
	cmd->expected_set = true;
	cmd->expected_dir = dir;
	cmd->expected_len = len;
}

static void xmit(struct scst_cmd *cmd)
{
	if (cmd->lat_measured)
		cmd->t_xmit = scst_stats_now();
	cmd->state = SCST_CMD_STATE_XMIT;
	scst_deliver_response(cmd);
}

/* Finishes a command that failed before reaching the handler. */
static void finish_early(struct scst_cmd *cmd)
{
	cmd->resp_data_len = 0;
	xmit(cmd);
}

static bool lba_range_ok(const struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->dev;

	return cmd->lba <= dev->nblocks && cmd->nblocks <= dev->nblocks - cmd->lba;
}

/* The checks of the life-cycle's "check" step; false when cmd now carries
 * an error status. */
static bool check_cmd(struct scst_cmd *cmd)
{
	const struct scst_opcode_desc *op = cmd->op;
	struct scst_tgt_dev *td = cmd->tgt_dev;

	if (!td)
		return true;    /* parse accepted it: a NO_LUN_OK opcode */
	/* A reservation conflict outranks a pending UA, as in SCST. */
	if (!scst_check_reservation(cmd))
		return false;
	if (td->ua_pending && !(op->flags & SCST_OP_UA_EXEMPT) &&
	    scst_tgt_dev_pop_ua(td, cmd))
		return false;
	/* After the UA, so a port gone standby still reports the change. */
	if (td->alua_state != 0 && !scst_alua_admits(cmd))
		return false;
	if (!scst_sanitize_admits(cmd))
		return false;
	if ((op->flags & SCST_OP_MEDIUM_ACCESS) && !cmd->dev->medium_present) {
		scst_set_cmd_error(cmd, SCST_S_MEDIUM_NOT_PRESENT);
		return false;
	}
	if ((op->flags & SCST_OP_WRITE_MEDIUM) && (cmd->dev->read_only || td->read_only)) {
		scst_set_cmd_error(cmd, SCST_S_WRITE_PROTECTED);
		return false;
	}
	if ((op->flags & SCST_OP_WRITE_MEDIUM) && cmd->dev->swp) {
		scst_set_cmd_error(cmd, SCST_S_SW_WRITE_PROTECTED);
		return false;
	}
	if ((op->flags & SCST_OP_LBA_RANGE) && !cmd->dev->passthrough && !lba_range_ok(cmd)) {
		scst_set_cmd_error(cmd, SCST_S_LBA_OUT_OF_RANGE);
		return false;
	}
	return true;
}

/* How much WRITE data to fetch.  When the initiator announces less than
 * the CDB describes (SAM overflow), whole blocks are written and the rest
 * is reported as residual by the transport; a partial block cannot be
 * written, so that command is refused (INVALID FIELD IN INFORMATION UNIT). */
static bool settle_write_len(struct scst_cmd *cmd)
{
	uint32_t avail;

	cmd->cdb_bufflen = cmd->bufflen;
	if (!(cmd->data_dir & SCST_DATA_WRITE))
		return true;
	cmd->write_len = cmd->bufflen;
	if (!cmd->expected_set)
		return true;
	avail = (cmd->expected_dir & SCST_DATA_WRITE) ? cmd->expected_len : 0;
	if (avail >= cmd->bufflen)
		return true;
	if ((cmd->op->flags & SCST_OP_LBA_RANGE) && cmd->dev &&
	    !(avail & (cmd->dev->block_size - 1))) {
		log_debug("%s: EDTL %u below the CDB's %u bytes: writing %u", cmd->op->name,
			  avail, cmd->bufflen, avail);
		cmd->nblocks = avail >> cmd->dev->block_shift;
		cmd->bufflen = avail;
		cmd->write_len = avail;
		return true;
	}
	scst_set_cmd_error(cmd, SCST_S_INVALID_FIELD_IN_IU);
	return false;
}

void scst_set_busy(struct scst_cmd *cmd)
{
	/* active_cmds counts cmd itself. */
	bool others = cmd->sess->active_cmds > 1;

	cmd->status = others ? SAM_STAT_TASK_SET_FULL : SAM_STAT_BUSY;
	cmd->sense_len = 0;
	cmd->resp_data_len = 0;
	log_debug("%s: %s: command memory limit reached", cmd->op ? cmd->op->name : "command",
		  others ? "TASK SET FULL" : "BUSY");
}

void *scst_cmd_buf_alloc(struct scst_cmd *cmd, uint32_t size, uint32_t *actual)
{
	bool over_limit;
	void *buf = scst_buf_alloc_limited(size, actual, &over_limit);

	if (buf)
		return buf;
	if (over_limit)
		scst_set_busy(cmd);
	else
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
	return NULL;
}

/* Before any data moves, for READs and WRITEs alike: a WRITE refused here
 * gets its status instead of an R2T, so no data is asked for. */
static bool alloc_buffer(struct scst_cmd *cmd)
{
	if (!cmd->bufflen)
		return true;
	cmd->buf = scst_cmd_buf_alloc(cmd, cmd->bufflen, &cmd->buf_size);
	return cmd->buf != NULL;
}

static void exec_cmd(struct scst_cmd *cmd)
{
	if (cmd->aborted) {
		xmit(cmd);
		return;
	}
	cmd->state = SCST_CMD_STATE_EXEC;
	if (cmd->lat_measured)
		cmd->t_exec = scst_stats_now();
	if (cmd->tgt_dev)
		cmd->tgt_dev->active_cmds++;
	if ((cmd->op->flags & SCST_OP_CORE) || !cmd->tgt_dev)
		scst_core_exec(cmd);
	else
		cmd->dev->handler->exec(cmd);
}

/* INQUIRY, REPORT LUNS and REQUEST SENSE work for any LUN number. */
static bool served_without_lun(const struct scst_cmd *cmd)
{
	const struct scst_opcode_desc *op = scst_find_opcode(cmd->cdb, cmd->cdb_len, 0);

	return op && (op->flags & SCST_OP_NO_LUN_OK);
}

static void init_done(struct scst_cmd *cmd)
{
	struct scst_session *sess = cmd->sess;

	if (!cmd->cdb_len) {
		scst_set_cmd_error(cmd, SCST_S_INVALID_FIELD_IN_CDB);
		finish_early(cmd);
		return;
	}
	cmd->tgt_dev = cmd->lun == UINT64_MAX ? NULL : lookup_tgt_dev(sess, cmd->lun);
	cmd->dev = cmd->tgt_dev ? cmd->tgt_dev->dev : NULL;
	if (cmd->dev)
		__atomic_add_fetch(&cmd->dev->cmd_pins, 1, __ATOMIC_ACQUIRE);
	if (!cmd->tgt_dev && !served_without_lun(cmd)) {
		scst_set_cmd_error(cmd, SCST_S_LUN_NOT_SUPPORTED);
		finish_early(cmd);
		return;
	}
	if (cmd->tgt_dev && !scst_order_admit(cmd))
		return;         /* behind an ORDERED command: resumed later */
	scst_cmd_resume_after_order(cmd);
}

void scst_cmd_init_done(struct scst_cmd *cmd)
{
	scst_core_enter();
	init_done(cmd);
	scst_core_leave();
}

void scst_cmd_resume_after_order(struct scst_cmd *cmd)
{
	struct scst_session *sess = cmd->sess;

	if (cmd->aborted) {
		finish_early(cmd);
		return;
	}
	if (scst_parse_cdb(cmd) < 0 || !check_cmd(cmd) || !settle_write_len(cmd) ||
	    !alloc_buffer(cmd)) {
		finish_early(cmd);
		return;
	}
	if (cmd->write_len) {
		cmd->state = SCST_CMD_STATE_DATA_WAIT;
		if (cmd->lat_measured)
			cmd->t_rdy = scst_stats_now();
		sess->tgt->tgtt->rdy_to_xfer(cmd);
		return;
	}
	exec_cmd(cmd);
}

static void rx_data(struct scst_cmd *cmd, bool ok)
{
	if (cmd->state != SCST_CMD_STATE_DATA_WAIT)
		return;         /* aborted meanwhile and already handed back */
	if (!ok) {
		scst_set_cmd_error(cmd, SCST_S_DATA_PHASE_ERROR);
		finish_early(cmd);
		return;
	}
	cmd->data_received = true;
	if (cmd->lat_measured)
		cmd->t_data = scst_stats_now();
	exec_cmd(cmd);
}

void scst_rx_data(struct scst_cmd *cmd, bool ok)
{
	scst_core_enter();
	rx_data(cmd, ok);
	scst_core_leave();
}

void scst_cmd_done(struct scst_cmd *cmd)
{
	if (cmd->tgt_dev)
		cmd->tgt_dev->active_cmds--;
	if (cmd->status == SAM_STAT_CHECK_CONDITION)
		cmd->resp_data_len = 0;
	xmit(cmd);
}

void scst_tgt_cmd_done(struct scst_cmd *cmd)
{
	struct scst_session *sess = cmd->sess;
	struct scst_mgmt_cmd *mcmd = cmd->mcmd;

	scst_core_enter();
	scst_cmd_account(cmd);
	list_del(&cmd->sess_node);
	sess->active_cmds--;
	if (cmd->tgt_dev)
		scst_order_finished(cmd);
	if (cmd->buf)
		scst_buf_free(cmd->buf, cmd->buf_size);
	if (cmd->dev)
		__atomic_sub_fetch(&cmd->dev->cmd_pins, 1, __ATOMIC_RELEASE);
	cmd_release(cmd);
	if (mcmd)
		scst_mgmt_cmd_cmd_released(mcmd);
	scst_core_leave();
}

void *scst_cmd_take_buf(struct scst_cmd *cmd, uint32_t *size)
{
	void *buf = cmd->buf;

	*size = cmd->buf_size;
	cmd->buf = NULL;
	cmd->buf_size = 0;
	return buf;
}

void scst_cmd_adopt_buf(struct scst_cmd *cmd, void *buf, uint32_t size)
{
	if (cmd->buf)
		scst_buf_free(cmd->buf, cmd->buf_size);
	cmd->buf = buf;
	cmd->buf_size = size;
}

void scst_cmd_lend_resp_data(struct scst_cmd *cmd, const uint8_t *data, uint32_t len)
{
	cmd->resp_lent = data;
	cmd->resp_data_len = len < cmd->bufflen ? len : cmd->bufflen;
}

void scst_cmd_set_resp_data(struct scst_cmd *cmd, const void *data, uint32_t len)
{
	if (len > cmd->bufflen)
		len = cmd->bufflen;
	if (len > cmd->buf_size)
		len = cmd->buf_size;
	if (len)
		memcpy(cmd->buf, data, len);
	cmd->resp_data_len = len;
}
