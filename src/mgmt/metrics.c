/* metrics.c - the Prometheus text exposition (format 0.0.4) of scstd's
 * statistics: per I_T_L nexus of the sessions that exist now, per device
 * and per target (those two include the sessions already gone, so they
 * only grow), commands by class, bytes, CHECK CONDITIONs by sense key,
 * BUSY and TASK SET FULL, the latency histogram; sessions per target; the
 * target drivers' login counters; command memory.
 *
 * The objects are walked under scst_mutex into a snapshot, which is then
 * formatted without the lock.  The counters are the command path's own
 * (core/cmd_stats.c), read with relaxed loads; nothing here slows a
 * command down.  Label values are escaped as the format requires: an
 * initiator name may hold any character a login accepts. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/metrics.h"
#include "mgmt/tree.h"

/* ---- growing text ---- */

static void text_vprintf(struct metrics_text *t, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (t->failed)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		t->failed = true;
		return;
	}
	if (!t->p || t->len + (size_t)n >= t->cap) {
		size_t cap = t->cap ? t->cap : 16384;
		char *np;

		while (cap <= t->len + (size_t)n)
			cap *= 2;
		np = realloc(t->p, cap);
		if (!np) {
			t->failed = true;
			return;
		}
		t->p = np;
		t->cap = cap;
		vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	}
	t->len += (size_t)n;
}

static void __attribute__((format(printf, 2, 3))) text_printf(struct metrics_text *t,
							       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprintf(t, fmt, ap);
	va_end(ap);
}

void metrics_text_free(struct metrics_text *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}

/* name="value" with \\, \" and \n escaped; a comma first unless first. */
void metrics_label(struct metrics_text *t, bool first, const char *name, const char *value)
{
	text_printf(t, "%s%s=\"", first ? "" : ",", name);
	for (const char *c = value; *c; c++) {
		switch (*c) {
		case '\\':
			text_printf(t, "\\\\");
			break;
		case '"':
			text_printf(t, "\\\"");
			break;
		case '\n':
			text_printf(t, "\\n");
			break;
		default:
			text_printf(t, "%c", *c);
		}
	}
	text_printf(t, "\"");
}

/* ---- snapshot ---- */

/* One series set: the labels (already formatted, no braces) and counters. */
struct series {
	char *labels;
	struct scst_io_counters io;
};

struct series_list {
	struct series *v;
	size_t n, cap;
	bool failed;
};

static struct series *series_add(struct series_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct series *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv) {
			l->failed = true;
			return NULL;
		}
		l->v = nv;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return &l->v[l->n++];
}

static void series_free(struct series_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].labels);
	free(l->v);
}

/* Labels from name/value pairs (NULL-terminated). */
static char *make_labels(const char *const *kv)
{
	struct metrics_text t = { 0 };

	for (size_t i = 0; kv[i]; i += 2)
		metrics_label(&t, i == 0, kv[i], kv[i + 1]);
	if (t.failed) {
		metrics_text_free(&t);
		return NULL;
	}
	return t.p ? t.p : strdup("");
}

static void add_series(struct series_list *l, const char *const *kv,
		       const struct scst_io_counters *io)
{
	struct series *s = series_add(l);

	if (!s)
		return;
	s->labels = make_labels(kv);
	if (!s->labels) {
		l->n--;
		l->failed = true;
		return;
	}
	s->io = *io;
}

static void snapshot_session(struct series_list *nexus, const struct scst_session *sess)
{
	char sname[SCST_NAME_MAX], lun[24];
	const char *kv[] = { "target", sess->tgt->name, "session", sname, "lun", lun,
			     "device", "", NULL };
	struct scst_io_counters c;

	mgmt_session_name(sess, sname, sizeof(sname));
	for (unsigned i = 0; i < sess->nluns; i++) {
		const struct scst_tgt_dev *td = sess->luns[i];

		if (!td)
			continue;
		snprintf(lun, sizeof(lun), "%u", i);
		kv[7] = td->dev ? td->dev->name : "";
		memset(&c, 0, sizeof(c));
		scst_io_counters_add(&c, &td->io);
		add_series(nexus, kv, &c);
	}
	/* Commands for LUNs the session does not have (REPORT LUNS, INQUIRY
	 * of an unknown LUN), and nexuses since removed. */
	snprintf(lun, sizeof(lun), "none");
	kv[7] = "";
	memset(&c, 0, sizeof(c));
	scst_io_counters_add(&c, &sess->nolun_io);
	scst_io_counters_add(&c, &sess->gone_io);
	add_series(nexus, kv, &c);
}

struct snapshot {
	struct series_list nexus, dev, tgt;
	struct series_list sessions;          /* io unused; count in io.cmds[0] */
};

/* Caller holds scst_mutex. */
static void take_snapshot(struct snapshot *s)
{
	struct scst_device *dev;
	struct scst_tgt *tgt;
	struct scst_io_counters c;

	list_for_each_entry(dev, &scst_devices, node) {
		const char *kv[] = { "device", dev->name, NULL };

		scst_dev_io_counters(dev, &c);
		add_series(&s->dev, kv, &c);
	}
	list_for_each_entry(tgt, &scst_targets, node) {
		const char *kv[] = { "driver", tgt->tgtt->name, "target", tgt->name, NULL };
		const struct scst_session *sess;
		struct scst_io_counters n = { 0 };

		scst_tgt_io_counters(tgt, &c);
		add_series(&s->tgt, kv, &c);
		list_for_each_entry(sess, &tgt->sessions, node) {
			snapshot_session(&s->nexus, sess);
			n.cmds[0]++;
		}
		add_series(&s->sessions, kv, &n);
	}
}

static void free_snapshot(struct snapshot *s)
{
	series_free(&s->nexus);
	series_free(&s->dev);
	series_free(&s->tgt);
	series_free(&s->sessions);
}

/* ---- formatting ---- */

static const char *const class_names[SCST_CLASS__COUNT] = {
	[SCST_CLASS_READ] = "read", [SCST_CLASS_WRITE] = "write", [SCST_CLASS_OTHER] = "other",
};

/* SPC-4 table 49's names, as label values. */
static const char *const sense_key_names[16] = {
	"no_sense", "recovered_error", "not_ready", "medium_error", "hardware_error",
	"illegal_request", "unit_attention", "data_protect", "blank_check", "vendor_specific",
	"copy_aborted", "aborted_command", "reserved_0c", "volume_overflow", "miscompare",
	"completed",
};

struct scope {
	const char *prefix;             /* metric name prefix */
	const char *what;               /* for HELP */
	const struct series_list *l;
};

static void header(struct metrics_text *t, const char *name, const char *type, const char *help)
{
	text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct metrics_text *t, const char *name, const char *labels,
		   const char *extra_name, const char *extra_value, uint64_t v)
{
	if (!extra_name && !*labels) {
		text_printf(t, "%s %" PRIu64 "\n", name, v);
		return;
	}
	text_printf(t, "%s{%s", name, labels);
	if (extra_name)
		metrics_label(t, !*labels, extra_name, extra_value);
	text_printf(t, "} %" PRIu64 "\n", v);
}

void metrics_format_le(char *buf, size_t len, unsigned bucket)
{
	if (bucket >= SCST_LAT_BUCKETS)
		snprintf(buf, len, "+Inf");
	else
		snprintf(buf, len, "%g", (double)scst_lat_bucket_ns[bucket] / 1e9);
}

/* One I/O family: its name after the scope's prefix, its type, its HELP
 * (a format whose %s is the scope's "what") and the samples of one
 * object's series; field is the counter of the single-valued families. */
struct io_family {
	const char *suffix;
	const char *type;
	const char *help;
	void (*samples)(struct metrics_text *t, const struct io_family *f, const char *name,
			const struct series *s);
	size_t field;
};

static void commands_samples(struct metrics_text *t, const struct io_family *f,
			     const char *name, const struct series *s)
{
	(void)f;
	for (int c = 0; c < SCST_CLASS__COUNT; c++)
		sample(t, name, s->labels, "class", class_names[c], s->io.cmds[c]);
}

static void bytes_samples(struct metrics_text *t, const struct io_family *f, const char *name,
			  const struct series *s)
{
	(void)f;
	sample(t, name, s->labels, "dir", "read", s->io.read_bytes);
	sample(t, name, s->labels, "dir", "write", s->io.write_bytes);
}

/* Only the sense keys that occurred: 16 series per object would mostly
 * say 0. */
static void errors_samples(struct metrics_text *t, const struct io_family *f, const char *name,
			   const struct series *s)
{
	(void)f;
	for (int k = 0; k < 16; k++)
		if (s->io.sense_key[k])
			sample(t, name, s->labels, "sense_key", sense_key_names[k], s->io.sense_key[k]);
}

static void field_sample(struct metrics_text *t, const struct io_family *f, const char *name,
			 const struct series *s)
{
	uint64_t v;

	memcpy(&v, (const char *)&s->io + f->field, sizeof(v));
	sample(t, name, s->labels, NULL, NULL, v);
}

static void histogram(struct metrics_text *t, const struct io_family *f, const char *name,
		      const struct series *s)
{
	uint64_t cum = 0;
	char le[32];

	(void)f;
	for (unsigned b = 0; b <= SCST_LAT_BUCKETS; b++) {
		cum += s->io.lat_bucket[b];
		metrics_format_le(le, sizeof(le), b);
		text_printf(t, "%s_bucket{%s", name, s->labels);
		metrics_label(t, !*s->labels, "le", le);
		text_printf(t, "} %" PRIu64 "\n", cum);
	}
	text_printf(t, "%s_sum{%s} %.9f\n", name, s->labels, (double)s->io.lat_sum_ns / 1e9);
	text_printf(t, "%s_count{%s} %" PRIu64 "\n", name, s->labels, cum);
}

static const struct io_family io_family_table[] = {
	{ "commands_total", "counter", "SCSI commands finished %s, by class (medium read, medium "
	  "write, other).", commands_samples, 0 },
	{ "bytes_total", "counter", "Data bytes moved %s: read is sent to the initiator, write "
	  "received from it.", bytes_samples, 0 },
	{ "command_errors_total", "counter", "Commands ended with CHECK CONDITION %s, by sense key "
	  "(keys that occurred).", errors_samples, 0 },
	{ "busy_total", "counter", "Commands answered with BUSY %s.", field_sample,
	  offsetof(struct scst_io_counters, busy) },
	{ "task_set_full_total", "counter", "Commands answered with TASK SET FULL %s.", field_sample,
	  offsetof(struct scst_io_counters, task_set_full) },
	{ "command_latency_seconds", "histogram", "Time from a command's arrival to its response "
	  "sent %s (the server's share of the latency).", histogram, 0 },
};

static void io_family(struct metrics_text *t, const struct scope *sc, const struct io_family *f)
{
	char name[96], help[200];

	snprintf(name, sizeof(name), "%s%s", sc->prefix, f->suffix);
	snprintf(help, sizeof(help), f->help, sc->what);
	header(t, name, f->type, help);
	for (size_t i = 0; i < sc->l->n; i++)
		f->samples(t, f, name, &sc->l->v[i]);
}

static void io_families(struct metrics_text *t, const struct snapshot *s)
{
	const struct scope scopes[] = {
		{ "scstd_", "per LUN of each session now logged in", &s->nexus },
		{ "scstd_device_", "per device since start", &s->dev },
		{ "scstd_target_", "per target since start", &s->tgt },
	};

	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		for (size_t f = 0; f < sizeof(io_family_table) / sizeof(io_family_table[0]); f++)
			io_family(t, &scopes[i], &io_family_table[f]);
}

static void sessions_family(struct metrics_text *t, const struct snapshot *s)
{
	header(t, "scstd_sessions", "gauge", "Sessions logged in now, per target.");
	for (size_t i = 0; i < s->sessions.n; i++)
		sample(t, "scstd_sessions", s->sessions.v[i].labels, NULL, NULL,
		       s->sessions.v[i].io.cmds[0]);
}

/* Caller holds scst_mutex (the template list). */
static void login_families(struct metrics_text *t)
{
	struct scst_tgt_template *tt;
	char name[96], help[160];

	list_for_each_entry(tt, &scst_tgt_templates, node) {
		struct scst_login_stats st = { 0 };

		if (!tt->login_stats)
			continue;
		tt->login_stats(&st);
		snprintf(name, sizeof(name), "scstd_%s_logins_total", tt->name);
		snprintf(help, sizeof(help), "%s logins that reached full feature phase.", tt->name);
		header(t, name, "counter", help);
		text_printf(t, "%s %" PRIu64 "\n", name, st.logins);
		snprintf(name, sizeof(name), "scstd_%s_login_failures_total", tt->name);
		snprintf(help, sizeof(help), "%s logins refused, by reason (auth: CHAP).", tt->name);
		header(t, name, "counter", help);
		for (int r = 0; r < SCST_LOGIN_FAIL__COUNT; r++)
			sample(t, name, "", "reason", scst_login_fail_reason_names[r], st.failures[r]);
	}
}

static void cmd_mem_families(struct metrics_text *t)
{
	struct scst_sgv_stats sg;
	struct scst_cmd_mem_stats m;
	uint64_t in_use;

	scst_sgv_get_stats(&sg);
	scst_cmd_mem_get_stats(&m);
	in_use = sg.big_in_use_pages * 4096;
	for (int c = 0; c < SCST_SGV_CLASSES; c++)
		in_use += sg.cls[c].in_use * sg.cls[c].size;
	header(t, "scstd_cmd_mem_bytes", "gauge", "Command data buffers: in use, charged against "
	       "the limit (in use plus each thread's unspent reserve), and the limit "
	       "(scst_max_cmd_mem).");
	sample(t, "scstd_cmd_mem_bytes", "", "kind", "in_use", in_use);
	sample(t, "scstd_cmd_mem_bytes", "", "kind", "charged", m.charged);
	sample(t, "scstd_cmd_mem_bytes", "", "kind", "limit", m.limit);
	header(t, "scstd_cmd_mem_refused_total", "counter",
	       "Data buffers refused at the command memory limit (BUSY or TASK SET FULL).");
	text_printf(t, "scstd_cmd_mem_refused_total %" PRIu64 "\n", m.refused);
}

int metrics_render(struct metrics_text *t)
{
	struct snapshot s = { 0 };
	bool failed;

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&scst_mutex);
	take_snapshot(&s);
	login_families(t);
	pthread_mutex_unlock(&scst_mutex);
	failed = s.nexus.failed || s.dev.failed || s.tgt.failed || s.sessions.failed;
	io_families(t, &s);
	sessions_family(t, &s);
	cmd_mem_families(t);
	free_snapshot(&s);
	if (failed || t->failed) {
		metrics_text_free(t);
		return -1;
	}
	return 0;
}
