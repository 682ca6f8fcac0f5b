/* sanitize_state.c - the SANITIZE state of a device as every command sees
 * it (SBC-3 4.11): while a sanitize operation runs only INQUIRY, REPORT
 * LUNS and REQUEST SENSE get through, the rest ends NOT READY, SANITIZE IN
 * PROGRESS with a progress indication; after a failed one the device stays
 * in failure mode (MEDIUM ERROR, SANITIZE COMMAND FAILED) until EXIT
 * FAILURE MODE or a sanitize that completes.  The state is one word read
 * without locks by the command path of every I/O thread.
 *
 * The operation itself (the handler's background job) outlives the
 * command that started it: it pins the device from begin to end, and
 * deletion or shutdown asks it to stop through a flag it polls. */
#include <unistd.h>

#include "cdb.h"
#include "scst.h"
#include "sanitize_state.h"
#include "util/be.h"
#include "util/log.h"

#define ASC_NOT_READY_SANITIZE 0x04, 0x1b
#define ASC_SANITIZE_FAILED    0x31, 0x03

static uint32_t load_state(const struct scst_device *dev)
{
	return __atomic_load_n(&dev->sanitize_state, __ATOMIC_ACQUIRE);
}

static void store_state(struct scst_device *dev, uint32_t state)
{
	__atomic_store_n(&dev->sanitize_state, state, __ATOMIC_RELEASE);
}

bool scst_sanitize_begin(struct scst_device *dev)
{
	uint32_t state = load_state(dev);

	/* Two SANITIZEs may pass the admission check at once on two loops:
	 * only one operation starts. */
	do {
		if (state & SCST_SANITIZE_RUNNING)
			return false;
	} while (!__atomic_compare_exchange_n(&dev->sanitize_state, &state, SCST_SANITIZE_RUNNING,
					      false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	__atomic_add_fetch(&dev->sanitize_pins, 1, __ATOMIC_ACQUIRE);
	__atomic_store_n(&dev->sanitize_stop, false, __ATOMIC_RELEASE);
	return true;
}

void scst_sanitize_progress(struct scst_device *dev, uint64_t done, uint64_t total)
{
	/* 128 bits: a medium of 256 TiB or more shifts out of 64. */
	uint64_t fraction = total ? (uint64_t)(((unsigned __int128)done << 16) / total) : 0;

	if (fraction > 0xffff)
		fraction = 0xffff;
	store_state(dev, SCST_SANITIZE_RUNNING | (uint32_t)fraction);
}

void scst_sanitize_end(struct scst_device *dev, bool ok)
{
	store_state(dev, ok ? 0 : SCST_SANITIZE_FAILED);
	__atomic_sub_fetch(&dev->sanitize_pins, 1, __ATOMIC_RELEASE);
}

void scst_sanitize_request_stop(struct scst_device *dev)
{
	__atomic_store_n(&dev->sanitize_stop, true, __ATOMIC_RELEASE);
}

bool scst_sanitize_stop_requested(const struct scst_device *dev)
{
	return __atomic_load_n(&dev->sanitize_stop, __ATOMIC_ACQUIRE);
}

bool scst_sanitize_holds(const struct scst_device *dev)
{
	return __atomic_load_n(&dev->sanitize_pins, __ATOMIC_ACQUIRE) != 0;
}

/* A stopped operation ends after one piece of I/O (milliseconds); a
 * backend that hangs must not hang the shutdown. */
#define STOP_ALL_WAIT_MS 10000

static bool request_stop_all(void)
{
	struct scst_device *dev;
	bool any = false;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(dev, &scst_devices, node) {
		if (scst_sanitize_holds(dev)) {
			scst_sanitize_request_stop(dev);
			any = true;
		}
	}
	pthread_mutex_unlock(&scst_mutex);
	return any;
}

bool scst_sanitize_stop_all(void)
{
	for (unsigned waited_ms = 0; request_stop_all(); waited_ms++) {
		if (waited_ms == STOP_ALL_WAIT_MS) {
			log_warn("a sanitize operation did not stop within %u ms",
				 STOP_ALL_WAIT_MS);
			return false;
		}
		usleep(1000);
	}
	return true;
}

void scst_sanitize_exit_failure_mode(struct scst_device *dev)
{
	store_state(dev, 0);
}

bool scst_sanitize_failed(const struct scst_device *dev)
{
	return load_state(dev) & SCST_SANITIZE_FAILED;
}

/* The PROGRESS INDICATION of a sense key specific field (SKSV set). */
static void put_progress(uint8_t *sks, uint16_t progress)
{
	sks[0] = 0x80;
	put_be16(&sks[1], progress);
}

/* Fixed format: bytes 15-17; descriptor format: a sense key specific
 * descriptor appended when it fits. */
static unsigned add_progress(uint8_t *sense, unsigned len, unsigned size, uint16_t progress)
{
	if (sense[0] == 0x70) {
		put_progress(&sense[15], progress);
		return len;
	}
	if (len + 8 > size)
		return len;
	sense[len] = 0x02;
	sense[len + 1] = 0x06;
	sense[len + 2] = sense[len + 3] = sense[len + 7] = 0;
	put_progress(&sense[len + 4], progress);
	sense[7] += 8;
	return len + 8;
}

unsigned scst_sanitize_sense(const struct scst_device *dev, uint8_t *sense, unsigned size,
			     bool desc)
{
	uint32_t state = load_state(dev);
	unsigned len;

	if (!(state & SCST_SANITIZE_RUNNING))
		return 0;
	len = scst_build_sense(sense, size, desc, SK_NOT_READY, ASC_NOT_READY_SANITIZE);
	return len ? add_progress(sense, len, size, (uint16_t)state) : 0;
}

/* SBC-3 4.11.2 lists what a sanitize operation lets through (the rows'
 * SCST_OP_SANITIZE_OK); SANITIZE itself also leaves failure mode. */
static bool always_admitted(const struct scst_cmd *cmd, bool failed)
{
	uint32_t flags = cmd->op->flags;

	return (flags & SCST_OP_SANITIZE_OK) || (failed && (flags & SCST_OP_SANITIZE_EXIT));
}

bool scst_sanitize_admits(struct scst_cmd *cmd)
{
	uint32_t state = load_state(cmd->dev);

	if (!state || always_admitted(cmd, state & SCST_SANITIZE_FAILED))
		return true;
	if (state & SCST_SANITIZE_FAILED) {
		scst_set_cmd_sense(cmd, SK_MEDIUM_ERROR, ASC_SANITIZE_FAILED);
		return false;
	}
	scst_set_cmd_sense(cmd, SK_NOT_READY, ASC_NOT_READY_SANITIZE);
	cmd->sense_len = add_progress(cmd->sense, cmd->sense_len, sizeof(cmd->sense),
				      (uint16_t)state);
	return false;
}
