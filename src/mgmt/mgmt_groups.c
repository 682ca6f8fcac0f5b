/* mgmt_groups.c - ini_groups/ of a target: mgmt (create NAME, del NAME),
 * and per group its luns/ and initiators/ (mgmt: add NAME, del NAME,
 * move NAME GROUP, clear, or a bare NAME to add; one file per initiator
 * name pattern).  A name change moves the logged-in sessions it concerns
 * to the group they now match (SCST's session reassignment). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/mgmt_access.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"

/* ---- ini_groups/<g>/initiators/ ---- */

static int show_initiator(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "%s\n", n->name);
	return 0;
}

static const struct mgmt_entry initiator_file = { .name = "<initiator>", .kind = MGMT_ATTR,
						  .show = show_initiator };

static int show_ini_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out,
			       "Usage: echo \"add INITIATOR_NAME\" >mgmt\n"
			       "       echo \"del INITIATOR_NAME\" >mgmt\n"
			       "       echo \"move INITIATOR_NAME DEST_GROUP_NAME\" >mgmt\n"
			       "       echo \"clear\" >mgmt\n");
}

/* One word: "add NAME" / "del NAME". */
static char *one_name(char *cur)
{
	char *name = mgmt_next_word(&cur);

	return name && !*mgmt_rest(cur) ? name : NULL;
}

/* "move NAME GROUP" (README.scst). */
static int ini_move(const struct mgmt_node *n, char *cur, char *err, size_t errlen)
{
	char *name = mgmt_next_word(&cur);
	char *dest = mgmt_next_word(&cur);

	if (!name || !dest || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen,
				   "usage: move INITIATOR_NAME DEST_GROUP_NAME");
	return scst_acg_move_initiator(n->acg, name, dest, err, errlen);
}

static int refuse_initiators_entry_name(const char *name, char *err, size_t errlen);

/* Each name is a file of initiators/: no '/', no "." or "..", not "mgmt". */
static int ini_add(const struct mgmt_node *n, const char *name, char *err, size_t errlen)
{
	int rc;

	if (strchr(name, '/'))
		return mgmt_refuse(-EINVAL, err, errlen, "initiator name '%s' contains '/'", name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return mgmt_refuse(-EINVAL, err, errlen, "'%s' cannot be an initiator name", name);
	if ((rc = refuse_initiators_entry_name(name, err, errlen)) < 0)
		return rc;
	if (scst_acg_has_initiator(n->acg, name))
		return mgmt_refuse(-EEXIST, err, errlen, "initiator '%s' already in group '%s'",
				   name, n->acg->name);
	return scst_acg_add_initiator(n->acg, name, err, errlen);
}

static int ini_command(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	char line[MGMT_MAX_VALUE], *cur = line, *cmd, *name;

	snprintf(line, sizeof(line), "%s", value);
	if (mgmt_check_line(line, err, errlen) < 0)
		return -EINVAL;
	cmd = mgmt_next_word(&cur);
	if (!cmd)
		return mgmt_refuse(-EINVAL, err, errlen, "empty command");
	if (!strcmp(cmd, "clear")) {
		if (*mgmt_rest(cur))
			return mgmt_refuse(-EINVAL, err, errlen, "usage: clear");
		scst_acg_clear_initiators(n->acg);
		return 0;
	}
	if (!strcmp(cmd, "move"))
		return ini_move(n, cur, err, errlen);
	if (strcmp(cmd, "add") != 0 && strcmp(cmd, "del") != 0) {
		/* A bare name adds it (README.scst's access control example). */
		if (*mgmt_rest(cur))
			return mgmt_refuse(-EINVAL, err, errlen, "unknown command '%s'", cmd);
		snprintf(line, sizeof(line), "add %s", value);
		cur = line;
		cmd = mgmt_next_word(&cur);
	}
	name = one_name(cur);
	if (!name)
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s INITIATOR_NAME", cmd);
	if (!strcmp(cmd, "del"))
		return scst_acg_del_initiator(n->acg, name, err, errlen);
	return ini_add(n, name, err, errlen);
}

static int store_ini_mgmt(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	int rc = ini_command(n, value, err, errlen);

	if (rc == 0)
		scst_tgt_reassign_sessions(n->acg->tgt);
	return rc;
}

static const struct mgmt_entry initiators_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_ini_mgmt, .store = store_ini_mgmt },
	{ .name = NULL },
};

static int refuse_initiators_entry_name(const char *name, char *err, size_t errlen)
{
	return mgmt_refuse_entry_name(initiators_entries, name, "initiators/", "initiator", err,
				      errlen);
}

static int initiators_lookup(const struct mgmt_node *dir, const char *name,
			     struct mgmt_node *child)
{
	struct scst_acn *acn;

	list_for_each_entry(acn, &dir->acg->acns, node) {
		if (!strcmp(acn->name, name)) {
			mgmt_child_entry(child, dir, &initiator_file, name);
			return 0;
		}
	}
	return -ENOENT;
}

static void initiators_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_acn *acn;

	list_for_each_entry(acn, &dir->acg->acns, node)
		fn(ctx, acn->name, MGMT_ATTR, false);
}

static const struct mgmt_dir_ops initiators_dir = {
	.entries = initiators_entries,
	.lookup = initiators_lookup,
	.list = initiators_list,
};

/* ---- ini_groups/<g>/ ---- */

static const struct mgmt_entry group_entries[] = {
	{ .name = "luns", .kind = MGMT_DIR, .dir = &mgmt_luns_dir },
	{ .name = "addr_method", .kind = MGMT_ATTR, .show = mgmt_show_addr_method,
	  .store = mgmt_store_addr_method },
	{ .name = "io_grouping_type", .kind = MGMT_ATTR, .show = mgmt_show_io_grouping,
	  .store = mgmt_store_io_grouping },
	{ .name = "cpu_mask", .kind = MGMT_ATTR, .show = mgmt_show_cpu_mask,
	  .store = mgmt_store_cpu_mask },
	{ .name = "initiators", .kind = MGMT_DIR, .dir = &initiators_dir },
	{ .name = NULL },
};

static const struct mgmt_dir_ops group_dir = { .entries = group_entries };

/* ---- ini_groups/ ---- */

static int show_groups_mgmt(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return mgmt_show_usage(out,
			       "Usage: echo \"create GROUP_NAME\" >mgmt\n"
			       "       echo \"del GROUP_NAME\" >mgmt\n");
}

static int refuse_groups_entry_name(const char *name, char *err, size_t errlen);

static int store_groups_mgmt(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	char line[MGMT_MAX_VALUE], *cur = line, *cmd, *name;
	struct scst_acg *acg;

	snprintf(line, sizeof(line), "%s", value);
	if (mgmt_check_line(line, err, errlen) < 0)
		return -EINVAL;
	cmd = mgmt_next_word(&cur);
	if (!cmd)
		return mgmt_refuse(-EINVAL, err, errlen, "empty command");
	if (strcmp(cmd, "create") != 0 && strcmp(cmd, "del") != 0)
		return mgmt_refuse(-EINVAL, err, errlen, "unknown command '%s'", cmd);
	name = one_name(cur);
	if (!name)
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s GROUP_NAME", cmd);
	pthread_mutex_lock(&scst_mutex);
	acg = scst_find_acg(n->tgt, name);
	pthread_mutex_unlock(&scst_mutex);
	if (!strcmp(cmd, "del")) {
		if (!acg)
			return mgmt_refuse(-ENOENT, err, errlen, "group '%s' not found", name);
		return scst_del_acg(acg, err, errlen);
	}
	if (acg)
		return mgmt_refuse(-EEXIST, err, errlen, "group '%s' already exists", name);
	if (refuse_groups_entry_name(name, err, errlen) < 0)
		return -EINVAL;
	return scst_add_acg(n->tgt, name, err, errlen) ? 0 : -EINVAL;
}

static const struct mgmt_entry groups_entries[] = {
	{ .name = "mgmt", .kind = MGMT_MGMT, .show = show_groups_mgmt,
	  .store = store_groups_mgmt },
	{ .name = NULL },
};

static int refuse_groups_entry_name(const char *name, char *err, size_t errlen)
{
	return mgmt_refuse_entry_name(groups_entries, name, "ini_groups/", "group", err, errlen);
}

static int groups_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_acg *acg = scst_find_acg(dir->tgt, name);

	if (!acg)
		return -ENOENT;
	mgmt_child_dir(child, dir, &group_dir, name);
	child->acg = acg;
	return 0;
}

static void groups_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_acg *acg;

	list_for_each_entry(acg, &dir->tgt->acg_list, node)
		fn(ctx, acg->name, MGMT_DIR, false);
}

const struct mgmt_dir_ops mgmt_ini_groups_dir = {
	.entries = groups_entries,
	.lookup = groups_lookup,
	.list = groups_list,
};
