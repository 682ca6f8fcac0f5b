/* user.h - the scst_user handler as the daemon sees it: its device type
 * registers with the other handlers (vdisk_register.c); its socket is
 * started and stopped by main. */
#ifndef SCSTD_HANDLERS_USER_H
#define SCSTD_HANDLERS_USER_H

#define USER_SOCKET_DEFAULT "/run/scst/scst_user.sock"

/* 0 or -errno (logged). */
int user_sock_start(const char *path);
void user_sock_stop(void);

#endif
