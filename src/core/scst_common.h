/* scst_common.h - what the core, target drivers and device handlers all
 * see: the SAM/SPC vocabulary (status, sense, directions, task management)
 * and the objects (device, target, group, nexus, session, command).
 *
 * Target drivers include core/scst_tgt.h, device handlers core/scst_dev.h;
 * both pull this in.  Nothing here needs liburing: the command's io_op is
 * the loop's plain callback record (util/ioloop.h).
 *
 * Threading: a session lives on one I/O loop and so do its commands; the
 * command path takes no lock.  Configuration (devices, targets, groups,
 * session lists) is guarded by scst_mutex; device-wide state (UA fan-out,
 * reservations) by dev->lock. */
#ifndef SCSTD_CORE_SCST_COMMON_H
#define SCSTD_CORE_SCST_COMMON_H

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
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

/* SCST's session statistics directions (its scst_data_direction order). */
enum scst_sess_dir {
	SCST_SESS_DIR_UNKNOWN = 0,      /* the command was never parsed */
	SCST_SESS_DIR_WRITE,
	SCST_SESS_DIR_READ,
	SCST_SESS_DIR_BIDI,
	SCST_SESS_DIR_NONE,
	SCST_SESS_DIRS
};

struct scst_sess_dir_stats {
	uint64_t cmds, bytes, unaligned;
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

/* README.scst-3.x's latency statistics (sessions/<ini>/latency/<t><size>):
 * per size class (2^(9+i) bytes: up to that size and above the smaller
 * one, the last also all larger), direction (enum scst_data_dir, as
 * SCST's & 3) and stage of scstd's own command path, the count, min, max,
 * sum and sum of squares of the time spent in the stage, in units of
 * 100 ns as SCST keeps them.  A stage runs from its stamp (struct
 * scst_cmd t_*) to the next stamp the command took.  Cleared on request
 * by management: reset_req is bumped there, and the owning loop zeroes
 * the block before its next update, so no lock is shared with the
 * command path. */
enum scst_lat_stage {
	SCST_LAT_CORE_INIT,     /* t_rx: parse, LUN, ordering, until the next step */
	SCST_LAT_TGT_DATA_IN,   /* t_rdy: the target driver fetches WRITE data */
	SCST_LAT_CORE_PRE_EXEC, /* t_data: data arrived, until the handler */
	SCST_LAT_DEV_EXEC,      /* t_exec: the device handler and completion */
	SCST_LAT_TGT_XMIT,      /* t_xmit: the target driver sends the response */
	SCST_LAT_STAGES
};
#define SCST_LAT_SIZES 11               /* 512 .. 524288 bytes */
#define SCST_LAT_LOG2_MIN 9
#define SCST_LAT_DIRS 4
struct scst_lat_entry {
	uint64_t count, min, max, sum, sumsq;   /* 100 ns units */
};
struct scst_lat_stats {
	struct scst_lat_entry e[SCST_LAT_SIZES][SCST_LAT_DIRS][SCST_LAT_STAGES];
	unsigned reset_req, reset_seen;
};

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
	/* A running sanitize operation holds the device (sanitize_state.c),
	 * and is asked to stop by deletion and shutdown (atomic). */
	unsigned sanitize_pins;
	bool sanitize_stop;

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

/* README.scst io_grouping_type: which sessions share an I/O thread. */
enum scst_io_grouping {
	SCST_IO_GROUPING_AUTO,          /* sessions of one initiator name, all targets */
	SCST_IO_GROUPING_THIS_GROUP_ONLY,       /* every session of the group */
	SCST_IO_GROUPING_NEVER,         /* each session on its own */
	SCST_IO_GROUPING_NUMBER,        /* every group with the same number */
};

/* Access control group: a target's default LUN set or an ini_group. */
struct scst_acg {
	struct list_head node;                  /* tgt->acg_list */
	struct scst_tgt *tgt;
	char name[SCST_NAME_MAX];
	bool is_default;
	enum scst_addr_method addr_method;
	/* io_grouping_type and cpu_mask (io_group.c), scst_mutex. */
	enum scst_io_grouping io_grouping;
	unsigned io_group_number;
	bool cpu_mask_set;                      /* false: every CPU (SCST's default) */
	cpu_set_t cpu_mask;
	struct list_head acg_devs;
	struct list_head acns;
	/* The group's LUNs follow their devices (copy_manager_tgt): deleting
	 * a device takes its LUN here with it instead of being refused. */
	bool luns_follow_devices;
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
	/* rel_tgt_id was written (mgmt or configuration), not only given at
	 * creation: what SCST shows for a target it never enables. */
	bool rel_tgt_id_set;
	struct scst_acg *default_acg;
	struct list_head acg_list;              /* ini_groups */
	struct list_head sessions;
	void *tgt_priv;                         /* the driver's target */
	/* Counters of its sessions already gone (scst_mutex). */
	struct scst_io_counters gone_io;
};

/* Unit attention waiting on one I_T_L nexus: one of scstd's (id), or one
 * a pass-through device reported to another nexus (id SCST_S_OK, its key,
 * ASC and ASCQ). */
struct scst_ua {
	struct list_head node;
	enum scst_sense_id id;
	uint8_t key, asc, ascq;
};

/* Whether tgt is a target port initiators reach: every target but one
 * never enabled from outside (copy_manager_tgt), whose relative port
 * identifier stays 0, the value SPC-4 reserves. */
static inline bool scst_tgt_is_port(const struct scst_tgt *tgt)
{
	return tgt->rel_tgt_id != 0;
}

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
	/* Statistics, written by the owner loop only (cmd_stats.c). */
	struct scst_io_counters io;
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
	/* The loop a requested move goes to, until the transport made it
	 * (scst_session_moved).  scst_mutex, like loop's changes. */
	struct ioloop *move_to;
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
	/* SCST's io_stats: per data direction, the commands finished, the
	 * bytes their CDBs transfer and how many of them were not 4 KiB
	 * aligned (cmd_stats.c).  Written by the session's loop, zeroed by
	 * management. */
	struct scst_sess_dir_stats dir_stats[SCST_SESS_DIRS];
	/* Statistics, written by the session's loop only (cmd_stats.c):
	 * commands for no LUN, nexuses freed since, and the latency/
	 * directory's statistics. */
	struct scst_io_counters nolun_io, gone_io;
	struct scst_lat_stats lat;
};

enum scst_cmd_state {
	SCST_CMD_STATE_INIT = 0,
	SCST_CMD_STATE_DATA_WAIT,     /* transport fetching WRITE data */
	SCST_CMD_STATE_EXEC,          /* in the handler */
	SCST_CMD_STATE_XMIT,          /* with the transport for sending */
};

/* A response or TMF answer on its way to the transport (cmd_deliver.c). */
enum scst_delivery_kind { SCST_DELIVER_CMD, SCST_DELIVER_MGMT };
struct scst_delivery {
	struct list_head node;
	enum scst_delivery_kind kind;
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
	/* Zero-copy READ (scst_cmd_lend_resp_data): the response data lent
	 * in place by the handler, read-only and valid until the command is
	 * done; NULL: the data is in buf.  Only when the transport said it
	 * hands READ data to the kernel alone (tgt_takes_lent_data). */
	const uint8_t *resp_lent;
	bool tgt_takes_lent_data;

	/* Result. */
	uint8_t status;
	uint8_t sense_len;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	bool aborted;
	bool tas_response;                      /* send TASK ABORTED */

	struct scst_mgmt_cmd *mcmd;             /* TMF waiting for this cmd */
	/* Set by a handler whose command only waits on an operation that
	 * outlives it (a SANITIZE with IMMED 0): called on cmd's loop when
	 * cmd is aborted in the handler, and completes cmd at once
	 * (scst_cmd_done) while the operation goes on. */
	void (*abort_fn)(struct scst_cmd *cmd);
	void *tgt_priv;                         /* transport's command */
	struct io_op io;                        /* handler's async I/O */
	/* The handler's own per-command state, opaque to the core: typed by
	 * handlers/cmd_state.h (dh_state: its exec, be_state: its backend). */
	alignas(uint64_t) unsigned char dh_state[32];
	alignas(uint64_t) unsigned char be_state[32];
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
	struct scst_delivery delivery;
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
	struct scst_delivery delivery;
};
/* ---------------------------------------------------------------------- */
/* Calls both audiences make                                               */

/* Guards the registry and configuration (see core/scst.h). */
extern pthread_mutex_t scst_mutex;

/* Per-loop buffer pool (SGV cache).  Every buffer counts against the
 * command memory limit until freed; scst_buf_alloc never refuses for the
 * limit (for data already on the wire), scst_buf_alloc_limited returns
 * NULL with *over_limit set when the buffer would pass it. */
void *scst_buf_alloc(uint32_t size, uint32_t *actual);
void *scst_buf_alloc_limited(uint32_t size, uint32_t *actual, bool *over_limit);
void scst_buf_free(void *buf, uint32_t size);

#endif
