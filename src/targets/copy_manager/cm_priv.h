/* cm_priv.h - what the copy manager's files share. */
#ifndef SCSTD_TARGETS_COPY_MANAGER_CM_PRIV_H
#define SCSTD_TARGETS_COPY_MANAGER_CM_PRIV_H

#include "core/copy_resolve.h"
#include "core/scst_tgt.h"

/* copy_manager_tgt, made by copy_manager_init and never deleted. */
extern struct scst_tgt *cm_tgt;

/* The copy resolver it registers with the core (cm_resolve.c). */
extern const struct scst_copy_resolver cm_resolver;

/* Its files in the management tree (cm_mgmt.c). */
int cm_mgmt_register(void);

#endif
