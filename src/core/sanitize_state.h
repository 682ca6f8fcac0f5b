/* sanitize_state.h - a device's SANITIZE state as the command path sees
 * it: which commands a running or failed sanitize operation admits, and
 * the sense (with progress indication) for the others. */
#ifndef SCSTD_CORE_SANITIZE_STATE_H
#define SCSTD_CORE_SANITIZE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "scst_common.h"

#define SCST_SANITIZE_RUNNING 0x10000u
#define SCST_SANITIZE_FAILED  0x20000u

/* The handler's side: a sanitize starts (false: another one runs),
 * moves on (done of total units), ends well (idle again) or badly
 * (failure mode), or EXIT FAILURE MODE.  From begin to end the operation
 * holds the device (deletion waits for it): end is the operation's last
 * touch of dev. */
bool scst_sanitize_begin(struct scst_device *dev);
void scst_sanitize_progress(struct scst_device *dev, uint64_t done, uint64_t total);
void scst_sanitize_end(struct scst_device *dev, bool ok);
void scst_sanitize_exit_failure_mode(struct scst_device *dev);
bool scst_sanitize_failed(const struct scst_device *dev);

/* Deletion of the device or the daemon's shutdown: a running operation
 * is asked to stop after its outstanding I/O (it polls
 * scst_sanitize_stop_requested between pieces). */
void scst_sanitize_request_stop(struct scst_device *dev);
bool scst_sanitize_stop_requested(const struct scst_device *dev);
/* Whether an operation still holds the device. */
bool scst_sanitize_holds(const struct scst_device *dev);
/* Shutdown, before the I/O loops stop: asks every running operation to
 * stop and waits until they let go of their devices; false when some
 * did not within the bound. */
bool scst_sanitize_stop_all(void);

/* The command path: false (with cmd's sense set) when a running sanitize
 * (NOT READY, SANITIZE IN PROGRESS, with progress) or the failure mode
 * (MEDIUM ERROR, SANITIZE COMMAND FAILED) refuses cmd. */
bool scst_sanitize_admits(struct scst_cmd *cmd);

/* REQUEST SENSE while a sanitize runs: its sense data, with progress, in
 * sense; 0 when none runs. */
unsigned scst_sanitize_sense(const struct scst_device *dev, uint8_t *sense, unsigned size,
			     bool desc);

#endif
