/* iscsi_isns.h - registration of the daemon's iSCSI targets and portals
 * with an iSNS server (RFC 4171) through libisns: the driver attribute
 * iSNSServer, change notifications from the driver, deregistration on
 * shutdown, and iSNSAccessControl (logins and SendTargets limited to the
 * initiators the server shows a target).  Everything libisns does runs on the module's own thread. */
#ifndef SCSTD_ISCSI_ISNS_H
#define SCSTD_ISCSI_ISNS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/attr_rules.h"

#define ISCSI_ISNS_SERVER_MAX (ATTR_ISNS_SERVER_LEN + 1)

/* "host[:port]" starts (or moves) the registration; "" stops it and
 * deregisters.  0, or -EINVAL with a reason in err. */
int iscsi_isns_set_server(const char *value, char *err, size_t errlen);
/* The current iSNSServer value ("" when none); false when none is set. */
bool iscsi_isns_server(char *buf, size_t len);
/* iSNSAccessControl: "Yes"/"No" (or 1/0); 0 or -EINVAL with a reason. */
int iscsi_isns_set_access_control(const char *value, char *err, size_t errlen);
bool iscsi_isns_access_control(void);
/* Whether initiator may log in to target and see it in SendTargets: always
 * without access control (or without a server), else only when the iSNS
 * server showed the initiator to the target. */
bool iscsi_isns_access_allowed(const char *target, const char *initiator);
/* The set of targets, their enabled state or the portals changed. */
void iscsi_isns_changed(void);
/* Deregisters and ends the thread (daemon shutdown); blocks briefly. */
void iscsi_isns_stop(void);

#endif
