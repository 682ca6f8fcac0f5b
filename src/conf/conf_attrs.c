/* conf_attrs.c - comparing an object's [key] attributes in the running
 * and the wanted configuration, and turning the difference into attribute
 * writes and add_*attribute commands (SysfsRules "How to distinguish and
 * process different types of attributes"), or into the verdict that only
 * recreating the object can do it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/apply_priv.h"

/* Values of attribute key among n's attribute children, joined by '\n'
 * in order ("" when none): two attributes compare as strings. */
char *attr_values(const struct cfg_node *n, const char *key)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; n && i < n->nchildren; i++)
		if (conf_is_attr(n->children[i]) && !strcmp(n->children[i]->key, key)) {
			char *v = conf_value(n->children[i]);

			len += (v ? strlen(v) : 0) + 1;
			free(v);
		}
	s = calloc(1, len);
	for (size_t i = 0; s && n && i < n->nchildren; i++)
		if (conf_is_attr(n->children[i]) && !strcmp(n->children[i]->key, key)) {
			char *v = conf_value(n->children[i]);

			if (*s)
				strcat(s, "\n");
			strcat(s, v ? v : "");
			free(v);
		}
	return s;
}

size_t attr_count(const struct cfg_node *n, const char *key)
{
	size_t c = 0;

	for (size_t i = 0; n && i < n->nchildren; i++)
		c += conf_is_attr(n->children[i]) && !strcmp(n->children[i]->key, key);
	return c;
}

bool attr_same(const struct cfg_node *x, const struct cfg_node *y, const char *key)
{
	char *a = attr_values(x, key), *b = attr_values(y, key);
	bool same = a && b && !strcmp(a, b);

	free(a);
	free(b);
	return same;
}

/* True when value is one of the values of key in n. */
bool attr_has_value(const struct cfg_node *n, const char *key, const char *value)
{
	for (size_t i = 0; n && i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		char *v;
		bool eq;

		if (!conf_is_attr(c) || strcmp(c->key, key))
			continue;
		v = conf_value(c);
		eq = v && !strcmp(v, value);
		free(v);
		if (eq)
			return true;
	}
	return false;
}

/* Whether the help of the mgmt file at path lists key among its creation
 * parameters ("The following parameters available: a, b, c"). */
bool mgmt_lists_param(struct applier *a, const char *mgmt_path, const char *key)
{
	char msg[256], *help, *p;
	bool found = false;

	if (tree_read(a->t, mgmt_path, &help, msg, sizeof(msg)) < 0)
		return false;
	/* SCST's line, then scstd's own for a handler SCST has too. */
	for (p = help; !found && (p = strstr(p, "parameters available")); ) {
		char *line = p + strlen("parameters available"), *tok, *save = NULL, *end;

		if (!strncmp(line, " (scstd)", 8))
			line += 8;
		if (*line != ':') {
			p = line;
			continue;
		}
		line++;
		end = line + strcspn(line, "\n");
		p = *end ? end + 1 : end;
		*end = '\0';
		for (tok = strtok_r(line, " ,.", &save); tok && !found;
		     tok = strtok_r(NULL, " ,.", &save))
			found = !strcmp(tok, key);
	}
	free(help);
	return found;
}

/* Attributes a configuration that leaves them out says nothing about:
 * scst_local's session_name (README.scst_local: SCST's write_config does
 * not save sessions, so its configurations never list them, and the
 * default target's session must survive them); the size of a device with
 * a backing file, which SCST shows as [key] whatever it is
 * (vdev_size_show) and which is the file's when not given. */
bool attr_kept_when_unlisted(const struct cfg_node *cur, const char *key)
{
	return !strcmp(key, "session_name") ||
	       (!strcmp(key, "size") && cur && attr_count(cur, "filename"));
}

bool attr_writable(struct applier *a, const char *path)
{
	enum tkind k;
	bool w;

	return tree_stat(a->t, path, &k, &w) == 0 && k == TK_ATTR && w;
}

/* An attribute the driver adds and takes back one value at a time
 * (IncomingUser, allowed_portal ...): its mgmt help lists it under "The
 * following target attributes available:" (dir a target's) or "The
 * following target driver attributes available:" (dir a driver's). */
static bool dynamic_attr(struct applier *a, const char *dir, const char *key, char *drv,
			 size_t drvlen, char *tgt, size_t tgtlen)
{
	char mgmt[PATH_LEN], msg[256], *help, *p;
	const char *rest;
	size_t n;
	bool found = false;

	if (strncmp(dir, "targets/", 8))
		return false;
	rest = dir + 8;
	n = strcspn(rest, "/");
	tpath(drv, drvlen, "%.*s", (int)n, rest);
	rest += n;
	tpath(tgt, tgtlen, "%s", *rest == '/' ? rest + 1 : "");
	if (strchr(tgt, '/'))
		return false;                   /* a group or LUN: no such attributes */
	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", drv);
	if (tree_read(a->t, mgmt, &help, msg, sizeof(msg)) < 0)
		return false;
	p = strstr(help, *tgt ? "The following target attributes available:"
			      : "The following target driver attributes available:");
	if (p) {
		char *line = strchr(p, ':') + 1, *tok, *save = NULL;

		line[strcspn(line, "\n")] = '\0';
		for (tok = strtok_r(line, " ,.", &save); tok && !found;
		     tok = strtok_r(NULL, " ,.", &save))
			found = !strcmp(tok, key);
	}
	free(help);
	return found;
}

/* del_target_attribute / del_attribute of each value of key that cur has
 * and want has not: a CHAP user or allowed_portal the configuration no
 * longer lists goes, the target and its sessions stay. */
static int del_dynamic(struct applier *a, const char *drv, const char *tgt,
		       const struct cfg_node *cur, const struct cfg_node *want, const char *key)
{
	char mgmt[PATH_LEN];

	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", drv);
	for (size_t j = 0; cur && j < cur->nchildren; j++) {
		const struct cfg_node *cc = cur->children[j];
		char *v;
		int rc = 0;

		if (!conf_is_attr(cc) || strcmp(cc->key, key))
			continue;
		v = conf_value(cc);
		if (!v)
			return -ENOMEM;
		if (!attr_has_value(want, key, v))
			rc = *tgt ? apply_changef(a, mgmt, "del_target_attribute %s %s %s", tgt, key, v)
				  : apply_changef(a, mgmt, "del_attribute %s %s", key, v);
		free(v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Adds the values of key want has and cur has not (after del_dynamic
 * took away those cur has and want has not). */
static int sync_dynamic(struct applier *a, const char *drv, const char *tgt,
			const struct cfg_node *cur, const struct cfg_node *want, const char *key)
{
	char mgmt[PATH_LEN];
	int rc = del_dynamic(a, drv, tgt, cur, want, key);

	tpath(mgmt, sizeof(mgmt), "targets/%s/mgmt", drv);
	for (size_t j = 0; rc == 0 && want && j < want->nchildren; j++) {
		const struct cfg_node *cw = want->children[j];
		char *v;

		if (!conf_is_attr(cw) || strcmp(cw->key, key))
			continue;
		v = conf_value(cw);
		if (!v)
			return -ENOMEM;
		if (!attr_has_value(cur, key, v))
			rc = *tgt ? apply_changef(a, mgmt, "add_target_attribute %s %s %s", tgt, key, v)
				  : apply_changef(a, mgmt, "add_attribute %s %s", key, v);
		free(v);
	}
	return rc;
}

/* Whether n's child i is the first attribute line of its key. */
static bool first_of_key(const struct cfg_node *n, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (conf_is_attr(n->children[j]) && !strcmp(n->children[j]->key, n->children[i]->key))
			return false;
	return true;
}

/* How an object's attributes get from cur to want without recreating
 * it: a writable file is written, new instances are added with add_cmd.
 * Sets *recreate when only a delete and create can do it (a read-only
 * attribute changes, or a value is removed).  With apply false only the
 * verdict is computed. */
int attrs_diff(struct applier *a, const char *dir, const struct cfg_node *cur,
		      const struct cfg_node *want, const char *mgmt, const char *add_prefix,
		      bool apply, bool *recreate)
{
	const struct cfg_node *sides[2] = { want, cur };

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; sides[s] && i < sides[s]->nchildren; i++) {
			const struct cfg_node *c = sides[s]->children[i];
			char path[PATH_LEN], drv[256], tgt[256];
			int rc;

			if (!conf_is_attr(c) || !strcmp(c->key, "enabled") ||
			    attr_same(cur, want, c->key) ||
			    (a->created_with && mgmt_lists_param(a, a->created_with, c->key)))
				continue;
			if (dynamic_attr(a, dir, c->key, drv, sizeof(drv), tgt, sizeof(tgt))) {
				/* The whole key once: at its first line in want, or
				 * in cur when want has none. */
				if (apply && first_of_key(sides[s], i) &&
				    (s == 0 || !attr_count(want, c->key)) &&
				    (rc = sync_dynamic(a, drv, tgt, cur, want, c->key)) < 0)
					return rc;
				continue;
			}
			if (s == 1 && attr_count(want, c->key) == 0) {
				tpath(path, sizeof(path), "%s/%s", dir, c->key);
				/* A writable attribute left out keeps its value. */
				if (attr_writable(a, path) || attr_kept_when_unlisted(cur, c->key))
					continue;
				*recreate = true;
				continue;
			}
			if (s == 1)
				continue;
			tpath(path, sizeof(path), "%s/%s", dir, c->key);
			if (attr_count(want, c->key) == 1 && attr_count(cur, c->key) <= 1 &&
			    attr_writable(a, path)) {
				char *v = conf_value(c);

				a->at = apply ? c : NULL;
				rc = v ? (apply ? apply_change(a, path, v) : 0) : -ENOMEM;
				free(v);
				if (rc < 0)
					return rc;
				continue;
			}
			/* Instances: cur's must all stay, want's new ones are added. */
			for (size_t j = 0; cur && j < cur->nchildren; j++) {
				const struct cfg_node *cc = cur->children[j];
				char *v;

				if (!conf_is_attr(cc) || strcmp(cc->key, c->key))
					continue;
				v = conf_value(cc);
				if (v && !attr_has_value(want, c->key, v))
					*recreate = true;
				free(v);
			}
			if (apply && !*recreate) {
				char *v = conf_value(c);

				rc = 0;
				if (!v)
					rc = -ENOMEM;
				else if (!attr_has_value(cur, c->key, v) && add_prefix) {
					a->at = c;
					rc = apply_changef(a, mgmt, "%s %s %s", add_prefix, c->key, v);
				} else if (!attr_has_value(cur, c->key, v))
					rc = apply_fail(a, -EINVAL, "%s: cannot set attribute %s", dir,
						   c->key);
				free(v);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

