/* conf_tree.c - the ways the scst.conf engine reaches the management tree: the
 * control socket's line protocol (list/read/write/stat, replies "ok LEN"
 * plus payload or "err ENAME message"), plain file operations below a
 * root directory, and direct calls (scstd on its own tree).  Replies are untrusted: lengths are bounded and checked. */
#include "conf/conf_tree.h"
#include "util/write_all.h"
#include "util/ctl_proto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX (256 * 1024)

struct tree {
	int fd;          /* socket, or -1 */
	char *root;      /* directory, or NULL */
	const struct tree_backend *be;   /* direct calls, or NULL */
};

struct tree *tree_open_backend(const struct tree_backend *b)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (t) {
		t->fd = -1;
		t->be = b;
	}
	return t;
}

struct tree *tree_open_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tree *t;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->fd = fd;
	return t;
}

int tree_peer_pid(const struct tree *t)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (t->fd < 0 || getsockopt(t->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	return (int)cred.pid;
}

struct tree *tree_open_dir(const char *root, char *err, size_t errlen)
{
	struct tree *t = calloc(1, sizeof(*t));
	struct stat st;

	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", root);
		free(t);
		return NULL;
	}
	if (!t || !(t->root = strdup(root))) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->fd = -1;
	return t;
}

void tree_close(struct tree *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->root);
	free(t);
}

void tlist_free(struct tlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int tlist_add(struct tlist *l, const char *name, size_t len, enum tkind kind)
{
	struct tentry *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n].name = strndup(name, len);
	if (!v[l->n].name)
		return -ENOMEM;
	v[l->n].kind = kind;
	l->n++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct tentry *)a)->name, ((const struct tentry *)b)->name);
}

/* ---- socket ---- */

/* Reads one byte at a time up to '\n': the header is short. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 0;
		}
		n++;
	}
	return -EPROTO;
}

static int errno_by_name(const char *name)
{
	static const struct { const char *n; int e; } names[] = {
		{ "ENOENT", ENOENT }, { "EINVAL", EINVAL }, { "EEXIST", EEXIST },
		{ "EBUSY", EBUSY }, { "EACCES", EACCES }, { "ENOTDIR", ENOTDIR },
		{ "EISDIR", EISDIR }, { "EOPNOTSUPP", EOPNOTSUPP }, { "ENOMEM", ENOMEM },
		{ "ENOSPC", ENOSPC }, { "E2BIG", E2BIG }, { "EAGAIN", EAGAIN },
		{ "EBADSLT", EBADSLT }, { "ENAMETOOLONG", ENAMETOOLONG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].n, name))
			return names[i].e;
	return EIO;
}

/* One request; the payload (when ok) into *payload. */
static int sock_request(struct tree *t, const char *verb, const char *path, const char *value,
			char **payload, char *err, size_t errlen)
{
	char req[CTL_MAX_LINE], hdr[1024];
	int n = snprintf(req, sizeof(req), "%s %s%s%s\n", verb, path, value ? " " : "",
			 value ? value : "");
	unsigned long len;
	char *end, *buf;

	if (n < 0 || (size_t)n >= sizeof(req) || strchr(req, '\n') != req + n - 1) {
		snprintf(err, errlen, "%s: request too long or contains a newline", path);
		return -EINVAL;
	}
	if (write_all(t->fd, req, (size_t)n) < 0 || read_line(t->fd, hdr, sizeof(hdr)) < 0) {
		snprintf(err, errlen, "control socket closed");
		return -EIO;
	}
	if (!strncmp(hdr, "err ", 4)) {
		char *sp = strchr(hdr + 4, ' ');

		if (sp)
			*sp = '\0';
		snprintf(err, errlen, "%s", sp ? sp + 1 : "error");
		return -errno_by_name(hdr + 4);
	}
	if (strncmp(hdr, "ok ", 3)) {
		snprintf(err, errlen, "malformed reply");
		return -EPROTO;
	}
	len = strtoul(hdr + 3, &end, 10);
	if (*end || len > REPLY_MAX) {
		snprintf(err, errlen, "malformed reply length");
		return -EPROTO;
	}
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t got = 0; got < len;) {
		ssize_t r = read(t->fd, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			snprintf(err, errlen, "control socket closed");
			return -EIO;
		}
		got += (size_t)r;
	}
	buf[len] = '\0';
	if (payload)
		*payload = buf;
	else
		free(buf);
	return 0;
}

static int sock_list(struct tree *t, const char *path, struct tlist *out, char *err,
		     size_t errlen)
{
	char *p, *line, *save = NULL;
	int rc = sock_request(t, "list", path, NULL, &p, err, errlen);

	if (rc < 0)
		return rc;
	for (line = strtok_r(p, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		enum tkind k = TK_ATTR;

		if (len > 1 && line[len - 1] == '/')
			k = TK_DIR;
		else if (len > 1 && line[len - 1] == '@')
			k = TK_LINK;
		rc = tlist_add(out, line, k == TK_ATTR ? len : len - 1, k);
	}
	free(p);
	return rc;
}

/* ---- directory ---- */

static int dir_path(const struct tree *t, const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", t->root, path[0] == '/' ? path + 1 : path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int dir_list(struct tree *t, const char *path, struct tlist *out, char *err,
		    size_t errlen)
{
	char full[4096];
	struct dirent *d;
	DIR *dir;
	int rc = dir_path(t, path, full, sizeof(full));

	if (rc < 0 || !(dir = opendir(full))) {
		rc = rc < 0 ? rc : -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (rc == 0 && (d = readdir(dir))) {
		char child[4096];
		struct stat st;
		enum tkind k = TK_ATTR;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", full, d->d_name) >= (int)sizeof(child))
			continue;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			k = TK_DIR;
		else if (S_ISLNK(st.st_mode))
			k = TK_LINK;
		rc = tlist_add(out, d->d_name, strlen(d->d_name), k);
	}
	closedir(dir);
	return rc;
}

static int dir_read(struct tree *t, const char *path, char **out, char *err, size_t errlen)
{
	char full[4096], *buf;
	size_t n = 0;
	int fd, rc = dir_path(t, path, full, sizeof(full));

	if (rc < 0 || (fd = open(full, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = rc < 0 ? rc : -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	buf = malloc(REPLY_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, REPLY_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0 || (n += (size_t)r) == REPLY_MAX)
			break;
	}
	close(fd);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int dir_write(struct tree *t, const char *path, const char *value, char *err,
		     size_t errlen)
{
	char full[4096];
	size_t len = strlen(value);
	int fd, rc = dir_path(t, path, full, sizeof(full));
	ssize_t n;

	if (rc < 0 || (fd = open(full, O_WRONLY | O_CLOEXEC)) < 0) {
		rc = rc < 0 ? rc : -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	/* One write(2) is one command, as with sysfs. */
	n = write(fd, value, len);
	rc = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

/* ---- public ---- */

int tree_list(struct tree *t, const char *path, struct tlist *out, char *err, size_t errlen)
{
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = t->be ? t->be->list(path, out, err, errlen) : t->fd >= 0 ? sock_list(t, path, out, err, errlen) : dir_list(t, path, out, err, errlen);
	if (rc < 0) {
		tlist_free(out);
		return rc;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_entry);
	return 0;
}

int tree_read(struct tree *t, const char *path, char **out, char *err, size_t errlen)
{
	if (t->be)
		return t->be->read(path, out, err, errlen);
	if (t->fd >= 0)
		return sock_request(t, "read", path, NULL, out, err, errlen);
	return dir_read(t, path, out, err, errlen);
}

/* README.scst: EAGAIN means the command goes on; last_sysfs_mgmt_res
 * answers EAGAIN until it is done, then gives its result. */
static int wait_last_result(struct tree *t, const char *path, char *err, size_t errlen)
{
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	char *v = NULL;
	long res;
	int rc;

	while ((rc = tree_read(t, "last_sysfs_mgmt_res", &v, err, errlen)) == -EAGAIN)
		nanosleep(&pause, NULL);
	if (rc < 0)
		return rc;
	res = strtol(v, NULL, 10);
	free(v);
	if (res < 0)
		snprintf(err, errlen, "%s: %s (see the daemon's log)", path, strerror((int)-res));
	return res < 0 ? (int)res : 0;
}

static int write_once(struct tree *t, const char *path, const char *value, char *err,
		      size_t errlen)
{
	if (t->be)
		return t->be->write(path, value, err, errlen);
	if (t->fd >= 0)
		return sock_request(t, "write", path, value, NULL, err, errlen);
	return dir_write(t, path, value, err, errlen);
}

int tree_write(struct tree *t, const char *path, const char *value, char *err, size_t errlen)
{
	int rc = write_once(t, path, value, err, errlen);

	return rc == -EAGAIN ? wait_last_result(t, path, err, errlen) : rc;
}

int tree_stat(struct tree *t, const char *path, enum tkind *kind, bool *writable)
{
	char err[256], *p;
	struct stat st;
	int rc;

	if (t->be)
		return t->be->stat(path, kind, writable);
	if (t->fd < 0) {
		char full[4096];

		if (dir_path(t, path, full, sizeof(full)) < 0 || lstat(full, &st) < 0)
			return -ENOENT;
		*kind = S_ISDIR(st.st_mode) ? TK_DIR : S_ISLNK(st.st_mode) ? TK_LINK : TK_ATTR;
		*writable = (st.st_mode & S_IWUSR) != 0;
		return 0;
	}
	rc = sock_request(t, "stat", path, NULL, &p, err, sizeof(err));
	if (rc < 0)
		return rc;
	*kind = !strncmp(p, "dir", 3) ? TK_DIR : !strncmp(p, "link", 4) ? TK_LINK : TK_ATTR;
	*writable = !strcmp(p, "attr rw\n") || !strcmp(p, "mgmt\n");
	free(p);
	return 0;
}

int tree_read_attr(struct tree *t, const char *path, char **value, bool *key)
{
	char err[256], *p, *nl, *last;
	size_t len;
	int rc = tree_read(t, path, &p, err, sizeof(err));

	if (rc < 0)
		return rc;
	len = strlen(p);
	while (len && p[len - 1] == '\n')
		p[--len] = '\0';
	last = strrchr(p, '\n');
	*key = !strcmp(last ? last + 1 : p, "[key]") && last;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	*value = p;
	return 0;
}

int tree_readlink(struct tree *t, const char *path, char **target)
{
	char err[256];
	int rc = 0;

	*target = NULL;
	if (t->be) {
		rc = t->be->readlink(path, target, err, sizeof(err));
	} else if (t->fd >= 0) {
		rc = sock_request(t, "readlink", path, NULL, target, err, sizeof(err));
	} else {
		char full[4096], buf[4096];
		ssize_t n;

		if (dir_path(t, path, full, sizeof(full)) < 0)
			return -ENAMETOOLONG;
		n = readlink(full, buf, sizeof(buf) - 1);
		if (n < 0)
			return -errno;
		buf[n] = '\0';
		*target = strdup(buf);
		if (!*target)
			rc = -ENOMEM;
	}
	if (rc < 0)
		return rc;
	(*target)[strcspn(*target, "\n")] = '\0';
	return 0;
}

int tree_link_name(struct tree *t, const char *path, char **name)
{
	char *target, *slash;
	int rc = tree_readlink(t, path, &target);

	if (rc < 0)
		return rc;
	slash = strrchr(target, '/');
	*name = strdup(slash ? slash + 1 : target);
	free(target);
	return *name ? 0 : -ENOMEM;
}

void tpath(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
