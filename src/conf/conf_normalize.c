/* conf_normalize.c - what an scst.conf written by SCST says that changes
 * nothing here, taken out before the configuration is compared with the
 * running one (so `scstd --config`, scstadmin -config and -check_config,
 * which all go through conf_apply, read SCST's files alike):
 * - a LUN of a read-only device is `read_only 1`, as SCST shows it;
 * - `enabled 1` of a target its driver keeps enabled (scst_local; files
 *   written before its targets lost the attribute say so), `enabled 0`
 *   there refused with its line;
 * - `rel_tgt_id 0` of a target: "any id" (SCST gives a disabled target
 *   with id 0 a free one when it is enabled; scstd's targets always have one);
 * - a non-key attribute (scstadmin -write_config -nonkey, or a hand-written
 *   line) at the value the running object already shows;
 * - SCST's copy_manager block when the tree has no copy manager (see
 *   judge_copy_manager);
 * - an SCST attribute scstd does not implement, at SCST's default value,
 *   which is what scstd does anyway.  The same attribute at any other
 *   value is refused with its line: the configuration asks for something
 *   scstd would not do, and dropping it silently could weaken access
 *   control (per_portal_acl) or change what initiators see. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/apply_priv.h"

enum scope { SC_ROOT, SC_DRIVER, SC_TARGET, SC_GROUP, SC_DEVICE, SC_LUN, SC_HANDLER };

/* SCST attributes (README.scst, README.iscsi-scst, scst_vdisk.c) scstd
 * has no file for, with the value SCST gives them by default. */
static const struct unimplemented {
	enum scope scope;
	const char *key, *scst_default;
} unimplemented[] = {
	{ SC_TARGET, "per_portal_acl", "0" },         /* iscsi-scstd: off */
	{ SC_TARGET, "forwarding", "0" },
	{ SC_TARGET, "RDMAExtensions", "No" },        /* iscsi-scstd: no iSER here */
	{ SC_TARGET, "redirect", "" },
	{ SC_TARGET, "alias", "" },
	{ SC_DRIVER, "link_local", "1" },             /* DEFAULT_SEND_TARGETS_LINK_LOCAL */
	{ SC_DRIVER, "internal_portal", "" },
	{ SC_DRIVER, "trace_level", "" },
	{ SC_HANDLER, "trace_level", "" },
	{ SC_DEVICE, "cluster_mode", "0" },
	{ SC_DEVICE, "expl_alua", "0" },
	{ SC_ROOT, "suspend", "0" },
	{ SC_ROOT, "max_tasklet_cmd", "10" },      /* SCST_DEF_MAX_TASKLET_CMD */
};

struct normalizer {
	struct applier *a;
	const struct cfg_node *root;     /* the configuration being read */
	char *err;
	size_t errlen;
};

static const struct unimplemented *find_unimplemented(enum scope sc, const char *key)
{
	for (size_t i = 0; i < sizeof(unimplemented) / sizeof(unimplemented[0]); i++)
		if (unimplemented[i].scope == sc && !strcmp(unimplemented[i].key, key))
			return &unimplemented[i];
	return NULL;
}

/* Whether the target at dir ("targets/DRV/TGT") has an `enabled` file.
 * A target not made yet is judged by its driver: SCST's drivers that
 * enable targets through sysfs (iscsi) have a driver-level `enabled` as
 * well, scst_local has neither. */
static bool target_can_disable(struct normalizer *nz, const char *dir)
{
	char path[PATH_LEN];
	const char *slash;
	enum tkind k;
	bool w;

	tpath(path, sizeof(path), "%s", dir);
	if (tree_stat(nz->a->t, path, &k, &w) == 0) {
		tpath(path, sizeof(path), "%s/enabled", dir);
		return tree_stat(nz->a->t, path, &k, &w) == 0;
	}
	slash = strrchr(dir, '/');
	tpath(path, sizeof(path), "%.*s/enabled", slash ? (int)(slash - dir) : 0, dir);
	return tree_stat(nz->a->t, path, &k, &w) == 0;
}

/* Whether key is an add_device parameter of the handler the configuration
 * puts the device at dir ("devices/NAME") in: another value of it is made
 * by recreating the device, as for a [key] one (blocksize 4096 -> 512,
 * the default, which is shown without [key]). */
static bool device_create_param(struct normalizer *nz, enum scope sc, const char *dir,
				const char *key)
{
	const char *name = dir + strlen("devices/");
	char mgmt[PATH_LEN];

	if (sc != SC_DEVICE || strncmp(dir, "devices/", 8))
		return false;
	for (size_t i = 0; i < nz->root->nchildren; i++) {
		const struct cfg_node *h = nz->root->children[i];

		if (strcmp(h->key, "HANDLER") || !h->nargs || !conf_find(h, "DEVICE", name))
			continue;
		tpath(mgmt, sizeof(mgmt), "handlers/%s/mgmt", h->args[0]);
		return mgmt_lists_param(nz->a, mgmt, key);
	}
	return false;
}

/* 1: drop c, 0: keep it, <0: refuse the configuration. */
static int judge(struct normalizer *nz, enum scope sc, const char *dir,
		 const struct cfg_node *c)
{
	const struct unimplemented *u;
	char path[PATH_LEN], *v = conf_value(c), *cur = NULL;
	enum tkind k;
	bool w, key, exists;
	int verdict = 0;

	if (!v)
		return -ENOMEM;
	if (sc == SC_TARGET && !strcmp(c->key, "rel_tgt_id") && !strcmp(v, "0")) {
		free(v);
		return 1;
	}
	if (sc == SC_TARGET && !strcmp(c->key, "enabled") && !target_can_disable(nz, dir)) {
		verdict = !strcmp(v, "1") ? 1 :
			  apply_fail(nz->a, -EINVAL, "line %d, column %d: enabled %s: the targets "
				     "of this driver are always enabled (no enabled attribute, as "
				     "SCST's scst_local)", c->line, c->col, v);
		free(v);
		return verdict;
	}
	tpath(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", c->key);
	exists = tree_stat(nz->a->t, path, &k, &w) == 0 && k == TK_ATTR;
	if (exists && tree_read_attr(nz->a->t, path, &cur, &key) == 0) {
		/* enabled stays: the apply disables and re-enables by it. */
		if (!key && !strcmp(cur, v) && strcmp(c->key, "enabled"))
			verdict = 1;
		/* A read-only attribute that is no creation parameter ([key])
		 * cannot become what the file asks (threads: scstd --threads). */
		else if (!key && !w && strcmp(cur, v) && !device_create_param(nz, sc, dir, c->key))
			verdict = apply_fail(nz->a, -EINVAL, "line %d, column %d: %s is read-only "
					     "here (it is %s), it cannot be set to %s", c->line,
					     c->col, c->key, cur, v);
	} else if (!exists && (u = find_unimplemented(sc, c->key))) {
		verdict = !strcmp(v, u->scst_default) ? 1 :
			  apply_fail(nz->a, -EINVAL, "line %d, column %d: %s %s: scstd does not "
				     "implement %s other than SCST's default '%s'", c->line, c->col,
				     c->key, v, c->key, u->scst_default);
	}
	free(cur);
	free(v);
	return verdict;
}

static enum scope child_scope(enum scope parent, const char *key)
{
	if (!strcmp(key, "HANDLER"))
		return SC_HANDLER;
	if (!strcmp(key, "DEVICE"))
		return SC_DEVICE;
	if (!strcmp(key, "TARGET_DRIVER"))
		return SC_DRIVER;
	if (!strcmp(key, "TARGET"))
		return SC_TARGET;
	if (!strcmp(key, "GROUP"))
		return SC_GROUP;
	if (!strcmp(key, "LUN"))
		return SC_LUN;
	return parent;
}

/* The tree directory of block c inside dir (scope sc of c). */
static void child_dir(char *buf, size_t len, enum scope sc, const char *dir,
		      const struct cfg_node *c)
{
	const char *name = c->nargs ? c->args[0] : "";

	switch (sc) {
	case SC_HANDLER:
		tpath(buf, len, "handlers/%s", name);
		break;
	case SC_DEVICE:
		tpath(buf, len, "devices/%s", name);
		break;
	case SC_DRIVER:
		tpath(buf, len, "targets/%s", name);
		break;
	case SC_GROUP:
		tpath(buf, len, "%s/ini_groups/%s", dir, name);
		break;
	case SC_LUN:
		tpath(buf, len, "%s/luns/%s", dir, name);
		break;
	default:
		tpath(buf, len, "%s/%s", dir, name);
		break;
	}
}

/* SCST 3.x writes its copy manager into every configuration:
 *   TARGET_DRIVER copy_manager { TARGET copy_manager_tgt { LUN n dev ... } }
 * It has no other target, and none can be made: any other is refused with
 * its line.  The block is applied to the copy manager of the tree, or
 * taken out when the tree has none (an scstd built without it). */
static int judge_copy_manager(struct normalizer *nz, const struct cfg_node *c)
{
	enum tkind k;
	bool w;

	if (strcmp(c->key, "TARGET_DRIVER") || !c->nargs || strcmp(c->args[0], "copy_manager"))
		return 0;
	for (size_t i = 0; i < c->nchildren; i++) {
		const struct cfg_node *t = c->children[i];

		if (conf_is_attr(t) ||
		    (!strcmp(t->key, "TARGET") && t->nargs && !strcmp(t->args[0], "copy_manager_tgt")))
			continue;
		return apply_fail(nz->a, -EINVAL, "line %d, column %d: copy_manager has only the "
				  "target copy_manager_tgt, not '%s %s'", t->line, t->col, t->key,
				  t->nargs ? t->args[0] : "");
	}
	return tree_stat(nz->a->t, "targets/copy_manager", &k, &w) == 0 ? 0 : 1;
}

/* Read-only by the configuration's read_only, or by nature (a vcdrom,
 * whose running read_only is 1 without [key]) when it does not say. */
static bool device_read_only(struct normalizer *nz, const char *name)
{
	char path[PATH_LEN], *v;
	bool key, ro;

	for (size_t i = 0; i < nz->root->nchildren; i++) {
		const struct cfg_node *h = nz->root->children[i], *d;

		if (strcmp(h->key, "HANDLER") || !(d = conf_find(h, "DEVICE", name)))
			continue;
		if (attr_count(d, "read_only"))
			return attr_has_value(d, "read_only", "1");
		break;
	}
	tpath(path, sizeof(path), "devices/%s/read_only", name);
	if (tree_read_attr(nz->a->t, path, &v, &key) < 0)
		return false;
	ro = !key && !strcmp(v, "1");
	free(v);
	return ro;
}

/* SCST shows a LUN of a read-only device as `read_only 1` [key]
 * (scst_lun_rd_only_show), so that is what the running configuration
 * says of it: a LUN line without it means the same LUN. */
static int lun_follows_device(struct normalizer *nz, struct cfg_node *lun)
{
	struct cfg_node *ro;

	if (lun->nargs < 2 || !device_read_only(nz, lun->args[1]))
		return 0;
	for (size_t i = 0; i < lun->nchildren; i++)
		if (!strcmp(lun->children[i]->key, "read_only")) {
			cfg_free(lun->children[i]);
			memmove(&lun->children[i], &lun->children[i + 1],
				(lun->nchildren - i - 1) * sizeof(lun->children[0]));
			lun->nchildren--;
			i--;
		}
	ro = conf_add(lun, "read_only");
	if (!ro || conf_arg(ro, "1") < 0)
		return -ENOMEM;
	lun->has_block = true;
	return 0;
}

static int copy_node(struct normalizer *nz, const struct cfg_node *src, struct cfg_node *dst,
		     enum scope sc, const char *dir)
{
	for (size_t i = 0; i < src->nargs; i++)
		if (conf_arg(dst, src->args[i]) < 0)
			return -ENOMEM;
	dst->line = src->line;
	dst->col = src->col;
	dst->has_block = src->has_block;
	for (size_t i = 0; i < src->nchildren; i++) {
		const struct cfg_node *c = src->children[i];
		struct cfg_node *d;
		char sub[PATH_LEN];
		int rc;

		if (conf_is_attr(c) && sc != SC_LUN) {
			rc = judge(nz, sc, dir, c);
			if (rc < 0)
				return rc;
			if (rc == 1)
				continue;
		}
		if (sc == SC_ROOT && (rc = judge_copy_manager(nz, c)) != 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		d = conf_add(dst, c->key);
		if (!d)
			return -ENOMEM;
		child_dir(sub, sizeof(sub), child_scope(sc, c->key), dir, c);
		rc = copy_node(nz, c, d, child_scope(sc, c->key), conf_is_attr(c) ? dir : sub);
		if (rc == 0 && child_scope(sc, c->key) == SC_LUN && sc != SC_LUN)
			rc = lun_follows_device(nz, d);
		if (rc < 0)
			return rc;
	}
	/* An emptied block stays a block (DEVICE d1 { cluster_mode 0 }). */
	dst->has_block = src->has_block;
	return 0;
}

int conf_normalize(struct applier *a, const struct cfg_node *want, struct cfg_node **out)
{
	struct normalizer nz = { .a = a, .root = want, .err = a->err, .errlen = a->errlen };
	struct cfg_node *n = conf_new(NULL);
	int rc;

	if (!n)
		return -ENOMEM;
	rc = copy_node(&nz, want, n, SC_ROOT, "");
	if (rc < 0) {
		cfg_free(n);
		return rc;
	}
	*out = n;
	return 0;
}
