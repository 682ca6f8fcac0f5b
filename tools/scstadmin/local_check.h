/* local_check.h - -check_config's checks of what a configuration names on
 * this machine (local_check.c). */
#ifndef SCSTADMIN_LOCAL_CHECK_H
#define SCSTADMIN_LOCAL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

/* Whether process pid sees the files scstadmin sees (the same mount
 * namespace): only then is a path checked here the daemon's. */
bool same_mount_namespace(int pid);
/* The backing files and pass-through devices of the devices root defines
 * that the tree t does not have yet (an existing device keeps the file it
 * opened): each one add_device would refuse is reported; returns how
 * many. */
size_t local_check(struct tree *t, const struct cfg_node *root, conf_value_report report,
		   void *ctx);

#endif
