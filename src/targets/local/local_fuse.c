/* local_fuse.c - the user-space /dev/sdX of scst_local: every local
 * session is a directory of the mount and each of its LUNs a file
 * (DIR/scst_local_host/lun0) whose size is the device's capacity.  Reads
 * and writes become READ(16)/WRITE(16) from that session through the full
 * core path, fsync becomes SYNCHRONIZE CACHE.  Like the sd driver, an
 * access that meets a unit attention retries, and a transfer that is not
 * block-aligned reads the blocks it touches first.
 *
 * Files are direct_io (the kernel caches nothing, every access reaches the
 * daemon), FUSE runs multi-threaded, and each FUSE worker sleeps in
 * local_exec until its command completes on the session's I/O loop. */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "targets/local/local.h"
#include "targets/local/local_lun_io.h"
#include "targets/local/local_priv.h"
#include "util/fuse_serve.h"
#include "util/log.h"

char local_mount_dir[4096];

static struct fuse *lfuse;
static struct fuse_server *lfuse_server;

/* "/S" -> S (lun NULL) or "/S/lunN" -> S and "N". */
static int split_path(const char *path, char *sess, size_t len, const char **lun)
{
	const char *p = path + 1, *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);

	if (n == 0 || n >= len)
		return -ENOENT;
	memcpy(sess, p, n);
	sess[n] = '\0';
	*lun = NULL;
	if (!slash)
		return 0;
	if (strncmp(slash + 1, "lun", 3))
		return -ENOENT;
	*lun = slash + 4;
	return 0;
}

static bool parse_lun(const char *s, uint64_t *lun)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > SCST_MAX_LUN)
			return false;
	}
	*lun = v;
	return true;
}

/* Resolves path; on success f->ls holds a reference (lun_put). */
static int lun_get(const char *path, struct local_lun *f, bool *is_dir)
{
	char sess[SCST_NAME_MAX];
	const char *lun;
	int rc = split_path(path, sess, sizeof(sess), &lun);

	if (rc < 0)
		return rc;
	if (lun && !parse_lun(lun, &f->lun))
		return -ENOENT;
	f->ls = local_sess_get(NULL, sess);
	if (!f->ls)
		return -ENOENT;
	*is_dir = lun == NULL;
	if (lun && local_lun_find(f) < 0) {
		local_sess_put(f->ls);
		return -ENOENT;
	}
	return 0;
}

static void lun_put(struct local_lun *f)
{
	local_sess_put(f->ls);
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct local_lun f;
	bool dir;
	int rc;

	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	rc = lun_get(path, &f, &dir);
	if (rc < 0)
		return rc;
	if (dir) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | (f.read_only ? 0444 : 0644);
		st->st_nlink = 1;
		st->st_size = (off_t)f.size;
		st->st_blksize = f.block_size;
		st->st_blocks = (blkcnt_t)(f.size / 512);
	}
	lun_put(&f);
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct local_tgt *lt;
	struct local_sess *ls;
	struct local_lun f;
	bool dir;
	int rc;

	(void)off;
	(void)fi;
	(void)flags;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (!strcmp(path, "/")) {
		pthread_mutex_lock(&local_lock);
		list_for_each_entry(lt, &local_targets, node)
			list_for_each_entry(ls, &lt->sessions, node)
				if (!ls->closing)
					fill(buf, ls->name, NULL, 0, 0);
		pthread_mutex_unlock(&local_lock);
		return 0;
	}
	rc = lun_get(path, &f, &dir);
	if (rc < 0)
		return rc;
	if (!dir) {
		lun_put(&f);
		return -ENOTDIR;
	}
	struct scst_acg_dev *ad;
	char name[32];

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(ad, &f.ls->sess->acg->acg_devs, node) {
		snprintf(name, sizeof(name), "lun%" PRIu64, ad->lun);
		fill(buf, name, NULL, 0, 0);
	}
	pthread_mutex_unlock(&scst_mutex);
	lun_put(&f);
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct local_lun f;
	bool dir;
	int rc = lun_get(path, &f, &dir);

	if (rc < 0)
		return rc;
	lun_put(&f);
	if (dir)
		return -EISDIR;
	fi->direct_io = 1;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct local_lun f;
	uint64_t first, end, lba;
	uint8_t *bounce = NULL;
	bool dir;
	int rc;

	(void)fi;
	rc = lun_get(path, &f, &dir);
	if (rc < 0)
		return rc;
	if (dir || off < 0) {
		lun_put(&f);
		return dir ? -EISDIR : -EINVAL;
	}
	if ((uint64_t)off >= f.size || size == 0) {
		lun_put(&f);
		return 0;
	}
	if (size > f.size - (uint64_t)off)
		size = (size_t)(f.size - (uint64_t)off);
	first = (uint64_t)off / f.block_size * f.block_size;
	end = ((uint64_t)off + size + f.block_size - 1) / f.block_size * f.block_size;
	lba = first / f.block_size;
	if (first == (uint64_t)off && end == (uint64_t)off + size) {
		rc = local_lun_io(&f, false, lba, (uint32_t)((end - first) / f.block_size), buf);
	} else {
		bounce = malloc(end - first);
		rc = bounce ? local_lun_io(&f, false, lba, (uint32_t)((end - first) / f.block_size),
					bounce)
			    : -ENOMEM;
		if (rc == 0)
			memcpy(buf, bounce + ((uint64_t)off - first), size);
		free(bounce);
	}
	lun_put(&f);
	return rc < 0 ? rc : (int)size;
}

/* Read-modify-write for the partial blocks at either end. */
static int write_unaligned(struct local_lun *f, const char *buf, size_t size, uint64_t off)
{
	uint64_t first = off / f->block_size * f->block_size;
	uint64_t end = (off + size + f->block_size - 1) / f->block_size * f->block_size;
	uint32_t nblocks = (uint32_t)((end - first) / f->block_size);
	uint8_t *bounce = malloc(end - first);
	int rc = 0;

	if (!bounce)
		return -ENOMEM;
	if (off != first)
		rc = local_lun_io(f, false, first / f->block_size, 1, bounce);
	if (rc == 0 && off + size != end)
		rc = local_lun_io(f, false, end / f->block_size - 1, 1,
			       bounce + (end - first) - f->block_size);
	if (rc == 0) {
		memcpy(bounce + (off - first), buf, size);
		rc = local_lun_io(f, true, first / f->block_size, nblocks, bounce);
	}
	free(bounce);
	return rc;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct local_lun f;
	bool dir;
	int rc;

	(void)fi;
	rc = lun_get(path, &f, &dir);
	if (rc < 0)
		return rc;
	if (dir || off < 0) {
		lun_put(&f);
		return dir ? -EISDIR : -EINVAL;
	}
	if ((uint64_t)off >= f.size) {
		lun_put(&f);
		return size ? -ENOSPC : 0;
	}
	if (size > f.size - (uint64_t)off)
		size = (size_t)(f.size - (uint64_t)off);       /* short write at the end */
	if ((uint64_t)off % f.block_size == 0 && size % f.block_size == 0)
		rc = local_lun_io(&f, true, (uint64_t)off / f.block_size,
			       (uint32_t)(size / f.block_size), (void *)buf);
	else
		rc = write_unaligned(&f, buf, size, (uint64_t)off);
	lun_put(&f);
	return rc < 0 ? rc : (int)size;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct local_req r = { .cdb = { 0x35 }, .cdb_len = 10 };   /* SYNCHRONIZE CACHE(10) */
	struct local_lun f;
	bool dir;
	int rc;

	(void)datasync;
	(void)fi;
	rc = lun_get(path, &f, &dir);
	if (rc < 0)
		return rc;
	r.lun = f.lun;
	rc = dir ? 0 : local_lun_run(&f, &r);
	lun_put(&f);
	return rc;
}

/* The size is the device's: as on a block device, O_TRUNC and
 * ftruncate within it change nothing (dd truncates its output file). */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct local_lun f;
	bool dir;
	int rc;

	(void)fi;
	rc = lun_get(path, &f, &dir);
	if (rc < 0)
		return rc;
	lun_put(&f);
	if (dir)
		return -EISDIR;
	return size < 0 || (uint64_t)size > f.size ? -EFBIG : 0;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* Sessions and LUNs come and go: no name or attribute caching. */
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
	.fsync = fs_fsync,
	.truncate = fs_truncate,
};

/* LUN files take reads and writes from several processes at once. */
#define LOCAL_FUSE_THREADS 4

int local_fuse_start(const char *dir)
{
	char *argv[] = { "scstd-local", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	int rc;

	char abs[sizeof(local_mount_dir)];

	/* Resolved before mounting: afterwards the lookup would be ours. */
	if (strlen(dir) >= sizeof(local_mount_dir) || !realpath(dir, abs)) {
		log_err("local mount %s: no such directory or path too long", dir);
		return -ENOENT;
	}
	lfuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	fuse_opt_free_args(&args);
	if (!lfuse) {
		log_err("local mount %s: cannot create the FUSE file system", dir);
		return -EIO;
	}
	if (fuse_mount(lfuse, dir) != 0) {
		log_err("local mount %s: FUSE mount failed", dir);
		fuse_destroy(lfuse);
		lfuse = NULL;
		return -EIO;
	}
	lfuse_server = fuse_server_start(lfuse, LOCAL_FUSE_THREADS, "scst_local mount");
	if (!lfuse_server) {
		rc = -errno;
		fuse_unmount(lfuse);
		fuse_destroy(lfuse);
		lfuse = NULL;
		return rc;
	}
	memcpy(local_mount_dir, abs, sizeof(abs));
	log_info("scst_local LUN files mounted on %s", local_mount_dir);
	return 0;
}

void local_fuse_stop(void)
{
	if (!lfuse_server)
		return;
	fuse_server_stop(lfuse_server);
	lfuse_server = NULL;
	fuse_unmount(lfuse);
	fuse_destroy(lfuse);
	lfuse = NULL;
	local_mount_dir[0] = '\0';
	log_info("scst_local LUN files unmounted");
}
