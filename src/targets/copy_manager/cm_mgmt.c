/* cm_mgmt.c - the copy_manager driver's own file in the management tree:
 * targets/copy_manager/allow_not_connected_copy (README.scst-3.x), 0644,
 * "[key]" when not at its default 0, as SCST's scst_cm_allow_not_conn_copy_show. */
#include <errno.h>

#include "core/attr_rules.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"
#include "targets/copy_manager/cm_priv.h"
#include "targets/copy_manager/copy_manager.h"

static int show_allow(const struct mgmt_node *n, struct mgmt_buf *out)
{
	bool on = copy_manager_allow_not_connected();

	(void)n;
	mgmt_show_value(out, on ? "1" : "0", on);
	return 0;
}

static int store_allow(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	bool on;

	(void)n;
	if (!attr_parse_01(value, &on))
		return mgmt_refuse(-EINVAL, err, errlen, "allow_not_connected_copy: 0 or 1, not '%s'",
				   value);
	copy_manager_set_allow_not_connected(on);
	return 0;
}

static const struct mgmt_entry driver_entries[] = {
	{ .name = "allow_not_connected_copy", .kind = MGMT_ATTR, .show = show_allow,
	  .store = store_allow },
	{ .name = NULL },
};

static const struct mgmt_driver_ext cm_ext = {
	.driver = CM_DRIVER,
	.driver_entries = driver_entries,
};

int cm_mgmt_register(void)
{
	return mgmt_register_driver_ext(&cm_ext);
}
