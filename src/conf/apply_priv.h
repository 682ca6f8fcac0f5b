/* apply_priv.h - what conf_apply.c (the algorithm) and conf_attrs.c (the
 * attribute comparison it uses) share: the state of one apply and the
 * one place every change goes through. */
#ifndef SCSTD_CONF_APPLY_PRIV_H
#define SCSTD_CONF_APPLY_PRIV_H

#include "conf/conf.h"

#define PATH_LEN 4096
#define CMD_LEN 8192

struct applier {
	struct tree *t;
	const struct apply_opts *o;
	const struct cfg_node *want, *cur;
	char *err;
	size_t errlen;
	unsigned changes;    /* made so far */
	/* While set: attributes this mgmt file lists as creation parameters
	 * were given to add_target already. */
	const char *created_with;
	/* The wanted statement the next change makes (set just before it,
	 * taken by apply_change): a refusal names its line. */
	const struct cfg_node *at;
};

/* Logs and (unless dry run) writes one change; -errno with the reason. */
int apply_change(struct applier *a, const char *path, const char *value);
int apply_changef(struct applier *a, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int apply_fail(struct applier *a, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- conf_attrs.c ---- */
/* Values of attribute key among n's children, '\n'-joined ("" if none). */
char *attr_values(const struct cfg_node *n, const char *key);
size_t attr_count(const struct cfg_node *n, const char *key);
bool attr_same(const struct cfg_node *x, const struct cfg_node *y, const char *key);
bool attr_has_value(const struct cfg_node *n, const char *key, const char *value);
bool attr_writable(struct applier *a, const char *path);
/* Left out of a configuration, such an attribute keeps its values. */
bool attr_kept_when_unlisted(const struct cfg_node *cur, const char *key);
/* Whether the mgmt file's help lists key among its creation parameters. */
bool mgmt_lists_param(struct applier *a, const char *mgmt_path, const char *key);
int attrs_diff(struct applier *a, const char *dir, const struct cfg_node *cur,
	       const struct cfg_node *want, const char *mgmt, const char *add_prefix,
	       bool apply, bool *recreate);

/* ---- conf_dgroups.c ---- */
/* Makes device_groups/ what the wanted DEVICE_GROUP blocks say. */
int conf_apply_dgroups(struct applier *a);

/* ---- conf_normalize.c ---- */
/* want without what SCST's configurations say that changes nothing here
 * (rel_tgt_id 0, non-key attributes at their running value, SCST
 * attributes scstd lacks at SCST's default); another value of such an
 * attribute is refused with its line. */
int conf_normalize(struct applier *a, const struct cfg_node *want, struct cfg_node **out);

#endif
