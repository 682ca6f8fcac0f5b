/* vdisk_attr.c - add_device attributes of the vdisk handlers: parsing of
 * the name=value pairs (README.scst's vdisk parameters; which values are
 * valid is the shared rules' say, core/attr_rules.c) and
 * the identity defaults a new device gets (T10 device id, serial number,
 * vendor and product strings). */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attr_rules.h"
#include "handlers/vdisk_priv.h"

/* A parameter and where vdisk_params keeps it. */
struct param_field {
	const char *key;
	size_t offset;
};

static const struct param_field bool_attrs[] = {
	{ "read_only", offsetof(struct vdisk_params, read_only) },
	{ "write_through", offsetof(struct vdisk_params, write_through) },
	{ "nv_cache", offsetof(struct vdisk_params, nv_cache) },
	{ "o_direct", offsetof(struct vdisk_params, o_direct) },
	{ "thin_provisioned", offsetof(struct vdisk_params, thin) },
	{ "removable", offsetof(struct vdisk_params, removable) },
	{ "rotational", offsetof(struct vdisk_params, rotational) },
	{ "dummy", offsetof(struct vdisk_params, dummy) },
	{ "tas", offsetof(struct vdisk_params, tas) },
};

struct size_given {
	bool bytes_given, mb_given;
	uint64_t bytes, mb_bytes;
	const char *size, *size_mb;     /* as given */
};

/* The strings kept as given (their lengths are the rules'). */
static const struct param_field string_params[] = {
	{ "t10_dev_id", offsetof(struct vdisk_params, t10_dev_id) },
	{ "t10_vend_id", offsetof(struct vdisk_params, t10_vend_id) },
	{ "prod_id", offsetof(struct vdisk_params, prod_id) },
	{ "prod_rev_lvl", offsetof(struct vdisk_params, prod_rev) },
	{ "usn", offsetof(struct vdisk_params, usn) },
	{ "filename", offsetof(struct vdisk_params, filename) },
};

static const char **ident_param(struct vdisk_params *p, const char *k)
{
	for (size_t i = 0; i < sizeof(string_params) / sizeof(string_params[0]); i++)
		if (!strcmp(k, string_params[i].key))
			return (const char **)((char *)p + string_params[i].offset);
	return NULL;
}

/* The value is valid when the shared rule (core/attr_rules.c, the one
 * scstadmin -check_config applies) says so; then it is only stored. */
static int parse_one(const struct scst_kv *kv, struct vdisk_params *p, struct size_given *sg,
		     char *err, size_t errlen)
{
	const char *k = kv->key, *v = kv->value ? kv->value : "";
	const char **ident;
	int rc = attr_rule_check(ATTR_DEVICE, NULL, k, v, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(bool_attrs) / sizeof(bool_attrs[0]); i++)
		if (!strcmp(k, bool_attrs[i].key)) {
			attr_parse_01(v, (bool *)((char *)p + bool_attrs[i].offset));
			return 0;
		}
	if ((ident = ident_param(p, k))) {
		*ident = v;
	} else if (!strcmp(k, "blocksize")) {
		attr_parse_block_size(v, &p->block_size);
	} else if (!strcmp(k, "size")) {
		sg->bytes_given = attr_parse_size(v, 1, &sg->bytes);
		sg->size = v;
	} else if (!strcmp(k, "size_mb")) {
		sg->mb_given = attr_parse_size(v, 1u << 20, &sg->mb_bytes);
		sg->size_mb = v;
	} else if (!strcmp(k, "threads_num")) {
		/* SCST's per-device I/O thread pool.  scstd submits every
		 * command through io_uring on the I/O loop of its session, so
		 * no thread is per device: threads_num and threads_pool_type
		 * are checked as SCST checks them and kept only to be shown (a
		 * configuration written for SCST loads unchanged). */
		p->threads_num_given = attr_parse_int(v, &p->threads_num);
	} else if (!strcmp(k, "threads_pool_type")) {
		p->threads_shared = !strcmp(v, "shared");
	} else if (!strcmp(k, "naa_id")) {
		attr_parse_naa_id(v, p->naa_id, &p->naa_id_len);
	} else {
		snprintf(err, errlen, "unknown parameter '%s'", k);
		return -EINVAL;
	}
	return 0;
}

int vdisk_parse_params(const struct scst_kv *params, size_t nparams, struct vdisk_params *p,
		       char *err, size_t errlen)
{
	struct size_given sg = { 0 };

	memset(p, 0, sizeof(*p));
	p->block_size = 512;
	p->rotational = true;
	for (size_t i = 0; i < nparams; i++) {
		int rc = parse_one(&params[i], p, &sg, err, errlen);

		if (rc < 0)
			return rc;
	}
	if (sg.bytes_given && sg.mb_given &&
	    attr_size_pair_check(sg.size, sg.size_mb, err, errlen) < 0)
		return -EINVAL;
	p->size = sg.bytes_given ? sg.bytes : sg.mb_bytes;
	return 0;
}

static void copy_id(char *dst, size_t dstlen, const char *given, const char *fallback)
{
	const char *src = given ? given : fallback;
	size_t n = strlen(src);

	/* Identity fields are fixed-width: longer names are cut, as SCST does. */
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* CRC-32C (Castagnoli, reflected) without the usual pre/post inversion,
 * the form SCST feeds the device name (with its NUL) through. */
static uint32_t crc32c_raw(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1u));
	}
	return crc;
}

/* What the identity defaults derive from: the device name, or the
 * backing store's own identity when the backend has one (an RBD image
 * served by several gateways must look the same through each). */
static const char *identity_source(const struct scst_device *dev)
{
	const struct vdisk_dev *vd = vdisk_of(dev);

	return vd && vd->identity[0] ? vd->identity : dev->name;
}

/* SCST's generated identity (vdisk_gen_dev_id_num): setup_id in the upper
 * 32 bits, a CRC-32C of the name in the lower, fixed when the device is
 * made.  The serial number is its hex, the T10 id "<hex>-<name>", so they
 * are stable across restarts and differ between names and setups.  A
 * backend identity is the same on every gateway, so setup_id (which
 * tells setups apart) stays out of it. */
static uint64_t gen_dev_id_num(const struct scst_device *dev)
{
	const char *src = identity_source(dev);
	uint64_t crc = crc32c_raw(0, src, strlen(src) + 1);

	return src == dev->name ? (uint64_t)scst_get_setup_id() << 32 | crc : crc;
}

static void default_usn(const struct scst_device *dev, char *out, size_t outlen)
{
	snprintf(out, outlen, "%llx", (unsigned long long)vdisk_of(dev)->dev_id_num);
}

static void default_t10_dev_id(const struct scst_device *dev, char *out, size_t outlen)
{
	if (identity_source(dev) != dev->name)
		snprintf(out, outlen, "%s", identity_source(dev));
	else
		snprintf(out, outlen, "%llx-%s", (unsigned long long)vdisk_of(dev)->dev_id_num,
			 dev->name);
}

/* Two CRC-32Cs of the identity as the NAA designator's 36 bits; only
 * for a backend identity (the core hashes the device name otherwise). */
static void identity_naa(struct scst_device *dev)
{
	const struct vdisk_dev *vd = vdisk_of(dev);
	const char *src = vd ? vd->identity : "";

	if (!src[0])
		return;
	dev->naa_id = (uint64_t)crc32c_raw(0, src, strlen(src)) << 32 |
		      crc32c_raw(0x5c5c5c5c, src, strlen(src));
}

int vdisk_setup_device(struct scst_device *dev, const struct vdisk_params *p,
		       const struct vdisk_backend *be, uint64_t size, char *err, size_t errlen)
{
	char usn[65], t10[SCST_NAME_MAX + 24];
	unsigned shift = 0;

	while ((1u << shift) < p->block_size)
		shift++;
	/* An empty backing store (SCST's regression suite uses
	 * /proc/cpuinfo) is a device of 0 blocks, as in SCST: every medium
	 * access is out of range.  A store with a partial block is refused. */
	if (size && size < p->block_size) {
		snprintf(err, errlen, "size %llu is smaller than one block of %u bytes",
			 (unsigned long long)size, p->block_size);
		return -EINVAL;
	}
	dev->block_size = p->block_size;
	dev->block_shift = shift;
	dev->nblocks = size >> shift;
	dev->read_only = p->read_only;
	dev->removable = p->removable;
	dev->write_through = p->write_through;
	vdisk_of(dev)->write_through_default = p->write_through;
	dev->nv_cache = p->nv_cache;
	dev->thin_provisioned = p->thin;
	dev->tas = p->tas;
	vdisk_of(dev)->dev_id_num = gen_dev_id_num(dev);
	memcpy(vdisk_of(dev)->naa_id, p->naa_id, sizeof(p->naa_id));
	vdisk_of(dev)->naa_id_len = p->naa_id_len;
	default_usn(dev, usn, sizeof(usn));
	default_t10_dev_id(dev, t10, sizeof(t10));
	copy_id(dev->t10_vend_id, sizeof(dev->t10_vend_id), p->t10_vend_id, be->vendor);
	copy_id(dev->prod_id, sizeof(dev->prod_id), p->prod_id, dev->name);
	copy_id(dev->prod_rev, sizeof(dev->prod_rev), p->prod_rev, "0100");
	copy_id(dev->t10_dev_id, sizeof(dev->t10_dev_id), p->t10_dev_id, t10);
	copy_id(dev->usn, sizeof(dev->usn), p->usn, usn);
	identity_naa(dev);
	vdisk_of(dev)->threads_num = p->threads_num_given ? p->threads_num : be->default_threads_num;
	vdisk_of(dev)->threads_shared = p->threads_shared;
	return 0;
}

/* ---- attributes shown in devices/<name>/ ---- */

/* An identity string differs from the default it would get: copy_id of
 * the fallback, compared as stored. */
static bool id_changed(const char *value, size_t width, const char *fallback)
{
	char def[65];

	copy_id(def, width < sizeof(def) ? width : sizeof(def), NULL, fallback);
	return strcmp(value, def) != 0;
}

static int show_bool(char *buf, size_t len, bool v, bool def, bool *non_default)
{
	snprintf(buf, len, "%d", v);
	*non_default = v != def;
	return 0;
}

/* Exactly one of size and size_mb is [key] when the size is not the
 * default: size_mb when it is whole MiB (SCST's form), else size. */
static int show_size(const struct scst_device *dev, bool mb, char *buf, size_t len,
		     bool *non_default)
{
	uint64_t bytes = dev->nblocks << dev->block_shift;
	bool whole_mib = !(bytes & ((1u << 20) - 1));

	snprintf(buf, len, "%llu", (unsigned long long)(mb ? bytes >> 20 : bytes));
	if (vdisk_of(dev)->be->size_always_key)
		*non_default = !mb;
	else
		*non_default = dev->nblocks != vdisk_of(dev)->default_size >> dev->block_shift &&
			       whole_mib == mb;
	return 0;
}

static int show_id(const char *value, size_t width, const char *fallback, char *buf, size_t len,
		   bool *non_default)
{
	snprintf(buf, len, "%s", value);
	*non_default = id_changed(value, width, fallback);
	return 0;
}

int vdisk_show_attr(const struct scst_device *dev, const char *name, char *buf, size_t len,
		    bool *non_default)
{
	const struct vdisk_dev *vd = vdisk_of(dev);
	char usn[65];

	if (!strcmp(name, "read_only"))
		return show_bool(buf, len, dev->read_only, false, non_default);
	if (!strcmp(name, "removable"))
		return show_bool(buf, len, dev->removable, false, non_default);
	if (!strcmp(name, "write_through"))
		return show_bool(buf, len, dev->write_through, false, non_default);
	if (!strcmp(name, "nv_cache"))
		return show_bool(buf, len, dev->nv_cache, false, non_default);
	if (!strcmp(name, "thin_provisioned"))
		return show_bool(buf, len, dev->thin_provisioned, false, non_default);
	if (!strcmp(name, "tas"))
		return show_bool(buf, len, dev->tas, false, non_default);
	if (!strcmp(name, "o_direct"))
		return show_bool(buf, len, vd->o_direct, false, non_default);
	if (!strcmp(name, "rotational"))
		return show_bool(buf, len, vd->rotational, vd->default_rotational, non_default);
	if (!strcmp(name, "dummy"))
		return show_bool(buf, len, vd->dummy, false, non_default);
	if (!strcmp(name, "blocksize")) {
		snprintf(buf, len, "%u", dev->block_size);
		*non_default = dev->block_size != 512;
		return 0;
	}
	if (!strcmp(name, "size") || !strcmp(name, "size_mb"))
		return show_size(dev, !strcmp(name, "size_mb"), buf, len, non_default);
	if (!strcmp(name, "t10_vend_id"))
		return show_id(dev->t10_vend_id, sizeof(dev->t10_vend_id), vd->be->vendor, buf, len,
			       non_default);
	if (!strcmp(name, "prod_id"))
		return show_id(dev->prod_id, sizeof(dev->prod_id), dev->name, buf, len,
			       non_default);
	if (!strcmp(name, "prod_rev_lvl"))
		return show_id(dev->prod_rev, sizeof(dev->prod_rev), "0100", buf, len, non_default);
	if (!strcmp(name, "t10_dev_id")) {
		char t10[SCST_NAME_MAX + 24];

		default_t10_dev_id(dev, t10, sizeof(t10));
		return show_id(dev->t10_dev_id, sizeof(dev->t10_dev_id), t10, buf, len,
			       non_default);
	}
	if (!strcmp(name, "usn")) {
		default_usn(dev, usn, sizeof(usn));
		return show_id(dev->usn, sizeof(dev->usn), usn, buf, len, non_default);
	}
	if (!strcmp(name, "naa_id")) {
		size_t o = 0;

		buf[0] = '\0';
		if (vd->naa_id_len)
			o = (size_t)snprintf(buf, len, "0x");
		for (unsigned i = 0; i < vd->naa_id_len && o + 3 <= len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%02x", vd->naa_id[i]);
		*non_default = vd->naa_id_len != 0;
		return 0;
	}
	if (!strcmp(name, "threads_num")) {
		snprintf(buf, len, "%d", vd->threads_num);
		*non_default = vd->threads_num != vd->be->default_threads_num;
		return 0;
	}
	if (!strcmp(name, "threads_pool_type")) {
		snprintf(buf, len, "%s", vd->threads_shared ? "shared" : "per_initiator");
		*non_default = vd->threads_shared;
		return 0;
	}
	return -ENOENT;
}

/* ---- attributes changed at run time (README.scst: t10_dev_id, prod_id
 * ... are writable; scstadmin -set_dev_attr) ---- */

struct ident_field {
	const char *key;
	size_t off, width;
};

#define IDENT(k, f) { k, offsetof(struct scst_device, f), sizeof(((struct scst_device *)0)->f) }
static const struct ident_field ident_fields[] = {
	IDENT("t10_dev_id", t10_dev_id), IDENT("t10_vend_id", t10_vend_id),
	IDENT("prod_id", prod_id), IDENT("prod_rev_lvl", prod_rev), IDENT("usn", usn),
};

/* The value is checked as at add_device; an identity string or naa_id
 * changes under the device lock (INQUIRY reads it under that lock) and
 * every nexus gets INQUIRY DATA HAS CHANGED (SPC-4 6.4.2); threads_num and
 * threads_pool_type are kept to be shown, as at add_device. */
int vdisk_set_attr(struct scst_device *dev, const char *key, const char *value, char *err,
		   size_t errlen)
{
	struct scst_kv kv = { .key = key, .value = value };
	struct vdisk_dev *vd = vdisk_of(dev);
	struct vdisk_params p;
	struct size_given sg = { 0 };
	int rc;

	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < sizeof(ident_fields) / sizeof(ident_fields[0]); i++) {
		const struct ident_field *f = &ident_fields[i];

		if (strcmp(key, f->key))
			continue;
		if ((rc = parse_one(&kv, &p, &sg, err, errlen)) < 0)
			return rc;
		pthread_mutex_lock(&dev->lock);
		copy_id((char *)dev + f->off, f->width, value, value);
		pthread_mutex_unlock(&dev->lock);
		scst_dev_queue_ua(dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
		return 0;
	}
	if (!strcmp(key, "naa_id")) {
		if ((rc = parse_one(&kv, &p, &sg, err, errlen)) < 0)
			return rc;
		pthread_mutex_lock(&dev->lock);
		memcpy(vd->naa_id, p.naa_id, sizeof(vd->naa_id));
		vd->naa_id_len = p.naa_id_len;
		pthread_mutex_unlock(&dev->lock);
		scst_dev_queue_ua(dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
		return 0;
	}
	if (!strcmp(key, "threads_num") || !strcmp(key, "threads_pool_type")) {
		if ((rc = parse_one(&kv, &p, &sg, err, errlen)) < 0)
			return rc;
		if (!strcmp(key, "threads_num"))
			vd->threads_num = p.threads_num;
		else
			vd->threads_shared = p.threads_shared;
		return 0;
	}
	snprintf(err, errlen, "%s: attribute '%s' cannot be changed", dev->name, key);
	return -EACCES;
}
