/* local_mgmt.c - scst_local's part of the management tree
 * (README.scst_local "Sysfs interface"): the driver's stats and mgmt
 * commands add_target (with session_name= parameters), del_target,
 * add_session and del_session; each target's phys_transport_version and
 * scsi_transport_version; each session's transport_id and host. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/cmd.h"
#include "mgmt/records.h"
#include "mgmt/tree.h"
#include "targets/local/local.h"
#include "targets/local/local_priv.h"
#include "util/hex.h"

#define MAX_SESSIONS_PER_ADD 32

static int show_stats(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct local_stats s;
	struct local_tgt *lt;
	struct local_sess *ls;
	unsigned ntgt = 0, nsess = 0;

	(void)n;
	local_stats_get(&s);
	pthread_mutex_lock(&local_lock);
	list_for_each_entry(lt, &local_targets, node) {
		ntgt++;
		list_for_each_entry(ls, &lt->sessions, node)
			nsess++;
	}
	pthread_mutex_unlock(&local_lock);
	mgmt_printf(out, "targets %u\nsessions %u\ncommands %" PRIu64 "\nerrors %" PRIu64
		    "\nread_bytes %" PRIu64 "\nwrite_bytes %" PRIu64 "\n", ntgt, nsess,
		    s.commands, s.errors, s.read_bytes, s.write_bytes);
	return 0;
}

/* "session_name=a; session_name=b;" - the only parameter, and it may
 * repeat, so the generic key=value parser (which refuses duplicates) does
 * not fit. */
static int parse_session_names(char *s, char **names, int max, char *err, size_t errlen)
{
	int n = 0;
	char *save = NULL;

	for (char *item = strtok_r(s, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *cur = item, *eq, *key, *val;

		key = mgmt_next_word(&cur);
		if (!key)
			continue;                       /* "a;;" or trailing ';' */
		eq = strchr(key, '=');
		if (eq) {
			*eq = '\0';
			val = eq[1] ? eq + 1 : mgmt_next_word(&cur);
		} else {
			char *e = mgmt_next_word(&cur);

			if (!e || e[0] != '=')
				return mgmt_refuse(-EINVAL, err, errlen, "'%s': expected key=value",
						   key);
			val = e[1] ? e + 1 : mgmt_next_word(&cur);
		}
		if (strcmp(key, "session_name"))
			return mgmt_refuse(-EINVAL, err, errlen,
					   "unknown parameter '%s' (only session_name)", key);
		if (!val || *mgmt_rest(cur))
			return mgmt_refuse(-EINVAL, err, errlen, "session_name: one name expected");
		if (n == max)
			return mgmt_refuse(-EINVAL, err, errlen, "more than %d sessions", max);
		for (int i = 0; i < n; i++)
			if (!strcmp(names[i], val))
				return mgmt_refuse(-EINVAL, err, errlen, "session '%s' given twice",
						   val);
		names[n++] = val;
	}
	return n;
}

/* The sessions are added as recorded session_name attributes (shown as
 * [key] files), so -write_config saves them. */
static int add_target_recorded(const char *name, char **names, int n, char *err, size_t errlen)
{
	struct scst_tgt *tgt;
	int rc = local_template.add_target(name, NULL, 0, err, errlen);

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(&local_template, name);
	pthread_mutex_unlock(&scst_mutex);
	for (int i = 0; tgt && i < n; i++) {
		rc = mgmt_add_target_attr(tgt, "session_name", names[i], err, errlen);
		if (rc < 0) {
			char e2[128];

			scst_del_target(tgt, e2, sizeof(e2));
			mgmt_forget_target(local_template.name, name);
			return rc;
		}
	}
	return 0;
}

static int cmd_add_target(char *cur, char *err, size_t errlen)
{
	char *names[MAX_SESSIONS_PER_ADD];
	char *name = mgmt_next_word(&cur);
	int n;

	if (!name)
		return mgmt_refuse(-EINVAL, err, errlen, "add_target: target name missing");
	if ((n = mgmt_refuse_target_name(&local_template, name, err, errlen)) < 0)
		return n;
	n = parse_session_names(mgmt_rest(cur), names, MAX_SESSIONS_PER_ADD, err, errlen);
	if (n < 0)
		return n;
	pthread_mutex_lock(&scst_mutex);
	bool exists = scst_find_target(&local_template, name) != NULL;
	pthread_mutex_unlock(&scst_mutex);
	if (exists)
		return mgmt_refuse(-EEXIST, err, errlen, "target '%s' already exists", name);
	return add_target_recorded(name, names, n, err, errlen);
}

/* Every live session is one session_name instance (add_session records
 * it like add_target's session_name=), so the record goes with the
 * session: the tree and -write_config show no session that is gone, and
 * the name can be used again. */
static int del_session_recorded(struct local_tgt *lt, const char *sname, char *err,
				size_t errlen)
{
	int rc = local_del_session(lt, sname, err, errlen);

	if (rc == 0)
		mgmt_forget_target_attr(lt->tgt, "session_name", sname);
	return rc;
}

static int cmd_session(bool add, char *cur, char *err, size_t errlen)
{
	char *tname = mgmt_next_word(&cur), *sname = mgmt_next_word(&cur);
	struct local_tgt *lt;

	if (!tname || !sname || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen, "usage: %s target_name session_name",
				   add ? "add_session" : "del_session");
	/* The management lock is held: the target cannot go meanwhile. */
	pthread_mutex_lock(&local_lock);
	lt = local_find_tgt(tname);
	pthread_mutex_unlock(&local_lock);
	if (!lt)
		return mgmt_refuse(-ENOENT, err, errlen, "target '%s' not found", tname);
	if (add)
		return mgmt_add_target_attr(lt->tgt, "session_name", sname, err, errlen);
	return del_session_recorded(lt, sname, err, errlen);
}

static int local_mgmt_cmd(const struct mgmt_node *n, const char *cmd, char *rest, char *err,
			  size_t errlen)
{
	(void)n;
	if (!strcmp(cmd, "add_target"))
		return cmd_add_target(rest, err, errlen);
	if (!strcmp(cmd, "add_session"))
		return cmd_session(true, rest, err, errlen);
	if (!strcmp(cmd, "del_session"))
		return cmd_session(false, rest, err, errlen);
	return 1;       /* del_target: the generic one ends the sessions first */
}

/* ---- targets/scst_local/<target>/ ---- */

static int show_version(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct local_tgt *lt = n->tgt->tgt_priv;
	uint16_t v;
	char s[16];

	pthread_mutex_lock(&local_lock);
	v = n->entry->name[0] == 'p' ? lt->phys_transport_version : lt->scsi_transport_version;
	pthread_mutex_unlock(&local_lock);
	snprintf(s, sizeof(s), "0x%04x", v);
	mgmt_show_value(out, s, n->entry->name[0] == 'p' ? v != 0 : v != LOCAL_SAS_VERSION);
	return 0;
}

static int store_version(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	return local_template.set_target_attr(n->tgt, n->entry->name, value, err, errlen);
}

/* ---- .../sessions/<session>/ ---- */

static int show_transport_id(const struct mgmt_node *n, struct mgmt_buf *out)
{
	uint8_t tid[LOCAL_TID_MAX + 300];
	unsigned len = local_get_transport_id(n->sess->tgt_priv, tid, sizeof(tid));

	for (unsigned i = 0; i < len; i++)
		mgmt_printf(out, "%02x", tid[i]);
	mgmt_printf(out, "\n");
	return 0;
}

/* Hex digits, blanks between bytes allowed: "05 00 00 14 69 71 6e ...". */
static int store_transport_id(const struct mgmt_node *n, const char *value, char *err,
			      size_t errlen)
{
	uint8_t tid[LOCAL_TID_MAX];
	unsigned len = 0;
	int hi = -1;

	for (const char *p = value; *p; p++) {
		int v;

		if (*p == ' ' || *p == '\t') {
			if (hi >= 0)
				return mgmt_refuse(-EINVAL, err, errlen,
						   "transport_id: odd number of hex digits");
			continue;
		}
		v = hex_digit_value(*p);
		if (v < 0)
			return mgmt_refuse(-EINVAL, err, errlen,
					   "transport_id: hex digits expected, not '%c'", *p);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (len == sizeof(tid))
			return mgmt_refuse(-EINVAL, err, errlen,
					   "transport_id: longer than %u bytes", LOCAL_TID_MAX);
		tid[len++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return mgmt_refuse(-EINVAL, err, errlen, "transport_id: odd number of hex digits");
	return local_set_transport_id(n->sess->tgt_priv, tid, len, err, errlen);
}

/* SCST's host is a directory (the SCSI host); SCST's scstadmin reads
 * every non-directory entry of a session as an attribute and fails on
 * anything it cannot read, so a link to the raw command socket (a socket
 * file) would break it: without --local-mount there is no host. */
static bool has_host(const struct mgmt_node *n)
{
	(void)n;
	return local_mount_dir[0];
}

/* Where the session's devices appear: its directory of LUN files. */
static int show_host(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct local_sess *ls = n->sess->tgt_priv;

	mgmt_printf(out, "%s/%s", local_mount_dir, ls->name);
	return 0;
}

static const struct mgmt_entry driver_entries[] = {
	{ .name = "stats", .kind = MGMT_ATTR, .show = show_stats },
	{ .name = NULL },
};

static const struct mgmt_entry target_entries[] = {
	{ .name = "phys_transport_version", .kind = MGMT_ATTR, .show = show_version,
	  .store = store_version },
	{ .name = "scsi_transport_version", .kind = MGMT_ATTR, .show = show_version,
	  .store = store_version },
	{ .name = NULL },
};

static const struct mgmt_entry session_entries[] = {
	{ .name = "transport_id", .kind = MGMT_ATTR, .show = show_transport_id,
	  .store = store_transport_id },
	{ .name = "host", .kind = MGMT_LINK, .show = show_host, .present = has_host },
	{ .name = NULL },
};

static const struct mgmt_driver_ext local_ext = {
	.driver = LOCAL_DRIVER,
	.driver_entries = driver_entries,
	.target_entries = target_entries,
	.session_entries = session_entries,
	/* As scst_local's template (scst_local.c). */
	.mgmt_cmd_help = "       echo \"add_session target_name session_name\" >mgmt\n"
			 "       echo \"del_session target_name session_name\" >mgmt\n",
	.add_target_parameters = "session_name",
	.mgmt_cmd = local_mgmt_cmd,
};

int local_mgmt_register(void)
{
	return mgmt_register_driver_ext(&local_ext);
}
