/* addr.c - parsing of listening addresses given on the command line and
 * in the configuration: "ADDR:PORT", IPv6 as "[ADDR]:PORT", numeric only
 * (a portal must not depend on a resolver at start-up). */
#include <errno.h>
#include <netdb.h>
#include <string.h>

#include "util/addr.h"

int addr_parse_host_port(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[256];
	const char *port;
	struct addrinfo hints = { 0 }, *ai;
	int rc;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = 0;
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');

		if (!colon || (size_t)(colon - spec) >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = 0;
		port = colon + 1;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}
