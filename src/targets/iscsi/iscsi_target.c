/* iscsi_target.c - the "iscsi" target driver as the core and the daemon see
 * it: the target template and its management hooks (add_target, per-target
 * negotiable attributes, CHAP users of targets and of discovery, the
 * driver-wide `enabled`), listening portals with
 * io_uring accept, the registry of live connections (session reinstatement,
 * TSIH allocation) and graceful shutdown. */
#include <errno.h>
#include <fnmatch.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "targets/iscsi/iscsi.h"
#include "targets/iscsi/iscsi_conn_log.h"
#include "targets/iscsi/iscsi_isns.h"
#include "targets/iscsi/iscsi_tgt_params.h"
#include "targets/iscsi/iscsi_priv.h"
#include "util/iscsi_tid.h"
#include "util/addr.h"
#include "util/in_use_retry.h"
#include "util/ioloop_uring.h"
#include "util/log.h"
#include "util/mem_trim.h"

#define ISCSI_PORTAL_BACKLOG 256
/* A portal short of descriptors tries again after this long. */
#define ISCSI_ACCEPT_BACKOFF_MS 100

struct iscsi_portal {
	struct list_head node;
	int fd;
	struct ioloop *loop;
	struct sockaddr_storage addr;
	bool wildcard;
	char str[80];
	struct io_op accept_op;
	volatile bool closing, closed;
	struct iscsi_admit_gate *gate;   /* its connections still in login */
	/* No accept armed while descriptors are short (see accept_cb). */
	struct io_timer backoff;
	bool backing_off;
};

static struct list_head portals = LIST_HEAD_INIT(portals);
/* Portals are added and removed by the main thread while the iSNS thread
 * and SendTargets answers list them (lock order: portals_lock, auth_lock). */
static pthread_mutex_t portals_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head all_conns = LIST_HEAD_INIT(all_conns);
static unsigned nconns;
static volatile bool driver_enabled;
static uint16_t next_tsih;
/* CHAP users: discovery sessions' (driver attributes) and every target's,
 * and the targets' allowed_portal patterns; written by management, read
 * by logins, so one lock covers them. */
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iscsi_auth discovery_auth;

bool iscsi_driver_enabled(void)
{
	return driver_enabled;
}

uint16_t iscsi_alloc_tsih(void)
{
	uint16_t t;

	do
		t = __atomic_add_fetch(&next_tsih, 1, __ATOMIC_RELAXED);
	while (t == 0);
	return t;
}

struct iscsi_target *iscsi_find_target(const char *name)
{
	struct scst_tgt *tgt;

	pthread_mutex_lock(&scst_mutex);
	tgt = scst_find_target(&iscsi_template, name);
	pthread_mutex_unlock(&scst_mutex);
	return tgt ? tgt->tgt_priv : NULL;
}

struct iscsi_auth *iscsi_auth_snapshot(const struct iscsi_target *it)
{
	struct iscsi_auth *a = malloc(sizeof(*a));

	if (!a)
		return NULL;
	pthread_mutex_lock(&auth_lock);
	*a = it ? it->auth : discovery_auth;
	pthread_mutex_unlock(&auth_lock);
	return a;
}

void iscsi_auth_free(struct iscsi_auth *a)
{
	if (!a)
		return;
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

/* IncomingUser / OutgoingUser of a target or of discovery; 1 when the key
 * is not an authentication attribute. */
static int set_auth_attr(struct iscsi_auth *a, const char *key, const char *value, char *err,
			 size_t errlen)
{
	int rc;

	if (strcmp(key, "IncomingUser") && strcmp(key, "OutgoingUser"))
		return 1;
	pthread_mutex_lock(&auth_lock);
	if (!strcmp(key, "IncomingUser"))
		rc = iscsi_auth_add_incoming(a, value, err, errlen);
	else
		rc = iscsi_auth_set_outgoing(a, value, err, errlen);
	pthread_mutex_unlock(&auth_lock);
	return rc;
}

/* Takes back the user a del_attribute names ("NAME [SECRET]": SCST's
 * iscsi-scstd looks at the name only); 1 when key is not a user key. */
static int del_auth_attr(struct iscsi_auth *a, const char *key, const char *value, char *err,
			 size_t errlen)
{
	char name[ISCSI_CHAP_NAME_MAX];
	size_t n = strcspn(value, " \t");
	int rc;

	if (strcmp(key, "IncomingUser") && strcmp(key, "OutgoingUser"))
		return 1;
	if (n == 0 || n >= sizeof(name)) {
		snprintf(err, errlen, "%s: user name expected", key);
		return -EINVAL;
	}
	memcpy(name, value, n);
	name[n] = '\0';
	pthread_mutex_lock(&auth_lock);
	rc = !strcmp(key, "IncomingUser") ? iscsi_auth_del_incoming(a, name)
					  : iscsi_auth_del_outgoing(a, name);
	pthread_mutex_unlock(&auth_lock);
	if (rc < 0)
		snprintf(err, errlen, "%s: no user '%s'", key, name);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Connection registry                                                     */

void iscsi_conn_registered(struct iscsi_conn *conn)
{
	pthread_mutex_lock(&conns_lock);
	list_add_tail(&conn->node, &all_conns);
	nconns++;
	pthread_mutex_unlock(&conns_lock);
}

void iscsi_conn_unregistered(struct iscsi_conn *conn)
{
	unsigned live;

	pthread_mutex_lock(&conns_lock);
	list_del(&conn->node);
	live = --nconns;
	pthread_mutex_unlock(&conns_lock);
	mem_trim_conn_ended(live);
}

void iscsi_registry_lock(void)
{
	pthread_mutex_lock(&conns_lock);
}

void iscsi_registry_unlock(void)
{
	pthread_mutex_unlock(&conns_lock);
}

bool iscsi_conn_alive(struct iscsi_conn *conn)
{
	struct iscsi_conn *c;
	bool found = false;

	pthread_mutex_lock(&conns_lock);
	list_for_each_entry(c, &all_conns, node)
		if (c == conn)
			found = true;
	pthread_mutex_unlock(&conns_lock);
	return found;
}

#define SHUTDOWN_LOGOUT_GRACE_S 1
#define FORCE_CLOSE_LOGOUT_GRACE_S 2

static void shutdown_conn_msg(void *arg)
{
	struct iscsi_conn *conn = arg;

	if (iscsi_conn_alive(conn))
		iscsi_request_logout(conn, SHUTDOWN_LOGOUT_GRACE_S, "daemon shutdown");
}

void iscsi_force_close_conn(struct iscsi_conn *conn)
{
	iscsi_request_logout(conn, FORCE_CLOSE_LOGOUT_GRACE_S, "force_close");
}

/* ---------------------------------------------------------------------- */
/* Portals                                                                 */

static void format_addr(const struct sockaddr_storage *ss, uint16_t port, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, port);
	}
}

static uint16_t addr_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					       : ((const struct sockaddr_in *)ss)->sin_port);
}

bool iscsi_portal_allowed(struct iscsi_target *it, const struct sockaddr_storage *ss)
{
	char ip[INET6_ADDRSTRLEN] = "";
	bool ok;

	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
	pthread_mutex_lock(&auth_lock);
	ok = it->n_allowed_portals == 0;
	for (unsigned i = 0; i < it->n_allowed_portals && !ok; i++)
		ok = fnmatch(it->allowed_portals[i], ip, 0) == 0;
	pthread_mutex_unlock(&auth_lock);
	return ok;
}

static int add_allowed_portal(struct iscsi_target *it, const char *value, char *err,
			      size_t errlen)
{
	size_t len = strlen(value);
	int rc = 0;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] <= ' ' || (unsigned char)value[i] >= 0x7f)
			len = 0;
	if (!len || len >= ISCSI_PORTAL_PATTERN_MAX) {
		snprintf(err, errlen, "allowed_portal: expected an address pattern of 1..%d "
			 "printable characters", ISCSI_PORTAL_PATTERN_MAX - 1);
		return -EINVAL;
	}
	pthread_mutex_lock(&auth_lock);
	if (it->n_allowed_portals == ISCSI_MAX_ALLOWED_PORTALS) {
		snprintf(err, errlen, "at most %d allowed_portal patterns", ISCSI_MAX_ALLOWED_PORTALS);
		rc = -ENOSPC;
	} else {
		memcpy(it->allowed_portals[it->n_allowed_portals++], value, len + 1);
	}
	pthread_mutex_unlock(&auth_lock);
	return rc;
}

static int del_allowed_portal(struct iscsi_target *it, const char *value, char *err,
			      size_t errlen)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&auth_lock);
	for (unsigned i = 0; i < it->n_allowed_portals && rc; i++)
		if (!strcmp(it->allowed_portals[i], value)) {
			memmove(it->allowed_portals[i], it->allowed_portals[i + 1],
				(it->n_allowed_portals - i - 1) * sizeof(it->allowed_portals[0]));
			it->n_allowed_portals--;
			rc = 0;
		}
	pthread_mutex_unlock(&auth_lock);
	if (rc)
		snprintf(err, errlen, "allowed_portal: no pattern '%s'", value);
	return rc;
}

int iscsi_portal_addresses(const struct iscsi_conn *conn, struct iscsi_target *it,
			   struct iscsi_text_out *out)
{
	struct iscsi_portal *p;
	char addr[96];
	int rc = 0;

	/* The main thread adds and removes portals while logins run. */
	pthread_mutex_lock(&portals_lock);
	list_for_each_entry(p, &portals, node) {
		/* A wildcard portal is reachable at the address this connection used. */
		const struct sockaddr_storage *ss = p->wildcard ? &conn->local : &p->addr;

		/* A wildcard of the other family has no address to offer here;
		 * a closing portal takes no more logins. */
		if ((p->wildcard && p->addr.ss_family != conn->local.ss_family) || p->closing)
			continue;
		if (!iscsi_portal_allowed(it, ss))
			continue;
		format_addr(ss, addr_port(&p->addr), addr, sizeof(addr) - 4);
		strcat(addr, ",1");
		rc = iscsi_text_add(out, "TargetAddress", addr);
		if (rc < 0)
			break;
	}
	pthread_mutex_unlock(&portals_lock);
	return rc < 0 ? -1 : 0;
}

static void conn_start_msg(void *arg)
{
	iscsi_conn_start(arg);
}

static void accept_cb(struct io_op *op, int res);

static void arm_accept(struct iscsi_portal *p)
{
	struct io_uring_sqe *sqe = ioloop_sqe(p->loop);

	io_uring_prep_accept(sqe, p->fd, NULL, NULL, SOCK_CLOEXEC);
	p->accept_op.cb = accept_cb;
	ioloop_sqe_set_op(sqe, &p->accept_op);
}

static void arm_accept_msg(void *arg)
{
	arm_accept(arg);
}

static void setup_new_conn(int fd, struct iscsi_portal *p)
{
	struct iscsi_conn *conn = calloc(1, sizeof(*conn));
	struct ioloop *loop;
	socklen_t len;
	int one = 1;
	char local[96];

	if (!conn) {
		close(fd);
		return;
	}
	conn->fd = fd;
	len = sizeof(conn->peer);
	getpeername(fd, (struct sockaddr *)&conn->peer, &len);
	if (!iscsi_admit_login(conn, p->gate)) {
		close(fd);
		free(conn);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	len = sizeof(conn->local);
	getsockname(fd, (struct sockaddr *)&conn->local, &len);
	format_addr(&conn->peer, addr_port(&conn->peer), conn->peer_str, sizeof(conn->peer_str));
	format_addr(&conn->local, addr_port(&conn->local), local, sizeof(local));
	iscsi_log_conn_open(conn->peer_str, local);
	loop = ioloop_attach();
	if (ioloop_run_on(loop, conn_start_msg, conn) < 0) {
		ioloop_detach(loop);
		iscsi_admit_login_done(conn);
		close(fd);
		free(conn);
	}
}

static void portal_closed(struct iscsi_portal *p)
{
	close(p->fd);
	p->closed = true;
}

static void backoff_over(struct io_timer *t)
{
	struct iscsi_portal *p = container_of(t, struct iscsi_portal, backoff);

	p->backing_off = false;
	if (p->closing)
		portal_closed(p);
	else
		arm_accept(p);
}

/* Retrying an accept that failed for want of descriptors at once would
 * spin (and log) as fast as the CPU goes: the portal pauses instead,
 * the waiting connections stay in the listen backlog. */
static void back_off(struct iscsi_portal *p)
{
	p->backing_off = true;
	ioloop_timer_init(&p->backoff, backoff_over);
	ioloop_timer_arm(p->loop, &p->backoff, ISCSI_ACCEPT_BACKOFF_MS);
}

static bool out_of_descriptors(int res)
{
	return res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM;
}

static void accept_cb(struct io_op *op, int res)
{
	struct iscsi_portal *p = container_of(op, struct iscsi_portal, accept_op);

	if (p->closing) {
		if (res >= 0)
			close(res);
		portal_closed(p);
		return;
	}
	if (res >= 0 && !iscsi_admit_fd_ok(res)) {
		/* The last descriptors are for management and running sessions. */
		close(res);
		res = -EMFILE;
	}
	if (out_of_descriptors(res)) {
		iscsi_admit_count_refusal(ISCSI_REFUSE_NO_FD);
		back_off(p);
		return;
	}
	if (res >= 0) {
		setup_new_conn(res, p);
	} else if (res != -EINTR && res != -EAGAIN && res != -ECONNABORTED) {
		log_warn("accept on %s: %s", p->str, strerror(-res));
		back_off(p);
		return;
	}
	arm_accept(p);
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
}

struct portal_bind {
	struct iscsi_portal *p;
	socklen_t len;
};

static int bind_and_listen(void *arg)
{
	struct portal_bind *b = arg;

	if (bind(b->p->fd, (struct sockaddr *)&b->p->addr, b->len) < 0 ||
	    listen(b->p->fd, ISCSI_PORTAL_BACKLOG) < 0)
		return -errno;
	return 0;
}

int iscsi_add_portal(const char *addr_port)
{
	struct iscsi_portal *p = calloc(1, sizeof(*p));
	struct portal_bind b = { .p = p };
	socklen_t len;
	int one = 1, rc;

	if (!p)
		return -ENOMEM;
	rc = addr_parse_host_port(addr_port, &p->addr, &len);
	if (rc < 0) {
		log_err("bad portal address '%s' (want a.b.c.d:port or [v6]:port)", addr_port);
		free(p);
		return rc;
	}
	p->fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		rc = -errno;
		free(p);
		return rc;
	}
	setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (p->addr.ss_family == AF_INET6)
		setsockopt(p->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	b.len = len;
	rc = in_use_retry(bind_and_listen, &b);
	if (rc < 0) {
		close(p->fd);
		free(p);
		return rc;
	}
	snprintf(p->str, sizeof(p->str), "%s", addr_port);
	p->wildcard = is_wildcard(&p->addr);
	p->loop = ioloop_get(0);
	p->gate = iscsi_admit_gate_new();
	if (!p->gate) {
		close(p->fd);
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_lock(&portals_lock);
	list_add_tail(&p->node, &portals);
	pthread_mutex_unlock(&portals_lock);
	ioloop_run_on(p->loop, arm_accept_msg, p);
	log_info("iSCSI portal listening on %s", addr_port);
	iscsi_isns_changed();
	return 0;
}

size_t iscsi_portal_list(struct sockaddr_storage *out, size_t max)
{
	struct iscsi_portal *p;
	size_t n = 0;

	pthread_mutex_lock(&portals_lock);
	list_for_each_entry(p, &portals, node)
		if (n < max && !p->closing)
			out[n++] = p->addr;
	pthread_mutex_unlock(&portals_lock);
	return n;
}

static void stop_portal_msg(void *arg)
{
	struct iscsi_portal *p = arg;

	p->closing = true;
	if (p->backing_off) {
		ioloop_timer_cancel(p->loop, &p->backoff);
		p->backing_off = false;
		portal_closed(p);
		return;
	}
	/* Wakes the pending accept, which then closes the socket. */
	shutdown(p->fd, SHUT_RDWR);
}

static void wait_until(volatile bool *flag, unsigned ms)
{
	for (unsigned i = 0; i < ms / 10 && !*flag; i++)
		usleep(10000);
}

void iscsi_stop_accepting(void)
{
	struct iscsi_portal *p, *tmp;

	/* Initiators stop learning about portals that are about to close. */
	iscsi_isns_stop();
	list_for_each_entry(p, &portals, node)
		ioloop_run_on(p->loop, stop_portal_msg, p);
	list_for_each_entry_safe(p, tmp, &portals, node) {
		wait_until(&p->closed, 2000);
		if (!p->closed)
			log_warn("portal %s did not close in time", p->str);
		pthread_mutex_lock(&portals_lock);
		list_del(&p->node);
		pthread_mutex_unlock(&portals_lock);
		if (p->closed) {
			iscsi_admit_gate_put(p->gate);
			free(p);
		}
	}
}

static unsigned active_commands(void)
{
	struct iscsi_conn *c;
	unsigned n = 0;

	pthread_mutex_lock(&conns_lock);
	list_for_each_entry(c, &all_conns, node)
		if (c->link.sess)
			n += __atomic_load_n(&c->link.sess->active_cmds, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&conns_lock);
	return n;
}

static unsigned conn_count(void)
{
	unsigned n;

	pthread_mutex_lock(&conns_lock);
	n = nconns;
	pthread_mutex_unlock(&conns_lock);
	return n;
}

void iscsi_shutdown(void)
{
	struct iscsi_conn *c;

	/* In-flight commands get up to 3 s to finish and be answered. */
	for (unsigned i = 0; i < 300 && active_commands(); i++)
		usleep(10000);
	pthread_mutex_lock(&conns_lock);
	list_for_each_entry(c, &all_conns, node)
		ioloop_run_on(c->loop, shutdown_conn_msg, c);
	pthread_mutex_unlock(&conns_lock);
	for (unsigned i = 0; i < 300 && conn_count(); i++)
		usleep(10000);
	if (conn_count())
		log_warn("%u iSCSI connections did not close in time", conn_count());
}

/* ---------------------------------------------------------------------- */
/* Template and management hooks                                           */

static int iscsi_set_target_attr(struct scst_tgt *tgt, const char *key, const char *value,
				 char *err, size_t errlen)
{
	struct iscsi_target *it = tgt->tgt_priv;
	int rc;

	rc = iscsi_tgt_param_set(it, key, value, err, errlen);
	if (rc != 1)
		return rc;
	if (!strcmp(key, "allowed_portal"))
		return add_allowed_portal(it, value, err, errlen);
	rc = set_auth_attr(&it->auth, key, value, err, errlen);
	if (rc != 1)
		return rc;
	if (!strcmp(key, "TargetAlias") || !strcmp(key, "alias")) {
		snprintf(it->alias, sizeof(it->alias), "%s", value);
		return 0;
	}
	snprintf(err, errlen, "iscsi target: unknown attribute '%s'", key);
	return -EINVAL;
}

static int iscsi_del_target_attr(struct scst_tgt *tgt, const char *key, const char *value,
				 char *err, size_t errlen)
{
	struct iscsi_target *it = tgt->tgt_priv;
	int rc;

	if (!strcmp(key, "allowed_portal"))
		return del_allowed_portal(it, value, err, errlen);
	rc = del_auth_attr(&it->auth, key, value, err, errlen);
	if (rc != 1)
		return rc;
	snprintf(err, errlen, "iscsi target: attribute '%s' cannot be deleted", key);
	return -EINVAL;
}

static int iscsi_add_target(const char *name, const struct scst_kv *params, size_t nparams,
			    char *err, size_t errlen)
{
	struct iscsi_target *it = calloc(1, sizeof(*it));

	if (!it)
		return -ENOMEM;
	iscsi_limits_defaults(&it->limits);
	/* Any name the core accepts, as iscsi-scst's add_target: SCST's own
	 * regression suite and scripts name targets "tgt1". */
	it->tgt = scst_add_target(&iscsi_template, name, it, err, errlen);
	if (!it->tgt) {
		free(it);
		return -EINVAL;
	}
	for (size_t i = 0; i < nparams; i++) {
		int rc = iscsi_set_target_attr(it->tgt, params[i].key, params[i].value, err, errlen);

		/* A refused add_target leaves no target behind. */
		if (rc < 0) {
			char e2[128];

			scst_del_target(it->tgt, e2, sizeof(e2));
			return rc;
		}
	}
	iscsi_isns_changed();
	return 0;
}

static int iscsi_del_target(struct scst_tgt *tgt, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	OPENSSL_cleanse(&((struct iscsi_target *)tgt->tgt_priv)->auth, sizeof(struct iscsi_auth));
	free(tgt->tgt_priv);
	tgt->tgt_priv = NULL;
	iscsi_isns_changed();
	return 0;
}

static void iscsi_on_enable(struct scst_tgt *tgt)
{
	(void)tgt;
	iscsi_isns_changed();
}

/* The iSCSI session is alive while its core session is registered (it
 * unregisters it before being freed), and the caller holds scst_mutex. */
static int iscsi_close_session(struct scst_session *sess, char *err, size_t errlen)
{
	if (iscsi_session_request_close(sess->tgt_priv) < 0) {
		snprintf(err, errlen, "cannot reach the session's I/O thread");
		return -ENOMEM;
	}
	return 0;
}

static int iscsi_set_driver_attr(const char *key, const char *value, char *err, size_t errlen)
{
	int rc = set_auth_attr(&discovery_auth, key, value, err, errlen);

	if (rc != 1)
		return rc;
	if (!strcmp(key, "enabled")) {
		if (strcmp(value, "0") && strcmp(value, "1")) {
			snprintf(err, errlen, "enabled: 0 or 1");
			return -EINVAL;
		}
		driver_enabled = value[0] == '1';
		log_info("iSCSI target driver %s", driver_enabled ? "enabled" : "disabled");
		iscsi_isns_changed();
		return 0;
	}
	rc = iscsi_admit_set_attr(key, value, err, errlen);
	if (rc != 1)
		return rc;
	if (!strcmp(key, "iSNSServer"))
		return iscsi_isns_set_server(value, err, errlen);
	if (!strcmp(key, "iSNSAccessControl"))
		return iscsi_isns_set_access_control(value, err, errlen);
	snprintf(err, errlen, "iscsi: unknown driver attribute '%s'", key);
	return -EINVAL;
}

static int iscsi_del_driver_attr(const char *key, const char *value, char *err, size_t errlen)
{
	int rc = del_auth_attr(&discovery_auth, key, value, err, errlen);

	if (rc != 1)
		return rc;
	snprintf(err, errlen, "iscsi: attribute '%s' cannot be deleted", key);
	return -EINVAL;
}

static void transport_versions(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys)
{
	(void)tgt;
	*scsi = ISCSI_VERSION_DESCRIPTOR;
	*phys = 0;
}

struct scst_tgt_template iscsi_template = {
	.name = "iscsi",
	.rdy_to_xfer = iscsi_rdy_to_xfer,
	.xmit_response = iscsi_xmit_response,
	.task_mgmt_fn_done = iscsi_tmf_done,
	.move_session = iscsi_move_session,
	.add_target = iscsi_add_target,
	.del_target = iscsi_del_target,
	.set_target_attr = iscsi_set_target_attr,
	.set_driver_attr = iscsi_set_driver_attr,
	.del_target_attr = iscsi_del_target_attr,
	.del_driver_attr = iscsi_del_driver_attr,
	.on_enable = iscsi_on_enable,
	.close_session = iscsi_close_session,
	.session_attrs = iscsi_session_attrs,
	.login_stats = iscsi_login_stats,
	.transport_versions = transport_versions,
	.has_protocol_id = true,
	.protocol_id = ISCSI_PROTOCOL_ID,
	.parse_transport_id = iscsi_tid_parse,
	.build_transport_id = iscsi_tid_build,
};

int iscsi_init(void)
{
	int rc;

	next_tsih = (uint16_t)(getpid() & 0xfff);
	rc = scst_register_target_template(&iscsi_template);
	return rc < 0 ? rc : iscsi_mgmt_register();
}
