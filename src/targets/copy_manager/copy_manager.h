/* copy_manager.h - SCST's copy manager as a target driver: the driver
 * "copy_manager" with its one target "copy_manager_tgt", whose LUNs are
 * the devices EXTENDED COPY may name as copy sources and destinations
 * (README.scst-3.x "EXTENDED COPY").  What a handler calls to find the
 * device a CSCD descriptor designates. */
#ifndef SCSTD_TARGETS_COPY_MANAGER_H
#define SCSTD_TARGETS_COPY_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/scst.h"

#define CM_DRIVER "copy_manager"
#define CM_TARGET "copy_manager_tgt"

/* Registers the driver, makes copy_manager_tgt and starts following the
 * devices (each device of a handler with auto_cm_assignment_possible gets
 * a LUN when it is added).  Before any device is added. */
int copy_manager_init(void);

/* README.scst-3.x allow_not_connected_copy: when false (the default) an
 * initiator copies only between devices some target exports to it. */
bool copy_manager_allow_not_connected(void);
void copy_manager_set_allow_not_connected(bool on);

/* The device among copy_manager_tgt's LUNs that has the designator desig
 * (an identification descriptor, SPC-4 7.8.6.1: code set, association and
 * type, length, designator) with LU association, reachable by initiator;
 * NULL when none is.  A found device is pinned (it cannot be deleted)
 * until copy_manager_put. */
struct scst_device *copy_manager_get(const uint8_t *desig, size_t desig_len,
				     const char *initiator);
void copy_manager_put(struct scst_device *dev);

#endif
