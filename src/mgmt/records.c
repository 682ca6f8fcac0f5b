/* records.c - the management layer's memory of creation parameters,
 * driver attributes and target attributes: a small list of (scope, key,
 * value) under its own lock, scope "dev:NAME", "drv:NAME" or
 * "tgt:DRIVER/NAME", kept in the order they were set.  Attributes that may
 * hold several values are stored as instances KEY, KEY1, KEY2 ...
 * (SysfsRules).  Only the management and config paths touch it, never an
 * I/O thread. */
#include "core/scst.h"
#include "records.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct record {
	struct record *next;
	char *scope, *key, *value;
};

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct record *records;

static void rec_free(struct record *r)
{
	free(r->scope);
	free(r->key);
	free(r->value);
	free(r);
}

/* Caller holds rec_lock. */
static struct record **rec_find(const char *scope, const char *key)
{
	struct record **pp;

	for (pp = &records; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->scope, scope) && !strcmp((*pp)->key, key))
			return pp;
	return NULL;
}

static int rec_set(const char *scope, const char *key, const char *value)
{
	struct record *r = calloc(1, sizeof(*r));
	struct record **pp;

	if (!r)
		return -ENOMEM;
	r->scope = strdup(scope);
	r->key = strdup(key);
	r->value = strdup(value);
	if (!r->scope || !r->key || !r->value) {
		rec_free(r);
		return -ENOMEM;
	}
	pthread_mutex_lock(&rec_lock);
	pp = rec_find(scope, key);
	if (pp) {
		/* Same place in the order: a saved config stays stable. */
		r->next = (*pp)->next;
		rec_free(*pp);
		*pp = r;
	} else {
		for (pp = &records; *pp; pp = &(*pp)->next)
			;
		*pp = r;
	}
	pthread_mutex_unlock(&rec_lock);
	return 0;
}

static bool rec_get(const char *scope, const char *key, char *buf, size_t len)
{
	struct record **pp;
	bool found = false;

	pthread_mutex_lock(&rec_lock);
	pp = rec_find(scope, key);
	if (pp) {
		snprintf(buf, len, "%s", (*pp)->value);
		found = true;
	}
	pthread_mutex_unlock(&rec_lock);
	return found;
}

static void rec_forget(const char *scope)
{
	struct record **pp = &records;

	pthread_mutex_lock(&rec_lock);
	while (*pp) {
		struct record *r = *pp;

		if (!strcmp(r->scope, scope)) {
			*pp = r->next;
			rec_free(r);
		} else {
			pp = &r->next;
		}
	}
	pthread_mutex_unlock(&rec_lock);
}

static void scope_of(char *buf, size_t len, const char *kind, const char *name)
{
	snprintf(buf, len, "%s:%s", kind, name);
}

int mgmt_add_device(const char *handler, const char *name, const struct scst_kv *params,
		    size_t nparams, char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8];
	int rc = scst_add_device(handler, name, params, nparams, err, errlen);

	if (rc < 0)
		return rc;
	scope_of(scope, sizeof(scope), "dev", name);
	rec_forget(scope);
	for (size_t i = 0; i < nparams; i++) {
		/* Losing a record only loses a [key] mark; the device works. */
		if (rec_set(scope, params[i].key, params[i].value) < 0)
			break;
	}
	return 0;
}

int mgmt_del_device(const char *name, char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8];
	int rc;

	/* name may point into the device, which is gone afterwards. */
	scope_of(scope, sizeof(scope), "dev", name);
	rc = scst_del_device(name, err, errlen);
	if (rc == 0)
		rec_forget(scope);
	return rc;
}

bool mgmt_device_param(const char *dev_name, const char *key, char *buf, size_t len)
{
	char scope[SCST_NAME_MAX + 8];

	scope_of(scope, sizeof(scope), "dev", dev_name);
	return rec_get(scope, key, buf, len);
}

int mgmt_set_device_attr(struct scst_device *dev, const char *key, const char *value,
			 char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8];
	int rc;

	if (!dev->handler->set_attr) {
		snprintf(err, errlen, "device %s: attribute '%s' is read-only", dev->name, key);
		return -EACCES;
	}
	rc = dev->handler->set_attr(dev, key, value, err, errlen);
	if (rc < 0)
		return rc;
	scope_of(scope, sizeof(scope), "dev", dev->name);
	rec_set(scope, key, value);
	return 0;
}

int mgmt_set_driver_attr(struct scst_tgt_template *tt, const char *key, const char *value,
			 char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8];
	int rc;

	if (!tt->set_driver_attr) {
		snprintf(err, errlen, "driver %s has no attribute '%s'", tt->name, key);
		return -EINVAL;
	}
	rc = tt->set_driver_attr(key, value, err, errlen);
	if (rc < 0)
		return rc;
	scope_of(scope, sizeof(scope), "drv", tt->name);
	rec_set(scope, key, value);
	return 0;
}

bool mgmt_driver_attr(const char *driver, const char *key, char *buf, size_t len)
{
	char scope[SCST_NAME_MAX + 8];

	scope_of(scope, sizeof(scope), "drv", driver);
	return rec_get(scope, key, buf, len);
}

/* ---- multi-instance attributes ---- */

#define MAX_INSTANCES 1000u

/* The instance name KEY, KEY1, KEY2 ... numbered n (0 = KEY). */
static void instance_name(char *buf, size_t len, const char *key, unsigned n)
{
	if (n == 0)
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s%u", key, n);
}

/* rkey is instance KEY, KEY1, KEY2 ... of key. */
static bool is_instance_of(const char *rkey, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(rkey, key, n))
		return false;
	rkey += n;
	if (!*rkey)
		return true;
	if (*rkey == '0')
		return false;
	return strspn(rkey, "0123456789") == strlen(rkey);
}

/* -EEXIST when an instance of key in scope already holds value.  Every
 * instance is looked at: removing one leaves a gap in the numbers. */
static int rec_check_new(const char *scope, const char *key, const char *value, char *err,
			 size_t errlen)
{
	unsigned count = 0;
	int rc = 0;

	pthread_mutex_lock(&rec_lock);
	for (struct record *r = records; r; r = r->next) {
		if (strcmp(r->scope, scope) || !is_instance_of(r->key, key))
			continue;
		count++;
		if (!strcmp(r->value, value)) {
			snprintf(err, errlen, "attribute %s already has that value", key);
			rc = -EEXIST;
			break;
		}
	}
	pthread_mutex_unlock(&rec_lock);
	if (rc == 0 && count >= MAX_INSTANCES) {
		snprintf(err, errlen, "too many %s attributes", key);
		rc = -ENOSPC;
	}
	return rc;
}

/* Drops the instance of key in scope that holds value, if any. */
static void rec_forget_instance(const char *scope, const char *key, const char *value)
{
	pthread_mutex_lock(&rec_lock);
	for (struct record **pp = &records; *pp; pp = &(*pp)->next) {
		struct record *r = *pp;

		if (!strcmp(r->scope, scope) && is_instance_of(r->key, key) &&
		    !strcmp(r->value, value)) {
			*pp = r->next;
			rec_free(r);
			break;
		}
	}
	pthread_mutex_unlock(&rec_lock);
}

/* The instance of key in scope that del_attribute's value names: the one
 * holding exactly value, else the one whose first word (a CHAP user's
 * name) is value's first word.  false when none. */
static bool rec_find_instance(const char *scope, const char *key, const char *value,
			      char *inst, size_t ilen, char *held, size_t hlen)
{
	size_t w = strcspn(value, " \t");
	bool found = false;

	pthread_mutex_lock(&rec_lock);
	for (int pass = 0; pass < 2 && !found; pass++)
		for (struct record *r = records; r && !found; r = r->next) {
			if (strcmp(r->scope, scope) || !is_instance_of(r->key, key))
				continue;
			if (pass == 0 ? !strcmp(r->value, value)
				      : (strcspn(r->value, " \t") == w && !strncmp(r->value, value, w))) {
				snprintf(inst, ilen, "%s", r->key);
				snprintf(held, hlen, "%s", r->value);
				found = true;
			}
		}
	pthread_mutex_unlock(&rec_lock);
	return found;
}

static void rec_drop(const char *scope, const char *key)
{
	struct record **pp;

	pthread_mutex_lock(&rec_lock);
	pp = rec_find(scope, key);
	if (*pp) {
		struct record *r = *pp;

		*pp = r->next;
		rec_free(r);
	}
	pthread_mutex_unlock(&rec_lock);
}

/* Records value as the first free instance of key. */
static int rec_add_instance(const char *scope, const char *key, const char *value)
{
	char inst[SCST_NAME_MAX + 16], have[8];

	for (unsigned n = 0; n < MAX_INSTANCES; n++) {
		instance_name(inst, sizeof(inst), key, n);
		if (!rec_get(scope, inst, have, sizeof(have)))
			return rec_set(scope, inst, value);
	}
	return -ENOSPC;
}

static void rec_each(const char *scope, mgmt_record_fn fn, void *ctx)
{
	struct record *r;

	pthread_mutex_lock(&rec_lock);
	for (r = records; r; r = r->next)
		if (!strcmp(r->scope, scope))
			fn(ctx, r->key, r->value);
	pthread_mutex_unlock(&rec_lock);
}

static void target_scope(char *buf, size_t len, const struct scst_tgt *tgt)
{
	snprintf(buf, len, "tgt:%s/%s", tgt->tgtt->name, tgt->name);
}

int mgmt_add_target_attr(struct scst_tgt *tgt, const char *key, const char *value, char *err,
			 size_t errlen)
{
	char scope[2 * SCST_NAME_MAX + 8];
	int rc;

	if (!tgt->tgtt->set_target_attr) {
		snprintf(err, errlen, "driver %s has no target attributes", tgt->tgtt->name);
		return -EINVAL;
	}
	target_scope(scope, sizeof(scope), tgt);
	/* Checked before the driver sees it: a duplicate changes nothing. */
	rc = rec_check_new(scope, key, value, err, errlen);
	if (rc < 0)
		return rc;
	rc = tgt->tgtt->set_target_attr(tgt, key, value, err, errlen);
	if (rc < 0)
		return rc;
	return rec_add_instance(scope, key, value);
}

int mgmt_record_target_attr(const struct scst_tgt *tgt, const char *key, const char *value)
{
	char scope[2 * SCST_NAME_MAX + 8];

	target_scope(scope, sizeof(scope), tgt);
	return rec_add_instance(scope, key, value);
}

bool mgmt_target_attr(const struct scst_tgt *tgt, const char *inst, char *buf, size_t len)
{
	char scope[2 * SCST_NAME_MAX + 8];

	target_scope(scope, sizeof(scope), tgt);
	return rec_get(scope, inst, buf, len);
}

void mgmt_target_attrs(const struct scst_tgt *tgt, mgmt_record_fn fn, void *ctx)
{
	char scope[2 * SCST_NAME_MAX + 8];

	target_scope(scope, sizeof(scope), tgt);
	rec_each(scope, fn, ctx);
}

void mgmt_forget_target_attr(const struct scst_tgt *tgt, const char *key, const char *value)
{
	char scope[2 * SCST_NAME_MAX + 8];

	target_scope(scope, sizeof(scope), tgt);
	rec_forget_instance(scope, key, value);
}

void mgmt_forget_target(const char *driver, const char *name)
{
	char scope[2 * SCST_NAME_MAX + 8];

	snprintf(scope, sizeof(scope), "tgt:%s/%s", driver, name);
	rec_forget(scope);
}

int mgmt_add_driver_attr(struct scst_tgt_template *tt, const char *key, const char *value,
			 char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8];
	int rc;

	if (!tt->set_driver_attr) {
		snprintf(err, errlen, "driver %s has no attribute '%s'", tt->name, key);
		return -EINVAL;
	}
	scope_of(scope, sizeof(scope), "drv", tt->name);
	rc = rec_check_new(scope, key, value, err, errlen);
	if (rc < 0)
		return rc;
	rc = tt->set_driver_attr(key, value, err, errlen);
	if (rc < 0)
		return rc;
	return rec_add_instance(scope, key, value);
}

void mgmt_driver_attrs(const char *driver, mgmt_record_fn fn, void *ctx)
{
	char scope[SCST_NAME_MAX + 8];

	scope_of(scope, sizeof(scope), "drv", driver);
	rec_each(scope, fn, ctx);
}

void mgmt_device_params(const char *dev_name, mgmt_record_fn fn, void *ctx)
{
	char scope[SCST_NAME_MAX + 8];

	scope_of(scope, sizeof(scope), "dev", dev_name);
	rec_each(scope, fn, ctx);
}

/* The base key of an instance name: "IncomingUser12" -> "IncomingUser". */
static void instance_key(const char *inst, char *key, size_t len)
{
	size_t n = strlen(inst);

	while (n > 1 && inst[n - 1] >= '0' && inst[n - 1] <= '9')
		n--;
	snprintf(key, len, "%.*s", (int)n, inst);
}

int mgmt_del_target_attr(struct scst_tgt *tgt, const char *key, const char *value, char *err,
			 size_t errlen)
{
	char scope[2 * SCST_NAME_MAX + 8], inst[SCST_NAME_MAX + 16], held[MGMT_MAX_RECORD];
	int rc;

	if (!tgt->tgtt->del_target_attr) {
		snprintf(err, errlen, "driver %s cannot remove target attributes", tgt->tgtt->name);
		return -EOPNOTSUPP;
	}
	target_scope(scope, sizeof(scope), tgt);
	if (!rec_find_instance(scope, key, value, inst, sizeof(inst), held, sizeof(held))) {
		snprintf(err, errlen, "target %s has no %s '%s'", tgt->name, key, value);
		return -ENOENT;
	}
	rc = tgt->tgtt->del_target_attr(tgt, key, held, err, errlen);
	if (rc == 0)
		rec_drop(scope, inst);
	return rc;
}

int mgmt_del_driver_attr(struct scst_tgt_template *tt, const char *key, const char *value,
			 char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8], inst[SCST_NAME_MAX + 16], held[MGMT_MAX_RECORD];
	int rc;

	if (!tt->del_driver_attr) {
		snprintf(err, errlen, "driver %s cannot remove attributes", tt->name);
		return -EOPNOTSUPP;
	}
	scope_of(scope, sizeof(scope), "drv", tt->name);
	if (!rec_find_instance(scope, key, value, inst, sizeof(inst), held, sizeof(held))) {
		snprintf(err, errlen, "driver %s has no %s '%s'", tt->name, key, value);
		return -ENOENT;
	}
	rc = tt->del_driver_attr(key, held, err, errlen);
	if (rc == 0)
		rec_drop(scope, inst);
	return rc;
}

/* Writing an instance file (IncomingUser1): the old value goes, the new
 * one takes its place under the same name; when the driver refuses the
 * new value the old one is put back, so a refused write changes nothing. */
static int replace_instance(const char *scope, const char *inst, const char *value,
			    int (*del)(void *o, const char *k, const char *v, char *e, size_t el),
			    int (*set)(void *o, const char *k, const char *v, char *e, size_t el),
			    void *obj, char *err, size_t errlen)
{
	char key[SCST_NAME_MAX + 16], old[MGMT_MAX_RECORD], e2[128];
	int rc;

	if (!rec_get(scope, inst, old, sizeof(old)))
		return -ENOENT;
	instance_key(inst, key, sizeof(key));
	rc = del(obj, key, old, err, errlen);
	if (rc < 0)
		return rc;
	rc = set(obj, key, value, err, errlen);
	if (rc < 0) {
		if (set(obj, key, old, e2, sizeof(e2)) < 0)
			log_warn("%s %s: old value could not be restored: %s", scope, inst, e2);
		return rc;
	}
	return rec_set(scope, inst, value);
}

static int tgt_del(void *o, const char *k, const char *v, char *e, size_t el)
{
	struct scst_tgt *tgt = o;

	return tgt->tgtt->del_target_attr(tgt, k, v, e, el);
}

static int tgt_set(void *o, const char *k, const char *v, char *e, size_t el)
{
	struct scst_tgt *tgt = o;

	return tgt->tgtt->set_target_attr(tgt, k, v, e, el);
}

static int drv_del(void *o, const char *k, const char *v, char *e, size_t el)
{
	struct scst_tgt_template *tt = o;

	return tt->del_driver_attr(k, v, e, el);
}

static int drv_set(void *o, const char *k, const char *v, char *e, size_t el)
{
	struct scst_tgt_template *tt = o;

	return tt->set_driver_attr(k, v, e, el);
}

bool mgmt_target_attr_writable(const struct scst_tgt *tgt)
{
	return tgt->tgtt->del_target_attr && tgt->tgtt->set_target_attr;
}

bool mgmt_driver_attr_writable(const struct scst_tgt_template *tt)
{
	return tt->del_driver_attr && tt->set_driver_attr;
}

int mgmt_write_target_attr(struct scst_tgt *tgt, const char *inst, const char *value, char *err,
			   size_t errlen)
{
	char scope[2 * SCST_NAME_MAX + 8];

	if (!mgmt_target_attr_writable(tgt))
		return -EACCES;
	target_scope(scope, sizeof(scope), tgt);
	return replace_instance(scope, inst, value, tgt_del, tgt_set, tgt, err, errlen);
}

int mgmt_write_driver_attr(struct scst_tgt_template *tt, const char *inst, const char *value,
			   char *err, size_t errlen)
{
	char scope[SCST_NAME_MAX + 8];

	if (!mgmt_driver_attr_writable(tt))
		return -EACCES;
	scope_of(scope, sizeof(scope), "drv", tt->name);
	return replace_instance(scope, inst, value, drv_del, drv_set, tt, err, errlen);
}
