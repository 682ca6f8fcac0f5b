/* iscsi_admit.c - which new connections the portals take under hostile
 * load: a reserve of file descriptors that iSCSI connections may not use
 * (management, backing files and the sessions already running keep
 * theirs), limits on connections that have not finished their login (per
 * portal and per source address), the login timeout, and the counting and
 * rate-limited logging of every refusal.
 *
 * A connection holds an admission ticket from accept until its login ends
 * (full feature phase or close); the ticket charges its portal's and its
 * source address's pending-login counts.  Portals accept on one loop but
 * logins end on any, so the counts are atomic (portal) or under a lock
 * (address table).  Owns conn->admission. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "targets/iscsi/iscsi_priv.h"
#include "util/log.h"

#define ADDR_BUCKETS 1024
#define REFUSAL_LOG_INTERVAL_S 5
/* Descriptors iSCSI connections leave to everything else. */
#define FD_RESERVE 16

struct iscsi_admit_gate {
	unsigned refs;                   /* the portal + each ticket */
	unsigned pending;                /* connections of this portal in login */
};

struct addr_count {
	struct addr_count *next;
	uint8_t key[17];                 /* family, then up to 16 address bytes */
	unsigned pending;
};

struct iscsi_admit_ticket {
	struct iscsi_admit_gate *gate;
	struct addr_count *addr;
};

/* Driver attributes (targets/iscsi/...). */
static unsigned login_timeout_s = ISCSI_LOGIN_TIMEOUT_DEFAULT;
static unsigned max_pending_per_portal = ISCSI_MAX_PENDING_PORTAL_DEFAULT;
static unsigned max_pending_per_addr = ISCSI_MAX_PENDING_ADDR_DEFAULT;

static pthread_mutex_t addr_lock = PTHREAD_MUTEX_INITIALIZER;
static struct addr_count *addr_table[ADDR_BUCKETS];

/* Refusals, by reason, since start and since the last log line. */
static pthread_mutex_t refusal_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long refused_total[ISCSI_REFUSE__COUNT];
static unsigned long long refused_unlogged[ISCSI_REFUSE__COUNT];
static time_t last_refusal_log;

static const char *const refusal_names[ISCSI_REFUSE__COUNT] = {
	[ISCSI_REFUSE_NO_FD] = "out of descriptors",
	[ISCSI_REFUSE_PORTAL] = "pending logins per portal",
	[ISCSI_REFUSE_ADDR] = "pending logins per address",
	[ISCSI_REFUSE_LOGIN_TIMEOUT] = "login timeout",
};

/* ---------------------------------------------------------------------- */
/* Refusal accounting                                                      */

static void log_refusals_locked(time_t now)
{
	char line[256];
	size_t off = 0;

	for (unsigned r = 0; r < ISCSI_REFUSE__COUNT; r++) {
		if (!refused_unlogged[r])
			continue;
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%llu (%s)",
					off ? ", " : "", refused_unlogged[r], refusal_names[r]);
		if (off >= sizeof(line))
			off = sizeof(line) - 1;
		refused_unlogged[r] = 0;
	}
	if (off)
		log_warn("iSCSI connections refused or closed since the last report: %s", line);
	last_refusal_log = now;
}

/* At most one log line per interval, whatever the rate of refusals. */
void iscsi_admit_count_refusal(enum iscsi_refusal why)
{
	time_t now = time(NULL);

	pthread_mutex_lock(&refusal_lock);
	refused_total[why]++;
	refused_unlogged[why]++;
	if (now - last_refusal_log >= REFUSAL_LOG_INTERVAL_S)
		log_refusals_locked(now);
	pthread_mutex_unlock(&refusal_lock);
}

unsigned long long iscsi_admit_refused(enum iscsi_refusal why)
{
	unsigned long long n;

	pthread_mutex_lock(&refusal_lock);
	n = refused_total[why];
	pthread_mutex_unlock(&refusal_lock);
	return n;
}

/* ---------------------------------------------------------------------- */
/* Descriptors                                                             */

static unsigned fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > (1u << 30))
		return 1u << 30;
	return (unsigned)rl.rlim_cur;
}

/* Descriptors are handed out lowest first: a new one numbered fd means at
 * least fd are in use, so fewer than FD_RESERVE left means it is refused. */
bool iscsi_admit_fd_ok(int fd)
{
	unsigned limit = fd_limit();

	return limit <= FD_RESERVE || (unsigned)fd < limit - FD_RESERVE;
}

/* ---------------------------------------------------------------------- */
/* Pending-login counts                                                    */

struct iscsi_admit_gate *iscsi_admit_gate_new(void)
{
	struct iscsi_admit_gate *g = calloc(1, sizeof(*g));

	if (g)
		g->refs = 1;
	return g;
}

void iscsi_admit_gate_put(struct iscsi_admit_gate *g)
{
	if (g && __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(g);
}

static void addr_key(const struct sockaddr_storage *ss, uint8_t key[17])
{
	memset(key, 0, 17);
	key[0] = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		memcpy(key + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

static unsigned addr_hash(const uint8_t key[17])
{
	unsigned h = 2166136261u;

	for (unsigned i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % ADDR_BUCKETS;
}

/* The address's count, raised by one unless it is at the limit (NULL, and
 * *full says why: the limit, or no memory). */
static struct addr_count *addr_charge(const struct sockaddr_storage *peer, bool *full)
{
	uint8_t key[17];
	struct addr_count *a;
	unsigned b;

	addr_key(peer, key);
	b = addr_hash(key);
	pthread_mutex_lock(&addr_lock);
	for (a = addr_table[b]; a && memcmp(a->key, key, sizeof(key)); a = a->next)
		;
	*full = a && a->pending >= __atomic_load_n(&max_pending_per_addr, __ATOMIC_RELAXED);
	if (!a && (a = calloc(1, sizeof(*a)))) {
		memcpy(a->key, key, sizeof(key));
		a->next = addr_table[b];
		addr_table[b] = a;
	}
	if (a && !*full)
		a->pending++;
	pthread_mutex_unlock(&addr_lock);
	return *full ? NULL : a;
}

static void addr_discharge(struct addr_count *a)
{
	struct addr_count **pp;

	pthread_mutex_lock(&addr_lock);
	if (--a->pending == 0) {
		for (pp = &addr_table[addr_hash(a->key)]; *pp != a; pp = &(*pp)->next)
			;
		*pp = a->next;
		free(a);
	}
	pthread_mutex_unlock(&addr_lock);
}

bool iscsi_admit_login(struct iscsi_conn *conn, struct iscsi_admit_gate *g)
{
	struct iscsi_admit_ticket *t = calloc(1, sizeof(*t));
	bool addr_full = false;

	if (!t)
		return false;
	if (__atomic_add_fetch(&g->pending, 1, __ATOMIC_ACQ_REL) >
	    __atomic_load_n(&max_pending_per_portal, __ATOMIC_RELAXED)) {
		__atomic_sub_fetch(&g->pending, 1, __ATOMIC_ACQ_REL);
		iscsi_admit_count_refusal(ISCSI_REFUSE_PORTAL);
		free(t);
		return false;
	}
	t->addr = addr_charge(&conn->peer, &addr_full);
	if (!t->addr) {
		__atomic_sub_fetch(&g->pending, 1, __ATOMIC_ACQ_REL);
		if (addr_full)
			iscsi_admit_count_refusal(ISCSI_REFUSE_ADDR);
		free(t);
		return false;
	}
	__atomic_add_fetch(&g->refs, 1, __ATOMIC_ACQ_REL);
	t->gate = g;
	conn->admission.ticket = t;
	return true;
}

void iscsi_admit_login_done(struct iscsi_conn *conn)
{
	struct iscsi_admit_ticket *t = conn->admission.ticket;

	if (!t)
		return;
	conn->admission.ticket = NULL;
	__atomic_sub_fetch(&t->gate->pending, 1, __ATOMIC_ACQ_REL);
	iscsi_admit_gate_put(t->gate);
	addr_discharge(t->addr);
	free(t);
}

/* ---------------------------------------------------------------------- */
/* Login timeout                                                           */

static void login_expired(struct io_timer *t)
{
	struct iscsi_conn *conn = container_of(t, struct iscsi_conn, admission.login_timer);

	if (conn->state != CONN_LOGIN)
		return;
	iscsi_admit_count_refusal(ISCSI_REFUSE_LOGIN_TIMEOUT);
	log_debug("%s: login not finished within %u s", conn->peer_str,
		  __atomic_load_n(&login_timeout_s, __ATOMIC_RELAXED));
	iscsi_conn_close(conn, "LoginTimeout");
}

void iscsi_login_timer_start(struct iscsi_conn *conn)
{
	ioloop_timer_init(&conn->admission.login_timer, login_expired);
	ioloop_timer_arm(conn->loop, &conn->admission.login_timer,
			 __atomic_load_n(&login_timeout_s, __ATOMIC_RELAXED) * 1000u);
}

void iscsi_login_timer_stop(struct iscsi_conn *conn)
{
	ioloop_timer_cancel(conn->loop, &conn->admission.login_timer);
}

/* ---------------------------------------------------------------------- */
/* Attributes                                                              */

struct admit_attr {
	const char *name;
	unsigned *value;
	unsigned def, min, max;
};

static const struct admit_attr admit_attrs[] = {
	{ "LoginTimeout", &login_timeout_s, ISCSI_LOGIN_TIMEOUT_DEFAULT, 1, 3600 },
	{ "MaxPendingLoginsPerPortal", &max_pending_per_portal,
	  ISCSI_MAX_PENDING_PORTAL_DEFAULT, 1, 65535 },
	{ "MaxPendingLoginsPerAddress", &max_pending_per_addr,
	  ISCSI_MAX_PENDING_ADDR_DEFAULT, 1, 65535 },
	/* Not about admission, but a driver-wide number like the others. */
	{ "MaxBufferedResponseData", &iscsi_max_buffered_rsp, ISCSI_MAX_BUFFERED_RSP_DEFAULT,
	  64u << 10, 1u << 30 },
	{ "MaxBufferedResponseDataPerInitiator", &iscsi_max_buffered_rsp_initiator,
	  ISCSI_MAX_BUFFERED_RSP_INITIATOR_DEFAULT, 64u << 10, 1u << 30 },
};

static const struct admit_attr *find_attr(const char *key)
{
	for (size_t i = 0; i < sizeof(admit_attrs) / sizeof(admit_attrs[0]); i++)
		if (!strcmp(admit_attrs[i].name, key))
			return &admit_attrs[i];
	return NULL;
}

int iscsi_admit_set_attr(const char *key, const char *value, char *err, size_t errlen)
{
	const struct admit_attr *a = find_attr(key);
	unsigned long v;
	char *end;

	if (!a)
		return 1;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' || v < a->min || v > a->max) {
		snprintf(err, errlen, "%s: expected an integer in [%u, %u]", a->name, a->min,
			 a->max);
		return -EINVAL;
	}
	__atomic_store_n(a->value, (unsigned)v, __ATOMIC_RELAXED);
	return 0;
}

int iscsi_admit_get_attr(const char *key, unsigned *value, bool *is_default)
{
	const struct admit_attr *a = find_attr(key);

	if (!a)
		return -ENOENT;
	*value = __atomic_load_n(a->value, __ATOMIC_RELAXED);
	*is_default = *value == a->def;
	return 0;
}
