/* scst-ns.c - runs a program (SCST's own scstadmin, an admin's script) in a
 * private mount namespace where /sys/kernel/scst_tgt is scstd's management
 * tree and the rest of /sys/kernel is what it was:
 *
 *   scst-ns [--tree DIR] [--] COMMAND [ARG...]
 *
 * DIR is the directory scstd mounted its tree on (scstd --mount DIR;
 * default $SCST_TREE, else /run/scst/scst_tgt).  Needs root (CAP_SYS_ADMIN).
 *
 * Why this shape (measured): sysfs refuses mkdir, so scst_tgt cannot be
 * created in /sys/kernel itself, and a bare tmpfs over /sys/kernel would
 * hide securityfs, debugfs, tracing.  So, in a namespace of our own, the
 * original /sys/kernel is bound aside, a tmpfs takes its place, every
 * original entry is recreated and bound back, and scst_tgt is bound from
 * DIR.  Nothing outside the namespace changes; entries the kernel adds
 * later are not seen inside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYS_KERNEL "/sys/kernel"
#define TREE_NAME "scst_tgt"
#define TREE_DEFAULT "/run/scst/scst_tgt"

static void usage(FILE *f)
{
	fprintf(f, "usage: scst-ns [--tree DIR] [--] COMMAND [ARG...]\n"
		   "runs COMMAND with scstd's tree (scstd --mount DIR) at " SYS_KERNEL
		   "/" TREE_NAME "\n"
		   "DIR defaults to $SCST_TREE, else " TREE_DEFAULT "\n");
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "scst-ns: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

/* The tree must be scstd's, not an empty directory: its version file
 * is what every SCST tool reads first. */
static int check_tree(const char *tree)
{
	char p[PATH_MAX];
	struct stat st;

	if (snprintf(p, sizeof(p), "%s/version", tree) >= (int)sizeof(p)) {
		fprintf(stderr, "scst-ns: tree path too long\n");
		return -1;
	}
	if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "scst-ns: %s is not scstd's management tree (no version file);"
				" start scstd with --mount %s\n", tree, tree);
		return -1;
	}
	return 0;
}

/* Recreates entry name of the original /sys/kernel (bound at aside) on
 * the tmpfs now at /sys/kernel, and binds the original over it. */
static int restore_entry(const char *aside, const char *name)
{
	char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(src, sizeof(src), "%s/%s", aside, name);
	snprintf(dst, sizeof(dst), SYS_KERNEL "/%s", name);
	if (lstat(src, &st) < 0)
		return fail("cannot stat", src);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(src, link, sizeof(link) - 1);
		if (n < 0)
			return fail("cannot read link", src);
		link[n] = 0;
		return symlink(link, dst) < 0 ? fail("cannot create link", dst) : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, st.st_mode & 07777) < 0)
			return fail("cannot create", dst);
	} else {
		fd = open(dst, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, st.st_mode & 07777);
		if (fd < 0)
			return fail("cannot create", dst);
		close(fd);
	}
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail("cannot bind", dst);
	return 0;
}

static int restore_entries(const char *aside)
{
	struct dirent *de;
	DIR *d = opendir(aside);
	int rc = 0;

	if (!d)
		return fail("cannot list", aside);
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* A loaded kernel SCST's tree is replaced by scstd's. */
		if (!strcmp(de->d_name, TREE_NAME))
			continue;
		rc = restore_entry(aside, de->d_name);
	}
	closedir(d);
	return rc;
}

static int bind_tree(const char *tree)
{
	const char *dst = SYS_KERNEL "/" TREE_NAME;

	if (mkdir(dst, 0755) < 0)
		return fail("cannot create", dst);
	if (mount(tree, dst, NULL, MS_BIND, NULL) < 0)
		return fail("cannot bind", dst);
	return 0;
}

/* Builds the namespace's /sys/kernel.  The scratch directory that holds
 * the original during the swap is detached and removed afterwards. */
static int build_namespace(const char *tree)
{
	char aside[] = "/tmp/scst-ns.XXXXXX";
	int rc;

	if (unshare(CLONE_NEWNS) < 0)
		return fail("cannot create a mount namespace", "");
	/* Nothing done here may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("cannot make mounts private", "/");
	if (!mkdtemp(aside))
		return fail("cannot create", aside);
	rc = mount(SYS_KERNEL, aside, NULL, MS_BIND | MS_REC, NULL);
	if (rc < 0) {
		fail("cannot bind", SYS_KERNEL);
	} else {
		rc = mount("scst-ns", SYS_KERNEL, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "mode=0755,size=64k");
		if (rc < 0)
			fail("cannot mount a tmpfs on", SYS_KERNEL);
		if (rc == 0)
			rc = restore_entries(aside);
		if (rc == 0)
			rc = bind_tree(tree);
		umount2(aside, MNT_DETACH);
	}
	rmdir(aside);
	return rc;
}

int main(int argc, char **argv)
{
	const char *tree = getenv("SCST_TREE");
	int i = 1;

	if (!tree || !*tree)
		tree = TREE_DEFAULT;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--tree") && i + 1 < argc) {
			tree = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (check_tree(tree) < 0 || build_namespace(tree) < 0)
		return 1;
	execvp(argv[i], argv + i);
	fprintf(stderr, "scst-ns: cannot run %s: %s\n", argv[i], strerror(errno));
	return 127;
}
