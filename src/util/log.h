/* log.h - leveled logging to stderr, shared by every layer.
 *
 * One line per event, prefixed with time, level and thread, so that an admin
 * reading the daemon's output can follow a session across threads. */
#ifndef SCSTD_UTIL_LOG_H
#define SCSTD_UTIL_LOG_H

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
	LOG_TRACE = 4,
};

extern int log_threshold;
/* Management changes the threshold while other threads log. */
static inline int log_get_threshold(void)
{
	return __atomic_load_n(&log_threshold, __ATOMIC_RELAXED);
}
static inline void log_set_threshold(int level)
{
	__atomic_store_n(&log_threshold, level, __ATOMIC_RELAXED);
}

/* Accepts a name ("info") or a digit; returns -1 for anything else. */
int log_level_parse(const char *s);
const char *log_level_name(int level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_enabled(l) ((l) <= log_get_threshold())
#define LOG(l, ...) do { if (log_enabled(l)) log_msg(l, __VA_ARGS__); } while (0)
#define log_err(...)   LOG(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  LOG(LOG_WARN, __VA_ARGS__)
#define log_info(...)  LOG(LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) LOG(LOG_TRACE, __VA_ARGS__)

#endif
