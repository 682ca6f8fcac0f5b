/* vdisk_attr.c - add_device attributes of the vdisk handlers: parsing and
 * validation of the name=value pairs (README.scst's vdisk parameters) and
 * the identity defaults a new device gets (T10 device id, serial number,
 * vendor and product strings). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/vdisk_priv.h"

static int parse_bool(const char *key, const char *v, bool *out, char *err, size_t errlen)
{
	if (!strcmp(v, "0") || !strcmp(v, "1")) {
		*out = v[0] == '1';
		return 0;
	}
	snprintf(err, errlen, "%s: expected 0 or 1, got '%s'", key, v);
	return -EINVAL;
}

/* Bytes with an optional K/M/G/T suffix (powers of 1024). */
static int parse_size(const char *key, const char *v, uint64_t unit, uint64_t *out, char *err,
		      size_t errlen)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (end == v || errno || v[0] == '-')
		goto bad;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end)
		goto bad;
	if (n > (UINT64_MAX >> shift) / unit)
		goto bad;
	*out = (n << shift) * unit;
	return 0;
bad:
	snprintf(err, errlen, "%s: invalid size '%s'", key, v);
	return -EINVAL;
}

/* README.scst: "a power of 2 and >= 512 bytes".  64 KiB at most, so one
 * block stays well inside a command's 8 MiB transfer limit. */
#define VDISK_MAX_BLOCK_SIZE 65536u

static int parse_block_size(const char *v, uint32_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long b = strtoul(v, &end, 10);

	if (*v >= '0' && *v <= '9' && !*end && b >= 512 && b <= VDISK_MAX_BLOCK_SIZE &&
	    !(b & (b - 1))) {
		*out = (uint32_t)b;
		return 0;
	}
	snprintf(err, errlen, "blocksize: a power of 2 from 512 to %u, not '%s'",
		 VDISK_MAX_BLOCK_SIZE, v);
	return -EINVAL;
}

static int check_string(const char *key, const char *v, size_t max, char *err, size_t errlen)
{
	if (strlen(v) <= max)
		return 0;
	snprintf(err, errlen, "%s: longer than %zu characters", key, max);
	return -EINVAL;
}

/* README.scst: > 0 a pool of that many threads, 0 the global pool, < 0
 * no pool at all; any int is a valid request. */
static int parse_threads_num(const char *v, struct vdisk_params *p, char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end != v && !*end && !errno && n >= INT_MIN && n <= INT_MAX) {
		p->threads_num = (int)n;
		p->threads_num_given = true;
		return 0;
	}
	snprintf(err, errlen, "threads_num: expected an integer, got '%s'", v);
	return -EINVAL;
}

struct bool_attr {
	const char *key;
	size_t offset;
};

static const struct bool_attr bool_attrs[] = {
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

/* Both size and size_mb given: they must say the same. */
/* README.scst naa_id, as SCST's vdisk takes it: "0x" optional, then 16
 * hex digits of an NAA 2, 3 or 5 designator or 32 of an NAA 6 one
 * (SPC-4 7.8.6.6); "" clears it (the generated designator again). */
static int parse_naa_id(const char *v, uint8_t out[16], uint8_t *len, char *err, size_t errlen)
{
	size_t n;

	if (v[0] == '0' && v[1] == 'x')
		v += 2;
	n = strlen(v);
	if ((n == 0 || (n == 16 && strchr("235", v[0])) || (n == 32 && v[0] == '6')) &&
	    strspn(v, "0123456789abcdefABCDEF") == n) {
		for (size_t i = 0; i < n / 2; i++) {
			unsigned b;

			sscanf(v + 2 * i, "%2x", &b);
			out[i] = (uint8_t)b;
		}
		*len = (uint8_t)(n / 2);
		return 0;
	}
	snprintf(err, errlen, "naa_id: 16 hex digits starting 2, 3 or 5, or 32 starting 6, "
		 "not '%s'", v);
	return -EINVAL;
}

struct size_given {
	bool bytes_given, mb_given;
	uint64_t bytes, mb_bytes;
};

static int parse_one(const struct scst_kv *kv, struct vdisk_params *p, struct size_given *sg,
		     char *err, size_t errlen)
{
	const char *k = kv->key, *v = kv->value ? kv->value : "";

	for (size_t i = 0; i < sizeof(bool_attrs) / sizeof(bool_attrs[0]); i++)
		if (!strcmp(k, bool_attrs[i].key))
			return parse_bool(k, v, (bool *)((char *)p + bool_attrs[i].offset), err, errlen);
	if (!strcmp(k, "filename")) {
		p->filename = v;
		/* README.scst: "The path must be absolute" - a relative one would
		 * depend on the daemon's working directory. */
		if (*v != '/') {
			snprintf(err, errlen, "filename: the path must be absolute, not '%s'", v);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(k, "blocksize"))
		return parse_block_size(v, &p->block_size, err, errlen);
	if (!strcmp(k, "size")) {
		sg->bytes_given = true;
		return parse_size(k, v, 1, &sg->bytes, err, errlen);
	}
	if (!strcmp(k, "size_mb")) {
		sg->mb_given = true;
		return parse_size(k, v, 1u << 20, &sg->mb_bytes, err, errlen);
	}
	if (!strcmp(k, "t10_dev_id")) {
		p->t10_dev_id = v;
		return check_string(k, v, 64, err, errlen);
	}
	if (!strcmp(k, "t10_vend_id")) {
		p->t10_vend_id = v;
		return check_string(k, v, 8, err, errlen);
	}
	if (!strcmp(k, "prod_id")) {
		p->prod_id = v;
		return check_string(k, v, 16, err, errlen);
	}
	if (!strcmp(k, "prod_rev_lvl")) {
		p->prod_rev = v;
		return check_string(k, v, 4, err, errlen);
	}
	/* SCST's per-device I/O thread pool.  scstd submits every command
	 * through io_uring on the I/O loop of its session, so no thread is
	 * per device: both are checked as SCST checks them and kept only to
	 * be shown (a configuration written for SCST loads unchanged). */
	if (!strcmp(k, "threads_num"))
		return parse_threads_num(v, p, err, errlen);
	if (!strcmp(k, "threads_pool_type")) {
		if (!strcmp(v, "per_initiator") || !strcmp(v, "shared")) {
			p->threads_shared = !strcmp(v, "shared");
			return 0;
		}
		snprintf(err, errlen, "threads_pool_type: must be per_initiator or shared, got '%s'",
			 v);
		return -EINVAL;
	}
	if (!strcmp(k, "usn")) {
		p->usn = v;
		return check_string(k, v, 64, err, errlen);
	}
	if (!strcmp(k, "naa_id"))
		return parse_naa_id(v, p->naa_id, &p->naa_id_len, err, errlen);
	snprintf(err, errlen, "unknown parameter '%s'", k);
	return -EINVAL;
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
	/* A saved configuration gives both when the size is whole MiB. */
	if (sg.bytes_given && sg.mb_given && sg.bytes != sg.mb_bytes) {
		snprintf(err, errlen, "size (%llu bytes) and size_mb (%llu MiB) disagree",
			 (unsigned long long)sg.bytes, (unsigned long long)(sg.mb_bytes >> 20));
		return -EINVAL;
	}
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
		/* As add_device's parameters: an empty value is refused, so a
		 * saved configuration can make the device again. */
		if (!*value) {
			snprintf(err, errlen, "%s: empty value", key);
			return -EINVAL;
		}
		if ((rc = parse_one(&kv, &p, &sg, err, errlen)) < 0)
			return rc;
		pthread_mutex_lock(&dev->lock);
		copy_id((char *)dev + f->off, f->width, value, value);
		pthread_mutex_unlock(&dev->lock);
		scst_dev_queue_ua(dev, SCST_S_UA_INQUIRY_DATA_CHANGED, NULL);
		return 0;
	}
	if (!strcmp(key, "naa_id")) {
		if ((rc = parse_naa_id(value, p.naa_id, &p.naa_id_len, err, errlen)) < 0)
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
