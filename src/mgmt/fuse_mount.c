/* fuse_mount.c - the FUSE face of the management tree: maps getattr,
 * readdir, read, write, truncate and readlink onto the tree's operations.
 * Every write(2) is one store, as with sysfs, so `echo CMD > mgmt` runs CMD
 * once; its error comes back as the write's errno.  Files are direct_io:
 * their content is produced at each read and has no fixed size.
 *
 * Permissions as in sysfs: mounted allow_other with default_permissions,
 * so every user may look and the kernel enforces the modes: attributes
 * 0444/0644, secrets (IncomingUser, OutgoingUser) 0600, mgmt files 0200;
 * with a mount group the world bits go and the group keeps read access. */
#define FUSE_USE_VERSION 31
#include "fuse_mount.h"

#include <errno.h>
#include <fuse.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mgmt/tree.h"
#include "util/fuse_serve.h"
#include "util/log.h"

#define FUSE_READ_MAX (256 * 1024)

static struct fuse *fuse_fs;
static struct fuse_server *fuse_server;
static gid_t mount_gid;
static bool group_only;

/* A CHAP secret's file: IncomingUser, IncomingUser1, OutgoingUser ... */
static bool is_secret(const char *base)
{
	return !strncmp(base, "IncomingUser", 12) || !strncmp(base, "OutgoingUser", 12);
}

static mode_t entry_mode(const char *path, enum mgmt_kind kind, bool w)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	mode_t m;

	if (kind == MGMT_DIR)
		m = 0755;
	else if (kind == MGMT_LINK)
		return 0777;            /* a link's own mode means nothing */
	else if (!strcmp(base, "mgmt"))
		return 0200;
	else if (is_secret(base))
		return 0600;
	else
		m = w ? 0644 : 0444;
	return group_only ? m & ~(mode_t)0007 : m;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	char err[256];
	enum mgmt_kind kind;
	bool w;
	int rc;

	(void)fi;
	rc = mgmt_stat(path, &kind, &w, err, sizeof(err));
	if (rc < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	st->st_uid = geteuid();
	st->st_gid = group_only ? mount_gid : getegid();
	if (kind == MGMT_DIR) {
		st->st_mode = S_IFDIR | entry_mode(path, kind, w);
		st->st_nlink = 2;
	} else if (kind == MGMT_LINK) {
		st->st_mode = S_IFLNK | entry_mode(path, kind, w);
	} else {
		/* sysfs reports a page; direct_io makes readers go to EOF. */
		st->st_mode = S_IFREG | entry_mode(path, kind, w);
		st->st_size = 4096;
	}
	return 0;
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t fill;
};

static void fill_cb(void *ctx, const char *name, enum mgmt_kind kind, bool w)
{
	struct fill_ctx *fc = ctx;

	(void)kind;
	(void)w;
	fc->fill(fc->buf, name, NULL, 0, 0);
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fill_ctx fc = { .buf = buf, .fill = fill };
	char err[256];

	(void)off;
	(void)fi;
	(void)flags;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	return mgmt_list(path, fill_cb, &fc, err, sizeof(err));
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	char err[256];
	enum mgmt_kind kind;
	bool w;
	int rc = mgmt_stat(path, &kind, &w, err, sizeof(err));

	if (rc < 0)
		return rc;
	if (kind == MGMT_DIR)
		return -EISDIR;
	if ((fi->flags & O_ACCMODE) != O_RDONLY && !w)
		return -EACCES;
	fi->direct_io = 1;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct mgmt_buf b = { .cap = FUSE_READ_MAX };
	char err[256];
	int rc;

	(void)fi;
	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	rc = mgmt_read(path, &b, err, sizeof(err));
	if (rc == 0) {
		size_t n = (size_t)off < b.len ? b.len - (size_t)off : 0;

		if (n > size)
			n = size;
		if (n)
			memcpy(buf, b.p + off, n);
		rc = (int)n;
	}
	free(b.p);
	return rc;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	char value[MGMT_MAX_VALUE], err[512];
	int rc;

	(void)fi;
	/* A store is one whole write from the start, as sysfs takes it.
	 * The caller sees only the errno: the reason goes to the log. */
	if (off != 0) {
		log_warn("mgmt: write to %s refused: not at offset 0", path);
		return -EINVAL;
	}
	if (size >= sizeof(value)) {
		log_warn("mgmt: write to %s refused: %zu bytes, at most %zu", path, size,
			 sizeof(value) - 1);
		return -EINVAL;
	}
	if (memchr(buf, '\0', size)) {
		log_warn("mgmt: write to %s refused: NUL byte in value", path);
		return -EINVAL;
	}
	memcpy(value, buf, size);
	value[size] = '\0';
	rc = mgmt_write_timed(path, value, err, sizeof(err));
	return rc < 0 ? rc : (int)size;
}

/* `echo x > file` truncates first: harmless for writable entries. */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	char err[256];
	enum mgmt_kind kind;
	bool w;
	int rc = mgmt_stat(path, &kind, &w, err, sizeof(err));

	(void)size;
	(void)fi;
	if (rc < 0)
		return rc;
	return kind == MGMT_DIR ? -EISDIR : w ? 0 : -EACCES;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct mgmt_buf b = { .p = buf, .cap = size };
	char err[256];
	int rc;

	if (size == 0)
		return -EINVAL;
	rc = mgmt_readlink(path, &b, err, sizeof(err));
	if (rc == 0 && b.overflow)
		return -ENAMETOOLONG;
	return rc;
}

/* The tree is live: the kernel must not cache names or attributes, or a
 * deleted device would still be seen for a while. */
static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	return NULL;
}

static const struct fuse_operations fs_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.truncate = fs_truncate,
	.readlink = fs_readlink,
};

int mgmt_fuse_start(const char *dir, const gid_t *gid)
{
	/* allow_other: users other than the daemon's may enter the mount (a
	 * root mount needs no user_allow_other in /etc/fuse.conf);
	 * default_permissions: the kernel checks the modes getattr gives. */
	char *argv[] = { "scstd", "-o", "allow_other,default_permissions", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	int rc;

	group_only = gid != NULL;
	mount_gid = gid ? *gid : 0;
	fuse_fs = fuse_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	fuse_opt_free_args(&args);
	if (!fuse_fs) {
		log_err("mount %s: cannot create the FUSE file system", dir);
		return -EIO;
	}
	if (fuse_mount(fuse_fs, dir) != 0) {
		log_err("mount %s: FUSE mount failed", dir);
		fuse_destroy(fuse_fs);
		fuse_fs = NULL;
		return -EIO;
	}
	/* One thread, as with fuse_loop before. */
	fuse_server = fuse_server_start(fuse_fs, 1, "management tree mount");
	if (!fuse_server) {
		rc = -errno;
		fuse_unmount(fuse_fs);
		fuse_destroy(fuse_fs);
		fuse_fs = NULL;
		return rc;
	}
	log_info("management tree mounted on %s", dir);
	return 0;
}

void mgmt_fuse_stop(void)
{
	if (!fuse_server)
		return;
	/* Bounded: the thread finishes at most one request, whose mgmt
	 * write has the write timeout. */
	fuse_server_stop(fuse_server);
	fuse_server = NULL;
	fuse_unmount(fuse_fs);
	fuse_destroy(fuse_fs);
	fuse_fs = NULL;
	log_info("management tree unmounted");
}
