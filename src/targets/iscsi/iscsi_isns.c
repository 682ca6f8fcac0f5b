/* iscsi_isns.c - the iSNS client of the iSCSI driver (RFC 4171, through
 * open-isns' libisns): one network entity for the daemon holding a portal
 * per listening address, a storage node per enabled iSCSI target and the
 * portal groups between them.  The whole entity is re-registered (replace
 * bit) whenever targets, their enabled state or the portals change, and
 * again before the server's registration period runs out; it is
 * deregistered when iSNSServer is cleared or the daemon stops.  Portals
 * ask for ESI monitoring on a port of ours; the server's Entity Status
 * Inquiries are answered there (ESI falls back to plain refreshes when the
 * server has no ESI).
 *
 * iSNSAccessControl (iscsi-scst's driver attribute): while it is on, an
 * initiator may log in to a target, or see it in SendTargets, only when
 * the iSNS server lists it among the initiators visible to the target
 * (a DevAttrQry with the target as source: initiators sharing a
 * discovery domain with it).  The lists are kept here per target and
 * re-read every few seconds and after every registration, so logins look
 * them up without waiting on the server; until the first answer nobody
 * is let in.  (SCNs are not used: polling keeps the thread simple.)
 *
 * libisns keeps global state (isns_config, its socket list), so every
 * libisns call is made on this module's one thread; the driver and the
 * management thread only set flags under `lock`. */
#include "targets/iscsi/iscsi_isns.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <libisns/isns.h>
#include <libisns/attrs.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define ISNS_MAX_PORTALS 16
#define ISNS_MAX_TARGETS 1024
#define ISNS_WAIT_MS 300
#define ISNS_RETRY_S 5
#define ISNS_DEFAULT_REFRESH_S 60
/* Bounds how long a dead server can hold up a change or the shutdown. */
#define ISNS_CALL_TIMEOUT_S 2
#define ISNS_ACL_REFRESH_S 3
#define ISNS_ACL_MAX_INITIATORS 4096

/* Shared with the management thread and the driver (under lock). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static char server_addr[ISCSI_ISNS_SERVER_MAX];
static unsigned generation;
static bool stopping, thread_started;
static bool access_control;
static pthread_t thread;

/* The initiators iSNS shows each registered target (under acl_lock:
 * written by the thread, read by logins). */
struct isns_acl {
	char target[SCST_NAME_MAX];
	char (*initiators)[SCST_NAME_MAX];
	size_t n;
};
static pthread_mutex_t acl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct isns_acl *acls;
static size_t nacls;

/* The thread's own state. */
struct isns_state {
	char server[ISCSI_ISNS_SERVER_MAX];    /* the server we are registered with */
	char eid[SCST_NAME_MAX];
	char source[SCST_NAME_MAX];            /* a node of the registered entity */
	bool registered;
	bool unreachable;                      /* the last call to the server failed */
	unsigned seen_generation;
	time_t refresh_at;
	bool esi_wanted;
	time_t acl_at;                         /* next re-read of the lists */
	isns_socket_t *esi_sock;
	isns_server_t *esi_server;
	isns_source_t *esi_source;
};

struct isns_snapshot {
	char (*targets)[SCST_NAME_MAX];
	size_t ntargets;
	struct sockaddr_storage portals[ISNS_MAX_PORTALS];
	size_t nportals;
};

/* ---------------------------------------------------------------------- */
/* Called from other threads                                              */

static void *isns_thread(void *arg);

int iscsi_isns_set_server(const char *value, char *err, size_t errlen)
{
	int rc = 0;

	if (attr_rule_check(ATTR_DRIVER, "iscsi", "iSNSServer", value, err, errlen) < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	if (stopping) {
		snprintf(err, errlen, "iSNSServer: the daemon is shutting down");
		rc = -ESHUTDOWN;
	} else {
		snprintf(server_addr, sizeof(server_addr), "%s", value);
		generation++;
		if (!thread_started && value[0]) {
			rc = -pthread_create(&thread, NULL, isns_thread, NULL);
			thread_started = rc == 0;
			if (rc)
				snprintf(err, errlen, "iSNSServer: cannot start the iSNS thread");
		}
		pthread_cond_signal(&wake);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

bool iscsi_isns_server(char *buf, size_t len)
{
	pthread_mutex_lock(&lock);
	snprintf(buf, len, "%s", server_addr);
	pthread_mutex_unlock(&lock);
	return buf[0] != 0;
}

int iscsi_isns_set_access_control(const char *value, char *err, size_t errlen)
{
	bool on = !strcmp(value, "Yes") || !strcmp(value, "1");

	if (attr_rule_check(ATTR_DRIVER, "iscsi", "iSNSAccessControl", value, err, errlen) < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	access_control = on;
	generation++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	log_info("iSNS access control %s", on ? "on" : "off");
	return 0;
}

bool iscsi_isns_access_control(void)
{
	bool on;

	pthread_mutex_lock(&lock);
	on = access_control;
	pthread_mutex_unlock(&lock);
	return on;
}

static bool acl_lists(const struct isns_acl *a, const char *initiator)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->initiators[i], initiator))
			return true;
	return false;
}

bool iscsi_isns_access_allowed(const char *target, const char *initiator)
{
	bool on, ok = false;

	pthread_mutex_lock(&lock);
	on = access_control && server_addr[0];
	pthread_mutex_unlock(&lock);
	if (!on)
		return true;
	pthread_mutex_lock(&acl_lock);
	for (size_t i = 0; i < nacls && !ok; i++)
		ok = !strcmp(acls[i].target, target) && acl_lists(&acls[i], initiator);
	pthread_mutex_unlock(&acl_lock);
	return ok;
}

void iscsi_isns_changed(void)
{
	pthread_mutex_lock(&lock);
	generation++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void iscsi_isns_stop(void)
{
	bool join;

	pthread_mutex_lock(&lock);
	stopping = true;
	join = thread_started;
	thread_started = false;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	if (join)
		pthread_join(thread, NULL);
}

/* ---------------------------------------------------------------------- */
/* What to register                                                        */

static int take_snapshot(struct isns_snapshot *s)
{
	struct scst_tgt *tgt;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node)
		if (tgt->tgtt == &iscsi_template && tgt->enabled)
			s->ntargets++;
	if (s->ntargets > ISNS_MAX_TARGETS)
		s->ntargets = ISNS_MAX_TARGETS;
	s->targets = s->ntargets ? calloc(s->ntargets, sizeof(*s->targets)) : NULL;
	if (s->ntargets && !s->targets) {
		pthread_mutex_unlock(&scst_mutex);
		return -ENOMEM;
	}
	s->ntargets = 0;
	list_for_each_entry(tgt, &scst_targets, node)
		if (tgt->tgtt == &iscsi_template && tgt->enabled && s->ntargets < ISNS_MAX_TARGETS)
			snprintf(s->targets[s->ntargets++], SCST_NAME_MAX, "%s", tgt->name);
	pthread_mutex_unlock(&scst_mutex);
	if (!iscsi_driver_enabled())
		s->ntargets = 0;
	s->nportals = iscsi_portal_list(s->portals, ISNS_MAX_PORTALS);
	return 0;
}

static void free_snapshot(struct isns_snapshot *s)
{
	free(s->targets);
	s->targets = NULL;
}

/* ---------------------------------------------------------------------- */
/* libisns calls (this thread only)                                       */

static isns_client_t *open_client(const struct isns_state *st, const char *source)
{
	isns_client_t *clnt;

	char *name = strdup(st->server);

	if (!name)
		return NULL;
	free(isns_config.ic_server_name);
	isns_config.ic_server_name = name;
	clnt = isns_create_client(NULL, source);
	if (!clnt)
		log_warn("iSNS: cannot reach server %s", st->server);
	return clnt;
}

static void close_esi(struct isns_state *st)
{
	if (st->esi_sock)
		isns_socket_free(st->esi_sock);
	st->esi_sock = NULL;
}

/* An ESI listener on the address the server sees us at: the server
 * connects there to ask whether the entity is still alive. */
static uint16_t open_esi(struct isns_state *st, const isns_portal_info_t *local)
{
	isns_portal_info_t info;
	char host[INET6_ADDRSTRLEN] = "";
	struct sockaddr_storage ss;
	const char *h;

	if (!st->esi_wanted)
		return 0;
	if (!st->esi_sock) {
		isns_portal_to_sockaddr(local, &ss);
		if (ss.ss_family == AF_INET6)
			h = inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
				      sizeof(host));
		else
			h = inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
				      sizeof(host));
		if (!h)
			return 0;
		st->esi_sock = isns_create_server_socket(host, "0", ss.ss_family, SOCK_STREAM);
		if (!st->esi_sock) {
			log_warn("iSNS: no ESI port on %s; registering without ESI", host);
			st->esi_wanted = false;
			return 0;
		}
	}
	if (!isns_socket_get_portal_info(st->esi_sock, &info))
		return 0;
	return (uint16_t)isns_portal_tcpudp_port(&info);
}

/* The portal a listening address is registered as: a wildcard listener
 * is reachable at the address we reach the server from. */
static void portal_info_of(const struct sockaddr_storage *listen, const isns_portal_info_t *local,
			   isns_portal_info_t *out)
{
	struct sockaddr_storage ss;
	uint16_t port = ntohs(listen->ss_family == AF_INET6
			      ? ((const struct sockaddr_in6 *)listen)->sin6_port
			      : ((const struct sockaddr_in *)listen)->sin_port);
	bool wildcard = listen->ss_family == AF_INET6
		? IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)listen)->sin6_addr)
		: ((const struct sockaddr_in *)listen)->sin_addr.s_addr == htonl(INADDR_ANY);

	if (wildcard) {
		isns_portal_to_sockaddr(local, &ss);
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
	} else {
		ss = *listen;
	}
	isns_portal_from_sockaddr(out, &ss);
}

/* The registration period the server granted: refresh at half of it.
 * (Read from the attribute list: libisns' object decoder of responses
 * leaks the key object.) */
static void read_response(struct isns_state *st, isns_simple_t *resp)
{
	uint32_t period = 0;

	st->refresh_at = time(NULL) + ISNS_DEFAULT_REFRESH_S;
	if (isns_attr_list_get_uint32(isns_simple_get_attrs(resp), ISNS_TAG_REGISTRATION_PERIOD,
				      &period) && period)
		st->refresh_at = time(NULL) + (period > 2 ? period / 2 : 1);
}

/* A portal group object built from its keys: libisns' own
 * isns_create_portal_group() ties the group to itself through a relation
 * that is never released outside its server's database. */
static isns_object_t *portal_group(isns_object_t *entity, const char *node_name,
				   const isns_portal_info_t *portal)
{
	isns_attr_list_t keys = ISNS_ATTR_LIST_INIT;
	isns_object_t *pg;

	isns_attr_list_append_string(&keys, ISNS_TAG_PG_ISCSI_NAME, node_name);
	isns_portal_to_attr_list(portal, ISNS_TAG_PG_PORTAL_IP_ADDR,
				 ISNS_TAG_PG_PORTAL_TCP_UDP_PORT, &keys);
	pg = isns_create_object(&isns_iscsi_pg_template, &keys, entity);
	isns_attr_list_destroy(&keys);
	isns_object_set_uint32(pg, ISNS_TAG_PG_TAG, ISCSI_TPGT);
	return pg;
}

static int call_registration(isns_client_t *clnt, struct isns_state *st,
			     const struct isns_snapshot *s, const isns_portal_info_t *local,
			     uint16_t esi_port)
{
	isns_object_t *entity, *portals[ISNS_MAX_PORTALS];
	isns_portal_info_t infos[ISNS_MAX_PORTALS];
	isns_simple_t *reg;
	int status;

	entity = isns_create_entity(ISNS_ENTITY_PROTOCOL_ISCSI, st->eid);
	reg = isns_create_registration(clnt, entity);
	isns_registration_set_replace(reg, 1);
	isns_registration_add_object(reg, entity);
	for (size_t p = 0; p < s->nportals; p++) {
		portal_info_of(&s->portals[p], local, &infos[p]);
		portals[p] = isns_create_portal(&infos[p], entity);
		if (esi_port) {
			isns_object_set_uint32(portals[p], ISNS_TAG_ESI_PORT, esi_port);
			isns_object_set_uint32(portals[p], ISNS_TAG_ESI_INTERVAL,
					       isns_config.ic_esi_min_interval);
		}
		isns_registration_add_object(reg, portals[p]);
	}
	for (size_t t = 0; t < s->ntargets; t++) {
		isns_object_t *node = isns_create_storage_node(s->targets[t],
							       ISNS_ISCSI_TARGET_MASK, entity);

		isns_registration_add_object(reg, node);
		for (size_t p = 0; p < s->nportals; p++) {
			isns_object_t *pg = portal_group(entity, s->targets[t], &infos[p]);

			isns_registration_add_object(reg, pg);
			isns_object_release(pg);
		}
		isns_object_release(node);
	}
	for (size_t p = 0; p < s->nportals; p++)
		isns_object_release(portals[p]);
	isns_object_release(entity);
	status = isns_client_call(clnt, &reg);
	if (status == ISNS_SUCCESS)
		read_response(st, reg);
	isns_simple_free(reg);
	return status;
}

static void deregister(struct isns_state *st)
{
	isns_attr_list_t key = ISNS_ATTR_LIST_INIT;
	isns_client_t *clnt;
	isns_simple_t *call;
	int status;

	close_esi(st);
	if (!st->registered)
		return;
	st->registered = false;
	if (st->unreachable) {
		/* Another timeout would only delay the caller (maybe the
		 * shutdown); the server drops the entity after its period. */
		log_warn("iSNS: %s unreachable; its registration of us will expire", st->server);
		return;
	}
	clnt = open_client(st, st->source);
	if (!clnt)
		return;
	isns_attr_list_append_string(&key, ISNS_TAG_ENTITY_IDENTIFIER, st->eid);
	call = isns_create_deregistration(clnt, &key);
	isns_attr_list_destroy(&key);
	status = isns_client_call(clnt, &call);
	if (status != ISNS_SUCCESS)
		log_warn("iSNS: deregistration at %s: %s", st->server, isns_strerror(status));
	else
		log_info("iSNS: deregistered from %s", st->server);
	isns_simple_free(call);
	isns_client_destroy(clnt);
}

/* Registers the snapshot as the whole entity; 0 or -1 (retry later). */
static int sync_registration(struct isns_state *st)
{
	struct isns_snapshot s;
	isns_portal_info_t local;
	isns_client_t *clnt;
	uint16_t esi_port;
	int status;

	if (take_snapshot(&s) < 0)
		return -1;
	if (!s.ntargets || !s.nportals) {
		deregister(st);
		st->refresh_at = time(NULL) + ISNS_DEFAULT_REFRESH_S;
		free_snapshot(&s);
		return 0;
	}
	clnt = open_client(st, s.targets[0]);
	if (!clnt || !isns_client_get_local_address(clnt, &local)) {
		if (clnt)
			isns_client_destroy(clnt);
		st->unreachable = true;
		free_snapshot(&s);
		return -1;
	}
	esi_port = open_esi(st, &local);
	status = call_registration(clnt, st, &s, &local, esi_port);
	if (status == ISNS_ESI_NOT_AVAILABLE && esi_port) {
		log_info("iSNS: server %s has no ESI; refreshing the registration instead",
			 st->server);
		st->esi_wanted = false;
		close_esi(st);
		status = call_registration(clnt, st, &s, &local, 0);
	}
	isns_client_destroy(clnt);
	st->unreachable = status == ISNS_INTERNAL_ERROR;    /* libisns' timeout */
	if (status != ISNS_SUCCESS) {
		log_warn("iSNS: registration at %s: %s", st->server, isns_strerror(status));
		free_snapshot(&s);
		return -1;
	}
	st->registered = true;
	snprintf(st->source, sizeof(st->source), "%s", s.targets[0]);
	log_info("iSNS: registered %zu target(s) and %zu portal(s) with %s", s.ntargets,
		 s.nportals, st->server);
	free_snapshot(&s);
	return 0;
}

static void free_acls(struct isns_acl *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].initiators);
	free(a);
}

static void install_acls(struct isns_acl *a, size_t n)
{
	struct isns_acl *old;
	size_t nold;

	pthread_mutex_lock(&acl_lock);
	old = acls;
	nold = nacls;
	acls = a;
	nacls = n;
	pthread_mutex_unlock(&acl_lock);
	free_acls(old, nold);
}

static int acl_add(struct isns_acl *a, const char *name)
{
	void *nb;

	if (a->n == ISNS_ACL_MAX_INITIATORS || strlen(name) >= SCST_NAME_MAX || acl_lists(a, name))
		return 0;
	nb = realloc(a->initiators, (a->n + 1) * sizeof(*a->initiators));
	if (!nb)
		return -1;
	a->initiators = nb;
	snprintf(a->initiators[a->n++], SCST_NAME_MAX, "%s", name);
	return 0;
}

/* The response lists (iSCSI Name, Node Type) pairs; only initiators count. */
static int acl_from_response(struct isns_acl *a, const isns_attr_list_t *attrs)
{
	const char *name = NULL;

	for (unsigned i = 0; i < attrs->ial_count; i++) {
		const isns_attr_t *at = attrs->ial_data[i];

		if (at->ia_tag_id == ISNS_TAG_ISCSI_NAME && ISNS_ATTR_IS_STRING(at)) {
			name = at->ia_value.iv_string;
		} else if (at->ia_tag_id == ISNS_TAG_ISCSI_NODE_TYPE && ISNS_ATTR_IS_UINT32(at)) {
			if (name && (at->ia_value.iv_uint32 & ISNS_ISCSI_INITIATOR_MASK) &&
			    acl_add(a, name) < 0)
				return -1;
			name = NULL;
		}
	}
	return 0;
}

/* DevAttrQry, source the target, key Node Type = initiator: the server
 * answers with the initiators in the target's discovery domains. */
static int query_visible_initiators(isns_client_t *clnt, struct isns_acl *a)
{
	isns_attr_list_t key = ISNS_ATTR_LIST_INIT;
	isns_source_t *src = isns_source_create_iscsi(a->target);
	isns_simple_t *qry;
	int status;

	if (!src)
		return ISNS_INTERNAL_ERROR;
	isns_attr_list_append_uint32(&key, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_ISCSI_INITIATOR_MASK);
	qry = isns_create_query2(clnt, &key, src);
	isns_attr_list_destroy(&key);
	isns_query_request_attr_tag(qry, ISNS_TAG_ISCSI_NAME);
	isns_query_request_attr_tag(qry, ISNS_TAG_ISCSI_NODE_TYPE);
	status = isns_client_call(clnt, &qry);
	if (status == ISNS_SUCCESS && acl_from_response(a, isns_simple_get_attrs(qry)) < 0)
		status = ISNS_INTERNAL_ERROR;
	isns_simple_free(qry);
	isns_source_release(src);
	return status;
}

/* Re-reads every target's list; on any failure the previous lists stay. */
static void refresh_acls(struct isns_state *st)
{
	struct isns_snapshot s;
	struct isns_acl *a;
	isns_client_t *clnt;
	int status = ISNS_SUCCESS;

	st->acl_at = time(NULL) + ISNS_ACL_REFRESH_S;
	if (take_snapshot(&s) < 0)
		return;
	a = s.ntargets ? calloc(s.ntargets, sizeof(*a)) : NULL;
	clnt = s.ntargets ? open_client(st, s.targets[0]) : NULL;
	if (!s.ntargets || !a || !clnt) {
		if (!s.ntargets)
			install_acls(NULL, 0);
		free(a);
		if (clnt)
			isns_client_destroy(clnt);
		free_snapshot(&s);
		return;
	}
	for (size_t t = 0; t < s.ntargets && status == ISNS_SUCCESS; t++) {
		snprintf(a[t].target, sizeof(a[t].target), "%s", s.targets[t]);
		status = query_visible_initiators(clnt, &a[t]);
	}
	isns_client_destroy(clnt);
	if (status != ISNS_SUCCESS) {
		log_warn("iSNS: query of the initiators visible to the targets at %s: %s",
			 st->server, isns_strerror(status));
		free_acls(a, s.ntargets);
	} else {
		install_acls(a, s.ntargets);
	}
	free_snapshot(&s);
}

/* One Entity Status Inquiry (or any other message on our ESI port). */
static void serve_esi(struct isns_state *st, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	isns_message_t *msg, *resp;

	msg = isns_recv_message(&tv);
	if (!msg)
		return;
	if (isns_message_function(msg) == ISNS_ENTITY_STATUS_INQUIRY) {
		resp = isns_process_message(st->esi_server, msg);
		if (resp) {
			isns_socket_send(isns_message_socket(msg), resp);
			isns_message_release(resp);
		}
	}
	isns_message_release(msg);
}

/* ---------------------------------------------------------------------- */
/* The thread                                                             */

static void wait_for_work(struct isns_state *st)
{
	struct timespec until;

	if (st->esi_sock) {
		serve_esi(st, ISNS_WAIT_MS);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += ISNS_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	if (!stopping && generation == st->seen_generation)
		pthread_cond_timedwait(&wake, &lock, &until);
	pthread_mutex_unlock(&lock);
}

static void init_state(struct isns_state *st)
{
	char host[128] = "localhost";

	memset(st, 0, sizeof(*st));
	gethostname(host, sizeof(host) - 1);
	snprintf(st->eid, sizeof(st->eid), "scstd:%s", host);
	st->esi_wanted = true;
	/* No DSA keys are configured: messages are sent unsigned. */
	isns_config.ic_security = 0;
	isns_config.ic_network.call_timeout = ISNS_CALL_TIMEOUT_S;
	isns_config.ic_network.connect_timeout = ISNS_CALL_TIMEOUT_S;
	st->esi_source = isns_source_create_iscsi(st->eid);
	/* ESI answers echo the inquiry; no database is consulted. */
	st->esi_server = isns_create_server(st->esi_source, NULL, &isns_callback_service_ops);
}

/* File-scope: libisns has no destructor for the ESI server, which so
 * stays reachable until exit. */
static struct isns_state st;

static void *isns_thread(void *arg)
{
	char server[ISCSI_ISNS_SERVER_MAX];
	unsigned gen;
	bool stop;

	(void)arg;
	if (!st.esi_server)
		init_state(&st);
	for (;;) {
		pthread_mutex_lock(&lock);
		stop = stopping;
		gen = generation;
		snprintf(server, sizeof(server), "%s", server_addr);
		pthread_mutex_unlock(&lock);
		if (stop)
			break;
		if (strcmp(server, st.server)) {
			install_acls(NULL, 0);
			deregister(&st);
			snprintf(st.server, sizeof(st.server), "%s", server);
			st.esi_wanted = true;
			st.unreachable = false;
		}
		if (st.server[0] && (gen != st.seen_generation || time(NULL) >= st.refresh_at)) {
			st.seen_generation = gen;
			if (sync_registration(&st) < 0)
				st.refresh_at = time(NULL) + ISNS_RETRY_S;
			st.acl_at = 0;
		}
		if (st.registered && iscsi_isns_access_control() && time(NULL) >= st.acl_at)
			refresh_acls(&st);
		wait_for_work(&st);
	}
	deregister(&st);
	install_acls(NULL, 0);
	return NULL;
}
