/* mkdir_p.c - mkdir -p (see mkdir_p.h). */
#include "util/mkdir_p.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int mkdir_p(const char *dir, mode_t last_mode)
{
	char d[PATH_MAX];

	if (strlen(dir) >= sizeof(d))
		return -ENAMETOOLONG;
	snprintf(d, sizeof(d), "%s", dir);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(d, last_mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
