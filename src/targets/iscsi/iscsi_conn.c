/* iscsi_conn.c - one iSCSI connection's bytes: the receive state machine
 * (BHS, AHS, header digest, data segment, padding, data digest) on
 * io_uring recv, the send queue flushed with one sendmsg per loop
 * iteration (digests appended), and teardown.
 *
 * Digests: CRC32C words are computed when a PDU is queued (its header and
 * borrowed data no longer change) and checked as the bytes arrive; the
 * data digest runs over each received chunk where it landed, so a Data-Out
 * received straight into a command buffer is checked in place.
 *
 * Teardown is the delicate part: a closing connection still has a recv or
 * a sendmsg in the kernel and commands in the core.  It is freed only when
 * all of them have come back, checked at the end of a loop iteration so no
 * caller still holds it.
 *
 * Owns conn->rx, conn->tx, conn->move and conn->teardown (iscsi_priv.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "targets/iscsi/iscsi_conn_log.h"
#include "targets/iscsi/iscsi_digest.h"
#include "targets/iscsi/iscsi_pdu.h"
#include "targets/iscsi/iscsi_priv.h"
#include "util/io_claim.h"
#include "util/ioloop_uring.h"
#include "util/log.h"

static void rx_submit(struct iscsi_conn *conn);
static void rx_start_bhs(struct iscsi_conn *conn);

/* ---------------------------------------------------------------------- */
/* Send side                                                               */

/* Every response and Data-In PDU needs one: reuse the connection's sent
 * ones rather than malloc per command. */
struct iscsi_tx *iscsi_tx_alloc(struct iscsi_conn *conn)
{
	struct iscsi_tx *tx = conn->tx.free;

	if (!tx)
		return calloc(1, sizeof(*tx));
	conn->tx.free = tx->owned;
	conn->tx.nfree--;
	memset(tx, 0, sizeof(*tx));
	return tx;
}

void iscsi_tx_recycle(struct iscsi_conn *conn, struct iscsi_tx *tx)
{
	if (conn->tx.nfree >= ISCSI_TX_CACHE_KEEP) {
		free(tx);
		return;
	}
	tx->owned = conn->tx.free;
	conn->tx.free = tx;
	conn->tx.nfree++;
}

static uint32_t tx_size(const struct iscsi_tx *tx)
{
	return ISCSI_BHS_LEN + (tx->hdigest ? ISCSI_DIGEST_LEN : 0) + tx->dlen +
	       iscsi_pad4(tx->dlen) + (tx->ddigest ? ISCSI_DIGEST_LEN : 0);
}

static void tx_complete(struct iscsi_conn *conn, struct iscsi_tx *tx)
{
	list_del(&tx->node);
	if (tx->charged)
		iscsi_rsp_discharge(conn, tx->charged);
	iscsi_tx_sent(conn, tx);
}

/* The PDU goes to the kernel now: a slot its status frees opens first, so
 * the MaxCmdSN it carries already counts it (and the initiator can never
 * see a window wider than the one enforced: the slot was freed before the
 * PDU could reach it).  The header digest covers the final header. */
static void tx_finish_header(struct iscsi_conn *conn, struct iscsi_tx *tx)
{
	if (tx->releases_slot) {
		tx->releases_slot = false;
		iscsi_cmd_release_slot(tx->release_cmd);
	}
	if (tx->fill_cmdsn) {
		tx->fill_cmdsn = false;
		iscsi_bhs_set_exp_cmdsn(tx->bhs, conn->link.isess->exp_cmdsn);
		iscsi_bhs_set_max_cmdsn(tx->bhs, iscsi_max_cmdsn_to_send(conn));
		if (tx->hdigest)
			iscsi_digest_put(tx->hdig, iscsi_crc32c(tx->bhs, ISCSI_BHS_LEN));
	}
}

/* Adds the part of [base, base+len) that lies past `skip` to the iovec. */
static unsigned add_iov(struct iovec *iov, unsigned n, const void *base, uint32_t len,
			uint32_t *skip)
{
	if (*skip >= len) {
		*skip -= len;
		return n;
	}
	iov[n].iov_base = (uint8_t *)base + *skip;
	iov[n].iov_len = len - *skip;
	*skip = 0;
	return n + 1;
}

static void tx_cb(struct io_op *op, int res);

static void tx_flush(struct io_defer *d)
{
	struct iscsi_conn *conn = container_of(d, struct iscsi_conn, tx.flush);
	struct iscsi_tx *tx;
	uint32_t skip = conn->tx.skip;
	unsigned n = 0, pdus = 0;
	struct io_uring_sqe *sqe;

	if (conn->tx.busy || conn->state == CONN_CLOSING || list_empty(&conn->tx.queue))
		return;
	list_for_each_entry(tx, &conn->tx.queue, node) {
		if (pdus == ISCSI_TX_IOV_MAX)
			break;
		tx_finish_header(conn, tx);
		n = add_iov(conn->tx.iov, n, tx->bhs, ISCSI_BHS_LEN, &skip);
		if (tx->hdigest)
			n = add_iov(conn->tx.iov, n, tx->hdig, ISCSI_DIGEST_LEN, &skip);
		if (tx->dlen)
			n = add_iov(conn->tx.iov, n, tx->data, tx->dlen, &skip);
		if (iscsi_pad4(tx->dlen))
			n = add_iov(conn->tx.iov, n, conn->tx.zero_pad, iscsi_pad4(tx->dlen), &skip);
		if (tx->ddigest)
			n = add_iov(conn->tx.iov, n, tx->ddig, ISCSI_DIGEST_LEN, &skip);
		pdus++;
	}
	memset(&conn->tx.msg, 0, sizeof(conn->tx.msg));
	conn->tx.msg.msg_iov = conn->tx.iov;
	conn->tx.msg.msg_iovlen = n;
	for (unsigned i = 0; i < n; i++)
		io_claim(&conn->tx.op, conn->tx.iov[i].iov_base, conn->tx.iov[i].iov_len);
	sqe = ioloop_sqe(conn->loop);
	io_uring_prep_sendmsg(sqe, conn->fd, &conn->tx.msg, MSG_NOSIGNAL);
	conn->tx.op.cb = tx_cb;
	ioloop_sqe_set_op(sqe, &conn->tx.op);
	conn->tx.busy = true;
	conn->teardown.ops_in_flight++;
}

/* Retires the PDUs the kernel took; a partly sent one stays at the head. */
static void tx_consume(struct iscsi_conn *conn, uint32_t sent)
{
	while (sent && !list_empty(&conn->tx.queue)) {
		struct iscsi_tx *tx = list_first_entry(&conn->tx.queue, struct iscsi_tx, node);
		uint32_t left = tx_size(tx) - conn->tx.skip;

		if (sent < left) {
			conn->tx.skip += sent;
			return;
		}
		sent -= left;
		conn->tx.skip = 0;
		tx_complete(conn, tx);
		if (conn->state == CONN_CLOSING)
			return;
	}
}

static void tx_cb(struct io_op *op, int res)
{
	struct iscsi_conn *conn = container_of(op, struct iscsi_conn, tx.op);

	io_unclaim(op);
	conn->tx.busy = false;
	conn->teardown.ops_in_flight--;
	if (conn->state == CONN_CLOSING) {
		iscsi_conn_try_free(conn);
		return;
	}
	if (res == -EINTR || res == -EAGAIN) {
		ioloop_defer(conn->loop, &conn->tx.flush);
		return;
	}
	if (res <= 0) {
		iscsi_conn_close(conn, res < 0 ? strerror(-res) : "send returned 0");
		return;
	}
	tx_consume(conn, (uint32_t)res);
	if (conn->state != CONN_CLOSING && !list_empty(&conn->tx.queue))
		ioloop_defer(conn->loop, &conn->tx.flush);
}

void iscsi_tx_queue(struct iscsi_conn *conn, struct iscsi_tx *tx)
{
	iscsi_bhs_set_data_len(tx->bhs, tx->dlen);
	tx->hdigest = conn->neg.hdigest;
	tx->ddigest = conn->neg.ddigest && tx->dlen;
	if (tx->hdigest && !tx->fill_cmdsn)
		iscsi_digest_put(tx->hdig, iscsi_crc32c(tx->bhs, ISCSI_BHS_LEN));
	if (tx->ddigest)
		iscsi_digest_put(tx->ddig, iscsi_data_digest(tx->data, tx->dlen));
	if (conn->state == CONN_FULL) {
		uint32_t cost = ISCSI_TX_COST + (tx->owned ? tx->dlen : 0);

		tx->charged += cost;
		iscsi_rsp_charge(conn, cost);
	}
	list_add_tail(&tx->node, &conn->tx.queue);
	if (conn->state == CONN_CLOSING) {
		tx_complete(conn, tx);
		return;
	}
	ioloop_defer(conn->loop, &conn->tx.flush);
}

void iscsi_fill_sn(struct iscsi_conn *conn, struct iscsi_tx *tx, bool with_status)
{
	if (with_status)
		iscsi_bhs_set_statsn(tx->bhs, conn->tx.stat_sn++);
	else
		iscsi_bhs_set_statsn(tx->bhs, conn->tx.stat_sn);
	tx->fill_cmdsn = true;
}

void iscsi_send_response_byte(struct iscsi_conn *conn, uint8_t opcode, const uint8_t itt[4],
			      uint8_t response, bool close_after)
{
	struct iscsi_tx *tx = iscsi_tx_alloc(conn);

	if (!tx) {
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	iscsi_bhs_set_opcode(tx->bhs, opcode);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_response(tx->bhs, response);
	iscsi_bhs_set_itt_bytes(tx->bhs, itt);
	iscsi_fill_sn(conn, tx, true);
	tx->close_after = close_after;
	iscsi_tx_queue(conn, tx);
}

void iscsi_send_reject(struct iscsi_conn *conn, const uint8_t *bad_bhs, uint8_t reason)
{
	struct iscsi_tx *tx = iscsi_tx_alloc(conn);
	uint8_t *copy = malloc(ISCSI_BHS_LEN);

	if (!tx || !copy) {
		free(tx);
		free(copy);
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	log_debug("%s: reject opcode 0x%02x reason 0x%02x", conn->peer_str,
		  iscsi_bhs_opcode(bad_bhs), reason);
	memcpy(copy, bad_bhs, ISCSI_BHS_LEN);
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_REJECT);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_reject_reason(tx->bhs, reason);
	iscsi_bhs_set_itt(tx->bhs, ISCSI_RESERVED_TAG);
	iscsi_fill_sn(conn, tx, true);
	tx->data = copy;
	tx->owned = copy;
	tx->dlen = ISCSI_BHS_LEN;
	iscsi_tx_queue(conn, tx);
}

/* ---------------------------------------------------------------------- */
/* Receive side                                                            */

static void rx_cb(struct io_op *op, int res);

/* Large data segments (Data-Out, big immediate data) are received straight
 * into their destination; everything smaller goes through rx_buf, which
 * holds as many headers and small segments as have arrived. */
#define RX_BUF_LEN    32768
#define RX_DIRECT_MIN 8192

static void rx_submit(struct iscsi_conn *conn)
{
	struct io_uring_sqe *sqe = ioloop_sqe(conn->loop);
	uint32_t left = conn->rx.want - conn->rx.got;

	conn->rx.direct = left >= RX_DIRECT_MIN;
	if (conn->rx.direct) {
		io_uring_prep_recv(sqe, conn->fd, conn->rx.ptr + conn->rx.got, left, 0);
		io_claim(&conn->rx.op, conn->rx.ptr + conn->rx.got, left);
	} else {
		conn->rx.buf_head = conn->rx.buf_tail = 0;
		io_uring_prep_recv(sqe, conn->fd, conn->rx.buf, RX_BUF_LEN, 0);
		io_claim(&conn->rx.op, conn->rx.buf, RX_BUF_LEN);
	}
	conn->rx.op.cb = rx_cb;
	ioloop_sqe_set_op(sqe, &conn->rx.op);
	conn->rx.busy = true;
	conn->teardown.ops_in_flight++;
}

static void rx_expect(struct iscsi_conn *conn, enum iscsi_rx_stage stage, uint8_t *ptr,
		      uint32_t len)
{
	conn->rx.stage = stage;
	conn->rx.ptr = ptr;
	conn->rx.want = len;
	conn->rx.got = 0;
}

static void rx_start_bhs(struct iscsi_conn *conn)
{
	conn->rx.cmd = NULL;
	conn->rx.dest = NULL;
	conn->rx.dlen = 0;
	rx_expect(conn, RX_BHS, conn->rx.bhs, ISCSI_BHS_LEN);
}

/* The data segment is received in one go into its destination, or in
 * rx_discard-sized chunks when it is to be thrown away. */
static void rx_next_data_chunk(struct iscsi_conn *conn, uint32_t done)
{
	uint32_t left = conn->rx.dlen - done;

	if (conn->rx.dest) {
		rx_expect(conn, RX_DATA, conn->rx.dest + done, left);
	} else {
		rx_expect(conn, RX_DATA, conn->rx.discard,
			  left < sizeof(conn->rx.discard) ? left : sizeof(conn->rx.discard));
	}
	conn->rx.dest_done = done;
}

void iscsi_rx_data_into(struct iscsi_conn *conn, uint8_t *dest)
{
	conn->rx.dest = dest;
}

/* Still to come of the current data segment: into a command's buffer?
 * (The bounce buffer rx_data is the connection's own.) */
static bool rx_lands_in_cmd(const struct iscsi_conn *conn)
{
	return conn->rx.stage == RX_DATA && conn->rx.dest && conn->rx.dest != conn->rx.data;
}

/* The rest of the segment is read into rx_discard; the data digest still
 * covers every byte, so it is checked as before. */
static void rx_discard_rest(struct iscsi_conn *conn)
{
	uint32_t done = conn->rx.dest_done + conn->rx.got;

	if (conn->neg.ddigest)
		conn->rx.crc = iscsi_crc32c_update(conn->rx.crc, conn->rx.ptr, conn->rx.got);
	conn->rx.dest = NULL;
	rx_next_data_chunk(conn, done);
}

/* A closing connection keeps the command until the reap (after the recv's
 * CQE).  Otherwise a recv in flight into the buffer is cancelled, which
 * spares waiting for the initiator to send the rest of the segment. */
bool iscsi_rx_let_go(struct iscsi_conn *conn)
{
	if (conn->state == CONN_CLOSING)
		return false;
	if (!rx_lands_in_cmd(conn))
		return true;
	if (conn->rx.busy && conn->rx.direct) {
		struct io_uring_sqe *sqe = ioloop_sqe(conn->loop);

		io_uring_prep_cancel(sqe, &conn->rx.op, 0);
		ioloop_sqe_set_op(sqe, NULL);
		return false;
	}
	rx_discard_rest(conn);
	return true;
}

void iscsi_rx_cancel(struct iscsi_conn *conn)
{
	struct io_uring_sqe *sqe = ioloop_sqe(conn->loop);

	io_uring_prep_cancel(sqe, &conn->rx.op, 0);
	ioloop_sqe_set_op(sqe, NULL);
}

/* Between two recvs: a command whose release waited for one is let go. */
static void rx_let_go_of_released(struct iscsi_conn *conn)
{
	if (conn->rx.cmd && conn->rx.cmd->release_deferred && iscsi_rx_let_go(conn))
		iscsi_rx_cmd_unpin(conn);
}

static void pdu_complete(struct iscsi_conn *conn)
{
	const uint8_t *bhs = conn->rx.bhs;
	uint8_t op = iscsi_bhs_opcode(bhs);

	if (conn->state == CONN_LOGIN) {
		if (op != ISCSI_OP_LOGIN_REQ) {
			iscsi_conn_close(conn, "non-login PDU before login completed");
			return;
		}
		iscsi_login_pdu(conn, bhs, conn->rx.data, conn->rx.dlen);
		return;
	}
	if (op == ISCSI_OP_DATA_OUT)
		iscsi_data_out_done(conn);
	else
		iscsi_ffp_pdu(conn, bhs, conn->rx.dest, conn->rx.dlen);
	/* The core queued the responses this PDU's commands have already
	 * (the completion rule, core/cmd_deliver.c): they are taken between
	 * PDUs, so their charge (iscsi_rsp_limit.c) can pause reading before
	 * the next PDU is looked at. */
	scst_completions_drain();
}

static void start_data_stage(struct iscsi_conn *conn)
{
	if (conn->rx.dlen == 0) {
		pdu_complete(conn);
		if (conn->state != CONN_CLOSING)
			rx_start_bhs(conn);
		return;
	}
	conn->rx.crc = iscsi_crc32c_begin();
	rx_next_data_chunk(conn, 0);
}

/* Where does this PDU's data segment go?  Login-phase PDUs land in rx_data;
 * full feature PDUs are decided by the dispatcher. */
static bool header_received(struct iscsi_conn *conn)
{
	conn->rx.dlen = iscsi_bhs_data_len(conn->rx.bhs);
	if (conn->state == CONN_LOGIN) {
		if (conn->rx.dlen > conn->rx.data_cap) {
			iscsi_conn_close(conn, "login data segment too long");
			return false;
		}
		conn->rx.dest = conn->rx.data;
		return true;
	}
	return iscsi_ffp_header(conn);
}

/* Checks made before anything past the 48 header bytes is read, so a
 * garbage header cannot make us wait for bytes that never come. */
static bool header_sane(struct iscsi_conn *conn)
{
	switch (iscsi_check_header(conn->rx.bhs, conn->state == CONN_LOGIN, conn->rx.data_cap)) {
	case ISCSI_HDR_OK:
		return true;
	case ISCSI_HDR_CLOSE:
		iscsi_conn_close(conn, "invalid PDU during login");
		return false;
	case ISCSI_HDR_REJECT_AND_CLOSE:
		break;
	}
	log_warn_peer(conn->peer_str,
		      "%s: malformed header (opcode 0x%02x, AHS %u, data %u): rejecting and closing",
		      conn->peer_str, iscsi_bhs_opcode(conn->rx.bhs), iscsi_bhs_ahs_len(conn->rx.bhs),
		      iscsi_bhs_data_len(conn->rx.bhs));
	iscsi_send_reject(conn, conn->rx.bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	conn->rx.stopped = true;
	if (!list_empty(&conn->tx.queue))
		list_last_entry(&conn->tx.queue, struct iscsi_tx, node)->close_after = true;
	return false;
}

/* ERL 0: a header that fails its digest cannot be trusted for anything,
 * not even its length, so the connection ends (RFC 7143 7.8). */
static bool header_digest_ok(struct iscsi_conn *conn)
{
	uint32_t s = iscsi_crc32c_update(iscsi_crc32c_begin(), conn->rx.bhs, ISCSI_BHS_LEN);

	s = iscsi_crc32c_update(s, conn->rx.ahs, iscsi_bhs_ahs_len(conn->rx.bhs));
	if (iscsi_crc32c_end(s) == iscsi_digest_get(conn->rx.digest))
		return true;
	log_warn_peer(conn->peer_str, "%s: header digest error (opcode 0x%02x)", conn->peer_str,
		      iscsi_bhs_opcode(conn->rx.bhs));
	iscsi_conn_close(conn, "header digest error");
	return false;
}

/* A payload digest error: Reject (reason 0x02) and discard the PDU (RFC
 * 7143 7.8).  A Data-Out still counts as received so that its command
 * ends, once all its data is in, with a CHECK CONDITION instead of waiting
 * forever; a command with bad immediate data is not run at all. */
static void data_digest_failed(struct iscsi_conn *conn)
{
	uint8_t op = iscsi_bhs_opcode(conn->rx.bhs);

	log_warn_peer(conn->peer_str, "%s: data digest error (opcode 0x%02x, ITT 0x%08x, %u bytes)",
		      conn->peer_str, op, iscsi_bhs_itt(conn->rx.bhs), conn->rx.dlen);
	iscsi_send_reject(conn, conn->rx.bhs, ISCSI_REJECT_DATA_DIGEST);
	if (conn->state == CONN_CLOSING)
		return;
	if (op == ISCSI_OP_DATA_OUT) {
		if (conn->rx.cmd)
			conn->rx.cmd->data_error = true;
		iscsi_data_out_done(conn);
		return;
	}
	if (conn->rx.imm_buf) {
		scst_buf_free(conn->rx.imm_buf, conn->rx.imm_size);
		conn->rx.imm_buf = NULL;
	}
}

static void pdu_received(struct iscsi_conn *conn)
{
	pdu_complete(conn);
	if (conn->state != CONN_CLOSING)
		rx_start_bhs(conn);
}

static void stage_complete(struct iscsi_conn *conn)
{
	switch (conn->rx.stage) {
	case RX_BHS:
		/* With a header digest the checks wait until the digest is in. */
		if (!conn->neg.hdigest && !header_sane(conn))
			return;
		if (iscsi_bhs_ahs_len(conn->rx.bhs)) {
			rx_expect(conn, RX_AHS, conn->rx.ahs, iscsi_bhs_ahs_len(conn->rx.bhs));
			return;
		}
		/* fall through */
	case RX_AHS:
		if (conn->neg.hdigest) {
			rx_expect(conn, RX_HDIGEST, conn->rx.digest, ISCSI_DIGEST_LEN);
			return;
		}
		/* fall through */
	case RX_HDIGEST:
		if (conn->neg.hdigest && (!header_digest_ok(conn) || !header_sane(conn)))
			return;
		if (!header_received(conn))
			return;
		start_data_stage(conn);
		return;
	case RX_DATA: {
		uint32_t done = conn->rx.dest_done + conn->rx.got;

		if (conn->neg.ddigest)
			conn->rx.crc = iscsi_crc32c_update(conn->rx.crc, conn->rx.ptr, conn->rx.got);
		if (done < conn->rx.dlen) {
			rx_next_data_chunk(conn, done);
			return;
		}
		if (iscsi_pad4(conn->rx.dlen)) {
			rx_expect(conn, RX_PAD, conn->rx.pad, iscsi_pad4(conn->rx.dlen));
			return;
		}
	}
		/* fall through */
	case RX_PAD:
		if (conn->neg.ddigest) {
			if (conn->rx.stage == RX_PAD)
				conn->rx.crc = iscsi_crc32c_update(conn->rx.crc, conn->rx.pad,
								   conn->rx.got);
			rx_expect(conn, RX_DDIGEST, conn->rx.digest, ISCSI_DIGEST_LEN);
			return;
		}
		pdu_received(conn);
		return;
	case RX_DDIGEST:
		if (iscsi_crc32c_end(conn->rx.crc) != iscsi_digest_get(conn->rx.digest)) {
			data_digest_failed(conn);
			if (conn->state != CONN_CLOSING)
				rx_start_bhs(conn);
			return;
		}
		pdu_received(conn);
		return;
	}
}

/* The session pinned too much response data (iscsi_rsp_limit.c): no new
 * PDU is taken until it drains.  Only between PDUs: the one being
 * received is finished. */
static bool rx_paused_here(const struct iscsi_conn *conn)
{
	return conn->rx.stage == RX_BHS && conn->rx.got == 0 && conn->state == CONN_FULL &&
	       conn->link.isess->rx_paused;
}

/* Feeds the read-ahead bytes to the stages in order; stops when the
 * connection closes or stops reading (the rest is never looked at), or
 * pauses (the rest waits in rx_buf). */
static void rx_consume_buffered(struct iscsi_conn *conn)
{
	while (conn->rx.buf_head < conn->rx.buf_tail && conn->state != CONN_CLOSING &&
	       !conn->rx.stopped && !rx_paused_here(conn)) {
		uint32_t avail = conn->rx.buf_tail - conn->rx.buf_head;
		uint32_t n = conn->rx.want - conn->rx.got;

		if (n > avail)
			n = avail;
		memcpy(conn->rx.ptr + conn->rx.got, conn->rx.buf + conn->rx.buf_head, n);
		conn->rx.buf_head += n;
		conn->rx.got += n;
		if (conn->rx.got == conn->rx.want)
			stage_complete(conn);
	}
}

/* The read-ahead ended inside a PDU whose rest is small: libiscsi, for
 * one, sends a WRITE's header and its immediate data in two sends, and a
 * server that keeps up reads the header alone.  The rest is usually in
 * the socket by then, so it is taken with a plain non-blocking recv in
 * this loop iteration rather than a recv SQE and one more iteration (one
 * io_uring_enter and CQE less per such write, and the command's response
 * leaves with this iteration's others).  Nothing there yet, EOF or an
 * error: the recv SQE submitted next finds the same and handles it. */
static void rx_take_rest_of_pdu(struct iscsi_conn *conn)
{
	for (int tries = 0; tries < 2; tries++) {
		ssize_t n;

		if (conn->state == CONN_CLOSING || conn->rx.stopped || rx_paused_here(conn) ||
		    conn->rx.buf_head != conn->rx.buf_tail ||
		    (conn->rx.stage == RX_BHS && conn->rx.got == 0) ||
		    conn->rx.want - conn->rx.got >= RX_DIRECT_MIN)
			return;
		n = recv(conn->fd, conn->rx.buf, RX_BUF_LEN, MSG_DONTWAIT);
		if (n <= 0)
			return;
		conn->rx.buf_head = 0;
		conn->rx.buf_tail = (uint32_t)n;
		rx_consume_buffered(conn);
	}
}

static void rx_cb(struct io_op *op, int res)
{
	struct iscsi_conn *conn = container_of(op, struct iscsi_conn, rx.op);

	io_unclaim(op);
	conn->rx.busy = false;
	conn->teardown.ops_in_flight--;
	if (conn->state == CONN_CLOSING) {
		iscsi_conn_try_free(conn);
		return;
	}
	/* -ECANCELED: iscsi_rx_let_go or iscsi_rx_cancel took the recv
	 * back, nothing landed. */
	if (res == -EINTR || res == -EAGAIN || res == -ECANCELED) {
		rx_let_go_of_released(conn);
		if (!conn->rx.stopped)
			rx_submit(conn);
		else
			iscsi_move_rx_stopped(conn);
		return;
	}
	if (res <= 0) {
		iscsi_conn_close(conn, res == 0 ? "connection closed by peer" : strerror(-res));
		return;
	}
	conn->ka.rx_activity = true;
	if (conn->rx.direct) {
		conn->rx.got += (uint32_t)res;
		if (conn->rx.got == conn->rx.want)
			stage_complete(conn);
	} else {
		conn->rx.buf_tail = (uint32_t)res;
		rx_consume_buffered(conn);
		rx_take_rest_of_pdu(conn);
	}
	if (conn->state == CONN_CLOSING)
		return;
	rx_let_go_of_released(conn);
	if (conn->state != CONN_CLOSING && !conn->rx.stopped && !rx_paused_here(conn))
		rx_submit(conn);
}

static void rx_resume_go(struct io_defer *d)
{
	struct iscsi_conn *conn = container_of(d, struct iscsi_conn, rx.resume);

	if (conn->state == CONN_CLOSING) {
		iscsi_conn_try_free(conn);       /* the reap waited for us */
		return;
	}
	if (conn->rx.stopped || conn->rx.busy || rx_paused_here(conn))
		return;
	/* What the read-ahead holds comes first: a recv would overwrite it. */
	rx_consume_buffered(conn);
	if (conn->state != CONN_CLOSING && !conn->rx.stopped && !conn->rx.busy &&
	    !rx_paused_here(conn) && conn->rx.buf_head == conn->rx.buf_tail)
		rx_submit(conn);
}

void iscsi_rx_resume(struct iscsi_conn *conn)
{
	ioloop_defer(conn->loop, &conn->rx.resume);
}

/* ---------------------------------------------------------------------- */
/* Life-cycle                                                              */

static void reap(struct io_defer *d);
static void handoff_go(struct io_defer *d);

void iscsi_conn_start(struct iscsi_conn *conn)
{
	conn->loop = ioloop_current();
	conn->state = CONN_LOGIN;
	list_init(&conn->tx.queue);
	list_init(&conn->commands.list);
	list_init(&conn->link.node);
	conn->tx.flush.fn = tx_flush;
	conn->teardown.reap.fn = reap;
	conn->move.defer.fn = handoff_go;
	conn->rx.resume.fn = rx_resume_go;
	ioloop_timer_init(&conn->ka.timer, NULL);
	ioloop_timer_init(&conn->rsp_timeout.timer, NULL);
	ioloop_timer_init(&conn->logout.wait, NULL);
	ioloop_timer_init(&conn->logout.async_timer, NULL);
	ioloop_timer_init(&conn->admission.login_timer, NULL);
	iscsi_params_defaults(&conn->neg.params);
	conn->rx.data_cap = 8192;
	conn->rx.data = malloc(conn->rx.data_cap);
	conn->rx.buf = malloc(RX_BUF_LEN);
	if (!conn->rx.data || !conn->rx.buf || !iscsi_session_new(conn)) {
		conn->state = CONN_CLOSING;
		iscsi_conn_try_free(conn);
		return;
	}
	iscsi_conn_registered(conn);
	iscsi_login_timer_start(conn);
	rx_start_bhs(conn);
	rx_submit(conn);
}

/* On the session's loop, after the loop that ran the first login PDU let
 * go of the connection: that PDU is processed again here. */
static void handoff_arrive(void *arg)
{
	struct iscsi_conn *conn = arg;

	iscsi_conn_registered(conn);
	/* The clock starts again here: one move per login at most. */
	iscsi_login_timer_start(conn);
	conn->link.isess->loop = conn->loop;
	conn->rx.stopped = false;
	iscsi_login_pdu(conn, conn->rx.bhs, conn->rx.data, conn->move.dlen);
	if (conn->state == CONN_CLOSING || conn->rx.stopped)
		return;
	rx_start_bhs(conn);
	/* Bytes the read-ahead took on the old loop come first. */
	rx_consume_buffered(conn);
	if (conn->state != CONN_CLOSING && !conn->rx.stopped)
		rx_submit(conn);
}

/* End of the iteration: nothing on this loop holds conn (no recv, no
 * send, no timer: it is between two login PDUs, before any answer). */
static void handoff_go(struct io_defer *d)
{
	struct iscsi_conn *conn = container_of(d, struct iscsi_conn, move.defer);
	struct ioloop *from = conn->loop;

	if (conn->state == CONN_CLOSING) {
		iscsi_conn_try_free(conn);
		return;
	}
	if (conn->teardown.ops_in_flight || conn->tx.flush.queued) {
		iscsi_conn_close(conn, "cannot move to the session's I/O thread");
		return;
	}
	log_info("%s: moving to the I/O thread of session %u", conn->peer_str, conn->neg.tsih);
	iscsi_login_timer_stop(conn);
	iscsi_conn_unregistered(conn);
	conn->loop = conn->move.to;
	ioloop_move_attachment(from, conn->loop);
	if (ioloop_run_on(conn->loop, handoff_arrive, conn) < 0) {
		ioloop_move_attachment(conn->loop, from);
		conn->loop = from;
		iscsi_conn_registered(conn);
		iscsi_conn_close(conn, "cannot move to the session's I/O thread");
	}
}

void iscsi_conn_handoff(struct iscsi_conn *conn, struct ioloop *loop)
{
	conn->move.to = loop;
	conn->rx.stopped = true;
	ioloop_defer(conn->loop, &conn->move.defer);
}

/* Only this connection goes: its commands are aborted, the others' and the
 * session's CmdSN window stay.  No command is released during the walk:
 * the core queues their responses (the completion rule, cmd_deliver.c). */
static void abort_own_cmds(struct iscsi_conn *conn)
{
	struct iscsi_cmd *icmd;

	list_for_each_entry(icmd, &conn->commands.list, node)
		if (icmd->scmd)
			scst_cmd_abort(icmd->scmd);
}

/* Drops queued PDUs the kernel does not hold; their commands are released. */
static void drop_unsent(struct iscsi_conn *conn)
{
	struct iscsi_tx *tx, *tmp;
	unsigned skip_first = conn->tx.busy ? ISCSI_TX_IOV_MAX : 0;

	list_for_each_entry_safe(tx, tmp, &conn->tx.queue, node) {
		if (skip_first) {
			skip_first--;
			continue;
		}
		tx_complete(conn, tx);
	}
}

void iscsi_conn_close(struct iscsi_conn *conn, const char *why)
{
	if (conn->state == CONN_CLOSING)
		return;
	iscsi_log_conn_close(conn->peer_str, why);
	conn->state = CONN_CLOSING;
	iscsi_keepalive_stop(conn);
	iscsi_rsp_timer_stop(conn);
	iscsi_logout_stop(conn);
	iscsi_async_stop(conn);
	iscsi_login_timer_stop(conn);
	iscsi_admit_login_done(conn);
	shutdown(conn->fd, SHUT_RDWR);
	if (conn->link.isess)
		iscsi_session_drop_held(conn->link.isess, conn);
	drop_unsent(conn);
	if (conn->link.sess && iscsi_session_last_conn(conn))
		scst_session_abort_all(conn->link.sess);
	else if (conn->link.sess)
		abort_own_cmds(conn);
	if (conn->link.isess && __atomic_load_n(&conn->link.isess->ending, __ATOMIC_ACQUIRE))
		iscsi_session_close_all(conn->link.isess, "session logged out");
	/* What the receive side holds (immediate data, the Data-Out's
	 * command) may be the target of the recv still in flight: reap lets
	 * go of it once rx_cb has run. */
	iscsi_conn_try_free(conn);
}

void iscsi_conn_try_free(struct iscsi_conn *conn)
{
	ioloop_defer(conn->loop, &conn->teardown.reap);
}

static void reap(struct io_defer *d)
{
	struct iscsi_conn *conn = container_of(d, struct iscsi_conn, teardown.reap);

	if (conn->state != CONN_CLOSING || conn->teardown.ops_in_flight)
		return;
	if (conn->tx.flush.queued || conn->move.defer.queued || conn->rx.resume.queued) {
		/* A flush queued behind us still points at conn. */
		ioloop_defer(conn->loop, &conn->teardown.reap);
		return;
	}
	drop_unsent(conn);
	iscsi_conn_release_cmds(conn);
	if (!list_empty(&conn->commands.list) || conn->commands.tmf_pending)
		return;                  /* their release calls back */
	if (conn->link.sess && iscsi_session_last_conn(conn) && conn->link.sess->active_cmds)
		return;                  /* xmit_response of the rest will call back */
	/* Releasing commands above may have queued reap (or a flush) again;
	 * that queued node lives inside conn, so let it run and free. */
	if (conn->teardown.reap.queued || conn->tx.flush.queued || conn->move.defer.queued ||
	    conn->rx.resume.queued)
		return;
	if (conn->link.isess)
		iscsi_session_leave(conn);
	iscsi_admit_login_done(conn);
	while (conn->commands.free) {
		struct iscsi_cmd *c = conn->commands.free;

		conn->commands.free = *(struct iscsi_cmd **)c;
		free(c);
	}
	while (conn->tx.free) {
		struct iscsi_tx *t = conn->tx.free;

		conn->tx.free = t->owned;
		free(t);
	}
	free(conn->login.text);
	iscsi_auth_free(conn->login.auth);
	io_claim_check_free(conn->rx.data, conn->rx.data_cap, "login data buffer");
	io_claim_check_free(conn->rx.buf, RX_BUF_LEN, "receive buffer");
	io_claim_check_free(conn, sizeof(*conn), "connection");
	free(conn->rx.data);
	free(conn->rx.buf);
	close(conn->fd);
	iscsi_conn_unregistered(conn);
	ioloop_detach(conn->loop);          /* attached in setup_new_conn */
	free(conn);
}
