/* iscsi_login.c - the login phase (security and operational stages, login
 * text spanning several PDUs, status classes, TSIH, the move to full
 * feature phase) and the Text request (SendTargets discovery).
 *
 * Authentication: a target (or, for discovery, the driver) with
 * IncomingUser entries requires CHAP; it refuses AuthMethod=None and lets
 * nobody out of the security stage before the CHAP exchange succeeded
 * (iscsi_chap.c).  Without users AuthMethod=None is what is agreed.
 * Digests negotiated here take effect with the first PDU after the final
 * Login Response, in both directions.  Owns conn->login and fills
 * conn->neg. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/iscsi/iscsi_isns.h"
#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define LOGIN_TEXT_MAX 65536

struct login_ctx {
	const uint8_t *bhs;
	uint8_t csg, nsg;
	bool transit;
	uint16_t status;
	struct iscsi_text_out out;
};

static void send_login_rsp(struct iscsi_conn *conn, struct login_ctx *lc, bool final_ok)
{
	struct iscsi_tx *tx = iscsi_tx_alloc(conn);

	if (!tx) {
		iscsi_text_out_free(&lc->out);
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_LOGIN_RSP);
	if (lc->status == ISCSI_LOGIN_OK) {
		iscsi_bhs_set_flags(tx->bhs, (uint8_t)(lc->csg << 2));
		if (lc->transit)
			iscsi_bhs_add_flags(tx->bhs, ISCSI_LOGIN_TRANSIT | lc->nsg);
	}
	iscsi_bhs_set_isid(tx->bhs, conn->neg.isid);
	iscsi_bhs_set_tsih(tx->bhs, final_ok ? conn->neg.tsih : 0);
	iscsi_bhs_set_itt_bytes(tx->bhs, iscsi_bhs_itt_bytes(lc->bhs));
	iscsi_fill_sn(conn, tx, true);
	iscsi_bhs_set_login_status(tx->bhs, lc->status);
	if (lc->status == ISCSI_LOGIN_OK && lc->out.len) {
		tx->data = (uint8_t *)lc->out.buf;
		tx->owned = lc->out.buf;
		tx->dlen = (uint32_t)lc->out.len;
		lc->out.buf = NULL;
	}
	iscsi_text_out_free(&lc->out);
	tx->close_after = lc->status != ISCSI_LOGIN_OK;
	iscsi_tx_queue(conn, tx);
}

/* Login counters for the metrics: logins are rare next to commands, so a
 * relaxed atomic add on shared counters costs nothing worth avoiding. */
static struct scst_login_stats login_counts;

void iscsi_login_stats(struct scst_login_stats *st)
{
	st->logins = __atomic_load_n(&login_counts.logins, __ATOMIC_RELAXED);
	for (int r = 0; r < SCST_LOGIN_FAIL__COUNT; r++)
		st->failures[r] = __atomic_load_n(&login_counts.failures[r], __ATOMIC_RELAXED);
}

static enum scst_login_fail_reason fail_reason(uint16_t status)
{
	switch (status) {
	case ISCSI_LOGIN_AUTH_FAILED:
		return SCST_LOGIN_FAIL_AUTH;
	case ISCSI_LOGIN_NOT_FOUND:
		return SCST_LOGIN_FAIL_TARGET;
	case ISCSI_LOGIN_TOO_MANY_CONNECTIONS:
		return SCST_LOGIN_FAIL_LIMIT;
	default:
		return status >= ISCSI_LOGIN_TARGET_ERROR ? SCST_LOGIN_FAIL_RESOURCES
							  : SCST_LOGIN_FAIL_PROTOCOL;
	}
}

/* Not rate-limited: each refusal costs the peer a connection, and refused
 * logins are an audit trail worth keeping whole. */
static void login_fail_as(struct iscsi_conn *conn, struct login_ctx *lc, uint16_t status,
			  enum scst_login_fail_reason reason, const char *why)
{
	__atomic_add_fetch(&login_counts.failures[reason], 1, __ATOMIC_RELAXED);
	log_warn("%s: login of %s refused: %s (status 0x%04x)", conn->peer_str,
		 conn->neg.initiator_name[0] ? conn->neg.initiator_name : "?", why, status);
	lc->status = status;
	send_login_rsp(conn, lc, false);
	/* Nothing else is accepted from this connection. */
	conn->state = CONN_LOGIN;
	conn->login.stage = 0xff;
}

static void login_fail(struct iscsi_conn *conn, struct login_ctx *lc, uint16_t status,
		       const char *why)
{
	login_fail_as(conn, lc, status, fail_reason(status), why);
}

/* The first method of the initiator's list that this target accepts:
 * CHAP when it has users, None when it has none. */
static int handle_auth_method(struct iscsi_conn *conn, const char *value, struct login_ctx *lc)
{
	bool need_chap = iscsi_auth_required(conn->login.auth);

	for (const char *p = value; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (!need_chap && len == 4 && !strncmp(p, "None", 4)) {
			conn->login.authed = true;
			return iscsi_text_add(&lc->out, "AuthMethod", "None");
		}
		if (need_chap && len == 4 && !strncmp(p, "CHAP", 4)) {
			conn->login.chap.step = ISCSI_CHAP_WAIT_ALG;
			return iscsi_text_add(&lc->out, "AuthMethod", "CHAP");
		}
		p = comma ? comma + 1 : NULL;
	}
	iscsi_text_add(&lc->out, "AuthMethod", "Reject");
	return -1;
}

static int auth_method_key(struct iscsi_conn *conn, const char *v, struct login_ctx *lc)
{
	if (lc->csg != ISCSI_STAGE_SECURITY) {
		login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR, "AuthMethod outside the security stage");
		return -1;
	}
	if (conn->login.authed || conn->login.chap.step != ISCSI_CHAP_IDLE) {
		login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR, "AuthMethod negotiated twice");
		return -1;
	}
	if (handle_auth_method(conn, v, lc) < 0) {
		login_fail(conn, lc, ISCSI_LOGIN_AUTH_FAILED, "no acceptable AuthMethod");
		return -1;
	}
	return 0;
}

static int chap_fail(struct iscsi_conn *conn, struct login_ctx *lc, const char *why)
{
	login_fail(conn, lc, ISCSI_LOGIN_AUTH_FAILED, why);
	return -1;
}

/* Second half of the exchange: the initiator's response, and for mutual
 * CHAP its own challenge to answer. */
static int chap_response(struct iscsi_conn *conn, const struct iscsi_text *t, struct login_ctx *lc)
{
	const char *n = iscsi_text_get(t, "CHAP_N"), *r = iscsi_text_get(t, "CHAP_R");
	const char *i = iscsi_text_get(t, "CHAP_I"), *c = iscsi_text_get(t, "CHAP_C");
	char why[160];

	if (iscsi_text_get(t, "CHAP_A") || !n || !r)
		return chap_fail(conn, lc, "CHAP_N and CHAP_R expected");
	if (iscsi_chap_verify(&conn->login.chap, conn->login.auth, n, r, why, sizeof(why)) < 0)
		return chap_fail(conn, lc, why);
	if ((i || c) && (!i || !c))
		return chap_fail(conn, lc, "CHAP_I and CHAP_C must come together");
	if (i && iscsi_chap_answer(&conn->login.chap, conn->login.auth, i, c, &lc->out, why, sizeof(why)) < 0)
		return chap_fail(conn, lc, why);
	conn->login.chap.step = ISCSI_CHAP_DONE;
	conn->login.authed = true;
	log_info("%s: CHAP user %.64s authenticated with CHAP_A=%u%s", conn->peer_str, n,
		 conn->login.chap.alg, i ? " (mutual)" : "");
	return 0;
}

static const char *const chap_key_names[] = { "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R" };

static bool is_chap_key(const char *key)
{
	for (size_t k = 0; k < sizeof(chap_key_names) / sizeof(chap_key_names[0]); k++)
		if (!strcmp(key, chap_key_names[k]))
			return true;
	return false;
}

/* The CHAP_* keys of one PDU, checked against where the exchange is. */
static int chap_keys(struct iscsi_conn *conn, const struct iscsi_text *t, struct login_ctx *lc)
{
	const char *a = iscsi_text_get(t, "CHAP_A");
	bool any = false;

	for (size_t i = 0; i < t->n; i++)
		any |= is_chap_key(t->pairs[i].key);
	if (!any)
		return 0;
	if (lc->csg != ISCSI_STAGE_SECURITY)
		return chap_fail(conn, lc, "CHAP keys outside the security stage");
	switch (conn->login.chap.step) {
	case ISCSI_CHAP_WAIT_ALG:
		if (!a || iscsi_text_get(t, "CHAP_N") || iscsi_text_get(t, "CHAP_R"))
			return chap_fail(conn, lc, "CHAP_A expected");
		if (iscsi_chap_challenge(&conn->login.chap, a, &lc->out) < 0)
			return chap_fail(conn, lc, "no acceptable CHAP algorithm (5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256)");
		return 0;
	case ISCSI_CHAP_WAIT_RESPONSE:
		return chap_response(conn, t, lc);
	default:
		return chap_fail(conn, lc, "CHAP keys not expected now");
	}
}

/* Nobody leaves the security stage of a CHAP-protected target without
 * having authenticated; the target holds the stage (T=0) meanwhile. */
static bool auth_gate(struct iscsi_conn *conn, struct login_ctx *lc)
{
	if (!iscsi_auth_required(conn->login.auth) || conn->login.authed)
		return true;
	if (lc->csg != ISCSI_STAGE_SECURITY) {
		login_fail(conn, lc, ISCSI_LOGIN_AUTH_FAILED, "CHAP authentication required");
		return false;
	}
	lc->transit = false;
	return true;
}

/* Keys only meaningful on the first PDU(s) of the login. */
static int handle_identity_keys(struct iscsi_conn *conn, const struct iscsi_text *t,
				struct login_ctx *lc)
{
	const char *v;

	if ((v = iscsi_text_get(t, "InitiatorName"))) {
		/* The name becomes a directory of the management tree and goes
		 * into log lines: no '/', no control characters. */
		if (!scst_name_valid(v) || strlen(v) >= sizeof(conn->neg.initiator_name)) {
			login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR, "bad InitiatorName");
			return -1;
		}
		snprintf(conn->neg.initiator_name, sizeof(conn->neg.initiator_name), "%s", v);
	}
	if ((v = iscsi_text_get(t, "SessionType"))) {
		if (!strcmp(v, "Discovery")) {
			conn->neg.discovery = true;
		} else if (strcmp(v, "Normal")) {
			login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR, "bad SessionType");
			return -1;
		}
	}
	if ((v = iscsi_text_get(t, "TargetName")) && !conn->neg.discovery) {
		conn->neg.target = iscsi_find_target(v);
		if (!conn->neg.target) {
			login_fail(conn, lc, ISCSI_LOGIN_NOT_FOUND, "no such target");
			return -1;
		}
	}
	return 0;
}

static int check_first_pdu(struct iscsi_conn *conn, struct login_ctx *lc)
{
	if (!conn->neg.initiator_name[0]) {
		login_fail(conn, lc, ISCSI_LOGIN_MISSING_PARAM, "InitiatorName missing");
		return -1;
	}
	if (!conn->neg.discovery && !conn->neg.target) {
		login_fail(conn, lc, ISCSI_LOGIN_MISSING_PARAM, "TargetName missing");
		return -1;
	}
	if (!conn->neg.discovery && (!conn->neg.target->tgt->enabled || !iscsi_driver_enabled())) {
		login_fail(conn, lc, ISCSI_LOGIN_NOT_FOUND, "target not enabled");
		return -1;
	}
	if (!conn->neg.discovery && !iscsi_portal_allowed(conn->neg.target, &conn->local)) {
		login_fail_as(conn, lc, ISCSI_LOGIN_NOT_FOUND, SCST_LOGIN_FAIL_ACL,
			      "target not reachable through this portal");
		return -1;
	}
	/* As iscsi-scst: an initiator iSNS does not show the target is told
	 * there is no such target. */
	if (!conn->neg.discovery &&
	    !iscsi_isns_access_allowed(conn->neg.target->tgt->name, conn->neg.initiator_name)) {
		login_fail_as(conn, lc, ISCSI_LOGIN_NOT_FOUND, SCST_LOGIN_FAIL_ACL,
			      "the iSNS server does not show the target to this initiator (iSNSAccessControl)");
		return -1;
	}
	if (conn->neg.tsih) {
		/* The connection joins a session on this loop (iscsi_login_pdu
		 * moved it here): the session's identity must match. */
		struct ioloop *loop = NULL;
		int rc = iscsi_session_join(conn, &loop);

		if (rc == 1)
			rc = ISCSI_LOGIN_SESSION_NOT_FOUND;   /* it moved meanwhile */
		if (rc) {
			login_fail(conn, lc, (uint16_t)rc, rc == ISCSI_LOGIN_TOO_MANY_CONNECTIONS
				   ? "MaxConnections reached" : "no such session to add a connection to");
			return -1;
		}
	}
	if (conn->neg.target)
		iscsi_target_limits(conn->neg.target, &conn->neg.limits);
	else
		iscsi_limits_defaults(&conn->neg.limits);
	conn->login.auth = iscsi_auth_snapshot(conn->neg.target);
	if (!conn->login.auth) {
		login_fail(conn, lc, ISCSI_LOGIN_OUT_OF_RESOURCES, "out of memory");
		return -1;
	}
	if (!conn->neg.discovery && iscsi_text_add(&lc->out, "TargetPortalGroupTag", "1") < 0)
		return -1;
	return 0;
}

/* Leading-only keys (RFC 7143 13): a connection added to a session has
 * the session's values, so offering them there is answered Irrelevant. */
static bool leading_only_key(const char *key)
{
	static const char *const keys[] = {
		"MaxConnections", "InitialR2T", "ImmediateData", "MaxBurstLength",
		"FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain",
		"MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder",
		"ErrorRecoveryLevel", NULL,
	};

	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(keys[i], key))
			return true;
	return false;
}

static int negotiate_all(struct iscsi_conn *conn, const struct iscsi_text *t,
			 struct login_ctx *lc)
{
	const char *am = iscsi_text_get(t, "AuthMethod");

	/* Authentication first: its answers lead the response text. */
	if (am && auth_method_key(conn, am, lc) < 0)
		return -1;
	if (chap_keys(conn, t, lc) < 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const char *k = t->pairs[i].key, *v = t->pairs[i].value;
		enum iscsi_neg_result r;

		if (!strcmp(k, "AuthMethod") || is_chap_key(k))
			continue;
		if (conn->neg.tsih && leading_only_key(k)) {
			if (iscsi_text_add(&lc->out, k, "Irrelevant") < 0)
				return -1;
			continue;
		}
		r = iscsi_negotiate_key(k, v, &conn->neg.params, &conn->neg.limits, conn->neg.discovery,
					&lc->out);
		if (r == ISCSI_NEG_FAILED)
			return -1;
	}
	if (lc->csg == ISCSI_STAGE_OPERATIONAL && !conn->login.keys_declared) {
		conn->login.keys_declared = true;
		if (iscsi_declare_target_keys(&conn->neg.params, &conn->neg.limits, conn->neg.discovery, t,
					      &lc->out) < 0)
			return -1;
	}
	return 0;
}

/* Checks the stage bits; returns false after failing the login. */
static bool stages_valid(struct iscsi_conn *conn, struct login_ctx *lc)
{
	if (lc->csg == 2 || (lc->transit && (lc->nsg == 2 || lc->nsg <= lc->csg))) {
		login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR, "invalid stage transition");
		return false;
	}
	if (lc->csg < conn->login.stage || (lc->csg == ISCSI_STAGE_FULL)) {
		login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR, "stage went backwards");
		return false;
	}
	return true;
}

static bool enter_full_feature(struct iscsi_conn *conn, struct login_ctx *lc)
{
	if (!iscsi_digests_acceptable(&conn->neg.params, &conn->neg.limits)) {
		login_fail(conn, lc, ISCSI_LOGIN_INITIATOR_ERROR,
			   "the target requires CRC32C digests the initiator did not agree to");
		return false;
	}
	if (conn->neg.tsih) {
		/* A connection added to the session: its leading-only keys are
		 * the session's; TSIH and the core session stay. */
		if (__atomic_load_n(&conn->link.isess->ending, __ATOMIC_ACQUIRE) || !conn->link.isess->sess) {
			login_fail(conn, lc, ISCSI_LOGIN_SESSION_NOT_FOUND, "session ended meanwhile");
			return false;
		}
		iscsi_session_apply_params(conn);
		conn->link.sess = conn->link.isess->sess;
	} else {
		if (!conn->neg.discovery && !iscsi_session_claim_slot(conn)) {
			login_fail(conn, lc, ISCSI_LOGIN_TOO_MANY_CONNECTIONS,
				   "the target has MaxSessions sessions");
			return false;
		}
		if (!conn->neg.discovery) {
			iscsi_reinstate_session(conn);
			conn->link.sess = scst_register_session(conn->neg.target->tgt, conn->neg.initiator_name,
							   conn->link.isess, conn->loop);
			if (!conn->link.sess) {
				login_fail(conn, lc, ISCSI_LOGIN_OUT_OF_RESOURCES,
					   "cannot register session");
				return false;
			}
		}
		conn->neg.tsih = iscsi_alloc_tsih();
		if (!conn->neg.discovery)
			iscsi_session_publish(conn);
	}
	conn->state = CONN_FULL;
	__atomic_add_fetch(&login_counts.logins, 1, __ATOMIC_RELAXED);
	iscsi_login_timer_stop(conn);
	iscsi_admit_login_done(conn);
	iscsi_auth_free(conn->login.auth);        /* secrets are not kept past login */
	conn->login.auth = NULL;
	/* From now on data segments up to our declared limit may arrive. */
	if (conn->neg.limits.max_recv_dsl > conn->rx.data_cap) {
		uint8_t *nb = realloc(conn->rx.data, conn->neg.limits.max_recv_dsl);

		if (nb) {
			conn->rx.data = nb;
			conn->rx.data_cap = conn->neg.limits.max_recv_dsl;
		}
	}
	conn->neg.params.max_recv_dsl = conn->rx.data_cap;
	log_info("%s: %s session of %s%s%s (MaxRecvDSL %u, MaxXmitDSL %u, MaxBurst %u, "
		 "FirstBurst %u, InitialR2T %d, ImmediateData %d, HeaderDigest %s, DataDigest %s)",
		 conn->peer_str,
		 conn->neg.discovery ? "discovery" : "normal", conn->neg.initiator_name,
		 conn->neg.discovery ? "" : " to ", conn->neg.discovery ? "" : conn->neg.target->tgt->name,
		 conn->neg.params.max_recv_dsl, conn->neg.params.max_xmit_dsl, conn->neg.params.max_burst,
		 conn->neg.params.first_burst, conn->neg.params.initial_r2t, conn->neg.params.immediate_data,
		 conn->neg.params.header_digest ? "CRC32C" : "None",
		 conn->neg.params.data_digest ? "CRC32C" : "None");
	return true;
}

/* Collects C-bit continuation text; returns the whole text when complete. */
static bool gather_text(struct iscsi_conn *conn, const uint8_t *data, uint32_t dlen, bool more,
			const uint8_t **text, uint32_t *len)
{
	if (!more && !conn->login.text) {
		*text = data;
		*len = dlen;
		return true;
	}
	if (conn->login.text_len + dlen > LOGIN_TEXT_MAX)
		return false;
	uint8_t *nb = realloc(conn->login.text, conn->login.text_len + dlen + 1);

	if (!nb)
		return false;
	memcpy(nb + conn->login.text_len, data, dlen);
	conn->login.text = nb;
	conn->login.text_len += dlen;
	*text = conn->login.text;
	*len = conn->login.text_len;
	return true;
}

/* A login adding a connection to a session that lives on another loop:
 * the connection moves there first and this PDU is processed again there
 * (false).  An unknown session is left to check_first_pdu. */
static bool joins_here(struct iscsi_conn *conn, uint32_t dlen)
{
	struct ioloop *loop = iscsi_session_loop(conn->neg.tsih);

	if (!loop || loop == conn->loop)
		return true;
	conn->move.dlen = dlen;
	iscsi_conn_handoff(conn, loop);
	return false;
}

/* A login for a new session: the connection first moves to the loop the
 * session belongs on by its group's io_grouping_type and cpu_mask
 * (scst_io_home), and this PDU is processed again there (false).  The
 * names are read from this PDU's text; a login spread over Continue PDUs,
 * a discovery session or an unknown target stays where it is. */
static bool homes_here(struct iscsi_conn *conn, const uint8_t *bhs, const uint8_t *data,
		       uint32_t dlen)
{
	const char *ini, *tname, *type;
	struct iscsi_target *target;
	struct ioloop *home = NULL;
	struct iscsi_text t;
	char err[64];

	if (conn->move.home_checked || (iscsi_bhs_flags(bhs) & ISCSI_LOGIN_CONTINUE))
		return true;
	conn->move.home_checked = true;
	if (iscsi_text_parse(data, dlen, &t, err, sizeof(err)) < 0)
		return true;
	ini = iscsi_text_get(&t, "InitiatorName");
	tname = iscsi_text_get(&t, "TargetName");
	type = iscsi_text_get(&t, "SessionType");
	if (ini && tname && !(type && !strcmp(type, "Discovery")) &&
	    (target = iscsi_find_target(tname)))
		home = scst_io_home(target->tgt, ini);
	if (home && home != conn->loop)
		log_info("%s: new session of %s goes to I/O thread %u (its group's "
			 "io_grouping_type and cpu_mask)", conn->peer_str, tname, ioloop_index(home));
	iscsi_text_free(&t);
	if (!home || home == conn->loop)
		return true;
	conn->move.dlen = dlen;
	iscsi_conn_handoff(conn, home);
	return false;
}

void iscsi_login_pdu(struct iscsi_conn *conn, const uint8_t *bhs, const uint8_t *data,
		     uint32_t dlen)
{
	struct login_ctx lc = { .bhs = bhs };
	struct iscsi_text t;
	const uint8_t *text;
	uint32_t tlen;
	char err[128];
	bool first_pdu = !conn->neg.initiator_name[0] && !conn->login.text;
	bool first_text;
	int parsed;

	if (conn->login.stage == 0xff)
		return;                   /* failed login: ignore until closed */
	lc.csg = ISCSI_LOGIN_CSG(iscsi_bhs_flags(bhs));
	lc.nsg = ISCSI_LOGIN_NSG(iscsi_bhs_flags(bhs));
	lc.transit = iscsi_bhs_flags(bhs) & ISCSI_LOGIN_TRANSIT;
	if (first_pdu) {
		memcpy(conn->neg.isid, iscsi_bhs_isid(bhs), 6);
		conn->neg.tsih = iscsi_bhs_tsih(bhs);
		conn->neg.cid = iscsi_bhs_cid(bhs);
		conn->tx.stat_sn = iscsi_bhs_exp_statsn(bhs);
		if (iscsi_bhs_version_min(bhs) > 0) {
			login_fail(conn, &lc, ISCSI_LOGIN_UNSUPPORTED_VERSION, "version");
			return;
		}
		/* Until it joins a session, the connection's own one answers. */
		conn->link.isess->exp_cmdsn = iscsi_bhs_cmdsn(bhs);
		if (conn->neg.tsih && !joins_here(conn, dlen))
			return;
		if (!conn->neg.tsih && !homes_here(conn, bhs, data, dlen))
			return;
	}
	if ((iscsi_bhs_flags(bhs) & ISCSI_LOGIN_CONTINUE) && lc.transit) {
		login_fail(conn, &lc, ISCSI_LOGIN_INITIATOR_ERROR, "C and T both set");
		return;
	}
	if (!stages_valid(conn, &lc))
		return;
	conn->login.stage = lc.csg;
	if (!gather_text(conn, data, dlen, iscsi_bhs_flags(bhs) & ISCSI_LOGIN_CONTINUE, &text,
			 &tlen)) {
		login_fail(conn, &lc, ISCSI_LOGIN_INITIATOR_ERROR, "login text too long");
		return;
	}
	if (iscsi_bhs_flags(bhs) & ISCSI_LOGIN_CONTINUE) {
		send_login_rsp(conn, &lc, false);     /* empty: "send the rest" */
		return;
	}
	parsed = iscsi_text_parse(text, tlen, &t, err, sizeof(err));
	free(conn->login.text);
	conn->login.text = NULL;
	conn->login.text_len = 0;
	if (parsed < 0) {
		login_fail(conn, &lc, ISCSI_LOGIN_INITIATOR_ERROR, err);
		return;
	}
	/* The login's first text, which a Continue sequence spreads over
	 * several PDUs (first_pdu is true only for the first of those). */
	first_text = !conn->neg.initiator_name[0];
	if (handle_identity_keys(conn, &t, &lc) < 0 ||
	    (first_text && check_first_pdu(conn, &lc) < 0) || negotiate_all(conn, &t, &lc) < 0) {
		iscsi_text_free(&t);
		if (conn->login.stage != 0xff)
			login_fail(conn, &lc, ISCSI_LOGIN_TARGET_ERROR, "out of memory");
		return;
	}
	iscsi_text_free(&t);
	if (!auth_gate(conn, &lc))
		return;
	if (lc.transit && lc.nsg == ISCSI_STAGE_FULL && !enter_full_feature(conn, &lc))
		return;
	if (lc.transit)
		conn->login.stage = lc.nsg;
	send_login_rsp(conn, &lc, lc.transit && lc.nsg == ISCSI_STAGE_FULL);
	if (lc.transit && lc.nsg == ISCSI_STAGE_FULL) {
		/* The final Login Response went out bare; what follows is digested. */
		conn->neg.hdigest = conn->neg.params.header_digest;
		conn->neg.ddigest = conn->neg.params.data_digest;
		if (conn->state == CONN_FULL) {
			iscsi_keepalive_start(conn);
			iscsi_rsp_timer_start(conn);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Text requests                                                           */

static int add_target_entry(struct iscsi_conn *conn, struct iscsi_target *it,
			    struct iscsi_text_out *out)
{
	if (!it->tgt->enabled || !iscsi_portal_allowed(it, &conn->local) ||
	    !iscsi_isns_access_allowed(it->tgt->name, conn->neg.initiator_name))
		return 0;
	if (iscsi_text_add(out, "TargetName", it->tgt->name) < 0)
		return -1;
	return iscsi_portal_addresses(conn, it, out);
}

static int send_targets(struct iscsi_conn *conn, const char *what, struct iscsi_text_out *out)
{
	struct scst_tgt *tgt;
	int rc = 0;

	if (!iscsi_driver_enabled())
		return 0;
	if (!strcmp(what, "All")) {
		pthread_mutex_lock(&scst_mutex);
		list_for_each_entry(tgt, &scst_targets, node)
			if (tgt->tgtt == &iscsi_template && rc == 0)
				rc = add_target_entry(conn, tgt->tgt_priv, out);
		pthread_mutex_unlock(&scst_mutex);
		return rc;
	}
	if (!*what) {
		/* Empty value: the session's own target (normal sessions). */
		return conn->neg.target ? add_target_entry(conn, conn->neg.target, out) : 0;
	}
	struct iscsi_target *it = iscsi_find_target(what);

	return it ? add_target_entry(conn, it, out) : 0;
}

void iscsi_text_pdu(struct iscsi_conn *conn, const uint8_t *bhs, const uint8_t *data,
		    uint32_t dlen)
{
	struct iscsi_text_out out = { 0 };
	struct iscsi_text t;
	struct iscsi_tx *tx;
	char err[128];

	if (iscsi_bhs_flags(bhs) & ISCSI_LOGIN_CONTINUE) {
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		return;
	}
	if (iscsi_text_parse(data, dlen, &t, err, sizeof(err)) < 0) {
		log_warn_peer(conn->peer_str, "%s: bad text request: %s", conn->peer_str, err);
		iscsi_send_reject(conn, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return;
	}
	for (size_t i = 0; i < t.n; i++) {
		int rc;

		if (!strcmp(t.pairs[i].key, "SendTargets"))
			rc = send_targets(conn, t.pairs[i].value, &out);
		else
			rc = iscsi_text_add(&out, t.pairs[i].key, "NotUnderstood");
		if (rc < 0)
			break;
	}
	iscsi_text_free(&t);
	tx = iscsi_tx_alloc(conn);
	if (!tx) {
		iscsi_text_out_free(&out);
		iscsi_conn_close(conn, "out of memory");
		return;
	}
	iscsi_bhs_set_opcode(tx->bhs, ISCSI_OP_TEXT_RSP);
	iscsi_bhs_set_flags(tx->bhs, ISCSI_FLAG_FINAL);
	iscsi_bhs_set_itt_bytes(tx->bhs, iscsi_bhs_itt_bytes(bhs));
	iscsi_bhs_set_ttt(tx->bhs, ISCSI_RESERVED_TAG);
	iscsi_fill_sn(conn, tx, true);
	if (out.len > conn->neg.params.max_xmit_dsl)
		log_warn_peer(conn->peer_str, "%s: text response of %zu bytes cut to %u",
			      conn->peer_str, out.len, conn->neg.params.max_xmit_dsl);
	tx->data = (uint8_t *)out.buf;
	tx->owned = out.buf;
	tx->dlen = (uint32_t)(out.len > conn->neg.params.max_xmit_dsl ? conn->neg.params.max_xmit_dsl
								  : out.len);
	iscsi_tx_queue(conn, tx);
}
