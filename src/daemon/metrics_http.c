/* metrics_http.c - the --metrics HTTP endpoint: GET /metrics answers the
 * Prometheus text page (mgmt/metrics.c), anything else 404 (405 for a
 * method other than GET or HEAD).  libmicrohttpd runs it on its own
 * thread, so a scrape never runs on an I/O loop; what a scraper may cost
 * is bounded: few connections, a small per-connection memory (an
 * oversized request is refused by the library) and an idle timeout. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "daemon/metrics_http.h"
#include "mgmt/metrics.h"
#include "util/addr.h"
#include "util/log.h"

#define METRICS_PATH "/metrics"
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MAX_CONNECTIONS 32
#define IDLE_TIMEOUT_S 10
#define CONN_MEMORY (32 * 1024)

static struct MHD_Daemon *httpd;

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result answer_metrics(struct MHD_Connection *c)
{
	struct metrics_text t;
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (metrics_render(&t) < 0)
		return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	r = MHD_create_response_from_buffer(t.len, t.p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		metrics_text_free(&t);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	/* The first call only announces the request; a body is not wanted. */
	if (!*req_cls) {
		*req_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, METRICS_PATH))
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found; the metrics are at "
				   METRICS_PATH "\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only\n");
	return answer_metrics(c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	log_debug("metrics http: %s", msg);
}

int metrics_http_start(const char *addr_port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	if (addr_parse_host_port(addr_port, &ss, &len) < 0) {
		log_err("--metrics %s: not ADDR:PORT or [IPv6]:PORT", addr_port);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	httpd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
				 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				 MHD_OPTION_END);
	if (!httpd) {
		log_err("--metrics %s: cannot listen (address in use or not local?)", addr_port);
		return -EADDRNOTAVAIL;
	}
	log_info("metrics at http://%s%s", addr_port, METRICS_PATH);
	return 0;
}

void metrics_http_stop(void)
{
	if (!httpd)
		return;
	MHD_stop_daemon(httpd);
	httpd = NULL;
}
