/* options.h - scstd's command line. */
#ifndef SCSTD_DAEMON_OPTIONS_H
#define SCSTD_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSTD_MAX_LISTEN 32
#define SCSTD_PR_DIR_DEFAULT "/var/lib/scst/pr"

struct scstd_options {
	const char *listen[SCSTD_MAX_LISTEN];
	size_t nlisten;
	const char *config_file;
	const char *var_dir;
	const char *pr_dir;              /* APTPL persistent reservations */
	bool foreground;
	int log_level;
	unsigned threads;               /* 0: one per CPU */
	const char *ctl_socket;         /* NULL: no control socket */
	const char *mount_dir;          /* NULL: no FUSE mount */
	const char *local_socket;       /* scst_local raw commands; NULL: none */
	const char *local_mount;        /* scst_local LUN files; NULL: none */
	const char *user_socket;        /* scst_user handlers attach here; NULL: none */
	bool local_ublk;                /* scst_local LUNs as ublk devices */
	bool local_default_tgt;         /* scst_local add_default_tgt */
	unsigned mgmt_timeout_ms;       /* tree writes of socket and mount */
	uint64_t max_cmd_mem;           /* bytes; README.scst scst_max_cmd_mem */
	const char *metrics;            /* Prometheus HTTP ADDR:PORT; NULL: none */
	const char *pid_file;           /* NULL: none */
	int log_target;                 /* enum log_target */
	const char *mount_group;        /* group that may read the mount; NULL: all */
};

/* Returns 0 to run, 1 when --help/--version was handled, -1 on a usage
 * error (already reported on stderr). */
int scstd_parse_options(int argc, char **argv, struct scstd_options *o);
void scstd_free_options(struct scstd_options *o);

#endif
