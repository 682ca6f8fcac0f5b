/* tool_login.h - the libiscsi login shared by the SCSI-level test tools:
 * an iscsi:// URL parsed, its target logged in to and its LUN reached with
 * a full connect (which also takes the new nexus' power-on unit attention)
 * or a plain login, failures told on stderr; and the hex decoding of the
 * tools driven by text lines. */
#ifndef TOOL_LOGIN_H
#define TOOL_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iscsi/iscsi.h>

struct tool_login_opts {
	const char *initiator;          /* InitiatorName */
	bool no_header_digest;          /* offer None only (else libiscsi's None,CRC32C) */
	int timeout_s;                  /* per-command timeout; 0 keeps libiscsi's */
	bool no_reconnect;              /* fail commands instead of reconnecting */
	/* Login only: no TEST UNIT READY, which a port in an ALUA standby
	 * state answers NOT READY (full connect then fails). */
	bool no_tur;
};

/* The logged-in context, its LUN in *lun; NULL after a message on stderr. */
struct iscsi_context *tool_login(const char *url_str, const struct tool_login_opts *o, int *lun);

/* Hex digits into buf: the byte count, or -1 when malformed or longer
 * than max. */
int tool_parse_hex(const char *hex, uint8_t *buf, size_t max);

#endif
