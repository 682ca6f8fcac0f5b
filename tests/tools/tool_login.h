/* tool_login.h - the libiscsi login shared by the SCSI-level test tools:
 * an iscsi:// URL parsed, its target logged in to and its LUN reached with
 * a full connect (which also takes the new nexus' power-on unit attention),
 * failures told on stderr. */
#ifndef TOOL_LOGIN_H
#define TOOL_LOGIN_H

#include <stdbool.h>

#include <iscsi/iscsi.h>

struct tool_login_opts {
	const char *initiator;          /* InitiatorName */
	bool no_header_digest;          /* offer None only (else libiscsi's None,CRC32C) */
	int timeout_s;                  /* per-command timeout; 0 keeps libiscsi's */
	bool no_reconnect;              /* fail commands instead of reconnecting */
	/* Log in only: no TEST UNIT READY (which fails the full connect of a
	 * LUN that is not ready), the power-on UA left for the first command. */
	bool login_only;
};

/* The logged-in context, its LUN in *lun; NULL after a message on stderr. */
struct iscsi_context *tool_login(const char *url_str, const struct tool_login_opts *o, int *lun);

#endif
