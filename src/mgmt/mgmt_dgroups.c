/* mgmt_dgroups.c - device_groups/ (README.scst-3.x "ALUA Support", SCST's
 * scst_sysfs.c layout): mgmt (create|add NAME, del NAME); per group
 * devices/ (mgmt: add DEV, del DEV; one link per device), target_groups/
 * (mgmt: create|add NAME, del NAME), and scstd's tpgs (implicit, explicit
 * or both) and implicit_transition_time (RTPG's, seconds); per target group mgmt (add TARGET, del TARGET), group_id,
 * state, preferred, and one entry per port: a link to a local target, or
 * a directory with rel_tgt_id for a port of another node. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/attr_rules.h"
#include "core/scst.h"
#include "core/alua.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"

/* One directory's mgmt file: "add NAME" (or "create NAME" where SCST
 * takes it too) and "del NAME"; a new name may not be one of the
 * directory's own files. */
struct add_del {
	bool create_too;
	const struct mgmt_entry *entries;       /* the directory's files */
	const char *dir, *what;                 /* for the refusal message */
	int (*add)(const struct mgmt_node *n, const char *name, char *err, size_t errlen);
	int (*del)(const struct mgmt_node *n, const char *name, char *err, size_t errlen);
};

static int add_del_command(const struct mgmt_node *n, const char *value,
			   const struct add_del *ops, char *err, size_t errlen)
{
	char line[MGMT_MAX_VALUE], *cur = line, *cmd, *name;
	bool add;

	snprintf(line, sizeof(line), "%s", value);
	if (mgmt_check_line(line, err, errlen) < 0)
		return -EINVAL;
	cmd = mgmt_next_word(&cur);
	if (!cmd)
		return mgmt_refuse(-EINVAL, err, errlen, "empty command");
	add = !strcmp(cmd, "add") || (ops->create_too && !strcmp(cmd, "create"));
	if (!add && strcmp(cmd, "del"))
		return mgmt_refuse(-EINVAL, err, errlen, "unknown command '%s'", cmd);
	name = mgmt_next_word(&cur);
	if (!name || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s NAME", cmd);
	if (!add)
		return ops->del(n, name, err, errlen);
	if (mgmt_refuse_entry_name(ops->entries, name, ops->dir, ops->what, err, errlen) < 0)
		return -EINVAL;
	return ops->add(n, name, err, errlen);
}

/* ---- target_groups/<tg>/<port>/ of another node ---- */

static int show_rel_tgt_id(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "%u\n[key]\n", n->tgm->rel_tgt_id);
	return 0;
}

static int store_rel_tgt_id(const struct mgmt_node *n, const char *value, char *err,
			    size_t errlen)
{
	uint64_t v;

	if (attr_rule_check(ATTR_TG_TARGET, NULL, "rel_tgt_id", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_uint(value, 0xffff, &v);
	return scst_tg_tgt_set_rel_tgt_id(n->tgm, (unsigned)v, err, errlen);
}

static const struct mgmt_entry remote_port_entries[] = {
	{ .name = "rel_tgt_id", .kind = MGMT_ATTR, .show = show_rel_tgt_id,
	  .store = store_rel_tgt_id },
	{ .name = NULL },
};

static const struct mgmt_dir_ops remote_port_dir = { .entries = remote_port_entries };

/* device_groups/G/target_groups/T/<port> is 4 levels below the root. */
static int show_local_port(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct scst_tgt *tgt = scst_tg_tgt_local(n->tgm);

	if (!tgt)
		return -ENOENT;
	mgmt_printf(out, "../../../../targets/%s/%s", tgt->tgtt->name, tgt->name);
	return 0;
}

static const struct mgmt_entry local_port = { .name = "<target>", .kind = MGMT_LINK,
					      .show = show_local_port };

/* ---- target_groups/<tg>/ ---- */

static int show_tg_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out,
			       "Usage: echo \"add target\" >mgmt\n"
			       "       echo \"del target\" >mgmt\n");
}

static const struct add_del tg_ports;

static int store_tg_mgmt(const struct mgmt_node *n, const char *value, char *err,
			 size_t errlen)
{
	return add_del_command(n, value, &tg_ports, err, errlen);
}

static int show_group_id(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "%u\n[key]\n", n->tg->group_id);
	return 0;
}

static int store_group_id(const struct mgmt_node *n, const char *value, char *err,
			  size_t errlen)
{
	uint64_t v;

	if (attr_rule_check(ATTR_TARGET_GROUP, NULL, "group_id", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_uint(value, 0xffff, &v);
	return scst_tg_set_group_id(n->tg, (unsigned)v, err, errlen);
}

static int show_state(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_show_value(out, scst_alua_state_name(n->tg->state), true);
	return 0;
}

static int store_state(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	if (attr_rule_check(ATTR_TARGET_GROUP, NULL, "state", value, err, errlen) < 0)
		return -EINVAL;
	return scst_tg_set_state(n->tg, (enum scst_alua_state)scst_alua_state_from_name(value));
}

static int show_preferred(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_show_value(out, n->tg->preferred ? "1" : "0", n->tg->preferred);
	return 0;
}

static int store_preferred(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen)
{
	bool on;

	if (attr_rule_check(ATTR_TARGET_GROUP, NULL, "preferred", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_01(value, &on);
	return scst_tg_set_preferred(n->tg, on);
}

static const struct mgmt_entry tg_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_tg_mgmt, .store = store_tg_mgmt },
	{ .name = "group_id", .kind = MGMT_ATTR, .show = show_group_id, .store = store_group_id },
	{ .name = "state", .kind = MGMT_ATTR, .show = show_state, .store = store_state },
	{ .name = "preferred", .kind = MGMT_ATTR, .show = show_preferred,
	  .store = store_preferred },
	{ .name = NULL },
};

static int tg_port_add(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	return scst_tg_tgt_add(n->tg, name, err, errlen);
}

static int tg_port_del(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	return scst_tg_tgt_del(n->tg, name, err, errlen);
}

static const struct add_del tg_ports = {
	.entries = tg_entries, .dir = "a target group", .what = "target",
	.add = tg_port_add, .del = tg_port_del,
};

static int tg_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_tg_tgt *m = scst_tg_tgt_find(dir->tg, name);

	if (!m)
		return -ENOENT;
	if (scst_tg_tgt_local(m))
		mgmt_child_entry(child, dir, &local_port, name);
	else
		mgmt_child_dir(child, dir, &remote_port_dir, name);
	child->tgm = m;
	return 0;
}

static void tg_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_tg_tgt *m;

	list_for_each_entry(m, &dir->tg->tgts, node)
		fn(ctx, m->name, scst_tg_tgt_local(m) ? MGMT_LINK : MGMT_DIR, false);
}

static const struct mgmt_dir_ops tg_dir = {
	.entries = tg_entries,
	.lookup = tg_lookup,
	.list = tg_list,
};

/* ---- <dg>/target_groups/ ---- */

static int show_create_del_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out,
			       "Usage: echo \"create group_name\" >mgmt\n"
			       "       echo \"del group_name\" >mgmt\n");
}

static const struct add_del target_groups;

static int store_tgs_mgmt(const struct mgmt_node *n, const char *value, char *err,
			  size_t errlen)
{
	return add_del_command(n, value, &target_groups, err, errlen);
}

static const struct mgmt_entry tgs_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_create_del_mgmt,
	  .store = store_tgs_mgmt },
	{ .name = NULL },
};

static int tg_add(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	return scst_tg_add(n->dg, name, err, errlen);
}

static int tg_del(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	return scst_tg_del(n->dg, name, err, errlen);
}

static const struct add_del target_groups = {
	.create_too = true, .entries = tgs_entries, .dir = "target_groups/",
	.what = "target group", .add = tg_add, .del = tg_del,
};

static int tgs_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_target_group *tg = scst_tg_find(dir->dg, name);

	if (!tg)
		return -ENOENT;
	mgmt_child_dir(child, dir, &tg_dir, name);
	child->tg = tg;
	return 0;
}

static void tgs_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_target_group *tg;

	list_for_each_entry(tg, &dir->dg->tgs, node)
		fn(ctx, tg->name, MGMT_DIR, false);
}

static const struct mgmt_dir_ops tgs_dir = {
	.entries = tgs_entries,
	.lookup = tgs_lookup,
	.list = tgs_list,
};

/* ---- <dg>/devices/ ---- */

static int show_devs_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out,
			       "Usage: echo \"add device\" >mgmt\n"
			       "       echo \"del device\" >mgmt\n");
}

static const struct add_del dg_devices;

static int store_devs_mgmt(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen)
{
	return add_del_command(n, value, &dg_devices, err, errlen);
}

/* device_groups/G/devices/<dev> is 3 levels below the root. */
static int show_dg_dev_link(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "../../../devices/%s", n->dev->name);
	return 0;
}

static const struct mgmt_entry dg_dev_link = { .name = "<device>", .kind = MGMT_LINK,
					       .show = show_dg_dev_link };

static const struct mgmt_entry devs_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_devs_mgmt, .store = store_devs_mgmt },
	{ .name = NULL },
};

static int dg_dev_add(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	return scst_dg_dev_add(n->dg, name, err, errlen);
}

static int dg_dev_del(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	return scst_dg_dev_del(n->dg, name, err, errlen);
}

static const struct add_del dg_devices = {
	.entries = devs_entries, .dir = "devices/", .what = "device",
	.add = dg_dev_add, .del = dg_dev_del,
};

static int devs_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_dg_dev *dd;

	list_for_each_entry(dd, &dir->dg->devs, node) {
		if (strcmp(dd->dev->name, name))
			continue;
		mgmt_child_entry(child, dir, &dg_dev_link, name);
		child->dev = dd->dev;
		return 0;
	}
	return -ENOENT;
}

static void devs_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_dg_dev *dd;

	list_for_each_entry(dd, &dir->dg->devs, node)
		fn(ctx, dd->dev->name, MGMT_LINK, false);
}

static const struct mgmt_dir_ops devs_dir = {
	.entries = devs_entries,
	.lookup = devs_lookup,
	.list = devs_list,
};

/* ---- <dg>/ ---- */

static int show_tpgs(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_show_value(out, scst_tpgs_name(n->dg->tpgs), n->dg->tpgs != SCST_TPGS_IMPLICIT);
	return 0;
}

static int store_tpgs(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	if (attr_rule_check(ATTR_DEVICE_GROUP, NULL, "tpgs", value, err, errlen) < 0)
		return -EINVAL;
	return scst_dg_set_tpgs(n->dg, (enum scst_tpgs)scst_tpgs_from_name(value));
}

/* RTPG's IMPLICIT TRANSITION TIME (scstd): how long an initiator should
 * allow an implicit transition, e.g. the failover script's duration. */
static int show_transition_time(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[8];

	snprintf(v, sizeof(v), "%u", n->dg->transition_time);
	mgmt_show_value(out, v, n->dg->transition_time != 0);
	return 0;
}

static int store_transition_time(const struct mgmt_node *n, const char *value, char *err,
				 size_t errlen)
{
	uint64_t v;

	if (attr_rule_check(ATTR_DEVICE_GROUP, NULL, "implicit_transition_time", value, err,
			    errlen) < 0)
		return -EINVAL;
	attr_parse_uint(value, 255, &v);
	return scst_dg_set_transition_time(n->dg, (unsigned)v, err, errlen);
}

static const struct mgmt_entry dg_entries[] = {
	{ .name = "devices", .kind = MGMT_DIR, .dir = &devs_dir },
	{ .name = "target_groups", .kind = MGMT_DIR, .dir = &tgs_dir },
	{ .name = "tpgs", .kind = MGMT_ATTR, .show = show_tpgs, .store = store_tpgs },
	{ .name = "implicit_transition_time", .kind = MGMT_ATTR, .show = show_transition_time,
	  .store = store_transition_time },
	{ .name = NULL },
};

static const struct mgmt_dir_ops dg_dir = { .entries = dg_entries };

/* ---- device_groups/ ---- */

static const struct add_del device_groups;

static int store_dgs_mgmt(const struct mgmt_node *n, const char *value, char *err,
			  size_t errlen)
{
	return add_del_command(n, value, &device_groups, err, errlen);
}

static const struct mgmt_entry dgs_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_create_del_mgmt,
	  .store = store_dgs_mgmt },
	{ .name = NULL },
};

static int dg_add(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	(void)n;
	return scst_dg_add(name, err, errlen);
}

static int dg_del(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	(void)n;
	return scst_dg_del(name, err, errlen);
}

static const struct add_del device_groups = {
	.create_too = true, .entries = dgs_entries, .dir = "device_groups/",
	.what = "device group", .add = dg_add, .del = dg_del,
};

static int dgs_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_dev_group *dg = scst_dg_find(name);

	if (!dg)
		return -ENOENT;
	mgmt_child_dir(child, dir, &dg_dir, name);
	child->dg = dg;
	return 0;
}

static void dgs_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_dev_group *dg;

	(void)dir;
	list_for_each_entry(dg, &scst_dev_groups, node)
		fn(ctx, dg->name, MGMT_DIR, false);
}

const struct mgmt_dir_ops mgmt_device_groups_dir = {
	.entries = dgs_entries,
	.lookup = dgs_lookup,
	.list = dgs_list,
};
