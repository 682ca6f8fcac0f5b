/* scst.h - the SCSI engine's objects and its two interfaces.
 *
 * The core knows SAM/SPC semantics and nothing of any transport or backing
 * store.  Target drivers (src/targets) talk to it through
 * struct scst_tgt_template and the scst_rx_* / scst_tgt_cmd_done calls;
 * device handlers (vdisk_*) through struct scst_dev_type and
 * scst_cmd_done().  Names follow the SCST specification.
 *
 * Threading: a session lives on one I/O loop and so do its commands; the
 * command path takes no lock.  Configuration (devices, targets, groups,
 * session lists) is guarded by scst_mutex; device-wide state (UA fan-out,
 * reservations) by dev->lock. */
#ifndef SCSTD_CORE_SCST_H
#define SCSTD_CORE_SCST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ioloop.h"
#include "util/list.h"

#define SCST_MAX_CDB_SIZE      64
#define SCST_SENSE_BUFFERSIZE  96
#define SCST_MAX_LUN           16383
#define SCST_NAME_MAX          256

/* SAM-5 status codes. */
enum {
	SAM_STAT_GOOD = 0x00,
	SAM_STAT_CHECK_CONDITION = 0x02,
	SAM_STAT_CONDITION_MET = 0x04,
	SAM_STAT_BUSY = 0x08,
	SAM_STAT_RESERVATION_CONFLICT = 0x18,
	SAM_STAT_TASK_SET_FULL = 0x28,
	SAM_STAT_ACA_ACTIVE = 0x30,
	SAM_STAT_TASK_ABORTED = 0x40,
};

/* Sense keys. */
enum {
	SK_NO_SENSE = 0x0,
	SK_RECOVERED_ERROR = 0x1,
	SK_NOT_READY = 0x2,
	SK_MEDIUM_ERROR = 0x3,
	SK_HARDWARE_ERROR = 0x4,
	SK_ILLEGAL_REQUEST = 0x5,
	SK_UNIT_ATTENTION = 0x6,
	SK_DATA_PROTECT = 0x7,
	SK_BLANK_CHECK = 0x8,
	SK_COPY_ABORTED = 0xa,
	SK_ABORTED_COMMAND = 0xb,
	SK_VOLUME_OVERFLOW = 0xd,
	SK_MISCOMPARE = 0xe,
};

/* One vocabulary for every error the core and handlers report; the table in
 * sense.c turns it into key/ASC/ASCQ. */
enum scst_sense_id {
	SCST_S_OK = 0,
	SCST_S_INVALID_OPCODE,            /* 5/20/00 */
	SCST_S_LBA_OUT_OF_RANGE,          /* 5/21/00 */
	SCST_S_INVALID_FIELD_IN_CDB,      /* 5/24/00 */
	SCST_S_LUN_NOT_SUPPORTED,         /* 5/25/00 */
	SCST_S_INVALID_FIELD_IN_PARAM,    /* 5/26/00 */
	SCST_S_INVALID_FIELD_IN_IU,       /* 5/0E/03 */
	SCST_S_PARAM_LIST_LENGTH_ERROR,   /* 5/1A/00 */
	SCST_S_SAVING_PARAMS_UNSUP,       /* 5/39/00 */
	SCST_S_INVALID_RELEASE_OF_PR,     /* 5/26/04 */
	SCST_S_MEDIUM_REMOVAL_PREVENTED,  /* 5/53/02 */
	SCST_S_INVALID_MESSAGE,           /* B/49/00 */
	SCST_S_WRITE_PROTECTED,           /* 7/27/00 */
	SCST_S_SW_WRITE_PROTECTED,        /* 7/27/02 SWP in the control mode page */
	SCST_S_SPACE_ALLOC_FAILED_WP,     /* 7/27/07 thin provisioning out of space */
	SCST_S_MEDIUM_NOT_PRESENT,        /* 2/3A/00 */
	SCST_S_NOT_READY_MANUAL_INTERVENTION, /* 2/04/03 */
	SCST_S_READ_ERROR,                /* 3/11/00 */
	SCST_S_WRITE_ERROR,               /* 3/0C/00 */
	SCST_S_INTERNAL_FAILURE,          /* 4/44/00 */
	SCST_S_LU_COMM_FAILURE,           /* 4/08/00 the LU's backend is unreachable */
	SCST_S_LU_COMM_TIMEOUT,           /* 4/08/01 the LU's backend did not answer */
	SCST_S_MISCOMPARE,                /* E/1D/00 */
	SCST_S_INSUFFICIENT_RESOURCES,    /* B/55/03 */
	SCST_S_INSUFFICIENT_REG_RESOURCES, /* 5/55/04: no room for a PR registration */
	SCST_S_DATA_PHASE_ERROR,          /* B/4B/00 */
	SCST_S_COMMANDS_ABORTED,          /* B/00/00 */
	SCST_S_UA_POWER_ON,               /* 6/29/00 */
	SCST_S_UA_RESET,                  /* 6/29/03 BUS DEVICE RESET FUNCTION OCCURRED:
	                                   * LOGICAL UNIT RESET (SAM-5) and TARGET
	                                   * RESET (SAM-4 hard reset); LIO alike */
	SCST_S_UA_NEXUS_LOSS,             /* 6/29/07 */
	SCST_S_UA_MODE_PARAMS_CHANGED,    /* 6/2A/01 */
	SCST_S_UA_RESERVATIONS_PREEMPTED, /* 6/2A/03 */
	SCST_S_UA_RESERVATIONS_RELEASED,  /* 6/2A/04 */
	SCST_S_UA_REGISTRATIONS_PREEMPTED,/* 6/2A/05 */
	SCST_S_UA_CAPACITY_CHANGED,       /* 6/2A/09 */
	SCST_S_UA_COMMANDS_CLEARED,       /* 6/2F/00 */
	SCST_S_UA_INQUIRY_DATA_CHANGED,   /* 6/3F/03 */
	SCST_S_UA_REPORTED_LUNS_CHANGED,  /* 6/3F/0E */
	SCST_S_UA_MEDIUM_CHANGED,         /* 6/28/00 not ready to ready */
	SCST_S_ALUA_TRANSITIONING,        /* 2/04/0A asymmetric access state transition */
	SCST_S_ALUA_STANDBY,              /* 2/04/0B target port in standby state */
	SCST_S_ALUA_UNAVAILABLE,          /* 2/04/0C target port in unavailable state */
	SCST_S_UA_ALUA_STATE_CHANGED,     /* 6/2A/06 asymmetric access state changed */
	SCST_S__COUNT
};

enum scst_data_dir {
	SCST_DATA_NONE = 0,
	SCST_DATA_WRITE = 1,   /* initiator -> target */
	SCST_DATA_READ = 2,    /* target -> initiator */
	SCST_DATA_BIDI = 3,
};

enum scst_queue_type {
	SCST_CMD_QUEUE_UNTAGGED = 0,
	SCST_CMD_QUEUE_SIMPLE,
	SCST_CMD_QUEUE_ORDERED,
	SCST_CMD_QUEUE_HEAD_OF_QUEUE,
	SCST_CMD_QUEUE_ACA,
};

/* Task management functions (SAM-5 names). */
enum scst_tm_fn {
	SCST_ABORT_TASK = 1,
	SCST_ABORT_TASK_SET,
	SCST_CLEAR_ACA,
	SCST_CLEAR_TASK_SET,
	SCST_LUN_RESET,
	SCST_TARGET_RESET,
	SCST_NEXUS_LOSS_SESS,
	SCST_QUERY_TASK,
	SCST_QUERY_TASK_SET,
	SCST_QUERY_ASYNC_EVENT,
};

/* Task management responses (SAM-5). */
enum scst_tm_status {
	SCST_MGMT_STATUS_SUCCESS = 0,           /* function complete */
	SCST_MGMT_STATUS_TASK_NOT_EXIST,
	SCST_MGMT_STATUS_LUN_NOT_EXIST,
	SCST_MGMT_STATUS_FN_NOT_SUPPORTED,
	SCST_MGMT_STATUS_REJECTED,
	SCST_MGMT_STATUS_FAILED,
	SCST_MGMT_STATUS_SUCCEEDED,            /* function succeeded (QUERY TASK) */
};

struct scst_cmd;
struct scst_mgmt_cmd;
struct scst_session;
struct scst_device;
struct scst_tgt;
struct scst_opcode_desc;
struct scst_pr;

/* A name=value pair from add_device / config files. */
struct scst_kv {
	const char *key;
	const char *value;
};

/* ---------------------------------------------------------------------- */
/* Target driver interface                                                 */

/* Why a login was refused, for the metrics (a transport's own reasons
 * map onto these). */
enum scst_login_fail_reason {
	SCST_LOGIN_FAIL_AUTH = 0,       /* CHAP failed or required and refused */
	SCST_LOGIN_FAIL_ACL,            /* the initiator may not reach the target */
	SCST_LOGIN_FAIL_TARGET,         /* no such target, or not enabled */
	SCST_LOGIN_FAIL_LIMIT,          /* session or connection limit */
	SCST_LOGIN_FAIL_PROTOCOL,       /* the initiator broke the login rules */
	SCST_LOGIN_FAIL_RESOURCES,      /* out of memory and the like */
	SCST_LOGIN_FAIL__COUNT
};
extern const char *const scst_login_fail_reason_names[SCST_LOGIN_FAIL__COUNT];

struct scst_login_stats {
	uint64_t logins;                /* reached full feature phase */
	uint64_t failures[SCST_LOGIN_FAIL__COUNT];
};

struct scst_tgt_template {
	const char *name;
	struct list_head node;

	/* The command carries WRITE data: fetch cmd->write_len bytes into
	 * cmd->buf (immediate, unsolicited, solicited), then call
	 * scst_rx_data().  Called on the session's loop. */
	void (*rdy_to_xfer)(struct scst_cmd *cmd);

	/* Send cmd->resp_data_len bytes of cmd->buf (READ direction) and the
	 * status/sense; afterwards call scst_tgt_cmd_done().  Also called for
	 * aborted commands (cmd->aborted): then only the resources are freed,
	 * or TASK ABORTED is sent when cmd->tas_response is set. */
	void (*xmit_response)(struct scst_cmd *cmd);

	/* A task management function finished; mcmd->status holds the result.
	 * The transport answers and then calls scst_mgmt_cmd_free(). */
	void (*task_mgmt_fn_done)(struct scst_mgmt_cmd *mcmd);

	/* Management hooks (config file, mgmt tree).  NULL when the driver
	 * does not support the operation.  Each returns 0 or -errno with a
	 * one-line reason in err. */
	int (*add_target)(const char *name, const struct scst_kv *params, size_t nparams,
			  char *err, size_t errlen);
	int (*del_target)(struct scst_tgt *tgt, char *err, size_t errlen);
	/* Driver-specific target attribute (e.g. negotiable login keys). */
	int (*set_target_attr)(struct scst_tgt *tgt, const char *key, const char *value,
			       char *err, size_t errlen);
	/* Driver-wide attribute (e.g. "enabled", IncomingUser). */
	int (*set_driver_attr)(const char *key, const char *value, char *err, size_t errlen);
	/* Optional: take back one value of an attribute that may hold several
	 * (README.scst del_attribute / del_target_attribute: a CHAP user, an
	 * allowed_portal pattern), -ENOENT when it holds no such value. */
	int (*del_target_attr)(struct scst_tgt *tgt, const char *key, const char *value,
			       char *err, size_t errlen);
	int (*del_driver_attr)(const char *key, const char *value, char *err, size_t errlen);
	/* The target was enabled or disabled (tgt->enabled already updated). */
	void (*on_enable)(struct scst_tgt *tgt);
	/* Optional: ends the target's sessions before scst_del_target removes
	 * it (scst_local, whose sessions are configuration, not logins). */
	void (*close_sessions)(struct scst_tgt *tgt);
	/* Optional: the SCSI and physical transport version descriptors
	 * INQUIRY reports for the target (0: none; without it both are 0). */
	void (*transport_versions)(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys);
	/* The PROTOCOL IDENTIFIER of the transport's ports (SPC-4 7.6.1),
	 * carried by the designators of VPD page 0x83 that set PIV.  Without
	 * has_protocol_id they clear PIV. */
	bool has_protocol_id;
	uint8_t protocol_id;
	/* Optional (persistent reservations, SPC-4 7.6.4): the name PR knows
	 * the initiator port of the TransportID tid by (REGISTER with
	 * SPEC_I_PT, REGISTER AND MOVE), into name (size bytes).  len is the
	 * TransportID's length, header included, a multiple of 4 and at least
	 * 8, checked to lie within the parameter list; the bytes are the
	 * initiator's and hostile.  False when it is not a TransportID of
	 * this transport or is malformed, with the offset of the offending
	 * byte within it in *bad_off.  Without it no TransportID is accepted. */
	bool (*parse_transport_id)(const uint8_t *tid, uint32_t len, char *name, size_t size,
				   uint32_t *bad_off);
	/* Optional: the TransportID of the initiator port PR knows as name
	 * (not a verbatim one, see scst_pr_verbatim_name) into out (size
	 * bytes) for READ FULL STATUS.  Returns its length, 0 when it does not
	 * fit; without it the registrant is reported without one. */
	uint32_t (*build_transport_id)(const char *name, uint8_t *out, uint32_t size);
	/* Ends a session (mgmt force_close): starts its end and returns; the
	 * session unregisters itself later.  Called with scst_mutex held and
	 * sess still registered, so it must not take scst_mutex. */
	int (*close_session)(struct scst_session *sess, char *err, size_t errlen);
	/* Driver-specific entries of the session's management directory as
	 * "relative/path\tvalue\n" lines (directories are implied by the
	 * paths).  Same calling context as close_session.  Returns the length
	 * written, or -errno (-ENOSPC when len is too small). */
	int (*session_attrs)(struct scst_session *sess, char *buf, size_t len);
	/* add_target leaves the target enabled (scst_local): then "enabled
	 * 0" is what a saved configuration must say (SysfsRules [key]). */
	bool enabled_at_creation;
	/* Optional: the driver's login counters since start (metrics). */
	void (*login_stats)(struct scst_login_stats *st);
};

/* ---------------------------------------------------------------------- */
/* Device handler interface                                                */

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
	/* Optional: a LUN RESET or TARGET RESET reached the device (tm.c);
	 * a pass-through handler resets the real one. */
	void (*reset)(struct scst_device *dev);
};

/* Whether add_device of dt accepts parameter key. */
bool scst_dev_type_has_param(const struct scst_dev_type *dt, const char *key);

/* ---------------------------------------------------------------------- */
/* Command statistics (cmd_stats.c)                                        */

/* What a command is counted as: a medium READ, a medium WRITE, or
 * anything else (INQUIRY, TEST UNIT READY, a refused CDB...). */
enum scst_cmd_class {
	SCST_CLASS_READ = 0,
	SCST_CLASS_WRITE,
	SCST_CLASS_OTHER,
	SCST_CLASS__COUNT
};

/* Upper bounds (ns) of the latency histogram's finite buckets; the last
 * bucket (index SCST_LAT_BUCKETS) is +Inf. */
#define SCST_LAT_BUCKETS 17
extern const uint64_t scst_lat_bucket_ns[SCST_LAT_BUCKETS];
/* The bucket a latency of ns falls in: the first whose bound is >= ns. */
unsigned scst_lat_bucket_of(uint64_t ns);

/* Monotonic counters of one I_T_L nexus (or of a session's commands for
 * no LUN, or a sum).  Written only by the owning session's loop with
 * relaxed stores; readers sum them with relaxed loads. */
struct scst_io_counters {
	uint64_t cmds[SCST_CLASS__COUNT];
	uint64_t read_bytes, write_bytes;       /* data-in sent, data-out received */
	uint64_t sense_key[16];                 /* CHECK CONDITIONs by sense key */
	uint64_t busy, task_set_full;
	uint64_t lat_bucket[SCST_LAT_BUCKETS + 1]; /* per bucket, not cumulative */
	uint64_t lat_sum_ns;
};
/* sum += c, reading c with relaxed loads. */
void scst_io_counters_add(struct scst_io_counters *sum, const struct scst_io_counters *c);

/* README.scst's latency statistics (SCST's CONFIG_SCST_MEASURE_LATENCY):
 * per request size class and direction, the time spent in the core
 * (scst), in the target driver (tgt: WRITE data transfer and sending the
 * response) and in the device handler (dev).  Cleared on request by
 * management: reset_req is bumped there, and the owning loop zeroes the
 * block before its next update, so no lock is shared with the command
 * path. */
enum { SCST_LAT_PART_SCST = 0, SCST_LAT_PART_TGT, SCST_LAT_PART_DEV, SCST_LAT_PARTS };
#define SCST_LAT_SIZES 5                /* <=8K, <=32K, <=128K, <=512K, >512K */
struct scst_lat_acc {
	uint64_t n;
	uint64_t sum[SCST_LAT_PARTS], min[SCST_LAT_PARTS], max[SCST_LAT_PARTS];   /* ns */
};
struct scst_lat_stats {
	struct scst_lat_acc by_size[SCST_LAT_SIZES][2];        /* [size][0 write, 1 read] */
	struct scst_lat_acc all;
	unsigned reset_req, reset_seen;
};
/* README.scst-3.x measure_latency: the latency statistics are gathered
 * (two more clock reads per command, four for a WRITE) only while on;
 * the histogram of the metrics always is.  Off at start. */
void scst_set_measure_latency(bool on);
bool scst_measure_latency_on(void);
/* A consistent-enough copy for display (zeros when a reset is pending). */
void scst_lat_stats_read(const struct scst_lat_stats *st, struct scst_lat_stats *out);
void scst_lat_stats_request_reset(struct scst_lat_stats *st);
/* The size class SCST files a command of bufflen bytes under. */
unsigned scst_lat_size_class(uint32_t bufflen);

/* ---------------------------------------------------------------------- */
/* Objects                                                                 */

/* Where the reservations of an LU exported by several daemons live
 * (docs/design.md "Reservations shared by gateways").  The core keeps the
 * state as a text (pr_store.c's format) and a version; the backend keeps
 * both where every daemon reaches them and tells the other daemons about
 * a change.  Every function may block (bounded by the backend's own
 * timeouts) and is called without dev->lock. */
struct scst_pr_backend {
	/* The stored state: *text malloc'd (NULL when nothing was stored
	 * yet, *version then 0).  0 or -errno. */
	int (*load)(struct scst_device *dev, char **text, size_t *len, uint64_t *version);
	/* Stores text if the stored state is still the one at `version`
	 * (0: none stored yet): 0 with the new version, -ECANCELED when
	 * another daemon stored first, other -errno when it cannot tell. */
	int (*store)(struct scst_device *dev, const char *text, uint64_t version,
		     uint64_t *new_version);
	/* Hands msg to every daemon's scst_pr_shared_event (this one's
	 * included) and waits a bounded time for them to take it.  0 or
	 * -errno (then some daemon may not have it). */
	int (*announce)(struct scst_device *dev, const char *msg, size_t len);
};

struct scst_device {
	struct list_head node;                  /* scst_devices */
	char name[SCST_NAME_MAX];
	struct scst_dev_type *handler;
	void *dh_priv;                          /* handler's own state */

	int type;                               /* SCSI peripheral type */
	uint32_t block_size;
	unsigned block_shift;
	uint64_t nblocks;                       /* capacity in blocks */
	bool read_only;
	bool removable;
	bool write_through;
	bool nv_cache;
	bool d_sense;                           /* descriptor sense format */
	/* Control mode page bits, set by MODE SELECT (vdisk_mode.c) or the
	 * device attribute: SWP refuses medium writes; with TAS, commands
	 * aborted by another I_T nexus's task management end with TASK
	 * ABORTED instead of a UA (tm.c). */
	bool swp;
	bool tas;
	bool thin_provisioned;
	bool medium_present;
	/* A real SCSI device behind the handler (dev_disk, dev_tape...): the
	 * device checks its own CDB fields and LBA ranges, so parse only
	 * decodes direction and length (opcode_passthru.c). */
	bool passthrough;
	/* The largest transfer the backing device takes; 0: the core's. */
	uint32_t max_xfer_bytes;
	/* Removable medium (medium.c), under lock: the tray opened by START
	 * STOP UNIT, no medium inserted (vcdrom), PREVENTs in force. */
	bool medium_ejected;
	bool medium_missing;
	unsigned prevent_count;

	char t10_vend_id[9];
	char prod_id[17];
	char prod_rev[5];
	char t10_dev_id[65];
	char usn[65];
	uint64_t naa_id;                        /* derived from the name */

	pthread_mutex_t lock;                   /* tgt_devs, UA fan-out, reservations */
	struct list_head tgt_devs;
	unsigned export_count;                  /* acg_devs referring to it */

	/* Reservations, under lock.  resv_active is a racy hint read without
	 * the lock by the command path: set while any SPC-2 reservation or
	 * persistent registration exists. */
	const struct scst_session *reserved_by; /* SPC-2 RESERVE holder (reserve.c) */
	struct scst_pr *pr;                     /* persistent reservations (pr.c) */
	/* Set by the handler's attach for an LU several daemons export: the
	 * reservation state lives there, not in the PR file (pr_shared.c). */
	const struct scst_pr_backend *pr_backend;
	struct scst_pr_shared *pr_shared;       /* core's side of it */
	volatile bool resv_active;

	/* SANITIZE (sanitize_state.c), read by every command's check:
	 * 0 idle, else SCST_SANITIZE_RUNNING | progress (0..0xffff), or
	 * SCST_SANITIZE_FAILED until EXIT FAILURE MODE or a good sanitize. */
	uint32_t sanitize_state;

	/* Cross-loop aborts (tm.c) still to run on some loop; deletion
	 * waits until none refers to the device (atomic). */
	unsigned abort_pins;
	/* Commands whose cmd->dev is this device, from LUN lookup to
	 * release (cmd.c, atomic): a LUN removed live leaves them running,
	 * so deletion waits for them too. */
	unsigned cmd_pins;

	/* Counters of the nexuses already gone (dev->lock): with those of
	 * dev->tgt_devs they give the device's totals. */
	struct scst_io_counters gone_io;
	/* The ALUA device group holding the device (core/alua.c), under
	 * scst_mutex; NULL: one implicit group of every port. */
	struct scst_dev_group *alua_dg;
};

/* Initiator name pattern entry of an ini_group. */
struct scst_acn {
	struct list_head node;
	char name[SCST_NAME_MAX];
};

/* One LUN of a LUN set. */
struct scst_acg_dev {
	struct list_head node;
	struct scst_device *dev;
	uint64_t lun;
	bool read_only;
};

enum scst_addr_method {
	SCST_LUN_ADDR_METHOD_PERIPHERAL = 0,
	SCST_LUN_ADDR_METHOD_FLAT = 1,
};

/* Access control group: a target's default LUN set or an ini_group. */
struct scst_acg {
	struct list_head node;                  /* tgt->acg_list */
	struct scst_tgt *tgt;
	char name[SCST_NAME_MAX];
	bool is_default;
	enum scst_addr_method addr_method;
	struct list_head acg_devs;
	struct list_head acns;
	/* Bumped (under scst_mutex) when a LUN is added or removed, so a
	 * long-lived session can notice and sync its LUN table. */
	volatile unsigned generation;
};

struct scst_tgt {
	struct list_head node;                  /* scst_targets */
	struct scst_tgt_template *tgtt;
	char name[SCST_NAME_MAX];
	bool enabled;
	uint16_t rel_tgt_id;
	struct scst_acg *default_acg;
	struct list_head acg_list;              /* ini_groups */
	struct list_head sessions;
	void *tgt_priv;                         /* the driver's target */
	/* Counters of its sessions already gone (scst_mutex). */
	struct scst_io_counters gone_io;
};

/* Unit attention waiting on one I_T_L nexus. */
struct scst_ua {
	struct list_head node;
	enum scst_sense_id id;
};

/* I_T_L nexus. */
struct scst_tgt_dev {
	struct list_head dev_node;              /* dev->tgt_devs, dev->lock */
	struct scst_session *sess;
	struct scst_device *dev;
	uint64_t lun;
	bool read_only;
	struct list_head uas;                   /* dev->lock */
	volatile bool ua_pending;               /* racy hint; rechecked locked */
	unsigned active_cmds;                   /* owner loop only */
	bool prevent_removal;                   /* dev->lock: PREVENT from this nexus */
	/* Task attributes (task_order.c), owner loop only. */
	struct list_head held_cmds;             /* not yet started, in order */
	unsigned started_cmds;                  /* started, not yet released */
	bool ordered_running;
	bool order_draining;
	/* Statistics, written by the owner loop only (cmd_stats.c). */
	struct scst_io_counters io;
	struct scst_lat_stats lat;
	/* Asymmetric access state of the nexus's target port for the device
	 * (core/alua.c): written under dev->lock, read by the command path. */
	volatile uint8_t alua_state;
};

/* I_T nexus. */
struct scst_session {
	struct list_head node;                  /* tgt->sessions */
	struct scst_tgt *tgt;
	struct scst_acg *acg;                   /* fixed at login */
	struct ioloop *loop;
	char initiator_name[SCST_NAME_MAX];
	/* Name persistent reservations know this I_T nexus by; NULL means
	 * initiator_name.  Swapped atomically, never freed by the core. */
	const char *pr_name;
	void *tgt_priv;
	/* Unique for the daemon's life: unlike the pointer, never reused by a
	 * later session (state kept per I_T nexus, e.g. copy results). */
	uint64_t serial;

	/* LUN number -> nexus; rebuilt when the LUN set changes. */
	struct scst_tgt_dev **luns;
	unsigned nluns;
	/* Nexuses of LUNs removed live, kept until no command uses them. */
	struct list_head retired_tgt_devs;

	struct list_head cmds;                  /* active commands */
	unsigned active_cmds;
	uint64_t commands_total;
	uint64_t read_bytes, write_bytes, read_cmds, write_cmds;
	/* Statistics, written by the session's loop only (cmd_stats.c):
	 * commands for no LUN, nexuses freed since, and the session-wide
	 * latency file. */
	struct scst_io_counters nolun_io, gone_io;
	struct scst_lat_stats lat;
};

enum scst_cmd_state {
	SCST_CMD_STATE_INIT = 0,
	SCST_CMD_STATE_DATA_WAIT,     /* transport fetching WRITE data */
	SCST_CMD_STATE_EXEC,          /* in the handler */
	SCST_CMD_STATE_XMIT,          /* with the transport for sending */
};

struct scst_cmd {
	struct list_head sess_node;             /* sess->cmds */
	struct scst_session *sess;
	struct scst_tgt_dev *tgt_dev;           /* NULL for an unknown LUN */
	struct scst_device *dev;
	uint64_t lun;                           /* decoded LUN number */
	uint64_t tag;
	enum scst_queue_type queue_type;
	enum scst_cmd_state state;

	uint8_t cdb[SCST_MAX_CDB_SIZE];
	unsigned cdb_len;

	/* Filled by parse from the opcode table and the CDB. */
	const struct scst_opcode_desc *op;
	enum scst_data_dir data_dir;
	uint32_t bufflen;                       /* bytes the CDB transfers */
	uint32_t cdb_bufflen;                   /* bufflen before EDTL clipping */
	uint64_t lba;
	uint32_t nblocks;                       /* blocks the CDB addresses */

	/* What the initiator announced (expected length and direction). */
	bool expected_set;
	enum scst_data_dir expected_dir;
	uint32_t expected_len;

	/* Data buffer (from the per-loop pool). */
	uint8_t *buf;
	uint32_t buf_size;
	uint32_t write_len;                     /* WRITE bytes to fetch */
	uint32_t resp_data_len;                 /* READ bytes valid in buf */

	/* Result. */
	uint8_t status;
	uint8_t sense_len;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	bool aborted;
	bool tas_response;                      /* send TASK ABORTED */

	struct scst_mgmt_cmd *mcmd;             /* TMF waiting for this cmd */
	void *tgt_priv;                         /* transport's command */
	struct io_op io;                        /* handler's async I/O */
	uint64_t dh_u64[4];                     /* handler scratch */
	uint64_t be_u64[4];                     /* handler backend I/O scratch */
	/* The handler's per-device LBA range lock (COMPARE AND WRITE
	 * atomicity): the command's place on its held/waiting list. */
	struct list_head lba_lock_node;
	bool lba_lock_excl;
	/* Task attributes (task_order.c): held on tgt_dev->held_cmds. */
	struct list_head order_node;
	bool order_held;
	bool order_started;
	/* CLOCK_MONOTONIC stamps (ns) for the latency statistics: received,
	 * WRITE data asked for and arrived, handed to the handler, handed to
	 * the transport for sending (those four only with lat_measured).  0:
	 * the step did not happen. */
	uint64_t t_rx, t_rdy, t_data, t_exec, t_xmit;
	bool lat_measured;                      /* measure_latency was on at rx */
	bool data_received;                     /* WRITE data arrived */
};

struct scst_mgmt_cmd {
	struct scst_session *sess;
	enum scst_tm_fn fn;
	uint64_t lun;                           /* decoded */
	uint64_t tag;                           /* ABORT TASK: task tag */
	enum scst_tm_status status;
	unsigned pending;                       /* aborted cmds not yet freed (atomic) */
	void *tgt_priv;
	struct list_head node;
	/* PREEMPT AND ABORT: the PR OUT command completed once the aborts
	 * are done (no transport answer then). */
	struct scst_cmd *pr_cmd;
};

/* ---------------------------------------------------------------------- */
/* Global registry (scst_mutex)                                            */

extern pthread_mutex_t scst_mutex;
extern struct list_head scst_devices;
extern struct list_head scst_targets;
extern struct list_head scst_dev_types;
extern struct list_head scst_tgt_templates;

int scst_register_dev_type(struct scst_dev_type *dt);
int scst_register_target_template(struct scst_tgt_template *tt);
struct scst_dev_type *scst_find_dev_type(const char *name);
struct scst_tgt_template *scst_find_target_template(const char *name);
struct scst_device *scst_find_device(const char *name);
struct scst_tgt *scst_find_target(struct scst_tgt_template *tt, const char *name);

/* Configuration entry points (take scst_mutex).  Return 0 or -errno and
 * put a one-line reason in err. */
/* README.scst setup_id (management's root attribute): feeds the
 * identifiers generated for devices made afterwards. */
uint32_t scst_get_setup_id(void);
void scst_set_setup_id(uint32_t id);
int scst_add_device(const char *handler, const char *name, const struct scst_kv *params,
		    size_t nparams, char *err, size_t errlen);
int scst_del_device(const char *name, char *err, size_t errlen);
struct scst_tgt *scst_add_target(struct scst_tgt_template *tt, const char *name, void *tgt_priv,
				 char *err, size_t errlen);
int scst_del_target(struct scst_tgt *tgt, char *err, size_t errlen);
struct scst_acg *scst_add_acg(struct scst_tgt *tgt, const char *name, char *err, size_t errlen);
struct scst_acg *scst_find_acg(struct scst_tgt *tgt, const char *name);
int scst_acg_add_lun(struct scst_acg *acg, uint64_t lun, const char *dev_name, bool read_only,
		     char *err, size_t errlen);
int scst_acg_add_initiator(struct scst_acg *acg, const char *pattern, char *err, size_t errlen);
/* -EBADSLT when enabling a target whose rel_tgt_id an enabled target has. */
int scst_tgt_set_enabled(struct scst_tgt *tgt, bool enabled, char *err, size_t errlen);

/* ---------------------------------------------------------------------- */
/* Sessions and commands (called by target drivers on the session's loop)  */

/* Whether name can name an object of the management tree (a session is
 * listed under its initiator's name): non-empty, shorter than
 * SCST_NAME_MAX, no control characters, spaces or '/', not "." or "..". */
bool scst_name_valid(const char *name);
struct scst_session *scst_register_session(struct scst_tgt *tgt, const char *initiator_name,
					   void *tgt_priv, struct ioloop *loop);
/* All commands must have been released (scst_tgt_cmd_done) first. */
void scst_unregister_session(struct scst_session *sess);
/* Marks every command of the session aborted (connection loss). */
void scst_session_abort_all(struct scst_session *sess);
/* Marks one command aborted (loss of the connection it came on, MC/S). */
void scst_cmd_abort(struct scst_cmd *cmd);
/* Adds nexuses for LUNs added to the session's group since login.  Call
 * on the session's loop; 0 or -ENOMEM. */
int scst_session_sync_luns(struct scst_session *sess);
/* A TransportID kept verbatim as a PR name ("tid:" and its bytes in hex),
 * for an initiator port whose TransportID has no name form of its
 * transport's (scst_local's transport_id); READ FULL STATUS reports it
 * byte for byte.  Returns 0, or -ENAMETOOLONG when it does not fit size. */
int scst_pr_verbatim_name(const uint8_t *tid, uint32_t len, char *name, size_t size);

/* The PR identity of the session (pr_name or initiator_name). */
const char *scst_sess_pr_name(const struct scst_session *sess);
/* Sets it; name must stay valid until the session is unregistered. */
void scst_session_set_pr_name(struct scst_session *sess, const char *name);

/* Decodes an 8-byte SAM LUN (peripheral or flat); UINT64_MAX if invalid. */
uint64_t scst_unpack_lun(const uint8_t lun[8]);
void scst_pack_lun(uint64_t lun, enum scst_addr_method method, uint8_t out[8]);

/* Creates a command from a CDB; returns NULL only when out of memory. */
struct scst_cmd *scst_rx_cmd(struct scst_session *sess, const uint8_t lun[8], const uint8_t *cdb,
			     unsigned cdb_len);
void scst_cmd_set_expected(struct scst_cmd *cmd, enum scst_data_dir dir, uint32_t len);
/* Parses and checks; then either calls tgtt->rdy_to_xfer (WRITE data
 * needed), runs the command, or calls tgtt->xmit_response (error). */
void scst_cmd_init_done(struct scst_cmd *cmd);
/* WRITE data fetched (ok) or its transfer failed (!ok). */
void scst_rx_data(struct scst_cmd *cmd, bool ok);
/* The transport is done with the command: frees it. */
void scst_tgt_cmd_done(struct scst_cmd *cmd);

/* Runs a task management function.  tgtt->task_mgmt_fn_done() is called
 * when it has finished, possibly before this returns.  Returns 0, or
 * -ENOMEM when nothing was started. */
int scst_rx_mgmt_fn(struct scst_session *sess, enum scst_tm_fn fn, const uint8_t lun[8],
		    uint64_t tag, void *tgt_priv);
void scst_mgmt_cmd_free(struct scst_mgmt_cmd *mcmd);

/* Statistics readers (management, metrics).  Device: takes dev->lock.
 * Session and target: caller holds scst_mutex.  The sums are of counters
 * still being written, so each value may be a moment old. */
void scst_dev_io_counters(struct scst_device *dev, struct scst_io_counters *out);
void scst_sess_io_counters(const struct scst_session *sess, struct scst_io_counters *out);
void scst_tgt_io_counters(const struct scst_tgt *tgt, struct scst_io_counters *out);
/* ABORT TASK of a task that has already finished: "task does not exist"
 * when on, "function complete" when off (the default, see tm.c). */
void scst_set_abort_finished_not_existing(bool on);
bool scst_abort_finished_not_existing(void);

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

/* A backend's announce reached this daemon (any thread, no lock held):
 * the core takes the new reservation state and delivers the unit
 * attentions and PREEMPT AND ABORT aborts it names to its own nexuses.
 * Malformed messages are logged and dropped. */
void scst_pr_shared_event(struct scst_device *dev, const char *msg, size_t len);

/* Queues a unit attention on every nexus of dev (except `except`). */
void scst_dev_queue_ua(struct scst_device *dev, enum scst_sense_id id,
		       const struct scst_tgt_dev *except);
void scst_tgt_dev_queue_ua(struct scst_tgt_dev *tgt_dev, enum scst_sense_id id);

/* Removable medium (core/medium.c).  START STOP UNIT and PREVENT ALLOW
 * MEDIUM REMOVAL: set cmd's status (GOOD or the error); the handler
 * completes the command. */
void scst_medium_start_stop(struct scst_cmd *cmd);
void scst_medium_prevent_allow(struct scst_cmd *cmd);
bool scst_medium_removal_prevented(struct scst_device *dev);
/* A medium was inserted (every nexus gets NOT READY TO READY CHANGE) or
 * removed by management. */
void scst_medium_set_inserted(struct scst_device *dev, bool inserted);

/* Directory where the core keeps state that must survive a restart
 * (persistent reservations with APTPL).  NULL or unset: nothing is kept. */
void scst_set_state_dir(const char *path);

/* Per-loop buffer pool (SGV cache).  Every buffer counts against the
 * command memory limit until freed; scst_buf_alloc never refuses for the
 * limit (for data already on the wire), scst_buf_alloc_limited returns
 * NULL with *over_limit set when the buffer would pass it. */
void *scst_buf_alloc(uint32_t size, uint32_t *actual);
void *scst_buf_alloc_limited(uint32_t size, uint32_t *actual, bool *over_limit);
void scst_buf_free(void *buf, uint32_t size);
/* Frees the calling thread's cached buffers / commands (for the main thread,
 * whose thread-exit destructors never run). */
void scst_sgv_thread_release(void);

/* SGV cache statistics (management tree sgv/): totals since start over
 * every thread, so they only grow; in_use and cached are current values. */
#define SCST_SGV_CLASSES 13             /* 4 KiB .. 16 MiB */
struct scst_sgv_class_stats {
	uint32_t size;                  /* bytes of one buffer */
	uint64_t hit, total, freed;     /* hit: served from a free list */
	uint64_t in_use, cached;        /* buffers out / on free lists */
};
struct scst_sgv_stats {
	struct scst_sgv_class_stats cls[SCST_SGV_CLASSES];
	uint64_t big_alloc, big_pages, big_freed, big_in_use_pages;
	unsigned threads, keep_per_class;
};
void scst_sgv_get_stats(struct scst_sgv_stats *st);
void scst_cmd_cache_thread_release(void);

/* Command memory limit (README.scst scst_max_cmd_mem): bytes of data
 * buffers held by commands at any time.  Unlimited until set. */
uint64_t scst_cmd_mem_default_limit(void);     /* TotalMem/4 */
void scst_cmd_mem_set_limit(uint64_t bytes);
bool scst_cmd_mem_charge(uint64_t bytes);      /* false: over the limit */
void scst_cmd_mem_charge_forced(uint64_t bytes);
void scst_cmd_mem_uncharge(uint64_t bytes);
void scst_cmd_mem_thread_exit(void);           /* returns the thread's credit */
struct scst_cmd_mem_stats {
	uint64_t limit;
	uint64_t charged;       /* in use, plus each thread's unspent chunk */
	uint64_t peak;          /* highest charged since start or reset */
	uint64_t refused;       /* buffers refused at the limit */
	uint64_t chunk;         /* granularity of the global charge */
};
void scst_cmd_mem_get_stats(struct scst_cmd_mem_stats *st);
void scst_cmd_mem_reset_stats(void);
/* A command refused for lack of resources: TASK SET FULL when its session
 * has other commands outstanding, else BUSY (SCST's scst_set_busy rule). */
void scst_set_busy(struct scst_cmd *cmd);
/* A data buffer for cmd (its own, or one more a handler needs): NULL with
 * cmd's status set when refused at the limit (scst_set_busy) or when the
 * allocator fails (INSUFFICIENT RESOURCES).  Freed with scst_buf_free. */
void *scst_cmd_buf_alloc(struct scst_cmd *cmd, uint32_t size, uint32_t *actual);

#endif
