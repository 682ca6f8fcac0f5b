/* reload.h - the configuration reload on SIGHUP. */
#ifndef SCSTD_DAEMON_RELOAD_H
#define SCSTD_DAEMON_RELOAD_H

/* Re-reads path (NULL: scstd started without --config, nothing to do)
 * and applies the difference as `scstadmin -config` does.  A file that
 * does not parse, or that the apply refuses, changes nothing; the result
 * goes to the log and to the tree's last_reload_time/last_reload_result. */
void config_reload(const char *path);

#endif
