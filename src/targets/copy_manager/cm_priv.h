/* cm_priv.h - what the copy manager's files share. */
#ifndef SCSTD_TARGETS_COPY_MANAGER_CM_PRIV_H
#define SCSTD_TARGETS_COPY_MANAGER_CM_PRIV_H

#include "core/copy_resolve.h"
#include "core/scst_tgt.h"

/* copy_manager_tgt, made by copy_manager_init and never deleted. */
extern struct scst_tgt *cm_tgt;

/* The copy engine it registers with the core (cm_resolve.c, cm_copy.c). */
extern const struct scst_copy_engine cm_engine;
struct scst_device *cm_find(const uint8_t *desig, size_t len, const char *initiator,
			    uint64_t *lun);
int cm_copy(struct scst_copy_range *r);
void cm_copy_abort(struct scst_copy_range *r);

/* Its files in the management tree (cm_mgmt.c). */
int cm_mgmt_register(void);

/* ---- copy_manager_sess (cm_session.c) ---- */

/* What a command of the session is for: the first member of whatever its
 * tgt_priv points to. */
enum cm_cmd_kind { CM_CMD_INQUIRY, CM_CMD_COPY };

int cm_session_init(void);
/* At shutdown, once the loops have stopped: the session ends
 * (tgtt->close_sessions, before copy_manager_tgt is deleted). */
void cm_close_sessions(struct scst_tgt *tgt);
/* The session's loop (its commands run there); NULL before the loops run. */
struct ioloop *cm_session_loop(void);
/* On the session's loop: a command of the session to lun (its nexus table
 * brought up to date with the LUN set first), tgt_priv set; NULL when out
 * of memory.  The caller sets what is expected and calls init_done. */
struct scst_cmd *cm_session_cmd(uint64_t lun, const uint8_t *cdb, unsigned cdb_len,
				void *tgt_priv);
/* Learns the designators of the device at lun with the INQUIRY SCST's
 * copy manager sends (tgtt->lun_added). */
void cm_lun_added(struct scst_tgt *tgt, uint64_t lun);
/* The device's INQUIRY data changed: as SCST's scst_cm_update_dev, the
 * session asks its LUN again, for a device the copy manager takes of its
 * own accord (the device observer's inquiry_changed). */
void cm_inquiry_changed(struct scst_device *dev);
/* Whether the device at lun reported the designator desig (len bytes)
 * in its VPD page 0x83 to the session. */
bool cm_lun_has_designator(uint64_t lun, const struct scst_device *dev, const uint8_t *desig,
			   size_t len);

/* The template's callbacks: by the command's kind. */
void cm_xmit_response(struct scst_cmd *cmd);
void cm_rdy_to_xfer(struct scst_cmd *cmd);
/* Those for commands of kind CM_CMD_COPY (cm_copy.c). */
void cm_copy_rdy_to_xfer(struct scst_cmd *cmd);
void cm_copy_xmit_response(struct scst_cmd *cmd);

#endif
