/* mkdir_p.h - mkdir -p for the daemon's own directories (sockets, PR
 * state), whose last component is private while the parents are not. */
#ifndef SCSTD_UTIL_MKDIR_P_H
#define SCSTD_UTIL_MKDIR_P_H

#include <sys/stat.h>

/* Missing parents 0755, dir itself (if new) last_mode.  0 or -errno. */
int mkdir_p(const char *dir, mode_t last_mode);

#endif
