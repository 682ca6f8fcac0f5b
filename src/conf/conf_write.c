/* conf_write.c - writes a configuration in the scst.conf grammar: tabs
 * for nesting, a blank line between top-level blocks, values quoted when
 * they hold blanks or grammar characters.  The same tree always gives the
 * same bytes. */
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

/* Quotes group blanks and braces; a backslash, '#' and '"' are escaped
 * with a backslash wherever they are, as SCST's scstadmin writes them
 * (escapeMeta), because its reader drops everything after an unescaped
 * '#', even inside quotes. */
static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (strchr(" \t{}", *s))
			return true;
	return false;
}

static void write_word(FILE *f, const char *s)
{
	bool q = needs_quotes(s);

	if (q)
		fputc('"', f);
	for (; *s; s++) {
		if (strchr("\"\\#", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
	if (q)
		fputc('"', f);
}

static void write_node(FILE *f, const struct cfg_node *n, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc('\t', f);
	fputs(n->key, f);
	/* An attribute's value is one word, quoted as a whole when needed. */
	if (conf_is_attr(n) && n->nargs > 1) {
		char *v = conf_value(n);

		fputc(' ', f);
		write_word(f, v ? v : "");
		free(v);
	} else {
		for (size_t i = 0; i < n->nargs; i++) {
			fputc(' ', f);
			write_word(f, n->args[i]);
		}
	}
	if (!n->nchildren) {
		fputc('\n', f);
		return;
	}
	fputs(" {\n", f);
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];

		if (i && c->nchildren && !conf_is_attr(c) && !n->children[i - 1]->nchildren)
			fputc('\n', f);
		write_node(f, c, depth + 1);
	}
	for (int i = 0; i < depth; i++)
		fputc('\t', f);
	fputs("}\n", f);
}

int conf_write(FILE *f, const struct cfg_node *root)
{
	fputs("# Written by scstadmin\n", f);
	for (size_t i = 0; i < root->nchildren; i++) {
		if (i == 0 || root->children[i]->nchildren)
			fputc('\n', f);
		write_node(f, root->children[i], 0);
	}
	return ferror(f) ? -1 : 0;
}
