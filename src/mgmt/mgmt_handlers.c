/* mgmt_handlers.c - handlers/<name>/: the device handler's mgmt file
 * (add_device NAME [k=v; k=v], del_device NAME) and one symlink per device
 * it drives, pointing to devices/<dev>. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/mgmt_access.h"
#include "mgmt/cmd.h"
#include "mgmt/records.h"
#include "mgmt/tree.h"
#include "util/log.h"

static void print_list(struct mgmt_buf *out, const char *title, const char *const *list)
{
	mgmt_printf(out, "%s", title);
	for (const char *const *p = list; p && *p; p++)
		mgmt_printf(out, "%s%s", p == list ? "" : ", ", *p);
	mgmt_printf(out, "\n");
}

/* SCST's text (scst_devt_mgmt_show) with SCST's parameter list for the
 * handlers SCST has (its scstadmin stores what is not in it as an
 * attribute after add_device); then, for those, every parameter scstd
 * accepts at creation, on a line SCST.pm does not read. */
static int show_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct scst_dev_type *dt = n->dt;

	mgmt_printf(out,
		    "Usage: echo \"add_device device_name [parameters]\" >mgmt\n"
		    "       echo \"del_device device_name\" >mgmt\n"
		    "\n"
		    "where parameters are one or more param_name=value pairs separated by ';'\n\n");
	print_list(out, "The following parameters available: ",
		   dt->scst_add_device_params ? dt->scst_add_device_params : dt->add_device_params);
	if (dt->scst_add_device_params)
		print_list(out, "The following parameters available (scstd): ",
			   dt->add_device_params);
	return 0;
}

static int refuse_handler_entry_name(const struct mgmt_node *n, const char *name, char *err,
				     size_t errlen);

static int add_device(const struct mgmt_node *n, char *cur, char *err, size_t errlen)
{
	struct scst_kv kv[MGMT_MAX_PARAMS];
	char *name = mgmt_next_word(&cur);
	int np, rc;

	if (!name)
		return mgmt_refuse(-EINVAL, err, errlen, "add_device: device name missing");
	if ((np = refuse_handler_entry_name(n, name, err, errlen)) < 0)
		return np;
	np = mgmt_parse_params(mgmt_rest(cur), kv, MGMT_MAX_PARAMS, err, errlen);
	if (np < 0)
		return np;
	rc = mgmt_add_device(n->dt->name, name, kv, (size_t)np, err, errlen);
	if (rc == 0)
		log_info("mgmt: device %s added to handler %s", name, n->dt->name);
	return rc;
}

#define MAX_UNEXPORT_GROUPS 256

/* SCST's del_device takes an exported device's LUNs away first (every
 * nexus of the groups gets REPORTED LUNS DATA HAS CHANGED, as for a LUN
 * del); a device in more groups than one pass handles takes more passes. */
static void unexport(const char *name)
{
	struct scst_acg *acgs[MAX_UNEXPORT_GROUPS];
	size_t n;

	do {
		n = scst_dev_unexport(name, acgs, MAX_UNEXPORT_GROUPS);
		for (size_t i = 0; i < n; i++)
			scst_acg_resync_sessions(acgs[i], UINT64_MAX);
	} while (n == MAX_UNEXPORT_GROUPS);
}

static int del_device(const struct mgmt_node *n, char *cur, char *err, size_t errlen)
{
	char *name = mgmt_next_word(&cur);
	struct scst_device *dev;
	bool mine;

	if (!name || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen, "usage: del_device device_name");
	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(name);
	mine = dev && (dev->handler == n->dt ||
		       (n->dt->family && dev->handler->family &&
			!strcmp(n->dt->family, dev->handler->family)));
	pthread_mutex_unlock(&scst_mutex);
	if (!mine)
		return mgmt_refuse(-ENOENT, err, errlen, "handler %s has no device '%s'",
				   n->dt->name, name);
	unexport(name);
	return mgmt_del_device(name, err, errlen);
}

static int store_mgmt(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	char line[MGMT_MAX_VALUE], *cur = line, *cmd;

	snprintf(line, sizeof(line), "%s", value);
	if (mgmt_check_line(line, err, errlen) < 0)
		return -EINVAL;
	cmd = mgmt_next_word(&cur);
	if (!cmd)
		return mgmt_refuse(-EINVAL, err, errlen, "empty command");
	if (!strcmp(cmd, "add_device"))
		return add_device(n, cur, err, errlen);
	if (!strcmp(cmd, "del_device"))
		return del_device(n, cur, err, errlen);
	return mgmt_refuse(-EINVAL, err, errlen, "unknown command '%s'", cmd);
}

static int show_dev_link(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "../../devices/%s", n->dev->name);
	return 0;
}

static const struct mgmt_entry dev_link = { .name = "<device>", .kind = MGMT_LINK,
					    .show = show_dev_link };

static const struct mgmt_entry handler_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_mgmt, .store = store_mgmt },
	{ .name = "type", .kind = MGMT_ATTR, .show = mgmt_show_handler_type },
	{ .name = "trace_level", .kind = MGMT_ATTR, .show = mgmt_show_trace_level,
	  .store = mgmt_store_trace_level },
	{ .name = NULL },
};

static int refuse_handler_entry_name(const struct mgmt_node *n, const char *name, char *err,
				     size_t errlen)
{
	char dir[SCST_NAME_MAX + 16];

	snprintf(dir, sizeof(dir), "handlers/%s/", n->dt->name);
	return mgmt_refuse_entry_name(handler_entries, name, dir, "device", err, errlen);
}

static int handler_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_device *dev = scst_find_device(name);

	if (!dev || dev->handler != dir->dt)
		return -ENOENT;
	mgmt_child_entry(child, dir, &dev_link, name);
	child->dev = dev;
	return 0;
}

static void handler_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_device *dev;

	list_for_each_entry(dev, &scst_devices, node)
		if (dev->handler == dir->dt)
			fn(ctx, dev->name, MGMT_LINK, false);
}

static const struct mgmt_dir_ops handler_dir = {
	.entries = handler_entries,
	.lookup = handler_lookup,
	.list = handler_list,
};

static int handlers_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_dev_type *dt = scst_find_dev_type(name);

	if (!dt)
		return -ENOENT;
	mgmt_child_dir(child, dir, &handler_dir, name);
	child->dt = dt;
	return 0;
}

static void handlers_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_dev_type *dt;

	(void)dir;
	list_for_each_entry(dt, &scst_dev_types, node)
		fn(ctx, dt->name, MGMT_DIR, false);
}

const struct mgmt_dir_ops mgmt_handlers_dir = {
	.lookup = handlers_lookup,
	.list = handlers_list,
};
