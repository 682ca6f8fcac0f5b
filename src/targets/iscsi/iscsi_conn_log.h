/* iscsi_conn_log.h - a connection's "connection from" and "closing
 * connection" lines, under one rate limit per initiator host: a client
 * connecting and closing in a loop gets a few lines and then a count
 * ("suppressed N similar messages from this peer", logged with its next
 * line), not two lines per connection. */
#ifndef SCSTD_TARGETS_ISCSI_CONN_LOG_H
#define SCSTD_TARGETS_ISCSI_CONN_LOG_H

void iscsi_log_conn_open(const char *peer, const char *local);
void iscsi_log_conn_close(const char *peer, const char *why);

#endif
