/* conf_values.c - the values of an scst.conf's attributes, each checked
 * by the rule the daemon's store for it uses (core/attr_rules.h): the
 * statement's place says the scope (top level, a handler's DEVICE, a
 * driver, its TARGET, a LUN, a GROUP, a DEVICE_GROUP, its TARGET_GROUP and
 * their TARGETs) and the owner (handler or driver name).  Every bad value
 * is reported, not only the first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "core/attr_rules.h"

struct walk {
	conf_value_report report;
	void *ctx;
	size_t bad;
};

static void check_attrs(struct walk *w, const struct cfg_node *n, enum attr_scope scope,
			const char *owner)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		char why[256], *v;

		if (!conf_is_attr(c) || !c->nargs)
			continue;
		v = conf_value(c);
		if (!v) {
			w->report(w->ctx, c, "out of memory");
			w->bad++;
			continue;
		}
		if (attr_rule_check(scope, owner, c->key, v, why, sizeof(why)) < 0) {
			w->report(w->ctx, c, why);
			w->bad++;
		}
		free(v);
	}
}

/* Attributes of the blocks keyed key among n's children. */
static void check_blocks(struct walk *w, const struct cfg_node *n, const char *key,
			 enum attr_scope scope, const char *owner,
			 void (*inner)(struct walk *, const struct cfg_node *, const char *))
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];

		if (strcmp(c->key, key) || !c->nargs)
			continue;
		check_attrs(w, c, scope, owner);
		if (inner)
			inner(w, c, owner);
	}
}

static void luns_of(struct walk *w, const struct cfg_node *n, const char *driver)
{
	check_blocks(w, n, "LUN", ATTR_LUN, driver, NULL);
}

static void target_inner(struct walk *w, const struct cfg_node *t, const char *driver)
{
	luns_of(w, t, driver);
	check_blocks(w, t, "GROUP", ATTR_INI_GROUP, driver, luns_of);
}

static void tg_members(struct walk *w, const struct cfg_node *tg, const char *owner)
{
	check_blocks(w, tg, "TARGET", ATTR_TG_TARGET, owner, NULL);
}

/* The one value of key in n when it passes its rule, else NULL. */
static const struct cfg_node *sole_valid(const struct cfg_node *n, const char *key,
					 const char *owner)
{
	const struct cfg_node *found = NULL;
	char why[256];

	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];

		if (!conf_is_attr(c) || strcmp(c->key, key))
			continue;
		if (found || c->nargs != 1 ||
		    attr_rule_check(ATTR_DEVICE, owner, key, c->args[0], why, sizeof(why)) < 0)
			return NULL;
		found = c;
	}
	return found;
}

/* size and size_mb of one device say the same size (add_device's check);
 * the later of the two is the one reported. */
static void device_sizes(struct walk *w, const struct cfg_node *d, const char *handler)
{
	const struct cfg_node *size = sole_valid(d, "size", handler);
	const struct cfg_node *mb = sole_valid(d, "size_mb", handler);
	const struct cfg_node *later, *other;
	char why[256], msg[400];

	if (!size || !mb || attr_size_pair_check(size->args[0], mb->args[0], why, sizeof(why)) == 0)
		return;
	later = size->line > mb->line ? size : mb;
	other = later == size ? mb : size;
	snprintf(msg, sizeof(msg), "%s: '%s' does not agree with %s '%s' on line %d (%s)",
		 later->key, later->args[0], other->key, other->args[0], other->line, why);
	w->report(w->ctx, later, msg);
	w->bad++;
}

static void handler_devices(struct walk *w, const struct cfg_node *h)
{
	check_blocks(w, h, "DEVICE", ATTR_DEVICE, h->args[0], device_sizes);
}

static void driver_targets(struct walk *w, const struct cfg_node *d)
{
	check_attrs(w, d, ATTR_DRIVER, d->args[0]);
	check_blocks(w, d, "TARGET", ATTR_TARGET, d->args[0], target_inner);
}

static void dgroup(struct walk *w, const struct cfg_node *dg)
{
	check_attrs(w, dg, ATTR_DEVICE_GROUP, NULL);
	check_blocks(w, dg, "TARGET_GROUP", ATTR_TARGET_GROUP, NULL, tg_members);
}

size_t conf_check_values(const struct cfg_node *root, conf_value_report report, void *ctx)
{
	struct walk w = { .report = report, .ctx = ctx };

	check_attrs(&w, root, ATTR_SCST, NULL);
	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *c = root->children[i];

		if (!c->nargs)
			continue;
		if (!strcmp(c->key, "HANDLER"))
			handler_devices(&w, c);
		else if (!strcmp(c->key, "TARGET_DRIVER"))
			driver_targets(&w, c);
		else if (!strcmp(c->key, "DEVICE_GROUP"))
			dgroup(&w, c);
	}
	return w.bad;
}

struct into_err {
	char *err;
	size_t errlen, used;
};

/* One "line L: key: reason" line per bad value, as many as fit. */
static void append_line(void *ctx, const struct cfg_node *n, const char *why)
{
	struct into_err *e = ctx;
	int k;

	if (e->used >= e->errlen)
		return;
	k = snprintf(e->err + e->used, e->errlen - e->used, "%sline %d: %s",
		     e->used ? "\n" : "", n->line, why);
	if (k > 0)
		e->used += (size_t)k;
}

int conf_check_values_err(const struct cfg_node *root, char *err, size_t errlen)
{
	struct into_err e = { .err = err, .errlen = errlen };

	if (errlen)
		err[0] = '\0';
	return conf_check_values(root, append_line, &e) ? -EINVAL : 0;
}
