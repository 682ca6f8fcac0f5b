/* iscsi_sess_attrs.c - what the management tree shows of a live iSCSI
 * session beyond the core's counters (the session_attrs hook): its SID
 * (ISID and TSIH), the session-wide negotiated parameters, what it pins
 * (buffered response data, unanswered commands, receive pauses), and per
 * connection (connections/<initiator address>/) cid, ip, state and the
 * connection-wide parameters.
 *
 * Runs on the management thread with scst_mutex held while the session is
 * registered, so the iSCSI session is alive; its connections are walked
 * under the registry lock (they join and leave on the session's loop).
 * Login results are fixed by then, and the state is a moment's snapshot.
 * A second connection from the same address is named <ip>_<cid>. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "targets/iscsi/iscsi_priv.h"

struct attr_out {
	char *buf;
	size_t len, used;
	bool overflow;
};

__attribute__((format(printf, 3, 4)))
static void put(struct attr_out *o, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	n = snprintf(o->buf + o->used, o->len - o->used, "%s\t", path);
	if (n < 0 || (size_t)n >= o->len - o->used) {
		o->overflow = true;
		return;
	}
	o->used += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= o->len - o->used) {
		o->overflow = true;
		return;
	}
	o->used += (size_t)n;
	o->buf[o->used++] = '\n';
	o->buf[o->used] = 0;
}

static const char *yes_no(bool v)
{
	return v ? "Yes" : "No";
}

static const char *state_name(enum iscsi_conn_state s)
{
	switch (s) {
	case CONN_LOGIN: return "login";
	case CONN_FULL: return "full feature";
	case CONN_CLOSING: return "closing";
	}
	return "?";
}

static void peer_ip(const struct iscsi_conn *conn, char *ip, size_t len)
{
	const struct sockaddr_storage *ss = &conn->peer;

	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, len);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, len);
}

struct conn_walk {
	struct attr_out *o;
	const struct iscsi_session *s;
};

/* Whether a connection listed before conn has its address. */
static bool ip_taken_before(const struct iscsi_session *s, const struct iscsi_conn *conn,
			    const char *ip)
{
	const struct iscsi_conn *c;
	char other[INET6_ADDRSTRLEN];

	list_for_each_entry(c, &s->conns, link.node) {
		if (c == conn)
			return false;
		peer_ip(c, other, sizeof(other));
		if (!strcmp(other, ip))
			return true;
	}
	return false;
}

static void connection_attrs(const struct iscsi_conn *conn, void *arg)
{
	struct conn_walk *w = arg;
	struct attr_out *o = w->o;
	char ip[INET6_ADDRSTRLEN] = "?", name[INET6_ADDRSTRLEN + 8], path[160];
	const struct iscsi_params *p = &conn->neg.params;

#define CONN_ATTR(attr, ...) \
	do { \
		snprintf(path, sizeof(path), "connections/%s/%s", name, attr); \
		put(o, path, __VA_ARGS__); \
	} while (0)
	peer_ip(conn, ip, sizeof(ip));
	if (ip_taken_before(w->s, conn, ip))
		snprintf(name, sizeof(name), "%s_%u", ip, conn->neg.cid);
	else
		snprintf(name, sizeof(name), "%s", ip);
	CONN_ATTR("cid", "%u", conn->neg.cid);
	CONN_ATTR("ip", "%s", ip);
	CONN_ATTR("state", "%s", state_name(*(volatile const enum iscsi_conn_state *)&conn->state));
	CONN_ATTR("HeaderDigest", "%s", p->header_digest ? "CRC32C" : "None");
	CONN_ATTR("DataDigest", "%s", p->data_digest ? "CRC32C" : "None");
	CONN_ATTR("MaxRecvDataSegmentLength", "%u", p->max_recv_dsl);
	CONN_ATTR("MaxXmitDataSegmentLength", "%u", p->max_xmit_dsl);
#undef CONN_ATTR
}

int iscsi_session_attrs(struct scst_session *sess, char *buf, size_t len)
{
	struct iscsi_session *s = sess->tgt_priv;
	const struct iscsi_params *p = &s->params;
	struct attr_out o = { .buf = buf, .len = len };
	struct conn_walk w = { .o = &o, .s = s };
	uint64_t isid = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < 6; i++)
		isid = isid << 8 | s->isid[i];
	/* SID as SCST prints it: ISID in the high 48 bits, TSIH below. */
	put(&o, "sid", "0x%llx", (unsigned long long)(isid << 16 | s->tsih));
	put(&o, "tsih", "%u", s->tsih);
	put(&o, "FirstBurstLength", "%u", p->first_burst);
	put(&o, "MaxBurstLength", "%u", p->max_burst);
	put(&o, "MaxOutstandingR2T", "%u", p->max_outstanding_r2t);
	put(&o, "InitialR2T", "%s", yes_no(p->initial_r2t));
	put(&o, "ImmediateData", "%s", yes_no(p->immediate_data));
	put(&o, "DataPDUInOrder", "Yes");
	put(&o, "DataSequenceInOrder", "Yes");
	put(&o, "ErrorRecoveryLevel", "0");
	put(&o, "MaxConnections", "%u", s->max_connections);
	/* What the session pins now (iscsi_rsp_limit.c, the CmdSN window). */
	put(&o, "buffered_response_data", "%llu",
	    (unsigned long long)__atomic_load_n(&s->rsp_charged, __ATOMIC_RELAXED));
	put(&o, "unanswered_commands", "%u", __atomic_load_n(&s->cmds_unanswered, __ATOMIC_RELAXED));
	put(&o, "rx_pauses", "%lu", __atomic_load_n(&s->rx_pauses, __ATOMIC_RELAXED));
	iscsi_session_for_each_conn(s, connection_attrs, &w);
	return o.overflow ? -ENOSPC : (int)o.used;
}
