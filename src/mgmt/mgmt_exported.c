/* mgmt_exported.c - devices/<name>/exported/ (README.scst): one link
 * exportN per LUN the device is, to that LUN's directory
 * (targets/<driver>/<target>/luns/<lun> or .../ini_groups/<group>/luns/<lun>).
 * SCST's scstadmin reads it to tell whether a device is in use before
 * closing it, and lists who uses it.  The links are numbered by driver,
 * target, group and LUN (SCST numbers them in the order the LUNs were
 * made), so a configuration loaded again gives the same names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scst.h"
#include "mgmt/tree.h"

struct export {
	struct scst_tgt *tgt;
	struct scst_acg *acg;
	struct scst_acg_dev *ad;
};

/* By driver, target, group (the default LUN set first) and LUN number:
 * the same configuration numbers its links the same, whatever order the
 * targets were made in. */
static int export_cmp(const void *a, const void *b)
{
	const struct export *x = a, *y = b;
	int c = strcmp(x->tgt->tgtt->name, y->tgt->tgtt->name);

	if (!c)
		c = strcmp(x->tgt->name, y->tgt->name);
	if (!c && x->acg != y->acg)
		c = x->acg->is_default ? -1 : y->acg->is_default ? 1 :
		    strcmp(x->acg->name, y->acg->name);
	if (!c)
		c = x->ad->lun < y->ad->lun ? -1 : x->ad->lun > y->ad->lun;
	return c;
}

/* The LUNs of dev in link order (malloc'ed; NULL with *n 0 when none or
 * out of memory). */
static struct export *collect_exports(const struct scst_device *dev, size_t *n)
{
	struct export *v = NULL;
	struct scst_tgt *tgt;
	size_t cap = 0;

	*n = 0;
	list_for_each_entry(tgt, &scst_targets, node) {
		struct scst_acg *acg = tgt->default_acg;
		struct list_head *next = tgt->acg_list.next;

		while (acg) {
			struct scst_acg_dev *ad;

			list_for_each_entry(ad, &acg->acg_devs, node) {
				if (ad->dev != dev)
					continue;
				if (*n == cap) {
					struct export *nv = realloc(v, (cap ? cap * 2 : 8) * sizeof(*v));

					if (!nv) {
						free(v);
						*n = 0;
						return NULL;
					}
					v = nv;
					cap = cap ? cap * 2 : 8;
				}
				v[(*n)++] = (struct export){ tgt, acg, ad };
			}
			if (next == &tgt->acg_list) {
				acg = NULL;
			} else {
				acg = list_entry(next, struct scst_acg, node);
				next = next->next;
			}
		}
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), export_cmp);
	return v;
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

static int exported_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct export *v;
	unsigned long want;
	size_t n;
	char *end;
	int rc = -ENOENT;

	if (strncmp(name, "export", 6) || !name[6] || (name[6] == '0' && name[7]))
		return -ENOENT;
	want = strtoul(name + 6, &end, 10);
	if (*end)
		return -ENOENT;
	v = collect_exports(dir->dev, &n);
	if (want < n) {
		mgmt_child_entry(child, dir, &export_link, name);
		child->dev = dir->dev;
		child->tgt = v[want].tgt;
		child->acg = v[want].acg;
		child->ad = v[want].ad;
		rc = 0;
	}
	free(v);
	return rc;
}

static void exported_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	size_t n;
	struct export *v = collect_exports(dir->dev, &n);
	char name[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "export%zu", i);
		fn(ctx, name, MGMT_LINK, false);
	}
	free(v);
}

const struct mgmt_dir_ops mgmt_exported_dir = {
	.lookup = exported_lookup,
	.list = exported_list,
};
