/* local_check.c - what -check_config can see on this machine that only
 * add_device would otherwise find: a backing file that does not exist
 * (vdisk_fileio, vdisk_blockio, vcdrom), a vdisk_blockio filename that is
 * no block device, a pass-through device (dev_*) whose H:C:I:L the kernel
 * does not have.  Checked only for a daemon in scstadmin's mount namespace,
 * so the path seen here is the one the daemon opens; permissions are not
 * judged (the daemon may run as another user). */
#include "local_check.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool same_mount_namespace(int pid)
{
	char path[64], mine[PATH_MAX], theirs[PATH_MAX];
	ssize_t a, b;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	a = readlink("/proc/self/ns/mnt", mine, sizeof(mine) - 1);
	b = readlink(path, theirs, sizeof(theirs) - 1);
	return a > 0 && a == b && !memcmp(mine, theirs, (size_t)a);
}

static bool device_exists(struct tree *t, const char *name)
{
	char path[PATH_MAX];
	enum tkind kind;
	bool w;

	snprintf(path, sizeof(path), "devices/%s", name);
	return tree_stat(t, path, &kind, &w) == 0;
}

/* filename of a device of handler: why add_device would refuse it, or
 * NULL.  why is filled. */
static const char *backing_problem(const char *handler, const char *file, char *why,
				   size_t len)
{
	struct stat st;

	if (stat(file, &st) < 0) {
		snprintf(why, len, "filename: cannot open '%s': %s", file, strerror(errno));
		return why;
	}
	if (!strcmp(handler, "vdisk_blockio") && !S_ISBLK(st.st_mode)) {
		snprintf(why, len, "filename: '%s' is not a block device (vdisk_blockio)", file);
		return why;
	}
	return NULL;
}

static bool takes_backing_file(const char *handler)
{
	return !strcmp(handler, "vdisk_fileio") || !strcmp(handler, "vdisk_blockio") ||
	       !strcmp(handler, "vcdrom");
}

static size_t check_device(const char *handler, const struct cfg_node *d,
			   conf_value_report report, void *ctx)
{
	char why[PATH_MAX + 128], path[PATH_MAX];
	size_t bad = 0;

	if (!strncmp(handler, "dev_", 4)) {
		/* The name is the H:C:I:L the kernel lists (README.scst). */
		snprintf(path, sizeof(path), "/sys/class/scsi_device/%s", d->args[0]);
		if (access(path, F_OK) < 0) {
			snprintf(why, sizeof(why), "DEVICE %s: no such SCSI device (%s: %s)",
				 d->args[0], path, strerror(errno));
			report(ctx, d, why);
			bad++;
		}
		return bad;
	}
	if (!takes_backing_file(handler))
		return 0;
	for (size_t i = 0; i < d->nchildren; i++) {
		const struct cfg_node *c = d->children[i];

		if (!conf_is_attr(c) || strcmp(c->key, "filename") || c->nargs != 1 ||
		    !*c->args[0])
			continue;
		if (backing_problem(handler, c->args[0], why, sizeof(why))) {
			report(ctx, c, why);
			bad++;
		}
	}
	return bad;
}

size_t local_check(struct tree *t, const struct cfg_node *root, conf_value_report report,
		   void *ctx)
{
	size_t bad = 0;

	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *h = root->children[i];

		if (strcmp(h->key, "HANDLER") || !h->nargs)
			continue;
		for (size_t j = 0; j < h->nchildren; j++) {
			const struct cfg_node *d = h->children[j];

			if (!strcmp(d->key, "DEVICE") && d->nargs && !device_exists(t, d->args[0]))
				bad += check_device(h->args[0], d, report, ctx);
		}
	}
	return bad;
}
