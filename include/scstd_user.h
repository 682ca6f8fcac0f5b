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
 * docs/user-handlers.md. */
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
