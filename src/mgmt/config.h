/* config.h - the scst.conf grammar (scstadmin's config file): parsing into
 * a tree of statements, and applying that tree to the running core. */
#ifndef SCSTD_MGMT_CONFIG_H
#define SCSTD_MGMT_CONFIG_H

#include <stddef.h>

/* One statement: `KEY arg arg ... [{ children }]`. */
struct cfg_node {
	char *key;
	char **args;
	size_t nargs;
	struct cfg_node **children;
	size_t nchildren;
	int line, col;
	int has_block;
};

/* Parses text into a root node (key NULL) whose children are the top-level
 * statements.  On error returns NULL and writes "line L, column C: what"
 * into err. */
struct cfg_node *cfg_parse(const char *text, size_t len, char *err, size_t errlen);
struct cfg_node *cfg_parse_file(const char *path, char *err, size_t errlen);
void cfg_free(struct cfg_node *n);

/* Makes the running configuration the one root describes, with
 * scstadmin's apply algorithm on the management tree (config_tree.c).
 * Returns 0 or -errno with the reason (and line, column) in err. */
int cfg_apply(const struct cfg_node *root, char *err, size_t errlen);
/* The same as `scstadmin -config` without -force (the reload on SIGHUP):
 * targets are changed while enabled, so their sessions go on, and targets
 * root does not list stay.  Nothing changes when root is refused. */
int cfg_apply_changes(const struct cfg_node *root, char *err, size_t errlen);

#endif
