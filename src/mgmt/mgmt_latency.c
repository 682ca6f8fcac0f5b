/* mgmt_latency.c - README.scst's "latency" files: sessions/<ini>/latency
 * and sessions/<ini>/lunX/latency, the per-session and per-LUN latency
 * statistics SCST shows with CONFIG_SCST_MEASURE_LATENCY, in the layout of
 * SCST's scst_sysfs.c: per request size class (<=8K ... >512K) a Write and
 * a Read row with the command count and min/avg/max/all of the time spent
 * in SCST, in the target driver and in the device handler, in
 * microseconds; the session file adds a header and an Overall row.
 * Writing 0 clears a file (the session's clears its LUNs' too, as SCST
 * does); the clearing is done by the session's loop (core/cmd_stats.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scst.h"
#include "mgmt/mgmt_latency.h"
#include "util/log.h"

static const char *const size_names[SCST_LAT_SIZES] = {
	"<=8K  ", "<=32K ", "<=128K", "<=512K", ">512K ",
};

static void part_cell(struct mgmt_buf *out, const struct scst_lat_acc *a, int part,
		      const char *sep)
{
	char cell[100];
	uint64_t avg = a->n ? a->sum[part] / a->n : 0;

	snprintf(cell, sizeof(cell), "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64,
		 a->min[part] / 1000, avg / 1000, a->max[part] / 1000, a->sum[part] / 1000);
	mgmt_printf(out, "%-46s%s", cell, sep);
}

static void acc_cells(struct mgmt_buf *out, const struct scst_lat_acc *a)
{
	part_cell(out, a, SCST_LAT_PART_SCST, " ");
	part_cell(out, a, SCST_LAT_PART_TGT, " ");
	part_cell(out, a, SCST_LAT_PART_DEV, "\n");
}

static void size_rows(struct mgmt_buf *out, const struct scst_lat_stats *st)
{
	for (int i = 0; i < SCST_LAT_SIZES; i++) {
		mgmt_printf(out, "%-5s %-9s %-15" PRIu64 " ", "Write", size_names[i],
			    st->by_size[i][0].n);
		acc_cells(out, &st->by_size[i][0]);
		mgmt_printf(out, "%-5s %-9s %-15" PRIu64 " ", "Read", size_names[i],
			    st->by_size[i][1].n);
		acc_cells(out, &st->by_size[i][1]);
	}
}

int mgmt_show_session_latency(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct scst_lat_stats st;

	scst_lat_stats_read(&n->sess->lat, &st);
	mgmt_printf(out, "%-15s %-15s %-46s %-46s %-46s\n", "T-L names", "Total commands",
		    "SCST latency", "Target latency", "Dev latency (min/avg/max/all us)");
	size_rows(out, &st);
	mgmt_printf(out, "\n%-15s %-16" PRIu64, "Overall ", st.all.n);
	part_cell(out, &st.all, SCST_LAT_PART_SCST, " ");
	part_cell(out, &st.all, SCST_LAT_PART_TGT, " ");
	part_cell(out, &st.all, SCST_LAT_PART_DEV, "\n\n");
	return 0;
}

static int expect_zero(const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "0"))
		return mgmt_refuse(-EINVAL, err, errlen, "latency: only 0 (clear) can be written, not '%s'",
				   value);
	return 0;
}

/* Writes run without scst_mutex held from the resolution on: the session
 * may have ended since.  Caller holds scst_mutex. */
static struct scst_session *live_session(const struct mgmt_node *n)
{
	struct scst_session *s;

	list_for_each_entry(s, &n->tgt->sessions, node)
		if (s == n->sess)
			return s;
	return NULL;
}

int mgmt_store_session_latency(const struct mgmt_node *n, const char *value, char *err,
				 size_t errlen)
{
	struct scst_session *sess;
	int rc = expect_zero(value, err, errlen);

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&scst_mutex);
	sess = live_session(n);
	if (sess) {
		scst_lat_stats_request_reset(&sess->lat);
		for (unsigned i = 0; i < sess->nluns; i++)
			if (sess->luns[i])
				scst_lat_stats_request_reset(&sess->luns[i]->lat);
		log_info("mgmt: latency statistics of session %s cleared", sess->initiator_name);
	}
	pthread_mutex_unlock(&scst_mutex);
	return sess ? 0 : mgmt_refuse(-ENOENT, err, errlen, "the session has already ended");
}


/* ---- sessions/<ini>/lunX/ ---- */

/* The nexus a lunX node names, or NULL when it went away since.  Caller
 * holds scst_mutex (reads do; a write takes it). */
static struct scst_tgt_dev *node_tgt_dev(const struct mgmt_node *n)
{
	struct scst_session *sess = live_session(n);

	if (!sess || n->sess_lun >= sess->nluns)
		return NULL;
	return sess->luns[n->sess_lun];
}

static int show_lun_latency(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct scst_tgt_dev *td = node_tgt_dev(n);
	struct scst_lat_stats st;

	if (!td)
		return -ENOENT;
	scst_lat_stats_read(&td->lat, &st);
	size_rows(out, &st);
	return 0;
}

static int store_lun_latency(const struct mgmt_node *n, const char *value, char *err,
			     size_t errlen)
{
	struct scst_tgt_dev *td;
	int rc = expect_zero(value, err, errlen);

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&scst_mutex);
	td = node_tgt_dev(n);
	if (td)
		scst_lat_stats_request_reset(&td->lat);
	pthread_mutex_unlock(&scst_mutex);
	return td ? 0 : mgmt_refuse(-ENOENT, err, errlen, "the LUN is gone from the session");
}

static int show_lun_active(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct scst_tgt_dev *td = node_tgt_dev(n);

	if (!td)
		return -ENOENT;
	mgmt_printf(out, "%u\n", __atomic_load_n(&td->active_cmds, __ATOMIC_RELAXED));
	return 0;
}

/* SCST's thread_idx: the I/O loop serving the session (all its LUNs). */
static int show_lun_thread(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "%u\n", n->sess->loop ? ioloop_index(n->sess->loop) : 0);
	return 0;
}

static const struct mgmt_entry lun_entries[] = {
	{ .name = "active_commands", .kind = MGMT_ATTR, .show = show_lun_active },
	{ .name = "thread_idx", .kind = MGMT_ATTR, .show = show_lun_thread },
	{ .name = "latency", .kind = MGMT_ATTR, .show = show_lun_latency,
	  .store = store_lun_latency },
	{ .name = NULL },
};

static const struct mgmt_dir_ops lun_dir = { .entries = lun_entries };

/* "lun" and the number as SCST spells it: no leading zeros, no sign. */
static bool lun_name(const char *name, unsigned *lun)
{
	const char *d = name + 3;
	unsigned long v;
	char *end;

	if (strncmp(name, "lun", 3) || *d < '0' || *d > '9' || (d[0] == '0' && d[1]))
		return false;
	v = strtoul(d, &end, 10);
	if (*end || v > SCST_MAX_LUN)
		return false;
	*lun = (unsigned)v;
	return true;
}

int mgmt_session_lun_lookup(const struct mgmt_node *dir, const char *name,
			    struct mgmt_node *child)
{
	unsigned lun;

	if (!lun_name(name, &lun) || lun >= dir->sess->nluns || !dir->sess->luns[lun])
		return -ENOENT;
	mgmt_child_dir(child, dir, &lun_dir, name);
	child->sess_lun = lun;
	return 0;
}

void mgmt_session_lun_list(const struct mgmt_node *dir, mgmt_list_fn fn, void *ctx)
{
	char name[32];

	for (unsigned i = 0; i < dir->sess->nluns; i++) {
		if (!dir->sess->luns[i])
			continue;
		snprintf(name, sizeof(name), "lun%u", i);
		fn(ctx, name, MGMT_DIR, false);
	}
}
