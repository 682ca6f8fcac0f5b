/* notify.c - sd_notify messages of scstd (see notify.h).  The status is
 * counted under scst_mutex by the main thread, only when asked (a reload,
 * or the periodic tick of the signal loop), never on the I/O path. */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "core/scst.h"
#include "util/log.h"

static int enabled = -1;
static unsigned last_sessions = ~0u, last_luns = ~0u;

bool notify_enabled(void)
{
	if (enabled < 0)
		enabled = getenv("NOTIFY_SOCKET") && *getenv("NOTIFY_SOCKET");
	return enabled;
}

static void send_notify(const char *msg)
{
	int rc = sd_notify(0, msg);

	if (rc < 0)
		log_warn("sd_notify \"%s\": %s", msg, strerror(-rc));
}

static unsigned acg_luns(const struct scst_acg *acg)
{
	const struct scst_acg_dev *ad;
	unsigned n = 0;

	list_for_each_entry(ad, &acg->acg_devs, node)
		n++;
	return n;
}

/* Sessions of every target, and LUNs of every LUN set (a device exported
 * twice counts twice, as listing every luns directory would). */
static void count_sessions_luns(unsigned *sessions, unsigned *luns)
{
	const struct scst_tgt *tgt;

	*sessions = *luns = 0;
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node) {
		const struct scst_session *sess;
		const struct scst_acg *acg;

		if (!scst_tgt_is_port(tgt))
			continue;       /* the copy manager's LUNs serve no initiator */
		list_for_each_entry(sess, &tgt->sessions, node)
			(*sessions)++;
		*luns += acg_luns(tgt->default_acg);
		list_for_each_entry(acg, &tgt->acg_list, node)
			*luns += acg_luns(acg);
	}
	pthread_mutex_unlock(&scst_mutex);
}

/* The status line itself; prefix is "" or other assignments ending in \n. */
static void send_status(const char *prefix)
{
	char msg[160];

	count_sessions_luns(&last_sessions, &last_luns);
	snprintf(msg, sizeof(msg), "%sSTATUS=%u session%s, %u LUN%s", prefix, last_sessions,
		 last_sessions == 1 ? "" : "s", last_luns, last_luns == 1 ? "" : "s");
	send_notify(msg);
}

void notify_ready(void)
{
	char prefix[48];

	if (!notify_enabled())
		return;
	snprintf(prefix, sizeof(prefix), "READY=1\nMAINPID=%ld\n", (long)getpid());
	send_status(prefix);
}

void notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	if (!notify_enabled())
		return;
	/* Type=notify-reload matches RELOADING=1 to its own SIGHUP by this
	 * CLOCK_MONOTONIC time (sd_notify(3)). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
	send_notify(msg);
}

void notify_stopping(void)
{
	if (notify_enabled())
		send_notify("STOPPING=1");
}

void notify_status_update(void)
{
	unsigned s, l;

	if (!notify_enabled())
		return;
	count_sessions_luns(&s, &l);
	if (s != last_sessions || l != last_luns)
		send_status("");
}
