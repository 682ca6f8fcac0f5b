/* mgmt_top.c - the root of the management tree: version, setup_id,
 * threads, trace_level, last_sysfs_mgmt_res,
 * abort_consider_finished_tasks_as_not_existing, measure_latency and the handlers, devices,
 * sgv, targets and device_groups directories (README.scst "SCST sysfs interface"); and
 * scstd's own last_reload_time and last_reload_result (SIGHUP). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/attr_rules.h"
#include "core/scst.h"
#include "daemon/version.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"
#include "util/ioloop.h"
#include "util/log.h"

static int show_version(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	mgmt_printf(out, "%s\nscstd %s\nUSER_SPACE\n", SCST_INTERFACE_VERSION, SCSTD_VERSION);
	return 0;
}

static int show_setup_id(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[16];

	(void)n;
	snprintf(v, sizeof(v), "0x%x", scst_get_setup_id());
	mgmt_show_value(out, v, scst_get_setup_id() != 0);
	return 0;
}

static int store_setup_id(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	uint64_t v = 0;

	(void)n;
	if (attr_rule_check(ATTR_SCST, NULL, "setup_id", value, err, errlen) < 0)
		return -EINVAL;
	if (!strncmp(value, "0x", 2) || !strncmp(value, "0X", 2))
		v = strtoull(value + 2, NULL, 16);
	else
		attr_parse_uint(value, UINT32_MAX, &v);
	scst_set_setup_id((uint32_t)v);
	log_info("mgmt: setup_id set to 0x%x", (uint32_t)v);
	return 0;
}

/* SCST's scst_threads_show: [key] when not the number started with. */
static int show_threads(const struct mgmt_node *n, struct mgmt_buf *out)
{
	char v[16];

	(void)n;
	snprintf(v, sizeof(v), "%u", ioloop_active_count());
	mgmt_show_value(out, v, ioloop_active_count() != ioloop_start_count());
	return 0;
}

/* README.scst: "threads - allows to read and set number of global SCST
 * I/O threads".  scstd's I/O threads are its io loops (ioloops_set_active,
 * scst_end_surplus_loops). */
static int store_threads(const struct mgmt_node *n, const char *value, char *err, size_t errlen)
{
	uint64_t v;
	int rc;

	(void)n;
	if (attr_rule_check(ATTR_SCST, NULL, "threads", value, err, errlen) < 0)
		return -EINVAL;
	attr_parse_uint(value, IOLOOP_MAX, &v);
	rc = ioloops_set_active((unsigned)v);
	if (rc < 0)
		return mgmt_refuse(rc, err, errlen, "threads: cannot run %u I/O threads: %s",
				   (unsigned)v, strerror(-rc));
	/* SCST ends the threads a smaller pool no longer has: so do we, once
	 * their sessions moved to the loops that stay. */
	return scst_end_surplus_loops(err, errlen);
}

/* Read without the management lock (see tree.c); EAGAIN while a write
 * that outlasted its caller still runs. */
static int show_last_res(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	if (mgmt_write_pending())
		return -EAGAIN;
	mgmt_printf(out, "%d\n", mgmt_last_result());
	return 0;
}

/* README.scst's ABORT_CONSIDER_FINISHED_TASKS_AS_NOT_EXISTING switch. */
static int show_abort_finished(const struct mgmt_node *n, struct mgmt_buf *out)
{
	bool on = scst_abort_finished_not_existing();

	(void)n;
	mgmt_show_value(out, on ? "1" : "0", on);       /* README.scst: off by default */
	return 0;
}

static int store_abort_finished(const struct mgmt_node *n, const char *value, char *err,
				size_t errlen)
{
	(void)n;
	if (attr_rule_check(ATTR_SCST, NULL, "abort_consider_finished_tasks_as_not_existing", value,
		      err, errlen) < 0)
		return -EINVAL;
	scst_set_abort_finished_not_existing(value[0] == '1');
	return 0;
}

/* README.scst-3.x's measure_latency: whether commands are timed step by
 * step for the latency files (sessions/<ini>/latency/).  Off
 * by default as in SCST; shown without [key], as SCST shows it. */
static int show_measure_latency(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	mgmt_printf(out, "%d\n", scst_measure_latency_on());
	return 0;
}

static int store_measure_latency(const struct mgmt_node *n, const char *value, char *err,
				 size_t errlen)
{
	(void)n;
	if (attr_rule_check(ATTR_SCST, NULL, "measure_latency", value, err, errlen) < 0)
		return -EINVAL;
	scst_set_measure_latency(value[0] == '1');
	log_info("mgmt: latency measurement %s", value[0] == '1' ? "on" : "off");
	return 0;
}

/* Written by the reloading thread, read under the management lock. */
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
static char reload_time[32] = "never";
static char reload_result[MGMT_MAX_VALUE - 8] = "none";

void mgmt_note_reload(const char *result)
{
	time_t now = time(NULL);
	struct tm tm;

	pthread_mutex_lock(&reload_lock);
	gmtime_r(&now, &tm);
	strftime(reload_time, sizeof(reload_time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(reload_result, sizeof(reload_result), "%s", result);
	pthread_mutex_unlock(&reload_lock);
}

static int show_reload_field(struct mgmt_buf *out, const char *field)
{
	pthread_mutex_lock(&reload_lock);
	mgmt_printf(out, "%s\n", field);
	pthread_mutex_unlock(&reload_lock);
	return 0;
}

static int show_reload_time(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return show_reload_field(out, reload_time);
}

static int show_reload_result(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	return show_reload_field(out, reload_result);
}

static const struct mgmt_entry root_entries[] = {
	{ .name = "device_groups", .kind = MGMT_DIR, .dir = &mgmt_device_groups_dir },
	{ .name = "devices", .kind = MGMT_DIR, .dir = &mgmt_devices_dir },
	{ .name = "handlers", .kind = MGMT_DIR, .dir = &mgmt_handlers_dir },
	{ .name = "sgv", .kind = MGMT_DIR, .dir = &mgmt_sgv_dir },
	{ .name = "targets", .kind = MGMT_DIR, .dir = &mgmt_targets_dir },
	{ .name = "version", .kind = MGMT_ATTR, .show = show_version },
	{ .name = "setup_id", .kind = MGMT_ATTR, .show = show_setup_id, .store = store_setup_id },
	{ .name = "threads", .kind = MGMT_ATTR, .show = show_threads, .store = store_threads },
	{ .name = "trace_level", .kind = MGMT_ATTR, .show = mgmt_show_trace_level,
	  .store = mgmt_store_trace_level },
	{ .name = "last_sysfs_mgmt_res", .kind = MGMT_ATTR, .show = show_last_res },
	{ .name = "abort_consider_finished_tasks_as_not_existing", .kind = MGMT_ATTR,
	  .show = show_abort_finished, .store = store_abort_finished },
	{ .name = "measure_latency", .kind = MGMT_ATTR, .show = show_measure_latency,
	  .store = store_measure_latency },
	{ .name = "last_reload_time", .kind = MGMT_ATTR, .show = show_reload_time },
	{ .name = "last_reload_result", .kind = MGMT_ATTR, .show = show_reload_result },
	{ .name = NULL },
};

const struct mgmt_dir_ops mgmt_root_dir = { .entries = root_entries };
