/* mgmt_latency.h - the latency files of a session's management directory
 * and its lunX subdirectories (mgmt_latency.c). */
#ifndef SCSTD_MGMT_LATENCY_H
#define SCSTD_MGMT_LATENCY_H

#include "mgmt/tree.h"

/* sessions/<ini>/latency. */
int mgmt_show_session_latency(const struct mgmt_node *n, struct mgmt_buf *out);
int mgmt_store_session_latency(const struct mgmt_node *n, const char *value, char *err,
			       size_t errlen);
/* lunX children of a session directory (dir->sess). */
int mgmt_session_lun_lookup(const struct mgmt_node *dir, const char *name,
			    struct mgmt_node *child);
void mgmt_session_lun_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx);

#endif
