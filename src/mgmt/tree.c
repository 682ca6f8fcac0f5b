/* tree.c - path resolution and the public operations of the management
 * tree (stat, list, read, write, readlink), the management lock that
 * serializes them, and last_sysfs_mgmt_res.
 *
 * Nothing is cached: each call walks from the root through the core's
 * lists under scst_mutex.  Writes release scst_mutex before running (the
 * core's configuration calls take it themselves) but keep the management
 * lock, and only management code changes the configuration, so the objects
 * the path resolved to stay alive until the write is done. */
#include "tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static pthread_mutex_t mgmt_lock = PTHREAD_MUTEX_INITIALIZER;
static int last_result;

void mgmt_printf(struct mgmt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->p[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

void mgmt_child_entry(struct mgmt_node *child, const struct mgmt_node *parent,
		      const struct mgmt_entry *e, const char *name)
{
	*child = *parent;
	child->entry = e;
	child->kind = e->kind;
	child->dir = e->kind == MGMT_DIR ? e->dir : NULL;
	snprintf(child->name, sizeof(child->name), "%s", name);
}

void mgmt_child_dir(struct mgmt_node *child, const struct mgmt_node *parent,
		    const struct mgmt_dir_ops *dir, const char *name)
{
	*child = *parent;
	child->entry = NULL;
	child->kind = MGMT_DIR;
	child->dir = dir;
	snprintf(child->name, sizeof(child->name), "%s", name);
}

int mgmt_show_usage(struct mgmt_buf *out, const char *text)
{
	mgmt_printf(out, "%s", text);
	return 0;
}

void mgmt_show_value(struct mgmt_buf *out, const char *value, bool key)
{
	mgmt_printf(out, "%s\n%s", value, key ? "[key]\n" : "");
}

int mgmt_refuse(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Caller holds scst_mutex. */
static int lookup_child(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	const struct mgmt_entry *e;

	for (e = dir->dir->entries; e && e->name; e++) {
		if (strcmp(e->name, name) != 0)
			continue;
		mgmt_child_entry(child, dir, e, name);
		/* Another entry of the same name may exist for other objects. */
		if (e->present && !e->present(child))
			continue;
		return 0;
	}
	if (dir->dir->lookup)
		return dir->dir->lookup(dir, name, child);
	return -ENOENT;
}

int mgmt_lookup_extra(const struct mgmt_entry *entries, const struct mgmt_node *dir,
		      const char *name, struct mgmt_node *child)
{
	for (const struct mgmt_entry *e = entries; e && e->name; e++) {
		if (strcmp(e->name, name) != 0)
			continue;
		mgmt_child_entry(child, dir, e, name);
		if (e->present && !e->present(child))
			return -ENOENT;
		return 0;
	}
	return -ENOENT;
}

static bool writable(const struct mgmt_node *n);

void mgmt_list_extra(const struct mgmt_entry *entries, const struct mgmt_node *dir,
		     mgmt_list_fn fn, void *ctx)
{
	for (const struct mgmt_entry *e = entries; e && e->name; e++) {
		struct mgmt_node child;

		mgmt_child_entry(&child, dir, e, e->name);
		if (e->present && !e->present(&child))
			continue;
		fn(ctx, e->name, e->kind, writable(&child));
	}
}

/* Walks path from the root; caller holds scst_mutex. */
static int resolve(const char *path, struct mgmt_node *n, char *err, size_t errlen)
{
	char buf[MGMT_MAX_PATH];
	char *save = NULL, *comp;

	if (strlen(path) >= sizeof(buf))
		return mgmt_refuse(-ENAMETOOLONG, err, errlen, "path too long");
	snprintf(buf, sizeof(buf), "%s", path);
	memset(n, 0, sizeof(*n));
	n->kind = MGMT_DIR;
	n->dir = &mgmt_root_dir;
	for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		struct mgmt_node child;

		if (n->kind != MGMT_DIR)
			return mgmt_refuse(-ENOTDIR, err, errlen, "'%s': not a directory", path);
		if (lookup_child(n, comp, &child) < 0)
			return mgmt_refuse(-ENOENT, err, errlen, "'%s': no such entry", path);
		*n = child;
	}
	return 0;
}

static bool writable(const struct mgmt_node *n)
{
	return n->entry && (n->kind == MGMT_MGMT || n->entry->store);
}

int mgmt_stat(const char *path, enum mgmt_kind *kind, bool *can_write, char *err, size_t errlen)
{
	struct mgmt_node n;
	int rc;

	pthread_mutex_lock(&mgmt_lock);
	pthread_mutex_lock(&scst_mutex);
	rc = resolve(path, &n, err, errlen);
	if (rc == 0) {
		*kind = n.kind;
		*can_write = writable(&n);
	}
	pthread_mutex_unlock(&scst_mutex);
	pthread_mutex_unlock(&mgmt_lock);
	return rc;
}

static void list_dir(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	for (const struct mgmt_entry *e = dir->dir->entries; e && e->name; e++) {
		struct mgmt_node child;

		mgmt_child_entry(&child, dir, e, e->name);
		if (e->present && !e->present(&child))
			continue;
		fn(ctx, e->name, e->kind, writable(&child));
	}
	if (dir->dir->list)
		dir->dir->list(dir, fn, ctx);
}

int mgmt_list(const char *path, mgmt_list_fn fn, void *ctx, char *err, size_t errlen)
{
	struct mgmt_node n;
	int rc;

	pthread_mutex_lock(&mgmt_lock);
	pthread_mutex_lock(&scst_mutex);
	rc = resolve(path, &n, err, errlen);
	if (rc == 0 && n.kind != MGMT_DIR)
		rc = mgmt_refuse(-ENOTDIR, err, errlen, "'%s': not a directory", path);
	if (rc == 0)
		list_dir(&n, fn, ctx);
	pthread_mutex_unlock(&scst_mutex);
	pthread_mutex_unlock(&mgmt_lock);
	return rc;
}

static int show(const char *path, struct mgmt_buf *out, bool want_link, char *err, size_t errlen)
{
	struct mgmt_node n;
	int rc;

	pthread_mutex_lock(&mgmt_lock);
	pthread_mutex_lock(&scst_mutex);
	rc = resolve(path, &n, err, errlen);
	if (rc == 0 && n.kind == MGMT_DIR)
		rc = mgmt_refuse(-EISDIR, err, errlen, "'%s': is a directory", path);
	else if (rc == 0 && want_link != (n.kind == MGMT_LINK))
		rc = mgmt_refuse(-EINVAL, err, errlen, want_link ? "'%s': not a symlink" :
				 "'%s': is a symlink (use readlink)", path);
	if (rc == 0) {
		out->len = 0;
		out->overflow = false;
		out->p[0] = '\0';
		rc = n.entry->show(&n, out);
		if (rc < 0)
			snprintf(err, errlen, "'%s': cannot be read", path);
		else if (out->overflow)
			rc = mgmt_refuse(-EOVERFLOW, err, errlen, "'%s': value too long", path);
	}
	pthread_mutex_unlock(&scst_mutex);
	pthread_mutex_unlock(&mgmt_lock);
	return rc;
}

int mgmt_read(const char *path, struct mgmt_buf *out, char *err, size_t errlen)
{
	return show(path, out, false, err, errlen);
}

int mgmt_readlink(const char *path, struct mgmt_buf *out, char *err, size_t errlen)
{
	return show(path, out, true, err, errlen);
}

/* echo adds a newline; sysfs stores ignore one, and so do we. */
static int copy_value(const char *value, char *buf, size_t len, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (n >= len)
		return mgmt_refuse(-EINVAL, err, errlen, "value too long (at most %zu bytes)",
				   len - 1);
	memcpy(buf, value, n + 1);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < ' ' && buf[i] != '\t')
			return mgmt_refuse(-EINVAL, err, errlen,
					   "control character 0x%02x in value",
					   (unsigned char)buf[i]);
	return 0;
}

int mgmt_write(const char *path, const char *value, char *err, size_t errlen)
{
	char buf[MGMT_MAX_VALUE];
	struct mgmt_node n;
	int rc;

	pthread_mutex_lock(&mgmt_lock);
	pthread_mutex_lock(&scst_mutex);
	rc = resolve(path, &n, err, errlen);
	if (rc == 0 && n.kind == MGMT_DIR)
		rc = mgmt_refuse(-EISDIR, err, errlen, "'%s': is a directory", path);
	else if (rc == 0 && !writable(&n))
		rc = mgmt_refuse(-EACCES, err, errlen, "'%s': read-only", path);
	pthread_mutex_unlock(&scst_mutex);
	if (rc == 0)
		rc = copy_value(value, buf, sizeof(buf), err, errlen);
	if (rc == 0)
		rc = n.entry->store(&n, buf, err, errlen);
	if (rc < 0)
		log_warn("mgmt: write to %s refused: %s", path, err);
	last_result = rc;
	pthread_mutex_unlock(&mgmt_lock);
	return rc;
}

int mgmt_last_result(void)
{
	return last_result;
}
