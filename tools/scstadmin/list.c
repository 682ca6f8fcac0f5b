/* list.c - the -list_* commands: handlers with their devices, devices
 * with their handler, drivers with their targets, groups with LUNs and
 * initiators, and sessions.  Everything comes from the tree's layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"

static int for_each(struct tree *t, const char *path, enum tkind kind,
		    int (*fn)(struct tree *, const char *dir, const char *name, void *), void *ctx)
{
	char err[512];
	struct tlist l;
	int rc = tree_list(t, path, &l, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return rc;
	}
	for (size_t i = 0; i < l.n && rc == 0; i++)
		if (l.v[i].kind == kind && strcmp(l.v[i].name, "mgmt"))
			rc = fn(t, path, l.v[i].name, ctx);
	tlist_free(&l);
	return rc;
}

static int print_indented(struct tree *t, const char *dir, const char *name, void *ctx)
{
	(void)t;
	(void)dir;
	printf("%s%s\n", (const char *)ctx, name);
	return 0;
}

static int handler_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	(void)ctx;
	printf("Handler: %s\n", name);
	tpath(path, sizeof(path), "%s/%s", dir, name);
	return for_each(t, path, TK_LINK, print_indented, "\tDevice: ");
}

int list_handlers(struct tree *t)
{
	return for_each(t, "handlers", TK_DIR, handler_line, NULL);
}

static int device_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096], *h = NULL;

	(void)dir;
	(void)ctx;
	tpath(path, sizeof(path), "devices/%s/handler", name);
	if (tree_link_name(t, path, &h) < 0)
		h = NULL;
	printf("%-24s %s\n", name, h ? h : "-");
	free(h);
	return 0;
}

int list_devices(struct tree *t)
{
	printf("%-24s %s\n", "Device", "Handler");
	return for_each(t, "devices", TK_DIR, device_line, NULL);
}

static int lun_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096], *dev = NULL;

	tpath(path, sizeof(path), "%s/%s/device", dir, name);
	if (tree_link_name(t, path, &dev) < 0)
		dev = NULL;
	printf("%sLUN %s: %s\n", (const char *)ctx, name, dev ? dev : "?");
	free(dev);
	return 0;
}

static int group_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];
	int rc;

	(void)ctx;
	printf("\t\tGroup: %s\n", name);
	tpath(path, sizeof(path), "%s/%s/luns", dir, name);
	rc = for_each(t, path, TK_DIR, lun_line, "\t\t\t");
	tpath(path, sizeof(path), "%s/%s/initiators", dir, name);
	return rc ? rc : for_each(t, path, TK_ATTR, print_indented, "\t\t\tInitiator: ");
}

static int session_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096], *v;
	bool key;

	(void)ctx;
	tpath(path, sizeof(path), "%s/%s/commands", dir, name);
	if (tree_read_attr(t, path, &v, &key) < 0)
		v = NULL;
	printf("\t\tSession: %s (commands: %s)\n", name, v ? v : "?");
	free(v);
	return 0;
}

/* A listing of the targets, by driver: under each target the entries of
 * one of its directories, a line each (none when subdir is NULL). */
struct target_walk {
	const char *subdir;
	int (*entry)(struct tree *t, const char *dir, const char *name, void *ctx);
};

static int target_entries(struct tree *t, const char *dir, const char *name, void *ctx)
{
	const struct target_walk *w = ctx;
	char path[4096];

	printf("\tTarget: %s\n", name);
	if (!w->subdir)
		return 0;
	tpath(path, sizeof(path), "%s/%s/%s", dir, name, w->subdir);
	return for_each(t, path, TK_DIR, w->entry, NULL);
}

static int driver_targets(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	printf("Driver: %s\n", name);
	tpath(path, sizeof(path), "%s/%s", dir, name);
	return for_each(t, path, TK_DIR, target_entries, ctx);
}

int list_targets(struct tree *t)
{
	struct target_walk w = { .subdir = NULL };

	return for_each(t, "targets", TK_DIR, driver_targets, &w);
}

int list_groups(struct tree *t)
{
	struct target_walk w = { .subdir = "ini_groups", .entry = group_line };

	return for_each(t, "targets", TK_DIR, driver_targets, &w);
}

int list_sessions(struct tree *t)
{
	struct target_walk w = { .subdir = "sessions", .entry = session_line };

	return for_each(t, "targets", TK_DIR, driver_targets, &w);
}
