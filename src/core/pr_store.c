/* pr_store.c - persistent reservations on disk: one small text file per
 * device in the PR directory (DIR/DEVICE, default /var/lib/scst/pr) plus
 * the previous state as DIR/DEVICE.1, written so that a crash at any
 * instant leaves the old or the new state loadable (temp file, fsync,
 * current -> .1, temp -> current, directory fsync), and parsed as hostile
 * input on load.
 *
 * Format (one item per line, single spaces, '\n' line ends):
 *   scstd-pr 2
 *   generation <u32>
 *   aptpl <0|1>
 *   type <0|1|3|5|6|7|8>
 *   reg <key, 0x hex> <rel_tgt_id> <holder 0|1> <all_tg_pt 0|1> <initiator name>
 *   spc2 <rel_tgt_id> <initiator name>   (a shared device's SPC-2 RESERVE
 *                                         holder; never in a file)
 * Version 1 files (written before ALL_TG_PT existed) have no all_tg_pt
 * token and still load.  Anything else, or a state SPC-4 does not allow
 * (a reservation without a holder, two holders, a nexus registered twice),
 * rejects the whole file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pr.h"
#include "util/write_all.h"
#include "scst_priv.h"
#include "util/mkdir_p.h"

#define PR_FILE_MAX (256u * 1024)
#define PR_LINE_MAX (SCST_NAME_MAX + 64)

static char state_dir[PATH_MAX];

void scst_set_state_dir(const char *path)
{
	if (!path || strlen(path) >= sizeof(state_dir))
		state_dir[0] = '\0';
	else
		memcpy(state_dir, path, strlen(path) + 1);
}

bool scst_pr_store_path(const char *dev_name, char *path, size_t len)
{
	int n;

	if (!state_dir[0] || !scst_name_valid(dev_name))
		return false;
	n = snprintf(path, len, "%s/%s", state_dir, dev_name);
	return n > 0 && (size_t)n < len;
}

/* The backup ".1" next to path. */
static bool backup_path(const char *path, char *out, size_t len)
{
	int n = snprintf(out, len, "%s.1", path);

	return n > 0 && (size_t)n < len;
}

/* An unsigned decimal or 0x-hex number filling the whole token. */
static bool parse_u64(const char *tok, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (tok[0] < '0' || tok[0] > '9')
		return false;           /* strtoull would take "-1" and " 1" */
	errno = 0;
	v = strtoull(tok, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool initiator_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SCST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f)
			return false;
	return true;
}

/* Splits line into at most max space-separated tokens; false on empty
 * tokens (double spaces) or too many. */
static int split(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		tok[n++] = p;
		p = strchr(p, ' ');
		if (!p)
			return n;
		*p++ = '\0';
		if (!*p || *p == ' ')
			return -1;
	}
	return -1;
}

struct parse_state {
	struct scst_pr *pr;
	unsigned version;
	bool seen_gen, seen_aptpl, seen_type;
	unsigned holders;
	struct scst_pr_reg *holder;
};

static int perr(char *err, size_t errlen, unsigned lineno, const char *what)
{
	scst_errf(err, errlen, "line %u: %s", lineno, what);
	return -EINVAL;
}

/* A "reg" line's tokens after the keyword: key, port, holder flag, the
 * ALL_TG_PT flag (NULL in version 1) and the initiator. */
static int parse_reg(struct parse_state *st, char **tok, const char *atp_tok, const char *name,
		     unsigned lineno, char *err, size_t errlen)
{
	uint64_t key, id, holder, atp = 0;
	struct scst_pr_nexus nx;
	struct scst_pr_reg *reg;

	if (!parse_u64(tok[0], UINT64_MAX, &key) || key == 0)
		return perr(err, errlen, lineno, "bad reservation key");
	if (!parse_u64(tok[1], UINT16_MAX, &id) || id == 0)
		return perr(err, errlen, lineno, "bad relative target port id");
	if (!parse_u64(tok[2], 1, &holder))
		return perr(err, errlen, lineno, "bad holder flag");
	if (atp_tok && !parse_u64(atp_tok, 1, &atp))
		return perr(err, errlen, lineno, "bad all_tg_pt flag");
	if (!initiator_valid(name))
		return perr(err, errlen, lineno, "bad initiator name");
	nx.initiator = name;
	nx.rel_tgt_id = (uint16_t)id;
	if (atp ? scst_pr_find_initiator(st->pr, name) != NULL : scst_pr_find_reg(st->pr, &nx) != NULL)
		return perr(err, errlen, lineno, "nexus registered twice");
	reg = scst_pr_add_reg(st->pr, name, (uint16_t)id, key);
	if (!reg)
		return perr(err, errlen, lineno, "too many registrations");
	reg->all_tg_pt = atp;
	if (holder) {
		st->holders++;
		st->holder = reg;
	}
	return 0;
}

static int parse_spc2(struct parse_state *st, const char *port, const char *name,
		      unsigned lineno, char *err, size_t errlen)
{
	uint64_t id;

	if (st->pr->spc2_initiator[0])
		return perr(err, errlen, lineno, "repeated spc2 holder");
	if (!parse_u64(port, UINT16_MAX, &id) || id == 0)
		return perr(err, errlen, lineno, "bad relative target port id");
	if (!initiator_valid(name))
		return perr(err, errlen, lineno, "bad initiator name");
	memcpy(st->pr->spc2_initiator, name, strlen(name) + 1);
	st->pr->spc2_rel_tgt_id = (uint16_t)id;
	return 0;
}

static int parse_line(struct parse_state *st, char *line, unsigned lineno, char *err,
		      size_t errlen)
{
	char *tok[6];
	int n = split(line, tok, 6);
	uint64_t v;

	if (n == 5 && st->version == 1 && !strcmp(tok[0], "reg"))
		return parse_reg(st, tok + 1, NULL, tok[4], lineno, err, errlen);
	if (n == 6 && st->version == 2 && !strcmp(tok[0], "reg"))
		return parse_reg(st, tok + 1, tok[4], tok[5], lineno, err, errlen);
	if (n == 3 && st->version == 2 && !strcmp(tok[0], "spc2"))
		return parse_spc2(st, tok[1], tok[2], lineno, err, errlen);
	if (n != 2)
		return perr(err, errlen, lineno, "malformed line");
	if (!strcmp(tok[0], "generation") && !st->seen_gen && parse_u64(tok[1], UINT32_MAX, &v)) {
		st->pr->generation = (uint32_t)v;
		st->seen_gen = true;
	} else if (!strcmp(tok[0], "aptpl") && !st->seen_aptpl && parse_u64(tok[1], 1, &v)) {
		st->pr->aptpl = v;
		st->seen_aptpl = true;
	} else if (!strcmp(tok[0], "type") && !st->seen_type && parse_u64(tok[1], 8, &v) &&
		   (v == 0 || scst_pr_type_valid((unsigned)v))) {
		st->pr->type = (uint8_t)v;
		st->seen_type = true;
	} else {
		return perr(err, errlen, lineno, "unknown, repeated or invalid item");
	}
	return 0;
}

/* The first line: "scstd-pr 1" or "scstd-pr 2". */
static int parse_header(struct parse_state *st, const char *line, char *err, size_t errlen)
{
	if (!strcmp(line, "scstd-pr 1"))
		st->version = 1;
	else if (!strcmp(line, "scstd-pr 2"))
		st->version = 2;
	else
		return perr(err, errlen, 1, "not a version 1 or 2 file");
	return 0;
}

/* The reservation must be one SPC-4 allows. */
static int check_state(struct parse_state *st, char *err, size_t errlen)
{
	struct scst_pr *pr = st->pr;

	if (!st->seen_gen || !st->seen_aptpl || !st->seen_type) {
		scst_errf(err, errlen, "generation, aptpl or type missing");
		return -EINVAL;
	}
	if (pr->type == SCST_PR_TYPE_NONE || scst_pr_type_all_registrants(pr->type)) {
		if (st->holders) {
			scst_errf(err, errlen, "holder without a single-holder reservation");
			return -EINVAL;
		}
		if (pr->type != SCST_PR_TYPE_NONE && !pr->nregs) {
			scst_errf(err, errlen, "reservation without registrants");
			return -EINVAL;
		}
		return 0;
	}
	if (st->holders != 1) {
		scst_errf(err, errlen, "reservation needs exactly one holder");
		return -EINVAL;
	}
	pr->holder = st->holder;
	return 0;
}

int scst_pr_store_parse(const char *text, size_t len, struct scst_pr *pr, char *err,
			size_t errlen)
{
	struct parse_state st = { .pr = pr };
	char line[PR_LINE_MAX + 1];
	unsigned lineno = 0;
	size_t pos = 0;
	int rc = 0;

	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n;

		lineno++;
		if (!nl) {
			rc = perr(err, errlen, lineno, "unterminated line");
			break;
		}
		n = (size_t)(nl - (text + pos));
		if (n > PR_LINE_MAX || memchr(text + pos, '\0', n)) {
			rc = perr(err, errlen, lineno, "line too long or binary");
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (lineno == 1)
			rc = parse_header(&st, line, err, errlen);
		else
			rc = parse_line(&st, line, lineno, err, errlen);
	}
	if (rc == 0 && lineno == 0)
		rc = perr(err, errlen, 0, "empty file");
	if (rc == 0)
		rc = check_state(&st, err, errlen);
	if (rc < 0)
		scst_pr_state_clear(pr);
	return rc;
}

char *scst_pr_store_format(const struct scst_pr *pr)
{
	const struct scst_pr_reg *reg;
	size_t size = 96 + (size_t)(pr->nregs + 1) * PR_LINE_MAX, off;
	char *buf = malloc(size);

	if (!buf)
		return NULL;
	off = (size_t)snprintf(buf, size, "scstd-pr 2\ngeneration %" PRIu32 "\naptpl %d\ntype %u\n",
			       pr->generation, pr->aptpl ? 1 : 0, pr->type);
	list_for_each_entry(reg, &pr->regs, node)
		off += (size_t)snprintf(buf + off, size - off, "reg 0x%" PRIx64 " %u %d %d %s\n",
					reg->key, reg->rel_tgt_id, pr->holder == reg ? 1 : 0,
					reg->all_tg_pt ? 1 : 0, reg->initiator);
	if (pr->spc2_initiator[0])
		snprintf(buf + off, size - off, "spc2 %u %s\n", pr->spc2_rel_tgt_id,
			 pr->spc2_initiator);
	return buf;
}

/* The rename is durable only once the directory is synced. */
static void sync_dir(void)
{
	int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Writes text to tmp and makes it durable; 0 or -errno. */
static int write_temp(const char *tmp, const char *text)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return -errno;
	rc = write_all(fd, text, strlen(text));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Order matters for kill -9 at any point: until the last rename the old
 * state is the current file or, between the renames, the backup, which
 * load falls back to. */
int scst_pr_store_save(const struct scst_pr *pr, const char *path)
{
	char tmp[PATH_MAX + 8], bak[PATH_MAX + 8];
	char *text;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    !backup_path(path, bak, sizeof(bak)))
		return -ENAMETOOLONG;
	rc = mkdir_p(state_dir, 0700);
	if (rc < 0)
		return rc;
	text = scst_pr_store_format(pr);
	if (!text)
		return -ENOMEM;
	rc = write_temp(tmp, text);
	free(text);
	if (rc == 0 && rename(path, bak) < 0 && errno != ENOENT)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	else
		sync_dir();
	return rc;
}

int scst_pr_store_remove(const char *path)
{
	char bak[PATH_MAX + 8];
	int rc = 0;

	/* Current first: a crash in between leaves the backup, an older
	 * state, never a newer one. */
	if (unlink(path) < 0 && errno != ENOENT)
		rc = -errno;
	if (backup_path(path, bak, sizeof(bak)) && unlink(bak) < 0 && errno != ENOENT && !rc)
		rc = -errno;
	if (rc == 0)
		sync_dir();
	return rc;
}

static int load_one(const char *path, struct scst_pr *pr, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text;
	ssize_t n;
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)PR_FILE_MAX) {
		close(fd);
		scst_errf(err, errlen, "not a regular file of at most %u bytes", PR_FILE_MAX);
		return -EINVAL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, text, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(text);
		scst_errf(err, errlen, "short read");
		return -EIO;
	}
	rc = scst_pr_store_parse(text, (size_t)n, pr, err, errlen);
	free(text);
	return rc;
}

int scst_pr_store_load(const char *path, struct scst_pr *pr, char *err, size_t errlen,
		       bool *from_backup)
{
	char bak[PATH_MAX + 8], bak_err[128];
	int rc = load_one(path, pr, err, errlen), rc_bak;

	*from_backup = false;
	if (rc == 0 || (rc != -ENOENT && rc != -EINVAL) || !backup_path(path, bak, sizeof(bak)))
		return rc;
	rc_bak = load_one(bak, pr, bak_err, sizeof(bak_err));
	if (rc_bak == 0) {
		*from_backup = true;
		return 0;
	}
	return rc;
}
