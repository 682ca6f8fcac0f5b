/* ops.c - scstadmin's single-change actions, with the option names of
 * SCST's scstadmin (scstadmin.sysfs's help) so that admin scripts keep
 * working: -open_dev NAME -handler H -attributes k=v,k=v, -add_lun N
 * -driver D -target T [-group G] -device DEV, -set_dev_attr NAME
 * -attributes k=v, -add_tgt_attr T -driver D -attributes k=v ...  Each is
 * the mgmt command or attribute write README.scst documents for it; a
 * refused write ends the action with the daemon's reason. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/version.h"
#include "ops.h"

#define PATH_MAX_LEN 4096
#define CMD_MAX_LEN 8192

enum need { N_DRV = 1, N_TGT = 2, N_GRP = 4, N_DEV = 8, N_HND = 16, N_ATTR = 32, N_TO = 64 };

struct op {
	const char *name;
	bool value;
	unsigned need;
	int (*run)(struct tree *t, const char *v, const struct op_args *a);
};

static int fail(const char *what, const char *err)
{
	fprintf(stderr, "scstadmin: %s: %s\n", what, err);
	return 1;
}

static int write_to(struct tree *t, const char *path, const char *value)
{
	char err[1024];

	if (tree_write(t, path, value, err, sizeof(err)) < 0)
		return fail(path, err);
	return 0;
}

/* One "k=v" pair of -attributes at a time; *cur advances.  false at the end. */
static bool next_attr(const char **cur, char *key, size_t klen, char *val, size_t vlen)
{
	const char *s = *cur, *comma, *eq;
	size_t n;

	while (*s == ',' || *s == ' ')
		s++;
	if (!*s)
		return false;
	comma = strchr(s, ',');
	n = comma ? (size_t)(comma - s) : strlen(s);
	eq = memchr(s, '=', n);
	if (!eq) {
		tpath(key, klen, "%.*s", (int)n, s);
		val[0] = '\0';
	} else {
		tpath(key, klen, "%.*s", (int)(eq - s), s);
		tpath(val, vlen, "%.*s", (int)(n - (size_t)(eq - s) - 1), eq + 1);
	}
	*cur = s + n;
	return true;
}

/* "k1=v1; k2=v2" for a mgmt command's parameters ("" without -attributes). */
static void param_list(const char *attrs, char *out, size_t len)
{
	char k[256], v[2048];
	const char *cur = attrs ? attrs : "";

	out[0] = '\0';
	while (next_attr(&cur, k, sizeof(k), v, sizeof(v)))
		tpath(out + strlen(out), len - strlen(out), "%s%s=%s", *out ? "; " : "", k, v);
}

/* The LUN set of -group, else the target's. */
static void luns_dir(char *buf, size_t len, const struct op_args *a)
{
	if (a->group)
		tpath(buf, len, "targets/%s/%s/ini_groups/%s/luns", a->driver, a->target, a->group);
	else
		tpath(buf, len, "targets/%s/%s/luns", a->driver, a->target);
}

static int mgmt_cmd(struct tree *t, const char *mgmt, const char *fmt, const char *x,
		    const char *y, const char *z)
{
	char cmd[CMD_MAX_LEN];

	tpath(cmd, sizeof(cmd), fmt, x, y, z);
	return write_to(t, mgmt, cmd);
}

/* ---- devices ---- */

static int open_dev(struct tree *t, const char *v, const struct op_args *a)
{
	char mgmt[PATH_MAX_LEN], params[CMD_MAX_LEN];

	tpath(mgmt, sizeof(mgmt), "handlers/%s/mgmt", a->handler);
	param_list(a->attributes, params, sizeof(params));
	printf("\t-> Opening device '%s' using handler '%s': ", v, a->handler);
	if (mgmt_cmd(t, mgmt, "add_device %s%s%s", v, *params ? " " : "", params))
		return 1;
	printf("done.\n");
	return 0;
}

/* LUNs of the device other than its copy manager LUN, which follows the
 * device and is no use of it (SCST.pm skips copy_manager's exports). */
static size_t exported_luns(struct tree *t, const char *dev)
{
	char exp[PATH_MAX_LEN], link[PATH_MAX_LEN], err[256], *target;
	struct tlist l;
	size_t n = 0;

	tpath(exp, sizeof(exp), "devices/%s/exported", dev);
	if (tree_list(t, exp, &l, err, sizeof(err)) < 0)
		return 0;
	for (size_t i = 0; i < l.n; i++) {
		tpath(link, sizeof(link), "%s/%s", exp, l.v[i].name);
		if (tree_readlink(t, link, &target) < 0)
			continue;
		if (!strstr(target, "targets/copy_manager/"))
			n++;
		free(target);
	}
	tlist_free(&l);
	return n;
}

/* SCST's scstadmin refuses to close a device that is a LUN unless -force
 * (then the daemon takes its LUNs away with it). */
static int close_dev(struct tree *t, const char *v, const struct op_args *a)
{
	char mgmt[PATH_MAX_LEN];

	if (!a->force && exported_luns(t, v))
		return fail(v, "device still in use (it is a LUN), aborting; "
			       "use -force to override");
	tpath(mgmt, sizeof(mgmt), "handlers/%s/mgmt", a->handler);
	printf("\t-> Closing device '%s' using handler '%s': ", v, a->handler);
	if (mgmt_cmd(t, mgmt, "del_device %s", v, NULL, NULL))
		return 1;
	printf("done.\n");
	return 0;
}

static int resync_dev(struct tree *t, const char *v, const struct op_args *a)
{
	char path[PATH_MAX_LEN];

	(void)a;
	tpath(path, sizeof(path), "devices/%s/resync_size", v);
	return write_to(t, path, "1");
}

/* ---- targets, groups, initiators ---- */

static int add_target(struct tree *t, const char *v, const struct op_args *a)
{
	char mgmt[PATH_MAX_LEN], params[CMD_MAX_LEN];

	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", a->driver);
	param_list(a->attributes, params, sizeof(params));
	return mgmt_cmd(t, mgmt, "add_target %s%s%s", v, *params ? " " : "", params);
}

static int rem_target(struct tree *t, const char *v, const struct op_args *a)
{
	char mgmt[PATH_MAX_LEN];

	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", a->driver);
	return mgmt_cmd(t, mgmt, "del_target %s", v, NULL, NULL);
}

static int set_enabled(struct tree *t, const char *v, const struct op_args *a, const char *on)
{
	char path[PATH_MAX_LEN];

	tpath(path, sizeof(path), "targets/%s/%s/enabled", a->driver, v);
	return write_to(t, path, on);
}

static int enable_target(struct tree *t, const char *v, const struct op_args *a)
{
	return set_enabled(t, v, a, "1");
}

static int disable_target(struct tree *t, const char *v, const struct op_args *a)
{
	return set_enabled(t, v, a, "0");
}

static int group_cmd(struct tree *t, const char *v, const struct op_args *a, const char *cmd)
{
	char mgmt[PATH_MAX_LEN];

	tpath(mgmt, sizeof(mgmt), "targets/%s/%s/ini_groups/mgmt", a->driver, a->target);
	return mgmt_cmd(t, mgmt, "%s %s", cmd, v, NULL);
}

static int add_group(struct tree *t, const char *v, const struct op_args *a)
{
	return group_cmd(t, v, a, "create");
}

static int rem_group(struct tree *t, const char *v, const struct op_args *a)
{
	return group_cmd(t, v, a, "del");
}

static int ini_cmd(struct tree *t, const char *fmt, const char *v, const struct op_args *a)
{
	char mgmt[PATH_MAX_LEN];

	tpath(mgmt, sizeof(mgmt), "targets/%s/%s/ini_groups/%s/initiators/mgmt", a->driver,
	      a->target, a->group);
	return mgmt_cmd(t, mgmt, fmt, v, a->to, NULL);
}

static int add_init(struct tree *t, const char *v, const struct op_args *a)
{
	return ini_cmd(t, "add %s", v, a);
}

static int rem_init(struct tree *t, const char *v, const struct op_args *a)
{
	return ini_cmd(t, "del %s", v, a);
}

static int move_init(struct tree *t, const char *v, const struct op_args *a)
{
	return ini_cmd(t, "move %s %s", v, a);
}

static int clear_inits(struct tree *t, const char *v, const struct op_args *a)
{
	(void)v;
	return ini_cmd(t, "clear%s", "", a);
}

/* ---- LUNs ---- */

static int lun_cmd(struct tree *t, const char *cmd, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN], mgmt[PATH_MAX_LEN], params[CMD_MAX_LEN], line[CMD_MAX_LEN];

	luns_dir(dir, sizeof(dir), a);
	tpath(mgmt, sizeof(mgmt), "%s/mgmt", dir);
	param_list(a->attributes, params, sizeof(params));
	if (!strcmp(cmd, "del") || !strcmp(cmd, "clear"))
		tpath(line, sizeof(line), "%s%s%s", cmd, v ? " " : "", v ? v : "");
	else
		tpath(line, sizeof(line), "%s %s %s%s%s", cmd, a->device, v, *params ? " " : "",
		      params);
	return write_to(t, mgmt, line);
}

static int add_lun(struct tree *t, const char *v, const struct op_args *a)
{
	return lun_cmd(t, "add", v, a);
}

static int rem_lun(struct tree *t, const char *v, const struct op_args *a)
{
	return lun_cmd(t, "del", v, a);
}

/* README.scst "replace": the LUN gets the new device at once, with
 * INQUIRY DATA HAS CHANGED, no gap in which it does not exist. */
static int replace_lun(struct tree *t, const char *v, const struct op_args *a)
{
	return lun_cmd(t, "replace", v, a);
}

static int clear_luns(struct tree *t, const char *v, const struct op_args *a)
{
	(void)v;
	return lun_cmd(t, "clear", NULL, a);
}

/* ---- attributes ---- */

/* Writes each -attributes pair as a file of dir. */
static int write_attrs(struct tree *t, const char *dir, const struct op_args *a)
{
	char k[256], v[2048], path[PATH_MAX_LEN];
	const char *cur = a->attributes;

	while (next_attr(&cur, k, sizeof(k), v, sizeof(v))) {
		tpath(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", k);
		printf("\t-> Setting attribute '%s' to value '%s': ", k, v);
		if (write_to(t, path, v))
			return 1;
		printf("done.\n");
	}
	return 0;
}

static int set_scst_attr(struct tree *t, const char *v, const struct op_args *a)
{
	(void)v;
	return write_attrs(t, "", a);
}

static int set_hnd_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "handlers/%s", v);
	return write_attrs(t, dir, a);
}

static int set_dev_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "devices/%s", v);
	return write_attrs(t, dir, a);
}

static int set_drv_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "targets/%s", v);
	return write_attrs(t, dir, a);
}

static int set_tgt_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "targets/%s/%s", a->driver, v);
	return write_attrs(t, dir, a);
}

static int set_grp_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "targets/%s/%s/ini_groups/%s", a->driver, a->target, v);
	return write_attrs(t, dir, a);
}

static int set_lun_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN], luns[PATH_MAX_LEN];

	luns_dir(luns, sizeof(luns), a);
	tpath(dir, sizeof(dir), "%s/%s", luns, v);
	return write_attrs(t, dir, a);
}

/* add_attribute / add_target_attribute (and del_) for each pair. */
static int dyn_attrs(struct tree *t, const char *drv, const char *tgt, const char *cmd,
		     const struct op_args *a)
{
	char k[256], v[2048], mgmt[PATH_MAX_LEN], line[CMD_MAX_LEN];
	const char *cur = a->attributes;

	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", drv);
	while (next_attr(&cur, k, sizeof(k), v, sizeof(v))) {
		if (tgt)
			tpath(line, sizeof(line), "%s_target_attribute %s %s %s", cmd, tgt, k, v);
		else
			tpath(line, sizeof(line), "%s_attribute %s %s", cmd, k, v);
		if (write_to(t, mgmt, line))
			return 1;
	}
	return 0;
}

static int add_drv_attr(struct tree *t, const char *v, const struct op_args *a)
{
	return dyn_attrs(t, v, NULL, "add", a);
}

static int rem_drv_attr(struct tree *t, const char *v, const struct op_args *a)
{
	return dyn_attrs(t, v, NULL, "del", a);
}

static int add_tgt_attr(struct tree *t, const char *v, const struct op_args *a)
{
	return dyn_attrs(t, a->driver, v, "add", a);
}

static int rem_tgt_attr(struct tree *t, const char *v, const struct op_args *a)
{
	return dyn_attrs(t, a->driver, v, "del", a);
}

/* ---- listings of SCST's format ---- */

/* "Attribute Value Writable KEY", one line per attribute file of dir. */
static int list_attrs(struct tree *t, const char *dir)
{
	char err[512], path[PATH_MAX_LEN];
	struct tlist l;
	size_t shown = 0;

	if (tree_list(t, dir, &l, err, sizeof(err)) < 0)
		return fail(*dir ? dir : "/", err);
	printf("\n\t%-24s %-40s %-12s %s\n\t", "Attribute", "Value", "Writable", "KEY");
	for (int i = 0; i < 84; i++)
		putchar('-');
	putchar('\n');
	for (size_t i = 0; i < l.n; i++) {
		enum tkind k;
		char *v;
		bool w, key;

		if (l.v[i].kind != TK_ATTR || !strcmp(l.v[i].name, "mgmt"))
			continue;
		tpath(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", l.v[i].name);
		if (tree_stat(t, path, &k, &w) < 0 || tree_read_attr(t, path, &v, &key) < 0)
			continue;
		printf("\t%-24s %-40s %-12s %s\n", l.v[i].name, v, w ? "Yes" : "No",
		       key ? "Yes" : "No");
		free(v);
		shown++;
	}
	if (!shown)
		printf("\t(none)\n");
	tlist_free(&l);
	printf("\nAll done.\n");
	return 0;
}

static int list_scst_attr(struct tree *t, const char *v, const struct op_args *a)
{
	(void)v;
	(void)a;
	return list_attrs(t, "");
}

static int list_hnd_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	(void)a;
	tpath(dir, sizeof(dir), "handlers/%s", v);
	return list_attrs(t, dir);
}

static int list_dev_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	(void)a;
	tpath(dir, sizeof(dir), "devices/%s", v);
	return list_attrs(t, dir);
}

static int list_drv_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	(void)a;
	tpath(dir, sizeof(dir), "targets/%s", v);
	return list_attrs(t, dir);
}

static int list_tgt_attr(struct tree *t, const char *v, const struct op_args *a)
{
	char dir[PATH_MAX_LEN];

	tpath(dir, sizeof(dir), "targets/%s/%s", a->driver, v);
	return list_attrs(t, dir);
}

static int list_driver(struct tree *t, const char *v, const struct op_args *a)
{
	char err[512];
	struct tlist l;

	(void)v;
	(void)a;
	if (tree_list(t, "targets", &l, err, sizeof(err)) < 0)
		return fail("targets", err);
	printf("\n\tDriver\n\t------------\n");
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].kind == TK_DIR)
			printf("\t%s\n", l.v[i].name);
	tlist_free(&l);
	printf("\nAll done.\n");
	return 0;
}

/* No target driver of scstd has a Fibre Channel link to reset. */
static int issue_lip(struct tree *t, const char *v, const struct op_args *a)
{
	(void)t;
	(void)v;
	(void)a;
	printf("\t-> No hardware (Fibre Channel) target here: no LIP to issue.\n");
	return 0;
}

static int version(struct tree *t, const char *v, const struct op_args *a)
{
	(void)t;
	(void)v;
	(void)a;
	printf("scstadmin of scstd %s (SCST interface %s)\n", SCSTD_VERSION,
	       SCST_INTERFACE_VERSION);
	return 0;
}

static const struct op ops[] = {
	{ "open_dev", true, N_HND, open_dev },
	{ "close_dev", true, N_HND, close_dev },
	{ "resync_dev", true, 0, resync_dev },
	{ "add_target", true, N_DRV, add_target },
	{ "rem_target", true, N_DRV, rem_target },
	{ "enable_target", true, N_DRV, enable_target },
	{ "disable_target", true, N_DRV, disable_target },
	{ "add_group", true, N_DRV | N_TGT, add_group },
	{ "rem_group", true, N_DRV | N_TGT, rem_group },
	{ "add_init", true, N_DRV | N_TGT | N_GRP, add_init },
	{ "rem_init", true, N_DRV | N_TGT | N_GRP, rem_init },
	{ "move_init", true, N_DRV | N_TGT | N_GRP | N_TO, move_init },
	{ "clear_inits", false, N_DRV | N_TGT | N_GRP, clear_inits },
	{ "add_lun", true, N_DRV | N_TGT | N_DEV, add_lun },
	{ "rem_lun", true, N_DRV | N_TGT, rem_lun },
	{ "replace_lun", true, N_DRV | N_TGT | N_DEV, replace_lun },
	{ "clear_luns", false, N_DRV | N_TGT, clear_luns },
	{ "set_scst_attr", false, N_ATTR, set_scst_attr },
	{ "set_hnd_attr", true, N_ATTR, set_hnd_attr },
	{ "set_dev_attr", true, N_ATTR, set_dev_attr },
	{ "set_drv_attr", true, N_ATTR, set_drv_attr },
	{ "set_tgt_attr", true, N_DRV | N_ATTR, set_tgt_attr },
	{ "set_grp_attr", true, N_DRV | N_TGT | N_ATTR, set_grp_attr },
	{ "set_lun_attr", true, N_DRV | N_TGT | N_ATTR, set_lun_attr },
	{ "add_drv_attr", true, N_ATTR, add_drv_attr },
	{ "rem_drv_attr", true, N_ATTR, rem_drv_attr },
	{ "add_tgt_attr", true, N_DRV | N_ATTR, add_tgt_attr },
	{ "rem_tgt_attr", true, N_DRV | N_ATTR, rem_tgt_attr },
	{ "list_scst_attr", false, 0, list_scst_attr },
	{ "list_hnd_attr", true, 0, list_hnd_attr },
	{ "list_dev_attr", true, 0, list_dev_attr },
	{ "list_drv_attr", true, 0, list_drv_attr },
	{ "list_tgt_attr", true, N_DRV, list_tgt_attr },
	{ "list_driver", false, 0, list_driver },
	{ "issue_lip", false, 0, issue_lip },
	{ "version", false, 0, version },
};

static const struct op *find_op(const char *name)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

bool op_known(const char *name, bool *takes_value)
{
	const struct op *o = find_op(name);

	if (o && takes_value)
		*takes_value = o->value;
	return o != NULL;
}

int op_run(struct tree *t, const char *name, const char *value, const struct op_args *a)
{
	static const struct { unsigned bit; const char *opt; } needs[] = {
		{ N_DRV, "-driver" }, { N_TGT, "-target" }, { N_GRP, "-group" },
		{ N_DEV, "-device" }, { N_HND, "-handler" }, { N_ATTR, "-attributes" },
		{ N_TO, "-to" },
	};
	const char *given[] = { a->driver, a->target, a->group, a->device, a->handler,
				a->attributes, a->to };
	const struct op *o = find_op(name);

	if (!o)
		return 2;
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
		if ((o->need & needs[i].bit) && !given[i]) {
			fprintf(stderr, "scstadmin: -%s needs %s\n", name, needs[i].opt);
			return 2;
		}
	return o->run(t, value, a);
}
