/* write_all.h - writing a whole buffer to a descriptor that may take it in
 * parts (sockets, pipes, files), the one loop the daemon, scstadmin and
 * scstctl share for their blocking writes. */
#ifndef SCSTD_UTIL_WRITE_ALL_H
#define SCSTD_UTIL_WRITE_ALL_H

#include <stddef.h>

/* Writes len bytes, retrying short writes and EINTR.  0, or -errno (-EIO
 * when the descriptor takes nothing: a closed peer may say so with 0). */
int write_all(int fd, const void *buf, size_t len);

#endif
