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

static int target_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	(void)t;
	(void)dir;
	(void)ctx;
	printf("\tTarget: %s\n", name);
	return 0;
}

static int driver_line(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	(void)ctx;
	printf("Driver: %s\n", name);
	tpath(path, sizeof(path), "%s/%s", dir, name);
	return for_each(t, path, TK_DIR, target_line, NULL);
}

int list_targets(struct tree *t)
{
	return for_each(t, "targets", TK_DIR, driver_line, NULL);
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

static int target_groups(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	(void)ctx;
	printf("\tTarget: %s\n", name);
	tpath(path, sizeof(path), "%s/%s/ini_groups", dir, name);
	return for_each(t, path, TK_DIR, group_line, NULL);
}

static int driver_groups(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	(void)ctx;
	printf("Driver: %s\n", name);
	tpath(path, sizeof(path), "%s/%s", dir, name);
	return for_each(t, path, TK_DIR, target_groups, NULL);
}

int list_groups(struct tree *t)
{
	return for_each(t, "targets", TK_DIR, driver_groups, NULL);
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

static int target_sessions(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	(void)ctx;
	printf("\tTarget: %s\n", name);
	tpath(path, sizeof(path), "%s/%s/sessions", dir, name);
	return for_each(t, path, TK_DIR, session_line, NULL);
}

static int driver_sessions(struct tree *t, const char *dir, const char *name, void *ctx)
{
	char path[4096];

	(void)ctx;
	printf("Driver: %s\n", name);
	tpath(path, sizeof(path), "%s/%s", dir, name);
	return for_each(t, path, TK_DIR, target_sessions, NULL);
}

int list_sessions(struct tree *t)
{
	return for_each(t, "targets", TK_DIR, driver_sessions, NULL);
}
