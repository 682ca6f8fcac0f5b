/* pr_shared.c - the reservation state of an LU several daemons export
 * (dev->pr_backend, e.g. vdisk_rbd's RADOS object): loading it, changing
 * it with compare-and-set, and the announcements that keep every daemon's
 * copy, unit attentions and PREEMPT AND ABORT in step.
 *
 * A change (PERSISTENT RESERVE OUT) reads the stored state, runs the
 * service action on it, and stores the result only if nobody stored in
 * between (else it starts over from the new state); then this daemon takes
 * it, delivers its unit attentions, and announces it.  The announcement
 * carries the new state and what the change left behind, so each daemon
 * takes the state (when newer than its own) and delivers the unit
 * attentions and aborts to its own nexuses.  The backend's announce waits
 * (bounded) for every daemon to take it, so once the command's status is
 * out the other daemons enforce the new state.
 *
 * Nexuses are told apart across daemons by initiator name and relative
 * target port id, so each daemon's target ports need distinct ids.
 *
 * Announcement format (one item per line):
 *   scstd-pr-event 1
 *   from <origin, u64>        the announcing daemon's device (its own
 *                             announcement comes back to it: ignored)
 *   version <u64>             the stored version of the state below
 *   ua <P|R|G> <port> <name>  RESERVATIONS PREEMPTED / RELEASED,
 *                             REGISTRATIONS PREEMPTED (port 0: all ports)
 *   abort <port> <name>       a nexus PREEMPT AND ABORT preempted
 *   reset                     a LUN or target reset reached the LU (every
 *                             nexus gets the reset unit attention)
 *   state
 *   <the state, pr_store.c's format, to the end; none with version 0> */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pr.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

/* Daemons storing at once each start over; this many rounds without
 * getting through means something is wrong with the store. */
#define PR_SHARED_TRIES 32

struct scst_pr_shared {
	/* One change at a time from this daemon: they would only make each
	 * other start over.  Not dev->lock: the backend blocks. */
	pthread_mutex_t change_lock;
	uint64_t version;                       /* of dev->pr, under dev->lock */
	uint64_t origin;
};

static enum scst_sense_id sense_of_errno(int rc)
{
	return rc == -ETIMEDOUT ? SCST_S_LU_COMM_TIMEOUT : SCST_S_LU_COMM_FAILURE;
}

/* The stored state into pr (initialised, empty): 0 or -errno. */
static int load_state(struct scst_device *dev, struct scst_pr *pr, uint64_t *version)
{
	char *text = NULL, err[128];
	size_t len = 0;
	int rc = dev->pr_backend->load(dev, &text, &len, version);

	if (rc < 0) {
		log_err("device %s: cannot read the shared reservation state: %s", dev->name,
			strerror(-rc));
		return rc;
	}
	if (!text)
		return 0;               /* nothing stored yet: no reservations */
	rc = scst_pr_store_parse(text, len, pr, err, sizeof(err));
	free(text);
	if (rc < 0)
		log_err("device %s: the shared reservation state is malformed: %s", dev->name,
			err);
	return rc;
}

/* Takes pr as this daemon's state if it is newer; pr is left empty or
 * as it was.  Caller holds dev->lock. */
static void take_if_newer(struct scst_device *dev, struct scst_pr *pr, uint64_t version)
{
	if (version <= dev->pr_shared->version)
		return;
	scst_pr_state_move(dev->pr, pr);
	dev->pr_shared->version = version;
	scst_resv_update_hint(dev);
}

static uint64_t new_origin(const struct scst_device *dev)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec << 32 ^ (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 16) ^
	       (uint64_t)(uintptr_t)dev;
}

int scst_pr_shared_init(struct scst_device *dev, char *err, size_t errlen)
{
	struct scst_pr_shared *sh = calloc(1, sizeof(*sh));
	struct scst_pr loaded;
	uint64_t version = 0;
	int rc;

	if (!sh) {
		scst_errf(err, errlen, "device '%s': out of memory", dev->name);
		return -ENOMEM;
	}
	scst_pr_state_init(&loaded);
	rc = load_state(dev, &loaded, &version);
	if (rc < 0) {
		scst_errf(err, errlen, "device '%s': cannot read the shared reservation state: %s",
			  dev->name, rc == -EINVAL ? "malformed" : strerror(-rc));
		free(sh);
		return rc;
	}
	pthread_mutex_init(&sh->change_lock, NULL);
	sh->origin = new_origin(dev);
	pthread_mutex_lock(&dev->lock);
	scst_pr_state_move(dev->pr, &loaded);
	sh->version = version;
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
	/* Announcements may arrive from now on (the handler watches since
	 * attach; earlier ones are older than what was just loaded). */
	__atomic_store_n(&dev->pr_shared, sh, __ATOMIC_RELEASE);
	log_info("device %s: shared reservation state version %" PRIu64 ", %u registration(s)",
		 dev->name, version, dev->pr->nregs);
	return 0;
}

void scst_pr_shared_free(struct scst_device *dev)
{
	struct scst_pr_shared *sh = dev->pr_shared;

	if (!sh)
		return;
	dev->pr_shared = NULL;
	pthread_mutex_destroy(&sh->change_lock);
	free(sh);
}

enum scst_sense_id scst_pr_shared_refresh(struct scst_device *dev)
{
	struct scst_pr loaded;
	uint64_t version = 0;
	int rc;

	scst_pr_state_init(&loaded);
	rc = load_state(dev, &loaded, &version);
	if (rc < 0)
		return sense_of_errno(rc);
	pthread_mutex_lock(&dev->lock);
	take_if_newer(dev, &loaded, version);
	pthread_mutex_unlock(&dev->lock);
	scst_pr_state_clear(&loaded);
	return SCST_S_OK;
}

/* ---------------------------------------------------------------------- */
/* Announcements                                                            */

static const struct {
	char tag;
	enum scst_sense_id ua;
} ua_tags[] = {
	{ 'P', SCST_S_UA_RESERVATIONS_PREEMPTED },
	{ 'R', SCST_S_UA_RESERVATIONS_RELEASED },
	{ 'G', SCST_S_UA_REGISTRATIONS_PREEMPTED },
};

static char tag_of(enum scst_sense_id ua)
{
	for (size_t i = 0; i < sizeof(ua_tags) / sizeof(ua_tags[0]); i++)
		if (ua_tags[i].ua == ua)
			return ua_tags[i].tag;
	return 0;
}

static bool ua_of(const char *tag, enum scst_sense_id *ua)
{
	for (size_t i = 0; i < sizeof(ua_tags) / sizeof(ua_tags[0]); i++)
		if (tag[0] == ua_tags[i].tag && !tag[1]) {
			*ua = ua_tags[i].ua;
			return true;
		}
	return false;
}

char *scst_pr_event_format(uint64_t origin, uint64_t version, const struct scst_pr_changes *c,
			  const char *state, size_t *len)
{
	size_t size = 96 + strlen(state) + (size_t)(c->nnotes + c->npreempted) *
					    (SCST_NAME_MAX + 16), off;
	char *msg = malloc(size);

	if (!msg)
		return NULL;
	off = (size_t)snprintf(msg, size, "scstd-pr-event 1\nfrom %" PRIu64 "\nversion %" PRIu64
			       "\n", origin, version);
	for (unsigned i = 0; i < c->nnotes; i++)
		if (tag_of(c->notes[i].ua))
			off += (size_t)snprintf(msg + off, size - off, "ua %c %u %s\n",
						tag_of(c->notes[i].ua), c->notes[i].rel_tgt_id,
						c->notes[i].initiator);
	for (unsigned i = 0; i < c->npreempted; i++)
		off += (size_t)snprintf(msg + off, size - off, "abort %u %s\n",
					c->preempted[i].rel_tgt_id, c->preempted[i].initiator);
	off += (size_t)snprintf(msg + off, size - off, "state\n%s", state);
	*len = off;
	return msg;
}

static void announce(struct scst_device *dev, uint64_t version, const struct scst_pr_changes *c,
		     const char *state)
{
	size_t len;
	char *msg = scst_pr_event_format(dev->pr_shared->origin, version, c, state, &len);
	int rc;

	if (!msg) {
		log_err("device %s: out of memory: reservation change %" PRIu64 " not announced",
			dev->name, version);
		return;
	}
	rc = dev->pr_backend->announce(dev, msg, len);
	if (rc < 0)
		/* Stored all the same: a daemon that missed it reads the
		 * state again at its next PERSISTENT RESERVE command. */
		log_warn("device %s: reservation change %" PRIu64 " not taken by every gateway: "
			 "%s", dev->name, version, strerror(-rc));
	free(msg);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return false;
	*v = x;
	return true;
}

/* "<port> <name>" into a note of arr. */
static bool parse_nexus(char *rest, enum scst_sense_id ua, struct scst_pr_note **arr,
			unsigned *n, unsigned *cap)
{
	char *name = strchr(rest, ' ');
	uint64_t port;

	if (!name || *n >= SCST_PR_MAX_REGS)
		return false;
	*name++ = '\0';
	if (!parse_u64(rest, UINT16_MAX, &port) || !*name || strchr(name, ' '))
		return false;
	return scst_pr_note_add(arr, n, cap, name, (uint16_t)port, ua);
}

static bool parse_event_line(struct scst_pr_event *ev, char *line, unsigned lineno)
{
	enum scst_sense_id ua;

	if (lineno == 1)
		return !strcmp(line, "scstd-pr-event 1");
	if (!strncmp(line, "from ", 5))
		return parse_u64(line + 5, UINT64_MAX, &ev->origin);
	if (!strncmp(line, "version ", 8))
		return parse_u64(line + 8, UINT64_MAX, &ev->version);
	if (!strncmp(line, "ua ", 3) && line[3] && line[4] == ' ') {
		char tag[2] = { line[3], 0 };

		return ua_of(tag, &ua) && parse_nexus(line + 5, ua, &ev->c.notes, &ev->c.nnotes,
						      &ev->c.notes_cap);
	}
	if (!strcmp(line, "reset") && !ev->reset)
		return ev->reset = true;
	if (!strncmp(line, "abort ", 6))
		return parse_nexus(line + 6, SCST_S_UA_REGISTRATIONS_PREEMPTED, &ev->c.preempted,
				   &ev->c.npreempted, &ev->c.preempted_cap);
	return false;
}

/* Hostile input: any fault rejects the whole announcement. */
bool scst_pr_event_parse(struct scst_pr_event *ev, const char *msg, size_t len)
{
	char line[SCST_NAME_MAX + 32];
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(msg + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (msg + pos)) : 0;

		if (!nl || n >= sizeof(line) || memchr(msg + pos, '\0', n))
			return false;
		memcpy(line, msg + pos, n);
		line[n] = '\0';
		pos += n + 1;
		lineno++;
		if (lineno > 1 && !strcmp(line, "state")) {
			ev->state = msg + pos;
			ev->state_len = len - pos;
			return ev->origin && (ev->version || !ev->state_len);
		}
		if (!parse_event_line(ev, line, lineno))
			return false;
	}
	return false;
}

static void abort_preempted_here(struct scst_device *dev, const struct scst_pr_changes *c)
{
	struct scst_pr_nexus *nx;

	if (!c->npreempted)
		return;
	nx = calloc(c->npreempted, sizeof(*nx));
	if (!nx) {
		log_err("device %s: out of memory: PREEMPT AND ABORT of another gateway aborts "
			"nothing here", dev->name);
		return;
	}
	for (unsigned i = 0; i < c->npreempted; i++) {
		nx[i].initiator = c->preempted[i].initiator;
		nx[i].rel_tgt_id = c->preempted[i].rel_tgt_id;
	}
	scst_preempt_abort_remote(dev, nx, c->npreempted);
	free(nx);
}

void scst_pr_shared_event(struct scst_device *dev, const char *msg, size_t len)
{
	struct scst_pr_shared *sh = __atomic_load_n(&dev->pr_shared, __ATOMIC_ACQUIRE);
	struct scst_pr_event ev = { .c.dev = dev };
	struct scst_pr state;
	char err[128];

	if (!sh)
		return;                 /* before init: init loads a newer state */
	scst_pr_state_init(&state);
	if (!scst_pr_event_parse(&ev, msg, len) ||
	    (ev.version &&
	     scst_pr_store_parse(ev.state, ev.state_len, &state, err, sizeof(err)) < 0)) {
		log_err("device %s: malformed reservation announcement dropped", dev->name);
	} else if (ev.origin != sh->origin) {
		/* Unit attentions and aborts even when a newer state is here
		 * already (read by a change of ours meanwhile). */
		pthread_mutex_lock(&dev->lock);
		if (ev.version)
			take_if_newer(dev, &state, ev.version);
		scst_pr_deliver_notes(&ev.c);
		pthread_mutex_unlock(&dev->lock);
		abort_preempted_here(dev, &ev.c);
		if (ev.reset)
			scst_dev_queue_ua(dev, SCST_S_UA_RESET, NULL);
	}
	scst_pr_state_clear(&state);
	free(ev.c.notes);
	free(ev.c.preempted);
}

void scst_pr_shared_announce_reset(struct scst_device *dev)
{
	char msg[96];
	int len, rc;

	if (!dev->pr_shared)
		return;
	len = snprintf(msg, sizeof(msg), "scstd-pr-event 1\nfrom %" PRIu64 "\nversion 0\nreset\n"
		       "state\n", dev->pr_shared->origin);
	rc = dev->pr_backend->announce(dev, msg, (size_t)len);
	if (rc < 0)
		log_warn("device %s: the reset was not announced to every gateway: %s", dev->name,
			 strerror(-rc));
}

/* ---------------------------------------------------------------------- */
/* Changes                                                                  */

static void forget_changes(struct scst_pr_changes *c)
{
	c->nnotes = 0;
	c->npreempted = 0;
}

/* One round: load, change, store.  -ECANCELED: start over. */
static int change_once(struct scst_device *dev, scst_pr_change_fn fn, void *arg,
		       struct scst_pr_changes *c, enum scst_sense_id *sense)
{
	struct scst_pr pr;
	uint64_t version = 0, stored;
	char *text;
	int rc;

	scst_pr_state_init(&pr);
	forget_changes(c);
	rc = load_state(dev, &pr, &version);
	if (rc < 0)
		return rc;
	*sense = fn(&pr, arg, c);
	if (*sense != SCST_S_OK) {      /* refused, or SCST_PR_UNCHANGED */
		scst_pr_state_clear(&pr);
		return 0;
	}
	text = scst_pr_store_format(&pr);
	rc = text ? dev->pr_backend->store(dev, text, version, &stored) : -ENOMEM;
	if (rc == 0) {
		pthread_mutex_lock(&dev->lock);
		take_if_newer(dev, &pr, stored);
		scst_pr_deliver_notes(c);
		pthread_mutex_unlock(&dev->lock);
		announce(dev, stored, c, text);
	} else if (rc != -ECANCELED) {
		log_err("device %s: cannot store the shared reservation state: %s; the "
			"PERSISTENT RESERVE OUT fails and changes nothing", dev->name,
			strerror(-rc));
	}
	free(text);
	scst_pr_state_clear(&pr);
	return rc;
}

enum scst_sense_id scst_pr_shared_change(struct scst_device *dev, scst_pr_change_fn fn, void *arg,
					 struct scst_pr_changes *c)
{
	struct scst_pr_shared *sh = dev->pr_shared;
	enum scst_sense_id sense = SCST_S_LU_COMM_FAILURE;
	int rc = -ECANCELED;

	pthread_mutex_lock(&sh->change_lock);
	for (unsigned i = 0; i < PR_SHARED_TRIES && rc == -ECANCELED; i++)
		rc = change_once(dev, fn, arg, c, &sense);
	pthread_mutex_unlock(&sh->change_lock);
	if (rc == -ECANCELED)
		log_err("device %s: the shared reservation state changed %u times under one "
			"PERSISTENT RESERVE OUT; it fails", dev->name, PR_SHARED_TRIES);
	if (rc < 0) {
		forget_changes(c);
		return rc == -ECANCELED ? SCST_S_LU_COMM_FAILURE : sense_of_errno(rc);
	}
	return sense;
}
