/* mgmt_addr_method.c - addr_method of a target's default LUN set and of
 * each ini_group (README.scst): how LUN numbers are encoded in REPORT
 * LUNS and the LUN field, PERIPHERAL (SAM's peripheral device addressing,
 * LUNs above 255 in flat form) or FLAT (flat space addressing for every
 * LUN).  [key] when not PERIPHERAL, SCST's default for the drivers here.
 * A change reaches live sessions at their next REPORT LUNS. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/attr_rules.h"
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

	/* LUN and EXTENDED_LUN addressing are not implemented. */
	if (attr_rule_check(ATTR_INI_GROUP, NULL, "addr_method", value, err, errlen) < 0)
		return -EINVAL;
	m = !strcasecmp(value, "FLAT") ? SCST_LUN_ADDR_METHOD_FLAT :
					 SCST_LUN_ADDR_METHOD_PERIPHERAL;
	__atomic_store_n(&n->acg->addr_method, m, __ATOMIC_RELAXED);
	return 0;
}
