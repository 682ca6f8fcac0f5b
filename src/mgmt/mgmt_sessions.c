/* mgmt_sessions.c - sessions/<initiator>/ of a target: initiator_name,
 * active_commands, commands, the read/write counters, read-only;
 * force_close (write 1) asks the target driver to end the session; and
 * whatever the driver's session_attrs hook lists (iSCSI: sid, negotiated
 * parameters, connections/<ip>/...), shown as files and directories;
 * the latency/ directory and one lunX directory per LUN with its
 * active_commands and thread_idx (mgmt_latency.c).  A second session of the same
 * initiator is shown as NAME_1, a third as NAME_2, as SCST does.
 * The counters belong to the session's I/O loop; they are read here
 * without its cooperation, so a value may be a moment old. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scst.h"
#include "mgmt/mgmt_latency.h"
#include "mgmt/tree.h"
#include "util/ioloop.h"

void mgmt_session_name(const struct scst_session *sess, char *buf, size_t len)
{
	const struct scst_session *s;
	unsigned dup = 0;

	list_for_each_entry(s, &sess->tgt->sessions, node) {
		if (s == sess)
			break;
		if (!strcmp(s->initiator_name, sess->initiator_name))
			dup++;
	}
	if (dup)
		snprintf(buf, len, "%.200s_%u", sess->initiator_name, dup);
	else
		snprintf(buf, len, "%s", sess->initiator_name);
}

/* SCST's per direction statistics files: which direction, which counter. */
struct sess_stat_file {
	const char *name;
	enum scst_sess_dir dir;
	size_t off;                     /* in struct scst_sess_dir_stats */
	unsigned shift;                 /* 10: shown in KiB */
};

#define STAT(n, d, f, sh) { n, SCST_SESS_DIR_##d, offsetof(struct scst_sess_dir_stats, f), sh }
static const struct sess_stat_file stat_files[] = {
	STAT("unknown_cmd_count", UNKNOWN, cmds, 0),
	STAT("write_cmd_count", WRITE, cmds, 0),
	STAT("write_io_count_kb", WRITE, bytes, 10),
	STAT("write_unaligned_cmd_count", WRITE, unaligned, 0),
	STAT("read_cmd_count", READ, cmds, 0),
	STAT("read_io_count_kb", READ, bytes, 10),
	STAT("read_unaligned_cmd_count", READ, unaligned, 0),
	STAT("bidi_cmd_count", BIDI, cmds, 0),
	STAT("bidi_io_count_kb", BIDI, bytes, 10),
	STAT("bidi_unaligned_cmd_count", BIDI, unaligned, 0),
	STAT("none_cmd_count", NONE, cmds, 0),
};
#undef STAT

static const struct sess_stat_file *stat_file(const char *name)
{
	for (size_t i = 0; i < sizeof(stat_files) / sizeof(stat_files[0]); i++)
		if (!strcmp(stat_files[i].name, name))
			return &stat_files[i];
	return NULL;
}

static int show_sess(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct scst_session *s = n->sess;
	const char *what = n->entry->name;
	const struct sess_stat_file *f = stat_file(what);

	if (f) {
		const uint64_t *c = (const uint64_t *)(const void *)
				    ((const char *)&s->dir_stats[f->dir] + f->off);

		mgmt_printf(out, "%" PRIu64 "\n", __atomic_load_n(c, __ATOMIC_RELAXED) >> f->shift);
	} else if (!strcmp(what, "initiator_name")) {
		mgmt_printf(out, "%s\n", s->initiator_name);
	} else if (!strcmp(what, "active_commands") || !strcmp(what, "commands")) {
		/* Both SCST's: the session's commands not yet finished (its
		 * sess_cmd_count), not a running total. */
		mgmt_printf(out, "%u\n", *(volatile const unsigned *)&s->active_cmds);
	} else if (!strcmp(what, "dif_checks_failed")) {
		/* No protection information is ever checked (dif_mode is
		 * always SCST's default 0): no check can fail. */
		mgmt_printf(out, "\tapp\tref\tguard\ntgt\t0\t0\t0\nscst\t0\t0\t0\n"
			    "dev\t0\t0\t0\n");
	} else {
		return -ENOENT;
	}
	return 0;
}

/* SCST: writing any statistics file zeroes its direction's three. */
static int store_stat(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	const struct sess_stat_file *f = stat_file(n->entry->name);
	struct scst_session *s;

	(void)value;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(s, &n->tgt->sessions, node)
		if (s == n->sess)
			scst_sess_dir_stats_zero(s, f->dir);
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

/* SCST zeroes its DIF failure counters: there are none here. */
static int store_nothing(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	(void)n;
	(void)value;
	(void)err;
	(void)errlen;
	return 0;
}

/* As SCST's sysfs, force_close exists only when the driver can close a
 * session: SCST's scstadmin writes every force_close it finds before
 * deleting a target and gives up when one is refused. */
static bool driver_closes_sessions(const struct mgmt_node *n)
{
	return n->tgt->tgtt->close_session != NULL;
}

/* The session may have ended since the path was resolved: it is looked
 * up again under scst_mutex, which the driver's hook runs under. */
static int store_force_close(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	struct scst_session *s;
	int rc = -ENOENT;

	if (strcmp(value, "1"))
		return mgmt_refuse(-EINVAL, err, errlen, "force_close: write 1");
	if (!n->tgt->tgtt->close_session)
		return mgmt_refuse(-EOPNOTSUPP, err, errlen, "the target driver cannot close sessions");
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(s, &n->tgt->sessions, node)
		if (s == n->sess) {
			rc = n->tgt->tgtt->close_session(s, err, errlen);
			break;
		}
	pthread_mutex_unlock(&scst_mutex);
	if (rc == -ENOENT)
		snprintf(err, errlen, "the session has already ended");
	return rc;
}

static int show_nothing(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	(void)out;
	return 0;
}

/* README.scst: a session's "luns" links to the LUN set it sees (its
 * group's, or the target's default one); SCST's scstadmin reads the group
 * from it.  sess->acg changes only under scst_mutex, which reads hold. */
static int show_sess_luns(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct scst_acg *acg = n->sess->acg;

	if (!acg || acg->is_default)
		mgmt_printf(out, "../../luns");
	else
		mgmt_printf(out, "../../ini_groups/%s/luns", acg->name);
	return 0;
}

static const struct mgmt_entry session_entries[] = {
	{ .name = "luns", .kind = MGMT_LINK, .show = show_sess_luns },
	{ .name = "force_close", .kind = MGMT_ATTR, .show = show_nothing, .store = store_force_close,
	  .present = driver_closes_sessions },
	{ .name = "initiator_name", .kind = MGMT_ATTR, .show = show_sess },
	{ .name = "active_commands", .kind = MGMT_ATTR, .show = show_sess },
	{ .name = "commands", .kind = MGMT_ATTR, .show = show_sess },
	{ .name = "dif_checks_failed", .kind = MGMT_ATTR, .show = show_sess,
	  .store = store_nothing },
#define STAT_ENTRY(n) { .name = n, .kind = MGMT_ATTR, .show = show_sess, .store = store_stat }
	STAT_ENTRY("unknown_cmd_count"),
	STAT_ENTRY("write_cmd_count"),
	STAT_ENTRY("write_io_count_kb"),
	STAT_ENTRY("write_unaligned_cmd_count"),
	STAT_ENTRY("read_cmd_count"),
	STAT_ENTRY("read_io_count_kb"),
	STAT_ENTRY("read_unaligned_cmd_count"),
	STAT_ENTRY("bidi_cmd_count"),
	STAT_ENTRY("bidi_io_count_kb"),
	STAT_ENTRY("bidi_unaligned_cmd_count"),
	STAT_ENTRY("none_cmd_count"),
#undef STAT_ENTRY
	{ .name = "latency", .kind = MGMT_DIR, .dir = &mgmt_session_latency_dir },
	{ .name = NULL },
};

static int ext_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(dir->tt);

	return ext ? mgmt_lookup_extra(ext->session_entries, dir, name, child) : -ENOENT;
}

static void ext_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	const struct mgmt_driver_ext *ext = mgmt_find_driver_ext(dir->tt);

	if (ext)
		mgmt_list_extra(ext->session_entries, dir, fn, ctx);
}

/* ---- driver-specific entries (session_attrs hook) ----
 * A node of this part keeps its path relative to the session directory in
 * n->name ("" for the session directory itself). */

#define DRV_ATTRS_MAX 8192

struct drv_attrs {
	char buf[DRV_ATTRS_MAX];
	int len;
};

static int drv_attrs_get(const struct mgmt_node *n, struct drv_attrs *a)
{
	struct scst_session *sess = n->sess;

	a->len = sess->tgt->tgtt->session_attrs ?
		 sess->tgt->tgtt->session_attrs(sess, a->buf, sizeof(a->buf)) : 0;
	return a->len;
}

/* Walks the "path\tvalue" lines; calls fn for each line under prefix with
 * the rest of its path, until fn returns non-zero. */
static int drv_walk(struct drv_attrs *a, const char *prefix,
		    int (*fn)(void *ctx, const char *rest, size_t rest_len, const char *value,
			      size_t value_len), void *ctx)
{
	size_t plen = strlen(prefix);
	char *p = a->buf, *end = a->buf + (a->len > 0 ? a->len : 0);

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *tab;
		char *line_end = nl ? nl : end;
		int rc;

		tab = memchr(p, '\t', (size_t)(line_end - p));
		if (tab && (!plen || ((size_t)(tab - p) > plen && !strncmp(p, prefix, plen) &&
				     p[plen] == '/'))) {
			const char *rest = plen ? p + plen + 1 : p;

			rc = fn(ctx, rest, (size_t)(tab - rest), tab + 1, (size_t)(line_end - tab - 1));
			if (rc)
				return rc;
		}
		p = line_end + 1;
	}
	return 0;
}

struct drv_find {
	const char *name;
	bool is_dir;
	const char *value;
	size_t value_len;
};

static int drv_find_fn(void *ctx, const char *rest, size_t len, const char *value, size_t vlen)
{
	struct drv_find *f = ctx;
	size_t nlen = strlen(f->name);

	if (len == nlen && !strncmp(rest, f->name, nlen)) {
		f->value = value;
		f->value_len = vlen;
		return 1;
	}
	if (len > nlen && !strncmp(rest, f->name, nlen) && rest[nlen] == '/') {
		f->is_dir = true;
		return 1;
	}
	return 0;
}

static const struct mgmt_dir_ops drv_dir;

static int show_drv_attr(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct drv_attrs *a = malloc(sizeof(*a));
	const char *slash = strrchr(n->name, '/');
	struct drv_find f = { .name = slash ? slash + 1 : n->name };
	char prefix[SCST_NAME_MAX];
	int rc = -ENOENT;

	if (!a)
		return -ENOMEM;
	snprintf(prefix, sizeof(prefix), "%.*s", slash ? (int)(slash - n->name) : 0, n->name);
	if (drv_attrs_get(n, a) > 0 && drv_walk(a, prefix, drv_find_fn, &f) && f.value) {
		mgmt_printf(out, "%.*s\n", (int)f.value_len, f.value);
		rc = 0;
	}
	free(a);
	return rc;
}

static const struct mgmt_entry drv_attr_entry = {
	.name = "", .kind = MGMT_ATTR, .show = show_drv_attr,
};

/* Looks name up below the node's relative path. */
static int drv_lookup(const struct mgmt_node *dir, const char *prefix, const char *name,
		      struct mgmt_node *child)
{
	struct drv_attrs *a = malloc(sizeof(*a));
	struct drv_find f = { .name = name };
	char path[SCST_NAME_MAX];
	int rc = -ENOENT;

	if (!a)
		return -ENOMEM;
	if (snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "/" : "", name) >=
	    (int)sizeof(path) || !*name) {
		free(a);
		return -ENOENT;
	}
	if (drv_attrs_get(dir, a) > 0 && drv_walk(a, prefix, drv_find_fn, &f)) {
		if (f.is_dir)
			mgmt_child_dir(child, dir, &drv_dir, path);
		else
			mgmt_child_entry(child, dir, &drv_attr_entry, path);
		rc = 0;
	}
	free(a);
	return rc;
}

struct drv_list {
	mgmt_list_fn fn;
	void *ctx;
	char last_dir[SCST_NAME_MAX];
};

/* Lines of one directory come together, so a repeated subdirectory is the
 * one just listed. */
static int drv_list_fn(void *ctx, const char *rest, size_t len, const char *value, size_t vlen)
{
	struct drv_list *l = ctx;
	const char *slash = memchr(rest, '/', len);
	char name[SCST_NAME_MAX];
	size_t nlen = slash ? (size_t)(slash - rest) : len;

	(void)value;
	(void)vlen;
	if (nlen >= sizeof(name))
		return 0;
	memcpy(name, rest, nlen);
	name[nlen] = 0;
	if (slash) {
		if (!strcmp(name, l->last_dir))
			return 0;
		snprintf(l->last_dir, sizeof(l->last_dir), "%s", name);
	}
	l->fn(l->ctx, name, slash ? MGMT_DIR : MGMT_ATTR, false);
	return 0;
}

static void drv_list_below(const struct mgmt_node *dir, const char *prefix, mgmt_list_fn fn,
			   void *ctx)
{
	struct drv_attrs *a = malloc(sizeof(*a));
	struct drv_list l = { .fn = fn, .ctx = ctx };

	if (!a)
		return;
	if (drv_attrs_get(dir, a) > 0)
		drv_walk(a, prefix, drv_list_fn, &l);
	free(a);
}

static int drv_dir_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	return drv_lookup(dir, dir->name, name, child);
}

static void drv_dir_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	drv_list_below(dir, dir->name, fn, ctx);
}

static const struct mgmt_dir_ops drv_dir = { .lookup = drv_dir_lookup, .list = drv_dir_list };

static int session_dir_lookup(const struct mgmt_node *dir, const char *name,
			      struct mgmt_node *child)
{
	return drv_lookup(dir, "", name, child);
}

static void session_dir_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	drv_list_below(dir, "", fn, ctx);
}

/* The lunX directories (mgmt_latency.c) first, then the entries of the
 * driver's table (mgmt_driver_ext), then what the driver's session_attrs
 * hook reports. */
static int session_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	int rc = mgmt_session_lun_lookup(dir, name, child);

	if (rc == -ENOENT)
		rc = ext_lookup(dir, name, child);
	return rc == -ENOENT ? session_dir_lookup(dir, name, child) : rc;
}

static void session_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	mgmt_session_lun_list(dir, fn, ctx);
	ext_list(dir, fn, ctx);
	session_dir_list(dir, fn, ctx);
}

static const struct mgmt_dir_ops session_dir = {
	.entries = session_entries,
	.lookup = session_lookup,
	.list = session_list,
};

static int sessions_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_session *sess;
	char sname[SCST_NAME_MAX];

	list_for_each_entry(sess, &dir->tgt->sessions, node) {
		mgmt_session_name(sess, sname, sizeof(sname));
		if (!strcmp(sname, name)) {
			mgmt_child_dir(child, dir, &session_dir, name);
			child->sess = sess;
			return 0;
		}
	}
	return -ENOENT;
}

static void sessions_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_session *sess;
	char sname[SCST_NAME_MAX];

	list_for_each_entry(sess, &dir->tgt->sessions, node) {
		mgmt_session_name(sess, sname, sizeof(sname));
		fn(ctx, sname, MGMT_DIR, false);
	}
}

const struct mgmt_dir_ops mgmt_sessions_dir = {
	.lookup = sessions_lookup,
	.list = sessions_list,
};
