/* conf_dgroups.c - the DEVICE_GROUP blocks of scst.conf (README.scst-3.x
 * "ALUA Support"):
 *
 *   DEVICE_GROUP dg { [tpgs both] [implicit_transition_time N]  DEVICE d
 *       TARGET_GROUP tg { group_id N  state S  [preferred 1]
 *           TARGET local_target
 *           TARGET other_node_target { rel_tgt_id N } } }
 *
 * saved from device_groups/ and applied to it: removals of every group
 * first, then additions, so a device or port moving between groups is
 * never in two.  Runs after devices and targets, which it refers to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/apply_priv.h"

#define DG_ROOT "device_groups"

static int oom(char *err, size_t errlen)
{
	tpath(err, errlen, "out of memory");
	return -ENOMEM;
}

/* The [key] attributes of dir into node, in tree order. */
static int save_key_attrs(struct tree *t, const char *dir, struct cfg_node *node, char *err,
			  size_t errlen)
{
	struct tlist l;
	int rc = tree_list(t, dir, &l, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		char path[PATH_LEN], *value;
		struct cfg_node *a;
		bool key;

		if (l.v[i].kind != TK_ATTR || !strcmp(l.v[i].name, "mgmt"))
			continue;
		tpath(path, sizeof(path), "%s/%s", dir, l.v[i].name);
		if (tree_read_attr(t, path, &value, &key) < 0)
			continue;
		if (key) {
			a = conf_add(node, l.v[i].name);
			if (!a || conf_arg(a, value) < 0)
				rc = oom(err, errlen);
		}
		free(value);
	}
	tlist_free(&l);
	return rc;
}

/* A port of another node keeps its rel_tgt_id; a local one is a link to
 * its target, whose own TARGET block holds it. */
static int save_target_group(struct tree *t, const char *dir, struct cfg_node *tg, char *err,
			     size_t errlen)
{
	struct tlist l;
	int rc = save_key_attrs(t, dir, tg, err, errlen);

	if (rc == 0)
		rc = tree_list(t, dir, &l, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		char path[PATH_LEN];
		struct cfg_node *m;

		if (l.v[i].kind == TK_ATTR)
			continue;
		m = conf_add(tg, "TARGET");
		if (!m || conf_arg(m, l.v[i].name) < 0) {
			rc = oom(err, errlen);
			break;
		}
		tpath(path, sizeof(path), "%s/%s", dir, l.v[i].name);
		if (l.v[i].kind == TK_DIR)
			rc = save_key_attrs(t, path, m, err, errlen);
	}
	tlist_free(&l);
	return rc;
}

static int save_entries(struct tree *t, const char *dir, enum tkind kind, const char *key,
			struct cfg_node *dg, char *err, size_t errlen)
{
	struct tlist l;
	int rc = tree_list(t, dir, &l, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct cfg_node *c;

		if (l.v[i].kind != kind)
			continue;
		c = conf_add(dg, key);
		if (!c || conf_arg(c, l.v[i].name) < 0) {
			rc = oom(err, errlen);
			break;
		}
		if (kind == TK_DIR) {
			char path[PATH_LEN];

			tpath(path, sizeof(path), "%s/%s", dir, l.v[i].name);
			rc = save_target_group(t, path, c, err, errlen);
		}
	}
	tlist_free(&l);
	return rc;
}

int conf_save_dgroups(struct tree *t, struct cfg_node *root, char *err, size_t errlen)
{
	struct tlist l;
	enum tkind k;
	bool w;
	int rc;

	if (tree_stat(t, DG_ROOT, &k, &w) < 0)
		return 0;       /* a tree without ALUA */
	rc = tree_list(t, DG_ROOT, &l, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		char dir[PATH_LEN], sub[PATH_LEN];
		struct cfg_node *dg;

		if (l.v[i].kind != TK_DIR)
			continue;
		dg = conf_add(root, "DEVICE_GROUP");
		if (!dg || conf_arg(dg, l.v[i].name) < 0) {
			rc = oom(err, errlen);
			break;
		}
		tpath(dir, sizeof(dir), DG_ROOT "/%s", l.v[i].name);
		rc = save_key_attrs(t, dir, dg, err, errlen);
		tpath(sub, sizeof(sub), "%s/devices", dir);
		if (rc == 0)
			rc = save_entries(t, sub, TK_LINK, "DEVICE", dg, err, errlen);
		tpath(sub, sizeof(sub), "%s/target_groups", dir);
		if (rc == 0)
			rc = save_entries(t, sub, TK_DIR, "TARGET_GROUP", dg, err, errlen);
	}
	tlist_free(&l);
	return rc;
}

/* ---- apply ---- */

/* What an attribute left out of a configuration goes back to. */
static const char *attr_default(const char *key)
{
	if (!strcmp(key, "tpgs"))
		return "implicit";
	if (!strcmp(key, "preferred"))
		return "0";
	if (!strcmp(key, "state"))
		return "active";
	if (!strcmp(key, "implicit_transition_time"))
		return "0";
	return NULL;        /* group_id, rel_tgt_id: kept */
}

static int apply_attrs(struct applier *a, const char *dir, const struct cfg_node *cur,
		       const struct cfg_node *want)
{
	const struct cfg_node *sides[2] = { want, cur };

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; sides[s] && i < sides[s]->nchildren; i++) {
			const struct cfg_node *c = sides[s]->children[i];
			char path[PATH_LEN], *v;
			int rc;

			if (!conf_is_attr(c) || attr_same(cur, want, c->key))
				continue;
			if (s == 1 && attr_count(want, c->key))
				continue;
			v = s == 0 ? conf_value(c) : NULL;
			if (s == 0 && !v)
				return -ENOMEM;
			tpath(path, sizeof(path), "%s/%s", dir, c->key);
			a->at = c;
			if (s == 0)
				rc = apply_change(a, path, v);
			else
				rc = attr_default(c->key) ? apply_change(a, path, attr_default(c->key)) : 0;
			free(v);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Entries keyed `key` of from that to lacks get "VERB name" on mgmt. */
static int each_missing(struct applier *a, const struct cfg_node *from, const struct cfg_node *to,
			const char *key, const char *mgmt, const char *verb)
{
	for (size_t i = 0; from && i < from->nchildren; i++) {
		const struct cfg_node *c = from->children[i];
		int rc;

		if (strcmp(c->key, key) || !c->nargs || (to && conf_find(to, key, c->args[0])))
			continue;
		a->at = c;
		rc = apply_changef(a, mgmt, "%s %s", verb, c->args[0]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int remove_parts(struct applier *a, const struct cfg_node *cur, const struct cfg_node *want)
{
	char dir[PATH_LEN], mgmt[PATH_LEN];
	int rc;

	tpath(dir, sizeof(dir), DG_ROOT "/%s", cur->args[0]);
	tpath(mgmt, sizeof(mgmt), "%s/devices/mgmt", dir);
	if ((rc = each_missing(a, cur, want, "DEVICE", mgmt, "del")) < 0)
		return rc;
	tpath(mgmt, sizeof(mgmt), "%s/target_groups/mgmt", dir);
	if ((rc = each_missing(a, cur, want, "TARGET_GROUP", mgmt, "del")) < 0)
		return rc;
	for (size_t i = 0; i < cur->nchildren; i++) {
		const struct cfg_node *tc = cur->children[i], *tw;

		if (strcmp(tc->key, "TARGET_GROUP") ||
		    !(tw = conf_find(want, "TARGET_GROUP", tc->args[0])))
			continue;
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/%s/mgmt", dir, tc->args[0]);
		if ((rc = each_missing(a, tc, tw, "TARGET", mgmt, "del")) < 0)
			return rc;
	}
	return 0;
}

/* targets/<driver>/<name> of a local port; -ENOENT when none. */
static int local_port_dir(struct applier *a, const char *name, char *out, size_t len)
{
	char msg[256];
	struct tlist drv;
	int rc = tree_list(a->t, "targets", &drv, msg, sizeof(msg));

	if (rc < 0)
		return rc;
	rc = -ENOENT;
	for (size_t i = 0; rc == -ENOENT && i < drv.n; i++) {
		enum tkind k;
		bool w;

		tpath(out, len, "targets/%s/%s", drv.v[i].name, name);
		if (drv.v[i].kind == TK_DIR && tree_stat(a->t, out, &k, &w) == 0 && k == TK_DIR)
			rc = 0;
	}
	tlist_free(&drv);
	return rc;
}

/* A local port's attributes (rel_tgt_id) are its target's: SCST's tree
 * links to the target, so a value that differs goes to the target, as a
 * write through that link does. */
static int apply_local_port(struct applier *a, const char *dir, const struct cfg_node *m)
{
	for (size_t i = 0; i < m->nchildren; i++) {
		const struct cfg_node *c = m->children[i];
		char path[PATH_LEN], *want, *now = NULL;
		bool key;
		int rc = 0;

		if (!conf_is_attr(c))
			continue;
		tpath(path, sizeof(path), "%s/%s", dir, c->key);
		want = conf_value(c);
		if (!want)
			return -ENOMEM;
		if (tree_read_attr(a->t, path, &now, &key) < 0 || strcmp(now, want))
			rc = apply_change(a, path, want);
		free(now);
		free(want);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_target_group(struct applier *a, const char *dir, const struct cfg_node *cur,
			    const struct cfg_node *tw)
{
	const struct cfg_node *tc = cur ? conf_find(cur, "TARGET_GROUP", tw->args[0]) : NULL;
	char tdir[PATH_LEN], mgmt[PATH_LEN];
	int rc;

	tpath(tdir, sizeof(tdir), "%s/target_groups/%s", dir, tw->args[0]);
	tpath(mgmt, sizeof(mgmt), "%s/mgmt", tdir);
	if ((rc = apply_attrs(a, tdir, tc, tw)) < 0 ||
	    (rc = each_missing(a, tw, tc, "TARGET", mgmt, "add")) < 0)
		return rc;
	for (size_t i = 0; i < tw->nchildren; i++) {
		const struct cfg_node *m = tw->children[i];
		char mdir[PATH_LEN];

		if (strcmp(m->key, "TARGET") || !m->nchildren)
			continue;
		if (local_port_dir(a, m->args[0], mdir, sizeof(mdir)) == 0) {
			rc = apply_local_port(a, mdir, m);
		} else {
			tpath(mdir, sizeof(mdir), "%s/%s", tdir, m->args[0]);
			rc = apply_attrs(a, mdir, tc ? conf_find(tc, "TARGET", m->args[0]) : NULL, m);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_parts(struct applier *a, const struct cfg_node *cur, const struct cfg_node *want)
{
	char dir[PATH_LEN], mgmt[PATH_LEN];
	int rc;

	tpath(dir, sizeof(dir), DG_ROOT "/%s", want->args[0]);
	if ((rc = apply_attrs(a, dir, cur, want)) < 0)
		return rc;
	tpath(mgmt, sizeof(mgmt), "%s/devices/mgmt", dir);
	if ((rc = each_missing(a, want, cur, "DEVICE", mgmt, "add")) < 0)
		return rc;
	tpath(mgmt, sizeof(mgmt), "%s/target_groups/mgmt", dir);
	if ((rc = each_missing(a, want, cur, "TARGET_GROUP", mgmt, "create")) < 0)
		return rc;
	for (size_t i = 0; i < want->nchildren; i++)
		if (!strcmp(want->children[i]->key, "TARGET_GROUP") &&
		    (rc = add_target_group(a, dir, cur, want->children[i])) < 0)
			return rc;
	return 0;
}

int conf_apply_dgroups(struct applier *a)
{
	struct cfg_node *cur = conf_new(NULL);
	int rc;

	if (!cur)
		return -ENOMEM;
	/* Read now, not at the start: a device recreated by this apply left
	 * its group. */
	rc = conf_save_dgroups(a->t, cur, a->err, a->errlen);
	if (rc == 0)
		rc = each_missing(a, cur, a->want, "DEVICE_GROUP", DG_ROOT "/mgmt", "del");
	for (size_t i = 0; rc == 0 && i < cur->nchildren; i++) {
		const struct cfg_node *w = conf_find(a->want, "DEVICE_GROUP", cur->children[i]->args[0]);

		if (w)
			rc = remove_parts(a, cur->children[i], w);
	}
	if (rc == 0)
		rc = each_missing(a, a->want, cur, "DEVICE_GROUP", DG_ROOT "/mgmt", "create");
	for (size_t i = 0; rc == 0 && i < a->want->nchildren; i++) {
		const struct cfg_node *w = a->want->children[i];

		if (!strcmp(w->key, "DEVICE_GROUP"))
			rc = add_parts(a, conf_find(cur, "DEVICE_GROUP", w->args[0]), w);
	}
	cfg_free(cur);
	return rc;
}
