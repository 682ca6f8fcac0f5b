/* user_dev.h - what the scst_user handler's parts share: the per-device
 * state of a device served by an out-of-process handler (user_dev.c), the
 * handler connection that serves it (user_conn.c) and the socket handlers
 * attach through (user_listen.c).  Protocol: src/lib/scst_user_wire.h,
 * docs/user-handlers.md. */
#ifndef SCSTD_HANDLERS_USER_DEV_H
#define SCSTD_HANDLERS_USER_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/scst_dev.h"

#define USER_CMD_TIMEOUT_DEFAULT_S 30

struct user_conn;

struct user_dev {
	/* conn and tearing down, and the wait for a connection to go. */
	pthread_mutex_t lock;
	pthread_cond_t conn_gone;
	struct user_conn *conn;          /* the attached handler, or NULL */
	pid_t pid;                       /* its process (SO_PEERCRED), 0 if none */
	uint64_t attaches;               /* handlers attached so far */
	unsigned cmd_timeout_s;          /* a request not answered by then ends the connection */
	struct scst_device *dev;
	/* CDB mode (type= at add_device): the handler is the device server
	 * of a device of this peripheral type; block_size is what fixed-
	 * block tape transfers count in when a handler attaches. */
	bool cdb_mode;
	uint32_t block_size;
	/* Created by its handler process (REGISTER), not by management: it
	 * goes when the handler does, unless LUNs still export it. */
	bool registered;
};

/* Requests of a CDB-mode device carry the whole command (its CDB, buffer
 * and direction) instead of a byte range; the kind is scstd's only. */
#define USER_REQ_CMD 0x100

struct scu_cmd_done;
struct scu_register;

extern struct scst_dev_type scst_user_type;

/* Attaches a connection speaking mode (ATTACH's) to the scst_user device
 * called name (under scst_mutex): the device, or NULL with -errno and the
 * reason in err (ENOENT no such device, EINVAL not an scst_user device or
 * not of that mode and type, EBUSY already served). */
struct user_dev *user_dev_attach(const char *name, uint32_t mode, struct user_conn *conn, pid_t pid,
				 int *rc, char *err, size_t errlen);
/* REGISTER: creates the CDB-mode device r names and attaches conn to it,
 * or takes back a device the handler registered before and left (kept
 * for its LUNs) when it is of the same type.  Without scst_mutex held.
 * The device, or NULL with -errno and the reason in err (-EEXIST the name
 * is taken, -EINVAL a name scstd refuses). */
struct user_dev *user_dev_register(const struct scu_register *r, struct user_conn *conn, pid_t pid,
				   int *rc, char *err, size_t errlen);
/* The handler of registered device `name` has gone (or asked to
 * unregister): the device is deleted unless LUNs still export it, then it
 * stays, offline, until its handler registers it again.  0 or -errno with
 * the reason in err. */
int user_dev_unregister(const char *name, char *err, size_t errlen);
/* A CDB-mode command answered (d) or failed (res < 0: -ENOTCONN, -ETIMEDOUT,
 * -E2BIG longer than the handler's largest transfer, -ECANCELED given up
 * by the handler after an abort), on its loop. */
void user_cmd_answered(struct scst_cmd *cmd, int res, const struct scu_cmd_done *d);
/* The connection is gone: no request of it is outstanding any more. */
void user_dev_conn_gone(struct user_dev *ud);

/* A caller of user_conn_queue that waits for the answer itself
 * (EXTENDED COPY's synchronous copy) instead of a command. */
struct user_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int result;
};

/* Queues one backend request (submit, flush, or USER_REQ_CMD: the whole
 * command, buf and len its buffer) to the connection, for
 * cmd (completed on its loop) or for w (signalled); false when the
 * connection is dead (the caller completes).  Called with ud->lock held. */
bool user_conn_queue(struct user_conn *c, struct scst_cmd *cmd, struct user_wait *w,
		     unsigned kind, uint8_t *buf, uint32_t len, uint64_t off);
/* Task management reached cmd, a USER_REQ_CMD of the connection (on its
 * loop, ud->lock held): true when the request had not reached the handler
 * and is taken back (the caller completes cmd); otherwise a handler that
 * takes TM messages is told (fn: SCU_TM_*) and cmd ends when it gives the
 * command up or answers it. */
bool user_conn_abort(struct user_conn *c, struct scst_cmd *cmd, uint8_t fn);
/* The logical unit was reset: a TM-capable handler is told. */
void user_conn_reset(struct user_conn *c);
/* Asks the connection to end (device deletion); it calls
 * user_dev_conn_gone when its requests are all completed. */
void user_conn_hangup(struct user_conn *c);
/* Runs one handler connection on the calling thread until it ends, then
 * closes fd: the attach handshake, then requests and answers. */
void user_conn_serve(int fd);

#endif
