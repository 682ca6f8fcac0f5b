/* iscsi_isns.h - registration of the daemon's iSCSI targets and portals
 * with an iSNS server (RFC 4171) through libisns: the driver attribute
 * iSNSServer, change notifications from the driver, deregistration on
 * shutdown.  Everything libisns does runs on the module's own thread. */
#ifndef SCSTD_ISCSI_ISNS_H
#define SCSTD_ISCSI_ISNS_H

#include <stdbool.h>
#include <stddef.h>

#define ISCSI_ISNS_SERVER_MAX 128

/* "host[:port]" starts (or moves) the registration; "" stops it and
 * deregisters.  0, or -EINVAL with a reason in err. */
int iscsi_isns_set_server(const char *value, char *err, size_t errlen);
/* The current iSNSServer value ("" when none); false when none is set. */
bool iscsi_isns_server(char *buf, size_t len);
/* The set of targets, their enabled state or the portals changed. */
void iscsi_isns_changed(void);
/* Deregisters and ends the thread (daemon shutdown); blocks briefly. */
void iscsi_isns_stop(void);

#endif
