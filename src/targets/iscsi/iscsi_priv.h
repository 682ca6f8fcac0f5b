/* iscsi_priv.h - the iSCSI driver's objects and the calls between its
 * files: targets (iscsi_target.c), connections and their PDU I/O
 * (iscsi_conn.c), login and discovery (iscsi_login.c), full-feature
 * dispatch, CmdSN ordering, NOP, Text and TMF (iscsi_ffp.c), Logout
 * (iscsi_logout.c), RspTimeout (iscsi_rsp_timeout.c), SCSI command
 * data flow (iscsi_scsi.c), admission of new connections (iscsi_admit.c)
 * and the response data a session may pin (iscsi_rsp_limit.c).
 *
 * A session (iscsi_session.c) and all its connections, their commands and
 * PDUs live on one I/O loop and are touched only there: a connection that
 * joins an existing session (MC/S) moves to the session's loop before its
 * login goes on.  Only session membership and the session registry are
 * also read by other threads, under the registry lock. */
#ifndef SCSTD_ISCSI_PRIV_H
#define SCSTD_ISCSI_PRIV_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/scst_tgt.h"
#include "targets/iscsi/iscsi_chap.h"
#include "targets/iscsi/iscsi_params.h"
#include "targets/iscsi/iscsi_bhs.h"
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
	/* ExpCmdSN/MaxCmdSN (and the header digest) are written when the PDU
	 * is handed to the kernel, so they count every slot freed until then. */
	bool fill_cmdsn;
	/* Carries the status of a command holding a CmdSN window slot: the
	 * slot opens when this PDU is handed to the kernel. */
	bool releases_slot;
	uint32_t charged;                /* session charge it discharges once sent */
};

enum iscsi_cmd_xfer {
	ICMD_IDLE = 0,
	ICMD_WAIT_DATA,                  /* rdy_to_xfer: collecting WRITE data */
};

struct iscsi_cmd {
	struct list_head node;           /* conn->commands.list */
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

	bool counted;                    /* in isess->cmds_unanswered */
	/* Its READ data in isess->rsp_charged not yet handed to a Data-In
	 * PDU (iscsi_rsp_limit.c). */
	uint32_t charged;
	uint32_t datasn;                 /* Data-In PDUs sent */
	uint32_t tx_pending;             /* PDUs queued that borrow its buffer */
	/* Released while it was conn->rx.cmd: a Data-Out may still be landing
	 * in its buffer, so the release waits for the end of that PDU. */
	bool release_deferred;
	/* conn->rsp_timeout.clock when it began waiting on the initiator (its data
	 * or the socket taking its response); 0: not waiting. */
	uint32_t wait_tick;
};

struct iscsi_held_pdu {
	struct list_head node;
	struct iscsi_conn *conn;          /* arrived on; NULL once it closed */
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

/* What the connections of one session share: the I_T nexus in the core,
 * the identity (ISID, TSIH, initiator, target), the leading connection's
 * session-wide parameters and the session-wide CmdSN window.  Created with
 * each connection; a connection that joins an existing session frees its
 * own and points to the session's. */
struct iscsi_session {
	struct list_head node;           /* all_sessions, once in full feature */
	struct ioloop *loop;
	struct scst_session *sess;
	struct iscsi_target *target;
	char initiator_name[SCST_NAME_MAX];
	uint8_t isid[6];
	uint16_t tsih;
	bool registered;                 /* in all_sessions */
	bool ending;                     /* Logout "close the session" */
	struct iscsi_params params;      /* session-wide keys (leading login) */
	unsigned max_connections;
	struct list_head conns;          /* iscsi_conn.link.node (registry lock) */
	unsigned nconns;

	/* CmdSN window, session-wide (RFC 7143 4.2.2.1). */
	uint32_t exp_cmdsn;
	struct list_head held;           /* PDUs waiting for their CmdSN */
	/* Non-immediate SCSI commands whose status is not yet handed to the
	 * kernel: they close the CmdSN window of queued_cmds slots (the
	 * leading login's QueuedCommands). */
	unsigned cmds_unanswered;
	unsigned queued_cmds;

	/* Response data pinned by the session (iscsi_rsp_limit.c): READ
	 * commands' expected bytes from their arrival until on the wire.  Over
	 * the limit, the session's connections stop reading PDUs. */
	uint64_t rsp_charged;
	bool rx_paused;
	unsigned long rx_pauses;
	struct iscsi_initiator_load *load;   /* its initiator's total */

	/* A move to another I/O loop (iscsi_move.c): while move_to is set
	 * MaxCmdSN stays at max_cmdsn_sent and move_poll waits for a safe
	 * point. */
	struct ioloop *move_to;
	struct io_timer move_poll;
	uint32_t max_cmdsn_sent;
};

/* A connection's state, one sub-structure per concern.  Each names the
 * file that owns it (writes it; others at most read it). */

/* Receive state machine and read-ahead (iscsi_conn.c, receive side). */
struct iscsi_conn_rx {
	struct io_op op;                 /* one recv in flight at a time */
	bool busy;
	enum iscsi_rx_stage stage;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t ahs[1024];
	uint8_t *ptr;                    /* where the current stage lands */
	uint32_t want, got;
	uint8_t *data;                   /* data segment of non-Data-Out PDUs */
	uint32_t data_cap;
	uint8_t *dest;                   /* data segment destination */
	uint32_t dlen;
	uint32_t dest_done;              /* data bytes received before this chunk */
	uint8_t pad[4];
	uint8_t digest[4];               /* received header or data digest */
	uint32_t crc;                    /* data digest over what has landed */
	struct iscsi_cmd *cmd;           /* Data-Out / SCSI Command being received */
	uint8_t *imm_buf;                /* immediate data of a SCSI Command */
	uint32_t imm_size;
	bool stopped;                    /* no more PDUs are read */
	uint8_t discard[4096];
	/* Bytes read ahead: one recv takes every PDU the initiator has sent,
	 * so a burst of commands costs one recv and one loop iteration. */
	uint8_t *buf;
	uint32_t buf_head, buf_tail;
	bool direct;                     /* the recv in flight lands at ptr */
	struct io_defer resume;          /* reading again after a pause */
};

/* Send queue (iscsi_conn.c, send side): one sendmsg in flight, queued
 * PDUs flushed once per loop iteration. */
struct iscsi_conn_tx {
	struct io_op op;
	bool busy;
	struct list_head queue;          /* not yet sent (the head ones may be in a sendmsg) */
	struct msghdr msg;
	struct iovec iov[ISCSI_TX_IOV_MAX * 5];
	uint8_t zero_pad[4];
	uint32_t skip;                   /* bytes of the first inflight PDU already sent */
	struct io_defer flush;
	struct iscsi_tx *free;           /* sent PDUs kept for reuse */
	unsigned nfree;
	uint32_t stat_sn;
};

/* The login exchange itself (iscsi_login.c); dead after full feature. */
struct iscsi_conn_login {
	uint8_t stage;
	bool authed;
	bool keys_declared;
	struct iscsi_auth *auth;         /* copy of the CHAP users, during login */
	struct iscsi_chap chap;
	uint8_t *text;                   /* reassembled C-bit text */
	uint32_t text_len;
};

/* Who is at the other end and what login agreed (written by
 * iscsi_login.c and iscsi_session.c, read everywhere). */
struct iscsi_conn_params {
	char initiator_name[SCST_NAME_MAX];
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;
	bool discovery;
	struct iscsi_target *target;
	struct iscsi_params params;
	struct iscsi_limits limits;
	bool hdigest, ddigest;           /* CRC32C in force (after login) */
};

/* Membership of an iSCSI session (iscsi_session.c): isess->sess cached in
 * link.sess for the per-command path. */
struct iscsi_conn_sess {
	struct iscsi_session *isess;
	struct list_head node;           /* isess->conns */
	struct scst_session *sess;
};

/* The connection's commands (iscsi_scsi.c). */
struct iscsi_conn_cmds {
	struct list_head list;           /* iscsi_cmd in progress (allegiance) */
	unsigned tmf_pending;            /* TMF answers still to come */
	struct iscsi_cmd *free;
	unsigned nfree;
	uint32_t next_ttt;
};

/* Moves between loops (iscsi_conn.c, iscsi_session.c). */
struct iscsi_conn_handoff {
	/* Joining a session on another loop: the first login PDU is replayed
	 * there (move.dlen bytes in rx.data) once this loop let go. */
	struct ioloop *to;
	uint32_t dlen;
	/* A new session's loop was chosen (io_grouping_type, cpu_mask): the
	 * connection moves at most once for it. */
	bool home_checked;
	struct io_defer defer;
};

/* Teardown (iscsi_conn.c): freed once every op is back. */
struct iscsi_conn_teardown {
	struct io_defer reap;            /* teardown check, end of iteration */
	unsigned ops_in_flight;          /* recv + send submitted */
};

/* Keep-alive (iscsi_keepalive.c). */
struct iscsi_keepalive {
	struct io_timer timer;
	bool rx_activity;                /* bytes arrived since the last tick */
	bool nop_waiting;                /* our NOP-In awaits any sign of life */
	uint32_t nop_ttt;
};

/* RspTimeout (iscsi_rsp_timeout.c): seconds counted by timer. */
struct iscsi_rsp_timeout {
	struct io_timer timer;
	uint32_t clock;
};

/* Logout (iscsi_logout.c; async_timer: iscsi_async.c). */
struct iscsi_conn_logout {
	bool pending;
	/* Logout ending the session: its answer waits for the nexus to leave
	 * the core. */
	struct io_timer wait;
	uint8_t itt[4];
	/* Target-requested logout: the grace period. */
	struct io_timer async_timer;
};

/* Admission (iscsi_admit.c): the pending-login counts this connection
 * charges until its login ends, and the login timeout. */
struct iscsi_conn_admit {
	struct iscsi_admit_ticket *ticket;
	struct io_timer login_timer;
};

struct iscsi_conn {
	struct list_head node;           /* all_conns (global, under conns_lock) */
	struct ioloop *loop;
	int fd;
	enum iscsi_conn_state state;
	struct sockaddr_storage local, peer;
	char peer_str[64];

	struct iscsi_conn_rx rx;
	struct iscsi_conn_tx tx;
	struct iscsi_conn_login login;
	struct iscsi_conn_params neg;
	struct iscsi_conn_sess link;
	struct iscsi_conn_cmds commands;
	struct iscsi_conn_handoff move;
	struct iscsi_conn_teardown teardown;
	struct iscsi_keepalive ka;
	struct iscsi_rsp_timeout rsp_timeout;
	struct iscsi_conn_logout logout;
	struct iscsi_conn_admit admission;
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
/* A consistent copy of the target's negotiation limits (login). */
void iscsi_target_limits(struct iscsi_target *it, struct iscsi_limits *out);
/* Up to max listening addresses (wildcards included); the count. */
size_t iscsi_portal_list(struct sockaddr_storage *out, size_t max);
void iscsi_conn_registered(struct iscsi_conn *conn);
void iscsi_conn_unregistered(struct iscsi_conn *conn);
uint16_t iscsi_alloc_tsih(void);
/* The registry lock (connections and sessions). */
void iscsi_registry_lock(void);
void iscsi_registry_unlock(void);
bool iscsi_conn_alive(struct iscsi_conn *conn);
/* force_close of one connection: Async logout request, then close. */
void iscsi_force_close_conn(struct iscsi_conn *conn);
/* A private copy of the CHAP users of a target (NULL: of discovery). */
struct iscsi_auth *iscsi_auth_snapshot(const struct iscsi_target *it);
void iscsi_auth_free(struct iscsi_auth *a);

/* iscsi_session.c */
struct iscsi_session *iscsi_session_new(struct iscsi_conn *conn);
/* The loop of the session with this TSIH, NULL when there is none. */
struct ioloop *iscsi_session_loop(uint16_t tsih);
/* Login with a TSIH: 0 and conn joined the session (on this loop), 1 when
 * conn must first move to *loop, or an ISCSI_LOGIN_* status to fail with. */
int iscsi_session_join(struct iscsi_conn *conn, struct ioloop **loop);
/* A new session's place in the registry if the target's MaxSessions
 * leaves room for it (a session it reinstates does not count); false when
 * not.  The place goes with the connection. */
bool iscsi_session_claim_slot(struct iscsi_conn *conn);
/* The leading connection entered full feature phase: core session, TSIH. */
void iscsi_session_publish(struct iscsi_conn *conn);
/* Session-wide parameters for a connection that joined. */
void iscsi_session_apply_params(struct iscsi_conn *conn);
/* conn is freed: leaves its session, which ends with its last connection. */
void iscsi_session_leave(struct iscsi_conn *conn);
bool iscsi_session_last_conn(const struct iscsi_conn *conn);
struct iscsi_conn *iscsi_session_find_cid(struct iscsi_session *s, uint16_t cid);
/* Closes every connection of the session (on its loop). */
void iscsi_session_close_all(struct iscsi_session *s, const char *why);
/* Other sessions of the same initiator, ISID and target end (reinstatement). */
void iscsi_reinstate_session(struct iscsi_conn *conn);
/* management: force_close of a registered session, from any thread. */
int iscsi_session_request_close(struct iscsi_session *s);
void iscsi_session_drop_held(struct iscsi_session *s, struct iscsi_conn *only);
/* Logout: the core session goes now (no command of it may be left); the
 * iSCSI session ends with its last connection as usual. */
void iscsi_session_end_nexus(struct iscsi_session *s);
/* Runs fn on every connection of the session under the registry lock. */
void iscsi_session_for_each_conn(struct iscsi_session *s,
				 void (*fn)(const struct iscsi_conn *c, void *arg), void *arg);

/* iscsi_conn.c */
/* Moves conn (between two PDUs of its login) to loop, replaying the PDU
 * that is in rx_bhs/rx_data there. */
void iscsi_conn_handoff(struct iscsi_conn *conn, struct ioloop *loop);
void iscsi_conn_start(struct iscsi_conn *conn);
void iscsi_conn_close(struct iscsi_conn *conn, const char *why);
void iscsi_conn_try_free(struct iscsi_conn *conn);
struct iscsi_tx *iscsi_tx_alloc(struct iscsi_conn *conn);
void iscsi_tx_recycle(struct iscsi_conn *conn, struct iscsi_tx *tx);
void iscsi_tx_queue(struct iscsi_conn *conn, struct iscsi_tx *tx);
/* StatSN (taken when with_status) now; ExpCmdSN/MaxCmdSN once the PDU is
 * handed to the kernel. */
void iscsi_fill_sn(struct iscsi_conn *conn, struct iscsi_tx *tx, bool with_status);
/* Reads again (iscsi_rsp_limit.c lifted the session's pause). */
void iscsi_rx_resume(struct iscsi_conn *conn);
void iscsi_send_reject(struct iscsi_conn *conn, const uint8_t *bad_bhs, uint8_t reason);
/* A header-only answer whose byte 2 is the response (TMF, Logout):
 * final, the request's ITT, StatSN taken; closes the connection once sent
 * when close_after. */
void iscsi_send_response_byte(struct iscsi_conn *conn, uint8_t opcode, const uint8_t itt[4],
			      uint8_t response, bool close_after);
/* Receives the data segment of the current PDU into dest (NULL: discard). */
void iscsi_rx_data_into(struct iscsi_conn *conn, uint8_t *dest);
/* The command being received into (conn->rx.cmd) is to be released: true
 * when the rest of its Data-Out now goes to the discard buffer; false
 * while a recv may still land in its buffer (that recv is cancelled, and
 * the command is let go of when it is back, or by the reap). */
bool iscsi_rx_let_go(struct iscsi_conn *conn);

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
/* ExpCmdSN + the session's QueuedCommands - 1 - commands still
 * unanswered (status not yet handed to the kernel): the window closes as
 * commands queue up and never shrinks (each command raises ExpCmdSN as
 * it occupies a slot). */
uint32_t iscsi_max_cmdsn(const struct iscsi_conn *conn);
/* iscsi_move.c: moving a session to another I/O loop. */
uint32_t iscsi_max_cmdsn_to_send(const struct iscsi_conn *conn);
int iscsi_move_session(struct scst_session *sess, struct ioloop *to);
void iscsi_move_stop(struct iscsi_session *s);
void iscsi_move_rx_stopped(struct iscsi_conn *conn);
/* Takes back a connection's recv in flight (iscsi_move.c's safe point). */
void iscsi_rx_cancel(struct iscsi_conn *conn);
/* s is a full-feature session still registered; *loop: its loop. */
bool iscsi_session_alive(struct iscsi_session *s, struct ioloop **loop);
void iscsi_tmf_done(struct scst_mgmt_cmd *mcmd);

/* iscsi_keepalive.c: NOP-In pings of an idle full-feature connection. */
void iscsi_keepalive_start(struct iscsi_conn *conn);
void iscsi_keepalive_stop(struct iscsi_conn *conn);
/* A NOP-In of our own: a ping answered with ttt, or with the reserved
 * tag one that wants no answer (the window after a loop move). */
void iscsi_send_unsolicited_nop_in(struct iscsi_conn *conn, uint32_t ttt);

/* iscsi_rsp_timeout.c: RspTimeout, the time a command may wait on the
 * initiator (for its WRITE data, or for the socket to take its response)
 * before the connection is closed. */
void iscsi_rsp_timer_start(struct iscsi_conn *conn);
void iscsi_rsp_timer_stop(struct iscsi_conn *conn);
/* icmd now waits on the initiator (again: progress restarts the clock). */
static inline void iscsi_cmd_wait_initiator(struct iscsi_cmd *icmd)
{
	icmd->wait_tick = icmd->conn->rsp_timeout.clock;
}

static inline void iscsi_cmd_wait_done(struct iscsi_cmd *icmd)
{
	icmd->wait_tick = 0;
}

/* iscsi_logout.c: the Logout request. */
void iscsi_logout_pdu(struct iscsi_conn *conn, const uint8_t *bhs);
void iscsi_logout_stop(struct iscsi_conn *conn);

/* iscsi_async.c: Async Message "target requests logout", then a close when
 * the initiator has not logged out after grace_s seconds.  On conn's loop. */
void iscsi_request_logout(struct iscsi_conn *conn, unsigned grace_s, const char *why);
void iscsi_async_stop(struct iscsi_conn *conn);

/* iscsi_admit.c: admission of new connections under hostile load. */
#define ISCSI_LOGIN_TIMEOUT_DEFAULT 30
/* iscsi-scst's iscsi-scstd serves at most 256 connections in login. */
#define ISCSI_MAX_PENDING_PORTAL_DEFAULT 256
#define ISCSI_MAX_PENDING_ADDR_DEFAULT 64
enum iscsi_refusal {
	ISCSI_REFUSE_NO_FD,              /* EMFILE/ENFILE or the descriptor reserve */
	ISCSI_REFUSE_PORTAL,             /* MaxPendingLoginsPerPortal */
	ISCSI_REFUSE_ADDR,               /* MaxPendingLoginsPerAddress */
	ISCSI_REFUSE_LOGIN_TIMEOUT,      /* closed by LoginTimeout */
	ISCSI_REFUSE__COUNT
};
struct iscsi_admit_gate;
void iscsi_admit_count_refusal(enum iscsi_refusal why);
unsigned long long iscsi_admit_refused(enum iscsi_refusal why);
/* Whether a just accepted descriptor leaves the reserve alone. */
bool iscsi_admit_fd_ok(int fd);
/* A portal's pending-login count (one reference for the portal). */
struct iscsi_admit_gate *iscsi_admit_gate_new(void);
void iscsi_admit_gate_put(struct iscsi_admit_gate *g);
/* Charges conn (peer address known) to the portal's and its address's
 * pending logins; false (refusal counted) when either is at its limit. */
bool iscsi_admit_login(struct iscsi_conn *conn, struct iscsi_admit_gate *g);
/* The login ended (full feature phase, or the connection goes); again: no-op. */
void iscsi_admit_login_done(struct iscsi_conn *conn);
void iscsi_login_timer_start(struct iscsi_conn *conn);
void iscsi_login_timer_stop(struct iscsi_conn *conn);
/* LoginTimeout, MaxPendingLoginsPerPortal, MaxPendingLoginsPerAddress: 1
 * when key is none of them. */
int iscsi_admit_set_attr(const char *key, const char *value, char *err, size_t errlen);
int iscsi_admit_get_attr(const char *key, unsigned *value, bool *is_default);

/* iscsi_rsp_limit.c: what one session may pin in response data. */
#define ISCSI_MAX_BUFFERED_RSP_DEFAULT (16u << 20)
#define ISCSI_MAX_BUFFERED_RSP_INITIATOR_DEFAULT (64u << 20)
extern unsigned iscsi_max_buffered_rsp, iscsi_max_buffered_rsp_initiator;
/* A published session joins its initiator's total (false: no memory);
 * it leaves once its commands are all gone. */
bool iscsi_rsp_session_start(struct iscsi_session *s);
void iscsi_rsp_session_end(struct iscsi_session *s);
/* A paused session reads again if its initiator's other sessions drained. */
void iscsi_rsp_recheck(struct iscsi_session *s);
/* What a queued PDU costs besides the data it carries. */
#define ISCSI_TX_COST 1024u
/* bytes more pinned by conn's session until sent (pauses it over a limit). */
void iscsi_rsp_charge(struct iscsi_conn *conn, uint32_t bytes);
/* bytes of the charge are on the wire or will never be sent. */
void iscsi_rsp_discharge(struct iscsi_conn *conn, uint32_t bytes);

/* iscsi_mgmt.c: the driver's entries of the management tree. */
int iscsi_mgmt_register(void);

/* iscsi_sess_attrs.c: the session_attrs management hook. */
int iscsi_session_attrs(struct scst_session *sess, char *buf, size_t len);
/* Login counters since start (iscsi_login.c), for the metrics. */
void iscsi_login_stats(struct scst_login_stats *st);

/* iscsi_scsi.c */
/* Takes ownership of imm (a pool buffer of imm_size bytes, or NULL). */
void iscsi_scsi_cmd_pdu(struct iscsi_conn *conn, const uint8_t *bhs, uint8_t *imm, uint32_t dlen,
			uint32_t imm_size);
/* Header of a Data-Out arrived: points the receive at the command buffer. */
bool iscsi_data_out_header(struct iscsi_conn *conn);
void iscsi_data_out_done(struct iscsi_conn *conn);
/* Ends the receive side's hold on conn->rx.cmd, releasing it when its
 * release was deferred. */
void iscsi_rx_cmd_unpin(struct iscsi_conn *conn);
void iscsi_rdy_to_xfer(struct scst_cmd *scmd);
void iscsi_xmit_response(struct scst_cmd *scmd);
void iscsi_cmd_free(struct iscsi_cmd *icmd);
/* The command's CmdSN window slot opens (its status goes to the kernel). */
void iscsi_cmd_release_slot(struct iscsi_cmd *icmd);
void iscsi_conn_release_cmds(struct iscsi_conn *conn);
void iscsi_tx_sent(struct iscsi_conn *conn, struct iscsi_tx *tx);

#endif
