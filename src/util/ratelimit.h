/* ratelimit.h - per-peer, per-call-site log rate limiting, so that a
 * client repeating a bad PDU cannot fill the log: each (site, peer) may
 * log RATELIMIT_BURST lines per RATELIMIT_WINDOW_MS; the rest are counted
 * and the count is logged ("suppressed N") with the first line of a later
 * window. */
#ifndef SCSTD_UTIL_RATELIMIT_H
#define SCSTD_UTIL_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_BURST 10
#define RATELIMIT_WINDOW_MS 10000
/* Peers one site tracks at once; the one idle longest makes room. */
#define RATELIMIT_PEERS 16
#define RATELIMIT_PEER_LEN 64

struct ratelimit_peer {
	char peer[RATELIMIT_PEER_LEN];
	int64_t window_start_ms;
	unsigned in_window;
	unsigned suppressed;
};

/* One per call site (a static, zero-initialized). */
struct ratelimit_site {
	struct ratelimit_peer peers[RATELIMIT_PEERS];
};

/* true: log this line; *suppressed is then the number of lines from peer
 * at site dropped since its last logged line.  now_ms is monotonic. */
bool ratelimit_allow(struct ratelimit_site *site, const char *peer, int64_t now_ms,
		     unsigned *suppressed);

#endif
