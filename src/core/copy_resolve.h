/* copy_resolve.h - where EXTENDED COPY finds the devices its CSCD
 * descriptors name and how it moves their blocks: the one copy engine,
 * which a target driver (the copy manager) registers at start-up, and the
 * calls a handler makes to find and pin such a device, to copy a range of
 * blocks between two of them and to abort that.  The engine copies with
 * READ and WRITE commands of its own session, so everything a command
 * meets (reservations, ALUA states, read-only LUNs, unit attentions, task
 * management, statistics) applies to the copy.  Handlers and targets meet
 * here, neither knowing the other. */
#ifndef SCSTD_CORE_COPY_RESOLVE_H
#define SCSTD_CORE_COPY_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scst_common.h"
#include "util/list.h"

struct ioloop;

/* How a copy range ended. */
enum scst_copy_result {
	SCST_COPY_OK = 0,
	SCST_COPY_READ_FAILED,          /* status/sense: the failed READ's */
	SCST_COPY_WRITE_FAILED,         /* status/sense: the failed WRITE's */
	SCST_COPY_ABORTED,              /* scst_copy_range_abort */
	SCST_COPY_NO_RESOURCES,         /* nothing could be issued */
};

/* bytes from src_lba of the device at LUN src_lun to dst_lba of the one at
 * dst_lun (LUNs the engine's find gave).  done(r) runs once, on home. */
struct scst_copy_range {
	uint64_t src_lun, dst_lun;
	unsigned src_shift, dst_shift;  /* the devices' block shifts */
	uint64_t src_lba, dst_lba;
	uint64_t bytes;
	/* CLOCK_MONOTONIC ms the copying command started: the engine retries
	 * a busy or reserved device until SCST's 30 s after it. */
	uint64_t start_ms;
	struct ioloop *home;
	void (*done)(struct scst_copy_range *r);
	void *priv;                     /* the caller's */

	enum scst_copy_result result;
	uint8_t status;                 /* of the failed command */
	uint8_t sense_len;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	uint64_t bytes_done;

	void *engine;                   /* the engine's, until done */
};

struct scst_copy_engine {
	/* The device whose logical unit has the designator desig (an
	 * identification descriptor, SPC-4 7.8.6.1: code set, association
	 * and type, length, designator; len bytes in all) and that the
	 * initiator may copy from or to, and its LUN in *lun; NULL when none
	 * is.  Called with scst_mutex held. */
	struct scst_device *(*find)(const uint8_t *desig, size_t len, const char *initiator,
				    uint64_t *lun);
	/* Starts copying r (any thread); 0, or -errno and done is not called. */
	int (*copy)(struct scst_copy_range *r);
	/* Ends r's copying early (r's home loop, before done): done still
	 * runs, with SCST_COPY_ABORTED unless it had already finished. */
	void (*abort)(struct scst_copy_range *r);
};

/* At start-up, before any command runs; a later one replaces it. */
void scst_register_copy_engine(const struct scst_copy_engine *e);

#define SCST_COPY_LOOKUP_MAX 8

/* Designators to find for an initiator, off the I/O threads: finding
 * takes scst_mutex, which a loop must not wait for (management may hold
 * it for long).  The core's lookup thread finds each through the engine
 * (a zero len: not looked up), pins the device found (deletion waits for
 * it) until scst_copy_unpin, and calls done on home.  dev[i] NULL: none
 * found. */
struct scst_copy_lookup {
	char initiator[SCST_NAME_MAX];
	unsigned n;
	const uint8_t *desig[SCST_COPY_LOOKUP_MAX];
	size_t len[SCST_COPY_LOOKUP_MAX];
	struct scst_device *dev[SCST_COPY_LOOKUP_MAX];
	uint64_t lun[SCST_COPY_LOOKUP_MAX];
	struct ioloop *home;
	void (*done)(struct scst_copy_lookup *l);
	void *priv;
	struct list_head node;          /* the lookup thread's queue */
};

/* 0, or -errno and done is not called. */
int scst_copy_lookup_start(struct scst_copy_lookup *l);
void scst_copy_unpin(struct scst_device *dev);

/* Through the registered engine; -ENODEV without one. */
int scst_copy_range_start(struct scst_copy_range *r);
void scst_copy_range_abort(struct scst_copy_range *r);

/* What the copy manager may ask of a device's handler without knowing it:
 * whether it gives the device a LUN of its own accord (SCST's
 * auto_cm_assignment_possible). */
bool scst_copy_dev_auto_assignable(const struct scst_device *dev);

#endif
