/* iscsi_tgt_params.c - a target's negotiable parameters (QueuedCommands,
 * MaxRecvDataSegmentLength ... HeaderDigest, NopIn*, MaxSessions,
 * RspTimeout): their
 * names, limits and defaults, validation of new values, their text form
 * for the management tree, and the lock that lets management change them
 * while logins copy them.  A change applies to sessions logging in later. */
#include "targets/iscsi/iscsi_tgt_params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/iscsi/iscsi_priv.h"

enum param_kind { PARAM_NUMBER, PARAM_BOOL, PARAM_DIGEST };

struct param_desc {
	const char *key;
	size_t offset;
	uint32_t min, max;
	enum param_kind kind;
};

#define NUM(k, f, lo, hi) { k, offsetof(struct iscsi_limits, f), lo, hi, PARAM_NUMBER }
#define BOOL(k, f) { k, offsetof(struct iscsi_limits, f), 0, 1, PARAM_BOOL }
#define DIGEST(k, f) { k, offsetof(struct iscsi_limits, f), 0, 0, PARAM_DIGEST }

static const struct param_desc params[] = {
	NUM("QueuedCommands", queued_cmds, 1, 2048),
	NUM("MaxRecvDataSegmentLength", max_recv_dsl, 512, 16777215),
	NUM("MaxXmitDataSegmentLength", max_xmit_dsl, 512, 16777215),
	NUM("MaxBurstLength", max_burst, 512, 16777215),
	NUM("FirstBurstLength", first_burst, 512, 16777215),
	BOOL("InitialR2T", initial_r2t),
	BOOL("ImmediateData", immediate_data),
	NUM("MaxOutstandingR2T", max_outstanding_r2t, 1, 65535),
	DIGEST("HeaderDigest", header_digests),
	DIGEST("DataDigest", data_digests),
	NUM("NopInInterval", nop_in_interval, 0, 65535),
	NUM("NopInTimeout", nop_in_timeout, 1, 65535),
	NUM("MaxSessions", max_sessions, 0, 65535),
	NUM("RspTimeout", rsp_timeout, 2, 65535),
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

/* Management writes, logins read: a login copies the whole set at once. */
static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct param_desc *find_param(const char *key)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].key, key))
			return &params[i];
	return NULL;
}

const char *iscsi_tgt_param_name(size_t i)
{
	return i < NPARAMS ? params[i].key : NULL;
}

/* The new value into *l when valid; l is untouched otherwise. */
static int parse_into(struct iscsi_limits *l, const struct param_desc *d, const char *value,
		      char *err, size_t errlen)
{
	char *field = (char *)l + d->offset, *end;
	unsigned long v;

	switch (d->kind) {
	case PARAM_BOOL:
		if (!strcmp(value, "Yes") || !strcmp(value, "1"))
			*(bool *)field = true;
		else if (!strcmp(value, "No") || !strcmp(value, "0"))
			*(bool *)field = false;
		else
			goto bad;
		return 0;
	case PARAM_DIGEST:
		if (iscsi_digest_list_parse(value, (uint8_t *)field) < 0)
			goto bad;
		return 0;
	case PARAM_NUMBER:
		errno = 0;
		v = strtoul(value, &end, 0);
		if (errno || end == value || *end || value[0] == '-' || v < d->min || v > d->max)
			goto bad;
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	}
bad:
	if (d->kind == PARAM_BOOL)
		snprintf(err, errlen, "%s: expected Yes or No, not '%.64s'", d->key, value);
	else if (d->kind == PARAM_DIGEST)
		snprintf(err, errlen, "%s: expected None, CRC32C or a comma list of both, not '%.64s'",
			 d->key, value);
	else
		snprintf(err, errlen, "%s: expected a number in [%u, %u], not '%.64s'", d->key,
			 d->min, d->max, value);
	return -EINVAL;
}

int iscsi_tgt_param_set(struct iscsi_target *it, const char *key, const char *value, char *err,
			size_t errlen)
{
	const struct param_desc *d = find_param(key);
	struct iscsi_limits l;
	int rc;

	if (!d)
		return 1;
	pthread_mutex_lock(&limits_lock);
	l = it->limits;
	rc = parse_into(&l, d, value, err, errlen);
	if (rc == 0)
		it->limits = l;
	pthread_mutex_unlock(&limits_lock);
	return rc;
}

static void format_field(const struct iscsi_limits *l, const struct param_desc *d, char *buf,
			 size_t len)
{
	const char *field = (const char *)l + d->offset;
	uint8_t mask;

	switch (d->kind) {
	case PARAM_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "Yes" : "No");
		break;
	case PARAM_DIGEST:
		mask = *(const uint8_t *)field;
		snprintf(buf, len, "%s%s%s", mask & ISCSI_DIGEST_ALLOW_NONE ? "None" : "",
			 mask == (ISCSI_DIGEST_ALLOW_NONE | ISCSI_DIGEST_ALLOW_CRC32C) ? "," : "",
			 mask & ISCSI_DIGEST_ALLOW_CRC32C ? "CRC32C" : "");
		break;
	case PARAM_NUMBER:
		snprintf(buf, len, "%u", *(const uint32_t *)field);
		break;
	}
}

int iscsi_tgt_param_get(struct iscsi_target *it, const char *key, char *buf, size_t len,
			bool *is_default)
{
	const struct param_desc *d = find_param(key);
	struct iscsi_limits def = { 0 };
	char dbuf[32];

	if (!d)
		return -ENOENT;
	iscsi_limits_defaults(&def);
	format_field(&def, d, dbuf, sizeof(dbuf));
	pthread_mutex_lock(&limits_lock);
	format_field(&it->limits, d, buf, len);
	pthread_mutex_unlock(&limits_lock);
	*is_default = !strcmp(buf, dbuf);
	return 0;
}

void iscsi_target_limits(struct iscsi_target *it, struct iscsi_limits *out)
{
	pthread_mutex_lock(&limits_lock);
	*out = it->limits;
	pthread_mutex_unlock(&limits_lock);
}
