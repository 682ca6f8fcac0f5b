/* mgmt_latency.c - README.scst-3.x's latency directory of a session,
 * sessions/<ini>/latency/{n,r,w,b}{512..524288}: per data direction and
 * request size class, one line per stage of scstd's command path with
 * the count, min, max, avg and stddev of its time (us, one decimal, as
 * SCST's scst_sess_latency_show prints them) and a total line.  Writing
 * anything to a file clears the session's whole statistics (the clearing
 * is done by the session's loop, core/cmd_stats.c); and the session's
 * lunX directories, which carry no latency in SCST 3.x. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scst.h"
#include "mgmt/mgmt_latency.h"
#include "util/log.h"

/* The names scstd's stages show under (docs/migrating-from-scst.md maps
 * them to SCST's states). */
static const char *const stage_names[SCST_LAT_STAGES] = {
	[SCST_LAT_CORE_INIT] = "CORE_INIT",
	[SCST_LAT_TGT_DATA_IN] = "TGT_DATA_IN",
	[SCST_LAT_CORE_PRE_EXEC] = "CORE_PRE_EXEC",
	[SCST_LAT_DEV_EXEC] = "DEV_EXEC",
	[SCST_LAT_TGT_XMIT] = "TGT_XMIT_RESP",
};

/* A value in 100 ns units as microseconds with one decimal. */
static void print_us(struct mgmt_buf *out, uint64_t v)
{
	mgmt_printf(out, " %" PRIu64 ".%u", v / 10, (unsigned)(v % 10));
}

/* The file's name: the direction letter and the size class. */
static bool file_class(const char *name, unsigned *dir, unsigned *size)
{
	const char *letters = "nwrb";          /* enum scst_data_dir order */
	const char *l = name[0] ? strchr(letters, name[0]) : NULL;
	unsigned long sz;
	char *end;

	if (!l)
		return false;
	sz = strtoul(name + 1, &end, 10);
	if (*end || sz < 512 || (sz & (sz - 1)))
		return false;
	*dir = (unsigned)(l - letters);
	*size = scst_lat_size_class((uint32_t)sz);
	return (512ul << *size) == sz;
}

static int show_latency(const struct mgmt_node *n, struct mgmt_buf *out)
{
	struct scst_lat_stats st;
	uint64_t sum = 0, sumsq = 0, count = 0, numst = 0;
	unsigned dir, size;

	if (!file_class(n->entry->name, &dir, &size))
		return -ENOENT;
	scst_lat_stats_read(&n->sess->lat, &st);
	mgmt_printf(out, "state count min max avg stddev\n");
	for (int k = 0; k < SCST_LAT_STAGES; k++) {
		const struct scst_lat_entry *e = &st.e[size][dir][k];

		if (!e->count)
			continue;
		mgmt_printf(out, "%s %" PRIu64, stage_names[k], e->count);
		print_us(out, e->min);
		print_us(out, e->max);
		print_us(out, e->sum / e->count);
		print_us(out, scst_lat_stddev(e->sumsq, e->sum, e->count));
		mgmt_printf(out, " us\n");
		sum += e->sum;
		sumsq += e->sumsq;
		count += e->count;
		numst++;
	}
	/* SCST's total: the stages' counts and sums pooled, scaled by the
	 * number of stages shown (a command passes each once). */
	if (count) {
		mgmt_printf(out, "total %" PRIu64 " - -", count / numst);
		print_us(out, numst * sum / count);
		print_us(out, scst_lat_stddev(sumsq, sum, count) * numst);
		mgmt_printf(out, " us\n");
	}
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

/* As SCST: whatever is written clears all of the session's files. */
static int store_latency(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	struct scst_session *sess;

	(void)value;
	pthread_mutex_lock(&scst_mutex);
	sess = live_session(n);
	if (sess) {
		scst_lat_stats_request_reset(&sess->lat);
		log_info("mgmt: latency statistics of session %s cleared", sess->initiator_name);
	}
	pthread_mutex_unlock(&scst_mutex);
	return sess ? 0 : mgmt_refuse(-ENOENT, err, errlen, "the session has already ended");
}

#define LAT_FILE(file) { .name = file, .kind = MGMT_ATTR, .show = show_latency, \
			 .store = store_latency }
#define LAT_SIZE(sz) LAT_FILE("n" #sz), LAT_FILE("r" #sz), LAT_FILE("w" #sz), LAT_FILE("b" #sz)

static const struct mgmt_entry latency_entries[] = {
	LAT_SIZE(512), LAT_SIZE(1024), LAT_SIZE(2048), LAT_SIZE(4096), LAT_SIZE(8192),
	LAT_SIZE(16384), LAT_SIZE(32768), LAT_SIZE(65536), LAT_SIZE(131072),
	LAT_SIZE(262144), LAT_SIZE(524288),
	{ .name = NULL },
};

const struct mgmt_dir_ops mgmt_session_latency_dir = { .entries = latency_entries };

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
