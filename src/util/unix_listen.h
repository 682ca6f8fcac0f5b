/* unix_listen.h - the UNIX-socket servers of scstd's local interfaces
 * (control socket, scst_local's command socket, scst_user's handler
 * socket): the socket at a path as they all want it (missing parent
 * directories created, the last one private; a file left by a dead daemon
 * replaced, a live one refused; 0600), and the thread that accepts on it
 * until told to stop.  What a connection gets is the caller's. */
#ifndef SCSTD_UTIL_UNIX_LISTEN_H
#define SCSTD_UTIL_UNIX_LISTEN_H

#include <pthread.h>
#include <stdbool.h>

/* type: SOCK_STREAM or SOCK_SEQPACKET.  The listening fd (close-on-exec),
 * or -errno: -EADDRINUSE when a daemon answers at path, -ENAMETOOLONG. */
int unix_listen_open(const char *path, int type, int backlog);

struct unix_server {
	int fd;                          /* listening socket; -1: not running */
	/* Readable once stopping: connection threads poll stop[0] too. */
	int stop[2];
	pthread_t thread;
	bool running;
	char path[108];
	/* Called on the accept thread with each new connection, which it
	 * owns (closes it or hands it on). */
	void (*on_accept)(int fd);
};

#define UNIX_SERVER_INIT(fn) { .fd = -1, .stop = { -1, -1 }, .on_accept = (fn) }

/* Opens the socket and starts accepting; 0 or -errno (nothing left open). */
int unix_server_start(struct unix_server *s, const char *path, int type, int backlog);
/* Stops accepting and wakes every poller of stop[0]; the socket stays
 * until unix_server_close, so connection threads can be drained first. */
void unix_server_stop_accepting(struct unix_server *s);
/* Closes the socket and the stop pipe, removes the path. */
void unix_server_close(struct unix_server *s);

#endif
