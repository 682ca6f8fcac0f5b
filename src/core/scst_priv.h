/* scst_priv.h - declarations shared between the core's own files only. */
#ifndef SCSTD_CORE_SCST_PRIV_H
#define SCSTD_CORE_SCST_PRIV_H

#include "scsi_op.h"
#include "scst.h"

void scst_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* SCST's initiator name patterns: '*', '?', case-insensitive, the first
 * '!' inverting the rest. */
bool scst_wildcmp(const char *pattern, const char *name);

/* Commands the core executes itself (REPORT LUNS, REQUEST SENSE, INQUIRY
 * for a LUN that does not exist). */
void scst_core_exec(struct scst_cmd *cmd);
/* True when scst_core_exec runs the command with that id (test_op_exec.c). */
bool scst_core_op_has_executor(enum scsi_op_id id);

/* Takes the oldest pending UA of the nexus into cmd's sense; false if none. */
bool scst_tgt_dev_pop_ua(struct scst_tgt_dev *tgt_dev, struct scst_cmd *cmd);
void scst_tgt_dev_clear_uas(struct scst_tgt_dev *tgt_dev);

/* Task attributes (task_order.c).  admit: false when cmd must wait; it
 * is then continued by scst_cmd_resume_after_order (cmd.c).  finished:
 * cmd is released. */
bool scst_order_admit(struct scst_cmd *cmd);
void scst_order_finished(struct scst_cmd *cmd);
/* Takes a held cmd off its nexus's queue (it is being aborted); false when
 * it was not held. */
bool scst_order_unhold(struct scst_cmd *cmd);
void scst_cmd_resume_after_order(struct scst_cmd *cmd);

/* The completion rule (cmd_deliver.c): every transport-facing entry
 * point runs between scst_core_enter and scst_core_leave; responses and
 * TMF answers go to the transport through scst_deliver_*, which queue
 * them while any entry point is running on the thread. */
void scst_core_enter(void);
void scst_core_leave(void);
void scst_deliver_response(struct scst_cmd *cmd);
/* Unpins mcmd's session and calls task_mgmt_fn_done, when allowed. */
void scst_deliver_mgmt_answer(struct scst_mgmt_cmd *mcmd);

/* Task management bookkeeping when an aborted command is released. */
void scst_mgmt_cmd_cmd_released(struct scst_mgmt_cmd *mcmd);

/* Command abort with TMF accounting (tm.c). */
void scst_abort_cmd(struct scst_cmd *cmd, struct scst_mgmt_cmd *mcmd);
/* PREEMPT AND ABORT (tm.c): aborts the commands of the n preempted I_T
 * nexuses on cmd's device, cmd excepted, on whatever loop they live.
 * true: cmd is completed (scst_cmd_done) once they are released, maybe
 * before this returns (its response then waits for the completion rule);
 * false: nothing to wait for, the caller completes. */
struct scst_pr_nexus;
bool scst_preempt_abort(struct scst_cmd *cmd, const struct scst_pr_nexus *preempted, unsigned n);
/* PREEMPT AND ABORT through another daemon of a shared device: aborts
 * the commands of the n nexuses here, with no command to complete. */
void scst_preempt_abort_remote(struct scst_device *dev, const struct scst_pr_nexus *preempted,
			       unsigned n);

/* Queues a UA on one nexus; caller holds tgt_dev->dev->lock (ua.c). */
void scst_tgt_dev_queue_ua_locked(struct scst_tgt_dev *tgt_dev, enum scst_sense_id id);

/* Reservations (reserve.c): the check step's conflict test (false: cmd
 * now carries RESERVATION CONFLICT), RESERVE/RELEASE(6/10), and the events
 * that end an SPC-2 reservation. */
bool scst_check_reservation(struct scst_cmd *cmd);
void scst_reserve_exec(struct scst_cmd *cmd);
void scst_release_exec(struct scst_cmd *cmd);
void scst_reserve_reset(struct scst_device *dev);
void scst_reserve_session_gone(struct scst_device *dev, const struct scst_session *sess);

/* session.c: the group an initiator name selects (the first whose
 * patterns match, else the default one); caller holds scst_mutex. */
struct scst_acg *scst_select_acg(struct scst_tgt *tgt, const char *initiator);
/* A parameter SCST's list for dt has and dt does not accept: 0 at SCST's
 * default (drop it), -1 refused (err set), 1 not such a parameter. */
int scst_only_param(const struct scst_dev_type *dt, const char *key, const char *value,
		    char *err, size_t errlen);
/* session.c: I_T_L nexuses of a session (caller holds scst_mutex). */
struct scst_tgt_dev *scst_tgt_dev_create(struct scst_session *sess, struct scst_acg_dev *ad,
					 enum scst_sense_id first_ua);
/* A LUN removed live: off its device now, freed by free_retired. */
void scst_tgt_dev_retire(struct scst_tgt_dev *td);
void scst_session_free_retired(struct scst_session *sess);
/* Recomputes dev->resv_active; caller holds dev->lock. */
void scst_resv_update_hint(struct scst_device *dev);

/* Persistent reservations as commands and device state (pr_cmd.c). */
/* 0, or -errno with a reason in err (a shared state that cannot be read). */
int scst_pr_dev_init(struct scst_device *dev, char *err, size_t errlen);
void scst_pr_dev_free(struct scst_device *dev);
void scst_pr_in(struct scst_cmd *cmd);
/* false: the command completes later (PREEMPT AND ABORT), not by the caller. */
bool scst_pr_out(struct scst_cmd *cmd);
/* A target port's rel_tgt_id changes from `from` to `to`: the device's
 * registrations made through it follow (saved when APTPL).  Caller holds
 * dev->lock.  The number moved, or -errno with nothing changed. */
int scst_pr_rekey_port_locked(struct scst_device *dev, uint16_t from, uint16_t to);

/* Removable medium (medium.c): a LUN or target reset and the end of a
 * nexus lift that nexus's (or every) PREVENT. */
void scst_medium_reset(struct scst_device *dev);
void scst_medium_nexus_gone(struct scst_tgt_dev *tgt_dev);

/* Statistics (cmd_stats.c).  now: CLOCK_MONOTONIC in ns.  account: the
 * command is released; counts it on its nexus/session.  The folds keep
 * the counters of a nexus that goes away: into its device (under
 * dev->lock) and, for a retired nexus being freed, into its session. */
uint64_t scst_stats_now(void);
void scst_cmd_account(struct scst_cmd *cmd);
void scst_tgt_dev_fold_into_dev(struct scst_tgt_dev *td);
void scst_session_fold_retired(struct scst_session *sess, const struct scst_tgt_dev *td);
/* Tells acg's target driver of a LUN added or replaced (tgtt->lun_added);
 * without scst_mutex held. */
void scst_tell_lun_added(struct scst_acg *acg, uint64_t lun);

#endif
