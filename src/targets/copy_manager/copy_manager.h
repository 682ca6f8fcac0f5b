/* copy_manager.h - SCST's copy manager as a target driver: the driver
 * "copy_manager" with its one target "copy_manager_tgt", whose LUNs are
 * the devices EXTENDED COPY may name as copy sources and destinations
 * (README.scst-3.x "EXTENDED COPY").  Handlers do not call it: it
 * registers the core's copy engine (core/copy_resolve.h), through which
 * they find the device a CSCD descriptor designates. */
#ifndef SCSTD_TARGETS_COPY_MANAGER_H
#define SCSTD_TARGETS_COPY_MANAGER_H

#include <stdbool.h>

#include "core/scst_tgt.h"

#define CM_DRIVER "copy_manager"
#define CM_TARGET "copy_manager_tgt"

/* Registers the driver, makes copy_manager_tgt, starts following the
 * devices (each device of a handler with auto_cm_assignment_possible gets
 * a LUN when it is added) and registers the copy engine.  Before any
 * device is added. */
int copy_manager_init(void);
/* Once the I/O loops run, before any device is added: places
 * copy_manager_sess, the session of the copy manager's own commands, on
 * its loop. */
void copy_manager_start(void);

/* README.scst-3.x allow_not_connected_copy: when false (the default) an
 * initiator copies only between devices some target exports to it. */
bool copy_manager_allow_not_connected(void);
void copy_manager_set_allow_not_connected(bool on);

#endif
