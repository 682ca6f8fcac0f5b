/* conf_check.c - the structure of an scst.conf (README.scst_local):
 * top level HANDLER / TARGET_DRIVER blocks and global attributes; DEVICE
 * in HANDLER; TARGET in TARGET_DRIVER; LUN and GROUP in TARGET; LUN and
 * INITIATOR in GROUP; DEVICE_GROUP at the top with DEVICE and
 * TARGET_GROUP, TARGET in TARGET_GROUP; attributes anywhere else.  Every name must be a
 * usable tree entry name, LUNs 0..16383 and unique, every LUN's device
 * defined.  Errors name the statement's line and column. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define MAX_LUN 16383

static int bad(char *err, size_t errlen, const struct cfg_node *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(char *err, size_t errlen, const struct cfg_node *n, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "line %d, column %d: %s", n->line, n->col, what);
	return -EINVAL;
}

/* A name becomes a path component in the tree. */
static bool usable_name(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool attr_key(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool lun_number(const char *s)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1]) || strlen(s) > 5)
		return false;
	v = strtoul(s, &end, 10);
	return !*end && v <= MAX_LUN;
}

static int check_named(const struct cfg_node *n, size_t want_args, char *err, size_t errlen)
{
	if (n->nargs != want_args)
		return bad(err, errlen, n, "%s needs %s", n->key,
			   want_args == 1 ? "one name" : "a number and a device name");
	if (!usable_name(n->args[want_args - 1]))
		return bad(err, errlen, n, "%s: invalid name '%s'", n->key, n->args[want_args - 1]);
	return 0;
}

static int check_attr(const struct cfg_node *n, char *err, size_t errlen)
{
	if (n->has_block)
		return bad(err, errlen, n, "unexpected block after '%s'", n->key);
	if (!attr_key(n->key))
		return bad(err, errlen, n, "invalid attribute name '%s'", n->key);
	if (!n->nargs)
		return bad(err, errlen, n, "attribute '%s' needs a value", n->key);
	return 0;
}

/* Duplicate blocks of the same keyword and name among n's children. */
static int check_unique(const struct cfg_node *n, const char *key, char *err, size_t errlen)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *a = n->children[i];

		if (strcmp(a->key, key) || !a->nargs)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct cfg_node *b = n->children[j];

			if (!strcmp(b->key, key) && b->nargs && !strcmp(a->args[0], b->args[0]))
				return bad(err, errlen, a, "%s %s already defined on line %d", key,
					   a->args[0], b->line);
		}
	}
	return 0;
}

/* SCST's scstadmin writes a bare HW_TARGET line in a hardware target
 * (one made by its driver, not by add_target). */
static bool is_hw_target_flag(const struct cfg_node *parent, const struct cfg_node *c)
{
	return parent->key && !strcmp(parent->key, "TARGET") && !strcmp(c->key, "HW_TARGET") &&
	       !c->nargs && !c->has_block;
}

static int check_children(const struct cfg_node *n, const char *const *allowed,
			  int (*sub)(const struct cfg_node *, const struct cfg_node *, char *,
				     size_t),
			  const struct cfg_node *root, char *err, size_t errlen)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		const char *const *w;
		int rc;

		for (w = allowed; *w && strcmp(*w, c->key); w++)
			;
		if (*w)
			rc = sub(c, root, err, errlen);
		else if (is_hw_target_flag(n, c))
			rc = 0;
		else if (!conf_is_attr(c) && c->has_block)
			rc = bad(err, errlen, c, "'%s' is not allowed inside %s", c->key,
				 n->key ? n->key : "the top level");
		else if (!strcmp(c->key, "HANDLER") || !strcmp(c->key, "DEVICE") ||
			 !strcmp(c->key, "TARGET_DRIVER") || !strcmp(c->key, "TARGET") ||
			 !strcmp(c->key, "LUN") || !strcmp(c->key, "GROUP") ||
			 !strcmp(c->key, "INITIATOR"))
			rc = bad(err, errlen, c, "'%s' is not allowed inside %s", c->key,
				 n->key ? n->key : "the top level");
		else
			rc = check_attr(c, err, errlen);
		if (rc < 0)
			return rc;
	}
	for (const char *const *w = allowed; *w; w++) {
		int rc = strcmp(*w, "INITIATOR") && strcmp(*w, "LUN") ?
				 check_unique(n, *w, err, errlen) : 0;

		if (rc < 0)
			return rc;
	}
	return 0;
}

static const struct cfg_node *find_device(const struct cfg_node *root, const char *name)
{
	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *h = root->children[i];

		if (!strcmp(h->key, "HANDLER")) {
			const struct cfg_node *d = conf_find(h, "DEVICE", name);

			if (d)
				return d;
		}
	}
	return NULL;
}

static int check_lun(const struct cfg_node *n, const struct cfg_node *root, char *err,
		     size_t errlen)
{
	static const char *const none[] = { NULL };
	int rc = check_named(n, 2, err, errlen);

	if (rc < 0)
		return rc;
	if (!lun_number(n->args[0]))
		return bad(err, errlen, n, "LUN number '%s' is not in 0..%d", n->args[0], MAX_LUN);
	if (!find_device(root, n->args[1]))
		return bad(err, errlen, n, "LUN %s: device '%s' is not defined", n->args[0],
			   n->args[1]);
	return check_children(n, none, NULL, root, err, errlen);
}

static int check_initiator(const struct cfg_node *n, const struct cfg_node *root, char *err,
			   size_t errlen)
{
	(void)root;
	if (n->has_block)
		return bad(err, errlen, n, "INITIATOR takes no block");
	return check_named(n, 1, err, errlen);
}

/* LUN numbers and initiator names once per LUN set / group. */
static int check_lun_set(const struct cfg_node *n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *a = n->children[i];

		if (strcmp(a->key, "LUN") && strcmp(a->key, "INITIATOR"))
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct cfg_node *b = n->children[j];

			if (!strcmp(a->key, b->key) && !strcmp(a->args[0], b->args[0]))
				return bad(err, errlen, a, "%s %s already defined on line %d",
					   a->key, a->args[0], b->line);
		}
	}
	return 0;
}

static int sub_dispatch(const struct cfg_node *c, const struct cfg_node *root, char *err,
			size_t errlen);

static int check_group(const struct cfg_node *n, const struct cfg_node *root, char *err,
		       size_t errlen)
{
	static const char *const allowed[] = { "LUN", "INITIATOR", NULL };
	int rc = check_named(n, 1, err, errlen);

	if (rc == 0)
		rc = check_children(n, allowed, sub_dispatch, root, err, errlen);
	return rc;
}

static int check_target(const struct cfg_node *n, const struct cfg_node *root, char *err,
			size_t errlen)
{
	static const char *const allowed[] = { "LUN", "GROUP", NULL };
	int rc = check_named(n, 1, err, errlen);

	if (rc == 0)
		rc = check_children(n, allowed, sub_dispatch, root, err, errlen);
	return rc;
}

static int check_device(const struct cfg_node *n, const struct cfg_node *root, char *err,
			size_t errlen)
{
	static const char *const none[] = { NULL };
	int rc = check_named(n, 1, err, errlen);

	if (rc == 0)
		rc = check_children(n, none, NULL, root, err, errlen);
	return rc;
}

static int check_driver(const struct cfg_node *n, const struct cfg_node *root, char *err,
			size_t errlen)
{
	static const char *const allowed[] = { "TARGET", NULL };
	int rc = check_named(n, 1, err, errlen);

	if (rc == 0)
		rc = check_children(n, allowed, sub_dispatch, root, err, errlen);
	return rc;
}

static int check_handler(const struct cfg_node *n, const struct cfg_node *root, char *err,
			 size_t errlen)
{
	static const char *const allowed[] = { "DEVICE", NULL };
	int rc = check_named(n, 1, err, errlen);

	if (rc == 0)
		rc = check_children(n, allowed, sub_dispatch, root, err, errlen);
	return rc;
}

static int check_device_group(const struct cfg_node *n, const struct cfg_node *root, char *err,
			      size_t errlen);

static int sub_dispatch(const struct cfg_node *c, const struct cfg_node *root, char *err,
			size_t errlen)
{
	int rc;

	if (!strcmp(c->key, "DEVICE_GROUP"))
		return check_device_group(c, root, err, errlen);
	if (!strcmp(c->key, "HANDLER"))
		return check_handler(c, root, err, errlen);
	if (!strcmp(c->key, "DEVICE"))
		return check_device(c, root, err, errlen);
	if (!strcmp(c->key, "TARGET_DRIVER"))
		return check_driver(c, root, err, errlen);
	if (!strcmp(c->key, "TARGET")) {
		rc = check_target(c, root, err, errlen);
		return rc ? rc : check_lun_set(c, err, errlen);
	}
	if (!strcmp(c->key, "GROUP")) {
		rc = check_group(c, root, err, errlen);
		return rc ? rc : check_lun_set(c, err, errlen);
	}
	if (!strcmp(c->key, "LUN"))
		return check_lun(c, root, err, errlen);
	return check_initiator(c, root, err, errlen);
}

/* ---- DEVICE_GROUP (README.scst-3.x "ALUA Support") ---- */

/* TARGET in a TARGET_GROUP: a port name, optionally { rel_tgt_id N }. */
static int check_tg_member(const struct cfg_node *n, const struct cfg_node *root, char *err,
			   size_t errlen)
{
	static const char *const none[] = { NULL };
	int rc = check_named(n, 1, err, errlen);

	return rc ? rc : check_children(n, none, NULL, root, err, errlen);
}

static int check_target_group(const struct cfg_node *n, const struct cfg_node *root, char *err,
			      size_t errlen)
{
	static const char *const allowed[] = { "TARGET", NULL };
	int rc = check_named(n, 1, err, errlen);

	return rc ? rc : check_children(n, allowed, check_tg_member, root, err, errlen);
}

/* DEVICE in a DEVICE_GROUP names a device some HANDLER defines. */
static int check_dg_entry(const struct cfg_node *n, const struct cfg_node *root, char *err,
			  size_t errlen)
{
	int rc;

	if (!strcmp(n->key, "TARGET_GROUP"))
		return check_target_group(n, root, err, errlen);
	if (n->has_block)
		return bad(err, errlen, n, "DEVICE in a DEVICE_GROUP takes no block");
	rc = check_named(n, 1, err, errlen);
	if (rc == 0 && !find_device(root, n->args[0]))
		rc = bad(err, errlen, n, "DEVICE_GROUP: device '%s' is not defined", n->args[0]);
	return rc;
}

/* The first TARGET named name among the target groups of dg before tg
 * (all of them when tg is NULL). */
static const struct cfg_node *port_before(const struct cfg_node *dg, const struct cfg_node *tg,
					  const char *name)
{
	for (size_t i = 0; i < dg->nchildren && dg->children[i] != tg; i++) {
		const struct cfg_node *t = dg->children[i];

		if (!strcmp(t->key, "TARGET_GROUP") && conf_find(t, "TARGET", name))
			return conf_find(t, "TARGET", name);
	}
	return NULL;
}

/* SPC-4's target port groups do not overlap: a port is in one target
 * group of a device group. */
static int check_ports_once(const struct cfg_node *dg, char *err, size_t errlen)
{
	for (size_t i = 0; i < dg->nchildren; i++) {
		const struct cfg_node *tg = dg->children[i];

		if (strcmp(tg->key, "TARGET_GROUP"))
			continue;
		for (size_t j = 0; j < tg->nchildren; j++) {
			const struct cfg_node *m = tg->children[j], *first;

			if (strcmp(m->key, "TARGET") || !m->nargs)
				continue;
			first = port_before(dg, tg, m->args[0]);
			if (first)
				return bad(err, errlen, m, "target %s is already in a target group "
					   "of DEVICE_GROUP %s (line %d)", m->args[0], dg->args[0],
					   first->line);
		}
	}
	return 0;
}

/* A device is in one device group. */
static int check_devices_once(const struct cfg_node *root, const struct cfg_node *dg, char *err,
			      size_t errlen)
{
	for (size_t i = 0; i < root->nchildren && root->children[i] != dg; i++) {
		const struct cfg_node *other = root->children[i];

		if (strcmp(other->key, "DEVICE_GROUP"))
			continue;
		for (size_t j = 0; j < dg->nchildren; j++) {
			const struct cfg_node *d = dg->children[j];

			if (!strcmp(d->key, "DEVICE") && d->nargs && conf_find(other, "DEVICE", d->args[0]))
				return bad(err, errlen, d, "device %s is already in DEVICE_GROUP %s",
					   d->args[0], other->args[0]);
		}
	}
	return 0;
}

static int check_device_group(const struct cfg_node *n, const struct cfg_node *root, char *err,
			      size_t errlen)
{
	static const char *const allowed[] = { "DEVICE", "TARGET_GROUP", NULL };
	int rc = check_named(n, 1, err, errlen);

	if (rc == 0)
		rc = check_children(n, allowed, check_dg_entry, root, err, errlen);
	if (rc == 0)
		rc = check_ports_once(n, err, errlen);
	if (rc == 0)
		rc = check_devices_once(root, n, err, errlen);
	return rc;
}

int conf_check_structure(const struct cfg_node *root, char *err, size_t errlen)
{
	static const char *const allowed[] = { "HANDLER", "TARGET_DRIVER", "DEVICE_GROUP", NULL };
	int rc = check_children(root, allowed, sub_dispatch, root, err, errlen);

	if (rc < 0)
		return rc;
	/* A device name is global: one DEVICE block for it in all handlers. */
	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *h = root->children[i];

		if (strcmp(h->key, "HANDLER"))
			continue;
		for (size_t j = 0; j < h->nchildren; j++) {
			const struct cfg_node *d = h->children[j];

			if (!strcmp(d->key, "DEVICE") && find_device(root, d->args[0]) != d)
				return bad(err, errlen, d, "device %s is defined twice", d->args[0]);
		}
	}
	return 0;
}

int conf_check(const struct cfg_node *root, char *err, size_t errlen)
{
	int rc = conf_check_structure(root, err, errlen);

	return rc < 0 ? rc : conf_check_values_err(root, err, errlen);
}
