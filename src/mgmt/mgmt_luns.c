/* mgmt_luns.c - the LUN sets of targets and groups: luns/mgmt (add NAME
 * LUN [read_only=1], replace NAME LUN [read_only=1], del LUN, clear) and
 * luns/<N>/{device,read_only}.  A change reaches the live sessions of the
 * group at once, with REPORTED LUNS DATA HAS CHANGED (INQUIRY DATA HAS
 * CHANGED for replace); see core/lun_resync.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/attr_rules.h"
#include "core/mgmt_access.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"

static int show_lun_device(const struct mgmt_node *n, struct mgmt_buf *out)
{
	/* luns/N sits 5 levels below the root for a target's own set
	 * (targets/D/T/luns/N), 7 for a group's (.../ini_groups/G/luns/N). */
	int up = n->acg->is_default ? 5 : 7;

	for (int i = 0; i < up; i++)
		mgmt_printf(out, "../");
	mgmt_printf(out, "devices/%s", n->ad->dev->name);
	return 0;
}

/* As SCST's scst_lun_rd_only_show: 1 with [key] when the LUN or its
 * device is read-only, so -write_config keeps it either way. */
static int show_lun_read_only(const struct mgmt_node *n, struct mgmt_buf *out)
{
	bool ro = n->ad->read_only || n->ad->dev->read_only;

	mgmt_show_value(out, ro ? "1" : "0", ro);
	return 0;
}

static const struct mgmt_entry lun_entries[] = {
	{ .name = "device", .kind = MGMT_LINK, .show = show_lun_device },
	{ .name = "read_only", .kind = MGMT_ATTR, .show = show_lun_read_only },
	{ .name = NULL },
};

static const struct mgmt_dir_ops lun_dir = { .entries = lun_entries };

static int show_luns_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out,
			       "Usage: echo \"add VNAME lun [parameters]\" >mgmt\n"
			       "       echo \"del lun\" >mgmt\n"
			       "       echo \"replace VNAME lun [parameters]\" >mgmt\n"
			       "       echo \"clear\" >mgmt\n"
			       "\nThe following parameters available: read_only.\n");
}

static int parse_lun_params(char *s, bool *read_only, char *err, size_t errlen)
{
	struct scst_kv kv[MGMT_MAX_PARAMS];
	int np = mgmt_parse_params(s, kv, MGMT_MAX_PARAMS, err, errlen);

	if (np < 0)
		return np;
	*read_only = false;
	for (int i = 0; i < np; i++) {
		if (attr_rule_check(ATTR_LUN, NULL, kv[i].key, kv[i].value ? kv[i].value : "",
				    err, errlen) < 0)
			return -EINVAL;
		attr_parse_01(kv[i].value, read_only);
	}
	return 0;
}

/* add and replace: "VNAME lun [read_only=1]". */
static int lun_add(const struct mgmt_node *n, char *cur, bool replace, char *err, size_t errlen)
{
	char *dev = mgmt_next_word(&cur), *lun_s = mgmt_next_word(&cur);
	bool read_only;
	uint64_t lun;
	int rc;

	if (!dev || !lun_s)
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s VNAME lun [read_only=1]",
				   replace ? "replace" : "add");
	if (!attr_parse_uint(lun_s, SCST_MAX_LUN, &lun))
		return mgmt_refuse(-EINVAL, err, errlen, "invalid LUN '%s' (0..%u)", lun_s,
				   SCST_MAX_LUN);
	rc = parse_lun_params(mgmt_rest(cur), &read_only, err, errlen);
	if (rc < 0)
		return rc;
	if (replace)
		rc = scst_acg_replace_lun(n->acg, lun, dev, read_only, err, errlen);
	else
		rc = scst_acg_add_lun(n->acg, lun, dev, read_only, err, errlen);
	if (rc == 0)
		scst_acg_resync_sessions(n->acg, replace ? lun : UINT64_MAX);
	return rc;
}

static int lun_del(const struct mgmt_node *n, char *cur, char *err, size_t errlen)
{
	char *lun_s = mgmt_next_word(&cur);
	uint64_t lun;
	int rc;

	if (!lun_s || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen, "usage: del lun");
	if (!attr_parse_uint(lun_s, SCST_MAX_LUN, &lun))
		return mgmt_refuse(-EINVAL, err, errlen, "invalid LUN '%s' (0..%u)", lun_s,
				   SCST_MAX_LUN);
	rc = scst_acg_del_lun(n->acg, lun, err, errlen);
	if (rc == 0)
		scst_acg_resync_sessions(n->acg, UINT64_MAX);
	return rc;
}

static int store_luns_mgmt(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen)
{
	char line[MGMT_MAX_VALUE], *cur = line, *cmd;

	snprintf(line, sizeof(line), "%s", value);
	if (mgmt_check_line(line, err, errlen) < 0)
		return -EINVAL;
	cmd = mgmt_next_word(&cur);
	if (!cmd)
		return mgmt_refuse(-EINVAL, err, errlen, "empty command");
	if (!strcmp(cmd, "add") || !strcmp(cmd, "replace"))
		return lun_add(n, cur, cmd[0] == 'r', err, errlen);
	if (!strcmp(cmd, "del"))
		return lun_del(n, cur, err, errlen);
	if (!strcmp(cmd, "clear")) {
		if (*mgmt_rest(cur))
			return mgmt_refuse(-EINVAL, err, errlen, "usage: clear");
		if (scst_acg_clear_luns(n->acg, err, errlen) < 0)
			return -EINVAL;
		scst_acg_resync_sessions(n->acg, UINT64_MAX);
		return 0;
	}
	return mgmt_refuse(-EINVAL, err, errlen, "unknown command '%s'", cmd);
}

static const struct mgmt_entry luns_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_luns_mgmt, .store = store_luns_mgmt },
	{ .name = NULL },
};

static int luns_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_acg_dev *ad;
	uint64_t lun;

	/* Only the canonical spelling: "02" is not LUN 2's directory. */
	if (!attr_parse_uint(name, SCST_MAX_LUN, &lun) || (name[0] == '0' && name[1]))
		return -ENOENT;
	ad = scst_acg_find_lun(dir->acg, lun);
	if (!ad)
		return -ENOENT;
	mgmt_child_dir(child, dir, &lun_dir, name);
	child->ad = ad;
	return 0;
}

static void luns_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_acg_dev *ad;
	char name[24];

	list_for_each_entry(ad, &dir->acg->acg_devs, node) {
		snprintf(name, sizeof(name), "%" PRIu64, ad->lun);
		fn(ctx, name, MGMT_DIR, false);
	}
}

const struct mgmt_dir_ops mgmt_luns_dir = {
	.entries = luns_entries,
	.lookup = luns_lookup,
	.list = luns_list,
};
