/* tree.c - path resolution and the public operations of the management
 * tree (stat, list, read, write, readlink), the management lock that
 * serializes them, and last_sysfs_mgmt_res.
 *
 * Nothing is cached: each call walks from the root through the core's
 * lists under scst_mutex.  Writes release scst_mutex before running (the
 * core's configuration calls take it themselves) but keep the management
 * lock, and only management code changes the configuration, so the objects
 * the path resolved to stay alive until the write is done.  Reads and
 * listings wait for that lock at most the write timeout (then EAGAIN);
 * stat takes only scst_mutex, as nothing it resolved outlives the call. */
#include "tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

static pthread_mutex_t mgmt_lock = PTHREAD_MUTEX_INITIALIZER;

/* last_sysfs_mgmt_res: the result of the last write that finished, and
 * how many timed writes still run (README.scst: EAGAIN until they end). */
static pthread_mutex_t res_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t res_cond;
static pthread_once_t res_once = PTHREAD_ONCE_INIT;
static int last_result;
static unsigned pending_writes;
static unsigned write_timeout_ms = MGMT_WRITE_TIMEOUT_MS;

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

bool mgmt_entry_named(const struct mgmt_entry *entries, const char *name)
{
	for (const struct mgmt_entry *e = entries; e && e->name; e++)
		if (!strcmp(e->name, name))
			return true;
	return false;
}

int mgmt_refuse_entry_name(const struct mgmt_entry *entries, const char *name, const char *dir,
			   const char *what, char *err, size_t errlen)
{
	if (!mgmt_entry_named(entries, name))
		return 0;
	return mgmt_refuse(-EINVAL, err, errlen,
			   "'%s' is the name of a file of %s, not a possible %s name", name, dir,
			   what);
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

/* The root and last_sysfs_mgmt_res are answered without the management
 * lock: a write that outlasted its caller holds it, and these are what a
 * tool polls meanwhile (stat by the FUSE lookup, then read). */
static bool path_is_lockless(const char *path)
{
	size_t n;

	path += strspn(path, "/");
	n = strcspn(path, "/");
	if (path[n + strspn(path + n, "/")] != '\0')
		return false;
	return n == 0 || (n == strlen("last_sysfs_mgmt_res") &&
			  !strncmp(path, "last_sysfs_mgmt_res", n));
}

static struct timespec deadline_in(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* How long a read or a listing waits for the write holding the management
 * lock before answering EAGAIN: the write's own timeout, so a FUSE or
 * control socket client is never stuck behind a store that may never end. */
static int tree_lock(bool lockless, const char *path, char *err, size_t errlen)
{
	struct timespec until = deadline_in(write_timeout_ms);

	if (lockless)
		return 0;
	if (pthread_mutex_clocklock(&mgmt_lock, CLOCK_MONOTONIC, &until) != 0)
		return mgmt_refuse(-EAGAIN, err, errlen,
				   "'%s': a management command is still running", path);
	pthread_mutex_lock(&scst_mutex);
	return 0;
}

static void tree_unlock(bool lockless)
{
	if (lockless)
		return;
	pthread_mutex_unlock(&scst_mutex);
	pthread_mutex_unlock(&mgmt_lock);
}

/* Walks path from the root; caller holds scst_mutex (or the path is
 * lockless: only the root's static entries are met). */
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

	/* Without the management lock: a write queued behind a running one
	 * must reach its store (FUSE looks the path up, opens and truncates
	 * first) to be queued and answer EAGAIN.  Resolving only reads the
	 * core's lists, which change under scst_mutex alone. */
	pthread_mutex_lock(&scst_mutex);
	rc = resolve(path, &n, err, errlen);
	if (rc == 0) {
		*kind = n.kind;
		*can_write = writable(&n);
	}
	pthread_mutex_unlock(&scst_mutex);
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

	rc = tree_lock(false, path, err, errlen);
	if (rc < 0)
		return rc;
	rc = resolve(path, &n, err, errlen);
	if (rc == 0 && n.kind != MGMT_DIR)
		rc = mgmt_refuse(-ENOTDIR, err, errlen, "'%s': not a directory", path);
	if (rc == 0)
		list_dir(&n, fn, ctx);
	tree_unlock(false);
	return rc;
}

static int show(const char *path, struct mgmt_buf *out, bool want_link, char *err, size_t errlen)
{
	bool lockless = path_is_lockless(path);
	struct mgmt_node n;
	int rc;

	rc = tree_lock(lockless, path, err, errlen);
	if (rc < 0)
		return rc;
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
		if (rc == -EAGAIN)
			snprintf(err, errlen, "'%s': a management command is still running", path);
		else if (rc < 0)
			snprintf(err, errlen, "'%s': cannot be read", path);
		else if (out->overflow)
			rc = mgmt_refuse(-EOVERFLOW, err, errlen, "'%s': value too long", path);
	}
	tree_unlock(lockless);
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
	pthread_mutex_lock(&res_lock);
	last_result = rc;
	pthread_mutex_unlock(&res_lock);
	pthread_mutex_unlock(&mgmt_lock);
	return rc;
}

int mgmt_last_result(void)
{
	int rc;

	pthread_mutex_lock(&res_lock);
	rc = last_result;
	pthread_mutex_unlock(&res_lock);
	return rc;
}

bool mgmt_write_pending(void)
{
	bool busy;

	pthread_mutex_lock(&res_lock);
	busy = pending_writes > 0;
	pthread_mutex_unlock(&res_lock);
	return busy;
}

/* ---- writes that may outlast their caller ---- */

struct timed_write {
	char path[MGMT_MAX_PATH], value[MGMT_MAX_VALUE], err[512];
	int rc;
	bool done, abandoned;           /* under res_lock */
};

static void res_cond_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&res_cond, &a);
	pthread_condattr_destroy(&a);
}

void mgmt_wait_writes(void)
{
	pthread_once(&res_once, res_cond_init);
	pthread_mutex_lock(&res_lock);
	if (pending_writes)
		log_info("mgmt: waiting for %u management command(s) still running",
			 pending_writes);
	while (pending_writes)
		pthread_cond_wait(&res_cond, &res_lock);
	pthread_mutex_unlock(&res_lock);
}

void mgmt_set_write_timeout_ms(unsigned ms)
{
	write_timeout_ms = ms;
}

static void *timed_write_thread(void *arg)
{
	struct timed_write *w = arg;
	bool abandoned;

	w->rc = mgmt_write(w->path, w->value, w->err, sizeof(w->err));
	pthread_mutex_lock(&res_lock);
	pending_writes--;
	w->done = true;
	abandoned = w->abandoned;
	pthread_cond_broadcast(&res_cond);
	pthread_mutex_unlock(&res_lock);
	if (abandoned) {
		log_info("mgmt: write to %s finished after its caller left: %d%s%s", w->path,
			 w->rc, w->rc < 0 ? ", " : "", w->rc < 0 ? w->err : "");
		free(w);
	}
	return NULL;
}

/* Caller holds res_lock; 0, or -EAGAIN when w is left running. */
static int wait_for_write(struct timed_write *w, char *err, size_t errlen)
{
	struct timespec until = deadline_in(write_timeout_ms);

	while (!w->done)
		if (pthread_cond_timedwait(&res_cond, &res_lock, &until) == ETIMEDOUT && !w->done) {
			w->abandoned = true;
			return mgmt_refuse(-EAGAIN, err, errlen, "'%s': still running after %u ms; "
					   "its result will be in last_sysfs_mgmt_res", w->path,
					   write_timeout_ms);
		}
	return 0;
}

static int start_timed_write(struct timed_write *w)
{
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&res_lock);
	pending_writes++;
	pthread_mutex_unlock(&res_lock);
	rc = pthread_create(&th, &attr, timed_write_thread, w);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&res_lock);
		pending_writes--;
		pthread_mutex_unlock(&res_lock);
	}
	return -rc;
}

int mgmt_write_timed(const char *path, const char *value, char *err, size_t errlen)
{
	struct timed_write *w;
	int rc;

	pthread_once(&res_once, res_cond_init);
	/* Refused before mgmt_write, which logs its own refusals. */
	if (strlen(path) >= MGMT_MAX_PATH) {
		log_warn("mgmt: write refused: path of %zu bytes too long", strlen(path));
		return mgmt_refuse(-ENAMETOOLONG, err, errlen, "path too long");
	}
	if (strlen(value) >= MGMT_MAX_VALUE) {
		log_warn("mgmt: write to %s refused: value of %zu bytes too long", path,
			 strlen(value));
		return mgmt_refuse(-EINVAL, err, errlen, "value too long (at most %d bytes)",
				   MGMT_MAX_VALUE - 1);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return mgmt_refuse(-ENOMEM, err, errlen, "out of memory");
	strcpy(w->path, path);
	strcpy(w->value, value);
	if (start_timed_write(w) < 0) {
		free(w);
		return mgmt_write(path, value, err, errlen);
	}
	pthread_mutex_lock(&res_lock);
	rc = wait_for_write(w, err, errlen);
	pthread_mutex_unlock(&res_lock);
	if (rc < 0)
		return rc;              /* w is the thread's now */
	snprintf(err, errlen, "%s", w->err);
	rc = w->rc;
	free(w);
	return rc;
}
