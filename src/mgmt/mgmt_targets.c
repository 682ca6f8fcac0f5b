/* mgmt_targets.c - targets/<driver>/ (enabled, mgmt: add_target,
 * del_target, add_attribute, add_target_attribute; the driver's added
 * attributes; one directory per target) and targets/<driver>/<target>/
 * (enabled, rel_tgt_id, the target's added attributes, luns/,
 * ini_groups/, sessions/).  Added attributes are [key] attributes of
 * SysfsRules, shown as KEY, KEY1, ... when given several times. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/attr_rules.h"
#include "core/mgmt_access.h"
#include "mgmt/cmd.h"
#include "mgmt/records.h"
#include "mgmt/tree.h"
#include "util/log.h"

/* ---- targets/<driver>/<target>/ ---- */

/* No [key], as in SCST: scstadmin saves `enabled` whatever its value and
 * compares it as a plain attribute (a [key] one would never match). */
static int show_tgt_enabled(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_show_value(out, n->tgt->enabled ? "1" : "0", false);
	return 0;
}

static int store_tgt_enabled(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	bool on;

	if (attr_rule_check(ATTR_TARGET, n->tgt->tgtt->name, "enabled", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_01(value, &on);
	return scst_tgt_set_enabled(n->tgt, on, err, errlen);
}

/* [key] unless 0, as SCST's scst_rel_tgt_id_show (copy_manager_tgt's is 0).
 * A target its driver enables by itself (scst_local) shows 0 until an id
 * is written, as SCST's (scst_rel_tgt_id_show: [key] only when non-zero;
 * SCST gives an id only when enabling through `enabled`).  It still has
 * its own port id for VPD 0x83 and persistent reservations. */
static bool tgt_always_enabled(const struct scst_tgt *tgt)
{
	return tgt->tgtt->enabled_at_creation;
}

static int show_rel_tgt_id(const struct mgmt_node *n, struct mgmt_buf *out)
{
	bool shown = !tgt_always_enabled(n->tgt) || n->tgt->rel_tgt_id_set;
	char v[8];

	snprintf(v, sizeof(v), "%u", shown ? n->tgt->rel_tgt_id : 0);
	mgmt_show_value(out, v, shown && n->tgt->rel_tgt_id != 0);
	return 0;
}

/* SCST creates `enabled` only for drivers with enable_target (not
 * scst_local) and not with enabled_attr_not_needed (copy_manager_tgt). */
static bool tgt_has_enabled(const struct mgmt_node *n)
{
	return !tgt_always_enabled(n->tgt) && !n->tgt->tgtt->enabled_attr_not_needed;
}

static int store_rel_tgt_id(const struct mgmt_node *n, const char *value, char *err,
			    size_t errlen)
{
	uint64_t id;

	if (attr_rule_check(ATTR_TARGET, n->tgt->tgtt->name, "rel_tgt_id", value, err,
			    errlen) < 0)
		return -EINVAL;
	attr_parse_uint(value, 0xffff, &id);
	/* SCST: 0 on a disabled target means "a free id when it is enabled";
	 * scstd's targets got a free id when they were made, so it stays. */
	if (id == 0 && tgt_always_enabled(n->tgt))
		return mgmt_refuse(-EINVAL, err, errlen, "rel_tgt_id: 0 is not valid for target "
				   "'%s', which is always enabled", n->tgt->name);
	if (id == 0)
		return n->tgt->enabled ? mgmt_refuse(-EINVAL, err, errlen, "rel_tgt_id: 0 only "
						     "for a disabled target") : 0;
	return scst_tgt_set_rel_tgt_id(n->tgt, (unsigned)id, err, errlen);
}

static const struct mgmt_entry target_entries[] = {
	{ .name = "enabled", .kind = MGMT_ATTR, .show = show_tgt_enabled,
	  .store = store_tgt_enabled, .present = tgt_has_enabled },
	{ .name = "rel_tgt_id", .kind = MGMT_ATTR, .show = show_rel_tgt_id,
	  .store = store_rel_tgt_id },
	{ .name = "addr_method", .kind = MGMT_ATTR, .show = mgmt_show_addr_method,
	  .store = mgmt_store_addr_method },
	{ .name = "io_grouping_type", .kind = MGMT_ATTR, .show = mgmt_show_io_grouping,
	  .store = mgmt_store_io_grouping },
	{ .name = "cpu_mask", .kind = MGMT_ATTR, .show = mgmt_show_cpu_mask,
	  .store = mgmt_store_cpu_mask },
	{ .name = "luns", .kind = MGMT_DIR, .dir = &mgmt_luns_dir },
	{ .name = "ini_groups", .kind = MGMT_DIR, .dir = &mgmt_ini_groups_dir },
	{ .name = "sessions", .kind = MGMT_DIR, .dir = &mgmt_sessions_dir },
	{ .name = NULL },
};

#define MAX_DRIVER_EXTS 8
static const struct mgmt_driver_ext *driver_exts[MAX_DRIVER_EXTS];

int mgmt_register_driver_ext(const struct mgmt_driver_ext *ext)
{
	for (size_t i = 0; i < MAX_DRIVER_EXTS; i++)
		if (!driver_exts[i]) {
			driver_exts[i] = ext;
			return 0;
		}
	return -ENOSPC;
}

const struct mgmt_driver_ext *mgmt_find_driver_ext(const struct scst_tgt_template *tt)
{
	for (size_t i = 0; i < MAX_DRIVER_EXTS && driver_exts[i]; i++)
		if (tt && !strcmp(driver_exts[i]->driver, tt->name))
			return driver_exts[i];
	return NULL;
}

static int target_ext_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(dir->tt);

	return ext ? mgmt_lookup_extra(ext->target_entries, dir, name, child) : -ENOENT;
}

/* Added attributes (IncomingUser, allowed_portal ...) are [key] files,
 * writable as SCST's are when the driver can take a value back: writing
 * one replaces that instance's value.  Otherwise (scst_local's
 * session_name) they are read-only records of the creation. */
static int show_tgt_attr(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[MGMT_MAX_RECORD];

	if (!mgmt_target_attr(n->tgt, n->name, v, sizeof(v)))
		return -ENOENT;
	mgmt_show_value(out, v, true);
	return 0;
}

static int store_tgt_attr(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	return mgmt_write_target_attr(n->tgt, n->name, value, err, errlen);
}

static const struct mgmt_entry tgt_attr_file = { .name = "<attribute>", .kind = MGMT_ATTR,
						 .show = show_tgt_attr };
static const struct mgmt_entry tgt_attr_file_rw = { .name = "<attribute>", .kind = MGMT_ATTR,
						    .show = show_tgt_attr,
						    .store = store_tgt_attr };

static int target_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	char v[8];

	if (target_ext_lookup(dir, name, child) == 0)
		return 0;

	if (!mgmt_target_attr(dir->tgt, name, v, sizeof(v)))
		return -ENOENT;
	mgmt_child_entry(child, dir, mgmt_target_attr_writable(dir->tgt) ? &tgt_attr_file_rw
									 : &tgt_attr_file, name);
	return 0;
}

struct list_ctx {
	mgmt_list_fn fn;
	void *ctx;
	const struct mgmt_entry *ext;    /* the driver's own files, listed already */
	bool writable;
};

static bool is_ext_entry(const struct mgmt_entry *ext, const char *name)
{
	for (; ext && ext->name; ext++)
		if (!strcmp(ext->name, name))
			return true;
	return false;
}

static void list_record(void *ctx, const char *key, const char *value)
{
	struct list_ctx *lc = ctx;

	(void)value;
	if (strcmp(key, "enabled") != 0 && !is_ext_entry(lc->ext, key))
		lc->fn(lc->ctx, key, MGMT_ATTR, lc->writable);
}

static void target_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(dir->tt);
	struct list_ctx lc = { fn, ctx, ext ? ext->target_entries : NULL,
			       mgmt_target_attr_writable(dir->tgt) };

	if (ext)
		mgmt_list_extra(ext->target_entries, dir, fn, ctx);
	mgmt_target_attrs(dir->tgt, list_record, &lc);
}

static const struct mgmt_dir_ops target_dir = {
	.entries = target_entries,
	.lookup = target_lookup,
	.list = target_list,
};

/* ---- targets/<driver>/ ---- */

static bool driver_has_attrs(const struct mgmt_node *n)
{
	return n->tt->set_driver_attr != NULL;
}

/* SCST makes a driver's mgmt file only when it can create targets. */
static bool driver_makes_targets(const struct mgmt_node *n)
{
	return n->tt->add_target != NULL;
}

static int show_drv_enabled(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[8];

	if (!mgmt_driver_attr(n->tt->name, "enabled", v, sizeof(v)))
		snprintf(v, sizeof(v), "0");
	mgmt_show_value(out, v, false);     /* as the target's: no [key] */
	return 0;
}

static int store_drv_enabled(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	bool on;

	if (attr_rule_check(ATTR_DRIVER, n->tt->name, "enabled", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_01(value, &on);
	return mgmt_set_driver_attr(n->tt, "enabled", on ? "1" : "0", err, errlen);
}

/* SCST's text (scst_tgtt_mgmt_show), line for line: SCST's scstadmin
 * learns from it which attributes go through add_target_attribute
 * ("The following target attributes available:") and which are add_target
 * parameters ("The following parameters available:"). */
static int show_drv_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(n->tt);
	const char *help = ext ? ext->mgmt_cmd_help : NULL;
	const char *params = ext ? ext->add_target_parameters : NULL;
	const char *drv_attrs = ext ? ext->tgtt_optional_attributes : NULL;
	const char *tgt_attrs = ext ? ext->tgt_optional_attributes : NULL;

	mgmt_printf(out, "Usage: echo \"add_target target_name [parameters]\" >mgmt\n"
			 "       echo \"del_target target_name\" >mgmt\n");
	if (drv_attrs)
		mgmt_printf(out, "       echo \"add_attribute <attribute> <value>\" >mgmt\n"
				 "       echo \"del_attribute <attribute> <value>\" >mgmt\n");
	if (tgt_attrs)
		mgmt_printf(out,
			    "       echo \"add_target_attribute target_name <attribute> <value>\" >mgmt\n"
			    "       echo \"del_target_attribute target_name <attribute> <value>\" >mgmt\n");
	mgmt_printf(out, "%s\nwhere parameters are one or more param_name=value pairs separated "
			 "by ';'\n\n", help ? help : "");
	if (params)
		mgmt_printf(out, "The following parameters available: %s\n", params);
	if (drv_attrs)
		mgmt_printf(out, "The following target driver attributes available: %s\n", drv_attrs);
	if (tgt_attrs)
		mgmt_printf(out, "The following target attributes available: %s\n", tgt_attrs);
	return 0;
}

/* Parameters of add_target that have no file of their own (IncomingUser,
 * allowed_portal ...) are recorded as add_target_attribute would, so the
 * tree shows them and a saved configuration keeps them. */
static void record_add_target_params(struct scst_tgt_template *tt, const char *name,
				     const struct scst_kv *kv, size_t n)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(tt);
	struct scst_tgt *tgt;

	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(tt, name);
	pthread_mutex_unlock(&scst_mutex);
	for (size_t i = 0; tgt && i < n; i++) {
		if (mgmt_entry_named(target_entries, kv[i].key) ||
		    (ext && mgmt_entry_named(ext->target_entries, kv[i].key)))
			continue;
		if (mgmt_record_target_attr(tgt, kv[i].key, kv[i].value) < 0)
			log_warn("target %s: attribute %s given at add_target not recorded",
				 name, kv[i].key);
	}
}

static int add_target(const struct mgmt_node *n, char *cur, char *err, size_t errlen)
{
	struct scst_kv kv[MGMT_MAX_PARAMS];
	char *name = mgmt_next_word(&cur);
	struct scst_tgt *tgt;
	int np, rc;

	if (!name)
		return mgmt_refuse(-EINVAL, err, errlen, "add_target: target name missing");
	if (!n->tt->add_target)
		return mgmt_refuse(-EINVAL, err, errlen, "driver %s cannot create targets",
				   n->tt->name);
	if ((rc = mgmt_refuse_target_name(n->tt, name, err, errlen)) < 0)
		return rc;
	np = mgmt_parse_params(mgmt_rest(cur), kv, MGMT_MAX_PARAMS, err, errlen);
	if (np < 0)
		return np;
	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(n->tt, name);
	pthread_mutex_unlock(&scst_mutex);
	if (tgt)
		return mgmt_refuse(-EEXIST, err, errlen, "target '%s' already exists", name);
	rc = n->tt->add_target(name, kv, (size_t)np, err, errlen);
	if (rc == 0)
		record_add_target_params(n->tt, name, kv, (size_t)np);
	return rc;
}

static int del_target_and_records(struct scst_tgt *tgt, char *err, size_t errlen)
{
	char drv[SCST_NAME_MAX], name[SCST_NAME_MAX];
	int rc;

	/* The records are keyed by name; tgt is gone after the delete. */
	snprintf(drv, sizeof(drv), "%s", tgt->tgtt->name);
	snprintf(name, sizeof(name), "%s", tgt->name);
	rc = scst_del_target(tgt, err, errlen);
	if (rc == 0)
		mgmt_forget_target(drv, name);
	return rc;
}

static int del_target(const struct mgmt_node *n, char *cur, char *err, size_t errlen)
{
	char *name = mgmt_next_word(&cur);
	struct scst_tgt *tgt;

	if (!name || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen, "usage: del_target target_name");
	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(n->tt, name);
	pthread_mutex_unlock(&scst_mutex);
	if (!tgt)
		return mgmt_refuse(-ENOENT, err, errlen, "target '%s' not found", name);
	return del_target_and_records(tgt, err, errlen);
}

/* "add_attribute KEY VALUE..." / "add_target_attribute TGT KEY VALUE...". */
static int add_attr(const struct mgmt_node *n, char *cur, bool of_target, char *err,
		    size_t errlen)
{
	struct scst_tgt *tgt = NULL;
	char *tname = of_target ? mgmt_next_word(&cur) : NULL;
	char *key = mgmt_next_word(&cur), *value = mgmt_rest(cur);

	if ((of_target && !tname) || !key || !*value)
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s%s <attribute> <value>",
				   of_target ? "add_target_attribute target_name" : "add_attribute",
				   "");
	if (!strcmp(key, "enabled") || !strcmp(key, "rel_tgt_id"))
		return mgmt_refuse(-EINVAL, err, errlen, "'%s' is a fixed attribute: write it",
				   key);
	if (!of_target)
		return mgmt_add_driver_attr(n->tt, key, value, err, errlen);
	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(n->tt, tname);
	pthread_mutex_unlock(&scst_mutex);
	if (!tgt)
		return mgmt_refuse(-ENOENT, err, errlen, "target '%s' not found", tname);
	return mgmt_add_target_attr(tgt, key, value, err, errlen);
}

/* "del_attribute KEY VALUE" / "del_target_attribute TGT KEY VALUE"
 * (SysfsRules): e.g. a CHAP user taken back without touching the target
 * or its sessions. */
static int del_attr(const struct mgmt_node *n, char *cur, bool of_target, char *err,
		    size_t errlen)
{
	struct scst_tgt *tgt;
	char *tname = of_target ? mgmt_next_word(&cur) : NULL;
	char *key = mgmt_next_word(&cur), *value = mgmt_rest(cur);

	if ((of_target && !tname) || !key || !*value)
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s <attribute> <value>",
				   of_target ? "del_target_attribute target_name" : "del_attribute");
	if (!of_target)
		return mgmt_del_driver_attr(n->tt, key, value, err, errlen);
	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(n->tt, tname);
	pthread_mutex_unlock(&scst_mutex);
	if (!tgt)
		return mgmt_refuse(-ENOENT, err, errlen, "target '%s' not found", tname);
	return mgmt_del_target_attr(tgt, key, value, err, errlen);
}

static int store_drv_mgmt(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(n->tt);
	char line[MGMT_MAX_VALUE], *cur = line, *cmd;

	snprintf(line, sizeof(line), "%s", value);
	if (mgmt_check_line(line, err, errlen) < 0)
		return -EINVAL;
	cmd = mgmt_next_word(&cur);
	if (!cmd)
		return mgmt_refuse(-EINVAL, err, errlen, "empty command");
	if (ext && ext->mgmt_cmd) {
		int rc = ext->mgmt_cmd(n, cmd, cur, err, errlen);

		if (rc != 1)
			return rc;
	}
	if (!strcmp(cmd, "add_target"))
		return add_target(n, cur, err, errlen);
	if (!strcmp(cmd, "del_target"))
		return del_target(n, cur, err, errlen);
	if (!strcmp(cmd, "add_attribute") || !strcmp(cmd, "add_target_attribute"))
		return add_attr(n, cur, !strcmp(cmd, "add_target_attribute"), err, errlen);
	if (!strcmp(cmd, "del_attribute") || !strcmp(cmd, "del_target_attribute"))
		return del_attr(n, cur, !strcmp(cmd, "del_target_attribute"), err, errlen);
	/* README.scst's access control (SPEC_INI) example writes a bare target name. */
	if (!*mgmt_rest(cur)) {
		snprintf(line, sizeof(line), "%s", value);
		cur = line;
		return add_target(n, cur, err, errlen);
	}
	return mgmt_refuse(-EINVAL, err, errlen, "unknown command '%s'", cmd);
}

static const struct mgmt_entry driver_entries[] = {
	{ .name = "enabled", .kind = MGMT_ATTR, .show = show_drv_enabled,
	  .store = store_drv_enabled, .present = driver_has_attrs },
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_drv_mgmt, .store = store_drv_mgmt,
	  .present = driver_makes_targets },
	{ .name = "trace_level", .kind = MGMT_ATTR, .show = mgmt_show_trace_level,
	  .store = mgmt_store_trace_level },
	{ .name = "version", .kind = MGMT_ATTR, .show = mgmt_show_component_version },
	{ .name = NULL },
};

int mgmt_refuse_target_name(const struct scst_tgt_template *tt, const char *name, char *err,
			    size_t errlen)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(tt);
	char dir[SCST_NAME_MAX + 16];
	int rc;

	snprintf(dir, sizeof(dir), "targets/%s/", tt->name);
	rc = mgmt_refuse_entry_name(driver_entries, name, dir, "target", err, errlen);
	if (rc == 0 && ext)
		rc = mgmt_refuse_entry_name(ext->driver_entries, name, dir, "target", err, errlen);
	return rc;
}

static int show_drv_attr(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[MGMT_MAX_RECORD];

	if (!mgmt_driver_attr(n->tt->name, n->name, v, sizeof(v)))
		return -ENOENT;
	mgmt_show_value(out, v, true);
	return 0;
}

static int store_drv_attr(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	return mgmt_write_driver_attr(n->tt, n->name, value, err, errlen);
}

static const struct mgmt_entry drv_attr_file = { .name = "<attribute>", .kind = MGMT_ATTR,
						 .show = show_drv_attr };
static const struct mgmt_entry drv_attr_file_rw = { .name = "<attribute>", .kind = MGMT_ATTR,
						    .show = show_drv_attr,
						    .store = store_drv_attr };

static int driver_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(dir->tt);
	struct scst_tgt *tgt = scst_find_target(dir->tt, name);
	char v[8];

	if (ext && mgmt_lookup_extra(ext->driver_entries, dir, name, child) == 0)
		return 0;
	if (!tgt && strcmp(name, "enabled") && mgmt_driver_attr(dir->tt->name, name, v, sizeof(v))) {
		mgmt_child_entry(child, dir, mgmt_driver_attr_writable(dir->tt) ? &drv_attr_file_rw
										: &drv_attr_file, name);
		return 0;
	}
	if (!tgt)
		return -ENOENT;
	mgmt_child_dir(child, dir, &target_dir, name);
	child->tgt = tgt;
	child->acg = tgt->default_acg;
	return 0;
}

static void driver_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(dir->tt);
	struct list_ctx lc = { fn, ctx, ext ? ext->driver_entries : NULL,
			       mgmt_driver_attr_writable(dir->tt) };
	struct scst_tgt *tgt;

	if (ext)
		mgmt_list_extra(ext->driver_entries, dir, fn, ctx);
	mgmt_driver_attrs(dir->tt->name, list_record, &lc);
	list_for_each_entry(tgt, &scst_targets, node)
		if (tgt->tgtt == dir->tt)
			fn(ctx, tgt->name, MGMT_DIR, false);
}

static const struct mgmt_dir_ops driver_dir = {
	.entries = driver_entries,
	.lookup = driver_lookup,
	.list = driver_list,
};

/* ---- targets/ ---- */

static int targets_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_tgt_template *tt = scst_find_target_template(name);

	if (!tt)
		return -ENOENT;
	mgmt_child_dir(child, dir, &driver_dir, name);
	child->tt = tt;
	return 0;
}

static void targets_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_tgt_template *tt;

	(void)dir;
	list_for_each_entry(tt, &scst_tgt_templates, node)
		fn(ctx, tt->name, MGMT_DIR, false);
}

const struct mgmt_dir_ops mgmt_targets_dir = {
	.lookup = targets_lookup,
	.list = targets_list,
};
