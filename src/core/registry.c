/* registry.c - the global lists of handlers, target drivers, devices and
 * targets, and the configuration operations on them (add/del device,
 * target, LUN, ini_group, initiator).
 *
 * Everything here runs under scst_mutex and off the I/O path, except a
 * new device's attach: opening its backing may block indefinitely, and
 * logins, sessions and LUN changes must not wait for it.  Every operation
 * validates fully before changing anything, so a refused request leaves
 * the configuration exactly as it was. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alua.h"
#include "sanitize_state.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

pthread_mutex_t scst_mutex = PTHREAD_MUTEX_INITIALIZER;
struct list_head scst_devices = LIST_HEAD_INIT(scst_devices);
struct list_head scst_targets = LIST_HEAD_INIT(scst_targets);
struct list_head scst_dev_types = LIST_HEAD_INIT(scst_dev_types);
struct list_head scst_tgt_templates = LIST_HEAD_INIT(scst_tgt_templates);

static uint16_t next_rel_tgt_id = 1;

void scst_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool scst_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SCST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		/* The name becomes a directory in the management tree. */
		if (c <= ' ' || c == '/' || c == 0x7f)
			return false;
	}
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int scst_register_dev_type(struct scst_dev_type *dt)
{
	pthread_mutex_lock(&scst_mutex);
	if (scst_find_dev_type(dt->name)) {
		pthread_mutex_unlock(&scst_mutex);
		return -EEXIST;
	}
	list_add_tail(&dt->node, &scst_dev_types);
	pthread_mutex_unlock(&scst_mutex);
	log_debug("registered device handler %s", dt->name);
	return 0;
}

static struct list_head dev_observers = LIST_HEAD_INIT(dev_observers);

void scst_register_dev_observer(struct scst_dev_observer *obs)
{
	pthread_mutex_lock(&scst_mutex);
	list_add_tail(&obs->node, &dev_observers);
	pthread_mutex_unlock(&scst_mutex);
}

/* Observers register only at start-up, so the list needs no lock here. */
static void tell_dev_added(struct scst_device *dev)
{
	struct scst_dev_observer *obs;

	list_for_each_entry(obs, &dev_observers, node)
		obs->added(dev);
}

void scst_dev_inquiry_data_changed(struct scst_device *dev)
{
	struct scst_dev_observer *obs;

	scst_dev_queue_ua(dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
	list_for_each_entry(obs, &dev_observers, node)
		if (obs->inquiry_changed)
			obs->inquiry_changed(dev);
}

int scst_register_target_template(struct scst_tgt_template *tt)
{
	pthread_mutex_lock(&scst_mutex);
	if (scst_find_target_template(tt->name)) {
		pthread_mutex_unlock(&scst_mutex);
		return -EEXIST;
	}
	list_add_tail(&tt->node, &scst_tgt_templates);
	pthread_mutex_unlock(&scst_mutex);
	log_debug("registered target driver %s", tt->name);
	return 0;
}

struct scst_dev_type *scst_find_dev_type(const char *name)
{
	struct scst_dev_type *dt;

	list_for_each_entry(dt, &scst_dev_types, node)
		if (strcmp(dt->name, name) == 0)
			return dt;
	return NULL;
}

struct scst_tgt_template *scst_find_target_template(const char *name)
{
	struct scst_tgt_template *tt;

	list_for_each_entry(tt, &scst_tgt_templates, node)
		if (strcmp(tt->name, name) == 0)
			return tt;
	return NULL;
}

struct scst_device *scst_find_device(const char *name)
{
	struct scst_device *dev;

	list_for_each_entry(dev, &scst_devices, node)
		if (strcmp(dev->name, name) == 0)
			return dev;
	return NULL;
}

struct scst_tgt *scst_find_target(struct scst_tgt_template *tt, const char *name)
{
	struct scst_tgt *tgt;

	list_for_each_entry(tgt, &scst_targets, node)
		if (tgt->tgtt == tt && strcmp(tgt->name, name) == 0)
			return tgt;
	return NULL;
}

bool scst_dev_type_has_param(const struct scst_dev_type *dt, const char *key)
{
	if (!dt->add_device_params)
		return false;
	for (const char *const *p = dt->add_device_params; *p; p++)
		if (strcmp(*p, key) == 0)
			return true;
	return false;
}

/* "a, b, c": the parameters dt accepts, for a refusal's message. */
static void list_params(const struct scst_dev_type *dt, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (const char *const *p = dt->add_device_params; p && *p && used < len; p++) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", *p);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* FNV-1a of the name: a stable NAA identifier across restarts. */
static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* README.scst setup_id: set before devices are made, it makes their
 * generated identifiers (serial number, T10 and NAA ids) differ from
 * those of another setup with the same device names. */
static uint32_t setup_id;

uint32_t scst_get_setup_id(void)
{
	return __atomic_load_n(&setup_id, __ATOMIC_RELAXED);
}

void scst_set_setup_id(uint32_t id)
{
	__atomic_store_n(&setup_id, id, __ATOMIC_RELAXED);
}

static struct scst_device *device_alloc(struct scst_dev_type *dt, const char *name)
{
	struct scst_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->handler = dt;
	dev->type = dt->type;
	dev->block_size = 512;
	dev->block_shift = 9;
	dev->medium_present = true;
	/* The NAA designator keeps 36 bits of it: setup_id lands in 4..35. */
	dev->naa_id = name_hash(name) ^ ((uint64_t)scst_get_setup_id() << 4);
	pthread_mutex_init(&dev->lock, NULL);
	list_init(&dev->tgt_devs);
	return dev;
}

/* Caller holds scst_mutex.  The handler named, with the device name free
 * and every parameter one it accepts; 0 or -errno with err set. */
static int check_new_device(const char *handler, const char *name, const struct scst_kv *params,
			    size_t nparams, struct scst_dev_type **dtp, char *err, size_t errlen)
{
	struct scst_dev_type *dt = scst_find_dev_type(handler);

	if (!dt) {
		scst_errf(err, errlen, "unknown handler '%s'", handler);
		return -ENOENT;
	}
	if (scst_find_device(name)) {
		scst_errf(err, errlen, "device '%s' already exists", name);
		return -EEXIST;
	}
	for (size_t i = 0; i < nparams; i++) {
		int only = scst_dev_type_has_param(dt, params[i].key) ? 1 :
			   scst_only_param(dt, params[i].key, params[i].value, err, errlen);

		if (only < 0)
			return -EINVAL;
		if (only == 0)
			continue;
		if (!scst_dev_type_has_param(dt, params[i].key)) {
			char valid[512];

			list_params(dt, valid, sizeof(valid));
			scst_errf(err, errlen, "handler %s: unknown parameter '%s' (valid: %s)",
				  handler, params[i].key, valid);
			return -EINVAL;
		}
	}
	*dtp = dt;
	return 0;
}

static void device_free(struct scst_device *dev)
{
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

/* The handler's attach (opening and probing the backing, which may block
 * for as long as the file system likes: a FIFO, a hung NFS server) and the
 * persistent reservations' file; both without scst_mutex, the device being
 * nobody else's yet. */
static int device_build(struct scst_dev_type *dt, const char *name, const struct scst_kv *params,
			size_t nparams, struct scst_device **devp, char *err, size_t errlen)
{
	struct scst_device *dev = device_alloc(dt, name);
	int rc;

	if (!dev)
		return -ENOMEM;
	rc = dt->attach(dev, params, nparams, err, errlen);
	if (rc < 0) {
		device_free(dev);
		return rc;
	}
	rc = scst_pr_dev_init(dev, err, errlen);
	if (rc < 0) {
		dt->detach(dev);        /* no more announcements first */
		scst_pr_dev_free(dev);
		device_free(dev);
		return rc;
	}
	*devp = dev;
	return 0;
}

/* device_build with the parameters dt accepts: SCST's ones at their
 * default, checked already, stay out. */
static int build_with_own_params(struct scst_dev_type *dt, const char *name,
				 const struct scst_kv *params, size_t nparams,
				 struct scst_device **devp, char *err, size_t errlen)
{
	struct scst_kv *own = calloc(nparams ? nparams : 1, sizeof(*own));
	size_t n = 0;
	int rc;

	if (!own)
		return -ENOMEM;
	for (size_t i = 0; i < nparams; i++)
		if (scst_dev_type_has_param(dt, params[i].key))
			own[n++] = params[i];
	rc = device_build(dt, name, own, n, devp, err, errlen);
	free(own);
	return rc;
}

int scst_add_device(const char *handler, const char *name, const struct scst_kv *params,
		    size_t nparams, char *err, size_t errlen)
{
	struct scst_dev_type *dt = NULL;
	struct scst_device *dev = NULL;
	int rc;

	if (!scst_name_valid(name)) {
		scst_errf(err, errlen, "invalid device name '%s'", name);
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	rc = check_new_device(handler, name, params, nparams, &dt, err, errlen);
	pthread_mutex_unlock(&scst_mutex);
	if (rc == 0)
		rc = build_with_own_params(dt, name, params, nparams, &dev, err, errlen);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&scst_mutex);
	/* Someone may have taken the name while the backing was opened. */
	if (scst_find_device(name)) {
		pthread_mutex_unlock(&scst_mutex);
		scst_errf(err, errlen, "device '%s' already exists", name);
		dt->detach(dev);
		scst_pr_dev_free(dev);
		device_free(dev);
		return -EEXIST;
	}
	list_add_tail(&dev->node, &scst_devices);
	log_info("device %s added (handler %s, %llu blocks of %u bytes)", name, handler,
		 (unsigned long long)dev->nblocks, dev->block_size);
	pthread_mutex_unlock(&scst_mutex);
	tell_dev_added(dev);
	return 0;
}

/* How long deletion waits for what still uses a device whose last LUN is
 * gone: aborts and in-flight I/O end within milliseconds, but a command
 * waiting for its initiator's data may never end, and management must not
 * hang on it. */
#define DEL_DEVICE_DRAIN_MS 2000

static bool device_pinned(const struct scst_device *dev)
{
	return __atomic_load_n(&dev->abort_pins, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&dev->cmd_pins, __ATOMIC_ACQUIRE) || scst_sanitize_holds(dev);
}

/* Caller holds scst_mutex.  dev's LUNs in groups whose LUNs follow their
 * devices: counted, or (drop) deleted. */
static unsigned following_luns(struct scst_device *dev, bool drop)
{
	struct scst_tgt *tgt;
	unsigned n = 0;

	list_for_each_entry(tgt, &scst_targets, node) {
		struct scst_acg *acg = tgt->default_acg;
		struct scst_acg_dev *ad, *tmp;

		if (!acg->luns_follow_devices)
			continue;
		list_for_each_entry_safe(ad, tmp, &acg->acg_devs, node) {
			if (ad->dev != dev)
				continue;
			n++;
			if (!drop)
				continue;
			dev->export_count--;
			list_del(&ad->node);
			free(ad);
			acg->generation++;
		}
	}
	return n;
}

int scst_del_device(const char *name, char *err, size_t errlen)
{
	struct scst_device *dev;
	unsigned waited_ms = 0;
	int rc = 0;

retry:
	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(name);
	if (!dev) {
		scst_errf(err, errlen, "device '%s' not found", name);
		rc = -ENOENT;
	} else if (dev->export_count > following_luns(dev, false)) {
		scst_errf(err, errlen, "device '%s' is in use by %u LUN(s)", name,
			  dev->export_count - following_luns(dev, false));
		rc = -EBUSY;
	} else if (device_pinned(dev) && waited_ms < DEL_DEVICE_DRAIN_MS) {
		/* The commands finish on their loops, which need no
		 * scst_mutex to do so; a running sanitize stops after its
		 * outstanding piece. */
		scst_sanitize_request_stop(dev);
		pthread_mutex_unlock(&scst_mutex);
		usleep(1000);
		waited_ms++;
		goto retry;
	} else if (device_pinned(dev)) {
		scst_errf(err, errlen, "device '%s' still has %u command(s) in flight",
			  name, __atomic_load_n(&dev->cmd_pins, __ATOMIC_ACQUIRE));
		log_warn("del_device %s: %u command(s) still in flight after %u ms", name,
			 __atomic_load_n(&dev->cmd_pins, __ATOMIC_ACQUIRE), DEL_DEVICE_DRAIN_MS);
		rc = -EBUSY;
	} else {
		/* name may point into dev: log before freeing. */
		log_info("device %s deleted", name);
		following_luns(dev, true);
		list_del(&dev->node);
		scst_alua_dev_gone(dev);
		dev->handler->detach(dev);
		scst_pr_dev_free(dev);
		pthread_mutex_destroy(&dev->lock);
		free(dev);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

static struct scst_acg *acg_alloc(struct scst_tgt *tgt, const char *name, bool is_default)
{
	struct scst_acg *acg = calloc(1, sizeof(*acg));

	if (!acg)
		return NULL;
	acg->tgt = tgt;
	acg->is_default = is_default;
	snprintf(acg->name, sizeof(acg->name), "%s", name);
	list_init(&acg->acg_devs);
	list_init(&acg->acns);
	return acg;
}

/* Caller holds scst_mutex. */
static bool rel_tgt_id_used(uint16_t id)
{
	struct scst_tgt *t;

	list_for_each_entry(t, &scst_targets, node)
		if (t->rel_tgt_id == id)
			return true;
	return false;
}

/* README.scst: rel_tgt_id is "initialized unique"; an id set by hand may
 * lie ahead of the counter, so used ones are skipped (1..65535, wrapping).
 * Caller holds scst_mutex. */
static uint16_t unused_rel_tgt_id(void)
{
	for (unsigned tries = 0; tries < 0xffff; tries++) {
		uint16_t id = next_rel_tgt_id;

		next_rel_tgt_id = id == 0xffff ? 1 : id + 1;
		if (!rel_tgt_id_used(id))
			return id;
	}
	return next_rel_tgt_id;         /* 65535 targets: enabling will say so */
}

struct scst_tgt *scst_add_target(struct scst_tgt_template *tt, const char *name, void *tgt_priv,
				 char *err, size_t errlen)
{
	struct scst_tgt *tgt = NULL;

	if (!scst_name_valid(name)) {
		scst_errf(err, errlen, "invalid target name '%s'", name);
		return NULL;
	}
	pthread_mutex_lock(&scst_mutex);
	if (scst_find_target(tt, name)) {
		scst_errf(err, errlen, "target '%s' already exists", name);
		goto out;
	}
	tgt = calloc(1, sizeof(*tgt));
	if (!tgt) {
		scst_errf(err, errlen, "out of memory");
		goto out;
	}
	tgt->tgtt = tt;
	snprintf(tgt->name, sizeof(tgt->name), "%s", name);
	/* SCST gives a relative port id when a target is enabled; one that
	 * is never enabled from outside (copy_manager_tgt) keeps 0. */
	tgt->rel_tgt_id = tt->enabled_attr_not_needed ? 0 : unused_rel_tgt_id();
	tgt->tgt_priv = tgt_priv;
	list_init(&tgt->acg_list);
	list_init(&tgt->sessions);
	tgt->default_acg = acg_alloc(tgt, name, true);
	if (!tgt->default_acg) {
		free(tgt);
		tgt = NULL;
		scst_errf(err, errlen, "out of memory");
		goto out;
	}
	list_add_tail(&tgt->node, &scst_targets);
	log_info("target %s/%s added (rel_tgt_id %u)", tt->name, name, tgt->rel_tgt_id);
out:
	pthread_mutex_unlock(&scst_mutex);
	return tgt;
}

static void acg_free(struct scst_acg *acg)
{
	struct scst_acg_dev *ad, *tad;
	struct scst_acn *acn, *tacn;

	list_for_each_entry_safe(ad, tad, &acg->acg_devs, node) {
		ad->dev->export_count--;
		list_del(&ad->node);
		free(ad);
	}
	list_for_each_entry_safe(acn, tacn, &acg->acns, node) {
		list_del(&acn->node);
		free(acn);
	}
	free(acg);
}

int scst_del_target(struct scst_tgt *tgt, char *err, size_t errlen)
{
	struct scst_acg *acg, *tmp;

	if (tgt->tgtt->close_sessions)
		tgt->tgtt->close_sessions(tgt);
	pthread_mutex_lock(&scst_mutex);
	if (!list_empty(&tgt->sessions)) {
		pthread_mutex_unlock(&scst_mutex);
		scst_errf(err, errlen, "target '%s' has active sessions", tgt->name);
		return -EBUSY;
	}
	list_del(&tgt->node);
	scst_alua_tgt_gone(tgt);
	list_for_each_entry_safe(acg, tmp, &tgt->acg_list, node) {
		list_del(&acg->node);
		acg_free(acg);
	}
	acg_free(tgt->default_acg);
	pthread_mutex_unlock(&scst_mutex);
	log_info("target %s/%s deleted", tgt->tgtt->name, tgt->name);
	/* The driver's own target object goes with it. */
	if (tgt->tgtt->del_target)
		tgt->tgtt->del_target(tgt, err, errlen);
	free(tgt);
	return 0;
}

struct scst_acg *scst_find_acg(struct scst_tgt *tgt, const char *name)
{
	struct scst_acg *acg;

	list_for_each_entry(acg, &tgt->acg_list, node)
		if (strcmp(acg->name, name) == 0)
			return acg;
	return NULL;
}

struct scst_acg *scst_add_acg(struct scst_tgt *tgt, const char *name, char *err, size_t errlen)
{
	struct scst_acg *acg = NULL;

	if (!scst_name_valid(name)) {
		scst_errf(err, errlen, "invalid group name '%s'", name);
		return NULL;
	}
	if (tgt->tgtt->no_ini_groups) {
		scst_errf(err, errlen, "target '%s' has no initiator groups", tgt->name);
		return NULL;
	}
	pthread_mutex_lock(&scst_mutex);
	if (scst_find_acg(tgt, name)) {
		scst_errf(err, errlen, "group '%s' already exists", name);
		goto out;
	}
	acg = acg_alloc(tgt, name, false);
	if (acg)
		list_add_tail(&acg->node, &tgt->acg_list);
out:
	pthread_mutex_unlock(&scst_mutex);
	return acg;
}

static struct scst_acg_dev *acg_find_lun(struct scst_acg *acg, uint64_t lun)
{
	struct scst_acg_dev *ad;

	list_for_each_entry(ad, &acg->acg_devs, node)
		if (ad->lun == lun)
			return ad;
	return NULL;
}

void scst_tell_lun_added(struct scst_acg *acg, uint64_t lun)
{
	if (acg->tgt->tgtt->lun_added)
		acg->tgt->tgtt->lun_added(acg->tgt, lun);
}

int scst_acg_add_lun(struct scst_acg *acg, uint64_t lun, const char *dev_name, bool read_only,
		     char *err, size_t errlen)
{
	struct scst_device *dev;
	struct scst_acg_dev *ad;
	int rc = 0;

	if (lun > SCST_MAX_LUN) {
		scst_errf(err, errlen, "LUN %llu out of range (0..%u)", (unsigned long long)lun,
			  SCST_MAX_LUN);
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(dev_name);
	if (!dev) {
		scst_errf(err, errlen, "device '%s' not found", dev_name);
		rc = -ENOENT;
		goto out;
	}
	if (acg_find_lun(acg, lun)) {
		scst_errf(err, errlen, "LUN %llu already exists in group '%s'",
			  (unsigned long long)lun, acg->name);
		rc = -EEXIST;
		goto out;
	}
	ad = calloc(1, sizeof(*ad));
	if (!ad) {
		rc = -ENOMEM;
		goto out;
	}
	ad->dev = dev;
	ad->lun = lun;
	ad->read_only = read_only;
	dev->export_count++;
	list_add_tail(&ad->node, &acg->acg_devs);
	acg->generation++;
	log_info("%s/%s: LUN %llu -> device %s%s", acg->tgt->name, acg->name,
		 (unsigned long long)lun, dev_name, read_only ? " (read-only)" : "");
out:
	pthread_mutex_unlock(&scst_mutex);
	if (rc == 0)
		scst_tell_lun_added(acg, lun);
	return rc;
}

int scst_acg_add_initiator(struct scst_acg *acg, const char *pattern, char *err, size_t errlen)
{
	struct scst_acn *acn;

	if (!*pattern || strlen(pattern) >= SCST_NAME_MAX) {
		scst_errf(err, errlen, "invalid initiator name '%s'", pattern);
		return -EINVAL;
	}
	acn = calloc(1, sizeof(*acn));
	if (!acn)
		return -ENOMEM;
	snprintf(acn->name, sizeof(acn->name), "%s", pattern);
	pthread_mutex_lock(&scst_mutex);
	list_add_tail(&acn->node, &acg->acns);
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

/* Caller holds scst_mutex.  The enabled target other than tgt that has
 * tgt's rel_tgt_id, or NULL. */
static struct scst_tgt *enabled_with_same_id(const struct scst_tgt *tgt)
{
	struct scst_tgt *t;

	list_for_each_entry(t, &scst_targets, node)
		if (t != tgt && t->enabled && t->rel_tgt_id == tgt->rel_tgt_id)
			return t;
	return NULL;
}

int scst_tgt_set_enabled(struct scst_tgt *tgt, bool enabled, char *err, size_t errlen)
{
	struct scst_tgt *other;

	pthread_mutex_lock(&scst_mutex);
	other = enabled && !tgt->enabled ? enabled_with_same_id(tgt) : NULL;
	if (other) {
		scst_errf(err, errlen, "rel_tgt_id %u of target '%s' is not unique (target '%s' "
			  "is enabled with it)", tgt->rel_tgt_id, tgt->name, other->name);
		pthread_mutex_unlock(&scst_mutex);
		return -EBADSLT;
	}
	tgt->enabled = enabled;
	pthread_mutex_unlock(&scst_mutex);
	if (tgt->tgtt->on_enable)
		tgt->tgtt->on_enable(tgt);
	log_info("target %s %s", tgt->name, enabled ? "enabled" : "disabled");
	return 0;
}

/* '*' any run of characters, '?' any one, letters in either case;
 * nothing else is special (no bracket expressions, unlike fnmatch). */
static bool wild_match_n(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < plen && (p[pi] == '?' ||
					 tolower((unsigned char)p[pi]) ==
						 tolower((unsigned char)s[si]))) {
			pi++;
			si++;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/* README.scst: "ah.xxx" matches "!bl?h.*".  The first '!' inverts the
 * rest of the pattern: what stands before it must match the start of the
 * name (the shortest such start), and the rest must not match what
 * follows; "bl!?h.*" does not match "blah.jpg" (SCST's wildcmp). */
bool scst_wildcmp(const char *pattern, const char *name)
{
	const char *bang = strchr(pattern, '!');
	size_t nlen = strlen(name);

	if (!bang)
		return wild_match_n(pattern, strlen(pattern), name, nlen);
	for (size_t k = 0; k <= nlen; k++)
		if (wild_match_n(pattern, (size_t)(bang - pattern), name, k))
			return !wild_match_n(bang + 1, strlen(bang + 1), name + k, nlen - k);
	return false;
}

/* A name selects a group when one of its patterns matches it (SCST's
 * scst_find_tgt_acg_by_name_wild: the first group with such a pattern). */
bool scst_acg_matches(const struct scst_acg *acg, const char *initiator)
{
	const struct scst_acn *acn;

	list_for_each_entry(acn, &acg->acns, node)
		if (scst_wildcmp(acn->name, initiator))
			return true;
	return false;
}
