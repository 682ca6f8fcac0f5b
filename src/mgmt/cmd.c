/* cmd.c - tokenizing management command lines and their
 * "name=value; name=value" parameter lists.  The text comes from whoever
 * can reach the socket or the mount: nothing here trusts its shape. */
#include "cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int mgmt_check_line(const char *line, char *err, size_t errlen)
{
	for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
		if (*p < ' ' && *p != '\t') {
			snprintf(err, errlen, "control character 0x%02x in command", *p);
			return -EINVAL;
		}
		if (*p == 0x7f) {
			snprintf(err, errlen, "control character 0x7f in command");
			return -EINVAL;
		}
	}
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

char *mgmt_next_word(char **cursor)
{
	char *s = *cursor, *w;

	while (is_blank(*s))
		s++;
	if (!*s) {
		*cursor = s;
		return NULL;
	}
	w = s;
	while (*s && !is_blank(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*cursor = s;
	return w;
}

static char *trim(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		*--e = '\0';
	return s;
}

char *mgmt_rest(char *cursor)
{
	return trim(cursor);
}

static bool key_valid(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_')
			return false;
	return true;
}

/* One "key=value" piece into kv; 0 or -EINVAL. */
static int parse_pair(char *piece, struct scst_kv *kv, char *err, size_t errlen)
{
	char *eq = strchr(piece, '=');
	char *key, *value;

	if (!eq) {
		snprintf(err, errlen, "parameter '%s' is not name=value", piece);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(piece);
	value = trim(eq + 1);
	if (!key_valid(key)) {
		snprintf(err, errlen, "invalid parameter name '%s'", key);
		return -EINVAL;
	}
	if (!*value) {
		snprintf(err, errlen, "parameter '%s' has an empty value", key);
		return -EINVAL;
	}
	kv->key = key;
	kv->value = value;
	return 0;
}

int mgmt_parse_params(char *s, struct scst_kv *kv, int max, char *err, size_t errlen)
{
	int n = 0;

	while (s) {
		char *semi = strchr(s, ';');
		char *piece;

		if (semi)
			*semi = '\0';
		piece = trim(s);
		s = semi ? semi + 1 : NULL;
		if (!*piece)
			continue;  /* "a=1;" and "a=1;;b=2" are harmless */
		if (n == max) {
			snprintf(err, errlen, "too many parameters (at most %d)", max);
			return -EINVAL;
		}
		if (parse_pair(piece, &kv[n], err, errlen) < 0)
			return -EINVAL;
		for (int i = 0; i < n; i++) {
			if (strcmp(kv[i].key, kv[n].key) == 0) {
				snprintf(err, errlen, "parameter '%s' given twice", kv[n].key);
				return -EINVAL;
			}
		}
		n++;
	}
	return n;
}
