/* conf.h - the scst.conf engine, shared by scstd (--config, reload) and
 * scstadmin: the model (a tree of statements), its parser, builders, a
 * canonical writer, the structure check, and the SysfsRules algorithms
 * (save, apply) over a management tree reached through conf_tree.h.
 * Neither the daemon nor the tool owns it: both include it. */
#ifndef SCSTD_CONF_CONF_H
#define SCSTD_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf/conf_tree.h"

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

/* ---- conf_parse.c ---- */
/* Parses text into a root node (key NULL) whose children are the top-level
 * statements.  On error returns NULL and writes "line L, column C: what"
 * into err. */
struct cfg_node *cfg_parse(const char *text, size_t len, char *err, size_t errlen);
struct cfg_node *cfg_parse_file(const char *path, char *err, size_t errlen);
void cfg_free(struct cfg_node *n);

/* ---- conf_build.c ---- */
struct cfg_node *conf_new(const char *key);
/* Appends; on allocation failure the node is freed and NULL returned. */
struct cfg_node *conf_add(struct cfg_node *parent, const char *key);
int conf_arg(struct cfg_node *n, const char *arg);
/* The child with key (and first argument arg when not NULL). */
struct cfg_node *conf_find(const struct cfg_node *n, const char *key, const char *arg);
/* Arguments joined with single blanks (malloc'ed). */
char *conf_value(const struct cfg_node *n);
/* An attribute statement: a key, values, no block, not a structure word. */
bool conf_is_attr(const struct cfg_node *n);
/* Orders children canonically: attributes (by key, keeping the order of
 * repeated keys), then blocks by keyword and name (LUNs by number). */
void conf_sort(struct cfg_node *n);

/* ---- conf_write.c ---- */
int conf_write(FILE *f, const struct cfg_node *root);

/* ---- conf_check.c ---- */
/* Structure of the grammar (README.scst_local): which keyword goes where,
 * names and LUN numbers.  "line L, column C: what" in err. */
int conf_check_structure(const struct cfg_node *root, char *err, size_t errlen);
/* The structure, then every attribute value (conf_values.c). */
int conf_check(const struct cfg_node *root, char *err, size_t errlen);

/* ---- conf_values.c ---- */
/* Called once per attribute statement whose value its rule refuses; why
 * is "key: reason 'value'". */
typedef void (*conf_value_report)(void *ctx, const struct cfg_node *n, const char *why);
/* Checks every attribute value with the rules the daemon's stores use
 * (core/attr_rules.h); returns how many were refused.  The structure must
 * have been checked. */
size_t conf_check_values(const struct cfg_node *root, conf_value_report report, void *ctx);
/* The same, every refusal a "line L: key: reason" line of err. */
int conf_check_values_err(const struct cfg_node *root, char *err, size_t errlen);

/* ---- conf_save.c ---- */
/* The running configuration (SysfsRules "convert current SCST
 * configuration to config file"). */
int conf_save(struct tree *t, struct cfg_node **out, char *err, size_t errlen);
/* The LUN entries of the target or group at dir, as children of *out. */
int conf_save_luns(struct tree *t, const char *dir, struct cfg_node **out, char *err,
		   size_t errlen);

/* ---- conf_dgroups.c ---- */
/* Adds the DEVICE_GROUP blocks of device_groups/ to root (none when the
 * tree has no such directory). */
int conf_save_dgroups(struct tree *t, struct cfg_node *root, char *err, size_t errlen);

/* ---- conf_apply.c ---- */
struct apply_opts {
	bool force;      /* disable affected targets first */
	bool dry_run;    /* only print the plan */
	/* Targets the configuration does not list stay (-config without
	 * -force, as SCST's scstadmin); otherwise they are deleted. */
	bool keep_unlisted_targets;
	FILE *log;       /* one line per change (NULL: quiet) */
};
/* Makes the running configuration equal to want (initial configuration
 * and apply-changes algorithms of SysfsRules).  On a failure the
 * configuration read before the first change is applied back. */
int conf_apply(struct tree *t, const struct cfg_node *want, const struct apply_opts *o,
	       char *err, size_t errlen);

#endif
