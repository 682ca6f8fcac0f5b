/* scstd_user.h - libscst_user: write a SCSI device's medium as a program
 * of your own, served by scstd (its scst_user handler; README.scst-3.x
 * "User space mode using scst_user").  scstd keeps the SCSI side
 * (INQUIRY, mode pages, reservations, task management ...) and asks the
 * program only to move bytes: READ, WRITE and FLUSH of byte ranges of the
 * device.  Data never crosses the socket: it sits in a shared memory area
 * the library creates, and each request points into it.
 *
 *   struct scstu_geometry g;
 *   struct scstu_dev *d = scstu_attach("/run/scst/scst_user.sock", "disk1",
 *                                      16 << 20, &g, err, sizeof(err));
 *   scstu_serve(d, my_backend, my_ctx);   // my_backend(io, ctx): 0 or -errno
 *
 * The device must exist in scstd first (handlers/scst_user/mgmt:
 * add_device disk1 size_mb=1024); one process serves a device at a time.
 * A request must be answered within the device's cmd_timeout, or scstd
 * ends the connection and fails the commands.  Not thread-safe: one thread
 * per struct scstu_dev, or a lock of your own.  Protocol:
 * docs/user-handlers.md.
 *
 * CDB mode, for devices scstd does not emulate (a tape drive, a changer):
 * the device is created with a type (add_device tape0 type=1), the
 * program attaches with scstu_attach_cdb and gets whole commands (CDB,
 * direction, length, data) and answers status, sense and data-in itself;
 * scstd keeps REPORT LUNS, REQUEST SENSE, reservations, persistent
 * reservations, unit attentions and task management (a program attached
 * with scstu_attach_cdb_tm hears of the aborts and resets that concern
 * it).  scstu_register_cdb creates the device itself, no add_device. */
#ifndef SCSTD_USER_H
#define SCSTD_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSTU_SOCKET_DEFAULT "/run/scst/scst_user.sock"

enum scstu_kind {
	SCSTU_READ = 1,                  /* fill data from the medium */
	SCSTU_WRITE = 2,                 /* store data on the medium */
	SCSTU_FLUSH = 3,                 /* make completed writes durable */
};

struct scstu_geometry {
	uint32_t block_size;
	uint64_t size;                   /* bytes */
	bool read_only;
	uint32_t max_io;                 /* longest request's len */
};

struct scstu_io {
	uint64_t tag;                    /* for scstu_complete */
	enum scstu_kind kind;
	uint64_t offset;                 /* byte offset on the device */
	uint32_t len;                    /* 0 for FLUSH */
	void *data;                      /* len bytes, page aligned */
};

struct scstu_dev;

/* CDB mode ------------------------------------------------------------- */

enum scstu_dir {
	SCSTU_DIR_NONE = 0,
	SCSTU_DIR_IN = 1,                /* to the initiator: fill data */
	SCSTU_DIR_OUT = 2,               /* from the initiator: data holds it */
};

struct scstu_cmd {
	uint64_t tag;
	uint64_t lun;
	uint8_t cdb[64];
	unsigned cdb_len;
	enum scstu_dir dir;
	uint32_t len;                    /* bytes the CDB transfers (scstd's parse) */
	void *data;                      /* len bytes, page aligned */
};

struct scstu_reply {
	uint8_t status;                  /* SAM status: 0 GOOD, 2 CHECK CONDITION ... */
	uint8_t sense[96];
	unsigned sense_len;              /* CHECK CONDITION only */
	uint32_t data_len;               /* data-in bytes valid, <= len */
};

/* Like scstu_attach for a CDB-mode device of SCSI peripheral type `type`
 * (the device's type= must be the same).  geometry->block_size is the
 * configured block size, size 0. */
struct scstu_dev *scstu_attach_cdb(const char *socket_path, const char *name, unsigned type,
				   size_t area_bytes, struct scstu_geometry *geometry, char *err,
				   size_t errlen);
/* The next command: 1, 0 none waiting (wait false), -ENOTCONN, -EPROTO. */
int scstu_next_cmd(struct scstu_dev *d, struct scstu_cmd *cmd, bool wait);
/* Answers a command; 0 or -errno when the answer could not be sent or is
 * malformed (-EINVAL: a status that is not a device server's, CHECK
 * CONDITION without sense, data_len over len). */
int scstu_complete_cmd(struct scstu_dev *d, const struct scstu_cmd *cmd,
		       const struct scstu_reply *reply);
/* reply = GOOD with data_len bytes of data-in. */
void scstu_reply_good(struct scstu_reply *reply, uint32_t data_len);
/* reply = CHECK CONDITION with fixed sense (SPC-4 4.5.3) key/asc/ascq. */
void scstu_reply_sense(struct scstu_reply *reply, uint8_t key, uint8_t asc, uint8_t ascq);
/* The loop of scstu_serve for CDB mode: fn fills the reply. */
int scstu_serve_cmds(struct scstu_dev *d,
		     void (*fn)(const struct scstu_cmd *cmd, struct scstu_reply *reply, void *ctx),
		     void *ctx);

/* Task management (CDB mode) ------------------------------------------ */

/* What scstd tells a handler that takes task management (SAM-5 7). */
enum scstu_tm_fn {
	SCSTU_TM_ABORT_TASK = 1,
	SCSTU_TM_ABORT_TASK_SET = 2,
	SCSTU_TM_CLEAR_TASK_SET = 3,
	SCSTU_TM_LUN_RESET = 4,
	SCSTU_TM_TARGET_RESET = 5,
	SCSTU_TM_NEXUS_LOSS = 6,         /* the command's I_T nexus ended */
};

enum scstu_tm_status {
	SCSTU_TM_COMPLETE = 0,           /* the command named is given up */
	SCSTU_TM_REJECTED = 1,           /* it will be answered all the same */
};

struct scstu_tm {
	uint64_t id;
	enum scstu_tm_fn fn;
	uint64_t tag;                    /* the command aborted; 0: the logical unit was reset */
	uint64_t lun;
};

/* scstu_attach_cdb for a handler that takes task management: scstd tells
 * it of every abort of a command it holds and of every reset, and takes
 * back what it gives up.  Serve it with scstu_serve_cmds_tm. */
struct scstu_dev *scstu_attach_cdb_tm(const char *socket_path, const char *name, unsigned type,
				      size_t area_bytes, struct scstu_geometry *geometry,
				      char *err, size_t errlen);
/* scstu_serve_cmds with task management: tm_fn (NULL: always complete)
 * hears of each TM and returns its status.  A command a completed TM
 * names is not answered: dropped if it has not started, and if fn is
 * running it, fn's reply is thrown away when it returns.  A long fn asks
 * scstu_cmd_aborted now and then and stops early when it says so. */
int scstu_serve_cmds_tm(struct scstu_dev *d,
			void (*fn)(const struct scstu_cmd *cmd, struct scstu_reply *reply, void *ctx),
			enum scstu_tm_status (*tm_fn)(const struct scstu_tm *tm, void *ctx),
			void *ctx);
/* From fn in scstu_serve_cmds_tm: takes in what scstd sent meanwhile
 * (without waiting) and says whether cmd has been aborted. */
bool scstu_cmd_aborted(struct scstu_dev *d, const struct scstu_cmd *cmd);

/* Registering a device (CDB mode) ------------------------------------ */

/* Creates CDB-mode device name of SCSI type `type` in scstd and attaches
 * to it, as SCST's scst_user REGISTER_DEVICE: no add_device first.
 * block_size: what fixed-block transfers count in (a tape: 0 variable);
 * cmd_timeout: seconds, 0 scstd's default; tm: take task management (as
 * scstu_attach_cdb_tm).  The device is listed like any other and can be
 * exported as a LUN; it is deleted when the process disconnects, unless a
 * LUN still exports it: then it stays, offline, until the process
 * registers it again (same type and block size).  NULL with the reason
 * in err (a name taken or refused, a type or block size out of range). */
struct scstu_dev *scstu_register_cdb(const char *socket_path, const char *name, unsigned type,
				     uint32_t block_size, unsigned cmd_timeout, bool tm,
				     size_t area_bytes, struct scstu_geometry *geometry,
				     char *err, size_t errlen);
/* Deletes the registered device (commands still with the handler end
 * with a failure) and ends the connection; scstu_detach d afterwards.
 * 0, or -errno with the reason in err (-EBUSY: LUNs still export it; it
 * is then kept offline). */
int scstu_unregister(struct scstu_dev *d, char *err, size_t errlen);

/* Connects to scstd at socket_path and takes over device name with a data
 * area of area_bytes (whole pages, 1 MiB .. 1 GiB; about 4 x max_io per
 * request in flight is plenty).  NULL with the reason in err. */
struct scstu_dev *scstu_attach(const char *socket_path, const char *name, size_t area_bytes,
			       struct scstu_geometry *geometry, char *err, size_t errlen);
/* The descriptor to poll for POLLIN when scstu_next(wait = false) says 0. */
int scstu_fd(const struct scstu_dev *d);
/* The next request: 1, 0 when none is waiting (wait false), -ENOTCONN when
 * scstd ended the connection, -EPROTO on a malformed request. */
int scstu_next(struct scstu_dev *d, struct scstu_io *io, bool wait);
/* Answers a request: result 0, or -errno (the command ends with a medium
 * error).  0, or -errno when the answer could not be sent. */
int scstu_complete(struct scstu_dev *d, const struct scstu_io *io, int result);
void scstu_detach(struct scstu_dev *d);

/* The usual loop: each request in turn to fn (which returns 0 or -errno),
 * answered with its result, until scstd ends the connection.  Returns why
 * it ended: -ENOTCONN, -EPROTO, or the error of a failed answer. */
int scstu_serve(struct scstu_dev *d, int (*fn)(const struct scstu_io *io, void *ctx), void *ctx);

#endif
