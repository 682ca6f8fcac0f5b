/* ops.h - scstadmin's single-change actions with SCST scstadmin's command
 * line (-open_dev, -add_lun, -set_dev_attr, -add_tgt_attr ...): each is
 * one or a few writes to the management tree's mgmt files and attributes. */
#ifndef SCSTADMIN_OPS_H
#define SCSTADMIN_OPS_H

#include <stdbool.h>

#include "conf/conf_tree.h"

/* The qualifying options of SCST's scstadmin. */
struct op_args {
	const char *driver, *target, *group, *device, *handler, *attributes, *to;
	bool force;
};

/* Whether name (without dashes) is one of these actions, and whether it
 * takes a value (-open_dev NAME) or not (-clear_luns). */
bool op_known(const char *name, bool *takes_value);
/* Runs it; the process exit status (0 success, 1 failure with the reason
 * on stderr, 2 missing options). */
int op_run(struct tree *t, const char *name, const char *value, const struct op_args *a);

#endif
