/* alua_names.c - the names of README.scst-3.x's ALUA states (active,
 * nonoptimized, ...) and tpgs values, apart from the model in alua.c so
 * the scst.conf checker (core/attr_rules.c, linked into scstadmin) reads
 * the same list the daemon's device_groups attributes accept. */
#include <string.h>

#include "alua.h"

static const struct {
	unsigned state;
	const char *name;
} state_names[] = {
	{ SCST_ALUA_OPTIMIZED, "active" },
	{ SCST_ALUA_NONOPTIMIZED, "nonoptimized" },
	{ SCST_ALUA_STANDBY, "standby" },
	{ SCST_ALUA_UNAVAILABLE, "unavailable" },
	{ SCST_ALUA_OFFLINE, "offline" },
	{ SCST_ALUA_TRANSITIONING, "transitioning" },
};

const char *scst_alua_state_name(unsigned state)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i].state == state)
			return state_names[i].name;
	return NULL;
}

int scst_alua_state_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(state_names[i].name, name))
			return (int)state_names[i].state;
	return -1;
}

static const char *const tpgs_names[] = {
	[SCST_TPGS_IMPLICIT] = "implicit",
	[SCST_TPGS_EXPLICIT] = "explicit",
	[SCST_TPGS_BOTH] = "both",
};

const char *scst_tpgs_name(enum scst_tpgs tpgs)
{
	return tpgs >= SCST_TPGS_IMPLICIT && tpgs <= SCST_TPGS_BOTH ? tpgs_names[tpgs] : NULL;
}

int scst_tpgs_from_name(const char *name)
{
	for (int i = SCST_TPGS_IMPLICIT; i <= SCST_TPGS_BOTH; i++)
		if (!strcmp(tpgs_names[i], name))
			return i;
	return -1;
}
