/* tree_walk.c - the recursive walk of the management tree shared by
 * tree_snapshot and mgmt_fuzz: which entries are configuration (and so
 * must not change when a write is refused) and which move on their own,
 * and the snapshot and writable-file list built from one walk. */
#include "tree_walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void text_free(struct text *t)
{
	free(t->p);
	t->p = NULL;
	t->len = t->cap = 0;
}

bool text_add(struct text *t, const char *s, size_t len)
{
	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *p;

		while (t->len + len + 1 > cap)
			cap *= 2;
		p = realloc(t->p, cap);
		if (!p)
			return false;
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, len);
	t->len += len;
	t->p[t->len] = '\0';
	return true;
}

static bool text_str(struct text *t, const char *s)
{
	return text_add(t, s, strlen(s));
}

/* Session counters (README.scst's sessions/<s>/ files, the files of the
 * latency/ directory and the iSCSI session's response-data accounting),
 * the SGV and scst_local statistics, the iSCSI portals' refusal counts, the result
 * of the last write itself, and a LUN's thread_idx (the I/O loop its
 * session was given, which rotates with every session and connection
 * made before, so two daemons with one configuration differ in it), and
 * measure_latency, which a saved configuration does not carry. */
bool tree_path_moves(const char *path)
{
	static const char *const counters[] = {
		"active_commands", "commands", "read_cmd_count", "write_cmd_count",
		"read_io_count_kb", "write_io_count_kb", "read_unaligned_cmd_count",
		"write_unaligned_cmd_count", "bidi_cmd_count", "bidi_io_count_kb",
		"bidi_unaligned_cmd_count", "none_cmd_count", "unknown_cmd_count",
		"last_sysfs_mgmt_res", "latency",
		"buffered_response_data", "unanswered_commands", "rx_pauses", "refused_connections",
		"thread_idx",       /* the I/O loop a session landed on: history, not configuration */
		/* A run-time switch SCST shows without [key]: no saved
		 * configuration carries it, so a daemon loading one starts at 0. */
		"measure_latency",
		NULL,
	};
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strcmp(path, "sgv") || !strncmp(path, "sgv/", 4) ||
	    !strcmp(path, "targets/scst_local/stats"))
		return true;
	/* A session's latency/ directory: every file in it counts commands. */
	if (strstr(path, "/sessions/") && strstr(path, "/latency/"))
		return true;
	for (const char *const *c = counters; *c; c++)
		if (!strcmp(base, *c))
			return true;
	return false;
}

/* Values may hold anything the daemon accepted: one line each. */
static bool add_escaped(struct text *t, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char e[8];

		if (*p == '\\')
			snprintf(e, sizeof(e), "\\\\");
		else if (*p == '\n')
			snprintf(e, sizeof(e), "\\n");
		else if (*p < ' ' || *p >= 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", *p);
		else
			snprintf(e, sizeof(e), "%c", *p);
		if (!text_str(t, e))
			return false;
	}
	return true;
}

struct walk {
	struct tree *t;
	struct text *snap;      /* or NULL */
	char **paths;           /* writable files, when snap is NULL */
	size_t npaths;
	char *err;
	size_t errlen;
};

static int add_path(struct walk *w, const char *path)
{
	char **v = realloc(w->paths, (w->npaths + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	w->paths = v;
	v[w->npaths] = strdup(path);
	if (!v[w->npaths])
		return -ENOMEM;
	w->npaths++;
	return 0;
}

static int snap_link(struct walk *w, const char *path)
{
	char *target = NULL;
	int rc = tree_link_name(w->t, path, &target);

	if (rc < 0)
		return text_str(w->snap, path) && text_str(w->snap, "@ unreadable\n") ? 0 : -ENOMEM;
	rc = text_str(w->snap, path) && text_str(w->snap, "@=") && add_escaped(w->snap, target) &&
	     text_str(w->snap, "\n") ? 0 : -ENOMEM;
	free(target);
	return rc;
}

/* A mgmt file shows its usage text: only its presence is configuration. */
static int snap_attr(struct walk *w, const char *path, const char *name)
{
	char err[256], *v = NULL;
	int rc;

	if (!strcmp(name, "mgmt"))
		return text_str(w->snap, path) && text_str(w->snap, " (mgmt)\n") ? 0 : -ENOMEM;
	rc = tree_read(w->t, path, &v, err, sizeof(err));
	if (rc < 0) {
		/* The daemon's end is gone: the walk cannot go on. */
		if (rc == -EIO || rc == -EPROTO) {
			snprintf(w->err, w->errlen, "%s: %s", path, err);
			return rc;
		}
		return text_str(w->snap, path) && text_str(w->snap, " unreadable: ") &&
		       add_escaped(w->snap, err) && text_str(w->snap, "\n") ? 0 : -ENOMEM;
	}
	rc = text_str(w->snap, path) && text_str(w->snap, "=") && add_escaped(w->snap, v) &&
	     text_str(w->snap, "\n") ? 0 : -ENOMEM;
	free(v);
	return rc;
}

static int visit_file(struct walk *w, const char *path, const struct tentry *e)
{
	enum tkind kind;
	bool writable;

	if (w->snap)
		return e->kind == TK_LINK ? snap_link(w, path) : snap_attr(w, path, e->name);
	if (e->kind != TK_ATTR || tree_stat(w->t, path, &kind, &writable) < 0 || !writable)
		return 0;
	return add_path(w, path);
}

static int walk_dir(struct walk *w, const char *dir)
{
	struct tlist l;
	int rc = tree_list(w->t, *dir ? dir : "/", &l, w->err, w->errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		char path[4096];

		/* Two objects of one name: one of them can never be reached. */
		if (i && !strcmp(l.v[i].name, l.v[i - 1].name)) {
			snprintf(w->err, w->errlen, "'%s' is listed twice in '%s'", l.v[i].name,
				 *dir ? dir : "/");
			rc = -EEXIST;
			break;
		}

		if (snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", l.v[i].name) >=
		    (int)sizeof(path))
			continue;
		/* Moving values are no configuration, but may be written. */
		if (w->snap && tree_path_moves(path))
			continue;
		if (l.v[i].kind == TK_DIR) {
			if (w->snap && !(text_str(w->snap, path) && text_str(w->snap, "/\n")))
				rc = -ENOMEM;
			/* An object deleted since the listing is simply gone. */
			else if ((rc = walk_dir(w, path)) == -ENOENT)
				rc = 0;
		} else {
			rc = visit_file(w, path, &l.v[i]);
		}
	}
	tlist_free(&l);
	return rc;
}

int tree_snapshot(struct tree *t, struct text *out, char *err, size_t errlen)
{
	struct walk w = { .t = t, .snap = out, .err = err, .errlen = errlen };

	out->len = 0;
	if (!text_add(out, "", 0))
		return -ENOMEM;
	return walk_dir(&w, "");
}

void tree_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int tree_writable(struct tree *t, char ***paths, size_t *n, char *err, size_t errlen)
{
	struct walk w = { .t = t, .err = err, .errlen = errlen };
	int rc = walk_dir(&w, "");

	if (rc < 0) {
		tree_paths_free(w.paths, w.npaths);
		return rc;
	}
	*paths = w.paths;
	*n = w.npaths;
	return 0;
}
