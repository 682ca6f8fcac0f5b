/* conf_save.c - the running configuration as a config tree, following
 * SysfsRules "Algorithm to convert current SCST configuration to config
 * file": only [key] attributes are kept, an attribute's instance digits
 * are dropped (IncomingUser1 -> IncomingUser), handlers are the
 * directories with a mgmt file, devices their links, and every list is
 * sorted so the same tree always gives the same file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

struct saver {
	struct tree *t;
	char *err;
	size_t errlen;
	int seq;         /* keeps attribute instances in tree order */
};

static int oom(struct saver *s)
{
	tpath(s->err, s->errlen, "out of memory");
	return -ENOMEM;
}

/* "IncomingUser12" -> "IncomingUser"; a name of digits only stays. */
static void base_name(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	while (n > 1 && isdigit((unsigned char)name[n - 1]))
		n--;
	tpath(buf, len, "%.*s", (int)n, name);
}

/* Saved whatever their value, as SCST's scstadmin does (serializeKeyAttr):
 * a target's or driver's state carries no [key] mark, and a disabled
 * target must stay disabled through a round trip. */
static bool always_saved(const char *name)
{
	return !strcmp(name, "enabled") || !strcmp(name, "hw_target");
}

/* Adds every [key] attribute file of dir (mgmt excluded) to node. */
static int save_attrs(struct saver *s, const char *dir, struct cfg_node *node)
{
	struct tlist l;
	int rc = tree_list(s->t, dir, &l, s->err, s->errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		char path[4096], base[256], *value;
		struct cfg_node *a;
		bool key;

		if (l.v[i].kind != TK_ATTR || !strcmp(l.v[i].name, "mgmt"))
			continue;
		tpath(path, sizeof(path), "%s/%s", dir, l.v[i].name);
		if (tree_read_attr(s->t, path, &value, &key) < 0)
			continue;   /* write-only or vanished: not configuration */
		if (key || always_saved(l.v[i].name)) {
			base_name(l.v[i].name, base, sizeof(base));
			a = conf_add(node, base);
			if (!a || conf_arg(a, value) < 0)
				rc = oom(s);
			else
				a->line = ++s->seq;
		}
		free(value);
	}
	tlist_free(&l);
	return rc;
}

static int save_luns(struct saver *s, const char *dir, struct cfg_node *node)
{
	char luns[4096];
	struct tlist l;
	int rc;

	tpath(luns, sizeof(luns), "%s/luns", dir);
	rc = tree_list(s->t, luns, &l, s->err, s->errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		char path[4096], *dev;
		struct cfg_node *lun;

		if (l.v[i].kind != TK_DIR)
			continue;
		tpath(path, sizeof(path), "%s/%s/device", luns, l.v[i].name);
		if (tree_link_name(s->t, path, &dev) < 0)
			continue;
		lun = conf_add(node, "LUN");
		if (!lun || conf_arg(lun, l.v[i].name) < 0 || conf_arg(lun, dev) < 0)
			rc = oom(s);
		free(dev);
		if (rc == 0) {
			tpath(path, sizeof(path), "%s/%s", luns, l.v[i].name);
			rc = save_attrs(s, path, lun);
		}
	}
	tlist_free(&l);
	return rc;
}

static int save_groups(struct saver *s, const char *dir, struct cfg_node *node)
{
	char groups[4096];
	struct tlist l;
	int rc;

	tpath(groups, sizeof(groups), "%s/ini_groups", dir);
	rc = tree_list(s->t, groups, &l, s->err, s->errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		char path[4096];
		struct cfg_node *g;
		struct tlist inis;

		if (l.v[i].kind != TK_DIR)
			continue;
		g = conf_add(node, "GROUP");
		if (!g || conf_arg(g, l.v[i].name) < 0) {
			rc = oom(s);
			break;
		}
		tpath(path, sizeof(path), "%s/%s", groups, l.v[i].name);
		/* The group's [key] attributes: addr_method, io_grouping_type, cpu_mask. */
		rc = save_attrs(s, path, g);
		if (rc == 0)
			rc = save_luns(s, path, g);
		tpath(path, sizeof(path), "%s/%s/initiators", groups, l.v[i].name);
		if (rc == 0)
			rc = tree_list(s->t, path, &inis, s->err, s->errlen);
		if (rc < 0)
			break;
		for (size_t j = 0; j < inis.n && rc == 0; j++) {
			struct cfg_node *ini;

			if (inis.v[j].kind != TK_ATTR || !strcmp(inis.v[j].name, "mgmt"))
				continue;
			ini = conf_add(g, "INITIATOR");
			if (!ini || conf_arg(ini, inis.v[j].name) < 0)
				rc = oom(s);
		}
		tlist_free(&inis);
	}
	tlist_free(&l);
	return rc;
}

static int save_target(struct saver *s, const char *drv, const char *name, struct cfg_node *d)
{
	struct cfg_node *t = conf_add(d, "TARGET");
	char dir[4096];
	int rc;

	if (!t || conf_arg(t, name) < 0)
		return oom(s);
	tpath(dir, sizeof(dir), "targets/%s/%s", drv, name);
	rc = save_attrs(s, dir, t);
	if (rc == 0)
		rc = save_luns(s, dir, t);
	if (rc == 0)
		rc = save_groups(s, dir, t);
	return rc;
}

static int save_drivers(struct saver *s, struct cfg_node *root)
{
	struct tlist drv;
	int rc = tree_list(s->t, "targets", &drv, s->err, s->errlen);

	for (size_t i = 0; rc == 0 && i < drv.n; i++) {
		char dir[4096];
		struct cfg_node *d;
		struct tlist tg;

		if (drv.v[i].kind != TK_DIR)
			continue;
		d = conf_add(root, "TARGET_DRIVER");
		if (!d || conf_arg(d, drv.v[i].name) < 0) {
			rc = oom(s);
			break;
		}
		tpath(dir, sizeof(dir), "targets/%s", drv.v[i].name);
		rc = save_attrs(s, dir, d);
		if (rc == 0)
			rc = tree_list(s->t, dir, &tg, s->err, s->errlen);
		if (rc < 0)
			break;
		for (size_t j = 0; j < tg.n && rc == 0; j++)
			if (tg.v[j].kind == TK_DIR)
				rc = save_target(s, drv.v[i].name, tg.v[j].name, d);
		tlist_free(&tg);
	}
	tlist_free(&drv);
	return rc;
}

/* A device an scst_user handler process registered itself: no DEVICE
 * entry could create it again (docs/user-handlers.md), its handler does
 * when it runs. */
static bool handler_registered(struct saver *s, const char *dev_dir)
{
	char path[4096], *v = NULL, err[128];
	enum tkind k;
	bool w, yes;

	tpath(path, sizeof(path), "%s/handler_registered", dev_dir);
	if (tree_stat(s->t, path, &k, &w) < 0 || tree_read(s->t, path, &v, err, sizeof(err)) < 0)
		return false;
	yes = v[0] == '1';
	free(v);
	return yes;
}

static int save_handlers(struct saver *s, struct cfg_node *root)
{
	struct tlist hl;
	int rc = tree_list(s->t, "handlers", &hl, s->err, s->errlen);

	for (size_t i = 0; rc == 0 && i < hl.n; i++) {
		char dir[4096], path[4096];
		struct cfg_node *h;
		struct tlist devs;
		enum tkind k;
		bool w;

		tpath(dir, sizeof(dir), "handlers/%s", hl.v[i].name);
		tpath(path, sizeof(path), "%s/mgmt", dir);
		if (hl.v[i].kind != TK_DIR || tree_stat(s->t, path, &k, &w) < 0)
			continue;   /* a parent handler: no devices of its own */
		h = conf_add(root, "HANDLER");
		if (!h || conf_arg(h, hl.v[i].name) < 0) {
			rc = oom(s);
			break;
		}
		rc = save_attrs(s, dir, h);
		if (rc == 0)
			rc = tree_list(s->t, dir, &devs, s->err, s->errlen);
		if (rc < 0)
			break;
		for (size_t j = 0; j < devs.n && rc == 0; j++) {
			struct cfg_node *d;

			if (devs.v[j].kind != TK_LINK)
				continue;
			tpath(path, sizeof(path), "devices/%s", devs.v[j].name);
			if (handler_registered(s, path))
				continue;
			d = conf_add(h, "DEVICE");
			if (!d || conf_arg(d, devs.v[j].name) < 0) {
				rc = oom(s);
				break;
			}
			tpath(path, sizeof(path), "devices/%s", devs.v[j].name);
			rc = save_attrs(s, path, d);
		}
		tlist_free(&devs);
	}
	tlist_free(&hl);
	return rc;
}

int conf_save_luns(struct tree *t, const char *dir, struct cfg_node **out, char *err,
		   size_t errlen)
{
	struct saver s = { .t = t, .err = err, .errlen = errlen };
	struct cfg_node *node = conf_new(NULL);
	int rc;

	if (!node)
		return oom(&s);
	rc = save_luns(&s, dir, node);
	if (rc < 0) {
		cfg_free(node);
		return rc;
	}
	*out = node;
	return 0;
}

int conf_save(struct tree *t, struct cfg_node **out, char *err, size_t errlen)
{
	struct saver s = { .t = t, .err = err, .errlen = errlen };
	struct cfg_node *root = conf_new(NULL);
	int rc;

	if (!root)
		return oom(&s);
	rc = save_attrs(&s, "/", root);
	if (rc == 0)
		rc = save_handlers(&s, root);
	if (rc == 0)
		rc = save_drivers(&s, root);
	if (rc == 0)
		rc = conf_save_dgroups(t, root, err, errlen);
	if (rc < 0) {
		cfg_free(root);
		return rc;
	}
	conf_sort(root);
	*out = root;
	return 0;
}
