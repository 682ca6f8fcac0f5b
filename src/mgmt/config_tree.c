/* config_tree.c - scstd's configuration at start and on reload: the
 * scst.conf is parsed (conf/conf_parse.c) and applied by the algorithm
 * scstadmin uses too (conf/conf_apply.c) through direct calls on the
 * management tree, so the daemon and the tool configure the same way,
 * through the same mgmt commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/config.h"
#include "mgmt/tree.h"

static void list_into(void *ctx, const char *name, enum mgmt_kind kind, bool writable)
{
	static const enum tkind kinds[] = { [MGMT_DIR] = TK_DIR, [MGMT_ATTR] = TK_ATTR,
					    [MGMT_LINK] = TK_LINK, [MGMT_MGMT] = TK_ATTR };

	(void)writable;
	/* An allocation failure drops an entry; the apply then fails on it. */
	tlist_add(ctx, name, strlen(name), kinds[kind]);
}

static int local_list(const char *path, struct tlist *out, char *err, size_t errlen)
{
	return mgmt_list(path, list_into, out, err, errlen);
}

static int local_show(const char *path, char **out, bool link, char *err, size_t errlen)
{
	struct mgmt_buf b = { .cap = MGMT_MAX_VALUE * 4 };
	int rc;

	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	b.p[0] = '\0';
	rc = link ? mgmt_readlink(path, &b, err, errlen) : mgmt_read(path, &b, err, errlen);
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	return 0;
}

static int local_read(const char *path, char **out, char *err, size_t errlen)
{
	return local_show(path, out, false, err, errlen);
}

static int local_readlink(const char *path, char **out, char *err, size_t errlen)
{
	return local_show(path, out, true, err, errlen);
}

static int local_stat(const char *path, enum tkind *kind, bool *writable)
{
	char err[256];
	enum mgmt_kind k;
	int rc = mgmt_stat(path, &k, writable, err, sizeof(err));

	if (rc == 0)
		*kind = k == MGMT_DIR ? TK_DIR : k == MGMT_LINK ? TK_LINK : TK_ATTR;
	return rc;
}

static const struct tree_backend local_backend = {
	.list = local_list,
	.read = local_read,
	.readlink = local_readlink,
	.write = mgmt_write,
	.stat = local_stat,
};

static int apply_with(const struct cfg_node *root, const struct apply_opts *o, char *err,
		      size_t errlen)
{
	struct tree *t = tree_open_backend(&local_backend);
	int rc;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = conf_apply(t, root, o, err, errlen);
	tree_close(t);
	return rc;
}

int cfg_apply(const struct cfg_node *root, char *err, size_t errlen)
{
	struct apply_opts o = { .force = true };

	return apply_with(root, &o, err, errlen);
}

int cfg_apply_changes(const struct cfg_node *root, char *err, size_t errlen)
{
	struct apply_opts o = { .keep_unlisted_targets = true };

	return apply_with(root, &o, err, errlen);
}
