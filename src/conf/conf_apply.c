/* conf_apply.c - SysfsRules "apply changes in config file to currently
 * running SCST" (which, on an empty target, is the initial configuration
 * algorithm): compare the wanted configuration with the one saved from
 * the tree and issue the mgmt commands and attribute writes between them.
 *
 * Order: affected targets disabled (-force); targets to delete or
 * recreate deleted; groups, initiators and LUNs that go away removed;
 * devices deleted, recreated (a read-only [key] attribute changed) and
 * created; driver attributes; targets created, their attributes, LUNs,
 * groups, initiators; targets, then drivers enabled.  Everything is
 * checked against the tree before the first change, and a failing change
 * makes the previous configuration be applied back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/apply_priv.h"

int apply_fail(struct applier *a, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* One change: logged, then written (unless dry run). */
int apply_change(struct applier *a, const char *path, const char *value)
{
	const struct cfg_node *at = a->at;
	char msg[1024];
	int rc;

	a->at = NULL;
	if (a->o->log)
		fprintf(a->o->log, "  %s <- %s\n", path, value);
	if (a->o->dry_run)
		return 0;
	a->changes++;
	rc = tree_write(a->t, path, value, msg, sizeof(msg));
	/* A saved configuration's statements have no line (0). */
	if (rc < 0 && at && at->line > 0)
		return apply_fail(a, rc, "line %d: %s <- \"%s\": %s", at->line, path, value, msg);
	if (rc < 0)
		return apply_fail(a, rc, "%s <- \"%s\": %s", path, value, msg);
	return 0;
}

int apply_changef(struct applier *a, const char *path, const char *fmt, ...)
{
	char cmd[CMD_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return apply_fail(a, -E2BIG, "%s: command too long", path);
	return apply_change(a, path, cmd);
}

/* ---- lookups in the two configurations ---- */

static const struct cfg_node *device_in(const struct cfg_node *root, const char *name,
					const char **handler)
{
	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *h = root->children[i];
		const struct cfg_node *d;

		if (strcmp(h->key, "HANDLER") || !(d = conf_find(h, "DEVICE", name)))
			continue;
		if (handler)
			*handler = h->args[0];
		return d;
	}
	return NULL;
}

static const struct cfg_node *target_in(const struct cfg_node *root, const char *drv,
					const char *name)
{
	const struct cfg_node *d = conf_find(root, "TARGET_DRIVER", drv);

	return d ? conf_find(d, "TARGET", name) : NULL;
}

static bool enabled_in(const struct cfg_node *n)
{
	char *v = attr_values(n, "enabled");
	bool on = v && !strcmp(v, "1");

	free(v);
	return on;
}

static bool is_create_param(struct applier *a, const char *handler, const char *key)
{
	char path[PATH_LEN];

	tpath(path, sizeof(path), "handlers/%s/mgmt", handler);
	return mgmt_lists_param(a, path, key);
}

/* ---- devices ---- */

/* A device must be recreated when it moves handler or a read-only [key]
 * attribute changes. */
static bool device_recreate(struct applier *a, const char *name)
{
	const char *hw = NULL, *hc = NULL;
	const struct cfg_node *dw = device_in(a->want, name, &hw);
	const struct cfg_node *dc = device_in(a->cur, name, &hc);
	char dir[PATH_LEN];
	bool rec = false;

	if (!dw || !dc)
		return false;
	if (strcmp(hw, hc))
		return true;
	tpath(dir, sizeof(dir), "devices/%s", name);
	attrs_diff(a, dir, dc, dw, NULL, NULL, false, &rec);
	return rec;
}

/* Whether the device behind a LUN goes away or is recreated. */
static bool device_changes(struct applier *a, const char *name)
{
	return !device_in(a->want, name, NULL) || device_recreate(a, name);
}

static int create_device(struct applier *a, const char *handler, const struct cfg_node *d)
{
	char params[CMD_LEN] = "", mgmt[PATH_LEN], dir[PATH_LEN];
	int rc;

	for (size_t i = 0; i < d->nchildren; i++) {
		const struct cfg_node *c = d->children[i];
		char *v;

		if (!is_create_param(a, handler, c->key))
			continue;
		v = conf_value(c);
		if (!v)
			return -ENOMEM;
		tpath(params + strlen(params), sizeof(params) - strlen(params), "%s%s=%s",
			 *params ? "; " : "", c->key, v);
		free(v);
	}
	tpath(mgmt, sizeof(mgmt), "handlers/%s/mgmt", handler);
	a->at = d;
	rc = apply_changef(a, mgmt, "add_device %s%s%s", d->args[0], *params ? " " : "", params);
	if (rc < 0 || a->o->dry_run)
		return rc;
	/* The rest: writable files, or add_device_attribute. */
	tpath(dir, sizeof(dir), "devices/%s", d->args[0]);
	for (size_t i = 0; i < d->nchildren; i++) {
		const struct cfg_node *c = d->children[i];
		char path[PATH_LEN], *v;

		if (is_create_param(a, handler, c->key))
			continue;
		v = conf_value(c);
		if (!v)
			return -ENOMEM;
		tpath(path, sizeof(path), "%s/%s", dir, c->key);
		a->at = c;
		if (attr_writable(a, path))
			rc = apply_change(a, path, v);
		else
			rc = apply_changef(a, mgmt, "add_device_attribute %s %s %s", d->args[0], c->key, v);
		free(v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int apply_devices(struct applier *a)
{
	/* Deletions and recreations first: a name may move handler. */
	for (size_t i = 0; i < a->cur->nchildren; i++) {
		const struct cfg_node *h = a->cur->children[i];
		char mgmt[PATH_LEN];

		if (strcmp(h->key, "HANDLER"))
			continue;
		tpath(mgmt, sizeof(mgmt), "handlers/%s/mgmt", h->args[0]);
		for (size_t j = 0; j < h->nchildren; j++) {
			const struct cfg_node *d = h->children[j];
			int rc;

			if (strcmp(d->key, "DEVICE") || !device_changes(a, d->args[0]))
				continue;
			rc = apply_changef(a, mgmt, "del_device %s", d->args[0]);
			if (rc < 0)
				return rc;
		}
	}
	for (size_t i = 0; i < a->want->nchildren; i++) {
		const struct cfg_node *h = a->want->children[i];
		char hdir[PATH_LEN];
		bool rec = false;
		int rc;

		if (strcmp(h->key, "HANDLER"))
			continue;
		tpath(hdir, sizeof(hdir), "handlers/%s", h->args[0]);
		rc = attrs_diff(a, hdir, conf_find(a->cur, "HANDLER", h->args[0]), h,
				NULL, NULL, true, &rec);
		if (rc == 0 && rec)
			rc = apply_fail(a, -EINVAL, "handler %s: attributes cannot be changed",
				   h->args[0]);
		for (size_t j = 0; rc == 0 && j < h->nchildren; j++) {
			const struct cfg_node *d = h->children[j];
			const struct cfg_node *dc;
			char dir[PATH_LEN];

			if (strcmp(d->key, "DEVICE"))
				continue;
			dc = device_in(a->cur, d->args[0], NULL);
			if (!dc || device_changes(a, d->args[0]) || device_recreate(a, d->args[0])) {
				rc = create_device(a, h->args[0], d);
				continue;
			}
			tpath(dir, sizeof(dir), "devices/%s", d->args[0]);
			tpath(hdir, sizeof(hdir), "handlers/%s/mgmt", h->args[0]);
			rec = false;
			rc = attrs_diff(a, dir, dc, d, hdir, NULL, true, &rec);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- LUN sets ---- */

static bool same_lun(struct applier *a, const struct cfg_node *lc, const struct cfg_node *lw)
{
	const struct cfg_node *sides[2] = { lc, lw };

	if (!lw || strcmp(lc->args[1], lw->args[1]) || device_changes(a, lc->args[1]))
		return false;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->nchildren; i++)
			if (!attr_same(lc, lw, sides[s]->children[i]->key))
				return false;
	return true;
}

/* Removes cur's LUNs that want does not keep exactly. */
static int luns_remove(struct applier *a, const char *dir, const struct cfg_node *cur,
		       const struct cfg_node *want)
{
	char mgmt[PATH_LEN];

	tpath(mgmt, sizeof(mgmt), "%s/luns/mgmt", dir);
	for (size_t i = 0; i < cur->nchildren; i++) {
		const struct cfg_node *lc = cur->children[i];
		int rc;

		if (strcmp(lc->key, "LUN") ||
		    same_lun(a, lc, want ? conf_find(want, "LUN", lc->args[0]) : NULL))
			continue;
		rc = apply_changef(a, mgmt, "del %s", lc->args[0]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int luns_add(struct applier *a, const char *dir, const struct cfg_node *cur,
		    const struct cfg_node *want)
{
	char mgmt[PATH_LEN];

	tpath(mgmt, sizeof(mgmt), "%s/luns/mgmt", dir);
	for (size_t i = 0; i < want->nchildren; i++) {
		const struct cfg_node *lw = want->children[i];
		const struct cfg_node *lc;
		char params[CMD_LEN] = "";
		int rc;

		if (strcmp(lw->key, "LUN"))
			continue;
		lc = cur ? conf_find(cur, "LUN", lw->args[0]) : NULL;
		if (lc && same_lun(a, lc, lw))
			continue;
		/* LUN attributes are the add command's parameters. */
		for (size_t j = 0; j < lw->nchildren; j++) {
			char *v = conf_value(lw->children[j]);

			if (!v)
				return -ENOMEM;
			tpath(params + strlen(params), sizeof(params) - strlen(params),
				 "%s%s=%s", *params ? "; " : "", lw->children[j]->key, v);
			free(v);
		}
		a->at = lw;
		rc = apply_changef(a, mgmt, "add %s %s%s%s", lw->args[1], lw->args[0], *params ? " " : "",
			     params);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- targets ---- */

static bool target_recreate(struct applier *a, const char *drv, const struct cfg_node *tc,
			    const struct cfg_node *tw)
{
	char dir[PATH_LEN];
	bool rec = false;

	tpath(dir, sizeof(dir), "targets/%s/%s", drv, tc->args[0]);
	attrs_diff(a, dir, tc, tw, NULL, NULL, false, &rec);
	return rec;
}

/* Anything of the target other than its enabled state differs. */
static bool target_changes(struct applier *a, const char *drv, const struct cfg_node *tc,
			   const struct cfg_node *tw)
{
	char *x = NULL, *y = NULL;
	size_t xl, yl;
	FILE *fx, *fy;
	bool diff;

	if (!tw || target_recreate(a, drv, tc, tw))
		return true;
	for (size_t i = 0; i < tc->nchildren; i++)
		if (!strcmp(tc->children[i]->key, "LUN") &&
		    device_changes(a, tc->children[i]->args[1]))
			return true;
	/* Compare the written forms, enabled aside. */
	fx = open_memstream(&x, &xl);
	fy = open_memstream(&y, &yl);
	if (!fx || !fy) {
		if (fx)
			fclose(fx);
		if (fy)
			fclose(fy);
		free(x);
		free(y);
		return true;
	}
	for (size_t i = 0; i < tc->nchildren; i++)
		if (strcmp(tc->children[i]->key, "enabled") &&
		    !(attr_kept_when_unlisted(tc, tc->children[i]->key) &&
		      !attr_count(tw, tc->children[i]->key))) {
			struct cfg_node tmp = { .key = "X", .children = &tc->children[i],
						.nchildren = 1 };
			conf_write(fx, &tmp);
		}
	for (size_t i = 0; i < tw->nchildren; i++)
		if (strcmp(tw->children[i]->key, "enabled")) {
			struct cfg_node tmp = { .key = "X", .children = &tw->children[i],
						.nchildren = 1 };
			conf_write(fy, &tmp);
		}
	fclose(fx);
	fclose(fy);
	diff = strcmp(x, y) != 0;
	free(x);
	free(y);
	return diff;
}

struct tgt_plan {
	const char *drv;
	const struct cfg_node *cur, *want;
	bool remove, recreate, disabled;
	bool reenable;          /* disabled only for an attribute change */
};

/* ---- initiators moving between groups ---- */

/* The group of cur an initiator moves out of, to another group of want
 * that gains it: a kept group (in both) losing the name.  NULL when the
 * name is not moving (it is deleted and added instead). */
static const struct cfg_node *move_source(const struct cfg_node *cur, const struct cfg_node *want,
					  const char *name)
{
	bool gained = false;

	for (size_t i = 0; want && i < want->nchildren && !gained; i++) {
		const struct cfg_node *gw = want->children[i];
		const struct cfg_node *gc;

		if (strcmp(gw->key, "GROUP") || !conf_find(gw, "INITIATOR", name))
			continue;
		gc = conf_find(cur, "GROUP", gw->args[0]);
		gained = !gc || !conf_find(gc, "INITIATOR", name);
	}
	if (!gained)
		return NULL;
	for (size_t i = 0; i < cur->nchildren; i++) {
		const struct cfg_node *gc = cur->children[i];
		const struct cfg_node *gw;

		if (strcmp(gc->key, "GROUP") || !conf_find(gc, "INITIATOR", name))
			continue;
		gw = conf_find(want, "GROUP", gc->args[0]);
		if (gw && !conf_find(gw, "INITIATOR", name))
			return gc;
	}
	return NULL;
}

/* Adds an initiator to group gw, as a move (README.scst "move") when it
 * leaves another group: a logged-in session follows it without a moment
 * in the default group. */
static int add_initiator(struct applier *a, const struct cfg_node *cur,
			 const struct cfg_node *want, const char *dir, const struct cfg_node *gw,
			 const char *name)
{
	const struct cfg_node *from = cur ? move_source(cur, want, name) : NULL;
	char mgmt[PATH_LEN];

	a->at = conf_find(gw, "INITIATOR", name);

	if (from && strcmp(from->args[0], gw->args[0])) {
		tpath(mgmt, sizeof(mgmt), "%s/ini_groups/%s/initiators/mgmt", dir, from->args[0]);
		return apply_changef(a, mgmt, "move %s %s", name, gw->args[0]);
	}
	tpath(mgmt, sizeof(mgmt), "%s/ini_groups/%s/initiators/mgmt", dir, gw->args[0]);
	return apply_changef(a, mgmt, "add %s", name);
}

static int remove_target_parts(struct applier *a, struct tgt_plan *p)
{
	char dir[PATH_LEN], mgmt[PATH_LEN];
	int rc;

	tpath(dir, sizeof(dir), "targets/%s/%s", p->drv, p->cur->args[0]);
	/* Groups that go away, then initiators leaving the others. */
	for (size_t i = 0; i < p->cur->nchildren; i++) {
		const struct cfg_node *gc = p->cur->children[i];
		const struct cfg_node *gw;
		char gdir[PATH_LEN];

		if (strcmp(gc->key, "GROUP"))
			continue;
		gw = conf_find(p->want, "GROUP", gc->args[0]);
		tpath(gdir, sizeof(gdir), "%s/ini_groups/%s", dir, gc->args[0]);
		if (!gw) {
			/* Its LUNs and initiators go with it. */
			tpath(mgmt, sizeof(mgmt), "%s/ini_groups/mgmt", dir);
			if ((rc = apply_changef(a, mgmt, "del %s", gc->args[0])) < 0)
				return rc;
			continue;
		}
		tpath(mgmt, sizeof(mgmt), "%s/initiators/mgmt", gdir);
		for (size_t j = 0; j < gc->nchildren; j++) {
			const struct cfg_node *ic = gc->children[j];

			/* One that moves to another group goes with build_target. */
			if (!strcmp(ic->key, "INITIATOR") && !conf_find(gw, "INITIATOR", ic->args[0]) &&
			    move_source(p->cur, p->want, ic->args[0]) != gc &&
			    (rc = apply_changef(a, mgmt, "del %s", ic->args[0])) < 0)
				return rc;
		}
		if ((rc = luns_remove(a, gdir, gc, gw)) < 0)
			return rc;
	}
	return luns_remove(a, dir, p->cur, p->want);
}

/* add_target with the attributes the driver's help lists as parameters
 * (SysfsRules: read-only key attributes are creation parameters). */
static int create_target(struct applier *a, const char *dmgmt, const struct cfg_node *tw)
{
	char params[CMD_LEN] = "";

	for (size_t i = 0; i < tw->nchildren; i++) {
		const struct cfg_node *c = tw->children[i];
		char *v;

		if (!conf_is_attr(c) || !mgmt_lists_param(a, dmgmt, c->key))
			continue;
		v = conf_value(c);
		if (!v)
			return -ENOMEM;
		tpath(params + strlen(params), sizeof(params) - strlen(params), "%s%s=%s",
		      *params ? "; " : "", c->key, v);
		free(v);
	}
	a->at = tw;
	return apply_changef(a, dmgmt, "add_target %s%s%s", tw->args[0], *params ? " " : "", params);
}

static int set_enabled(struct applier *a, const char *dir, bool on);

/* Attributes an enabled target refuses to change: README.scst has
 * rel_tgt_id unique among enabled targets, and the core takes a new one
 * only on a disabled target. */
static const char *const disabled_only_attrs[] = { "rel_tgt_id", NULL };

/* The tree's first line of dir/key, compared with want's value. */
static bool tree_differs(struct applier *a, const char *dir, const char *key, const char *want)
{
	char path[PATH_LEN], *v;
	bool is_key, differs;

	tpath(path, sizeof(path), "%s/%s", dir, key);
	if (tree_read_attr(a->t, path, &v, &is_key) < 0)
		return false;
	differs = strcmp(v, want) != 0;
	free(v);
	return differs;
}

/* Disables the target at dir when it is enabled and want changes one of
 * disabled_only_attrs; apply_targets_up enables it again. */
static int disable_for_attrs(struct applier *a, struct tgt_plan *p, const char *dir)
{
	bool change = false;
	int rc;

	if (!tree_differs(a, dir, "enabled", "0"))
		return 0;
	for (size_t i = 0; disabled_only_attrs[i] && !change; i++) {
		char *w = attr_values(p->want, disabled_only_attrs[i]);

		if (!w)
			return -ENOMEM;
		change = *w && tree_differs(a, dir, disabled_only_attrs[i], w);
		free(w);
	}
	if (!change)
		return 0;
	if ((rc = set_enabled(a, dir, false)) < 0)
		return rc;
	p->disabled = p->reenable = true;
	return 0;
}

/* The target's own LUNs as want has them.  A target that gives LUNs by
 * itself (copy_manager_tgt, one for each device created meanwhile) is
 * compared as it is now, not as it was when the configuration was read. */
static int target_luns(struct applier *a, const char *dir, const struct cfg_node *cur,
		       const struct cfg_node *want)
{
	struct cfg_node *now;
	int rc;

	if (!cur || a->o->dry_run)
		return luns_add(a, dir, cur, want);
	rc = conf_save_luns(a->t, dir, &now, a->err, a->errlen);
	if (rc < 0)
		return rc;
	rc = luns_remove(a, dir, now, want);
	if (rc == 0) {
		cfg_free(now);
		rc = conf_save_luns(a->t, dir, &now, a->err, a->errlen);
		if (rc < 0)
			return rc;
		rc = luns_add(a, dir, now, want);
	}
	cfg_free(now);
	return rc;
}

static int build_target(struct applier *a, struct tgt_plan *p, bool is_new)
{
	const struct cfg_node *cur = is_new ? NULL : p->cur;
	char dir[PATH_LEN], mgmt[PATH_LEN], dmgmt[PATH_LEN], prefix[PATH_LEN];
	bool rec = false;
	int rc;

	tpath(dir, sizeof(dir), "targets/%s/%s", p->drv, p->want->args[0]);
	tpath(dmgmt, sizeof(dmgmt), "targets/%s/mgmt", p->drv);
	if (is_new && (rc = create_target(a, dmgmt, p->want)) < 0)
		return rc;
	if (a->o->dry_run && is_new)
		return 0;
	if ((rc = disable_for_attrs(a, p, dir)) < 0)
		return rc;
	tpath(prefix, sizeof(prefix), "add_target_attribute %s", p->want->args[0]);
	a->created_with = is_new ? dmgmt : NULL;
	rc = attrs_diff(a, dir, cur, p->want, dmgmt, prefix, true, &rec);
	a->created_with = NULL;
	if (rc == 0 && rec)
		rc = apply_fail(a, -EINVAL, "target %s: attributes need the target recreated",
			   p->want->args[0]);
	if (rc == 0)
		rc = target_luns(a, dir, cur, p->want);
	for (size_t i = 0; rc == 0 && i < p->want->nchildren; i++) {
		const struct cfg_node *gw = p->want->children[i];
		const struct cfg_node *gc;
		char gdir[PATH_LEN];

		if (strcmp(gw->key, "GROUP"))
			continue;
		gc = cur ? conf_find(cur, "GROUP", gw->args[0]) : NULL;
		tpath(gdir, sizeof(gdir), "%s/ini_groups/%s", dir, gw->args[0]);
		tpath(mgmt, sizeof(mgmt), "%s/ini_groups/mgmt", dir);
		a->at = gw;
		if (!gc && (rc = apply_changef(a, mgmt, "create %s", gw->args[0])) < 0)
			break;
		/* The group's own attributes (addr_method, io_grouping_type,
		 * cpu_mask): files of the group once it exists. */
		if (!(a->o->dry_run && !gc)) {
			bool grec = false;

			rc = attrs_diff(a, gdir, gc, gw, NULL, NULL, true, &grec);
			if (rc == 0 && grec)
				rc = apply_fail(a, -EINVAL, "group %s: an attribute cannot change "
						"without recreating the group", gw->args[0]);
			if (rc < 0)
				break;
		}
		rc = luns_add(a, gdir, gc, gw);
		for (size_t j = 0; rc == 0 && j < gw->nchildren; j++) {
			const struct cfg_node *iw = gw->children[j];

			if (!strcmp(iw->key, "INITIATOR") &&
			    !(gc && conf_find(gc, "INITIATOR", iw->args[0])))
				rc = add_initiator(a, cur, p->want, dir, gw, iw->args[0]);
		}
	}
	return rc;
}

static int set_enabled(struct applier *a, const char *dir, bool on)
{
	char path[PATH_LEN];

	tpath(path, sizeof(path), "%s/enabled", dir);
	return apply_change(a, path, on ? "1" : "0");
}

/* ---- the whole ---- */

/* True when the mgmt file at path documents command (its help text). */
static bool mgmt_offers(struct applier *a, const char *path, const char *command)
{
	char msg[256], *help;
	bool found;

	if (tree_read(a->t, path, &help, msg, sizeof(msg)) < 0)
		return false;
	found = strstr(help, command) != NULL;
	free(help);
	return found;
}

/* A new device's attribute must be a creation parameter unless its
 * handler can add attributes afterwards: refused before any change. */
static int check_device_attrs(struct applier *a, const struct cfg_node *h)
{
	char mgmt[PATH_LEN];

	tpath(mgmt, sizeof(mgmt), "handlers/%s/mgmt", h->args[0]);
	if (mgmt_offers(a, mgmt, "add_device_attribute"))
		return 0;
	for (size_t i = 0; i < h->nchildren; i++) {
		const struct cfg_node *d = h->children[i];

		if (strcmp(d->key, "DEVICE"))
			continue;
		for (size_t j = 0; j < d->nchildren; j++) {
			const struct cfg_node *c = d->children[j];
			char path[PATH_LEN];

			tpath(path, sizeof(path), "devices/%s/%s", d->args[0], c->key);
			if (!is_create_param(a, h->args[0], c->key) && !attr_writable(a, path))
				return apply_fail(a, -EINVAL,
					     "line %d, column %d: handler %s has no parameter '%s'",
					     c->line, c->col, h->args[0], c->key);
		}
	}
	return 0;
}

/* A hardware target exists only when its driver found the hardware; no
 * driver of scstd has any, so a configuration that names one cannot be
 * applied (rather than silently creating a virtual target instead). */
static int check_hw_targets(struct applier *a, const struct cfg_node *drv)
{
	for (size_t i = 0; i < drv->nchildren; i++) {
		const struct cfg_node *t = drv->children[i];
		const struct cfg_node *hw;

		if (strcmp(t->key, "TARGET") || !(hw = conf_find(t, "HW_TARGET", NULL)))
			continue;
		return apply_fail(a, -ENOENT, "line %d, column %d: hardware target %s of driver "
				  "%s does not exist (scstd's %s driver makes no hardware targets)",
				  hw->line, hw->col, t->args[0], drv->args[0], drv->args[0]);
	}
	return 0;
}

static int check_against_tree(struct applier *a)
{
	for (size_t i = 0; i < a->want->nchildren; i++) {
		const struct cfg_node *c = a->want->children[i];
		char path[PATH_LEN];
		enum tkind k;
		bool w;

		if (!strcmp(c->key, "HANDLER"))
			tpath(path, sizeof(path), "handlers/%s/mgmt", c->args[0]);
		else if (!strcmp(c->key, "TARGET_DRIVER"))
			tpath(path, sizeof(path), "targets/%s", c->args[0]);
		else
			continue;
		if (tree_stat(a->t, path, &k, &w) < 0)
			return apply_fail(a, -ENOENT, "line %d, column %d: %s %s does not exist "
				     "here", c->line, c->col, !strcmp(c->key, "HANDLER") ?
				     "handler" : "target driver", c->args[0]);
		if (!strcmp(c->key, "HANDLER") && check_device_attrs(a, c) < 0)
			return -EINVAL;
		if (!strcmp(c->key, "TARGET_DRIVER") && check_hw_targets(a, c) < 0)
			return -EINVAL;
	}
	return 0;
}

static bool mgmt_offers(struct applier *a, const char *path, const char *command);

/* A target its driver cannot delete (copy_manager_tgt, which SCST makes
 * by itself) stays as it is when the configuration does not name it. */
static bool kept_unlisted(struct applier *a, const char *drv, const struct cfg_node *want)
{
	char mgmt[PATH_LEN];

	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", drv);
	return !want && !mgmt_offers(a, mgmt, "del_target");
}

static size_t collect_targets(struct applier *a, struct tgt_plan *plans, size_t max)
{
	size_t n = 0;
	const struct cfg_node *sides[2] = { a->cur, a->want };

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < sides[s]->nchildren; i++) {
			const struct cfg_node *d = sides[s]->children[i];

			if (strcmp(d->key, "TARGET_DRIVER"))
				continue;
			for (size_t j = 0; j < d->nchildren && n < max; j++) {
				const struct cfg_node *t = d->children[j];

				if (strcmp(t->key, "TARGET"))
					continue;
				if (s == 1 && target_in(a->cur, d->args[0], t->args[0]))
					continue;
				if (s == 0 && kept_unlisted(a, d->args[0],
							    target_in(a->want, d->args[0], t->args[0])))
					continue;
				plans[n] = (struct tgt_plan){
					.drv = d->args[0],
					.cur = s == 0 ? t : NULL,
					.want = target_in(a->want, d->args[0], t->args[0]),
				};
				n++;
			}
		}
	}
	return n;
}

static int apply_targets_down(struct applier *a, struct tgt_plan *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_LEN], mgmt[PATH_LEN];
		bool changes;
		int rc;

		if (!p[i].cur)
			continue;
		tpath(dir, sizeof(dir), "targets/%s/%s", p[i].drv, p[i].cur->args[0]);
		if (!p[i].want && a->o->keep_unlisted_targets) {
			/* SCST's scstadmin: "not in configuration. Use -force
			 * to remove it" (scst_local's default target among them). */
			if (a->o->log)
				fprintf(a->o->log, "  %s: not in the configuration, kept "
					"(-force removes it)\n", dir);
			continue;
		}
		p[i].remove = !p[i].want;
		p[i].recreate = p[i].want && target_recreate(a, p[i].drv, p[i].cur, p[i].want);
		changes = target_changes(a, p[i].drv, p[i].cur, p[i].want);
		if (enabled_in(p[i].cur) && (p[i].remove || p[i].recreate ||
					     (changes && a->o->force) ||
					     (p[i].want && !enabled_in(p[i].want)))) {
			if ((rc = set_enabled(a, dir, false)) < 0)
				return rc;
			p[i].disabled = true;
		}
		if (p[i].remove || p[i].recreate) {
			/* Its LUNs and groups go with it. */
			tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", p[i].drv);
			if ((rc = apply_changef(a, mgmt, "del_target %s", p[i].cur->args[0])) < 0)
				return rc;
			continue;
		}
		if ((rc = remove_target_parts(a, &p[i])) < 0)
			return rc;
	}
	return 0;
}

/* Every target is built before any is enabled: two targets that swap
 * rel_tgt_ids share one while the first is built, which README.scst
 * allows only to disabled targets. */
static int apply_targets_up(struct applier *a, struct tgt_plan *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (p[i].want && (rc = build_target(a, &p[i], !p[i].cur || p[i].recreate)) < 0)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_LEN];
		int rc;

		if (!p[i].want)
			continue;
		tpath(dir, sizeof(dir), "targets/%s/%s", p[i].drv, p[i].want->args[0]);
		/* A target enabled by itself (scst_local's are) that was
		 * disabled for an attribute change comes back unless the
		 * configuration says how it should be. */
		if (p[i].reenable && !attr_count(p[i].want, "enabled") &&
		    (rc = set_enabled(a, dir, true)) < 0)
			return rc;
		if (enabled_in(p[i].want) &&
		    (!p[i].cur || p[i].recreate || p[i].disabled || !enabled_in(p[i].cur)) &&
		    (rc = set_enabled(a, dir, true)) < 0)
			return rc;
		/* "enabled 0" for a target its driver created enabled. */
		if (attr_count(p[i].want, "enabled") && !enabled_in(p[i].want) &&
		    tree_differs(a, dir, "enabled", "0") && (rc = set_enabled(a, dir, false)) < 0)
			return rc;
	}
	return 0;
}

static int apply_drivers(struct applier *a, bool enable_pass)
{
	for (size_t i = 0; i < a->want->nchildren; i++) {
		const struct cfg_node *dw = a->want->children[i];
		const struct cfg_node *dc;
		char dir[PATH_LEN], mgmt[PATH_LEN];
		bool rec = false;
		int rc;

		if (strcmp(dw->key, "TARGET_DRIVER"))
			continue;
		dc = conf_find(a->cur, "TARGET_DRIVER", dw->args[0]);
		tpath(dir, sizeof(dir), "targets/%s", dw->args[0]);
		if (enable_pass) {
			if (enabled_in(dw) != enabled_in(dc) &&
			    (rc = set_enabled(a, dir, enabled_in(dw))) < 0)
				return rc;
			continue;
		}
		tpath(mgmt, sizeof(mgmt), "%s/mgmt", dir);
		rc = attrs_diff(a, dir, dc, dw, mgmt, "add_attribute", true, &rec);
		if (rc == 0 && rec)
			rc = apply_fail(a, -EINVAL, "target driver %s: an attribute cannot be removed",
				   dw->args[0]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int apply_root_attrs(struct applier *a)
{
	bool rec = false;
	int rc = attrs_diff(a, "", a->cur, a->want, NULL, NULL, true, &rec);

	if (rc == 0 && rec)
		rc = apply_fail(a, -EINVAL, "a global attribute cannot be changed");
	return rc;
}

static int apply_all(struct applier *a)
{
	struct tgt_plan plans[1024];
	size_t n = collect_targets(a, plans, 1024);
	int rc;

	if ((rc = apply_root_attrs(a)) < 0 || (rc = apply_targets_down(a, plans, n)) < 0 ||
	    (rc = apply_devices(a)) < 0 || (rc = apply_drivers(a, false)) < 0 ||
	    (rc = apply_targets_up(a, plans, n)) < 0 || (rc = apply_drivers(a, true)) < 0 ||
	    (rc = conf_apply_dgroups(a)) < 0)
		return rc;
	return 0;
}

int conf_apply(struct tree *t, const struct cfg_node *want, const struct apply_opts *o,
	       char *err, size_t errlen)
{
	struct cfg_node *cur, *norm = NULL;
	struct applier a = { .t = t, .o = o, .want = want, .err = err, .errlen = errlen };
	int rc = conf_check(want, err, errlen);

	if (rc < 0)
		return rc;
	rc = conf_save(t, &cur, err, errlen);
	if (rc < 0)
		return rc;
	a.cur = cur;
	rc = conf_normalize(&a, want, &norm);
	a.want = norm;
	if (rc == 0)
		rc = check_against_tree(&a);
	if (rc == 0)
		rc = apply_all(&a);
	if (rc < 0 && a.changes) {
		/* Back to what was running: the same algorithm, quietly. */
		struct apply_opts back = { .force = true };
		struct cfg_node *now;
		char msg[512];

		if (conf_save(t, &now, msg, sizeof(msg)) == 0) {
			struct applier b = { .t = t, .o = &back, .want = cur, .cur = now,
					     .err = msg, .errlen = sizeof(msg) };

			if (apply_all(&b) < 0)
				tpath(err + strlen(err), errlen - strlen(err),
					 " (restoring the previous configuration failed too: %s)",
					 msg);
			else
				tpath(err + strlen(err), errlen - strlen(err),
				      "; the previous configuration was restored");
			cfg_free(now);
		}
	}
	cfg_free(cur);
	cfg_free(norm);
	return rc;
}
