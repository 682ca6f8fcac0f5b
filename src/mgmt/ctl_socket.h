/* ctl_socket.h - the management control socket: a unix stream socket
 * serving the line protocol of scstctl on its own thread. */
#ifndef SCSTD_MGMT_CTL_SOCKET_H
#define SCSTD_MGMT_CTL_SOCKET_H

#include <stddef.h>

#include "util/ctl_proto.h"

/* Serves one request line; writes the whole reply into out (at most
 * outlen bytes) and returns its length.  Exposed for unit tests.
 *   list PATH | read PATH | readlink PATH | stat PATH | write PATH VALUE...
 * stat answers "dir", "link", "mgmt", "attr rw" or "attr ro".
 * Reply: "ok LEN\n" + LEN bytes of payload, or "err ENAME message\n". */
size_t ctl_handle_line(char *line, char *out, size_t outlen);

/* Creates the socket's directory (0700 when new) and the socket (0600),
 * and starts the serving thread.  0 or -errno (logged). */
int ctl_socket_start(const char *path);
/* Stops the thread and removes the socket file. */
void ctl_socket_stop(void);

#endif
