/* mgmt_devices.c - devices/<name>/: a device's attributes (README.scst
 * "VDISK" attribute list) read from the live device through its handler,
 * its handler symlink, and the [key] mark (SysfsRules) on every creation
 * parameter whose value is not the handler's default.  Every parameter
 * the handler accepts is an attribute, so a saved configuration recreates
 * the device the same way; those only some handlers accept (o_direct,
 * dummy, threads_num ...) exist only on their devices. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/mgmt_access.h"
#include "mgmt/records.h"
#include "mgmt/tree.h"

static int show_param(const struct mgmt_node *n, struct mgmt_buf *out);

/* The creation parameter that sets each attribute, for the [key] mark. */
struct dev_attr {
	const char *name;
	const char *param;
};

static const struct dev_attr dev_attrs[] = {
	{ "type", NULL },
	{ "size", "size" },
	{ "size_mb", "size_mb" },
	{ "blocksize", "blocksize" },
	{ "read_only", "read_only" },
	{ "removable", "removable" },
	{ "write_through", "write_through" },
	{ "nv_cache", "nv_cache" },
	{ "thin_provisioned", "thin_provisioned" },
	{ "t10_vend_id", "t10_vend_id" },
	{ "prod_id", "prod_id" },
	{ "prod_rev_lvl", "prod_rev_lvl" },
	{ "t10_dev_id", "t10_dev_id" },
	{ "usn", "usn" },
	{ "tas", "tas" },
	{ NULL, NULL },
};

static const struct dev_attr *find_attr(const char *name)
{
	for (const struct dev_attr *a = dev_attrs; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

static void format_attr(const struct scst_device *d, const char *name, char *v, size_t len)
{
	uint64_t bytes = d->nblocks * d->block_size;

	if (!strcmp(name, "type"))
		snprintf(v, len, "%d", d->type);
	else if (!strcmp(name, "size"))
		snprintf(v, len, "%" PRIu64, bytes);
	else if (!strcmp(name, "size_mb"))
		snprintf(v, len, "%" PRIu64, bytes >> 20);
	else if (!strcmp(name, "blocksize"))
		snprintf(v, len, "%u", d->block_size);
	else if (!strcmp(name, "read_only"))
		snprintf(v, len, "%d", d->read_only);
	else if (!strcmp(name, "removable"))
		snprintf(v, len, "%d", d->removable);
	else if (!strcmp(name, "write_through"))
		snprintf(v, len, "%d", d->write_through);
	else if (!strcmp(name, "nv_cache"))
		snprintf(v, len, "%d", d->nv_cache);
	else if (!strcmp(name, "thin_provisioned"))
		snprintf(v, len, "%d", d->thin_provisioned);
	else if (!strcmp(name, "t10_vend_id"))
		snprintf(v, len, "%s", d->t10_vend_id);
	else if (!strcmp(name, "prod_id"))
		snprintf(v, len, "%s", d->prod_id);
	else if (!strcmp(name, "prod_rev_lvl"))
		snprintf(v, len, "%s", d->prod_rev);
	else if (!strcmp(name, "t10_dev_id"))
		snprintf(v, len, "%s", d->t10_dev_id);
	else if (!strcmp(name, "usn"))
		snprintf(v, len, "%s", d->usn);
	else if (!strcmp(name, "tas"))
		snprintf(v, len, "%d", d->tas);
	else
		snprintf(v, len, "?");
}

/* The handler's own view of the attribute (value and default), else the
 * core's fields with [key] for a parameter given at creation. */
static int show_attr(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct scst_dev_type *dt = n->dev->handler;
	const struct dev_attr *a = find_attr(n->entry->name);
	char v[128], rec[8];
	bool non_default = false;

	if (dt->show_attr &&
	    dt->show_attr(n->dev, n->entry->name, v, sizeof(v), &non_default) == 0) {
		/* Only a creation parameter is configuration. */
		mgmt_show_value(out, v,
				non_default && scst_dev_type_has_param(dt, n->entry->name));
		return 0;
	}
	if (!a)
		return show_param(n, out);
	format_attr(n->dev, a->name, v, sizeof(v));
	mgmt_show_value(out, v,
			a->param && mgmt_device_param(n->dev->name, a->param, rec, sizeof(rec)));
	return 0;
}

/* The backing file is known only from the creation parameters. */
static bool has_filename(const struct mgmt_node *n)
{
	char v[8];

	return mgmt_device_param(n->dev->name, "filename", v, sizeof(v));
}

static int show_filename(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[MGMT_MAX_VALUE];

	if (!mgmt_device_param(n->dev->name, "filename", v, sizeof(v)))
		return -ENOENT;
	mgmt_show_value(out, v, true);
	return 0;
}

/* A handler that changes attributes at run time (vcdrom) has a writable
 * filename, present even while empty (no medium). */
static bool has_settable_filename(const struct mgmt_node *n)
{
	return n->dev->handler->set_attr != NULL;
}

static bool has_fixed_filename(const struct mgmt_node *n)
{
	return !has_settable_filename(n) && has_filename(n);
}

static int show_settable_filename(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[MGMT_MAX_VALUE];

	if (!mgmt_device_param(n->dev->name, "filename", v, sizeof(v)))
		v[0] = 0;
	mgmt_show_value(out, v, v[0] != 0);
	return 0;
}

static int store_filename(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	return mgmt_set_device_attr(n->dev, "filename", value, err, errlen);
}

static int show_handler_link(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "../../handlers/%s", n->dev->handler->name);
	return 0;
}

/* README.scst: dump_prs dumps the persistent reservations to the log. */
static int show_dump_prs(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out, "Usage: echo 1 >dump_prs (the state goes to the log)\n");
}

static int store_dump_prs(const struct mgmt_node *n, const char *value, char *err,
			  size_t errlen)
{
	(void)value;
	(void)err;
	(void)errlen;
	scst_pr_dump(n->dev);
	return 0;
}

/* README.scst: writing 1 to resync_size rereads the backing store's size. */
static bool has_resync_size(const struct mgmt_node *n)
{
	return n->dev->handler->resync_size != NULL;
}

static int show_resync_size(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out, "Usage: echo 1 >resync_size\n");
}

static int store_resync_size(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	if (strcmp(value, "1")) {
		snprintf(err, errlen, "resync_size: write 1, not '%s'", value);
		return -EINVAL;
	}
	return n->dev->handler->resync_size(n->dev, err, errlen);
}

#define ATTR(nm) { .name = nm, .kind = MGMT_ATTR, .show = show_attr }

/* README.scst: the identity strings, threads_num and threads_pool_type
 * can be changed on a live device (the handler's set_attr). */
static int store_attr(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	return mgmt_set_device_attr(n->dev, n->entry->name, value, err, errlen);
}

#define ATTR_RW(nm) { .name = nm, .kind = MGMT_ATTR, .show = show_attr, .store = store_attr }

/* An attribute that exists on the devices of handlers accepting it. */
static bool handler_has_param(const struct mgmt_node *n)
{
	return scst_dev_type_has_param(n->dev->handler, n->entry->name);
}

#define PARAM_ATTR(nm) { .name = nm, .kind = MGMT_ATTR, .show = show_attr, \
			 .present = handler_has_param }
#define PARAM_ATTR_RW(nm) { .name = nm, .kind = MGMT_ATTR, .show = show_attr, \
			    .store = store_attr, .present = handler_has_param }

/* A run-time attribute only some handler keeps (scst_user's handler_pid,
 * handler_registered). */
static bool handler_shows(const struct mgmt_node *n)
{
	char v[8];
	bool non_default;

	return n->dev->handler->show_attr &&
	       n->dev->handler->show_attr(n->dev, n->entry->name, v, sizeof(v), &non_default) == 0;
}

static const struct mgmt_entry device_entries[] = {
	{ .name = "handler", .kind = MGMT_LINK, .show = show_handler_link },
	{ .name = "filename", .kind = MGMT_ATTR, .show = show_filename,
	  .present = has_fixed_filename },
	{ .name = "filename", .kind = MGMT_ATTR, .show = show_settable_filename,
	  .store = store_filename, .present = has_settable_filename },
	ATTR("type"), ATTR("size"), ATTR("size_mb"), ATTR("blocksize"), ATTR("read_only"),
	ATTR("removable"), ATTR_RW("t10_vend_id"), ATTR_RW("prod_id"), ATTR_RW("prod_rev_lvl"),
	ATTR_RW("t10_dev_id"), ATTR_RW("usn"),
	{ .name = "exported", .kind = MGMT_DIR, .dir = &mgmt_exported_dir },
	PARAM_ATTR("write_through"), PARAM_ATTR("nv_cache"), PARAM_ATTR("thin_provisioned"),
	PARAM_ATTR("tas"), PARAM_ATTR("o_direct"), PARAM_ATTR("rotational"), PARAM_ATTR("dummy"),
	PARAM_ATTR_RW("threads_num"), PARAM_ATTR_RW("threads_pool_type"), PARAM_ATTR_RW("naa_id"),
	{ .name = "handler_pid", .kind = MGMT_ATTR, .show = show_attr, .present = handler_shows },
	{ .name = "handler_registered", .kind = MGMT_ATTR, .show = show_attr,
	  .present = handler_shows },
	{ .name = "dump_prs", .kind = MGMT_ATTR, .show = show_dump_prs, .store = store_dump_prs },
	{ .name = "resync_size", .kind = MGMT_ATTR, .show = show_resync_size,
	  .store = store_resync_size, .present = has_resync_size },
	{ .name = NULL },
};

/* Creation parameters with no attribute of their own above (o_direct,
 * rotational, dummy ...) are shown as they were given, so a saved
 * configuration recreates the device the same way. */
static bool is_static_entry(const char *name)
{
	for (const struct mgmt_entry *e = device_entries; e->name; e++)
		if (!strcmp(e->name, name))
			return true;
	return false;
}

static int show_param(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[MGMT_MAX_RECORD];

	if (!mgmt_device_param(n->dev->name, n->name, v, sizeof(v)))
		return -ENOENT;
	mgmt_show_value(out, v, true);
	return 0;
}

static const struct mgmt_entry param_file = { .name = "<parameter>", .kind = MGMT_ATTR,
					      .show = show_param };

static int device_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	char v[8];

	if (is_static_entry(name) || !mgmt_device_param(dir->dev->name, name, v, sizeof(v)))
		return -ENOENT;
	mgmt_child_entry(child, dir, &param_file, name);
	return 0;
}

struct list_ctx {
	mgmt_list_fn fn;
	void *ctx;
};

static void list_param(void *ctx, const char *key, const char *value)
{
	struct list_ctx *lc = ctx;

	(void)value;
	if (!is_static_entry(key))
		lc->fn(lc->ctx, key, MGMT_ATTR, false);
}

static void device_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct list_ctx lc = { fn, ctx };

	mgmt_device_params(dir->dev->name, list_param, &lc);
}

static const struct mgmt_dir_ops device_dir = {
	.entries = device_entries,
	.lookup = device_lookup,
	.list = device_list,
};

static int devices_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_device *dev = scst_find_device(name);

	if (!dev)
		return -ENOENT;
	mgmt_child_dir(child, dir, &device_dir, name);
	child->dev = dev;
	return 0;
}

static void devices_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_device *dev;

	(void)dir;
	list_for_each_entry(dev, &scst_devices, node)
		fn(ctx, dev->name, MGMT_DIR, false);
}

const struct mgmt_dir_ops mgmt_devices_dir = {
	.lookup = devices_lookup,
	.list = devices_list,
};
