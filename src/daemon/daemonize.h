/* daemonize.h - starting in the background with a readiness handshake
 * (the parent exits 0 only once the daemon serves, else with the daemon's
 * failure status), and the pid file. */
#ifndef SCSTD_DAEMON_DAEMONIZE_H
#define SCSTD_DAEMON_DAEMONIZE_H

#include <stdbool.h>

/* Forks; the parent waits for daemon_ready() or the child's end and never
 * returns.  In the child: 0 (a new session); -1 when fork failed. */
int daemon_detach(void);
/* Releases the waiting parent with exit status 0 and detaches stdin and
 * stdout (and stderr unless keep_stderr) from the terminal. */
void daemon_ready(bool keep_stderr);

/* Opens and locks path: -1 (logged) when another live process holds it.
 * The lock dies with the process, so a stale file is simply taken over. */
int pidfile_claim(const char *path);
/* Writes our pid into the claimed file; -1 (logged) on failure. */
int pidfile_write(void);
/* Removes the claimed file; nothing when none was claimed. */
void pidfile_release(void);

#endif
