/* tree_walk.h - walks of scstd's management tree for the test tools,
 * through scstadmin's tree client (control socket or a mounted tree):
 * a snapshot of the configuration (every readable attribute as one
 * "path=value" line, without what moves by itself: counters, statistics,
 * last_sysfs_mgmt_res) and the list of writable files. */
#ifndef TESTS_TOOLS_TREE_WALK_H
#define TESTS_TOOLS_TREE_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf_tree.h"

struct text {
	char *p;
	size_t len, cap;
};

void text_free(struct text *t);
/* Appends; false when out of memory. */
bool text_add(struct text *t, const char *s, size_t len);

/* True for the entries whose value changes without a management write. */
bool tree_path_moves(const char *path);

/* One line per entry, in sorted order: "dir/", "link@=TARGET",
 * "mgmt-file (mgmt)", "attr=VALUE" with newlines and bytes outside
 * printable ASCII escaped.  0 or -errno with a reason in err. */
int tree_snapshot(struct tree *t, struct text *out, char *err, size_t errlen);

/* Every writable file (attributes and mgmt files), one malloc'ed path
 * each.  0 or -errno with a reason in err. */
int tree_writable(struct tree *t, char ***paths, size_t *n, char *err, size_t errlen);
void tree_paths_free(char **paths, size_t n);

#endif
