/* mgmt_access.h - configuration calls the management tree needs beyond
 * the registry's (removing LUNs, groups and initiator names, changing a
 * target's relative id).  Each takes scst_mutex, validates fully first and
 * returns 0 or -errno with a one-line reason in err. */
#ifndef SCSTD_CORE_MGMT_ACCESS_H
#define SCSTD_CORE_MGMT_ACCESS_H

#include "core/scst.h"

/* LUN set changes apply to the group; the caller then brings the live
 * sessions in line with scst_acg_resync_sessions. */
int scst_acg_del_lun(struct scst_acg *acg, uint64_t lun, char *err, size_t errlen);
int scst_acg_clear_luns(struct scst_acg *acg, char *err, size_t errlen);
/* del_device of an exported device (SCST removes its LUNs): deletes every
 * LUN of dev_name in every group; the groups changed (at most max: a
 * group beyond keeps its LUNs) are stored in acgs for the caller's
 * scst_acg_resync_sessions.  Returns their number. */
size_t scst_dev_unexport(const char *dev_name, struct scst_acg **acgs, size_t max);
/* Points an existing LUN at another device (or adds it). */
int scst_acg_replace_lun(struct scst_acg *acg, uint64_t lun, const char *dev_name,
			 bool read_only, char *err, size_t errlen);
/* lun_resync.c: updates the LUN tables of acg's sessions on their loops
 * and queues the UAs; replaced_lun (UINT64_MAX: none) got a new device.
 * Management thread only, without scst_mutex held. */
void scst_acg_resync_sessions(struct scst_acg *acg, uint64_t replaced_lun);
/* lun_resync.c: moves each session of tgt whose initiator name now
 * selects another group to that group (after initiator name changes),
 * with REPORTED LUNS DATA HAS CHANGED when its LUN set changes.  Same
 * calling rules as scst_acg_resync_sessions. */
void scst_tgt_reassign_sessions(struct scst_tgt *tgt);
/* Moves initiator name from acg to the target's group dest_name; refused
 * (nothing changed) when either is missing or dest has the name. */
int scst_acg_move_initiator(struct scst_acg *acg, const char *name, const char *dest_name,
			    char *err, size_t errlen);
/* Deleting a group is refused (-EBUSY) while any session uses it. */
struct scst_acg_dev *scst_acg_find_lun(struct scst_acg *acg, uint64_t lun);
int scst_del_acg(struct scst_acg *acg, char *err, size_t errlen);
int scst_acg_del_initiator(struct scst_acg *acg, const char *name, char *err, size_t errlen);
void scst_acg_clear_initiators(struct scst_acg *acg);
bool scst_acg_has_initiator(struct scst_acg *acg, const char *name);
/* pr_cmd.c: logs dev's persistent reservation state (dump_prs). */
void scst_pr_dump(struct scst_device *dev);
/* A disabled target may take any id (a shared one blocks enabling it);
 * an enabled one only an id no other target has (EBADSLT), its PR
 * registrations following it (EBUSY when a disabled target shares its
 * current id). */
int scst_tgt_set_rel_tgt_id(struct scst_tgt *tgt, unsigned id, char *err, size_t errlen);

#endif
