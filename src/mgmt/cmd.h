/* cmd.h - parsing of management command lines: words, and the
 * "name=value; name=value" parameter lists of README.scst.  Input is
 * hostile: every malformed form is refused with a reason. */
#ifndef SCSTD_MGMT_CMD_H
#define SCSTD_MGMT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scst_common.h"

#define MGMT_MAX_WORDS 16
#define MGMT_MAX_PARAMS 32

/* Refuses control characters (a command is one line of text). */
int mgmt_check_line(const char *line, char *err, size_t errlen);

/* Next blank-separated word of *cursor (modified in place), or NULL at
 * the end; *cursor then points to the rest. */
char *mgmt_next_word(char **cursor);
/* The rest of the line with surrounding blanks removed (maybe ""). */
char *mgmt_rest(char *cursor);

/* Parses "k=v; k=v" (modified in place; ';' separates pairs, blanks
 * around them and around '=' are dropped).  Duplicate or empty keys, missing '=', empty
 * values are refused.  Returns the count or -EINVAL. */
int mgmt_parse_params(char *s, struct scst_kv *kv, int max, char *err, size_t errlen);

/* Numbers and 0/1 switches: attr_parse_uint, attr_parse_01
 * (core/attr_rules.h), the parsers of the shared value rules. */

#endif
