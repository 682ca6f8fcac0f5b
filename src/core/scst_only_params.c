/* scst_only_params.c - creation parameters SCST's vdisk handlers list
 * (scst_vdisk.c *_add_dev_params) that scstd does not implement.  A
 * handler shows SCST's list in its mgmt help so that SCST's scstadmin
 * sorts creation parameters from attributes as against SCST; such a
 * parameter at SCST's default is what scstd does anyway and is dropped
 * before the handler sees it, any other value is refused. */
#include <string.h>

#include "scst.h"
#include "scst_priv.h"

static const struct {
	const char *key;
	const char *scst_default;       /* NULL: refused at any value */
	const char *why;
} scst_only[] = {
	{ "active", "1", "inactive devices (cluster fail-over)" },
	{ "async", "0", "asynchronous fileio submission of SCST's kernel threads" },
	{ "bind_alua_state", "1", "unbinding from the ALUA state" },
	{ "cluster_mode", "0", "cluster mode (DLM persistent reservations)" },
	{ "dif_filename", NULL, "T10 PI (DIF)" },
	{ "dif_mode", NULL, "T10 PI (DIF)" },
	{ "dif_static_app_tag", "0", "T10 PI (DIF)" },
	{ "dif_type", "0", "T10 PI (DIF)" },
	{ "numa_node_id", "-1", "NUMA placement of device memory" },
	{ "tst", "1", "a task set shared by all nexuses (TST 000); its task sets are per I_T nexus" },
};

/* Whether dt's SCST list names key. */
static bool scst_lists(const struct scst_dev_type *dt, const char *key)
{
	for (const char *const *p = dt->scst_add_device_params; p && *p; p++)
		if (!strcmp(*p, key))
			return true;
	return false;
}

int scst_only_param(const struct scst_dev_type *dt, const char *key, const char *value,
		    char *err, size_t errlen)
{
	if (!scst_lists(dt, key))
		return 1;
	for (size_t i = 0; i < sizeof(scst_only) / sizeof(scst_only[0]); i++) {
		if (strcmp(scst_only[i].key, key))
			continue;
		if (scst_only[i].scst_default && !strcmp(value, scst_only[i].scst_default))
			return 0;
		if (scst_only[i].scst_default)
			scst_errf(err, errlen, "handler %s: %s=%s: scstd does not implement %s (only "
				  "SCST's default %s=%s)", dt->name, key, value, scst_only[i].why,
				  key, scst_only[i].scst_default);
		else
			scst_errf(err, errlen, "handler %s: %s: scstd does not implement %s",
				  dt->name, key, scst_only[i].why);
		return -1;
	}
	return 1;
}
