/* version.h - scstd's version and the SCST interface version it implements. */
#ifndef SCSTD_DAEMON_VERSION_H
#define SCSTD_DAEMON_VERSION_H

#define SCSTD_VERSION "0.1.0"

/* The SCST management interface scstd implements (README.scst-3.x,
 * SysfsRules-3.x): what the tree's "version" attribute shows, so SCST's
 * own tools (SCST.pm wants >= 2.0.0) see the interface they talk to.
 * scstd's own version is the second line of that file and --version. */
#define SCST_INTERFACE_VERSION "3.11.0"

#endif
