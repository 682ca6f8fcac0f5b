/* tree.h - the management tree: a path-addressed view of the core's live
 * objects (README.scst "SCST sysfs interface"), built on demand at every
 * access so it can never go stale.  Used by the control socket and the FUSE
 * mount; reads, listings and writes are serialized by one management lock,
 * so a write runs against the same objects its path resolved to (the root
 * and last_sysfs_mgmt_res excepted: they are read while a long write runs;
 * stat only resolves, under scst_mutex, so it never waits for a write). */
#ifndef SCSTD_MGMT_TREE_H
#define SCSTD_MGMT_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/scst_common.h"

enum mgmt_kind { MGMT_DIR, MGMT_ATTR, MGMT_LINK, MGMT_MGMT };

/* Output collected by show functions; overflow is reported, not cut. */
struct mgmt_buf {
	char *p;
	size_t len, cap;
	bool overflow;
};
void mgmt_printf(struct mgmt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct mgmt_node;

struct mgmt_entry {
	const char *name;
	enum mgmt_kind kind;
	const struct mgmt_dir_ops *dir;                            /* MGMT_DIR */
	/* Attribute value, mgmt usage text, or link target. */
	int (*show)(const struct mgmt_node *n, struct mgmt_buf *out);
	/* NULL: read-only.  value has no trailing newline. */
	int (*store)(const struct mgmt_node *n, const char *value, char *err, size_t errlen);
	/* Optional: the entry exists for this object only when true. */
	bool (*present)(const struct mgmt_node *n);
};

typedef void (*mgmt_list_fn)(void *ctx, const char *name, enum mgmt_kind kind, bool writable);

struct mgmt_dir_ops {
	const struct mgmt_entry *entries;    /* static entries, name NULL ends */
	/* Dynamic children (objects); NULL when none. */
	int (*lookup)(const struct mgmt_node *dir, const char *name, struct mgmt_node *child);
	void (*list)(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx);
};

/* A resolved path: its kind, how to operate on it, and the objects met on
 * the way (valid while the management lock is held). */
struct mgmt_node {
	enum mgmt_kind kind;
	const struct mgmt_dir_ops *dir;
	const struct mgmt_entry *entry;
	struct scst_dev_type *dt;
	struct scst_device *dev;
	struct scst_tgt_template *tt;
	struct scst_tgt *tgt;
	struct scst_acg *acg;
	struct scst_acg_dev *ad;
	struct scst_session *sess;
	unsigned sess_lun;                   /* a session's lunX directory: X */
	struct scst_dev_group *dg;           /* device_groups/ (core/alua.h) */
	struct scst_target_group *tg;
	struct scst_tg_tgt *tgm;
	char name[SCST_NAME_MAX];            /* dynamic child's own name */
};

/* Directory families (one file each). */
extern const struct mgmt_dir_ops mgmt_root_dir;
extern const struct mgmt_dir_ops mgmt_handlers_dir;
extern const struct mgmt_dir_ops mgmt_devices_dir;
extern const struct mgmt_dir_ops mgmt_targets_dir;
extern const struct mgmt_dir_ops mgmt_luns_dir;
extern const struct mgmt_dir_ops mgmt_ini_groups_dir;
extern const struct mgmt_dir_ops mgmt_sessions_dir;
extern const struct mgmt_dir_ops mgmt_sgv_dir;
extern const struct mgmt_dir_ops mgmt_device_groups_dir;

/* A session's directory name under sessions/: its initiator name, a
 * second session of the same initiator NAME_1, a third NAME_2 (as SCST).
 * Caller holds scst_mutex. */
void mgmt_session_name(const struct scst_session *sess, char *buf, size_t len);
extern const struct mgmt_dir_ops mgmt_exported_dir;

/* Helpers for the families. */
void mgmt_child_entry(struct mgmt_node *child, const struct mgmt_node *parent,
		      const struct mgmt_entry *e, const char *name);
void mgmt_child_dir(struct mgmt_node *child, const struct mgmt_node *parent,
		    const struct mgmt_dir_ops *dir, const char *name);
int mgmt_show_usage(struct mgmt_buf *out, const char *text);
/* Value plus the "[key]" line of SysfsRules when key. */
void mgmt_show_value(struct mgmt_buf *out, const char *value, bool key);
/* Logs the refused command once and passes rc on. */
int mgmt_refuse(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* mgmt_trace.c: trace_level (root, drivers, handlers), a driver's
 * version and a handler's type (SysfsRules). */
int mgmt_show_trace_level(const struct mgmt_node *n, struct mgmt_buf *out);
int mgmt_store_trace_level(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen);
int mgmt_show_component_version(const struct mgmt_node *n, struct mgmt_buf *out);
int mgmt_show_handler_type(const struct mgmt_node *n, struct mgmt_buf *out);

/* mgmt_io_group.c: io_grouping_type and cpu_mask of a target or group. */
int mgmt_show_io_grouping(const struct mgmt_node *n, struct mgmt_buf *out);
int mgmt_store_io_grouping(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen);
int mgmt_show_cpu_mask(const struct mgmt_node *n, struct mgmt_buf *out);
int mgmt_store_cpu_mask(const struct mgmt_node *n, const char *value, char *err, size_t errlen);
/* mgmt_addr_method.c: addr_method of a target's or group's LUN set. */
int mgmt_show_addr_method(const struct mgmt_node *n, struct mgmt_buf *out);
int mgmt_store_addr_method(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen);

/* A target driver's own entries and mgmt commands (README.scst_local's
 * stats, transport versions, transport_id, host, add_session...), added
 * to the generic driver, target and session directories. */
struct mgmt_driver_ext {
	const char *driver;
	const struct mgmt_entry *driver_entries;    /* targets/<driver>/ */
	const struct mgmt_entry *target_entries;    /* targets/<driver>/<t>/ */
	const struct mgmt_entry *session_entries;   /* .../sessions/<s>/ */
	/* The mgmt help's parts SCST's template has (scst_tgtt_mgmt_show):
	 * the driver's own command lines, add_target's parameters, and the
	 * attributes add_attribute / add_target_attribute take ("A, B"). */
	const char *mgmt_cmd_help;
	const char *add_target_parameters;
	const char *tgtt_optional_attributes;
	const char *tgt_optional_attributes;
	/* Runs first for every command written to targets/<driver>/mgmt:
	 * 1 when not the driver's own, else 0 or -errno. */
	int (*mgmt_cmd)(const struct mgmt_node *n, const char *cmd, char *rest, char *err,
			size_t errlen);
};
/* At start-up, before the tree is used; -ENOSPC when the table is full. */
int mgmt_register_driver_ext(const struct mgmt_driver_ext *ext);
const struct mgmt_driver_ext *mgmt_find_driver_ext(const struct scst_tgt_template *tt);
/* An object named like one of its directory's own files would be listed
 * twice and never reached (SCST's sysfs refuses such a name as well):
 * true when entries (NULL: none) has an entry called name. */
bool mgmt_entry_named(const struct mgmt_entry *entries, const char *name);
/* 0, or -EINVAL and the message for a new `what` (device, group ...)
 * called like one of entries, the files of directory dir. */
int mgmt_refuse_entry_name(const struct mgmt_entry *entries, const char *name, const char *dir,
			   const char *what, char *err, size_t errlen);
/* The same for a new target of driver tt (targets/<driver>/'s files). */
int mgmt_refuse_target_name(const struct scst_tgt_template *tt, const char *name, char *err,
			    size_t errlen);
/* Lookup and listing over an extra entry table (NULL: none). */
int mgmt_lookup_extra(const struct mgmt_entry *entries, const struct mgmt_node *dir,
		      const char *name, struct mgmt_node *child);
void mgmt_list_extra(const struct mgmt_entry *entries, const struct mgmt_node *dir,
		     mgmt_list_fn fn, void *ctx);

/* ---- the public operations (take the management lock) ---- */

/* Paths are relative to the tree's root; a leading '/' is allowed.
 * Each returns 0 or -errno with a one-line reason in err; list, read and
 * readlink give -EAGAIN when a running write keeps the lock longer than
 * the write timeout. */
int mgmt_stat(const char *path, enum mgmt_kind *kind, bool *writable, char *err, size_t errlen);
int mgmt_list(const char *path, mgmt_list_fn fn, void *ctx, char *err, size_t errlen);
int mgmt_read(const char *path, struct mgmt_buf *out, char *err, size_t errlen);
int mgmt_write(const char *path, const char *value, char *err, size_t errlen);
int mgmt_readlink(const char *path, struct mgmt_buf *out, char *err, size_t errlen);

/* Result of the last write (README.scst last_sysfs_mgmt_res). */
int mgmt_last_result(void);
/* A write given up on by mgmt_write_timed still runs. */
bool mgmt_write_pending(void);

/* mgmt_write for a client that must not wait for ever (control socket,
 * FUSE): -EAGAIN when the write is not done within the timeout; it goes
 * on and its result lands in last_sysfs_mgmt_res. */
#define MGMT_WRITE_TIMEOUT_MS 15000     /* SCST's sysfs work timeout */
int mgmt_write_timed(const char *path, const char *value, char *err, size_t errlen);
void mgmt_set_write_timeout_ms(unsigned ms);
/* At shutdown, once no client can write: until the timed writes end. */
void mgmt_wait_writes(void);

/* The root's last_reload_time (now) and last_reload_result ("ok" or
 * "failed: why"), for the configuration reload on SIGHUP. */
void mgmt_note_reload(const char *result);

#define MGMT_MAX_PATH 4096
#define MGMT_MAX_VALUE 4096

#endif
