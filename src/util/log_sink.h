/* log_sink.h - where log lines go besides stderr: syslog(3) or journald's
 * native protocol (libsystemd's sd_journal_send).  Kept apart from log.h,
 * whose level names clash with <syslog.h>'s macros. */
#ifndef SCSTD_UTIL_LOG_SINK_H
#define SCSTD_UTIL_LOG_SINK_H

/* level: log.h's enum log_level.  0 when sent, -1 when the sink refused
 * (the caller then writes the line to stderr). */
void log_sink_syslog_open(const char *ident);
int log_sink_syslog(int level, const char *msg);
int log_sink_journal(int level, const char *msg, long tid);

#endif
