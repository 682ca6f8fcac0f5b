/* iscsi_scsi.c - SCSI commands over iSCSI: the SCSI Command PDU into the
 * core, WRITE data (immediate, unsolicited Data-Out, R2T-solicited
 * Data-Out), READ data (Data-In split at the initiator's
 * MaxRecvDataSegmentLength and MaxBurstLength, status in the last Data-In
 * when there is no sense), the SCSI Response with sense and the residual
 * over/underflow rules, and the hand-back of commands to the core.
 *
 * Data-In PDUs borrow the command's buffer; the command goes back to the
 * core (scst_tgt_cmd_done) only when the last of its PDUs left the socket.
 * Owns conn->commands. */
#include <stdlib.h>
#include <string.h>

#include "targets/iscsi/iscsi_pdu.h"
#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define ICMD_CACHE_KEEP 256

/* ---------------------------------------------------------------------- */
/* Command objects                                                         */

static struct iscsi_cmd *icmd_alloc(struct iscsi_conn *conn)
{
	struct iscsi_cmd *icmd = conn->commands.free;

	if (icmd) {
		conn->commands.free = *(struct iscsi_cmd **)icmd;
		conn->commands.nfree--;
		memset(icmd, 0, sizeof(*icmd));
	} else {
		icmd = calloc(1, sizeof(*icmd));
		if (!icmd)
			return NULL;
	}
	icmd->conn = conn;
	list_add_tail(&icmd->node, &conn->commands.list);
	return icmd;
}

static void drop_imm(struct iscsi_cmd *icmd)
{
	if (icmd->imm_buf) {
		scst_buf_free(icmd->imm_buf, icmd->imm_size);
		icmd->imm_buf = NULL;
	}
}

/* The command's slot in the CmdSN window opens again: when its status is
 * handed to the kernel (not when it is built: a client that does not read
 * its responses must not get new slots), or when it is let go unanswered. */
void iscsi_cmd_release_slot(struct iscsi_cmd *icmd)
{
	if (icmd->counted) {
		icmd->counted = false;
		icmd->conn->link.isess->cmds_unanswered--;
	}
}

void iscsi_cmd_free(struct iscsi_cmd *icmd)
{
	struct iscsi_conn *conn = icmd->conn;

	iscsi_cmd_release_slot(icmd);
	if (icmd->charged)
		iscsi_rsp_discharge(conn, icmd->charged);
	list_del(&icmd->node);
	drop_imm(icmd);
	if (conn->commands.nfree >= ICMD_CACHE_KEEP) {
		free(icmd);
		return;
	}
	*(struct iscsi_cmd **)icmd = conn->commands.free;
	conn->commands.free = icmd;
	conn->commands.nfree++;
}

/* The transport is done with the command: back to the core.  Not while
 * a recv may still land in its buffer (an abort from another connection
 * or session, or a LUN reset, can come in the middle of its Data-Out):
 * then rx_cb, once that recv is back, or the connection's reap finishes
 * the release. */
static void release(struct iscsi_cmd *icmd)
{
	struct iscsi_conn *conn = icmd->conn;
	struct scst_cmd *scmd = icmd->scmd;

	if (conn->rx.cmd == icmd) {
		if (!iscsi_rx_let_go(conn)) {
			icmd->release_deferred = true;
			return;
		}
		conn->rx.cmd = NULL;
	}
	iscsi_cmd_free(icmd);
	if (scmd)
		scst_tgt_cmd_done(scmd);
	if (conn->state == CONN_CLOSING)
		iscsi_conn_try_free(conn);
}

void iscsi_rx_cmd_unpin(struct iscsi_conn *conn)
{
	struct iscsi_cmd *icmd = conn->rx.cmd;

	conn->rx.cmd = NULL;
	if (icmd && icmd->release_deferred)
		release(icmd);
}

/* Only once no recv is in flight: it may be landing in either buffer. */
void iscsi_conn_release_cmds(struct iscsi_conn *conn)
{
	if (conn->rx.busy)
		return;
	iscsi_rx_cmd_unpin(conn);
	if (conn->rx.imm_buf) {
		scst_buf_free(conn->rx.imm_buf, conn->rx.imm_size);
		conn->rx.imm_buf = NULL;
	}
}

void iscsi_tx_sent(struct iscsi_conn *conn, struct iscsi_tx *tx)
{
	struct iscsi_cmd *icmd = tx->release_cmd;
	bool close_after = tx->close_after;

	free(tx->owned);
	iscsi_tx_recycle(conn, tx);
	if (icmd && --icmd->tx_pending == 0)
		release(icmd);
	if (close_after && conn->state != CONN_CLOSING)
		iscsi_conn_close(conn, "session ended");
}

/* ---------------------------------------------------------------------- */
/* SCSI Command PDU                                                        */

static enum scst_queue_type queue_type(uint8_t attr)
{
	switch (attr) {
	case 0: return SCST_CMD_QUEUE_UNTAGGED;
	case 2: return SCST_CMD_QUEUE_ORDERED;
	case 3: return SCST_CMD_QUEUE_HEAD_OF_QUEUE;
	case 4: return SCST_CMD_QUEUE_ACA;
	default: return SCST_CMD_QUEUE_SIMPLE;
	}
}

/* A CDB longer than 16 bytes continues in an Extended CDB AHS (type 1). */
static unsigned gather_cdb(const struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *cdb)
{
	uint32_t ahs_len = iscsi_bhs_ahs_len(bhs);

	memcpy(cdb, iscsi_bhs_cdb(bhs), 16);
	if (bhs == conn->rx.bhs && ahs_len >= 4 && conn->rx.ahs[2] == 1) {
		uint32_t len = get_be16(conn->rx.ahs);   /* includes the reserved byte */

		if (len >= 2 && len - 1 + 4 <= ahs_len && len - 1 + 16 <= SCST_MAX_CDB_SIZE) {
			memcpy(cdb + 16, &conn->rx.ahs[4], len - 1);
			return 16 + len - 1;
		}
	}
	return 16;
}

static bool scsi_cmd_valid(struct iscsi_conn *conn, const uint8_t *bhs, uint32_t dlen)
{
	bool w = iscsi_bhs_flags(bhs) & ISCSI_CMD_WRITE;
	bool fin = iscsi_bhs_flags(bhs) & ISCSI_FLAG_FINAL;
	uint32_t edtl = iscsi_bhs_edtl(bhs);

	if (dlen && (!w || !conn->neg.params.immediate_data || dlen > conn->neg.params.first_burst ||
		     dlen > edtl))
		return false;
	/* F clear announces unsolicited Data-Out, which needs W and InitialR2T=No. */
	if (!fin && (!w || conn->neg.params.initial_r2t))
		return false;
	return true;
}

void iscsi_scsi_cmd_pdu(struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *imm, uint32_t dlen,
			uint32_t imm_size)
{
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	unsigned cdb_len;
	struct iscsi_cmd *icmd;
	struct scst_cmd *scmd;
	enum scst_data_dir dir = SCST_DATA_NONE;

	if (!scsi_cmd_valid(conn, bhs, dlen)) {
		if (imm)
			scst_buf_free(imm, imm_size);
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
		return;
	}
	icmd = icmd_alloc(conn);
	if (!icmd) {
		if (imm)
			scst_buf_free(imm, imm_size);
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
		return;
	}
	icmd->counted = !iscsi_bhs_immediate(bhs);
	conn->link.isess->cmds_unanswered += icmd->counted;
	icmd->itt = iscsi_bhs_itt(bhs);
	icmd->edtl = iscsi_bhs_edtl(bhs);
	memcpy(icmd->lun, iscsi_bhs_lun(bhs), 8);
	icmd->read = iscsi_bhs_flags(bhs) & ISCSI_CMD_READ;
	icmd->write = iscsi_bhs_flags(bhs) & ISCSI_CMD_WRITE;
	if (icmd->read) {
		icmd->charged = icmd->edtl;
		iscsi_rsp_charge(conn, icmd->edtl);
	}
	icmd->final_seen = iscsi_bhs_flags(bhs) & ISCSI_FLAG_FINAL;
	icmd->imm_buf = imm;
	icmd->imm_len = dlen;
	icmd->imm_size = imm_size;
	icmd->data_next = dlen;
	icmd->unsol_done = icmd->final_seen;
	icmd->unsol_end = icmd->final_seen ? dlen
			  : (conn->neg.params.first_burst < icmd->edtl ? conn->neg.params.first_burst
								   : icmd->edtl);
	icmd->ttt = conn->commands.next_ttt++;
	if (icmd->ttt == ISCSI_RESERVED_TAG)
		icmd->ttt = conn->commands.next_ttt++;

	cdb_len = gather_cdb(conn, bhs, cdb);
	scmd = scst_rx_cmd(conn->link.sess, icmd->lun, cdb, cdb_len);
	if (!scmd) {
		iscsi_cmd_free(icmd);
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
		return;
	}
	icmd->scmd = scmd;
	if (icmd->read)
		dir |= SCST_DATA_READ;
	if (icmd->write)
		dir |= SCST_DATA_WRITE;
	scst_cmd_set_expected(scmd, dir, icmd->edtl);
	scmd->tag = icmd->itt;
	scmd->queue_type = queue_type(iscsi_bhs_flags(bhs) & ISCSI_CMD_ATTR_MASK);
	scmd->tgt_priv = icmd;
	/* Without a data digest Data-In bytes only pass through sendmsg, so
	 * a READ may be answered from the handler's pages in place. */
	if (icmd->read && !conn->neg.ddigest)
		scst_cmd_take_lent_data(scmd);
	scst_cmd_init_done(scmd);
}

/* ---------------------------------------------------------------------- */
/* WRITE data                                                              */

static void send_r2t(struct iscsi_cmd *icmd, uint32_t offset, uint32_t len)
{
	struct iscsi_conn *conn = icmd->conn;
	struct iscsi_tx *tx = iscsi_tx_alloc(conn);

	if (!tx) {
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_R2T);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_lun(tx->bhs, icmd->lun);
	iscsi_bhs_set_itt(tx->bhs, icmd->itt);
	iscsi_bhs_set_ttt(tx->bhs, icmd->ttt);
	iscsi_fill_sn(conn, tx, false);
	iscsi_bhs_set_r2tsn(tx->bhs, icmd->r2tsn++);
	iscsi_bhs_set_buffer_offset(tx->bhs, offset);
	iscsi_bhs_set_desired_len(tx->bhs, len);
	iscsi_tx_queue(conn, tx);
}

static void solicit_more(struct iscsi_cmd *icmd)
{
	const struct iscsi_params *p = &icmd->conn->neg.params;

	while (icmd->r2t_outstanding < p->max_outstanding_r2t && icmd->r2t_next < icmd->need &&
	       icmd->conn->state == CONN_FULL) {
		uint32_t len = icmd->need - icmd->r2t_next;

		if (len > p->max_burst)
			len = p->max_burst;
		send_r2t(icmd, icmd->r2t_next, len);
		icmd->r2t_next += len;
		icmd->r2t_outstanding++;
	}
}

static void maybe_data_complete(struct iscsi_cmd *icmd)
{
	if (icmd->xfer != ICMD_WAIT_DATA || icmd->data_next < icmd->need || !icmd->unsol_done ||
	    icmd->r2t_outstanding)
		return;
	icmd->xfer = ICMD_IDLE;
	iscsi_cmd_wait_done(icmd);
	scst_rx_data(icmd->scmd, !icmd->data_error);
}

/* All the WRITE data came as immediate data, in a buffer of the same size
 * class as the command's: the two buffers trade places instead of copying
 * (both come from the I/O thread's buffer cache, so either frees alike). */
static void swap_in_imm_buf(struct iscsi_cmd *icmd, struct scst_cmd *scmd)
{
	uint8_t *cmd_buf = scmd->buf;

	scmd->buf = icmd->imm_buf;
	icmd->imm_buf = cmd_buf;
}

void iscsi_rdy_to_xfer(struct scst_cmd *scmd)
{
	struct iscsi_cmd *icmd = scmd->tgt_priv;
	uint32_t n;

	icmd->need = scmd->write_len;
	n = icmd->imm_len < icmd->need ? icmd->imm_len : icmd->need;
	if (n == icmd->need && icmd->imm_size == scmd->buf_size)
		swap_in_imm_buf(icmd, scmd);
	else if (n)
		memcpy(scmd->buf, icmd->imm_buf, n);
	drop_imm(icmd);
	icmd->xfer = ICMD_WAIT_DATA;
	iscsi_cmd_wait_initiator(icmd);
	/* Unsolicited data covers [0, unsol_end); the rest is asked for. */
	icmd->r2t_next = icmd->unsol_end > icmd->data_next ? icmd->unsol_end : icmd->data_next;
	solicit_more(icmd);
	maybe_data_complete(icmd);
}

static struct iscsi_cmd *find_waiting_cmd(struct iscsi_conn *conn, uint32_t itt)
{
	struct iscsi_cmd *icmd;

	list_for_each_entry(icmd, &conn->commands.list, node)
		if (icmd->itt == itt && icmd->xfer == ICMD_WAIT_DATA)
			return icmd;
	return NULL;
}

bool iscsi_data_out_header(struct iscsi_conn *conn)
{
	const uint8_t *bhs = conn->rx.bhs;
	uint32_t ttt = iscsi_bhs_ttt(bhs), off = iscsi_bhs_buffer_offset(bhs);
	uint32_t dlen = conn->rx.dlen;
	struct iscsi_cmd *icmd = find_waiting_cmd(conn, iscsi_bhs_itt(bhs));

	conn->rx.cmd = icmd;
	if (!icmd) {
		/* Data for a command that already failed or finished: dropped. */
		log_debug("%s: Data-Out for unknown task 0x%08x dropped", conn->peer_str,
			  iscsi_bhs_itt(bhs));
		iscsi_rx_data_into(conn, NULL);
		return true;
	}
	if (off != icmd->data_next || (uint64_t)off + dlen > icmd->edtl ||
	    (ttt == ISCSI_RESERVED_TAG && (icmd->unsol_done || off + dlen > icmd->unsol_end)) ||
	    (ttt != ISCSI_RESERVED_TAG && ttt != icmd->ttt)) {
		log_warn_peer(conn->peer_str,
			      "%s: bad Data-Out (offset %u len %u; expected offset %u, EDTL %u)",
			      conn->peer_str, off, dlen, icmd->data_next, icmd->edtl);
		conn->rx.cmd = NULL;
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		iscsi_conn_close(conn, "Data-Out out of sequence");
		return false;
	}
	if (iscsi_bhs_datasn(bhs) != icmd->exp_datasn && !icmd->data_error) {
		/* The data is in place but numbered wrongly: the command fails
		 * (DATA PHASE ERROR) once its data is in; the session goes on. */
		log_warn_peer(conn->peer_str, "%s: Data-Out DataSN %u, expected %u: failing task 0x%08x",
			      conn->peer_str, iscsi_bhs_datasn(bhs), icmd->exp_datasn, icmd->itt);
		icmd->data_error = true;
	}
	if (off + dlen <= icmd->need)
		iscsi_rx_data_into(conn, icmd->scmd->buf + off);
	else if (off >= icmd->need)
		iscsi_rx_data_into(conn, NULL);         /* beyond what the CDB wants */
	else
		iscsi_rx_data_into(conn, conn->rx.data);  /* straddles: bounce */
	return true;
}

void iscsi_data_out_done(struct iscsi_conn *conn)
{
	struct iscsi_cmd *icmd = conn->rx.cmd;
	const uint8_t *bhs = conn->rx.bhs;
	uint32_t off = iscsi_bhs_buffer_offset(bhs), dlen = conn->rx.dlen;

	if (!icmd)
		return;
	if (icmd->release_deferred) {
		iscsi_rx_cmd_unpin(conn);       /* its data came in before the cancel */
		return;
	}
	conn->rx.cmd = NULL;
	if (off < icmd->need && off + dlen > icmd->need)
		memcpy(icmd->scmd->buf + off, conn->rx.data, icmd->need - off);
	icmd->data_next = off + dlen;
	icmd->exp_datasn++;
	if (iscsi_bhs_flags(bhs) & ISCSI_FLAG_FINAL) {
		icmd->exp_datasn = 0;   /* each sequence numbers its PDUs from 0 */

		if (iscsi_bhs_ttt(bhs) == ISCSI_RESERVED_TAG) {
			icmd->unsol_done = true;
		} else if (icmd->r2t_outstanding) {
			icmd->r2t_outstanding--;
			solicit_more(icmd);
		}
	}
	if (!icmd->unsol_done && icmd->data_next >= icmd->unsol_end)
		icmd->unsol_done = true;
	if (icmd->xfer == ICMD_WAIT_DATA)
		iscsi_cmd_wait_initiator(icmd);     /* data keeps coming */
	maybe_data_complete(icmd);
}

/* ---------------------------------------------------------------------- */
/* Responses                                                               */

struct residual {
	uint8_t flags;
	uint32_t count;
};

/* EDTL against what the command moved: READ data it produced, or WRITE
 * data its CDB asked for. */
static struct residual compute_residual(const struct iscsi_cmd *icmd, const struct scst_cmd *scmd)
{
	struct residual r = { 0, 0 };
	uint32_t xfer = 0;

	if (icmd->read && !icmd->write)
		xfer = scmd->resp_data_len;
	else if (scmd->data_dir & SCST_DATA_WRITE)
		xfer = scmd->cdb_bufflen;
	else if (scmd->data_dir & SCST_DATA_READ)
		xfer = scmd->resp_data_len;
	if (xfer > icmd->edtl) {
		r.flags = ISCSI_RSP_OVERFLOW;
		r.count = xfer - icmd->edtl;
	} else if (xfer < icmd->edtl) {
		r.flags = ISCSI_RSP_UNDERFLOW;
		r.count = icmd->edtl - xfer;
	}
	return r;
}

static struct iscsi_tx *cmd_tx(struct iscsi_cmd *icmd)
{
	struct iscsi_tx *tx = iscsi_tx_alloc(icmd->conn);

	if (!tx)
		return NULL;
	tx->release_cmd = icmd;
	icmd->tx_pending++;
	return tx;
}

static bool send_data_in(struct iscsi_cmd *icmd, uint32_t len, bool status_inside,
			 struct residual r)
{
	struct iscsi_conn *conn = icmd->conn;
	const struct iscsi_params *p = &conn->neg.params;
	uint32_t off = 0, burst_left = p->max_burst;

	while (off < len) {
		uint32_t seg = iscsi_data_in_segment(len - off, p->max_xmit_dsl, burst_left);
		struct iscsi_tx *tx;
		bool last;

		last = off + seg == len;
		tx = cmd_tx(icmd);
		if (!tx)
			return false;
		iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_DATA_IN);
		iscsi_bhs_set_lun(tx->bhs, icmd->lun);
		iscsi_bhs_set_itt(tx->bhs, icmd->itt);
		iscsi_bhs_set_ttt(tx->bhs, ISCSI_RESERVED_TAG);
		burst_left -= seg;
		if (last || burst_left == 0) {
			iscsi_bhs_add_flags(tx->bhs, ISCSI_FLAG_FINAL);
			burst_left = p->max_burst;
		}
		/* The PDU takes over its part of the command's charge. */
		tx->charged = seg < icmd->charged ? seg : icmd->charged;
		icmd->charged -= tx->charged;
		if (last && status_inside) {
			tx->releases_slot = icmd->counted;
			iscsi_bhs_add_flags(tx->bhs, ISCSI_DATA_STATUS | r.flags);
			iscsi_bhs_set_status(tx->bhs, icmd->scmd->status);
			iscsi_bhs_set_residual_count(tx->bhs, r.count);
		}
		iscsi_fill_sn(conn, tx, last && status_inside);
		iscsi_bhs_set_datasn(tx->bhs, icmd->datasn++);
		iscsi_bhs_set_buffer_offset(tx->bhs, off);
		tx->data = scst_cmd_resp_data(icmd->scmd) + off;
		tx->dlen = seg;
		iscsi_tx_queue(conn, tx);
		off += seg;
	}
	return true;
}

static bool send_scsi_rsp(struct iscsi_cmd *icmd, uint8_t status, struct residual r)
{
	struct scst_cmd *scmd = icmd->scmd;
	struct iscsi_tx *tx = cmd_tx(icmd);
	uint8_t *sense = NULL;

	if (!tx)
		return false;
	if (scmd->sense_len && status == SAM_STAT_CHECK_CONDITION) {
		sense = malloc(2u + scmd->sense_len);
		if (!sense) {
			icmd->tx_pending--;
			free(tx);
			return false;
		}
		put_be16(sense, scmd->sense_len);
		memcpy(sense + 2, scmd->sense, scmd->sense_len);
		tx->data = sense;
		tx->owned = sense;
		tx->dlen = 2u + scmd->sense_len;
	}
	tx->releases_slot = icmd->counted;
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_SCSI_RSP);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL | r.flags);
	iscsi_bhs_set_response(tx->bhs, 0);      /* command completed at target */
	iscsi_bhs_set_status(tx->bhs, status);
	iscsi_bhs_set_itt(tx->bhs, icmd->itt);
	iscsi_fill_sn(icmd->conn, tx, true);
	iscsi_bhs_set_exp_datasn(tx->bhs, icmd->datasn);
	iscsi_bhs_set_residual_count(tx->bhs, r.count);
	iscsi_tx_queue(icmd->conn, tx);
	return true;
}

void iscsi_xmit_response(struct scst_cmd *scmd)
{
	struct iscsi_cmd *icmd = scmd->tgt_priv;
	struct iscsi_conn *conn = icmd->conn;
	uint8_t status = scmd->status;
	uint32_t data_len = 0;
	struct residual r;

	icmd->xfer = ICMD_IDLE;
	if (conn->state == CONN_CLOSING || (scmd->aborted && !scmd->tas_response)) {
		release(icmd);
		return;
	}
	if (scmd->aborted)
		status = SAM_STAT_TASK_ABORTED;
	r = compute_residual(icmd, scmd);
	if (icmd->read && status != SAM_STAT_TASK_ABORTED)
		data_len = scmd->resp_data_len < icmd->edtl ? scmd->resp_data_len : icmd->edtl;
	/* From now on the socket has to take the response. */
	iscsi_cmd_wait_initiator(icmd);
	/* Hold a reference while queueing so a PDU sent at once cannot free it. */
	icmd->tx_pending++;
	if (data_len && scmd->sense_len == 0 && status != SAM_STAT_CHECK_CONDITION) {
		if (!send_data_in(icmd, data_len, true, r))
			iscsi_conn_close(conn, "out of memory");
	} else {
		if ((data_len && !send_data_in(icmd, data_len, false, r)) ||
		    !send_scsi_rsp(icmd, status, r))
			iscsi_conn_close(conn, "out of memory");
	}
	if (--icmd->tx_pending == 0)
		release(icmd);
}
