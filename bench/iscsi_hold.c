/* iscsi_hold.c - owns iscsi-hold, the idle-session holder of the benchmark:
 * logs N sessions in to one target, prints "held N" and keeps them open
 * (answering the target's NOP-Ins) for SECS seconds or until SIGTERM, so
 * that the target's memory per idle session can be read.
 *
 *   iscsi-hold iscsi://HOST:PORT/IQN/LUN N SECS */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static struct iscsi_context *open_session(const char *url, int i)
{
	char iqn[128];
	snprintf(iqn, sizeof(iqn), "iqn.2026-11.org.scstd:hold-%d-%d", (int)getpid(), i);
	struct iscsi_context *iscsi = iscsi_create_context(iqn);
	if (!iscsi)
		return NULL;
	struct iscsi_url *u = iscsi_parse_full_url(iscsi, url);
	if (!u) {
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_set_targetname(iscsi, u->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	if (iscsi_full_connect_sync(iscsi, u->portal, u->lun) != 0) {
		fprintf(stderr, "iscsi-hold: session %d: %s\n", i, iscsi_get_error(iscsi));
		iscsi_destroy_url(u);
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_destroy_url(u);
	return iscsi;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: iscsi-hold URL SESSIONS SECONDS\n");
		return 2;
	}
	int n = atoi(argv[2]);
	time_t until = time(NULL) + atoi(argv[3]);
	struct iscsi_context **ctx = calloc((size_t)n, sizeof(*ctx));
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	if (n < 1 || !ctx || !pfd)
		return 2;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		if (!(ctx[i] = open_session(argv[1], i)))
			rc = 1;
	if (rc == 0)
		printf("held %d\n", n);
	fflush(stdout);
	while (rc == 0 && !stop && time(NULL) < until) {
		for (int i = 0; i < n; i++) {
			pfd[i].fd = iscsi_get_fd(ctx[i]);
			pfd[i].events = (short)iscsi_which_events(ctx[i]);
		}
		if (poll(pfd, (nfds_t)n, 500) < 0)
			continue;
		for (int i = 0; i < n; i++)
			if (pfd[i].revents)
				iscsi_service(ctx[i], pfd[i].revents);
	}
	for (int i = 0; i < n; i++)
		if (ctx[i])
			iscsi_destroy_context(ctx[i]);
	free(ctx);
	free(pfd);
	return rc;
}
