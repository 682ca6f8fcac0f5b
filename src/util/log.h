/* log.h - leveled logging, shared by every layer: to stderr, syslog or
 * the journal (--log-target).
 *
 * One line per event, prefixed with time, level and thread, so that an admin
 * reading the daemon's output can follow a session across threads.  Lines a
 * remote peer can provoke at will go through LOG_PEER, rate-limited per
 * peer and call site (ratelimit.h). */
#ifndef SCSTD_UTIL_LOG_H
#define SCSTD_UTIL_LOG_H

#include <stdbool.h>

#include "util/ratelimit.h"

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
	LOG_TRACE = 4,
};

extern int log_threshold;

/* Accepts a name ("info") or a digit; returns -1 for anything else. */
int log_level_parse(const char *s);
const char *log_level_name(int level);

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_JOURNAL };

/* "stderr", "syslog" or "journal"; -1 for anything else. */
int log_target_parse(const char *s);
/* Before the threads start.  syslog and journal lines carry no time
 * stamp (the receiver adds one); a line the journal refuses goes to
 * stderr. */
void log_set_target(enum log_target t);
/* While on, error lines also go to stderr when the target is another
 * (start-up errors for the terminal of whoever started the daemon). */
void log_echo_errors_to_stderr(bool on);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_enabled(l) ((l) <= log_threshold)
#define LOG(l, ...) do { if (log_enabled(l)) log_msg(l, __VA_ARGS__); } while (0)
#define log_err(...)   LOG(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  LOG(LOG_WARN, __VA_ARGS__)
#define log_info(...)  LOG(LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) LOG(LOG_TRACE, __VA_ARGS__)

/* peer: "host:port" or "[v6]:port"; the limit applies per host, so a
 * client reconnecting from new ports shares one budget. */
void log_peer_msg(struct ratelimit_site *site, int level, const char *peer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define LOG_PEER(l, peer, ...) do { \
	static struct ratelimit_site log_site_; \
	if (log_enabled(l)) \
		log_peer_msg(&log_site_, l, peer, __VA_ARGS__); \
} while (0)
#define log_warn_peer(peer, ...) LOG_PEER(LOG_WARN, peer, __VA_ARGS__)

#endif
