/* mgmt_io_group.c - io_grouping_type and cpu_mask of a target's default
 * group and of each ini_group (README.scst), as SCST shows and takes them
 * (scst_sysfs.c __scst_acg_io_grouping_type_show/_store,
 * __scst_acg_cpu_mask_show/_store): io_grouping_type "auto" (default, no
 * [key]), "this_group_only", "never" or a group number > 0; cpu_mask a
 * hexadecimal CPU bitmap in 32-bit groups separated by commas (Linux's
 * %*pb / bitmap_parse), [key] when not every CPU.  What they do is
 * core/io_group.c's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/attr_rules.h"
#include "core/scst.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"

int mgmt_show_io_grouping(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[16];

	/* Reads run under scst_mutex (tree.c), which the setters take. */
	switch (n->acg->io_grouping) {
	case SCST_IO_GROUPING_AUTO:
		snprintf(v, sizeof(v), "auto");
		break;
	case SCST_IO_GROUPING_THIS_GROUP_ONLY:
		snprintf(v, sizeof(v), "this_group_only");
		break;
	case SCST_IO_GROUPING_NEVER:
		snprintf(v, sizeof(v), "never");
		break;
	case SCST_IO_GROUPING_NUMBER:
		snprintf(v, sizeof(v), "%u", n->acg->io_group_number);
		break;
	}
	mgmt_show_value(out, v, n->acg->io_grouping != SCST_IO_GROUPING_AUTO);
	return 0;
}

int mgmt_store_io_grouping(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen)
{
	uint64_t num = 0;
	enum scst_io_grouping g;

	if (attr_rule_check(ATTR_INI_GROUP, NULL, "io_grouping_type", value, err, errlen) < 0)
		return -EINVAL;
	if (!strcasecmp(value, "auto"))
		g = SCST_IO_GROUPING_AUTO;
	else if (!strcasecmp(value, "this_group_only"))
		g = SCST_IO_GROUPING_THIS_GROUP_ONLY;
	else if (!strcasecmp(value, "never"))
		g = SCST_IO_GROUPING_NEVER;
	else
		g = attr_parse_uint(value, INT32_MAX, &num) ? SCST_IO_GROUPING_NUMBER :
							      SCST_IO_GROUPING_AUTO;
	scst_acg_set_io_grouping(n->acg, g, (unsigned)num);
	return scst_acg_regroup_sessions(n->acg, err, errlen);
}

/* The CPUs the bitmap spans: the configured ones (SCST: nr_cpu_ids). */
static int mask_bits(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n < 1 ? 1 : n > CPU_SETSIZE ? CPU_SETSIZE : (int)n;
}

static void format_mask(const cpu_set_t *set, char *buf, size_t len)
{
	int nbits = mask_bits(), chunk = nbits % 32 ? nbits % 32 : 32;
	size_t used = 0;

	buf[0] = '\0';
	for (int lo = (nbits + 31) / 32 * 32 - 32; lo >= 0; lo -= 32) {
		unsigned val = 0;

		for (int b = 0; b < chunk; b++)
			if (CPU_ISSET(lo + b, set))
				val |= 1u << b;
		used += snprintf(buf + used, len > used ? len - used : 0, "%s%0*x",
				 used ? "," : "", (chunk + 3) / 4, val);
		chunk = 32;
	}
}

int mgmt_show_cpu_mask(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[CPU_SETSIZE / 4 + CPU_SETSIZE / 32 + 2];
	cpu_set_t set;
	bool key;

	key = n->acg->cpu_mask_set;
	set = n->acg->cpu_mask;
	if (!key && sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	format_mask(&set, v, sizeof(v));
	mgmt_show_value(out, v, key);
	return 0;
}

int mgmt_store_cpu_mask(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	cpu_set_t set;
	int rc;

	if (attr_rule_check(ATTR_INI_GROUP, NULL, "cpu_mask", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_cpu_mask(value, &set);
	rc = scst_acg_set_cpu_mask(n->acg, &set, err, errlen);
	return rc < 0 ? rc : scst_acg_regroup_sessions(n->acg, err, errlen);
}
