/* dg_cli.c - scstadmin's device group actions, named as SCST's scstadmin
 * names them:
 *
 *   -add_dgrp G | -rem_dgrp G | -list_dgrp [G]
 *   -add_dgrp_dev D -dev_group G | -rem_dgrp_dev D -dev_group G
 *   -add_tgrp T -dev_group G | -rem_tgrp T -dev_group G
 *   -list_tgrp [T] -dev_group G
 *   -add_tgrp_tgt TGT -dev_group G -tgt_group T | -rem_tgrp_tgt ...
 *   -set_dgrp_attr G -attributes p=v,...
 *   -set_tgrp_attr T -dev_group G -attributes p=v,...
 *   -set_ttgt_attr TGT -dev_group G -tgt_group T -attributes p=v,...
 *     (also spelt -set_tgrp_tgt_attr)
 *   -list_dgrp_attr G | -list_tgrp_attr T -dev_group G
 *   -list_ttgt_attr TGT -dev_group G -tgt_group T
 *
 * each turned into the mgmt commands and attribute writes of
 * device_groups/ (README.scst-3.x).  -socket / -root as for the other
 * actions; -noprompt is accepted (these actions never ask). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_cli.h"
#include "util/ctl_proto.h"
#include "conf/conf_tree.h"

#define PATH_MAX_LEN 4096

enum dg_act {
	DG_NONE, DG_ADD, DG_REM, DG_LIST, DG_ADD_DEV, DG_REM_DEV, DG_ADD_TG, DG_REM_TG, DG_LIST_TG,
	DG_ADD_TGT, DG_REM_TGT, DG_SET_DG, DG_SET_TG, DG_SET_TGT, DG_ATTRS_DG, DG_ATTRS_TG,
	DG_ATTRS_TGT,
};

/* needs: bit 0 -dev_group, bit 1 -tgt_group, bit 2 -attributes; opt: the
 * object name may be left out. */
static const struct {
	const char *name;
	enum dg_act act;
	unsigned needs;
	bool opt;
} dg_actions[] = {
	{ "add_dgrp", DG_ADD, 0, false },        { "rem_dgrp", DG_REM, 0, false },
	{ "list_dgrp", DG_LIST, 0, true },       { "add_dgrp_dev", DG_ADD_DEV, 1, false },
	{ "rem_dgrp_dev", DG_REM_DEV, 1, false }, { "add_tgrp", DG_ADD_TG, 1, false },
	{ "rem_tgrp", DG_REM_TG, 1, false },     { "list_tgrp", DG_LIST_TG, 1, true },
	{ "add_tgrp_tgt", DG_ADD_TGT, 3, false }, { "rem_tgrp_tgt", DG_REM_TGT, 3, false },
	{ "set_dgrp_attr", DG_SET_DG, 4, false }, { "set_tgrp_attr", DG_SET_TG, 5, false },
	{ "set_ttgt_attr", DG_SET_TGT, 7, false }, { "set_tgrp_tgt_attr", DG_SET_TGT, 7, false },
	{ "list_dgrp_attr", DG_ATTRS_DG, 0, false }, { "list_tgrp_attr", DG_ATTRS_TG, 1, false },
	{ "list_ttgt_attr", DG_ATTRS_TGT, 3, false },
};

struct dg_opts {
	enum dg_act act;
	unsigned needs;
	const char *obj, *dgrp, *tgrp, *attrs, *socket, *root;
};

static const char *opt_name(const char *a)
{
	return a[0] != '-' ? NULL : a + (a[1] == '-' ? 2 : 1);
}

bool dg_cli_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = opt_name(argv[i]);

		for (size_t k = 0; a && k < sizeof(dg_actions) / sizeof(dg_actions[0]); k++)
			if (!strcmp(a, dg_actions[k].name))
				return true;
	}
	return false;
}

static int set_action(struct dg_opts *o, const char *a, int argc, char **argv, int *i)
{
	for (size_t k = 0; k < sizeof(dg_actions) / sizeof(dg_actions[0]); k++) {
		if (strcmp(a, dg_actions[k].name))
			continue;
		if (o->act != DG_NONE) {
			fprintf(stderr, "scstadmin: only one action at a time\n");
			return -1;
		}
		o->act = dg_actions[k].act;
		o->needs = dg_actions[k].needs;
		if (*i + 1 < argc && argv[*i + 1][0] != '-')
			o->obj = argv[++*i];
		else if (!dg_actions[k].opt) {
			fprintf(stderr, "scstadmin: -%s needs a name\n", a);
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "scstadmin: unknown option '-%s'\n", a);
	return -1;
}

static int parse(int argc, char **argv, struct dg_opts *o)
{
	static const struct { const char *name; size_t off; } values[] = {
		{ "dev_group", offsetof(struct dg_opts, dgrp) },
		{ "tgt_group", offsetof(struct dg_opts, tgrp) },
		{ "attributes", offsetof(struct dg_opts, attrs) },
		{ "socket", offsetof(struct dg_opts, socket) },
		{ "root", offsetof(struct dg_opts, root) },
	};

	for (int i = 1; i < argc; i++) {
		const char *a = opt_name(argv[i]);
		bool done = false;

		if (!a) {
			fprintf(stderr, "scstadmin: unexpected argument '%s'\n", argv[i]);
			return -1;
		}
		if (!strcmp(a, "noprompt"))
			continue;
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]) && !done; k++) {
			if (strcmp(a, values[k].name))
				continue;
			if (i + 1 >= argc) {
				fprintf(stderr, "scstadmin: -%s needs an argument\n", a);
				return -1;
			}
			*(const char **)((char *)o + values[k].off) = argv[++i];
			done = true;
		}
		if (!done && set_action(o, a, argc, argv, &i) < 0)
			return -1;
	}
	if ((o->needs & 1) && !o->dgrp) {
		fprintf(stderr, "scstadmin: this action needs -dev_group\n");
		return -1;
	}
	if ((o->needs & 2) && !o->tgrp) {
		fprintf(stderr, "scstadmin: this action needs -tgt_group\n");
		return -1;
	}
	if ((o->needs & 4) && !o->attrs) {
		fprintf(stderr, "scstadmin: this action needs -attributes p=v,...\n");
		return -1;
	}
	return 0;
}

static int write_or_say(struct tree *t, const char *path, const char *value)
{
	char err[512];

	if (tree_write(t, path, value, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s <- \"%s\": %s\n", path, value, err);
		return -1;
	}
	return 0;
}

static int mgmt_cmd(struct tree *t, const char *path, const char *verb, const char *name)
{
	char cmd[PATH_MAX_LEN];

	tpath(cmd, sizeof(cmd), "%s %s", verb, name);
	return write_or_say(t, path, cmd);
}

/* "p=v,p=v": each written to dir/p. */
static int set_attrs(struct tree *t, const char *dir, const char *attrs)
{
	char *copy = strdup(attrs), *save = NULL, *kv;
	int rc = copy ? 0 : -1;

	for (kv = copy ? strtok_r(copy, ",", &save) : NULL; kv && rc == 0;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), path[PATH_MAX_LEN];

		if (!eq || eq == kv || strchr(kv, '/')) {
			fprintf(stderr, "scstadmin: bad attribute '%s' (expected p=v)\n", kv);
			rc = -1;
			break;
		}
		*eq = '\0';
		tpath(path, sizeof(path), "%s/%s", dir, kv);
		rc = write_or_say(t, path, eq + 1);
	}
	free(copy);
	return rc;
}

static void print_attr(struct tree *t, const char *path, const char *label)
{
	char *v;
	bool key;

	if (tree_read_attr(t, path, &v, &key) == 0) {
		printf("%s%s", label, v);
		free(v);
	}
}

/* One line per attribute of dir: name, value, and [key] when it is one. */
static int list_attrs(struct tree *t, const char *dir)
{
	char path[PATH_MAX_LEN], err[512];
	struct tlist l;

	if (tree_list(t, dir, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return -1;
	}
	printf("%-28s %s\n", "Attribute", "Value");
	for (size_t i = 0; i < l.n; i++) {
		char *v;
		bool key;

		if (l.v[i].kind != TK_ATTR || !strcmp(l.v[i].name, "mgmt"))
			continue;
		tpath(path, sizeof(path), "%s/%s", dir, l.v[i].name);
		if (tree_read_attr(t, path, &v, &key) < 0)
			continue;
		printf("%-28s %s%s\n", l.v[i].name, v, key ? " [key]" : "");
		free(v);
	}
	tlist_free(&l);
	return 0;
}

static int list_tgrp(struct tree *t, const char *dg, const char *only)
{
	char dir[PATH_MAX_LEN], path[PATH_MAX_LEN], err[512];
	struct tlist l, m;

	tpath(dir, sizeof(dir), "device_groups/%s/target_groups", dg);
	if (tree_list(t, dir, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].kind != TK_DIR || (only && strcmp(only, l.v[i].name)))
			continue;
		printf("  Target Group: %s (", l.v[i].name);
		tpath(path, sizeof(path), "%s/%s/group_id", dir, l.v[i].name);
		print_attr(t, path, "group_id ");
		tpath(path, sizeof(path), "%s/%s/state", dir, l.v[i].name);
		print_attr(t, path, ", state ");
		tpath(path, sizeof(path), "%s/%s/preferred", dir, l.v[i].name);
		print_attr(t, path, ", preferred ");
		printf(")\n");
		tpath(path, sizeof(path), "%s/%s", dir, l.v[i].name);
		if (tree_list(t, path, &m, err, sizeof(err)) < 0)
			continue;
		for (size_t j = 0; j < m.n; j++) {
			char rel[PATH_MAX_LEN];

			if (m.v[j].kind == TK_ATTR)
				continue;
			printf("    Target: %s", m.v[j].name);
			if (m.v[j].kind == TK_DIR) {
				tpath(rel, sizeof(rel), "%s/%s/rel_tgt_id", path, m.v[j].name);
				print_attr(t, rel, " (other node, rel_tgt_id ");
				printf(")");
			}
			printf("\n");
		}
		tlist_free(&m);
	}
	tlist_free(&l);
	return 0;
}

static int list_dgrp(struct tree *t, const char *only)
{
	char path[PATH_MAX_LEN], err[512];
	struct tlist l, d;

	if (tree_list(t, "device_groups", &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].kind != TK_DIR || (only && strcmp(only, l.v[i].name)))
			continue;
		printf("Device Group: %s\n", l.v[i].name);
		tpath(path, sizeof(path), "device_groups/%s/tpgs", l.v[i].name);
		print_attr(t, path, "  tpgs: ");
		printf("\n  Devices:");
		tpath(path, sizeof(path), "device_groups/%s/devices", l.v[i].name);
		if (tree_list(t, path, &d, err, sizeof(err)) == 0) {
			for (size_t j = 0; j < d.n; j++)
				if (d.v[j].kind == TK_LINK)
					printf(" %s", d.v[j].name);
			tlist_free(&d);
		}
		printf("\n");
		list_tgrp(t, l.v[i].name, NULL);
	}
	tlist_free(&l);
	return 0;
}

static int run(struct tree *t, const struct dg_opts *o)
{
	char dir[PATH_MAX_LEN], mgmt[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "device_groups/%s", o->dgrp ? o->dgrp : o->obj);
	switch (o->act) {
	case DG_ADD:
	case DG_REM:
		return mgmt_cmd(t, "device_groups/mgmt", o->act == DG_ADD ? "create" : "del", o->obj);
	case DG_LIST:
		return list_dgrp(t, o->obj);
	case DG_ADD_DEV:
	case DG_REM_DEV:
		tpath(mgmt, sizeof(mgmt), "%s/devices/mgmt", dir);
		return mgmt_cmd(t, mgmt, o->act == DG_ADD_DEV ? "add" : "del", o->obj);
	case DG_ADD_TG:
	case DG_REM_TG:
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/mgmt", dir);
		return mgmt_cmd(t, mgmt, o->act == DG_ADD_TG ? "create" : "del", o->obj);
	case DG_LIST_TG:
		return list_tgrp(t, o->dgrp, o->obj);
	case DG_ADD_TGT:
	case DG_REM_TGT:
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/%s/mgmt", dir, o->tgrp);
		return mgmt_cmd(t, mgmt, o->act == DG_ADD_TGT ? "add" : "del", o->obj);
	case DG_SET_DG:
		return set_attrs(t, dir, o->attrs);
	case DG_SET_TG:
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/%s", dir, o->obj);
		return set_attrs(t, mgmt, o->attrs);
	case DG_SET_TGT:
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/%s/%s", dir, o->tgrp, o->obj);
		return set_attrs(t, mgmt, o->attrs);
	case DG_ATTRS_DG:
		return list_attrs(t, dir);
	case DG_ATTRS_TG:
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/%s", dir, o->obj);
		return list_attrs(t, mgmt);
	case DG_ATTRS_TGT:
		tpath(mgmt, sizeof(mgmt), "%s/target_groups/%s/%s", dir, o->tgrp, o->obj);
		return list_attrs(t, mgmt);
	default:
		return -1;
	}
}

int dg_cli_main(int argc, char **argv)
{
	struct dg_opts o = { .act = DG_NONE };
	struct tree *t;
	char err[512];
	int rc;

	if (parse(argc, argv, &o) < 0)
		return 1;
	t = o.root ? tree_open_dir(o.root, err, sizeof(err))
		   : tree_open_socket(o.socket ? o.socket : CTL_SOCKET_DEFAULT, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return 1;
	}
	rc = run(t, &o);
	tree_close(t);
	return rc < 0 ? 1 : 0;
}
