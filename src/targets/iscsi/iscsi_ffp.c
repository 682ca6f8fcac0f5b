/* iscsi_ffp.c - full feature phase dispatch: header checks (what may
 * arrive, how long its data may be, where that data goes), CmdSN ordering
 * (ExpCmdSN/MaxCmdSN window, immediate delivery, holding PDUs that arrive
 * early, dropping those outside the window), and the small PDUs: NOP-Out,
 * Task Management.  SCSI commands and their data are iscsi_scsi.c's, Logout
 * is iscsi_logout.c's. */
#include <stdlib.h>
#include <string.h>

#include "targets/iscsi/iscsi_pdu.h"
#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

struct iscsi_tmf {
	struct iscsi_conn *conn;
	uint8_t itt[4];
	bool close_after;
};

/* QueuedCommands is the session's, fixed by its leading login: a
 * connection that joins later (MC/S) may have seen another value. */
static unsigned session_depth(const struct iscsi_conn *conn)
{
	unsigned depth = conn->link.isess->queued_cmds;

	if (!depth)
		depth = conn->neg.limits.queued_cmds;    /* login, discovery */
	return depth ? depth : 1;
}

uint32_t iscsi_max_cmdsn(const struct iscsi_conn *conn)
{
	const struct iscsi_session *s = conn->link.isess;
	unsigned depth = session_depth(conn);
	unsigned busy = s->cmds_unanswered < depth ? s->cmds_unanswered : depth;

	return s->exp_cmdsn + (depth - busy) - 1;
}

bool iscsi_ffp_header(struct iscsi_conn *conn)
{
	const uint8_t *bhs = conn->rx.bhs;
	uint8_t op = iscsi_bhs_opcode(bhs);
	uint32_t dlen = conn->rx.dlen;

	if (op == ISCSI_OP_DATA_OUT)
		return iscsi_data_out_header(conn);
	if (op == ISCSI_OP_SCSI_CMD && dlen) {
		conn->rx.imm_buf = scst_buf_alloc(dlen, &conn->rx.imm_size);
		if (!conn->rx.imm_buf) {
			iscsi_conn_close(conn, "out of memory for immediate data");
			return false;
		}
		iscsi_rx_data_into(conn, conn->rx.imm_buf);
		return true;
	}
	/* Unknown opcodes' data is read and dropped, then rejected. */
	iscsi_rx_data_into(conn, iscsi_known_initiator_opcode(op) ? conn->rx.data : NULL);
	return true;
}

/* ---------------------------------------------------------------------- */
/* Small PDUs                                                              */

static void nop_out(struct iscsi_conn *conn, const uint8_t *bhs, const uint8_t *data,
		    uint32_t dlen)
{
	struct iscsi_tx *tx;
	uint8_t *echo = NULL;

	if (iscsi_bhs_itt(bhs) == ISCSI_RESERVED_TAG)
		return;                  /* a reply to our NOP-In or a no-answer ping */
	if (dlen > conn->neg.params.max_xmit_dsl)
		dlen = conn->neg.params.max_xmit_dsl;
	tx = iscsi_tx_alloc(conn);
	if (dlen && (echo = malloc(dlen)))
		memcpy(echo, data, dlen);
	if (!tx || (dlen && !echo)) {
		free(tx);
		free(echo);
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_NOP_IN);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_lun(tx->bhs, iscsi_bhs_lun(bhs));
	iscsi_bhs_set_itt_bytes(tx->bhs, iscsi_bhs_itt_bytes(bhs));
	iscsi_bhs_set_ttt(tx->bhs, ISCSI_RESERVED_TAG);
	iscsi_fill_sn(conn, tx, true);
	tx->data = echo;
	tx->owned = echo;
	tx->dlen = dlen;
	iscsi_tx_queue(conn, tx);
}

static int tmf_to_scst(uint8_t fn)
{
	switch (fn) {
	case ISCSI_TMF_ABORT_TASK: return SCST_ABORT_TASK;
	case ISCSI_TMF_ABORT_TASK_SET: return SCST_ABORT_TASK_SET;
	case ISCSI_TMF_CLEAR_ACA: return SCST_CLEAR_ACA;
	case ISCSI_TMF_CLEAR_TASK_SET: return SCST_CLEAR_TASK_SET;
	case ISCSI_TMF_LUN_RESET: return SCST_LUN_RESET;
	case ISCSI_TMF_TARGET_WARM_RESET: return SCST_TARGET_RESET;
	case ISCSI_TMF_TARGET_COLD_RESET: return SCST_TARGET_RESET;
	default: return -1;
	}
}

static void tmf_request(struct iscsi_conn *conn, const uint8_t *bhs)
{
	uint8_t fn = iscsi_bhs_tmf_function(bhs);
	int sfn = tmf_to_scst(fn);
	struct iscsi_tmf *tmf;

	if (sfn < 0) {
		iscsi_send_response_byte(conn, ISCSI_OP_TMF_RSP, iscsi_bhs_itt_bytes(bhs),
					 ISCSI_TMF_RSP_NOT_SUPPORTED, false);
		return;
	}
	tmf = calloc(1, sizeof(*tmf));
	if (!tmf) {
		iscsi_send_response_byte(conn, ISCSI_OP_TMF_RSP, iscsi_bhs_itt_bytes(bhs),
					 ISCSI_TMF_RSP_REJECTED, false);
		return;
	}
	tmf->conn = conn;
	conn->commands.tmf_pending++;
	memcpy(tmf->itt, iscsi_bhs_itt_bytes(bhs), 4);
	/* A cold reset also ends the connection (RFC 7143 11.5.1). */
	tmf->close_after = fn == ISCSI_TMF_TARGET_COLD_RESET;
	log_info("%s: task management function %u", conn->peer_str, fn);
	if (scst_rx_mgmt_fn(conn->link.sess, (enum scst_tm_fn)sfn, iscsi_bhs_lun(bhs),
			    iscsi_bhs_ref_task_tag(bhs), tmf) < 0) {
		free(tmf);
		conn->commands.tmf_pending--;
		iscsi_send_response_byte(conn, ISCSI_OP_TMF_RSP, iscsi_bhs_itt_bytes(bhs),
					 ISCSI_TMF_RSP_REJECTED, false);
	}
}

static uint8_t tmf_response(enum scst_tm_status st)
{
	switch (st) {
	case SCST_MGMT_STATUS_SUCCESS:
	case SCST_MGMT_STATUS_SUCCEEDED: return ISCSI_TMF_RSP_COMPLETE;
	case SCST_MGMT_STATUS_TASK_NOT_EXIST: return ISCSI_TMF_RSP_NO_TASK;
	case SCST_MGMT_STATUS_LUN_NOT_EXIST: return ISCSI_TMF_RSP_NO_LUN;
	case SCST_MGMT_STATUS_FN_NOT_SUPPORTED: return ISCSI_TMF_RSP_NOT_SUPPORTED;
	default: return ISCSI_TMF_RSP_REJECTED;
	}
}

void iscsi_tmf_done(struct scst_mgmt_cmd *mcmd)
{
	struct iscsi_tmf *tmf = mcmd->tgt_priv;
	struct iscsi_conn *conn = tmf->conn;

	conn->commands.tmf_pending--;
	if (conn->state != CONN_CLOSING)
		iscsi_send_response_byte(conn, ISCSI_OP_TMF_RSP, tmf->itt,
					 tmf_response(mcmd->status), tmf->close_after);
	free(tmf);
	scst_mgmt_cmd_free(mcmd);
	/* A pending TMF keeps the session (the core counts it active);
	 * a closing connection waits for it. */
	if (conn->state == CONN_CLOSING)
		iscsi_conn_try_free(conn);
}

/* ---------------------------------------------------------------------- */
/* Dispatch and CmdSN ordering                                             */

static void free_pdu_data(uint8_t *data, uint32_t pool_size)
{
	if (pool_size)
		scst_buf_free(data, pool_size);
}

static void execute(struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *data, uint32_t dlen,
		    uint32_t pool_size)
{
	uint8_t op = iscsi_bhs_opcode(bhs);

	if (conn->neg.discovery && op != ISCSI_OP_TEXT_REQ && op != ISCSI_OP_LOGOUT_REQ &&
	    op != ISCSI_OP_NOP_OUT) {
		free_pdu_data(data, pool_size);
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return;
	}
	switch (op) {
	case ISCSI_OP_SCSI_CMD:
		iscsi_scsi_cmd_pdu(conn, bhs, data, dlen, pool_size);
		return;
	case ISCSI_OP_NOP_OUT:
		nop_out(conn, bhs, data, dlen);
		break;
	case ISCSI_OP_TEXT_REQ:
		iscsi_text_pdu(conn, bhs, data, dlen);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		iscsi_logout_pdu(conn, bhs);
		break;
	case ISCSI_OP_TMF_REQ:
		tmf_request(conn, bhs);
		break;
	default:
		break;
	}
	free_pdu_data(data, pool_size);
}

static bool hold(struct iscsi_conn *conn, uint32_t cmdsn, const uint8_t *bhs, uint8_t *data,
		 uint32_t dlen, uint32_t pool_size)
{
	struct iscsi_held_pdu *h = calloc(1, sizeof(*h));

	if (!h)
		return false;
	h->conn = conn;
	h->cmdsn = cmdsn;
	memcpy(h->bhs, bhs, ISCSI_BHS_LEN);
	h->dlen = dlen;
	h->pool_size = pool_size;
	if (pool_size) {
		h->data = data;
	} else if (dlen) {
		h->data = malloc(dlen);
		if (!h->data) {
			free(h);
			return false;
		}
		memcpy(h->data, data, dlen);
	}
	list_add_tail(&h->node, &conn->link.isess->held);
	return true;
}

/* A held PDU runs on the connection it came on (allegiance); one whose
 * connection closed only moves the window on. */
static void run_held_in_order(struct iscsi_session *s)
{
	bool found = true;

	while (found) {
		struct iscsi_held_pdu *h;

		found = false;
		list_for_each_entry(h, &s->held, node) {
			if (h->cmdsn != s->exp_cmdsn)
				continue;
			list_del(&h->node);
			s->exp_cmdsn++;
			if (h->conn && h->conn->state == CONN_FULL) {
				execute(h->conn, h->bhs, h->data, h->dlen, h->pool_size);
			} else if (h->pool_size) {
				scst_buf_free(h->data, h->pool_size);
			}
			if (!h->pool_size)
				free(h->data);
			free(h);
			found = true;
			break;
		}
	}
}

void iscsi_ffp_pdu(struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *data, uint32_t dlen)
{
	uint8_t op = iscsi_bhs_opcode(bhs);
	uint32_t pool_size = 0, cmdsn;

	if (op == ISCSI_OP_SCSI_CMD) {
		/* Immediate data lives in its own pool buffer, never in rx_data. */
		pool_size = dlen ? conn->rx.imm_size : 0;
		data = dlen ? conn->rx.imm_buf : NULL;
		conn->rx.imm_buf = NULL;
	}
	if (conn->rx.stopped) {
		free_pdu_data(data, pool_size);
		return;
	}
	if (!iscsi_known_initiator_opcode(op) || op == ISCSI_OP_LOGIN_REQ || op == ISCSI_OP_SNACK) {
		iscsi_send_reject(conn, bhs, op == ISCSI_OP_SNACK ? ISCSI_REJECT_CMD_NOT_SUPPORTED
								 : ISCSI_REJECT_PROTOCOL_ERROR);
		return;
	}
	cmdsn = iscsi_bhs_cmdsn(bhs);
	if (iscsi_bhs_immediate(bhs)) {
		execute(conn, bhs, data, dlen, pool_size);
		return;
	}
	if (cmdsn == conn->link.isess->exp_cmdsn && iscsi_sn_cmp(cmdsn, iscsi_max_cmdsn(conn)) <= 0) {
		struct iscsi_session *s = conn->link.isess;

		s->exp_cmdsn++;
		execute(conn, bhs, data, dlen, pool_size);
		if (!list_empty(&s->held))
			run_held_in_order(s);
		return;
	}
	if (iscsi_sn_cmp(cmdsn, conn->link.isess->exp_cmdsn) > 0 &&
	    iscsi_sn_cmp(cmdsn, iscsi_max_cmdsn(conn)) <= 0 &&
	    hold(conn, cmdsn, bhs, data, dlen, pool_size))
		return;
	/* Outside the window (or a duplicate): silently ignored (RFC 7143 4.2.2.1). */
	log_debug("%s: dropping PDU 0x%02x with CmdSN %u (ExpCmdSN %u)", conn->peer_str, op,
		  cmdsn, conn->link.isess->exp_cmdsn);
	free_pdu_data(data, pool_size);
}
