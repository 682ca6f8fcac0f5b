/* iscsi_tgt_params.h - a target's negotiable parameters as named, checked
 * attributes (iscsi_tgt_params.c). */
#ifndef SCSTD_ISCSI_TGT_PARAMS_H
#define SCSTD_ISCSI_TGT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

struct iscsi_target;

/* 0, -EINVAL with a reason in err (nothing changed), or 1 when key is not
 * a negotiable parameter. */
int iscsi_tgt_param_set(struct iscsi_target *it, const char *key, const char *value, char *err,
			size_t errlen);
/* The value as text and whether it is the default; -ENOENT for other keys. */
int iscsi_tgt_param_get(struct iscsi_target *it, const char *key, char *buf, size_t len,
			bool *is_default);
/* The i-th parameter's name, NULL past the end. */
const char *iscsi_tgt_param_name(size_t i);

#endif
