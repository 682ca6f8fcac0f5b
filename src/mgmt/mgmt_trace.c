/* mgmt_trace.c - the trace_level, version and type files SysfsRules asks
 * of the root, every target driver and every device handler.  scstd has
 * one log threshold for the whole daemon (util/log.h), so every
 * trace_level file shows and sets that one; SCST's grammar is kept:
 * "all|none|default", "value N", "add|del TOKEN", the tokens being the
 * daemon's levels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scst.h"
#include "daemon/version.h"
#include "mgmt/cmd.h"
#include "mgmt/tree.h"
#include "util/log.h"

int mgmt_show_trace_level(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	mgmt_printf(out, "%s\n\nUsage:\n"
			 "\techo \"all|none|default\" >trace_level\n"
			 "\techo \"value DEC|0xHEX|0OCT\" >trace_level\n"
			 "\techo \"add|del TOKEN\" >trace_level\n\n"
			 "where TOKEN is one of [error, warn, info, debug, trace]\n"
			 "(one level for the whole daemon: every trace_level file sets it)\n",
		    log_level_name(log_get_threshold()));
	return 0;
}

static int parse_value(const char *v, int *level)
{
	char *end;
	long x = strtol(v, &end, 0);

	if (!*v || *end || x < LOG_ERR || x > LOG_TRACE)
		return -1;
	*level = (int)x;
	return 0;
}

int mgmt_store_trace_level(const struct mgmt_node *n, const char *value, char *err,
			   size_t errlen)
{
	char line[64], *cur = line, *cmd, *arg;
	int cur_level = log_get_threshold(), level = -1, tok;

	(void)n;
	snprintf(line, sizeof(line), "%s", value);
	cmd = mgmt_next_word(&cur);
	arg = mgmt_next_word(&cur);
	if (!cmd || *mgmt_rest(cur))
		return mgmt_refuse(-EINVAL, err, errlen, "trace_level: see its usage");
	if (!strcmp(cmd, "all") && !arg)
		level = LOG_TRACE;
	else if (!strcmp(cmd, "none") && !arg)
		level = LOG_ERR;
	else if (!strcmp(cmd, "default") && !arg)
		level = LOG_INFO;
	else if (!strcmp(cmd, "value") && arg && parse_value(arg, &level) == 0)
		;
	else if ((!strcmp(cmd, "add") || !strcmp(cmd, "del")) && arg &&
		 (tok = log_level_parse(arg)) >= 0)
		level = cmd[0] == 'a' ? (tok > cur_level ? tok : cur_level)
				      : (tok <= cur_level ? (tok > LOG_ERR ? tok - 1 : LOG_ERR)
							  : cur_level);
	if (level < 0)
		return mgmt_refuse(-EINVAL, err, errlen, "trace_level: invalid command '%s'",
				   value);
	log_set_threshold(level);
	log_info("mgmt: log level set to %s", log_level_name(level));
	return 0;
}

/* SysfsRules: "version of the target driver and some info about its
 * enabled compile time facilities"; the drivers are scstd's own. */
int mgmt_show_component_version(const struct mgmt_node *n, struct mgmt_buf *out)
{
	(void)n;
	mgmt_printf(out, "%s\nscstd %s\n", SCST_INTERFACE_VERSION, SCSTD_VERSION);
	return 0;
}

/* SPC-4 peripheral device type names (the INQUIRY PERIPHERAL DEVICE
 * TYPE field) of the types scstd's handlers emulate. */
static const char *peripheral_type_name(int type)
{
	switch (type) {
	case 0x00:
		return "Direct access block device";
	case 0x01:
		return "Sequential-access device";
	case 0x05:
		return "CD/DVD device";
	case 0x08:
		return "Media changer device";
	case 0x0c:
		return "Storage array controller device";
	default:
		return "unknown";
	}
}

/* README.scst / SysfsRules: "type - SCSI type of device this dev handler
 * can handle", shown as SCST does: "N - name". */
int mgmt_show_handler_type(const struct mgmt_node *n, struct mgmt_buf *out)
{
	mgmt_printf(out, "%d - %s\n", n->dt->type, peripheral_type_name(n->dt->type));
	return 0;
}
