/* mgmt_addr_method.c - addr_method of a target's default LUN set and of
 * each ini_group (README.scst): how LUN numbers are encoded in REPORT
 * LUNS and the LUN field, PERIPHERAL (SAM's peripheral device addressing,
 * LUNs above 255 in flat form) or FLAT (flat space addressing for every
 * LUN).  [key] when not PERIPHERAL, SCST's default for the drivers here.
 * A change reaches live sessions at their next REPORT LUNS. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "mgmt/tree.h"

int mgmt_show_addr_method(const struct mgmt_node *n, struct mgmt_buf *out)
{
	enum scst_addr_method m = __atomic_load_n(&n->acg->addr_method, __ATOMIC_RELAXED);

	mgmt_show_value(out, m == SCST_LUN_ADDR_METHOD_FLAT ? "FLAT" : "PERIPHERAL",
			m != SCST_LUN_ADDR_METHOD_PERIPHERAL);
	return 0;
}

int mgmt_store_addr_method(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen)
{
	enum scst_addr_method m;

	if (!strcasecmp(value, "PERIPHERAL"))
		m = SCST_LUN_ADDR_METHOD_PERIPHERAL;
	else if (!strcasecmp(value, "FLAT"))
		m = SCST_LUN_ADDR_METHOD_FLAT;
	else
		return mgmt_refuse(-EINVAL, err, errlen,
				   "addr_method: PERIPHERAL or FLAT, not '%s' (LUN and "
				   "EXTENDED_LUN addressing are not implemented)", value);
	__atomic_store_n(&n->acg->addr_method, m, __ATOMIC_RELAXED);
	return 0;
}
