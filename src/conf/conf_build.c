/* conf_build.c - building, searching and ordering cfg_node trees: the
 * configuration model scstadmin saves, compares and writes. */
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

struct cfg_node *conf_new(const char *key)
{
	struct cfg_node *n = calloc(1, sizeof(*n));

	if (n && key && !(n->key = strdup(key))) {
		free(n);
		return NULL;
	}
	return n;
}

struct cfg_node *conf_add(struct cfg_node *parent, const char *key)
{
	struct cfg_node *n = conf_new(key), **c;

	if (!n)
		return NULL;
	c = realloc(parent->children, (parent->nchildren + 1) * sizeof(*c));
	if (!c) {
		cfg_free(n);
		return NULL;
	}
	parent->children = c;
	c[parent->nchildren++] = n;
	parent->has_block = parent->key != NULL;
	return n;
}

int conf_arg(struct cfg_node *n, const char *arg)
{
	char **a = realloc(n->args, (n->nargs + 1) * sizeof(*a));

	if (!a)
		return -1;
	n->args = a;
	if (!(a[n->nargs] = strdup(arg)))
		return -1;
	n->nargs++;
	return 0;
}

struct cfg_node *conf_find(const struct cfg_node *n, const char *key, const char *arg)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		struct cfg_node *c = n->children[i];

		if (strcmp(c->key, key))
			continue;
		if (!arg || (c->nargs && !strcmp(c->args[0], arg)))
			return c;
	}
	return NULL;
}

char *conf_value(const struct cfg_node *n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n->nargs; i++)
		len += strlen(n->args[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n->nargs; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, n->args[i]);
	}
	return s;
}

static const char *const structure_words[] = {
	"HANDLER", "DEVICE", "TARGET_DRIVER", "TARGET", "LUN", "GROUP", "INITIATOR",
	"DEVICE_GROUP", "TARGET_GROUP", NULL
};

bool conf_is_attr(const struct cfg_node *n)
{
	for (const char *const *w = structure_words; *w; w++)
		if (!strcmp(n->key, *w))
			return false;
	return !n->has_block;
}

static int rank(const struct cfg_node *n)
{
	if (conf_is_attr(n))
		return 0;
	if (!strcmp(n->key, "INITIATOR"))
		return 3;
	if (!strcmp(n->key, "LUN"))
		return 1;
	/* After the handlers and drivers they refer to, as SCST writes them. */
	if (!strcmp(n->key, "DEVICE_GROUP"))
		return 4;
	return 2;
}

static int cmp_child(const void *pa, const void *pb)
{
	const struct cfg_node *a = *(const struct cfg_node *const *)pa;
	const struct cfg_node *b = *(const struct cfg_node *const *)pb;
	int d = rank(a) - rank(b);

	if (d)
		return d;
	d = strcmp(a->key, b->key);
	if (d || rank(a) == 0)
		return d ? d : (a->line > b->line) - (a->line < b->line);
	if (!a->nargs || !b->nargs)
		return (int)a->nargs - (int)b->nargs;
	if (!strcmp(a->key, "LUN"))
		return (int)(strtoul(a->args[0], NULL, 10) > strtoul(b->args[0], NULL, 10)) -
		       (int)(strtoul(a->args[0], NULL, 10) < strtoul(b->args[0], NULL, 10));
	return strcmp(a->args[0], b->args[0]);
}

void conf_sort(struct cfg_node *n)
{
	/* Attributes keep their order through the line number: saved
	 * attributes are numbered as they are added. */
	if (n->nchildren > 1)
		qsort(n->children, n->nchildren, sizeof(n->children[0]), cmp_child);
	for (size_t i = 0; i < n->nchildren; i++)
		conf_sort(n->children[i]);
}
