/* config.h - scstd's scst.conf at start and on reload: the model and
 * parser are the shared engine's (conf/conf.h); this applies a parsed
 * tree to the daemon's own management tree (config_tree.c). */
#ifndef SCSTD_MGMT_CONFIG_H
#define SCSTD_MGMT_CONFIG_H

#include <stddef.h>

#include "conf/conf.h"

/* Makes the running configuration the one root describes, with
 * the shared apply algorithm (conf/conf_apply.c) on the management tree
 * (config_tree.c).
 * Returns 0 or -errno with the reason (and line, column) in err. */
int cfg_apply(const struct cfg_node *root, char *err, size_t errlen);
/* The same as `scstadmin -config` without -force (the reload on SIGHUP):
 * targets are changed while enabled, so their sessions go on, and targets
 * root does not list stay.  Nothing changes when root is refused. */
int cfg_apply_changes(const struct cfg_node *root, char *err, size_t errlen);

#endif
