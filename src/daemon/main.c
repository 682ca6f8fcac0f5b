/* main.c - scstd: options, start-up order, signals and graceful shutdown.
 *
 * Start-up: detach (unless --foreground) and claim the pid file, handlers
 * and drivers register, I/O threads start, the configuration (a file, or
 * the embedded default) is applied, then the portals open; only then is
 * the daemon ready (pid file written, systemd and the starting process
 * told).  SIGHUP: the --config file is applied again (reload.c).
 * SIGTERM/SIGINT: stop accepting, let in-flight commands finish, close
 * sessions, stop the threads, release devices. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <grp.h>
#include <time.h>
#include <sys/stat.h>

#include "core/alua.h"
#include "core/sanitize_state.h"
#include "core/scst.h"
#include "daemon/daemonize.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "daemon/handler_modules.h"
#include "handlers/user.h"
#include "daemon/reload.h"
#include "handlers/dev_pass.h"
#include "handlers/vdisk.h"
#include "mgmt/config.h"
#include "daemon/metrics_http.h"
#include "mgmt/ctl_socket.h"
#include "mgmt/fuse_mount.h"
#include "mgmt/tree.h"
#include "targets/iscsi/iscsi.h"
#include "targets/copy_manager/copy_manager.h"
#include "targets/local/local.h"
#include "util/ioloop.h"
#include "util/log.h"

#define DEFAULT_LUN1_SIZE (1ull << 30)

static const char default_config_fmt[] =
	"HANDLER vdisk_nullio {\n"
	"    DEVICE null0 {\n"
	"        size_mb 1024\n"
	"    }\n"
	"}\n"
	"HANDLER vdisk_fileio {\n"
	"    DEVICE disk1 {\n"
	"        filename \"%s\"\n"
	"        thin_provisioned 1\n"
	"    }\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"    enabled 1\n"
	"    TARGET iqn.2026-11.org.scstd:default {\n"
	"        LUN 0 null0\n"
	"        LUN 1 disk1\n"
	"        enabled 1\n"
	"    }\n"
	"}\n";

/* The default LUN 1 lives in a sparse 1 GiB file under the var directory. */
static int prepare_default_backing_file(const char *var_dir, char *path, size_t pathlen)
{
	char dir[PATH_MAX];
	int fd;

	if (mkdir(var_dir, 0755) < 0 && errno != EEXIST) {
		log_err("cannot create %s: %s", var_dir, strerror(errno));
		return -1;
	}
	if (!realpath(var_dir, dir)) {
		log_err("cannot resolve %s: %s", var_dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(path, pathlen, "%s/lun1.img", dir) >= pathlen) {
		log_err("var directory path too long");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size < DEFAULT_LUN1_SIZE &&
	    ftruncate(fd, (off_t)DEFAULT_LUN1_SIZE) < 0) {
		log_err("cannot size %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Every refused value as FILE:LINE: key: reason (scstadmin -check_config's
 * lines); conf_apply would name only as many as its message holds. */
static void log_bad_value(void *ctx, const struct cfg_node *n, const char *why)
{
	log_err("config %s:%d: %s", (const char *)ctx, n->line, why);
}

static struct cfg_node *load_config(const struct scstd_options *o)
{
	char err[512];
	struct cfg_node *root;

	if (o->config_file) {
		root = cfg_parse_file(o->config_file, err, sizeof(err));
		if (!root) {
			log_err("config %s: %s", o->config_file, err);
		} else if (conf_check_structure(root, err, sizeof(err)) == 0 &&
			   conf_check_values(root, log_bad_value, (void *)o->config_file)) {
			cfg_free(root);
			root = NULL;
		}
		return root;
	}
	char path[PATH_MAX], text[sizeof(default_config_fmt) + PATH_MAX];

	if (prepare_default_backing_file(o->var_dir, path, sizeof(path)) < 0)
		return NULL;
	snprintf(text, sizeof(text), default_config_fmt, path);
	root = cfg_parse(text, strlen(text), err, sizeof(err));
	if (!root)
		log_err("embedded default config: %s", err);
	return root;
}

static int apply_config(struct cfg_node *root, const char *what)
{
	char err[512];
	int rc = cfg_apply(root, err, sizeof(err));

	if (rc < 0)
		log_err("config %s: %s", what, err);
	return rc;
}

static int open_portals(const struct scstd_options *o)
{
	for (size_t i = 0; i < o->nlisten; i++) {
		int rc = iscsi_add_portal(o->listen[i]);

		if (rc < 0) {
			log_err("cannot listen on %s: %s", o->listen[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	/* Blocked before any thread starts, so only sigwait() sees them. */
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void remove_devices(void)
{
	struct scst_device *dev, *tmp;
	struct scst_dev_group *dg, *dtmp;
	char err[256];

	list_for_each_entry_safe(dg, dtmp, &scst_dev_groups, node)
		scst_dg_del(dg->name, err, sizeof(err));

	list_for_each_entry_safe(dev, tmp, &scst_devices, node) {
		if (dev->export_count)
			continue;
		scst_del_device(dev->name, err, sizeof(err));
	}
}

static void remove_targets(void)
{
	struct scst_tgt *tgt, *tmp;
	char err[256];

	list_for_each_entry_safe(tgt, tmp, &scst_targets, node)
		if (scst_del_target(tgt, err, sizeof(err)) < 0)
			log_warn("%s", err);
}

/* --mount-group NAME, or a number. */
static int resolve_mount_group(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long v;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	v = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && !*end && v < (gid_t)-1) {
		*gid = (gid_t)v;
		return 0;
	}
	log_err("--mount-group %s: no such group", name);
	return -1;
}

static int start_mounts(const struct scstd_options *o)
{
	gid_t gid;

	if (o->mount_dir) {
		if (o->mount_group && resolve_mount_group(o->mount_group, &gid) < 0)
			return -1;
		if (mgmt_fuse_start(o->mount_dir, o->mount_group ? &gid : NULL) < 0)
			return -1;
	}
	return o->local_mount ? local_fuse_start(o->local_mount) : 0;
}

/* Signals until SIGTERM or SIGINT; SIGHUP reloads.  Under systemd, the
 * STATUS line is refreshed every few seconds when it changed. */
static int serve_signals(const sigset_t *sigs, const char *config_file)
{
	const struct timespec tick = { .tv_sec = 3 };
	int sig = 0;

	while (sig != SIGINT && sig != SIGTERM) {
		sig = notify_enabled() ? sigtimedwait(sigs, NULL, &tick) : sigwaitinfo(sigs, NULL);
		if (sig < 0) {
			if (errno != EAGAIN && errno != EINTR)
				break;
			notify_status_update();
		} else if (sig == SIGHUP) {
			config_reload(config_file);
		}
	}
	return sig;
}

/* Start-up went wrong before the daemon was ready. */
static int start_failed(struct scstd_options *o)
{
	pidfile_release();
	scstd_free_options(o);
	return 1;
}

static void log_handler_modules(void)
{
	char mods[512];

	handler_modules_describe(mods, sizeof(mods));
	log_info("device handler modules: %s", mods);
}

int main(int argc, char **argv)
{
	struct scstd_options opts;
	struct cfg_node *cfg;
	sigset_t sigs;
	int sig, rc;

	rc = scstd_parse_options(argc, argv, &opts);
	if (rc != 0)
		return rc < 0 ? 2 : 0;
	log_threshold = opts.log_level;
	if (!opts.foreground && daemon_detach() < 0)
		return 1;
	log_set_target(opts.log_target);
	/* Until ready, errors reach the terminal of whoever started us too. */
	log_echo_errors_to_stderr(true);
	if (opts.pid_file && pidfile_claim(opts.pid_file) < 0)
		return start_failed(&opts);
	block_signals(&sigs);

	if (vdisk_register_handlers(handler_module_loaded) < 0 ||
	    dev_pass_register_handlers(handler_module_loaded) < 0 || iscsi_init() < 0 ||
	    local_init() < 0 || copy_manager_init() < 0) {
		log_err("cannot register handlers and target drivers");
		return start_failed(&opts);
	}
	log_handler_modules();
	scst_set_state_dir(opts.pr_dir);
	scst_cmd_mem_set_limit(opts.max_cmd_mem);
	log_info("command memory limit %llu MB", (unsigned long long)(opts.max_cmd_mem >> 20));
	cfg = load_config(&opts);
	if (!cfg)
		return start_failed(&opts);
	if (ioloops_start(opts.threads) < 0) {
		cfg_free(cfg);
		return start_failed(&opts);
	}
	rc = apply_config(cfg, opts.config_file ? opts.config_file : "(default)");
	cfg_free(cfg);
	/* After the configuration, so configured targets keep their relative
	 * ids; a configured scst_local_tgt just gets its default session. */
	if (rc == 0 && opts.local_default_tgt)
		local_add_default_target();
	if (rc < 0 || open_portals(&opts) < 0) {
		local_shutdown();
		ioloops_stop();
		remove_targets();
		remove_devices();
		return start_failed(&opts);
	}
	/* The daemon serves its configuration without the socket (another
	 * scstd may own the default path); the reason is logged. */
	mgmt_set_write_timeout_ms(opts.mgmt_timeout_ms);
	if (opts.ctl_socket && ctl_socket_start(opts.ctl_socket) < 0)
		log_warn("running without a control socket");
	if (opts.local_socket && local_sock_start(opts.local_socket) < 0)
		log_warn("running without the scst_local raw command socket");
	/* Without the scst_user module no handler process could attach. */
	if (opts.user_socket && handler_module_loaded("scst_user") &&
	    user_sock_start(opts.user_socket) < 0)
		log_warn("running without the scst_user handler socket");
	if (!opts.local_ublk)
		local_ublk_probe();
	/* Asked for explicitly: a mount, ublk devices, a metrics endpoint or
	 * a pid file that fails stops the daemon. */
	if (start_mounts(&opts) < 0 || (opts.local_ublk && local_ublk_start() < 0) ||
	    (opts.metrics && metrics_http_start(opts.metrics) < 0) || pidfile_write() < 0) {
		metrics_http_stop();
		local_ublk_stop();
		local_fuse_stop();
		mgmt_fuse_stop();
		local_sock_stop();
		user_sock_stop();
		local_shutdown();
		ctl_socket_stop();
		iscsi_stop_accepting();
		iscsi_shutdown();
		ioloops_stop();
		remove_targets();
		remove_devices();
		return start_failed(&opts);
	}
	log_info("scstd ready");
	notify_ready();
	log_echo_errors_to_stderr(false);
	daemon_ready(opts.log_target == LOG_TO_STDERR);

	sig = serve_signals(&sigs, opts.config_file);
	log_info("signal %d: shutting down", sig);
	notify_stopping();
	/* No configuration change may race with the teardown below. */
	metrics_http_stop();
	ctl_socket_stop();
	mgmt_fuse_stop();
	mgmt_wait_writes();
	local_ublk_stop();
	local_fuse_stop();
	local_sock_stop();
	user_sock_stop();
	iscsi_stop_accepting();
	iscsi_shutdown();
	local_shutdown();
	/* A sanitize running in the background does its I/O on a loop:
	 * it must let go of its device before the loops stop. */
	scst_sanitize_stop_all();
	ioloops_stop();
	remove_targets();
	remove_devices();
	scstd_free_options(&opts);
	scst_cmd_cache_thread_release();
	scst_sgv_thread_release();
	pidfile_release();
	log_info("scstd stopped");
	return 0;
}
