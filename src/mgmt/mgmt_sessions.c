/* mgmt_sessions.c - sessions/<initiator>/ of a target: initiator_name,
 * active_commands, commands, read-only; force_close (write 1) asks the
 * target driver to end the session.  A second session of the same
 * initiator is shown as NAME_1, a third as NAME_2, as SCST does.
 * The counters belong to the session's I/O loop; they are read here
 * without its cooperation, so a value may be a moment old. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/tree.h"

static void session_name(const struct scst_session *sess, char *buf, size_t len)
{
	const struct scst_session *s;
	unsigned dup = 0;

	list_for_each_entry(s, &sess->tgt->sessions, node) {
		if (s == sess)
			break;
		if (!strcmp(s->initiator_name, sess->initiator_name))
			dup++;
	}
	if (dup)
		snprintf(buf, len, "%.200s_%u", sess->initiator_name, dup);
	else
		snprintf(buf, len, "%s", sess->initiator_name);
}

static int show_sess(const struct mgmt_node *n, struct mgmt_buf *out)
{
	const struct scst_session *s = n->sess;
	const char *what = n->entry->name;

	if (!strcmp(what, "initiator_name"))
		mgmt_printf(out, "%s\n", s->initiator_name);
	else if (!strcmp(what, "active_commands"))
		mgmt_printf(out, "%u\n", *(volatile const unsigned *)&s->active_cmds);
	else if (!strcmp(what, "commands"))
		mgmt_printf(out, "%" PRIu64 "\n", *(volatile const uint64_t *)&s->commands_total);
	else
		return -ENOENT;
	return 0;
}

/* The session may have ended since the path was resolved: it is looked
 * up again under scst_mutex, which the driver's hook runs under. */
static int store_force_close(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	struct scst_session *s;
	int rc = -ENOENT;

	if (strcmp(value, "1"))
		return mgmt_refuse(-EINVAL, err, errlen, "force_close: write 1");
	if (!n->tgt->tgtt->close_session)
		return mgmt_refuse(-EOPNOTSUPP, err, errlen, "the target driver cannot close sessions");
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(s, &n->tgt->sessions, node)
		if (s == n->sess) {
			rc = n->tgt->tgtt->close_session(s, err, errlen);
			break;
		}
	pthread_mutex_unlock(&scst_mutex);
	if (rc == -ENOENT)
		snprintf(err, errlen, "the session has already ended");
	return rc;
}

static int show_nothing(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	(void)out;
	return 0;
}

static const struct mgmt_entry session_entries[] = {
	{ .name = "force_close", .kind = MGMT_ATTR, .show = show_nothing, .store = store_force_close },
	{ .name = "initiator_name", .kind = MGMT_ATTR, .show = show_sess },
	{ .name = "active_commands", .kind = MGMT_ATTR, .show = show_sess },
	{ .name = "commands", .kind = MGMT_ATTR, .show = show_sess },
	{ .name = NULL },
};

static const struct mgmt_dir_ops session_dir = { .entries = session_entries };

static int sessions_lookup(const struct mgmt_node *dir, const char *name, struct mgmt_node *child)
{
	struct scst_session *sess;
	char sname[SCST_NAME_MAX];

	list_for_each_entry(sess, &dir->tgt->sessions, node) {
		session_name(sess, sname, sizeof(sname));
		if (!strcmp(sname, name)) {
			mgmt_child_dir(child, dir, &session_dir, name);
			child->sess = sess;
			return 0;
		}
	}
	return -ENOENT;
}

static void sessions_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	struct scst_session *sess;
	char sname[SCST_NAME_MAX];

	list_for_each_entry(sess, &dir->tgt->sessions, node) {
		session_name(sess, sname, sizeof(sname));
		fn(ctx, sname, MGMT_DIR, false);
	}
}

const struct mgmt_dir_ops mgmt_sessions_dir = {
	.lookup = sessions_lookup,
	.list = sessions_list,
};
