/* list.h - scstadmin's -list_* commands (printed on stdout). */
#ifndef SCSTADMIN_LIST_H
#define SCSTADMIN_LIST_H

#include "conf/conf_tree.h"

int list_handlers(struct tree *t);
int list_devices(struct tree *t);
int list_targets(struct tree *t);
int list_groups(struct tree *t);
int list_sessions(struct tree *t);

#endif
