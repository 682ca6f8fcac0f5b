/* log.c - leveled logging to stderr, syslog or the journal, and the
 * per-peer rate limit of peer-provoked lines (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "util/log_sink.h"

int log_threshold = LOG_INFO;
static enum log_target log_to = LOG_TO_STDERR;
static bool echo_errors;

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };
static const char *const target_names[] = { "stderr", "syslog", "journal" };

const char *log_level_name(int level)
{
	if (level < 0 || level > LOG_TRACE)
		return "?";
	return level_names[level];
}

int log_level_parse(const char *s)
{
	if (s[0] >= '0' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 0; i <= LOG_TRACE; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARN;
	return -1;
}

int log_target_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(target_names) / sizeof(target_names[0])); i++)
		if (!strcmp(s, target_names[i]))
			return i;
	return -1;
}

void log_set_target(enum log_target t)
{
	log_to = t;
	if (t == LOG_TO_SYSLOG)
		log_sink_syslog_open("scstd");
}

void log_echo_errors_to_stderr(bool on)
{
	echo_errors = on;
}

static void write_stderr(int level, long tid, const char *msg)
{
	char line[1200];
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - n, ".%03ld [%ld] %-5s %s", ts.tv_nsec / 1000000,
		      tid, log_level_name(level), msg);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line keeps lines from different threads whole. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

static void emit(int level, const char *msg)
{
	long tid = (long)syscall(SYS_gettid);

	if (log_to != LOG_TO_STDERR && echo_errors && level == LOG_ERR)
		write_stderr(level, tid, msg);
	if (log_to == LOG_TO_SYSLOG && log_sink_syslog(level, msg) == 0)
		return;
	if (log_to == LOG_TO_JOURNAL && log_sink_journal(level, msg, tid) == 0)
		return;
	write_stderr(level, tid, msg);
}

static void emitv(int level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(level, msg);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(level, fmt, ap);
	va_end(ap);
}

/* "10.0.0.1:3260" -> "10.0.0.1", "[::1]:3260" -> "[::1]". */
static void peer_host(const char *peer, char *host, size_t len)
{
	const char *colon = strrchr(peer, ':');
	size_t n = strlen(peer);

	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    (peer[0] == '[' ? colon > peer && colon[-1] == ']' : !memchr(peer, ':', colon - peer)))
		n = (size_t)(colon - peer);
	snprintf(host, len, "%.*s", (int)n, peer);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void log_peer_msg(struct ratelimit_site *site, int level, const char *peer, const char *fmt, ...)
{
	char host[RATELIMIT_PEER_LEN];
	unsigned suppressed;
	va_list ap;

	peer_host(peer ? peer : "?", host, sizeof(host));
	if (!ratelimit_allow(site, host, monotonic_ms(), &suppressed))
		return;
	if (suppressed)
		log_msg(level, "%s: suppressed %u similar messages from this peer", host,
			suppressed);
	va_start(ap, fmt);
	emitv(level, fmt, ap);
	va_end(ap);
}
