/* unix_listen.h - a listening UNIX socket at a path, as scstd's local
 * sockets (control, scst_local, scst_user) all want it: missing parent
 * directories created (the last one private), a file left by a dead
 * daemon replaced, a live one refused, the socket 0600. */
#ifndef SCSTD_UTIL_UNIX_LISTEN_H
#define SCSTD_UTIL_UNIX_LISTEN_H

/* type: SOCK_STREAM or SOCK_SEQPACKET.  The listening fd (close-on-exec),
 * or -errno: -EADDRINUSE when a daemon answers at path, -ENAMETOOLONG. */
int unix_listen_open(const char *path, int type, int backlog);

#endif
