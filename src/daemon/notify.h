/* notify.h - systemd's notification protocol (sd_notify): READY, the
 * RELOADING/READY pair of Type=notify-reload, STOPPING and a STATUS line
 * with the sessions and LUNs.  Everything is a no-op unless systemd (or a
 * test) set NOTIFY_SOCKET. */
#ifndef SCSTD_DAEMON_NOTIFY_H
#define SCSTD_DAEMON_NOTIFY_H

#include <stdbool.h>

/* Whether NOTIFY_SOCKET was set at start. */
bool notify_enabled(void);
void notify_ready(void);
/* RELOADING=1 with MONOTONIC_USEC, before a reload starts. */
void notify_reloading(void);
void notify_stopping(void);
/* STATUS= when the number of sessions or LUNs changed since the last. */
void notify_status_update(void);

#endif
