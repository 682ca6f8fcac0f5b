/* conf_tree.h - the scst.conf engine's view of the management tree: list,
 * read, write and stat by path, either over scstd's control socket
 * (scstadmin), on a directory (the FUSE mount, or anything laid out like
 * /sys/kernel/scst_tgt), or by direct calls (scstd on its own tree). */
#ifndef SCSTD_CONF_CONF_TREE_H
#define SCSTD_CONF_CONF_TREE_H

#include <stdbool.h>
#include <stddef.h>

enum tkind { TK_DIR, TK_ATTR, TK_LINK };

struct tentry {
	char *name;
	enum tkind kind;
};

struct tlist {
	struct tentry *v;
	size_t n;
};

struct tree;

/* A tree reached by function calls (scstd applying its --config to its
 * own tree).  Same contracts as the tree_* calls below. */
struct tree_backend {
	int (*list)(const char *path, struct tlist *out, char *err, size_t errlen);
	int (*read)(const char *path, char **out, char *err, size_t errlen);
	int (*readlink)(const char *path, char **out, char *err, size_t errlen);
	int (*write)(const char *path, const char *value, char *err, size_t errlen);
	int (*stat)(const char *path, enum tkind *kind, bool *writable);
};

struct tree *tree_open_backend(const struct tree_backend *b);
int tlist_add(struct tlist *l, const char *name, size_t len, enum tkind kind);

struct tree *tree_open_socket(const char *path, char *err, size_t errlen);
struct tree *tree_open_dir(const char *root, char *err, size_t errlen);
void tree_close(struct tree *t);
/* The process id of the daemon at the other end of a socket tree (the
 * kernel's SO_PEERCRED), 0 for other trees or when unknown. */
int tree_peer_pid(const struct tree *t);

/* Each returns 0 or -errno with a reason in err.  Lists are sorted by
 * name (a saved config must not depend on creation order). */
int tree_list(struct tree *t, const char *path, struct tlist *out, char *err, size_t errlen);
void tlist_free(struct tlist *l);
/* *out is malloc'ed, NUL-terminated. */
int tree_read(struct tree *t, const char *path, char **out, char *err, size_t errlen);
int tree_write(struct tree *t, const char *path, const char *value, char *err, size_t errlen);
/* -ENOENT when absent. */
int tree_stat(struct tree *t, const char *path, enum tkind *kind, bool *writable);

/* A symlink's target, malloc'ed, in *target. */
int tree_readlink(struct tree *t, const char *path, char **target);
/* The last component of a symlink's target (a LUN's device name). */
int tree_link_name(struct tree *t, const char *path, char **name);

/* Reads an attribute: its first line in *value, and whether its last
 * line is "[key]" (SysfsRules).  0 or -errno. */
int tree_read_attr(struct tree *t, const char *path, char **value, bool *key);

/* snprintf for paths and commands: names are bounded (255 bytes) and a
 * few levels deep, so the buffers always suffice. */
void tpath(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
