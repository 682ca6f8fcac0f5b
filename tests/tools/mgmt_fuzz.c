/* mgmt_fuzz.c - seeded, deterministic fuzzer of scstd's management
 * interface.  It writes mutations of valid commands (add_device,
 * add_target, LUN and group commands, attribute values ...) to every
 * writable file of the tree, through the control socket and through the
 * FUSE mount, and checks the rule of README.scst's sysfs interface as this
 * project states it: a refused write gives a clear message, one line in
 * the daemon's log, and changes nothing (the configuration snapshot of
 * tree_walk.h is the same before and after); nothing crashes.
 *
 *   mgmt_fuzz --socket PATH --files DIR --log FILE [--mount DIR]
 *             [--seed N] [--iterations N] [--mount-share PCT]
 *             [--restore CMD] [--restore-every N] [--keep-going] [--verbose]
 *
 * Filenames are confined to --files (no "..", no '/' but in that
 * directory's prefix); iSNSServer only gets values refused before the
 * driver sees them (a valid one would make the daemon resolve and dial
 * it); trace_level and a device's identity strings only refused ones
 * (the log level the fuzzer reads; identities the base would not reset);
 * add_attribute only refused ones (nothing can remove a driver
 * attribute again, so the base could not be restored).  --restore is a shell command run every --restore-every writes
 * with the control socket released (scstadmin -config of the base).
 * Exit 0 when no rule was broken, 1 otherwise (each violation printed
 * with its command), 2 on usage or set-up errors. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_rng.h"
#include "tree_walk.h"

#define MAX_NAMES 64
#define BIG_VALUE (64 * 1024)
#define SOCK_LINE_MAX 8000      /* conf_tree.c's own request limit, with room */

enum via { VIA_SOCKET, VIA_RAW, VIA_MOUNT };
static const char *const via_names[] = { "socket", "raw socket", "mount" };

struct names {
	char *v[MAX_NAMES];
	size_t n;
};

struct fuzz {
	const char *sock, *mount, *files, *log, *restore;
	unsigned iterations, mount_share, restore_every;
	bool keep_going, verbose;
	uint64_t seed;
	struct rng rng;
	struct tree *t;
	char **paths;
	size_t npaths;
	struct text snap;               /* the configuration before the write */
	struct names devices, targets, groups, initiators, sessions;
	unsigned writes, refused, accepted, filtered, by_via[3], violations;
};

static unsigned below(struct fuzz *f, unsigned n)
{
	return rng_below(&f->rng, n);
}

static bool chance(struct fuzz *f, unsigned pct)
{
	return rng_chance(&f->rng, pct);
}

#define PICK(f, arr) ((arr)[below((f), sizeof(arr) / sizeof((arr)[0]))])

/* ---- building command text ---- */

static void add(struct text *t, const char *s)
{
	if (!text_add(t, s, strlen(s))) {
		fprintf(stderr, "mgmt_fuzz: out of memory\n");
		exit(2);
	}
}

static void addf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct text *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add(t, buf);
}

static void add_run(struct text *t, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!text_add(t, &c, 1))
			exit(2);
}

static const char *const numbers[] = {
	"0", "1", "2", "3", "-1", "-0", "+1", "01", "0x10", "1e3", "7.5", "512", "4096", "65535",
	"65536", "16383", "16384", "2147483647", "2147483648", "-2147483649", "4294967295",
	"4294967296", "9223372036854775807", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999", "-9223372036854775808", "", " ", "one",
};

static const char *const words[] = {
	"Yes", "No", "yes", "None", "CRC32C", "CRC32C,None", "None,CRC32C", "shared",
	"per_initiator", "\"quoted value\"", "'single'", "a b", "=", "==", ";", ";;", "\\",
	"%s%n%x", "*", "?", "[key]", "\t", "\xc3\xa9t\xc3\xa9", "\x80\xff", "\x01", "\x7f",
	"0x0960", "0x0000", "0xffff", "joe secret1234567", "iqn.2026-11.org.scstd:fz",
	"127.0.0.1", "::1", "-", "#", "$(id)", "`id`",
};

static void add_string_value(struct fuzz *f, struct text *t)
{
	unsigned n = below(f, 6) ? 1 + below(f, 20) : 60 + below(f, 10);

	for (unsigned i = 0; i < n; i++) {
		char c = (char)(' ' + 1 + below(f, 94));

		if (c == '/' || c == ';' || c == '=')
			c = 'x';
		if (!text_add(t, &c, 1))
			exit(2);
	}
}

static void add_fresh_name(struct fuzz *f, struct text *t)
{
	switch (below(f, 12)) {
	case 0: add_run(t, 'a', 255); break;
	case 1: add_run(t, 'b', 256); break;
	case 2: add_run(t, 'c', 300 + below(f, 200)); break;
	case 3: add(t, PICK(f, ((const char *const[]){ ".", "-", "*", "a/b", "#x", "mgmt",
						      "enabled", "luns", "handler", "\xc3\xa9",
						      "\xfe\xff", "x;y", "x=y", "\"q\"" }))); break;
	default: addf(t, "fz%u", below(f, 8)); break;
	}
}

static void add_name(struct fuzz *f, struct text *t, const struct names *from)
{
	if (from->n && chance(f, 65))
		add(t, from->v[below(f, (unsigned)from->n)]);
	else
		add_fresh_name(f, t);
}

static void add_file_value(struct fuzz *f, struct text *t)
{
	switch (below(f, 8)) {
	case 0: addf(t, "%s/missing%u.img", f->files, below(f, 3)); break;
	case 1: addf(t, "%s", f->files); break;
	case 2: addf(t, "%s/", f->files); break;
	case 3: add(t, "relative.img"); break;
	default: addf(t, "%s/disk%u.img", f->files, 1 + below(f, 4)); break;
	}
}

/* A plausible value for the parameter or attribute called key. */
static void add_value_for(struct fuzz *f, struct text *t, const char *key)
{
	if (!strcmp(key, "filename") && chance(f, 80)) {
		add_file_value(f, t);
	} else if (strstr(key, "size") || strstr(key, "num") || strstr(key, "Length") ||
		   strstr(key, "Commands") || strstr(key, "Interval") || strstr(key, "Timeout") ||
		   strstr(key, "Sessions") || strstr(key, "R2T") || strstr(key, "id")) {
		add(t, chance(f, 85) ? PICK(f, numbers) : PICK(f, words));
	} else if (strstr(key, "t10") || strstr(key, "prod") || strstr(key, "usn")) {
		if (chance(f, 70))
			add_string_value(f, t);
		else
			add(t, PICK(f, words));
	} else if (chance(f, 50)) {
		add(t, PICK(f, ((const char *const[]){ "0", "1", "2", "-1", "Yes", "No" })));
	} else {
		add(t, chance(f, 50) ? PICK(f, numbers) : PICK(f, words));
	}
}

static const char *const iscsi_target_params[] = {
	"IncomingUser", "OutgoingUser", "allowed_portal", "QueuedCommands", "MaxSessions",
	"HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength", "InitialR2T", "ImmediateData",
	"NopInInterval", "RspTimeout", "rel_tgt_id", "enabled", "Bogus", "session_name",
};

/* "k=v; k=v" with the separators varied. */
static void add_params(struct fuzz *f, struct text *t, const char *const *keys, size_t nkeys)
{
	unsigned n = below(f, 5);

	for (unsigned i = 0; i < n; i++) {
		const char *k = chance(f, 90) && nkeys ? keys[below(f, (unsigned)nkeys)] : "bogus_key";

		if (i)
			add(t, PICK(f, ((const char *const[]){ "; ", ";", " ; ", ";; " })));
		add(t, k);
		add(t, chance(f, 85) ? "=" : " = ");
		add_value_for(f, t, k);
	}
	if (n && chance(f, 20))
		add(t, ";");
}

/* The parameter names a handler's mgmt file lists ("... available: a, b"). */
static size_t handler_params(struct fuzz *f, const char *mgmt_path, char **keys, size_t max)
{
	char err[256], *usage = NULL, *p, *save = NULL;
	size_t n = 0;

	if (tree_read(f->t, mgmt_path, &usage, err, sizeof(err)) < 0)
		return 0;
	p = strstr(usage, "available:");
	if (p) {
		p[strcspn(p, "\n")] = '\0';
		for (char *k = strtok_r(p + 10, ", ", &save); k && n < max;
		     k = strtok_r(NULL, ", ", &save))
			keys[n++] = strdup(k);
	}
	free(usage);
	return n;
}

static bool has_key(char **keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return true;
	return false;
}

static void gen_handler_cmd(struct fuzz *f, struct text *t, const char *path)
{
	char *keys[32];
	size_t n = handler_params(f, path, keys, 32);

	switch (below(f, 10)) {
	case 0: case 1: case 2:
		add(t, "del_device ");
		add_name(f, t, &f->devices);
		break;
	case 3:
		add(t, PICK(f, ((const char *const[]){ "add_device", "del_device", "ADD_DEVICE fz1",
						      "add_device  ", "frob fz1", "add_device fz1 fz2" })));
		break;
	default:
		/* Mostly new names, mostly with a backing file where one is
		 * needed: else nearly every add is refused for the same reason. */
		add(t, "add_device ");
		if (chance(f, 70))
			add_fresh_name(f, t);
		else
			add_name(f, t, &f->devices);
		add(t, " ");
		if (has_key(keys, n, "filename") && chance(f, 75)) {
			add(t, "filename=");
			add_file_value(f, t);
			add(t, "; ");
		}
		add_params(f, t, (const char *const *)keys, n);
		break;
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
}

static void gen_driver_cmd(struct fuzz *f, struct text *t, bool local)
{
	static const char *const local_keys[] = { "session_name" };

	switch (below(f, 9)) {
	case 0: case 1:
		add(t, "add_target ");
		/* iSCSI takes only iSCSI names: new ones are mostly that. */
		if (!local && chance(f, 60))
			addf(t, "iqn.2026-11.org.scstd:fz%u", below(f, 4));
		else
			add_name(f, t, &f->targets);
		add(t, " ");
		if (local)
			add_params(f, t, local_keys, 1);
		else
			add_params(f, t, iscsi_target_params,
				   sizeof(iscsi_target_params) / sizeof(iscsi_target_params[0]));
		break;
	case 2:
		add(t, "del_target ");
		add_name(f, t, &f->targets);
		break;
	case 3: case 4:
		add(t, PICK(f, ((const char *const[]){ "add_attribute ", "del_attribute " })));
		add(t, PICK(f, ((const char *const[]){ "IncomingUser", "OutgoingUser", "enabled",
						      "iSNSAccessControl", "bogus", "rel_tgt_id" })));
		add(t, " ");
		add_value_for(f, t, "IncomingUser");
		break;
	case 5: case 6:
		add(t, PICK(f, ((const char *const[]){ "add_target_attribute ",
						      "del_target_attribute " })));
		add_name(f, t, &f->targets);
		add(t, " ");
		add(t, PICK(f, iscsi_target_params));
		add(t, " ");
		add_value_for(f, t, PICK(f, iscsi_target_params));
		break;
	case 7:
		add(t, PICK(f, ((const char *const[]){ "add_session ", "del_session " })));
		add_name(f, t, &f->targets);
		add(t, " ");
		add_name(f, t, &f->sessions);
		break;
	default:
		add_name(f, t, &f->targets);        /* README.scst's bare target name */
		break;
	}
}

static void gen_groups_cmd(struct fuzz *f, struct text *t)
{
	add(t, PICK(f, ((const char *const[]){ "create ", "del ", "create ", "add ", "" })));
	add_name(f, t, &f->groups);
}

static void add_initiator(struct fuzz *f, struct text *t)
{
	if (chance(f, 60))
		add_name(f, t, &f->initiators);
	else
		add(t, PICK(f, ((const char *const[]){ "iqn.1993-08.org.debian:01:fz", "*", "iqn.*",
						      "iqn.2026-11.org.scstd:ini?", "!x", "a/b" })));
}

static void gen_initiators_cmd(struct fuzz *f, struct text *t)
{
	switch (below(f, 6)) {
	case 0: case 1:
		add(t, "add ");
		add_initiator(f, t);
		break;
	case 2:
		add(t, "del ");
		add_initiator(f, t);
		break;
	case 3:
		add(t, "move ");
		add_initiator(f, t);
		add(t, " ");
		add_name(f, t, &f->groups);
		break;
	case 4:
		add(t, chance(f, 50) ? "clear" : "clear x");
		break;
	default:
		add_initiator(f, t);
		break;
	}
}

static void add_lun(struct fuzz *f, struct text *t)
{
	add(t, chance(f, 70) ? PICK(f, ((const char *const[]){ "0", "1", "2", "3", "7" })) :
			       PICK(f, numbers));
}

static void gen_luns_cmd(struct fuzz *f, struct text *t)
{
	static const char *const lun_keys[] = { "read_only" };

	switch (below(f, 7)) {
	case 0: case 1: case 2: case 3:
		add(t, chance(f, 70) ? "add " : "replace ");
		add_name(f, t, &f->devices);
		add(t, " ");
		add_lun(f, t);
		add(t, " ");
		add_params(f, t, lun_keys, 1);
		break;
	case 4: case 5:
		add(t, "del ");
		add_lun(f, t);
		break;
	default:
		add(t, chance(f, 70) ? "clear" : "clear 1");
		break;
	}
}

/* The current value from the snapshot, as the line "path=value". */
static bool current_value(const struct fuzz *f, const char *path, struct text *t)
{
	size_t plen = strlen(path);

	for (const char *l = f->snap.p; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (len > plen && !strncmp(l, path, plen) && l[plen] == '=') {
			/* The value's first line, as -write_config would take it. */
			const char *v = l + plen + 1, *e = strstr(v, "\\n");

			return text_add(t, v, e && e < l + len ? (size_t)(e - v) : len - plen - 1);
		}
		l = nl ? nl + 1 : l + len;
	}
	return false;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static void gen_attr_value(struct fuzz *f, struct text *t, const char *path)
{
	const char *name = base_name(path);

	if (chance(f, 30) && current_value(f, path, t))
		return;
	if (!strcmp(name, "transport_id") && chance(f, 60)) {
		add(t, "05 00 00 14 69 71 6e 2e");
		add_run(t, '0', below(f, 3) ? 2 * below(f, 20) : 1);
		return;
	}
	add_value_for(f, t, name);
}

static void gen_command(struct fuzz *f, struct text *t, const char *path)
{
	if (!strncmp(path, "handlers/", 9) && ends_with(path, "/mgmt"))
		gen_handler_cmd(f, t, path);
	else if (!strncmp(path, "targets/", 8) && !strcmp(base_name(path), "mgmt") &&
		 strchr(path + 8, '/') == strrchr(path, '/'))
		gen_driver_cmd(f, t, !strncmp(path, "targets/scst_local/", 19));
	else if (ends_with(path, "/ini_groups/mgmt"))
		gen_groups_cmd(f, t);
	else if (ends_with(path, "/initiators/mgmt"))
		gen_initiators_cmd(f, t);
	else if (ends_with(path, "/luns/mgmt"))
		gen_luns_cmd(f, t);
	else
		gen_attr_value(f, t, path);
}

/* ---- mutations of a valid command ---- */

static void insert_at(struct text *t, size_t pos, const char *s, size_t len)
{
	struct text n = { 0 };

	if (!text_add(&n, t->p, pos) || !text_add(&n, s, len) ||
	    !text_add(&n, t->p + pos, t->len - pos))
		exit(2);
	text_free(t);
	*t = n;
}

static void pad_to(struct fuzz *f, struct text *t, size_t size)
{
	char c = PICK(f, ((const char[]){ 'x', ' ', ';', '=', '9' }));

	if (t->len < size)
		add_run(t, c, size - t->len);
	t->len = size;
	t->p[size] = '\0';
}

static void mutate_once(struct fuzz *f, struct text *t)
{
	static const char specials[] = { ';', '=', ' ', '\t', '"', '\'', '\\', '\x01', '\x1b',
					 '\x7f', '\x80', '\xff', '\n', '\r', '/', '.', '0', '-' };
	size_t pos = t->len ? below(f, (unsigned)t->len + 1) : 0;
	char c;

	switch (below(f, 11)) {
	case 0:                                 /* truncated */
		t->len = pos;
		t->p[pos] = '\0';
		break;
	case 1: {                               /* an extra token */
		const char *w = chance(f, 50) ? PICK(f, numbers) : PICK(f, words);
		char buf[128];

		snprintf(buf, sizeof(buf), " %s ", w);
		insert_at(t, pos, buf, strlen(buf));
		break;
	}
	case 2:                                 /* a piece repeated (duplicate params) */
		if (t->len) {
			size_t from = below(f, (unsigned)t->len), n = 1 + below(f, (unsigned)(t->len - from));
			char *piece = strndup(t->p + from, n);

			if (!piece)
				exit(2);
			insert_at(t, pos, piece, n);
			free(piece);
		}
		break;
	case 3:                                 /* a byte gone */
		if (pos < t->len) {
			memmove(t->p + pos, t->p + pos + 1, t->len - pos);
			t->len--;
		}
		break;
	case 4: case 5:                         /* a special byte */
		c = PICK(f, specials);
		if (pos < t->len && chance(f, 50))
			t->p[pos] = c;
		else
			insert_at(t, pos, &c, 1);
		break;
	case 6:                                 /* every ';' or '=' gone */
		c = chance(f, 50) ? ';' : '=';
		for (size_t i = 0, j = 0; i <= t->len; i++)
			if (t->p[i] != c || i == t->len)
				t->p[j++] = t->p[i];
		t->len = strlen(t->p);
		break;
	case 7: {                               /* a huge or negative number */
		const char *num = PICK(f, numbers);

		insert_at(t, pos, num, strlen(num));
		break;
	}
	case 8:                                 /* around and over the size limits */
		pad_to(f, t, PICK(f, ((const size_t[]){ 255, 256, 4094, 4095, 4096, 4097, 8191, 8192,
							 9000, BIG_VALUE })));
		break;
	case 9:                                 /* empty */
		t->len = 0;
		t->p[0] = '\0';
		break;
	default:                                /* a trailing newline (echo) */
		add(t, "\n");
		break;
	}
}

/* ---- what must never be written ---- */

static bool ci_contains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(s + i, needle, n))
			return true;
	return false;
}

/* A byte every path refuses before any store runs (the control socket
 * drops a '\r' before the line's end, the stores one trailing '\n'). */
static bool has_refused_byte(const struct text *t)
{
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->p[i];

		if ((c < ' ' && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

/* iSNSServer only gets values that disable it or are refused: a valid
 * one would make the daemon resolve and dial it. */
static void tame_isns_server(struct fuzz *f, struct text *t)
{
	t->len = 0;
	t->p[0] = '\0';
	switch (below(f, 3)) {
	case 0: break;
	case 1: add(t, "\x01"); break;
	default: add_run(t, 'y', 200); break;
	}
}

/* Paths only inside the files directory; iSNS settings only refused. */
static bool safe_to_write(const struct fuzz *f, const char *path, const struct text *t)
{
	size_t flen = strlen(f->files);

	if (strstr(t->p, ".."))
		return false;
	for (size_t i = 0; i < t->len; i++) {
		if (!strncmp(t->p + i, f->files, flen) && t->p[i + flen] == '/') {
			i += flen;
			continue;
		}
		if (t->p[i] == '/')
			return false;
	}
	if (ci_contains(t->p, t->len, "isns") && !ends_with(path, "/iSNSAccessControl"))
		return has_refused_byte(t);
	/* trace_level sets the daemon's one log level: an accepted value
	 * ("none", "value 4") would silence or flood the log whose lines the
	 * fuzzer checks. */
	if (ends_with(path, "trace_level"))
		return has_refused_byte(t);
	/* A device's identity strings are writable; a changed one stays when
	 * the base configuration (which leaves them at their defaults) is
	 * applied again, so only refused values. */
	if (ends_with(path, "/t10_vend_id") || ends_with(path, "/prod_id") ||
	    ends_with(path, "/prod_rev_lvl") || ends_with(path, "/t10_dev_id") ||
	    ends_with(path, "/usn"))
		return has_refused_byte(t);
	/* No driver takes an attribute back (del_attribute): one added would
	 * keep the base from being restored. */
	if (ci_contains(t->p, t->len, "add_attribute") && !has_refused_byte(t))
		return false;
	return true;
}

/* ---- delivery ---- */

static int reconnect(struct fuzz *f)
{
	char err[256];

	tree_close(f->t);
	for (int i = 0; i < 50; i++) {
		f->t = tree_open_socket(f->sock, err, sizeof(err));
		if (f->t)
			return 0;
		usleep(100 * 1000);
	}
	fprintf(stderr, "mgmt_fuzz: %s\n", err);
	return -1;
}

/* The server takes one client at a time: the tree connection is closed
 * meanwhile.  Only the reply's first line matters. */
static int write_raw(struct fuzz *f, const char *path, const struct text *v, char *err,
		     size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char reply[1024];
	struct text req = { 0 };
	ssize_t n;
	size_t got = 0;
	int fd, rc = -EIO;

	tree_close(f->t);
	f->t = NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect: %s", strerror(errno));
		goto out;
	}
	add(&req, "write ");
	add(&req, path);
	add(&req, " ");
	if (!text_add(&req, v->p, v->len))
		exit(2);
	add(&req, "\n");
	for (size_t off = 0; off < req.len; off += (size_t)n) {
		n = write(fd, req.p + off, req.len - off);
		if (n <= 0)
			break;          /* the daemon may close on an over-long line */
	}
	shutdown(fd, SHUT_WR);
	while (got < sizeof(reply) - 1 && (n = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (!strncmp(reply, "ok ", 3)) {
		rc = 0;
	} else if (!strncmp(reply, "err ", 4)) {
		char *msg = strchr(reply + 4, ' ');

		snprintf(err, errlen, "%s", msg ? msg + 1 : "");
		rc = !strncmp(reply + 4, "EAGAIN ", 7) ? -EAGAIN : -EINVAL;
	} else {
		snprintf(err, errlen, "no reply (%zu bytes)", got);
	}
out:
	if (fd >= 0)
		close(fd);
	text_free(&req);
	if (reconnect(f) < 0)
		return -EPIPE;
	return rc;
}

/* `echo CMD >file`: one write(2) after an O_TRUNC open; now and then
 * `echo CMD >>file`, which writes at the file's end, not at offset 0. */
static int write_mount(struct fuzz *f, const char *path, const struct text *v, char *err,
		       size_t errlen)
{
	int mode = chance(f, 5) ? O_APPEND : O_TRUNC;
	char full[4096];
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "%s/%s", f->mount, path);
	fd = open(full, O_WRONLY | mode | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return -errno;
	}
	n = write(fd, v->p, v->len);
	if (n < 0) {
		int e = errno;

		snprintf(err, errlen, "write: %s", strerror(e));
		close(fd);
		return -e;
	}
	close(fd);
	return (size_t)n == v->len ? 0 : -EIO;
}

/* A write that outlasted its caller: its result comes later. */
static int wait_result(struct fuzz *f, char *err, size_t errlen)
{
	char *v = NULL;
	int rc;

	for (int i = 0; i < 300; i++) {
		rc = tree_read(f->t, "last_sysfs_mgmt_res", &v, err, errlen);
		if (rc != -EAGAIN)
			break;
		usleep(100 * 1000);
	}
	if (rc < 0)
		return rc;
	rc = (int)strtol(v, NULL, 10);
	free(v);
	return rc;
}

static int deliver(struct fuzz *f, enum via via, const char *path, const struct text *v,
		   char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	if (via == VIA_MOUNT)
		rc = write_mount(f, path, v, err, errlen);
	else if (via == VIA_RAW)
		rc = write_raw(f, path, v, err, errlen);
	else
		rc = tree_write(f->t, path, v->p, err, errlen);
	if (rc == -EAGAIN && via != VIA_SOCKET)
		rc = wait_result(f, err, errlen);
	return rc;
}

/* ---- the checks ---- */

static void print_escaped(FILE *out, const char *s, size_t len)
{
	size_t shown = len > 200 ? 200 : len;

	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < ' ' || c >= 0x7f || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	if (shown < len)
		fprintf(out, "...(%zu bytes)", len);
}

static void violation(struct fuzz *f, unsigned iter, enum via via, const char *path,
		      const struct text *v, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void violation(struct fuzz *f, unsigned iter, enum via via, const char *path,
		      const struct text *v, const char *fmt, ...)
{
	va_list ap;

	f->violations++;
	printf("VIOLATION seed %" PRIu64 " write %u via %s: %s <- '", f->seed, iter,
	       via_names[via], path);
	print_escaped(stdout, v->p, v->len);
	printf("': ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* The lines of a that b lacks, for the report. */
static void print_missing_lines(const char *tag, const struct text *a, const struct text *b)
{
	unsigned shown = 0;

	for (const char *l = a->p; *l && shown < 10;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);
		bool found = false;

		for (const char *m = b->p; *m && !found;) {
			const char *mnl = strchr(m, '\n');
			size_t mlen = mnl ? (size_t)(mnl - m + 1) : strlen(m);

			found = mlen == len && !memcmp(l, m, len);
			m += mlen;
		}
		if (!found) {
			printf("#   %s %.*s", tag, (int)(nl ? len - 1 : len), l);
			printf("\n");
			shown++;
		}
		l += len;
	}
}

static off_t log_size(const struct fuzz *f)
{
	struct stat st;

	return stat(f->log, &st) == 0 ? st.st_size : 0;
}

/* Lines the daemon logged since off. */
static unsigned log_lines_since(const struct fuzz *f, off_t off, char *first, size_t len)
{
	FILE *fp = fopen(f->log, "r");
	char line[2048];
	unsigned n = 0;

	first[0] = '\0';
	if (!fp)
		return 0;
	if (fseeko(fp, off, SEEK_SET) == 0)
		while (fgets(line, sizeof(line), fp)) {
			if (!n)
				snprintf(first, len, "%.200s", line);
			n++;
		}
	fclose(fp);
	first[strcspn(first, "\n")] = '\0';
	return n;
}

/* ---- the tree's current state ---- */

static void names_clear(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	n->n = 0;
}

static void names_add(struct names *n, const char *s, size_t len)
{
	if (n->n < MAX_NAMES && (n->v[n->n] = strndup(s, len)))
		n->n++;
}

/* Component k (0-based) of a snapshot line, up to '/', '=' or the end. */
static bool component(const char *line, size_t len, unsigned k, const char **s, size_t *n)
{
	const char *p = line, *end = line + len;

	for (unsigned i = 0; i < k; i++) {
		p = memchr(p, '/', (size_t)(end - p));
		if (!p)
			return false;
		p++;
	}
	*s = p;
	*n = strcspn(p, "/=\n");
	if (p + *n > end)
		*n = (size_t)(end - p);
	return *n > 0;
}

static unsigned depth(const char *line, size_t len)
{
	unsigned d = 0;

	for (size_t i = 0; i < len && line[i] != '='; i++)
		d += line[i] == '/';
	return d;
}

/* Names of devices, targets, groups, initiators and sessions, from the
 * snapshot's directory lines. */
static void collect_names(struct fuzz *f)
{
	names_clear(&f->devices);
	names_clear(&f->targets);
	names_clear(&f->groups);
	names_clear(&f->initiators);
	names_clear(&f->sessions);
	for (const char *l = f->snap.p; *l;) {
		const char *nl = strchr(l, '\n'), *s;
		size_t len = nl ? (size_t)(nl - l) : strlen(l), n;
		unsigned d = depth(l, len);
		bool dir = len && l[len - 1] == '/';

		if (dir && d == 2 && !strncmp(l, "devices/", 8) && component(l, len, 1, &s, &n))
			names_add(&f->devices, s, n);
		else if (dir && d == 3 && !strncmp(l, "targets/", 8) && component(l, len, 2, &s, &n))
			names_add(&f->targets, s, n);
		else if (dir && d == 5 && strstr(l, "/ini_groups/") && component(l, len, 4, &s, &n))
			names_add(&f->groups, s, n);
		else if (dir && d == 5 && strstr(l, "/sessions/") && component(l, len, 4, &s, &n))
			names_add(&f->sessions, s, n);
		else if (!dir && d == 6 && strstr(l, "/initiators/") && !strstr(l, " (mgmt)") &&
			 component(l, len, 6, &s, &n))
			names_add(&f->initiators, s, n);
		l = nl ? nl + 1 : l + len;
	}
}

static int take_snapshot(struct fuzz *f, struct text *out)
{
	char err[512] = "";
	int rc = tree_snapshot(f->t, out, err, sizeof(err));

	if (rc == -EIO && reconnect(f) == 0)
		rc = tree_snapshot(f->t, out, err, sizeof(err));
	if (rc < 0)
		printf("# snapshot failed: %s\n", err[0] ? err : strerror(-rc));
	return rc;
}

static int refresh_paths(struct fuzz *f)
{
	char err[512] = "";
	int rc;

	tree_paths_free(f->paths, f->npaths);
	f->paths = NULL;
	f->npaths = 0;
	rc = tree_writable(f->t, &f->paths, &f->npaths, err, sizeof(err));
	if (rc < 0)
		printf("# listing the writable files failed: %s\n", err);
	collect_names(f);
	return rc;
}

static int restore_base(struct fuzz *f)
{
	int rc;

	if (!f->restore)
		return 0;
	tree_close(f->t);
	f->t = NULL;
	fflush(stdout);
	rc = system(f->restore);
	if (reconnect(f) < 0)
		return -1;
	if (rc != 0)
		printf("# restore command failed (status %d): %s\n", rc, f->restore);
	if (take_snapshot(f, &f->snap) < 0 || refresh_paths(f) < 0)
		return -1;
	return rc == 0 ? 0 : -1;
}

/* ---- one write ---- */

static enum via choose_via(struct fuzz *f, const struct text *v)
{
	/* A newline ends a request line of the socket: the mount takes it. */
	if (f->mount && (chance(f, f->mount_share) || memchr(v->p, '\n', v->len)))
		return VIA_MOUNT;
	if (v->len >= SOCK_LINE_MAX || memchr(v->p, '\n', v->len))
		return VIA_RAW;
	return VIA_SOCKET;
}

static void check_refused(struct fuzz *f, unsigned iter, enum via via, const char *path,
			  const struct text *v, const char *err, off_t log_off,
			  const struct text *after)
{
	char first[256];
	unsigned lines = log_lines_since(f, log_off, first, sizeof(first));

	if (after->len != f->snap.len || memcmp(after->p, f->snap.p, after->len)) {
		violation(f, iter, via, path, v, "refused (%s) but the configuration changed",
			  err);
		print_missing_lines("before:", &f->snap, after);
		print_missing_lines("after: ", after, &f->snap);
	}
	if (!err[0])
		violation(f, iter, via, path, v, "refused without a message");
	if (lines == 0)
		violation(f, iter, via, path, v, "refused (%s) without a line in the log", err);
	else if (f->verbose)
		printf("#   log: %s\n", first);
}

/* Both snapshots list the same entries (values aside): the writable
 * files are the same, and listing them again would only cost time. */
static bool same_entries(const struct text *a, const struct text *b)
{
	const char *p = a->p, *q = b->p;

	while (*p && *q) {
		size_t kp = strcspn(p, "=\n"), kq = strcspn(q, "=\n");

		if (kp != kq || memcmp(p, q, kp))
			return false;
		p = strchr(p, '\n');
		q = strchr(q, '\n');
		if (!p || !q)
			return !p && !q;
		p++;
		q++;
	}
	return !*p && !*q;
}

/* Half of the writes go to mgmt files: their parsers do the most. */
static const char *pick_path(struct fuzz *f)
{
	const char *p = f->paths[below(f, (unsigned)f->npaths)];

	for (unsigned tries = 0; chance(f, 50) && tries < 20; tries++) {
		if (!strcmp(base_name(p), "mgmt"))
			break;
		p = f->paths[below(f, (unsigned)f->npaths)];
	}
	return p;
}

/* Writes one mutation; false when the daemon is gone. */
static bool fuzz_one(struct fuzz *f, unsigned iter)
{
	struct text v = { 0 }, after = { 0 };
	char err[512];
	const char *path;
	enum via via;
	off_t log_off;
	int rc;

	if (!f->npaths)
		return false;
	path = pick_path(f);
	add(&v, "");
	gen_command(f, &v, path);
	for (unsigned m = chance(f, 55) ? 1 + below(f, 3) : 0; m; m--)
		mutate_once(f, &v);
	if (ci_contains(path, strlen(path), "isnsserver"))
		tame_isns_server(f, &v);
	if (!safe_to_write(f, path, &v)) {
		f->filtered++;
		text_free(&v);
		return true;
	}
	via = choose_via(f, &v);
	if (f->verbose) {
		printf("# %u %s %s <- '", iter, via_names[via], path);
		print_escaped(stdout, v.p, v.len);
		printf("'\n");
		fflush(stdout);
	}
	log_off = log_size(f);
	rc = deliver(f, via, path, &v, err, sizeof(err));
	f->writes++;
	f->by_via[via]++;
	if (rc == -EPIPE || !f->t || take_snapshot(f, &after) < 0) {
		violation(f, iter, via, path, &v, "the daemon no longer answers (%s)", err);
		text_free(&v);
		text_free(&after);
		return false;
	}
	if (rc < 0) {
		f->refused++;
		check_refused(f, iter, via, path, &v, err, log_off, &after);
	} else {
		f->accepted++;
	}
	if (after.len != f->snap.len || memcmp(after.p, f->snap.p, after.len)) {
		bool relist = !same_entries(&after, &f->snap);

		text_free(&f->snap);
		f->snap = after;
		after = (struct text){ 0 };
		if (relist)
			refresh_paths(f);
	}
	text_free(&v);
	text_free(&after);
	return true;
}

static int parse_args(int argc, char **argv, struct fuzz *f)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "mount", required_argument, NULL, 'm' },
		{ "files", required_argument, NULL, 'F' }, { "log", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 'S' }, { "iterations", required_argument, NULL, 'n' },
		{ "mount-share", required_argument, NULL, 'p' },
		{ "restore", required_argument, NULL, 'r' },
		{ "restore-every", required_argument, NULL, 'R' },
		{ "keep-going", no_argument, NULL, 'k' }, { "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	f->iterations = 200;
	f->mount_share = 30;
	f->restore_every = 100;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': f->sock = optarg; break;
		case 'm': f->mount = optarg; break;
		case 'F': f->files = optarg; break;
		case 'l': f->log = optarg; break;
		case 'S': f->seed = strtoull(optarg, NULL, 0); break;
		case 'n': f->iterations = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'p': f->mount_share = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': f->restore = optarg; break;
		case 'R': f->restore_every = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'k': f->keep_going = true; break;
		case 'v': f->verbose = true; break;
		default: return -1;
		}
	}
	if (!f->sock || !f->files || !f->log || f->files[0] != '/' || optind != argc) {
		fprintf(stderr, "usage: mgmt_fuzz --socket PATH --files ABSDIR --log FILE "
				"[--mount DIR] [--seed N] [--iterations N] [--mount-share PCT] "
				"[--restore CMD] [--restore-every N] [--keep-going] [--verbose]\n");
		return -1;
	}
	f->rng.s = f->seed;
	return 0;
}

int main(int argc, char **argv)
{
	struct fuzz f = { 0 };
	char err[256];
	unsigned i;

	/* Whatever happens, the report so far is in the output; the daemon
	 * closing on an over-long line is an answer, not a reason to die. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &f) < 0)
		return 2;
	f.t = tree_open_socket(f.sock, err, sizeof(err));
	if (!f.t) {
		fprintf(stderr, "mgmt_fuzz: %s\n", err);
		return 2;
	}
	if (take_snapshot(&f, &f.snap) < 0 || refresh_paths(&f) < 0)
		return 2;
	printf("# seed %" PRIu64 ": %zu writable files\n", f.seed, f.npaths);
	for (i = 0; i < f.iterations; i++) {
		if (!fuzz_one(&f, i))
			break;
		if (f.violations && !f.keep_going)
			break;
		if (f.restore_every && (i + 1) % f.restore_every == 0 && restore_base(&f) < 0) {
			f.violations++;
			break;
		}
	}
	printf("# seed %" PRIu64 ": %u writes (%u socket, %u raw, %u mount), %u refused, "
	       "%u accepted, %u filtered, %u violations\n", f.seed, f.writes,
	       f.by_via[VIA_SOCKET], f.by_via[VIA_RAW], f.by_via[VIA_MOUNT], f.refused,
	       f.accepted, f.filtered, f.violations);
	tree_paths_free(f.paths, f.npaths);
	names_clear(&f.devices);
	names_clear(&f.targets);
	names_clear(&f.groups);
	names_clear(&f.initiators);
	names_clear(&f.sessions);
	text_free(&f.snap);
	tree_close(f.t);
	return f.violations || i < f.iterations ? 1 : 0;
}
