/* reload.c - SIGHUP: the --config file read again and its difference to
 * the running configuration applied (see reload.h), framed by systemd's
 * RELOADING=1 ... READY=1. */
#include "reload.h"

#include <stdio.h>

#include "daemon/notify.h"
#include "mgmt/config.h"
#include "mgmt/tree.h"
#include "util/log.h"

static void record_failure(const char *path, const char *what, const char *err)
{
	char result[MGMT_MAX_VALUE - 16];

	log_err("reload of %s %s: %s", path, what, err);
	snprintf(result, sizeof(result), "failed: %s: %s", path, err);
	mgmt_note_reload(result);
}

static void reload_file(const char *path)
{
	char err[1024];
	struct cfg_node *root = cfg_parse_file(path, err, sizeof(err));

	if (!root) {
		record_failure(path, "refused, nothing changed", err);
		return;
	}
	/* conf_apply checks everything before the first change and puts the
	 * previous configuration back when a change fails. */
	if (cfg_apply_changes(root, err, sizeof(err)) < 0)
		record_failure(path, "failed", err);
	else {
		log_info("configuration %s reloaded", path);
		mgmt_note_reload("ok");
	}
	cfg_free(root);
}

void config_reload(const char *path)
{
	/* systemd's notify-reload waits for RELOADING=1 after its SIGHUP,
	 * whatever the reload does. */
	notify_reloading();
	if (path) {
		log_info("SIGHUP: reloading %s", path);
		reload_file(path);
	} else {
		log_info("SIGHUP: scstd was started without --config, nothing to reload");
	}
	notify_ready();
}
