/* iscsi_tgt_params.c - a target's negotiable parameters (QueuedCommands,
 * MaxRecvDataSegmentLength ... HeaderDigest, NopIn*, MaxSessions,
 * RspTimeout): their
 * names and defaults, parsing of new values (their limits are the shared
 * rules of core/attr_rules.c, which scstadmin -check_config applies), their text form
 * for the management tree, and the lock that lets management change them
 * while logins copy them.  A change applies to sessions logging in later. */
#include "targets/iscsi/iscsi_tgt_params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attr_rules.h"
#include "targets/iscsi/iscsi_priv.h"

enum param_kind { PARAM_NUMBER, PARAM_BOOL, PARAM_DIGEST };

struct param_desc {
	const char *key;
	size_t offset;
	enum param_kind kind;
};

#define NUM(k, f) { k, offsetof(struct iscsi_limits, f), PARAM_NUMBER }
#define BOOL(k, f) { k, offsetof(struct iscsi_limits, f), PARAM_BOOL }
#define DIGEST(k, f) { k, offsetof(struct iscsi_limits, f), PARAM_DIGEST }

static const struct param_desc params[] = {
	NUM("QueuedCommands", queued_cmds),
	NUM("MaxRecvDataSegmentLength", max_recv_dsl),
	NUM("MaxXmitDataSegmentLength", max_xmit_dsl),
	NUM("MaxBurstLength", max_burst),
	NUM("FirstBurstLength", first_burst),
	BOOL("InitialR2T", initial_r2t),
	BOOL("ImmediateData", immediate_data),
	NUM("MaxOutstandingR2T", max_outstanding_r2t),
	DIGEST("HeaderDigest", header_digests),
	DIGEST("DataDigest", data_digests),
	NUM("NopInInterval", nop_in_interval),
	NUM("NopInTimeout", nop_in_timeout),
	NUM("MaxSessions", max_sessions),
	NUM("RspTimeout", rsp_timeout),
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

/* The new value into *l when its rule accepts it; l is untouched
 * otherwise. */
static int parse_into(struct iscsi_limits *l, const struct param_desc *d, const char *value,
		      char *err, size_t errlen)
{
	char *field = (char *)l + d->offset;

	if (attr_rule_check(ATTR_TARGET, "iscsi", d->key, value, err, errlen) < 0)
		return -EINVAL;
	switch (d->kind) {
	case PARAM_BOOL:
		*(bool *)field = !strcmp(value, "Yes") || !strcmp(value, "1");
		break;
	case PARAM_DIGEST:
		iscsi_digest_list_parse(value, (uint8_t *)field);
		break;
	case PARAM_NUMBER:
		*(uint32_t *)field = (uint32_t)strtoul(value, NULL, 0);
		break;
	}
	return 0;
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
