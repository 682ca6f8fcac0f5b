/* options.c - parsing and validating scstd's command line. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scst.h"
#include "handlers/user.h"
#include "mgmt/ctl_socket.h"
#include "mgmt/tree.h"
#include "targets/local/local.h"
#include "util/log.h"

#include "daemon/handler_modules.h"
#include "daemon/version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scstd [options]\n"
		"  -l, --listen ADDR:PORT   iSCSI portal (repeatable; IPv6 as [::1]:3260)\n"
		"                           default 127.0.0.1:3260\n"
		"  -c, --config FILE        scst.conf to apply at start and on SIGHUP\n"
		"                           (default: embedded config: target\n"
		"                           iqn.2026-11.org.scstd:default,\n"
		"                           LUN 0 vdisk_nullio 1 GiB, LUN 1 thin vdisk_fileio\n"
		"                           on VAR/lun1.img)\n"
		"      --var-dir DIR        directory of the default config's files (./var)\n"
		"      --pr-dir DIR         persistent reservation files (APTPL), one per\n"
		"                           device (default " SCSTD_PR_DIR_DEFAULT ")\n"
		"  -f, --foreground         do not detach (without it, scstd returns once\n"
		"                           the daemon serves: 0, or its failure status)\n"
		"      --pid-file PATH      the daemon's pid, written once it serves,\n"
		"                           removed at exit; refused while held by a\n"
		"                           running scstd\n"
		"      --log-target T       stderr (default), syslog or journal\n"
		"  -L, --log-level LEVEL    error, warn, info, debug, trace (default info)\n"
		"  -t, --threads N          I/O threads (default: one per CPU)\n"
		"      --ctl-socket PATH    management control socket (default\n"
		"                           " CTL_SOCKET_DEFAULT "; \"none\": no socket)\n"
		"      --mount DIR          mount the management tree on DIR (FUSE); its\n"
		"                           files are world-readable as in sysfs, secrets\n"
		"                           (IncomingUser, OutgoingUser) and mgmt files\n"
		"                           are root's only\n"
		"      --mount-group NAME   only NAME's members (and root) may read it\n"
		"      --mgmt-timeout MS    a tree write not done after MS milliseconds\n"
		"                           answers EAGAIN and goes on; its result shows\n"
		"                           in last_sysfs_mgmt_res (default 15000)\n"
		"      --max-cmd-mem MB     memory the commands' data buffers may hold at\n"
		"                           once; a command beyond it gets TASK SET FULL\n"
		"                           or BUSY (default: a quarter of the RAM)\n"
		"      --metrics ADDR:PORT  serve Prometheus metrics over HTTP at\n"
		"                           /metrics (IPv6 as [::1]:9100; default: off)\n"
		"      --local-socket PATH  scst_local raw command socket (default\n"
		"                           " LOCAL_SOCKET_DEFAULT "; \"none\")\n"
		"      --local-mount DIR    scst_local sessions' LUNs as files under DIR\n"
		"      --user-socket PATH   out-of-process device handlers (scst_user)\n"
		"                           attach here (default " USER_SOCKET_DEFAULT ";\n"
		"                           \"none\")\n"
		"      --local-ublk         scst_local sessions' LUNs as block devices\n"
		"                           /dev/ublkbN (needs the ublk_drv module)\n"
		"      --local-add-default-tgt 0|1\n"
		"                           create scst_local target " LOCAL_DEFAULT_TGT "\n"
		"                           with session " LOCAL_DEFAULT_SESS " (default 1)\n"
		"      --handler-modules LIST\n"
		"                           the SCST device handler modules to \"load\"\n"
		"                           (comma list: scst_vdisk, scst_user,\n"
		"                           scst_disk, scst_tape, scst_cdrom,\n"
		"                           scst_changer, scst_processor, scst_raid,\n"
		"                           scst_modisk, scstd_rbd; default all)\n"
		"  -h, --help               this text\n"
		"  -V, --version            print the version\n");
}

/* Long-only options have codes outside the range of characters. */
enum { OPT_LOCAL_MOUNT = 256, OPT_LOCAL_UBLK, OPT_MGMT_TIMEOUT, OPT_MAX_CMD_MEM, OPT_METRICS,
       OPT_USER_SOCKET, OPT_PID_FILE, OPT_LOG_TARGET, OPT_MOUNT_GROUP, OPT_HANDLER_MODULES };

/* --max-cmd-mem: whole MiB, 1 up to 2^40 (far beyond any RAM). */
static int parse_max_cmd_mem(const char *arg, uint64_t *bytes)
{
	char *end;
	unsigned long long mb;

	if (*arg < '0' || *arg > '9')
		goto bad;
	errno = 0;
	mb = strtoull(arg, &end, 10);
	if (errno || *end || mb < 1 || mb > (1ull << 40))
		goto bad;
	*bytes = (uint64_t)mb << 20;
	return 0;
bad:
	fprintf(stderr, "scstd: --max-cmd-mem takes 1..%llu (MB), not '%s'\n", 1ull << 40, arg);
	return -1;
}

/* A string option's value, refused when empty ("scstd: --NAME needs
 * WHAT"); with or_none, "none" stands for no value (NULL). */
static int take_string(const char *name, const char *what, bool or_none, const char **dst)
{
	if (!*optarg) {
		fprintf(stderr, "scstd: --%s needs %s\n", name, what);
		return -1;
	}
	*dst = or_none && !strcmp(optarg, "none") ? NULL : optarg;
	return 0;
}

int scstd_parse_options(int argc, char **argv, struct scstd_options *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "var-dir", required_argument, NULL, 'v' },
		{ "pr-dir", required_argument, NULL, 'P' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "threads", required_argument, NULL, 't' },
		{ "ctl-socket", required_argument, NULL, 'S' },
		{ "mount", required_argument, NULL, 'M' },
		{ "local-socket", required_argument, NULL, 'O' },
		{ "user-socket", required_argument, NULL, OPT_USER_SOCKET },
		{ "local-mount", required_argument, NULL, OPT_LOCAL_MOUNT },
		{ "local-ublk", no_argument, NULL, OPT_LOCAL_UBLK },
		{ "local-add-default-tgt", required_argument, NULL, 'D' },
		{ "mgmt-timeout", required_argument, NULL, OPT_MGMT_TIMEOUT },
		{ "max-cmd-mem", required_argument, NULL, OPT_MAX_CMD_MEM },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "log-target", required_argument, NULL, OPT_LOG_TARGET },
		{ "mount-group", required_argument, NULL, OPT_MOUNT_GROUP },
		{ "handler-modules", required_argument, NULL, OPT_HANDLER_MODULES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->var_dir = "var";
	o->pr_dir = SCSTD_PR_DIR_DEFAULT;
	o->log_level = LOG_INFO;
	o->ctl_socket = CTL_SOCKET_DEFAULT;
	o->local_socket = LOCAL_SOCKET_DEFAULT;
	o->user_socket = USER_SOCKET_DEFAULT;
	o->local_default_tgt = true;
	o->mgmt_timeout_ms = MGMT_WRITE_TIMEOUT_MS;
	o->max_cmd_mem = scst_cmd_mem_default_limit();
	o->log_target = LOG_TO_STDERR;
	while ((c = getopt_long(argc, argv, "l:c:fL:t:hV", longopts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case 'l':
			if (o->nlisten == SCSTD_MAX_LISTEN) {
				fprintf(stderr, "scstd: at most %d --listen options\n",
					SCSTD_MAX_LISTEN);
				return -1;
			}
			o->listen[o->nlisten++] = optarg;
			break;
		case 'c':
			o->config_file = optarg;
			break;
		case 'v':
			o->var_dir = optarg;
			break;
		case 'P':
			if (take_string("pr-dir", "a directory", false, &o->pr_dir) < 0)
				return -1;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'L':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "scstd: unknown log level '%s'\n", optarg);
				return -1;
			}
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256) {
				fprintf(stderr, "scstd: --threads takes 1..256\n");
				return -1;
			}
			o->threads = (unsigned)v;
			break;
		case 'S':
			if (take_string("ctl-socket", "a path or \"none\"", true, &o->ctl_socket) < 0)
				return -1;
			break;
		case 'M':
			if (take_string("mount", "a directory", false, &o->mount_dir) < 0)
				return -1;
			break;
		case 'O':
			if (take_string("local-socket", "a path or \"none\"", true, &o->local_socket) < 0)
				return -1;
			break;
		case OPT_USER_SOCKET:
			if (take_string("user-socket", "a path or \"none\"", true, &o->user_socket) < 0)
				return -1;
			break;
		case OPT_LOCAL_MOUNT:
			if (take_string("local-mount", "a directory", false, &o->local_mount) < 0)
				return -1;
			break;
		case OPT_LOCAL_UBLK:
			o->local_ublk = true;
			break;
		case OPT_MGMT_TIMEOUT:
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 3600000) {
				fprintf(stderr, "scstd: --mgmt-timeout takes 0..3600000 (ms)\n");
				return -1;
			}
			o->mgmt_timeout_ms = (unsigned)v;
			break;
		case OPT_MAX_CMD_MEM:
			if (parse_max_cmd_mem(optarg, &o->max_cmd_mem) < 0)
				return -1;
			break;
		case OPT_METRICS:
			if (take_string("metrics", "ADDR:PORT", false, &o->metrics) < 0)
				return -1;
			break;
		case OPT_PID_FILE:
			if (take_string("pid-file", "a path", false, &o->pid_file) < 0)
				return -1;
			break;
		case OPT_LOG_TARGET:
			o->log_target = log_target_parse(optarg);
			if (o->log_target < 0) {
				fprintf(stderr, "scstd: --log-target takes stderr, syslog or journal\n");
				return -1;
			}
			break;
		case OPT_MOUNT_GROUP:
			if (take_string("mount-group", "a group name", false, &o->mount_group) < 0)
				return -1;
			break;
		case OPT_HANDLER_MODULES: {
			char err[256];

			if (handler_modules_select(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "scstd: --handler-modules: %s\n", err);
				return -1;
			}
			break;
		}
		case 'D':
			if (strcmp(optarg, "0") && strcmp(optarg, "1")) {
				fprintf(stderr, "scstd: --local-add-default-tgt takes 0 or 1\n");
				return -1;
			}
			o->local_default_tgt = optarg[0] == '1';
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("scstd %s\n", SCSTD_VERSION);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scstd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (o->mount_group && !o->mount_dir) {
		fprintf(stderr, "scstd: --mount-group needs --mount\n");
		return -1;
	}
	if (o->nlisten == 0)
		o->listen[o->nlisten++] = "127.0.0.1:3260";
	return 0;
}

void scstd_free_options(struct scstd_options *o)
{
	o->nlisten = 0;
}
