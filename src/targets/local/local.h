/* local.h - the scst_local target driver's public face: what the daemon
 * calls to register it, create the default target, and start and stop its
 * two access paths (the raw command socket and the FUSE LUN files). */
#ifndef SCSTD_TARGETS_LOCAL_LOCAL_H
#define SCSTD_TARGETS_LOCAL_LOCAL_H

#include <stdbool.h>

#define LOCAL_DEFAULT_TGT "scst_local_tgt"
#define LOCAL_DEFAULT_SESS "scst_local_host"
#define LOCAL_SOCKET_DEFAULT "/run/scst/scst_local.sock"

/* Registers the "scst_local" template and its management entries. */
int local_init(void);
/* add_default_tgt: target scst_local_tgt with session scst_local_host.
 * Needs the I/O threads running. */
int local_add_default_target(void);
/* Raw command socket (libscst_local); 0 or -errno (logged). */
int local_sock_start(const char *path);
void local_sock_stop(void);
/* The sessions' LUNs as files under dir; 0 or -errno (logged). */
int local_fuse_start(const char *dir);
void local_fuse_stop(void);
/* Says once whether local LUNs could become ublk block devices. */
void local_ublk_probe(void);
/* Every LUN of every local session as a ublk block device (/dev/ublkbN),
 * kept in step with the configuration; 0 or -errno (logged). */
int local_ublk_start(void);
void local_ublk_stop(void);
/* Ends every local session (before the I/O threads stop). */
void local_shutdown(void);

#endif
