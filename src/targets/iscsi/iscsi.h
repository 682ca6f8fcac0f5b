/* iscsi.h - the iSCSI target driver's public face: what the daemon calls to
 * register the "iscsi" target template, open portals and shut down. */
#ifndef SCSTD_TARGETS_ISCSI_ISCSI_H
#define SCSTD_TARGETS_ISCSI_ISCSI_H

/* Registers the "iscsi" scst_tgt_template; 0 or -errno. */
int iscsi_init(void);
/* Listens on "a.b.c.d:port", "[v6]:port" or "0.0.0.0:port"; 0 or -errno. */
int iscsi_add_portal(const char *addr_port);
/* Closes every listening socket; existing sessions go on. */
void iscsi_stop_accepting(void);
/* Lets in-flight commands finish, then closes every connection; blocks
 * until done (or a few seconds passed).  Called from the main thread. */
void iscsi_shutdown(void);

#endif
