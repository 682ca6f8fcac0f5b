/* ratelimit.c - per-peer, per-call-site log rate limiting (see ratelimit.h).
 * One lock for every site: only warning paths come here. */
#include "ratelimit.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t ratelimit_lock = PTHREAD_MUTEX_INITIALIZER;

/* The peer's slot, or the slot idle longest, reset for peer. */
static struct ratelimit_peer *slot_of(struct ratelimit_site *site, const char *peer)
{
	struct ratelimit_peer *oldest = &site->peers[0];

	for (size_t i = 0; i < RATELIMIT_PEERS; i++) {
		struct ratelimit_peer *p = &site->peers[i];

		if (p->peer[0] && !strncmp(p->peer, peer, RATELIMIT_PEER_LEN - 1))
			return p;
		if (!p->peer[0] || p->window_start_ms < oldest->window_start_ms)
			oldest = p;
		if (!p->peer[0])
			break;
	}
	memset(oldest, 0, sizeof(*oldest));
	strncpy(oldest->peer, peer, RATELIMIT_PEER_LEN - 1);
	/* A slot taken over forgets its old peer's count: that peer is the
	 * one idle longest, so it has not been flooding lately. */
	oldest->window_start_ms = INT64_MIN;
	return oldest;
}

bool ratelimit_allow(struct ratelimit_site *site, const char *peer, int64_t now_ms,
		     unsigned *suppressed)
{
	struct ratelimit_peer *p;
	bool allow;

	pthread_mutex_lock(&ratelimit_lock);
	p = slot_of(site, peer && *peer ? peer : "?");
	if (p->window_start_ms == INT64_MIN || now_ms - p->window_start_ms >= RATELIMIT_WINDOW_MS) {
		p->window_start_ms = now_ms;
		p->in_window = 0;
	}
	allow = p->in_window < RATELIMIT_BURST;
	if (allow) {
		p->in_window++;
		*suppressed = p->suppressed;
		p->suppressed = 0;
	} else {
		p->suppressed++;
	}
	pthread_mutex_unlock(&ratelimit_lock);
	return allow;
}
