/* handler_modules.c - SCST's device handler modules and the handlers each
 * one brings (see handler_modules.h).  The grouping is SCST's: scst_vdisk
 * registers vdisk_fileio, vdisk_blockio, vdisk_nullio and vcdrom; each
 * pass-through module its dev_* handler and, where SCST has one, its
 * "_perf" twin.  vdisk_rbd has no SCST module: it is scstd's own. */
#include "daemon/handler_modules.h"

#include <stdio.h>
#include <string.h>

#define MAX_MEMBERS 4

struct handler_module {
	const char *name;
	const char *handlers[MAX_MEMBERS];
	bool loaded;
};

static struct handler_module modules[] = {
	{ "scst_vdisk", { "vdisk_fileio", "vdisk_blockio", "vdisk_nullio", "vcdrom" }, true },
	{ "scst_user", { "scst_user" }, true },
	{ "scst_disk", { "dev_disk", "dev_disk_perf" }, true },
	{ "scst_tape", { "dev_tape", "dev_tape_perf" }, true },
	{ "scst_cdrom", { "dev_cdrom" }, true },
	{ "scst_changer", { "dev_changer" }, true },
	{ "scst_processor", { "dev_processor" }, true },
	{ "scst_raid", { "dev_raid" }, true },
	{ "scst_modisk", { "dev_modisk", "dev_modisk_perf" }, true },
	{ "scstd_rbd", { "vdisk_rbd" }, true },
};

#define NMODULES (sizeof(modules) / sizeof(modules[0]))

/* modprobe treats '-' and '_' in module names as the same character. */
static bool module_name_is(const char *name, size_t len, const char *want)
{
	if (strlen(want) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i] == '-' ? '_' : name[i];

		if (c != want[i])
			return false;
	}
	return true;
}

static struct handler_module *find_module(const char *name, size_t len)
{
	for (size_t i = 0; i < NMODULES; i++)
		if (module_name_is(name, len, modules[i].name))
			return &modules[i];
	return NULL;
}

static void set_all(bool loaded)
{
	for (size_t i = 0; i < NMODULES; i++)
		modules[i].loaded = loaded;
}

int handler_modules_select(const char *list, char *err, size_t errlen)
{
	bool chosen[NMODULES] = { false };

	if (!*list) {
		snprintf(err, errlen, "no handler module named (\"all\" loads every one)");
		return -1;
	}
	if (!strcmp(list, "all")) {
		set_all(true);
		return 0;
	}
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		struct handler_module *m = find_module(p, len);

		if (!m) {
			snprintf(err, errlen, "unknown handler module '%.*s' (known: scst_vdisk, "
				 "scst_user, scst_disk, scst_tape, scst_cdrom, scst_changer, "
				 "scst_processor, scst_raid, scst_modisk, scstd_rbd, all)",
				 (int)(len > 64 ? 64 : len), p);
			return -1;
		}
		chosen[m - modules] = true;
		p += len;
		if (*p == ',' && *++p == '\0') {
			snprintf(err, errlen, "handler module list ends with a comma");
			return -1;
		}
	}
	for (size_t i = 0; i < NMODULES; i++)
		modules[i].loaded = chosen[i];
	return 0;
}

bool handler_module_loaded(const char *handler)
{
	for (size_t i = 0; i < NMODULES; i++)
		for (size_t j = 0; j < MAX_MEMBERS && modules[i].handlers[j]; j++)
			if (!strcmp(modules[i].handlers[j], handler))
				return modules[i].loaded;
	/* A handler no module names would be a table omission: keep it. */
	return true;
}

void handler_modules_describe(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NMODULES && off < len; i++)
		if (modules[i].loaded)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
						modules[i].name);
	if (!off)
		snprintf(buf, len, "(none)");
}
