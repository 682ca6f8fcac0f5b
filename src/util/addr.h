/* addr.h - "ADDR:PORT" and "[IPv6]:PORT" listening addresses (addr.c). */
#ifndef SCSTD_UTIL_ADDR_H
#define SCSTD_UTIL_ADDR_H

#include <sys/socket.h>

/* Numeric host and port only; 0 or -EINVAL. */
int addr_parse_host_port(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen);

#endif
