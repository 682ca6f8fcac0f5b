/* ctl_proto.h - what the server of the management control socket
 * (mgmt/ctl_socket.c) and its clients (scstctl, the scst.conf engine's
 * socket tree in conf/conf_tree.c) agree on: where it is and how long a
 * request line may be.  The verbs and replies are described in
 * mgmt/ctl_socket.h. */
#ifndef SCSTD_UTIL_CTL_PROTO_H
#define SCSTD_UTIL_CTL_PROTO_H

#define CTL_SOCKET_DEFAULT "/run/scst/scstd.sock"
#define CTL_MAX_LINE 8192

#endif
