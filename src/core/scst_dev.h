/* scst_dev.h - the device-handler API: what a handler (src/handlers)
 * registers (struct scst_dev_type) and calls to finish a command (status,
 * sense, response data, unit attentions, removable medium).  Handlers
 * include this and nothing else of scst.h's; see docs/design.md "Layers
 * and interfaces". */
#ifndef SCSTD_CORE_SCST_DEV_H
#define SCSTD_CORE_SCST_DEV_H

#include "scst_common.h"

struct scst_dev_type {
	const char *name;
	struct list_head node;
	int type;                                /* SCSI peripheral type */
	/* Handlers of one family share their devices' names, as SCST's vdisk
	 * handlers share one device list: del_device through any of them
	 * deletes the device (SCST's scstadmin relies on it).  NULL: none. */
	const char *family;
	/* Parameters add_device accepts (NULL-terminated).  Anything else is
	 * refused before attach is called. */
	const char *const *add_device_params;
	/* SCST's creation parameters of the handler of the same name
	 * (scst_vdisk.c), shown first in the mgmt help as SCST shows them;
	 * those scstd lacks are taken at SCST's default only
	 * (scst_only_params.c).  NULL: the handler is scstd's own. */
	const char *const *scst_add_device_params;

	/* Opens the backing store and fills dev (size, block size, ids).
	 * Returns 0 or -errno with a one-line reason in err. */
	int (*attach)(struct scst_device *dev, const struct scst_kv *params,
		      size_t nparams, char *err, size_t errlen);
	void (*detach)(struct scst_device *dev);

	/* Executes a parsed and checked command.  The handler completes it
	 * with scst_cmd_done(), now or later, on the same loop. */
	void (*exec)(struct scst_cmd *cmd);

	/* Optional: changes a device attribute at run time (vcdrom's
	 * filename).  Called from management, outside scst_mutex.  Returns 0
	 * or -errno with a one-line reason in err. */
	int (*set_attr)(struct scst_device *dev, const char *key, const char *value,
			char *err, size_t errlen);
	/* Optional: measures the backing store again and takes its size
	 * (management's resync_size).  0 or -errno with the reason in err. */
	int (*resync_size)(struct scst_device *dev, char *err, size_t errlen);
	/* Optional: the current value of a device attribute the handler
	 * keeps (its add_device parameters, identity and geometry) and
	 * whether that differs from the handler's default (SysfsRules
	 * [key]).  0, or -ENOENT for a name it does not show. */
	int (*show_attr)(const struct scst_device *dev, const char *name, char *buf, size_t len,
			 bool *non_default);
	/* SCST's auto_cm_assignment_possible: a device of this handler gets
	 * a LUN of the copy manager when it is added (README.scst-3.x). */
	bool auto_cm_assignment_possible;
	/* Optional: the designators with LU association that VPD page 0x83
	 * reports for dev, each with its 4-byte header, into buf (len bytes);
	 * returns the bytes written (EXTENDED COPY names its CSCDs by them). */
	size_t (*lu_designators)(const struct scst_device *dev, uint8_t *buf, size_t len);
	/* Optional: a LUN RESET or TARGET RESET reached the device (tm.c);
	 * a pass-through handler resets the real one. */
	void (*reset)(struct scst_device *dev);
	/* Optional: a task management function aborted cmd while the
	 * handler has it (tm.c), on the command's loop.  A handler that has
	 * not yet passed it on (a command waiting for room in a device
	 * queue) completes it now with scst_cmd_done; one already with the
	 * device finishes when the device answers, as without this. */
	void (*abort)(struct scst_cmd *cmd);
};

/* Creates a device of handler `handler` / deletes one (management's
 * add_device and del_device, and an scst_user handler process that
 * registers its own device).  Take scst_mutex; 0 or -errno with a
 * one-line reason in err (-EEXIST the name is taken, -EBUSY LUNs still
 * export the device). */
int scst_add_device(const char *handler, const char *name, const struct scst_kv *params,
		    size_t nparams, char *err, size_t errlen);
int scst_del_device(const char *name, char *err, size_t errlen);

/* Whether add_device of dt accepts parameter key. */
bool scst_dev_type_has_param(const struct scst_dev_type *dt, const char *key);

int scst_register_dev_type(struct scst_dev_type *dt);
/* Caller holds scst_mutex. */
struct scst_device *scst_find_device(const char *name);
/* README.scst setup_id: feeds the identifiers generated for devices. */
uint32_t scst_get_setup_id(void);

/* The transport behind a target port (tgt_identity.c): the SCSI and
 * physical transport version descriptors INQUIRY reports (0: none), and
 * the PROTOCOL IDENTIFIER of its ports (SPC-4 7.6.1), false when the
 * transport declares none (designators then clear PIV). */
void scst_tgt_transport_versions(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys);
bool scst_tgt_protocol_id(const struct scst_tgt *tgt, uint8_t *id);

/* ---------------------------------------------------------------------- */
/* Helpers for handlers and the core                                        */

/* The handler finished the command (status/sense/resp_data_len set). */
void scst_cmd_done(struct scst_cmd *cmd);

void scst_set_cmd_error(struct scst_cmd *cmd, enum scst_sense_id id);
void scst_set_cmd_sense(struct scst_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq);
/* INVALID FIELD IN CDB/PARAMETER LIST with the sense-key specific field
 * pointer (byte, bit; bit < 0 means no bit pointer). */
void scst_set_invalid_field(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit);
/* For MISCOMPARE and friends: sets the INFORMATION field. */
void scst_set_sense_info(struct scst_cmd *cmd, uint64_t info);
/* Builds sense bytes; returns the length.  Exposed for unit tests. */
unsigned scst_build_sense(uint8_t *buf, unsigned size, bool descriptor, uint8_t key, uint8_t asc,
			  uint8_t ascq);
void scst_sense_id_to_triple(enum scst_sense_id id, uint8_t *key, uint8_t *asc, uint8_t *ascq);

/* Copies len bytes of response data into the command buffer, truncated to
 * the allocation length / buffer; sets resp_data_len. */
void scst_cmd_set_resp_data(struct scst_cmd *cmd, const void *data, uint32_t len);

/* Zero-copy READ: whether the transport takes response data lent in
 * place instead of copied into cmd->buf, and lending it.  Lent bytes stay
 * valid and unchanged by the handler until the command is done; the
 * transport only passes them to the kernel (sendmsg), so a page that
 * vanished (a truncated file) fails the send instead of faulting here. */
static inline bool scst_cmd_may_lend_resp_data(const struct scst_cmd *cmd)
{
	return cmd->tgt_takes_lent_data;
}

void scst_cmd_lend_resp_data(struct scst_cmd *cmd, const uint8_t *data, uint32_t len);

/* A backend's announce reached this daemon (any thread, no lock held):
 * the core takes the new reservation state and delivers the unit
 * attentions and PREEMPT AND ABORT aborts it names to its own nexuses.
 * Malformed messages are logged and dropped. */
void scst_pr_shared_event(struct scst_device *dev, const char *msg, size_t len);

/* Queues a unit attention on every nexus of dev (except `except`). */
void scst_dev_queue_ua(struct scst_device *dev, enum scst_sense_id id,
		       const struct scst_tgt_dev *except);
void scst_tgt_dev_queue_ua(struct scst_tgt_dev *tgt_dev, enum scst_sense_id id);
/* A pass-through device (or a CDB-mode scst_user handler) answered cmd
 * with a unit attention: the device has one I_T nexus, scstd many, so the
 * condition is established for every other nexus of the device too (SCST's
 * scst_dev_check_set_UA); a reset one (ASC 29h) also ends what a reset
 * ends, the SPC-2 reservation and PREVENTs.  Nothing for other answers. */
void scst_dev_device_ua(struct scst_cmd *cmd);
/* The sense key, ASC and ASCQ of fixed or descriptor sense; false when it
 * is neither or too short to hold them. */
bool scst_sense_triple(const uint8_t *s, unsigned len, uint8_t *key, uint8_t *asc,
		       uint8_t *ascq);

/* Removable medium (core/medium.c).  START STOP UNIT and PREVENT ALLOW
 * MEDIUM REMOVAL: set cmd's status (GOOD or the error); the handler
 * completes the command. */
void scst_medium_start_stop(struct scst_cmd *cmd);
void scst_medium_prevent_allow(struct scst_cmd *cmd);
bool scst_medium_removal_prevented(struct scst_device *dev);
/* A medium was inserted (every nexus gets NOT READY TO READY CHANGE) or
 * removed by management. */
void scst_medium_set_inserted(struct scst_device *dev, bool inserted);

/* A command refused for lack of resources: TASK SET FULL when its session
 * has other commands outstanding, else BUSY (SCST's scst_set_busy rule). */
void scst_set_busy(struct scst_cmd *cmd);
/* A data buffer for cmd (its own, or one more a handler needs): NULL with
 * cmd's status set when refused at the limit (scst_set_busy) or when the
 * allocator fails (INSUFFICIENT RESOURCES).  Freed with scst_buf_free. */
void *scst_cmd_buf_alloc(struct scst_cmd *cmd, uint32_t size, uint32_t *actual);

#endif
