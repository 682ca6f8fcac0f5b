/* cm_target.c - the copy_manager target driver (SCST's scst_copy_mgr.c):
 * its template, the target copy_manager_tgt made at start-up, and the LUNs
 * that follow the devices.  A device of a handler that allows it gets the
 * next free LUN when it is added (SCST's scst_cm_next_lun, which counts on
 * and wraps at the largest LUN) and loses it when it is deleted (the
 * group's LUNs follow their devices); any other device is added by hand
 * through luns/mgmt, and any LUN can be taken away there, which hides the
 * device from EXTENDED COPY.  The target has no sessions, no `enabled`
 * file (no initiator logs in to it) and, as SCST's, no initiator groups. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "targets/copy_manager/cm_priv.h"
#include "targets/copy_manager/copy_manager.h"
#include "util/log.h"

struct scst_tgt *cm_tgt;
static pthread_mutex_t next_lun_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t next_lun;
static bool allow_not_connected;

bool copy_manager_allow_not_connected(void)
{
	return __atomic_load_n(&allow_not_connected, __ATOMIC_RELAXED);
}

void copy_manager_set_allow_not_connected(bool on)
{
	__atomic_store_n(&allow_not_connected, on, __ATOMIC_RELAXED);
}

/* Never called: the target has no sessions, so no command reaches it. */
static void cm_xmit_response(struct scst_cmd *cmd)
{
	scst_tgt_cmd_done(cmd);
}

static void cm_task_mgmt_fn_done(struct scst_mgmt_cmd *mcmd)
{
	scst_mgmt_cmd_free(mcmd);
}

static struct scst_tgt_template cm_template = {
	.name = CM_DRIVER,
	.xmit_response = cm_xmit_response,
	.task_mgmt_fn_done = cm_task_mgmt_fn_done,
	.enabled_attr_not_needed = true,
	.no_ini_groups = true,
};

static void cm_device_added(struct scst_device *dev)
{
	char err[256];

	if (!scst_copy_dev_auto_assignable(dev))
		return;
	pthread_mutex_lock(&next_lun_lock);
	/* A LUN taken by hand is skipped; at most one pass over them all. */
	for (unsigned tries = 0; tries <= SCST_MAX_LUN; tries++) {
		uint64_t lun = next_lun;
		int rc;

		next_lun = next_lun == SCST_MAX_LUN ? 0 : next_lun + 1;
		rc = scst_acg_add_lun(cm_tgt->default_acg, lun, dev->name, false, err, sizeof(err));
		if (rc != -EEXIST) {
			if (rc < 0)
				log_warn("copy manager: device %s gets no LUN: %s", dev->name, err);
			break;
		}
	}
	pthread_mutex_unlock(&next_lun_lock);
}

static struct scst_dev_observer cm_observer = { .added = cm_device_added };

int copy_manager_init(void)
{
	char err[256];
	int rc = scst_register_target_template(&cm_template);

	if (rc < 0)
		return rc;
	cm_tgt = scst_add_target(&cm_template, CM_TARGET, NULL, err, sizeof(err));
	if (!cm_tgt) {
		log_err("copy manager: %s", err);
		return -ENOMEM;
	}
	pthread_mutex_lock(&scst_mutex);
	cm_tgt->default_acg->luns_follow_devices = true;
	pthread_mutex_unlock(&scst_mutex);
	scst_register_dev_observer(&cm_observer);
	scst_register_copy_resolver(&cm_resolver);
	return cm_mgmt_register();
}
