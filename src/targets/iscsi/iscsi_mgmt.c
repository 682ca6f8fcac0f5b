/* iscsi_mgmt.c - the iSCSI driver's own entries of the management tree:
 * targets/iscsi/iSNSServer and iSNSAccessControl, the admission limits
 * (LoginTimeout, MaxPendingLoginsPerPortal, MaxPendingLoginsPerAddress),
 * MaxBufferedResponseData(PerInitiator) and refused_connections and, in every targets/iscsi/<target>/, one
 * read-write file per negotiable parameter (iscsi_tgt_params.c), marked
 * [key] when it differs from its default (SysfsRules). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/tree.h"
#include "targets/iscsi/iscsi_isns.h"
#include "targets/iscsi/iscsi_priv.h"
#include "targets/iscsi/iscsi_tgt_params.h"

static int show_isns_server(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[ISCSI_ISNS_SERVER_MAX];
	bool set = iscsi_isns_server(v, sizeof(v));

	(void)n;
	mgmt_show_value(out, v, set);
	return 0;
}

static int store_isns_server(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	(void)n;
	return iscsi_isns_set_server(value, err, errlen);
}

static int show_isns_access_control(const struct mgmt_node *n, struct mgmt_buf *out)
{
	bool on = iscsi_isns_access_control();

	(void)n;
	mgmt_show_value(out, on ? "Yes" : "No", on);
	return 0;
}

static int store_isns_access_control(const struct mgmt_node *n, const char *value, char *err,
				     size_t errlen)
{
	(void)n;
	return iscsi_isns_set_access_control(value, err, errlen);
}

static int show_param(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[64];
	bool is_default;
	int rc = iscsi_tgt_param_get(n->tgt->tgt_priv, n->entry->name, v, sizeof(v), &is_default);

	if (rc < 0)
		return rc;
	mgmt_show_value(out, v, !is_default);
	return 0;
}

static int store_param(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	int rc = iscsi_tgt_param_set(n->tgt->tgt_priv, n->entry->name, value, err, errlen);

	return rc == 1 ? -ENOENT : rc;
}

static int show_admit_attr(const struct mgmt_node *n, struct mgmt_buf *out)
{
	unsigned v;
	bool is_default;
	char s[16];
	int rc = iscsi_admit_get_attr(n->entry->name, &v, &is_default);

	if (rc < 0)
		return rc;
	snprintf(s, sizeof(s), "%u", v);
	mgmt_show_value(out, s, !is_default);
	return 0;
}

static int store_admit_attr(const struct mgmt_node *n, const char *value, char *err,
			    size_t errlen)
{
	int rc = iscsi_admit_set_attr(n->entry->name, value, err, errlen);

	return rc == 1 ? -ENOENT : rc;
}

/* Connections refused (or closed in login) since start, by reason. */
static int show_refused(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	mgmt_printf(out, "out_of_descriptors %llu\npending_per_portal %llu\n"
		    "pending_per_address %llu\nlogin_timeout %llu\n",
		    iscsi_admit_refused(ISCSI_REFUSE_NO_FD), iscsi_admit_refused(ISCSI_REFUSE_PORTAL),
		    iscsi_admit_refused(ISCSI_REFUSE_ADDR),
		    iscsi_admit_refused(ISCSI_REFUSE_LOGIN_TIMEOUT));
	return 0;
}

#define ADMIT_ATTR(k) { .name = k, .kind = MGMT_ATTR, .show = show_admit_attr, \
			.store = store_admit_attr }

static const struct mgmt_entry driver_entries[] = {
	ADMIT_ATTR("LoginTimeout"),
	ADMIT_ATTR("MaxPendingLoginsPerPortal"),
	ADMIT_ATTR("MaxPendingLoginsPerAddress"),
	ADMIT_ATTR("MaxBufferedResponseData"),
	ADMIT_ATTR("MaxBufferedResponseDataPerInitiator"),
	{ .name = "refused_connections", .kind = MGMT_ATTR, .show = show_refused },
	{ .name = "iSNSServer", .kind = MGMT_ATTR, .show = show_isns_server,
	  .store = store_isns_server },
	{ .name = "iSNSAccessControl", .kind = MGMT_ATTR, .show = show_isns_access_control,
	  .store = store_isns_access_control },
	{ .name = NULL },
};

#define PARAM(k) { .name = k, .kind = MGMT_ATTR, .show = show_param, .store = store_param }

static const struct mgmt_entry target_entries[] = {
	PARAM("QueuedCommands"),
	PARAM("MaxRecvDataSegmentLength"),
	PARAM("MaxXmitDataSegmentLength"),
	PARAM("MaxBurstLength"),
	PARAM("FirstBurstLength"),
	PARAM("InitialR2T"),
	PARAM("ImmediateData"),
	PARAM("MaxOutstandingR2T"),
	PARAM("HeaderDigest"),
	PARAM("DataDigest"),
	PARAM("NopInInterval"),
	PARAM("NopInTimeout"),
	PARAM("MaxSessions"),
	PARAM("RspTimeout"),
	{ .name = NULL },
};

static const struct mgmt_driver_ext iscsi_ext = {
	.driver = "iscsi",
	.driver_entries = driver_entries,
	.target_entries = target_entries,
	/* As iscsi-scst's template (iscsi.c): what add_attribute and
	 * add_target_attribute take, each value one more instance. */
	.tgtt_optional_attributes = "IncomingUser, OutgoingUser",
	.tgt_optional_attributes = "IncomingUser, OutgoingUser, allowed_portal",
};

int iscsi_mgmt_register(void)
{
	static bool registered;
	int rc;

	/* The table is process-wide; iscsi_init() may run more than once. */
	if (registered)
		return 0;
	rc = mgmt_register_driver_ext(&iscsi_ext);
	registered = rc == 0;
	return rc;
}
