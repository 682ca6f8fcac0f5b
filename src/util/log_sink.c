/* log_sink.c - syslog(3) and journald sinks of the log (see log_sink.h). */
#include "log_sink.h"

#include <syslog.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

/* log.h's levels error, warn, info, debug, trace in syslog's terms. */
static int syslog_priority(int level)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG };

	return level >= 0 && level < (int)(sizeof(prio) / sizeof(prio[0])) ? prio[level] : LOG_ERR;
}

void log_sink_syslog_open(const char *ident)
{
	/* LOG_NDELAY: the socket is opened now, not by the first line of
	 * some I/O thread after a chroot or namespace change. */
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_sink_syslog(int level, const char *msg)
{
	syslog(syslog_priority(level), "%s", msg);
	return 0;
}

/* journald's native socket (systemd-journald.socket). */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

int log_sink_journal(int level, const char *msg, long tid)
{
	/* sd_journal_send drops a line silently when journald is absent. */
	if (access(JOURNAL_SOCKET, W_OK) < 0)
		return -1;
	return sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", syslog_priority(level),
			       "SYSLOG_IDENTIFIER=scstd", "TID=%ld", tid, NULL) < 0 ? -1 : 0;
}
