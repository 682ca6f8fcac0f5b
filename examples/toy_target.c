/* toy_target.c - a user-space SCSI target driver built on libscst_local,
 * following README.scst_local "User space target drivers" step by step.
 * Its transport is a toy text protocol over a unix socket:
 *
 *   initiator -> LOGIN <name> [<TransportID hex>]     <- OK | ERR <why>
 *   initiator -> CMD <lun> <cdb hex> <in len> [<data-out hex>]
 *                                    <- RES <status> <sense hex|-> <data hex|->
 *   initiator -> BYE                                  <- OK, then close
 *
 * serve:  creates target TARGET through the management tree (step 1),
 *         sets its transport version descriptors (step 2); for each login
 *         adds a session named after the initiator (step 3), sets its
 *         TransportID when given (step 4), attaches to the session over the
 *         raw command socket (steps 5-6: the session's devices) and serves
 *         its commands; a logout or lost connection deletes the session;
 *         SIGTERM deletes the target.
 * send:   a toy initiator: sends each argument as one line, prints replies.
 *
 *   toy_target serve CTL_SOCKET LOCAL_SOCKET TOY_SOCKET TARGET
 *   toy_target send TOY_SOCKET LINE... */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "scst_local.h"

#define LINE_MAX_BYTES (1u << 20)
#define DATA_MAX (LINE_MAX_BYTES / 2 - 1024)

static const char *ctl_sock, *local_sock, *target;
static char mgmt_path[512];

struct conn {
	int fd;
	FILE *in;
	char name[256];
	bool has_session;
	struct scst_local *sc;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex string -> bytes; -1 on anything but an even number of hex digits. */
static long unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	if (!n)
		fputc('-', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int mgmt(const char *path, const char *value)
{
	char err[256];
	int rc = scst_local_mgmt_write(ctl_sock, path, value, err, sizeof(err));

	if (rc < 0)
		fprintf(stderr, "toy_target: %s <- %s: %s\n", path, value, err);
	return rc;
}

static void reply(struct conn *c, const char *fmt, const char *arg)
{
	dprintf(c->fd, fmt, arg);
}

static void do_login(struct conn *c, char *args)
{
	char *name = strtok(args, " "), *tid = strtok(NULL, " "), path[1024], err[256];
	uint8_t tidb[120];

	if (!name || strtok(NULL, " ") || c->has_session || strlen(name) >= sizeof(c->name) ||
	    (tid && unhex(tid, tidb, sizeof(tidb)) < 0)) {
		reply(c, "ERR %s\n", "usage: LOGIN name [tidhex], once");
		return;
	}
	snprintf(path, sizeof(path), "add_session %s %s", target, name);
	if (mgmt(mgmt_path, path) < 0) {                                /* step 3 */
		reply(c, "ERR %s\n", "session refused");
		return;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->has_session = true;
	snprintf(path, sizeof(path), "targets/scst_local/%s/sessions/%s/transport_id", target,
		 name);
	if (tid && mgmt(path, tid) < 0) {                               /* step 4 */
		reply(c, "ERR %s\n", "TransportID refused");
		return;
	}
	if (scst_local_connect(local_sock, &c->sc, err, sizeof(err)) < 0 ||   /* steps 5-6 */
	    scst_local_attach(c->sc, target, name, err, sizeof(err)) < 0) {
		reply(c, "ERR %s\n", err);
		return;
	}
	reply(c, "OK%s\n", "");
}

static void do_cmd(struct conn *c, char *args)
{
	char *lun_s = strtok(args, " "), *cdb_s = strtok(NULL, " "), *in_s = strtok(NULL, " ");
	char *out_s = strtok(NULL, " "), *end, err[256];
	uint8_t *out, *in;
	uint8_t cdb[SCST_LOCAL_MAX_CDB];
	struct scst_local_result res;
	unsigned long lun, in_len;
	long cdb_len, out_len = 0;
	FILE *f;

	if (!c->sc) {
		reply(c, "ERR %s\n", "not logged in");
		return;
	}
	if (!lun_s || !cdb_s || !in_s || strtok(NULL, " ")) {
		reply(c, "ERR %s\n", "usage: CMD lun cdbhex inlen [outhex]");
		return;
	}
	lun = strtoul(lun_s, &end, 10);
	if (*end || lun > 16383 || (cdb_len = unhex(cdb_s, cdb, sizeof(cdb))) <= 0) {
		reply(c, "ERR %s\n", "bad LUN or CDB");
		return;
	}
	in_len = strtoul(in_s, &end, 10);
	out = malloc(DATA_MAX);
	in = malloc(DATA_MAX);
	if (!out || !in || *end || in_len > DATA_MAX ||
	    (out_s && (out_len = unhex(out_s, out, DATA_MAX)) < 0)) {
		reply(c, "ERR %s\n", "bad lengths or data");
	} else if (scst_local_cmd(c->sc, lun, cdb, (unsigned)cdb_len, out, (uint32_t)out_len, in,
				  (uint32_t)in_len, &res, err, sizeof(err)) < 0) {
		reply(c, "ERR %s\n", err);
	} else if ((f = fdopen(dup(c->fd), "w")) != NULL) {
		fprintf(f, "RES %02x ", res.status);
		put_hex(f, res.sense, res.sense_len);
		fputc(' ', f);
		put_hex(f, in, res.data_in_len);
		fputc('\n', f);
		fclose(f);
	}
	free(out);
	free(in);
}

static void end_session(struct conn *c)
{
	char cmd[600];

	scst_local_close(c->sc);
	c->sc = NULL;
	if (c->has_session) {
		snprintf(cmd, sizeof(cmd), "del_session %s %s", target, c->name);
		mgmt(mgmt_path, cmd);
		c->has_session = false;
	}
}

static void *serve_conn(void *arg)
{
	struct conn *c = arg;
	char *line = malloc(LINE_MAX_BYTES);

	c->in = fdopen(c->fd, "r");
	while (line && c->in && fgets(line, LINE_MAX_BYTES, c->in)) {
		size_t n = strlen(line);

		if (n == 0 || line[n - 1] != '\n') {
			reply(c, "ERR %s\n", "line too long");
			break;
		}
		line[n - 1] = '\0';
		if (!strncmp(line, "LOGIN ", 6))
			do_login(c, line + 6);
		else if (!strncmp(line, "CMD ", 4))
			do_cmd(c, line + 4);
		else if (!strcmp(line, "BYE")) {
			end_session(c);
			reply(c, "OK%s\n", "");
			break;
		} else
			reply(c, "ERR %s\n", "unknown request");
	}
	end_session(c);
	free(line);
	if (c->in)
		fclose(c->in);
	else
		close(c->fd);
	free(c);
	return NULL;
}

static int unix_socket(const char *path, bool listen_on)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	if (listen_on) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
			return -1;
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		return -1;
	}
	return fd;
}

static void *accept_loop(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		struct conn *c;
		pthread_t t;

		if (fd < 0)
			continue;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (pthread_create(&t, NULL, serve_conn, c) == 0)
			pthread_detach(t);
		else {
			close(fd);
			free(c);
		}
	}
	return NULL;
}

static int serve(const char *toy_sock)
{
	char cmd[600], path[600];
	sigset_t sigs;
	pthread_t t;
	int lfd, sig;

	snprintf(mgmt_path, sizeof(mgmt_path), "targets/scst_local/mgmt");
	snprintf(cmd, sizeof(cmd), "add_target %s", target);
	if (mgmt(mgmt_path, cmd) < 0)                                   /* step 1 */
		return 1;
	snprintf(path, sizeof(path), "targets/scst_local/%s/scsi_transport_version", target);
	if (mgmt(path, "0x0be0") < 0)                                   /* step 2 */
		goto out;
	snprintf(path, sizeof(path), "targets/scst_local/%s/phys_transport_version", target);
	if (mgmt(path, "0") < 0)
		goto out;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = unix_socket(toy_sock, true);
	if (lfd < 0 || pthread_create(&t, NULL, accept_loop, &lfd) != 0) {
		fprintf(stderr, "toy_target: cannot listen on %s\n", toy_sock);
		goto out;
	}
	printf("toy_target: serving %s as scst_local target %s\n", toy_sock, target);
	fflush(stdout);
	sigwait(&sigs, &sig);
	close(lfd);
	unlink(toy_sock);
out:
	snprintf(cmd, sizeof(cmd), "del_target %s", target);
	return mgmt(mgmt_path, cmd) < 0 ? 1 : 0;
}

static int send_lines(const char *toy_sock, char **lines, int n)
{
	int fd = unix_socket(toy_sock, false);
	char *buf = malloc(LINE_MAX_BYTES);
	FILE *in;

	if (fd < 0 || !buf || !(in = fdopen(fd, "r"))) {
		fprintf(stderr, "toy_target: cannot connect to %s\n", toy_sock);
		free(buf);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		dprintf(fd, "%s\n", lines[i]);
		if (!fgets(buf, LINE_MAX_BYTES, in))
			break;
		fputs(buf, stdout);
	}
	fclose(in);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "serve")) {
		ctl_sock = argv[2];
		local_sock = argv[3];
		target = argv[5];
		return serve(argv[4]);
	}
	if (argc >= 4 && !strcmp(argv[1], "send"))
		return send_lines(argv[2], argv + 3, argc - 3);
	fprintf(stderr, "usage: toy_target serve CTL_SOCKET LOCAL_SOCKET TOY_SOCKET TARGET\n"
			"       toy_target send TOY_SOCKET LINE...\n");
	return 2;
}
