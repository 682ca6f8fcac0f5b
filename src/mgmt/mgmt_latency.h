/* mgmt_latency.h - a session's latency directory and its lunX
 * subdirectories (mgmt_latency.c). */
#ifndef SCSTD_MGMT_LATENCY_H
#define SCSTD_MGMT_LATENCY_H

#include "mgmt/tree.h"

/* sessions/<ini>/latency/. */
extern const struct mgmt_dir_ops mgmt_session_latency_dir;
/* lunX children of a session directory (dir->sess). */
int mgmt_session_lun_lookup(const struct mgmt_node *dir, const char *name,
			    struct mgmt_node *child);
void mgmt_session_lun_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx);

#endif
