/* copy_resolve.h - where EXTENDED COPY finds the devices its CSCD
 * descriptors name: the one copy resolver, which a target driver (the
 * copy manager) registers at start-up, and the calls a handler makes to
 * find and pin such a device and to unpin it.  Handlers and targets meet
 * here, neither knowing the other. */
#ifndef SCSTD_CORE_COPY_RESOLVE_H
#define SCSTD_CORE_COPY_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scst_common.h"

struct scst_copy_resolver {
	/* The device whose logical unit has the designator desig (an
	 * identification descriptor, SPC-4 7.8.6.1: code set, association
	 * and type, length, designator; len bytes in all) and that the
	 * initiator may copy from or to; NULL when none is.  Called with
	 * scst_mutex held. */
	struct scst_device *(*find)(const uint8_t *desig, size_t len, const char *initiator);
};

/* At start-up, before any command runs; a later one replaces it. */
void scst_register_copy_resolver(const struct scst_copy_resolver *r);

/* The device the registered resolver finds for the initiator of sess,
 * pinned (deletion waits for it) until scst_copy_unpin; NULL when there
 * is no resolver or it finds none. */
struct scst_device *scst_copy_find_pinned(const struct scst_session *sess, const uint8_t *desig,
					  size_t len);
void scst_copy_unpin(struct scst_device *dev);

/* What the resolver may ask of a device's handler without knowing it:
 * whether the copy manager gives the device a LUN of its own accord
 * (SCST's auto_cm_assignment_possible), and the logical unit designators
 * it reports in VPD page 0x83 (bytes written to buf; 0 when none). */
bool scst_copy_dev_auto_assignable(const struct scst_device *dev);
size_t scst_copy_dev_designators(const struct scst_device *dev, uint8_t *buf, size_t len);

#endif
