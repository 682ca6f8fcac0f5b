/* mgmt_exported.c - devices/<name>/exported/ (README.scst): one link
 * exportN per LUN the device is, to that LUN's directory
 * (targets/<driver>/<target>/luns/<lun> or .../ini_groups/<group>/luns/<lun>).
 * SCST's scstadmin reads it to tell whether a device is in use before
 * closing it, and lists who uses it.  The links are numbered in the order
 * of targets and groups at the time of the read (SCST numbers them in the
 * order the LUNs were made); the tree is built on demand, so the names and
 * what they point to are consistent within one listing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/tree.h"

/* Calls fn for each LUN of dev, in target then group order, until fn
 * returns true; the number of LUNs visited. */
static unsigned each_export(const struct scst_device *dev,
			    bool (*fn)(void *ctx, unsigned i, struct scst_tgt *tgt,
				       struct scst_acg *acg, struct scst_acg_dev *ad),
			    void *ctx)
{
	struct scst_tgt *tgt;
	unsigned i = 0;

	list_for_each_entry(tgt, &scst_targets, node) {
		struct scst_acg *acg = tgt->default_acg;
		struct list_head *next = tgt->acg_list.next;

		while (acg) {
			struct scst_acg_dev *ad;

			list_for_each_entry(ad, &acg->acg_devs, node)
				if (ad->dev == dev && fn(ctx, i++, tgt, acg, ad))
					return i;
			if (next == &tgt->acg_list) {
				acg = NULL;
			} else {
				acg = list_entry(next, struct scst_acg, node);
				next = next->next;
			}
		}
	}
	return i;
}

static int show_export_link(const struct mgmt_node *n, struct mgmt_buf *out)
{
	if (n->acg->is_default)
		mgmt_printf(out, "../../../targets/%s/%s/luns/%llu", n->tgt->tgtt->name,
			    n->tgt->name, (unsigned long long)n->ad->lun);
	else
		mgmt_printf(out, "../../../targets/%s/%s/ini_groups/%s/luns/%llu",
			    n->tgt->tgtt->name, n->tgt->name, n->acg->name,
			    (unsigned long long)n->ad->lun);
	return 0;
}

static const struct mgmt_entry export_link = { .name = "<export>", .kind = MGMT_LINK,
					       .show = show_export_link };

struct find_ctx {
	unsigned want;
	struct mgmt_node *child;
	const struct mgmt_node *dir;
	bool found;
};

static bool find_nth(void *ctx, unsigned i, struct scst_tgt *tgt, struct scst_acg *acg,
		     struct scst_acg_dev *ad)
{
	struct find_ctx *fc = ctx;

	if (i != fc->want)
		return false;
	fc->child->tgt = tgt;
	fc->child->acg = acg;
	fc->child->ad = ad;
	fc->found = true;
	return true;
}

static int exported_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct find_ctx fc = { .child = child, .dir = dir };
	char *end;
	unsigned long n;

	if (strncmp(name, "export", 6) || !name[6] || (name[6] == '0' && name[7]))
		return -ENOENT;
	n = strtoul(name + 6, &end, 10);
	if (*end || n > 1u << 30)
		return -ENOENT;
	fc.want = (unsigned)n;
	mgmt_child_entry(child, dir, &export_link, name);
	child->dev = dir->dev;
	each_export(dir->dev, find_nth, &fc);
	return fc.found ? 0 : -ENOENT;
}

struct list_ctx {
	mgmt_list_fn fn;
	void *ctx;
};

static bool list_one(void *ctx, unsigned i, struct scst_tgt *tgt, struct scst_acg *acg,
		     struct scst_acg_dev *ad)
{
	struct list_ctx *lc = ctx;
	char name[24];

	(void)tgt;
	(void)acg;
	(void)ad;
	snprintf(name, sizeof(name), "export%u", i);
	lc->fn(lc->ctx, name, MGMT_LINK, false);
	return false;
}

static void exported_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct list_ctx lc = { fn, ctx };

	each_export(dir->dev, list_one, &lc);
}

const struct mgmt_dir_ops mgmt_exported_dir = {
	.lookup = exported_lookup,
	.list = exported_list,
};
