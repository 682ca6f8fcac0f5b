/* attr_rules.c - the value rules of configurable attributes and creation
 * parameters, one table for the daemon's stores and the scst.conf checker
 * (attr_rules.h).  A rule names its scopes, the owners (handlers or
 * drivers) it is for, the key and how the value is checked; the reason it
 * gives names the value. */
#include "core/attr_rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alua.h"
#include "util/ioloop.h"

struct attr_rule;
typedef bool (*value_ok_fn)(const struct attr_rule *r, const char *v);

struct attr_rule {
	unsigned scopes;
	const char *owners;             /* blank-separated names; NULL: any */
	const char *key;
	value_ok_fn ok;
	uint64_t min, max;              /* numbers; the length limit of strings */
	const char *expect;             /* the reason's "expected ..." */
	const char *words;              /* the values ok_word takes, blank-separated */
};

bool attr_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool attr_parse_01(const char *s, bool *out)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return false;
	*out = s[0] == '1';
	return true;
}

bool attr_parse_size(const char *s, uint64_t unit, uint64_t *out)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (end == s || errno || !isdigit((unsigned char)s[0]))
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end || n > (UINT64_MAX >> shift) / unit)
		return false;
	*out = (n << shift) * unit;
	return true;
}

bool attr_parse_block_size(const char *s, uint32_t *out)
{
	uint64_t b;

	if (!attr_parse_uint(s, ATTR_MAX_BLOCK_SIZE, &b) || b < 512 || (b & (b - 1)))
		return false;
	*out = (uint32_t)b;
	return true;
}

bool attr_parse_int(const char *s, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *end || errno || n < INT32_MIN || n > INT32_MAX || isspace((unsigned char)*s))
		return false;
	*out = (int)n;
	return true;
}

bool attr_parse_naa_id(const char *s, uint8_t out[16], uint8_t *len)
{
	size_t n;

	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	n = strlen(s);
	if (!((n == 0 || (n == 16 && strchr("235", s[0])) || (n == 32 && s[0] == '6')) &&
	      strspn(s, "0123456789abcdefABCDEF") == n))
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned b;

		sscanf(s + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
	*len = (uint8_t)(n / 2);
	return true;
}

static int hex_digit(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

bool attr_parse_cpu_mask(const char *s, cpu_set_t *set)
{
	size_t len = strlen(s);
	int bit = 0, in_group = 0;
	bool any = false;

	CPU_ZERO(set);
	for (size_t i = len; i-- > 0;) {
		int d;

		if (s[i] == ',') {
			if (!in_group)
				return false;
			bit += (8 - in_group) * 4;       /* a group is 32 bits */
			in_group = 0;
			continue;
		}
		if ((d = hex_digit((unsigned char)s[i])) < 0 || in_group == 8)
			return false;
		for (int b = 0; b < 4; b++, bit++)
			if (d & (1 << b)) {
				if (bit >= CPU_SETSIZE)
					return false;
				CPU_SET(bit, set);
			}
		in_group++;
		any = true;
	}
	return any && in_group && CPU_COUNT(set) > 0;
}

/* ---- the checks a rule names ---- */

static bool ok_uint(const struct attr_rule *r, const char *v)
{
	uint64_t n;

	return attr_parse_uint(v, r->max, &n) && n >= r->min;
}

/* iSCSI keys take C's number forms (iscsi-scst's "0x2000" too). */
static bool ok_uint_c(const struct attr_rule *r, const char *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 0);
	return !errno && end != v && !*end && isdigit((unsigned char)v[0]) && n >= r->min &&
	       n <= r->max;
}

static bool ok_01(const struct attr_rule *r, const char *v)
{
	bool b;

	(void)r;
	return attr_parse_01(v, &b);
}

/* One of the blank-separated words of list. */
static bool word_in(const char *v, const char *list, bool nocase)
{
	size_t n = strlen(v);

	for (const char *p = list; n && *p;) {
		size_t w = strcspn(p, " ");

		if (w == n && (nocase ? !strncasecmp(p, v, n) : !strncmp(p, v, n)))
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

static bool ok_word(const struct attr_rule *r, const char *v)
{
	return word_in(v, r->words, false);
}

static bool ok_word_nocase(const struct attr_rule *r, const char *v)
{
	return word_in(v, r->words, true);
}

/* The identity strings: never empty (a saved configuration must make
 * the device again), at most the INQUIRY field's width. */
static bool ok_maxlen(const struct attr_rule *r, const char *v)
{
	return *v && strlen(v) <= r->max;
}

static bool ok_size(const struct attr_rule *r, const char *v)
{
	uint64_t n;

	return attr_parse_size(v, r->min, &n);
}

static bool ok_block_size(const struct attr_rule *r, const char *v)
{
	uint32_t b;

	(void)r;
	return attr_parse_block_size(v, &b);
}

static bool ok_int(const struct attr_rule *r, const char *v)
{
	int n;

	(void)r;
	return attr_parse_int(v, &n);
}

static bool ok_naa_id(const struct attr_rule *r, const char *v)
{
	uint8_t id[16], len;

	(void)r;
	return attr_parse_naa_id(v, id, &len);
}

static bool ok_cpu_mask(const struct attr_rule *r, const char *v)
{
	cpu_set_t set;

	(void)r;
	return attr_parse_cpu_mask(v, &set);
}

/* README.scst: "The path must be absolute". */
static bool ok_abs_path(const struct attr_rule *r, const char *v)
{
	(void)r;
	return v[0] == '/';
}

static bool ok_io_grouping(const struct attr_rule *r, const char *v)
{
	uint64_t n;

	return word_in(v, "auto this_group_only never", true) ||
	       (attr_parse_uint(v, r->max, &n) && n > 0);
}

/* setup_id: 0x and up to 8 hex digits, or a decimal 32-bit number. */
static bool ok_setup_id(const struct attr_rule *r, const char *v)
{
	uint64_t n;

	(void)r;
	if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2))
		return v[2] && strlen(v) <= 10 && strspn(v + 2, "0123456789abcdefABCDEF") ==
						      strlen(v + 2);
	return attr_parse_uint(v, UINT32_MAX, &n);
}

/* RFC 7143 13.1 / 13.2: a list of None and CRC32C. */
static bool ok_digest_list(const struct attr_rule *r, const char *v)
{
	(void)r;
	for (const char *p = v;;) {
		size_t len = strcspn(p, ",");

		if (!((len == 4 && !strncmp(p, "None", 4)) || (len == 6 && !strncmp(p, "CRC32C", 6))))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static bool ok_nonempty(const struct attr_rule *r, const char *v)
{
	(void)r;
	return *v != '\0';
}

/* README.iscsi-scst iSNSServer: host[:port], or "" to stop registering. */
static bool ok_isns_server(const struct attr_rule *r, const char *v)
{
	if (strlen(v) > r->max)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || (unsigned char)*v >= 0x7f)
			return false;
	return true;
}

static bool ok_alua_state(const struct attr_rule *r, const char *v)
{
	(void)r;
	return scst_alua_state_from_name(v) >= 0;
}

static bool ok_tpgs(const struct attr_rule *r, const char *v)
{
	(void)r;
	return scst_tpgs_from_name(v) >= 0;
}

#define ACG (ATTR_TARGET | ATTR_INI_GROUP)
#define VDISK NULL
#define RANGE(s, o, k, lo, hi) { s, o, k, ok_uint, lo, hi, NULL, NULL }
#define ISCSI_NUM(k, lo, hi) { ATTR_TARGET, "iscsi", k, ok_uint_c, lo, hi, NULL, NULL }
#define BOOL01(s, k) { s, NULL, k, ok_01, 0, 1, "0 or 1", NULL }
#define WORDS(s, o, k, e, list) { s, o, k, ok_word, 0, 0, e, list }
#define MAXLEN(k, n) { ATTR_DEVICE, VDISK, k, ok_maxlen, 0, n, NULL, NULL }
#define CHECK(s, o, k, fn, e) { s, o, k, fn, 0, 0, e, NULL }

/* RFC 7143 12.12-12.19 ranges; iscsi-scst's QueuedCommands, NopIn*,
 * RspTimeout and MaxSessions limits (README.iscsi-scst). */
static const struct attr_rule rules[] = {
	RANGE(ATTR_SCST, NULL, "threads", 1, IOLOOP_MAX),
	CHECK(ATTR_SCST, NULL, "setup_id", ok_setup_id, "0x and 1 to 8 hex digits or a "
						       "32-bit number"),
	BOOL01(ATTR_SCST, "abort_consider_finished_tasks_as_not_existing"),
	BOOL01(ATTR_SCST, "measure_latency"),

	/* The vdisk family's parameters (fileio, blockio, nullio, vcdrom,
	 * rbd, scst_user: they share one parser). */
	BOOL01(ATTR_DEVICE, "read_only"), BOOL01(ATTR_DEVICE, "write_through"),
	BOOL01(ATTR_DEVICE, "nv_cache"), BOOL01(ATTR_DEVICE, "o_direct"),
	BOOL01(ATTR_DEVICE, "thin_provisioned"), BOOL01(ATTR_DEVICE, "removable"),
	BOOL01(ATTR_DEVICE, "rotational"), BOOL01(ATTR_DEVICE, "dummy"),
	BOOL01(ATTR_DEVICE, "tas"),
	CHECK(ATTR_DEVICE, VDISK, "filename", ok_abs_path, "an absolute path"),
	CHECK(ATTR_DEVICE, VDISK, "blocksize", ok_block_size, "a power of 2 from 512 to 65536"),
	{ ATTR_DEVICE, VDISK, "size", ok_size, 1, 0, "a size in bytes (K, M, G, T suffixes)",
	  NULL },
	{ ATTR_DEVICE, VDISK, "size_mb", ok_size, 1u << 20, 0, "a size in MiB (K, M, G, T "
							       "suffixes)", NULL },
	MAXLEN("t10_dev_id", 64), MAXLEN("t10_vend_id", 8), MAXLEN("prod_id", 16),
	MAXLEN("prod_rev_lvl", 4), MAXLEN("usn", 64),
	CHECK(ATTR_DEVICE, VDISK, "naa_id", ok_naa_id, "16 hex digits starting 2, 3 or 5, or 32 "
						       "starting 6"),
	CHECK(ATTR_DEVICE, VDISK, "threads_num", ok_int, "an integer"),
	WORDS(ATTR_DEVICE, VDISK, "threads_pool_type", "per_initiator or shared",
	      "per_initiator shared"),
	RANGE(ATTR_DEVICE, "scst_user", "cmd_timeout", 1, ATTR_USER_CMD_TIMEOUT_MAX),
	/* Where vdisk_rbd's image is: each one a name, never empty. */
	CHECK(ATTR_DEVICE, "vdisk_rbd", "pool", ok_nonempty, "a value"),
	CHECK(ATTR_DEVICE, "vdisk_rbd", "image", ok_nonempty, "a value"),
	CHECK(ATTR_DEVICE, "vdisk_rbd", "namespace", ok_nonempty, "a value"),
	CHECK(ATTR_DEVICE, "vdisk_rbd", "conf", ok_nonempty, "a value"),
	CHECK(ATTR_DEVICE, "vdisk_rbd", "id", ok_nonempty, "a value"),

	BOOL01(ATTR_DRIVER | ATTR_TARGET, "enabled"),
	WORDS(ATTR_DRIVER, "iscsi", "iSNSAccessControl", "Yes or No (1 or 0)", "Yes No 1 0"),
	{ ATTR_DRIVER, "iscsi", "iSNSServer", ok_isns_server, 0, ATTR_ISNS_SERVER_LEN,
	  "host[:port] of at most 127 printable characters, or an empty value", NULL },
	RANGE(ATTR_TARGET, NULL, "rel_tgt_id", 0, 65535),
	/* SAM-5's LUN and EXTENDED_LUN addressing are not implemented. */
	{ ACG, NULL, "addr_method", ok_word_nocase, 0, 0, "PERIPHERAL or FLAT",
	  "PERIPHERAL FLAT" },
	{ ACG, NULL, "io_grouping_type", ok_io_grouping, 0, INT32_MAX,
	  "auto, this_group_only, never or a number > 0", NULL },
	CHECK(ACG, NULL, "cpu_mask", ok_cpu_mask, "a hexadecimal CPU bitmap in 32-bit groups "
						  "separated by commas"),

	ISCSI_NUM("QueuedCommands", 1, 2048),
	ISCSI_NUM("MaxRecvDataSegmentLength", 512, 16777215),
	ISCSI_NUM("MaxXmitDataSegmentLength", 512, 16777215),
	ISCSI_NUM("MaxBurstLength", 512, 16777215),
	ISCSI_NUM("FirstBurstLength", 512, 16777215),
	WORDS(ATTR_TARGET, "iscsi", "InitialR2T", "Yes or No (1 or 0)", "Yes No 1 0"),
	WORDS(ATTR_TARGET, "iscsi", "ImmediateData", "Yes or No (1 or 0)", "Yes No 1 0"),
	ISCSI_NUM("MaxOutstandingR2T", 1, 65535),
	CHECK(ATTR_TARGET, "iscsi", "HeaderDigest", ok_digest_list,
	      "None, CRC32C or a comma list of both"),
	CHECK(ATTR_TARGET, "iscsi", "DataDigest", ok_digest_list,
	      "None, CRC32C or a comma list of both"),
	ISCSI_NUM("NopInInterval", 0, 65535),
	ISCSI_NUM("NopInTimeout", 1, 65535),
	ISCSI_NUM("MaxSessions", 0, 65535),
	ISCSI_NUM("RspTimeout", 2, 65535),

	BOOL01(ATTR_LUN, "read_only"),

	CHECK(ATTR_DEVICE_GROUP, NULL, "tpgs", ok_tpgs, "implicit, explicit or both"),
	RANGE(ATTR_DEVICE_GROUP, NULL, "implicit_transition_time", 0, 255),
	RANGE(ATTR_TARGET_GROUP, NULL, "group_id", 1, 65535),
	CHECK(ATTR_TARGET_GROUP, NULL, "state", ok_alua_state, "active, nonoptimized, standby, "
							      "unavailable, offline or transitioning"),
	BOOL01(ATTR_TARGET_GROUP, "preferred"),
	RANGE(ATTR_TG_TARGET, NULL, "rel_tgt_id", 1, 65535),
};

static bool owner_in(const char *owners, const char *owner)
{
	return !owners || (owner && word_in(owner, owners, false));
}

static const struct attr_rule *find_rule(enum attr_scope scope, const char *owner,
					 const char *key)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if ((rules[i].scopes & scope) && !strcmp(rules[i].key, key) &&
		    owner_in(rules[i].owners, owner))
			return &rules[i];
	return NULL;
}

int attr_rule_check(enum attr_scope scope, const char *owner, const char *key,
		    const char *value, char *why, size_t whylen)
{
	const struct attr_rule *r = find_rule(scope, owner, key);

	if (!r && scope == ATTR_LUN) {
		snprintf(why, whylen, "%s: not a LUN parameter (read_only is the one), value '%.64s'",
			 key, value);
		return -EINVAL;
	}
	if (!r)
		return 1;
	if (r->ok(r, value))
		return 0;
	if (r->expect)
		snprintf(why, whylen, "%s: expected %s, not '%.64s'", key, r->expect, value);
	else if (r->ok == ok_maxlen)
		snprintf(why, whylen, "%s: expected 1 to %llu characters, not '%.80s'", key,
			 (unsigned long long)r->max, value);
	else
		snprintf(why, whylen, "%s: expected a number in [%llu, %llu], not '%.64s'", key,
			 (unsigned long long)r->min, (unsigned long long)r->max, value);
	return -EINVAL;
}

int attr_size_pair_check(const char *size, const char *size_mb, char *why, size_t whylen)
{
	uint64_t bytes = 0, mb_bytes = 0;

	attr_parse_size(size, 1, &bytes);
	attr_parse_size(size_mb, 1u << 20, &mb_bytes);
	if (bytes == mb_bytes)
		return 0;
	snprintf(why, whylen, "size '%.32s' and size_mb '%.32s' are not the same size", size,
		 size_mb);
	return -EINVAL;
}
