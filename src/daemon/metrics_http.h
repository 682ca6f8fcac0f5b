/* metrics_http.h - the --metrics HTTP endpoint (metrics_http.c). */
#ifndef SCSTD_DAEMON_METRICS_HTTP_H
#define SCSTD_DAEMON_METRICS_HTTP_H

/* Listens on ADDR:PORT or [IPv6]:PORT; 0 or -errno (logged). */
int metrics_http_start(const char *addr_port);
void metrics_http_stop(void);

#endif
