/* scst_tgt.h - the target-driver API: what a transport (src/targets)
 * registers (struct scst_tgt_template) and calls (sessions, commands, task
 * management).  Target drivers include this and nothing else of the
 * core's; see docs/design.md "Layers and interfaces". */
#ifndef SCSTD_CORE_SCST_TGT_H
#define SCSTD_CORE_SCST_TGT_H

#include "scst_common.h"

/* Why a login was refused, for the metrics (a transport's own reasons
 * map onto these). */
enum scst_login_fail_reason {
	SCST_LOGIN_FAIL_AUTH = 0,       /* CHAP failed or required and refused */
	SCST_LOGIN_FAIL_ACL,            /* the initiator may not reach the target */
	SCST_LOGIN_FAIL_TARGET,         /* no such target, or not enabled */
	SCST_LOGIN_FAIL_LIMIT,          /* session or connection limit */
	SCST_LOGIN_FAIL_PROTOCOL,       /* the initiator broke the login rules */
	SCST_LOGIN_FAIL_RESOURCES,      /* out of memory and the like */
	SCST_LOGIN_FAIL__COUNT
};
extern const char *const scst_login_fail_reason_names[SCST_LOGIN_FAIL__COUNT];

struct scst_login_stats {
	uint64_t logins;                /* reached full feature phase */
	uint64_t failures[SCST_LOGIN_FAIL__COUNT];
};

struct scst_tgt_template {
	const char *name;
	struct list_head node;

	/* The command carries WRITE data: fetch cmd->write_len bytes into
	 * cmd->buf (immediate, unsolicited, solicited), then call
	 * scst_rx_data().  Called on the session's loop. */
	void (*rdy_to_xfer)(struct scst_cmd *cmd);

	/* Send cmd->resp_data_len bytes of cmd->buf (READ direction) and the
	 * status/sense; afterwards call scst_tgt_cmd_done().  Never called
	 * while a call of the transport into the core is running (the
	 * completion rule, core/cmd_deliver.c).  Also called for
	 * aborted commands (cmd->aborted): then only the resources are freed,
	 * or TASK ABORTED is sent when cmd->tas_response is set. */
	void (*xmit_response)(struct scst_cmd *cmd);

	/* A task management function finished; mcmd->status holds the result.
	 * The transport answers and then calls scst_mgmt_cmd_free(). */
	void (*task_mgmt_fn_done)(struct scst_mgmt_cmd *mcmd);

	/* Management hooks (config file, mgmt tree).  NULL when the driver
	 * does not support the operation.  Each returns 0 or -errno with a
	 * one-line reason in err. */
	int (*add_target)(const char *name, const struct scst_kv *params, size_t nparams,
			  char *err, size_t errlen);
	int (*del_target)(struct scst_tgt *tgt, char *err, size_t errlen);
	/* Driver-specific target attribute (e.g. negotiable login keys). */
	int (*set_target_attr)(struct scst_tgt *tgt, const char *key, const char *value,
			       char *err, size_t errlen);
	/* Driver-wide attribute (e.g. "enabled", IncomingUser). */
	int (*set_driver_attr)(const char *key, const char *value, char *err, size_t errlen);
	/* Optional: take back one value of an attribute that may hold several
	 * (README.scst del_attribute / del_target_attribute: a CHAP user, an
	 * allowed_portal pattern), -ENOENT when it holds no such value. */
	int (*del_target_attr)(struct scst_tgt *tgt, const char *key, const char *value,
			       char *err, size_t errlen);
	int (*del_driver_attr)(const char *key, const char *value, char *err, size_t errlen);
	/* The target was enabled or disabled (tgt->enabled already updated). */
	void (*on_enable)(struct scst_tgt *tgt);
	/* Optional: move a live session and everything its transport serves
	 * it with to I/O loop `to` (io_grouping_type or cpu_mask changed, or
	 * its loop is to end).  Called under scst_mutex, so it only starts
	 * the move: 0 when nothing ran (the core sets sess->loop now), 1
	 * when the transport calls scst_session_moved() once it has reached
	 * a safe point (no command of the session in progress), -1 when it
	 * cannot move now (the core asks again later). */
	int (*move_session)(struct scst_session *sess, struct ioloop *to);
	/* Optional: ends the target's sessions before scst_del_target removes
	 * it (scst_local, whose sessions are configuration, not logins). */
	void (*close_sessions)(struct scst_tgt *tgt);
	/* Optional: the SCSI and physical transport version descriptors
	 * INQUIRY reports for the target (0: none; without it both are 0). */
	void (*transport_versions)(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys);
	/* The PROTOCOL IDENTIFIER of the transport's ports (SPC-4 7.6.1),
	 * carried by the designators of VPD page 0x83 that set PIV.  Without
	 * has_protocol_id they clear PIV. */
	bool has_protocol_id;
	uint8_t protocol_id;
	/* Optional (persistent reservations, SPC-4 7.6.4): the name PR knows
	 * the initiator port of the TransportID tid by (REGISTER with
	 * SPEC_I_PT, REGISTER AND MOVE), into name (size bytes).  len is the
	 * TransportID's length, header included, a multiple of 4 and at least
	 * 8, checked to lie within the parameter list; the bytes are the
	 * initiator's and hostile.  False when it is not a TransportID of
	 * this transport or is malformed, with the offset of the offending
	 * byte within it in *bad_off.  Without it no TransportID is accepted. */
	bool (*parse_transport_id)(const uint8_t *tid, uint32_t len, char *name, size_t size,
				   uint32_t *bad_off);
	/* Optional: the TransportID of the initiator port PR knows as name
	 * (not a verbatim one, see scst_pr_verbatim_name) into out (size
	 * bytes) for READ FULL STATUS.  Returns its length, 0 when it does not
	 * fit; without it the registrant is reported without one. */
	uint32_t (*build_transport_id)(const char *name, uint8_t *out, uint32_t size);
	/* Ends a session (mgmt force_close): starts its end and returns; the
	 * session unregisters itself later.  Called with scst_mutex held and
	 * sess still registered, so it must not take scst_mutex. */
	int (*close_session)(struct scst_session *sess, char *err, size_t errlen);
	/* Driver-specific entries of the session's management directory as
	 * "relative/path\tvalue\n" lines (directories are implied by the
	 * paths).  Same calling context as close_session.  Returns the length
	 * written, or -errno (-ENOSPC when len is too small). */
	int (*session_attrs)(struct scst_session *sess, char *buf, size_t len);
	/* SCST's enabled_attr_not_needed: the target is never enabled or
	 * disabled from outside (copy_manager), so it has no `enabled` file. */
	bool enabled_attr_not_needed;
	/* The target has only its default LUN set: creating an ini_group is
	 * refused (SCST's copy manager "does not support security groups"). */
	bool no_ini_groups;
	/* add_target leaves the target enabled and it stays so (scst_local):
	 * as in SCST, whose scst_local has no enable_target, its targets have
	 * no `enabled` file and show rel_tgt_id 0 until one is written. */
	bool enabled_at_creation;
	/* Optional: the driver's login counters since start (metrics). */
	void (*login_stats)(struct scst_login_stats *st);
	/* Optional: a LUN was added to (or replaced in) one of the target's
	 * LUN sets, told without scst_mutex held (the copy manager learns the
	 * device's designators then, as SCST's scst_cm_on_add_lun). */
	void (*lun_added)(struct scst_tgt *tgt, uint64_t lun);
};

/* ---------------------------------------------------------------------- */
/* Registration and targets (take scst_mutex unless said otherwise)       */

/* Targets of every driver (caller holds scst_mutex). */
extern struct list_head scst_targets;
int scst_register_target_template(struct scst_tgt_template *tt);
/* Caller holds scst_mutex. */
struct scst_tgt *scst_find_target(struct scst_tgt_template *tt, const char *name);
/* Told of each device once it is added (without scst_mutex held), e.g.
 * so that the copy manager gives it a LUN.  Registered at start-up. */
struct scst_dev_observer {
	struct list_head node;
	void (*added)(struct scst_device *dev);
	/* Optional: the device's INQUIRY data changed (its handler's
	 * identity attributes), told on the thread that changed it. */
	void (*inquiry_changed)(struct scst_device *dev);
};
void scst_register_dev_observer(struct scst_dev_observer *obs);
/* Whether one of acg's initiator name patterns selects initiator
 * (caller holds scst_mutex). */
bool scst_acg_matches(const struct scst_acg *acg, const char *initiator);
/* A LUN of dev_name for acg (the management tree's add, and a target
 * that gives itself LUNs: the copy manager).  0 or -errno with a
 * one-line reason in err; takes scst_mutex. */
int scst_acg_add_lun(struct scst_acg *acg, uint64_t lun, const char *dev_name, bool read_only,
		     char *err, size_t errlen);
/* Return NULL / -errno with a one-line reason in err. */
struct scst_tgt *scst_add_target(struct scst_tgt_template *tt, const char *name, void *tgt_priv,
				 char *err, size_t errlen);
int scst_del_target(struct scst_tgt *tgt, char *err, size_t errlen);

/* ---------------------------------------------------------------------- */
/* Sessions and commands (called by target drivers on the session's loop)  */

/* Whether name can name an object of the management tree (a session is
 * listed under its initiator's name): non-empty, shorter than
 * SCST_NAME_MAX, no control characters, spaces or '/', not "." or "..". */
bool scst_name_valid(const char *name);
struct scst_session *scst_register_session(struct scst_tgt *tgt, const char *initiator_name,
					   void *tgt_priv, struct ioloop *loop);
/* The I/O loop a new session of initiator_name on tgt belongs on, by the
 * io_grouping_type and cpu_mask of the group it will get (io_group.c).
 * Takes scst_mutex.  NULL when neither decides (the first session of its
 * I/O group, `never`): the transport places it as it likes. */
struct ioloop *scst_io_home(struct scst_tgt *tgt, const char *initiator_name);
/* A move_session the transport finished (to: the loop it went to; the
 * session's own loop when it gave up).  Not under scst_mutex. */
void scst_session_moved(struct scst_session *sess, struct ioloop *to);
/* All commands must have been released (scst_tgt_cmd_done) first. */
void scst_unregister_session(struct scst_session *sess);
/* Marks every command of the session aborted (connection loss). */
void scst_session_abort_all(struct scst_session *sess);
/* Marks one command aborted (loss of the connection it came on, MC/S). */
void scst_cmd_abort(struct scst_cmd *cmd);
/* Adds nexuses for LUNs added to the session's group since login.  Call
 * on the session's loop; 0 or -ENOMEM. */
int scst_session_sync_luns(struct scst_session *sess);
/* A TransportID kept verbatim as a PR name ("tid:" and its bytes in hex),
 * for an initiator port whose TransportID has no name form of its
 * transport's (scst_local's transport_id); READ FULL STATUS reports it
 * byte for byte.  Returns 0, or -ENAMETOOLONG when it does not fit size. */
int scst_pr_verbatim_name(const uint8_t *tid, uint32_t len, char *name, size_t size);

/* The PR identity of the session (pr_name or initiator_name). */
const char *scst_sess_pr_name(const struct scst_session *sess);
/* Sets it; name must stay valid until the session is unregistered. */
void scst_session_set_pr_name(struct scst_session *sess, const char *name);

/* Decodes an 8-byte SAM LUN (peripheral or flat); UINT64_MAX if invalid. */
uint64_t scst_unpack_lun(const uint8_t lun[8]);
void scst_pack_lun(uint64_t lun, enum scst_addr_method method, uint8_t out[8]);

/* Creates a command from a CDB; returns NULL only when out of memory. */
struct scst_cmd *scst_rx_cmd(struct scst_session *sess, const uint8_t lun[8], const uint8_t *cdb,
			     unsigned cdb_len);
void scst_cmd_set_expected(struct scst_cmd *cmd, enum scst_data_dir dir, uint32_t len);
/* Parses and checks; then either calls tgtt->rdy_to_xfer (WRITE data
 * needed), runs the command, or calls tgtt->xmit_response (error). */
void scst_cmd_init_done(struct scst_cmd *cmd);

/* Zero-copy READ: before scst_cmd_init_done, a transport that hands READ
 * data only to the kernel (no user-space digest or copy of it) lets the
 * handler lend the data in place; at xmit_response the data is then at
 * scst_cmd_resp_data, which is cmd->buf unless the handler lent it. */
static inline void scst_cmd_take_lent_data(struct scst_cmd *cmd)
{
	cmd->tgt_takes_lent_data = true;
}

static inline const uint8_t *scst_cmd_resp_data(const struct scst_cmd *cmd)
{
	return cmd->resp_lent ? cmd->resp_lent : cmd->buf;
}
/* WRITE data fetched (ok) or its transfer failed (!ok). */
void scst_rx_data(struct scst_cmd *cmd, bool ok);
/* The transport is done with the command: frees it. */
void scst_tgt_cmd_done(struct scst_cmd *cmd);
/* Buffer hand-over for a transport that moves data between commands of
 * its own without copying it (the copy manager: a READ's data becomes a
 * WRITE's).  take: the transport owns cmd's data buffer (NULL when it has
 * none) and frees it with scst_buf_free(buf, *size) on the same loop, or
 * gives it to another command; adopt, from rdy_to_xfer only: cmd writes
 * from buf (size bytes, at least cmd->write_len) instead of its own. */
void *scst_cmd_take_buf(struct scst_cmd *cmd, uint32_t *size);
void scst_cmd_adopt_buf(struct scst_cmd *cmd, void *buf, uint32_t size);

/* Runs a task management function.  tgtt->task_mgmt_fn_done() is called
 * when it has finished, never before this returns.  Returns 0, or
 * -ENOMEM when nothing was started. */
int scst_rx_mgmt_fn(struct scst_session *sess, enum scst_tm_fn fn, const uint8_t lun[8],
		    uint64_t tag, void *tgt_priv);
void scst_mgmt_cmd_free(struct scst_mgmt_cmd *mcmd);
/* Delivers the responses and TMF answers the calls above left queued
 * (no-op while one of them is running on the thread).  On an I/O loop
 * they go at the end of the loop iteration anyway; a transport may take
 * them earlier between its calls into the core.  Off the I/O threads
 * (unit tests, tools driving the core) the caller must drain. */
void scst_completions_drain(void);

#endif
