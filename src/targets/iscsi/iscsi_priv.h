/* iscsi_priv.h - the iSCSI driver's objects and the calls between its
 * files: targets (iscsi_target.c), connections and their PDU I/O
 * (iscsi_conn.c), login and discovery (iscsi_login.c), full-feature
 * dispatch, CmdSN ordering, NOP, Text, Logout and TMF (iscsi_ffp.c), and
 * SCSI command data flow (iscsi_scsi.c).
 *
 * A connection and everything hanging off it (its session with
 * MaxConnections=1, its commands, its PDUs) lives on one I/O loop and is
 * touched only there. */
#ifndef SCSTD_ISCSI_PRIV_H
#define SCSTD_ISCSI_PRIV_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/scst.h"
#include "targets/iscsi/iscsi_chap.h"
#include "targets/iscsi/iscsi_params.h"
#include "targets/iscsi/iscsi_proto.h"
#include "util/ioloop.h"
#include "util/list.h"

#define ISCSI_TPGT 1
#define ISCSI_TX_IOV_MAX 64
/* Sent PDU descriptors a connection keeps for reuse (a few per queued
 * command at QD 32-128). */
#define ISCSI_TX_CACHE_KEEP 256

#define ISCSI_MAX_ALLOWED_PORTALS 8
#define ISCSI_PORTAL_PATTERN_MAX 64

struct iscsi_target {
	struct scst_tgt *tgt;
	struct iscsi_limits limits;
	char alias[SCST_NAME_MAX];
	struct iscsi_auth auth;          /* under iscsi_target.c's auth_lock */
	/* allowed_portal: fnmatch patterns of the local IP addresses through
	 * which the target is seen; none: every portal (under auth_lock). */
	char allowed_portals[ISCSI_MAX_ALLOWED_PORTALS][ISCSI_PORTAL_PATTERN_MAX];
	unsigned n_allowed_portals;
};

/* One outgoing PDU: header, optional data (borrowed or owned), padding. */
struct iscsi_tx {
	struct list_head node;
	uint8_t bhs[ISCSI_BHS_LEN];
	const uint8_t *data;
	uint32_t dlen;
	bool hdigest, ddigest;           /* digests negotiated when queued */
	uint8_t hdig[4], ddig[4];        /* CRC32C words, computed when queued */
	void *owned;                     /* freed once sent */
	struct iscsi_cmd *release_cmd;   /* command to hand back once sent */
	bool close_after;                /* Logout response: close when sent */
};

enum iscsi_cmd_xfer {
	ICMD_IDLE = 0,
	ICMD_WAIT_DATA,                  /* rdy_to_xfer: collecting WRITE data */
};

struct iscsi_cmd {
	struct list_head node;           /* conn->cmds */
	struct iscsi_conn *conn;
	struct scst_cmd *scmd;
	uint32_t itt;
	uint32_t edtl;
	uint8_t lun[8];
	bool read, write;
	bool final_seen;                 /* F bit of the command PDU */

	/* WRITE data. */
	enum iscsi_cmd_xfer xfer;
	uint8_t *imm_buf;                /* immediate data (pool buffer) */
	uint32_t imm_len, imm_size;
	uint32_t need;                   /* bytes the core wants (write_len) */
	uint32_t data_next;              /* next Data-Out offset expected */
	uint32_t unsol_end;              /* unsolicited data ends here */
	bool unsol_done;
	uint32_t r2t_next;               /* next offset to solicit */
	uint32_t r2t_outstanding;
	uint32_t r2tsn;
	uint32_t ttt;
	bool data_error;                 /* a Data-Out was misnumbered or corrupt */
	uint32_t exp_datasn;              /* DataSN expected in the current sequence */

	bool counted;                    /* in conn->cmds_unanswered */
	uint32_t datasn;                 /* Data-In PDUs sent */
	uint32_t tx_pending;             /* PDUs queued that borrow its buffer */
};

struct iscsi_held_pdu {
	struct list_head node;
	uint32_t cmdsn;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t *data;
	uint32_t dlen;
	uint32_t pool_size;               /* data is a pool buffer of this size */
};

enum iscsi_conn_state {
	CONN_LOGIN = 0,
	CONN_FULL,
	CONN_CLOSING,
};

enum iscsi_rx_stage {
	RX_BHS = 0,
	RX_AHS,
	RX_HDIGEST,
	RX_DATA,
	RX_PAD,
	RX_DDIGEST,
};

struct iscsi_conn {
	struct list_head node;           /* all_conns (global, under conns_lock) */
	struct ioloop *loop;
	int fd;
	enum iscsi_conn_state state;
	struct sockaddr_storage local, peer;
	char peer_str[64];

	/* Receive side: one recv in flight at a time. */
	struct io_op rx_op;
	bool rx_busy;
	enum iscsi_rx_stage rx_stage;
	uint8_t rx_bhs[ISCSI_BHS_LEN];
	uint8_t rx_ahs[1024];
	uint8_t *rx_ptr;                 /* where the current stage lands */
	uint32_t rx_want, rx_got;
	uint8_t *rx_data;                /* data segment of non-Data-Out PDUs */
	uint32_t rx_data_cap;
	uint8_t *rx_dest;                /* data segment destination */
	uint32_t rx_dlen;
	uint32_t rx_dest_done;           /* data bytes received before this chunk */
	uint8_t rx_pad[4];
	uint8_t rx_digest[4];            /* received header or data digest */
	uint32_t rx_crc;                 /* data digest over what has landed */
	bool hdigest, ddigest;           /* CRC32C in force (after login) */
	struct iscsi_cmd *rx_cmd;        /* Data-Out / SCSI Command being received */
	uint8_t *rx_imm_buf;             /* immediate data of a SCSI Command */
	uint32_t rx_imm_size;
	bool rx_stopped;                 /* no more PDUs are read */
	uint8_t rx_discard[4096];
	/* Bytes read ahead: one recv takes every PDU the initiator has sent,
	 * so a burst of commands costs one recv and one loop iteration. */
	uint8_t *rx_buf;
	uint32_t rx_buf_head, rx_buf_tail;
	bool rx_direct;                  /* the recv in flight lands at rx_ptr */

	/* Send side: one sendmsg in flight; queued PDUs flushed per iteration. */
	struct io_op tx_op;
	bool tx_busy;
	struct list_head tx_queue;       /* not yet handed to the kernel */
	struct list_head tx_inflight;    /* in the current sendmsg */
	struct msghdr tx_msg;
	struct iovec tx_iov[ISCSI_TX_IOV_MAX * 5];
	uint8_t tx_zero_pad[4];
	uint32_t tx_skip;                /* bytes of the first inflight PDU already sent */
	struct io_defer flush;
	struct io_defer reap;             /* teardown check, end of iteration */

	/* Login. */
	uint8_t login_stage;
	bool login_authed;
	bool login_keys_declared;
	struct iscsi_auth *auth;         /* copy of the CHAP users, during login */
	struct iscsi_chap chap;
	uint8_t *login_text;             /* reassembled C-bit text */
	uint32_t login_text_len;
	char initiator_name[SCST_NAME_MAX];
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;
	bool discovery;
	struct iscsi_target *target;
	struct iscsi_params params;
	struct iscsi_limits limits;

	/* Session (MaxConnections=1: the connection is the session). */
	struct scst_session *sess;
	uint32_t exp_cmdsn;
	uint32_t stat_sn;
	struct list_head held;           /* PDUs waiting for their CmdSN */
	struct list_head cmds;           /* iscsi_cmd in progress */
	/* Non-immediate SCSI commands whose response is not yet built: they
	 * close the CmdSN window (QueuedCommands flow control). */
	unsigned cmds_unanswered;
	struct iscsi_cmd *free_cmds;
	unsigned nfree_cmds;
	struct iscsi_tx *free_tx;        /* sent PDUs kept for reuse */
	unsigned nfree_tx;
	uint32_t next_ttt;
	unsigned ops_in_flight;          /* recv + send submitted */
	bool logout_pending;
	bool unregistered;

	/* Keep-alive (iscsi_keepalive.c). */
	struct io_timer keepalive;
	bool rx_activity;                /* bytes arrived since the last tick */
	bool nop_waiting;                /* our NOP-In awaits any sign of life */
	uint32_t nop_ttt;

	/* Target-requested logout (iscsi_async.c). */
	struct io_timer logout_timer;
};

/* iscsi_target.c */
extern struct scst_tgt_template iscsi_template;
struct iscsi_target *iscsi_find_target(const char *name);
/* TargetAddress keys of the portals through which `it` is reachable. */
int iscsi_portal_addresses(const struct iscsi_conn *conn, struct iscsi_target *it,
			   struct iscsi_text_out *out);
/* Whether `it` may be seen through the local address ss (allowed_portal). */
bool iscsi_portal_allowed(struct iscsi_target *it, const struct sockaddr_storage *ss);
bool iscsi_driver_enabled(void);
void iscsi_conn_registered(struct iscsi_conn *conn);
void iscsi_conn_unregistered(struct iscsi_conn *conn);
uint16_t iscsi_alloc_tsih(void);
void iscsi_reinstate_session(struct iscsi_conn *conn);
/* A private copy of the CHAP users of a target (NULL: of discovery). */
struct iscsi_auth *iscsi_auth_snapshot(const struct iscsi_target *it);
void iscsi_auth_free(struct iscsi_auth *a);

/* iscsi_conn.c */
void iscsi_conn_start(struct iscsi_conn *conn);
void iscsi_conn_close(struct iscsi_conn *conn, const char *why);
void iscsi_conn_try_free(struct iscsi_conn *conn);
struct iscsi_tx *iscsi_tx_alloc(struct iscsi_conn *conn);
void iscsi_tx_recycle(struct iscsi_conn *conn, struct iscsi_tx *tx);
void iscsi_tx_queue(struct iscsi_conn *conn, struct iscsi_tx *tx);
/* Fills ExpCmdSN/MaxCmdSN (and StatSN when with_status) into a header. */
void iscsi_fill_sn(struct iscsi_conn *conn, uint8_t *bhs, bool with_status);
void iscsi_send_reject(struct iscsi_conn *conn, const uint8_t *bad_bhs, uint8_t reason);
/* Receives the data segment of the current PDU into dest (NULL: discard). */
void iscsi_rx_data_into(struct iscsi_conn *conn, uint8_t *dest);

/* iscsi_login.c */
void iscsi_login_pdu(struct iscsi_conn *conn, const uint8_t *bhs, const uint8_t *data,
		     uint32_t dlen);
void iscsi_text_pdu(struct iscsi_conn *conn, const uint8_t *bhs, const uint8_t *data,
		    uint32_t dlen);

/* iscsi_ffp.c */
/* A complete PDU (header + data segment) arrived in full feature phase. */
void iscsi_ffp_pdu(struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *data, uint32_t dlen);
/* Header of a PDU arrived: decides where its data segment goes.  Returns
 * false when the connection was closed. */
bool iscsi_ffp_header(struct iscsi_conn *conn);
/* ExpCmdSN + QueuedCommands - 1 - commands still unanswered: the window
 * closes as commands queue up and never shrinks (each command raises
 * ExpCmdSN as it occupies a slot). */
uint32_t iscsi_max_cmdsn(const struct iscsi_conn *conn);
void iscsi_tmf_done(struct scst_mgmt_cmd *mcmd);

/* iscsi_keepalive.c: NOP-In pings of an idle full-feature connection. */
void iscsi_keepalive_start(struct iscsi_conn *conn);
void iscsi_keepalive_stop(struct iscsi_conn *conn);

/* iscsi_async.c: Async Message "target requests logout", then a close when
 * the initiator has not logged out after grace_s seconds.  On conn's loop. */
void iscsi_request_logout(struct iscsi_conn *conn, unsigned grace_s, const char *why);
void iscsi_async_stop(struct iscsi_conn *conn);

/* iscsi_sess_attrs.c: the session_attrs management hook. */
int iscsi_session_attrs(struct scst_session *sess, char *buf, size_t len);

/* iscsi_scsi.c */
/* Takes ownership of imm (a pool buffer of imm_size bytes, or NULL). */
void iscsi_scsi_cmd_pdu(struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *imm, uint32_t dlen,
			uint32_t imm_size);
/* Header of a Data-Out arrived: points the receive at the command buffer. */
bool iscsi_data_out_header(struct iscsi_conn *conn);
void iscsi_data_out_done(struct iscsi_conn *conn);
void iscsi_rdy_to_xfer(struct scst_cmd *scmd);
void iscsi_xmit_response(struct scst_cmd *scmd);
void iscsi_cmd_free(struct iscsi_cmd *icmd);
void iscsi_conn_release_cmds(struct iscsi_conn *conn);
void iscsi_tx_sent(struct iscsi_conn *conn, struct iscsi_tx *tx);

#endif
