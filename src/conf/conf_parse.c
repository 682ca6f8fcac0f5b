/* conf_parse.c - tokenizer and parser for the scst.conf grammar.
 *
 * The grammar is line oriented: a statement is a keyword and its arguments
 * up to the end of the line, optionally followed by a `{ ... }` block of
 * nested statements.  `#` starts a comment, double quotes group words, and
 * a backslash makes the next character literal anywhere (`\#`, `\"`, `\\`),
 * as SCST's scstadmin reads it.  Nothing here knows what the keywords mean;
 * conf_check.c and conf_apply.c do.  Input is untrusted: depth, token and file sizes
 * are bounded and every error names its line and column. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define CFG_MAX_DEPTH    16
#define CFG_MAX_TOKEN    4096
#define CFG_MAX_FILE     (16u << 20)

enum tok_type { TOK_WORD, TOK_OPEN, TOK_CLOSE, TOK_EOL, TOK_EOF, TOK_ERROR };

struct lexer {
	const char *p, *end;
	int line, col;
	char *err;
	size_t errlen;
	/* Current token. */
	enum tok_type type;
	char word[CFG_MAX_TOKEN];
	int tline, tcol;
};

static void lex_error(struct lexer *lx, const char *what)
{
	snprintf(lx->err, lx->errlen, "line %d, column %d: %s", lx->tline, lx->tcol, what);
	lx->type = TOK_ERROR;
}

static int peekc(const struct lexer *lx)
{
	return lx->p < lx->end ? (unsigned char)*lx->p : -1;
}

static void advance(struct lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

static void skip_blanks_and_comments(struct lexer *lx)
{
	for (;;) {
		int c = peekc(lx);

		if (c == ' ' || c == '\t' || c == '\r') {
			advance(lx);
		} else if (c == '#') {
			while (peekc(lx) != -1 && peekc(lx) != '\n')
				advance(lx);
		} else if (c == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
			advance(lx);    /* line continuation */
			advance(lx);
		} else {
			return;
		}
	}
}

static void lex_quoted(struct lexer *lx)
{
	size_t n = 0;

	advance(lx);                    /* opening quote */
	for (;;) {
		int c = peekc(lx);

		if (c == -1 || c == '\n') {
			lex_error(lx, "unterminated quoted string");
			return;
		}
		advance(lx);
		if (c == '"')
			break;
		if (c == '\\' && peekc(lx) != -1 && peekc(lx) != '\n') {
			c = peekc(lx);
			advance(lx);
		}
		if (c == 0) {
			lex_error(lx, "NUL byte in value");
			return;
		}
		if (n + 1 >= sizeof(lx->word)) {
			lex_error(lx, "value too long");
			return;
		}
		lx->word[n++] = (char)c;
	}
	lx->word[n] = '\0';
	lx->type = TOK_WORD;
}

static void lex_bare(struct lexer *lx)
{
	size_t n = 0;

	for (;;) {
		int c = peekc(lx);

		if (c == -1 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' ||
		    c == '}' || c == '#' || c == '"')
			break;
		if (c == 0 || c < ' ') {
			lex_error(lx, "control character in configuration");
			return;
		}
		/* SCST's reader: "\X" is X wherever it stands, so "\#" is no
		 * comment (INITIATOR *\#*) and "\ " no word break. */
		if (c == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n' && lx->p[1] != '\r') {
			advance(lx);
			c = peekc(lx);
			if (c == 0 || c < ' ') {
				lex_error(lx, "control character in configuration");
				return;
			}
		}
		if (n + 1 >= sizeof(lx->word)) {
			lex_error(lx, "word too long");
			return;
		}
		lx->word[n++] = (char)c;
		advance(lx);
	}
	lx->word[n] = '\0';
	lx->type = TOK_WORD;
}

static void next_token(struct lexer *lx)
{
	int c;

	skip_blanks_and_comments(lx);
	lx->tline = lx->line;
	lx->tcol = lx->col;
	c = peekc(lx);
	switch (c) {
	case -1:
		lx->type = TOK_EOF;
		return;
	case '\n':
		advance(lx);
		lx->type = TOK_EOL;
		return;
	case '{':
		advance(lx);
		lx->type = TOK_OPEN;
		return;
	case '}':
		advance(lx);
		lx->type = TOK_CLOSE;
		return;
	case '"':
		lex_quoted(lx);
		return;
	default:
		lex_bare(lx);
		return;
	}
}

static struct cfg_node *node_new(int line, int col)
{
	struct cfg_node *n = calloc(1, sizeof(*n));

	if (n) {
		n->line = line;
		n->col = col;
	}
	return n;
}

void cfg_free(struct cfg_node *n)
{
	if (!n)
		return;
	free(n->key);
	for (size_t i = 0; i < n->nargs; i++)
		free(n->args[i]);
	free(n->args);
	for (size_t i = 0; i < n->nchildren; i++)
		cfg_free(n->children[i]);
	free(n->children);
	free(n);
}

static int push_arg(struct cfg_node *n, const char *word)
{
	char **a = realloc(n->args, (n->nargs + 1) * sizeof(*a));

	if (!a)
		return -1;
	n->args = a;
	a[n->nargs] = strdup(word);
	if (!a[n->nargs])
		return -1;
	n->nargs++;
	return 0;
}

static int push_child(struct cfg_node *parent, struct cfg_node *child)
{
	struct cfg_node **c = realloc(parent->children, (parent->nchildren + 1) * sizeof(*c));

	if (!c)
		return -1;
	parent->children = c;
	c[parent->nchildren++] = child;
	return 0;
}

static int parse_block(struct lexer *lx, struct cfg_node *parent, int depth);

/* Parses one statement whose keyword is the current token. */
static struct cfg_node *parse_statement(struct lexer *lx, int depth)
{
	struct cfg_node *n = node_new(lx->tline, lx->tcol);

	if (!n || !(n->key = strdup(lx->word)))
		goto oom;
	for (;;) {
		next_token(lx);
		if (lx->type == TOK_WORD) {
			if (push_arg(n, lx->word) < 0)
				goto oom;
			continue;
		}
		if (lx->type == TOK_OPEN) {
			n->has_block = 1;
			if (parse_block(lx, n, depth + 1) < 0)
				goto fail;
			next_token(lx);
		}
		if (lx->type == TOK_ERROR)
			goto fail;
		/* EOL, EOF or a closing brace end the statement; the caller
		 * looks at the current token. */
		return n;
	}
oom:
	snprintf(lx->err, lx->errlen, "line %d: out of memory", lx->tline);
fail:
	cfg_free(n);
	lx->type = TOK_ERROR;
	return NULL;
}

/* Parses statements until the closing brace (depth > 0) or EOF (depth 0). */
static int parse_block(struct lexer *lx, struct cfg_node *parent, int depth)
{
	int open_line = lx->tline, open_col = lx->tcol;

	if (depth > CFG_MAX_DEPTH) {
		lex_error(lx, "blocks nested too deeply");
		return -1;
	}
	next_token(lx);
	for (;;) {
		struct cfg_node *child;

		switch (lx->type) {
		case TOK_EOL:
			next_token(lx);
			continue;
		case TOK_ERROR:
			return -1;
		case TOK_EOF:
			if (depth > 0) {
				snprintf(lx->err, lx->errlen,
					 "line %d, column %d: '{' is never closed", open_line,
					 open_col);
				return -1;
			}
			return 0;
		case TOK_CLOSE:
			if (depth == 0) {
				lex_error(lx, "unexpected '}'");
				return -1;
			}
			return 0;
		case TOK_OPEN:
			lex_error(lx, "'{' without a statement before it");
			return -1;
		case TOK_WORD:
			child = parse_statement(lx, depth);
			if (!child)
				return -1;
			if (push_child(parent, child) < 0) {
				cfg_free(child);
				lex_error(lx, "out of memory");
				return -1;
			}
			continue;
		}
	}
}

struct cfg_node *cfg_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct lexer lx = { .p = text, .end = text + len, .line = 1, .col = 1,
			    .err = err, .errlen = errlen };
	struct cfg_node *root = node_new(0, 0);

	if (!root) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_block(&lx, root, 0) < 0) {
		cfg_free(root);
		return NULL;
	}
	return root;
}

struct cfg_node *cfg_parse_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct cfg_node *root;
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(CFG_MAX_FILE);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, CFG_MAX_FILE, f);
	if (n == CFG_MAX_FILE) {
		snprintf(err, errlen, "%s: file larger than %u bytes", path, CFG_MAX_FILE);
		root = NULL;
	} else {
		root = cfg_parse(buf, n, err, errlen);
	}
	free(buf);
	fclose(f);
	return root;
}
