/* config_apply.c - turns a parsed scst.conf tree into devices, targets,
 * LUNs and groups through the core's configuration calls.
 *
 * Knows only the grammar's structure keywords (HANDLER, DEVICE,
 * TARGET_DRIVER, TARGET, LUN, GROUP, INITIATOR) and the generic target
 * attributes; everything else is handed to the handler (add_device
 * parameters) or the driver (set_driver_attr / set_target_attr), so a new
 * driver needs no change here.  A target's `enabled` is applied last, after
 * its LUNs, so no initiator ever sees a half-built LUN set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "core/scst.h"
#include "records.h"

#define ERRBUF 512

static int fail(char *err, size_t errlen, const struct cfg_node *n, const char *what, int rc)
{
	snprintf(err, errlen, "line %d: %s", n->line, what);
	return rc;
}

static int failf_rc(char *err, size_t errlen, const struct cfg_node *n, int rc, const char *what,
		    const char *detail)
{
	char buf[ERRBUF];

	snprintf(buf, sizeof(buf), "%s: %s", what, detail);
	return fail(err, errlen, n, buf, rc);
}

/* Joins an attribute's arguments with single spaces (multi-word values). */
static char *join_args(const struct cfg_node *n)
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

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "on")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "false") ||
	    !strcasecmp(s, "off")) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_lun(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > SCST_MAX_LUN)
		return false;
	*out = v;
	return true;
}

static int apply_device(const char *handler, const struct cfg_node *n, char *err, size_t errlen)
{
	struct scst_kv *kv;
	char **vals;
	char msg[ERRBUF] = "";
	size_t np = 0;
	int rc = 0;

	if (n->nargs != 1)
		return fail(err, errlen, n, "DEVICE needs exactly one name", -EINVAL);
	kv = calloc(n->nchildren + 1, sizeof(*kv));
	vals = calloc(n->nchildren + 1, sizeof(*vals));
	if (!kv || !vals) {
		rc = fail(err, errlen, n, "out of memory", -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *a = n->children[i];

		if (a->has_block || a->nargs == 0) {
			rc = fail(err, errlen, a, "device attribute needs a value and no block",
				  -EINVAL);
			goto out;
		}
		vals[np] = join_args(a);
		if (!vals[np]) {
			rc = fail(err, errlen, a, "out of memory", -ENOMEM);
			goto out;
		}
		kv[np].key = a->key;
		kv[np].value = vals[np];
		np++;
	}
	rc = mgmt_add_device(handler, n->args[0], kv, np, msg, sizeof(msg));
	if (rc < 0)
		rc = failf_rc(err, errlen, n, rc, n->args[0], msg);
out:
	for (size_t i = 0; vals && i < np; i++)
		free(vals[i]);
	free(vals);
	free(kv);
	return rc;
}

static int apply_handler(const struct cfg_node *n, char *err, size_t errlen)
{
	if (n->nargs != 1)
		return fail(err, errlen, n, "HANDLER needs exactly one name", -EINVAL);
	if (!scst_find_dev_type(n->args[0]))
		return failf_rc(err, errlen, n, -ENOENT, "unknown handler", n->args[0]);
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		int rc;

		if (strcmp(c->key, "DEVICE") != 0)
			return failf_rc(err, errlen, c, -EINVAL, "expected DEVICE inside HANDLER",
					c->key);
		rc = apply_device(n->args[0], c, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* LUN <number> <device> [{ read_only 1 }] */
static int apply_lun(struct scst_acg *acg, const struct cfg_node *n, char *err, size_t errlen)
{
	char msg[ERRBUF] = "";
	bool read_only = false;
	uint64_t lun;
	int rc;

	if (n->nargs != 2 || !parse_lun(n->args[0], &lun))
		return fail(err, errlen, n, "expected: LUN <0..16383> <device>", -EINVAL);
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *a = n->children[i];

		if (strcmp(a->key, "read_only") != 0 || a->nargs != 1 ||
		    !parse_bool(a->args[0], &read_only))
			return failf_rc(err, errlen, a, -EINVAL, "unsupported LUN attribute",
					a->key);
	}
	rc = scst_acg_add_lun(acg, lun, n->args[1], read_only, msg, sizeof(msg));
	if (rc < 0)
		return fail(err, errlen, n, msg, rc);
	return 0;
}

static int apply_group(struct scst_tgt *tgt, const struct cfg_node *n, char *err, size_t errlen)
{
	char msg[ERRBUF] = "";
	struct scst_acg *acg;

	if (n->nargs != 1)
		return fail(err, errlen, n, "GROUP needs exactly one name", -EINVAL);
	acg = scst_add_acg(tgt, n->args[0], msg, sizeof(msg));
	if (!acg)
		return fail(err, errlen, n, msg, -EINVAL);
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		int rc;

		if (!strcmp(c->key, "LUN")) {
			rc = apply_lun(acg, c, err, errlen);
		} else if (!strcmp(c->key, "INITIATOR")) {
			if (c->nargs != 1)
				return fail(err, errlen, c, "INITIATOR needs one name", -EINVAL);
			rc = scst_acg_add_initiator(acg, c->args[0], msg, sizeof(msg));
			if (rc < 0)
				return fail(err, errlen, c, msg, rc);
		} else if (!strcmp(c->key, "addr_method") && c->nargs == 1) {
			if (!strcasecmp(c->args[0], "FLAT"))
				acg->addr_method = SCST_LUN_ADDR_METHOD_FLAT;
			else if (!strcasecmp(c->args[0], "PERIPHERAL"))
				acg->addr_method = SCST_LUN_ADDR_METHOD_PERIPHERAL;
			else
				return fail(err, errlen, c, "addr_method: FLAT or PERIPHERAL",
					    -EINVAL);
			rc = 0;
		} else {
			return failf_rc(err, errlen, c, -EINVAL, "unsupported GROUP entry", c->key);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int apply_target_attr(struct scst_tgt *tgt, const struct cfg_node *a, bool *enabled,
			     char *err, size_t errlen)
{
	char msg[ERRBUF] = "";
	char *value;
	int rc;

	if (a->has_block || a->nargs == 0)
		return failf_rc(err, errlen, a, -EINVAL, "target attribute needs a value", a->key);
	if (!strcmp(a->key, "enabled")) {
		if (a->nargs != 1 || !parse_bool(a->args[0], enabled))
			return fail(err, errlen, a, "enabled: 0 or 1", -EINVAL);
		return 0;
	}
	if (!strcmp(a->key, "rel_tgt_id")) {
		uint64_t id;

		if (a->nargs != 1 || !parse_lun(a->args[0], &id) || id == 0 || id > 0xffff)
			return fail(err, errlen, a, "rel_tgt_id: 1..65535", -EINVAL);
		tgt->rel_tgt_id = (uint16_t)id;
		return 0;
	}
	if (!strcmp(a->key, "addr_method") && a->nargs == 1) {
		if (!strcasecmp(a->args[0], "FLAT"))
			tgt->default_acg->addr_method = SCST_LUN_ADDR_METHOD_FLAT;
		else if (!strcasecmp(a->args[0], "PERIPHERAL"))
			tgt->default_acg->addr_method = SCST_LUN_ADDR_METHOD_PERIPHERAL;
		else
			return fail(err, errlen, a, "addr_method: FLAT or PERIPHERAL", -EINVAL);
		return 0;
	}
	if (!tgt->tgtt->set_target_attr)
		return failf_rc(err, errlen, a, -EINVAL, "unknown target attribute", a->key);
	value = join_args(a);
	if (!value)
		return fail(err, errlen, a, "out of memory", -ENOMEM);
	/* Recorded, so the tree shows it as a [key] attribute. */
	rc = mgmt_add_target_attr(tgt, a->key, value, msg, sizeof(msg));
	free(value);
	if (rc < 0)
		return failf_rc(err, errlen, a, rc, a->key, msg);
	return 0;
}

static int apply_target(struct scst_tgt_template *tt, const struct cfg_node *n, char *err,
			size_t errlen)
{
	char msg[ERRBUF] = "";
	struct scst_tgt *tgt;
	bool enabled = false;
	int rc;

	if (n->nargs != 1)
		return fail(err, errlen, n, "TARGET needs exactly one name", -EINVAL);
	tgt = scst_find_target(tt, n->args[0]);
	if (!tgt) {
		if (!tt->add_target)
			return failf_rc(err, errlen, n, -EINVAL,
					"driver cannot create targets", tt->name);
		rc = tt->add_target(n->args[0], NULL, 0, msg, sizeof(msg));
		if (rc < 0)
			return failf_rc(err, errlen, n, rc, n->args[0], msg);
		tgt = scst_find_target(tt, n->args[0]);
		if (!tgt)
			return fail(err, errlen, n, "driver did not create the target", -EIO);
	}
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];

		if (!strcmp(c->key, "LUN"))
			rc = apply_lun(tgt->default_acg, c, err, errlen);
		else if (!strcmp(c->key, "GROUP"))
			rc = apply_group(tgt, c, err, errlen);
		else
			rc = apply_target_attr(tgt, c, &enabled, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (enabled)
		scst_tgt_set_enabled(tgt, true);
	return 0;
}

static int apply_driver(const struct cfg_node *n, char *err, size_t errlen)
{
	struct scst_tgt_template *tt;

	if (n->nargs != 1)
		return fail(err, errlen, n, "TARGET_DRIVER needs exactly one name", -EINVAL);
	tt = scst_find_target_template(n->args[0]);
	if (!tt)
		return failf_rc(err, errlen, n, -ENOENT, "unknown target driver", n->args[0]);
	/* Targets first, driver attributes (e.g. enabled) after them. */
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		int rc;

		if (strcmp(c->key, "TARGET") != 0)
			continue;
		rc = apply_target(tt, c, err, errlen);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *c = n->children[i];
		char msg[ERRBUF] = "";
		char *value;
		int rc;

		if (!strcmp(c->key, "TARGET"))
			continue;
		if (c->has_block || c->nargs == 0 || !tt->set_driver_attr)
			return failf_rc(err, errlen, c, -EINVAL, "unsupported driver attribute",
					c->key);
		value = join_args(c);
		if (!value)
			return fail(err, errlen, c, "out of memory", -ENOMEM);
		if (!strcmp(c->key, "enabled"))
			rc = mgmt_set_driver_attr(tt, c->key, value, msg, sizeof(msg));
		else
			rc = mgmt_add_driver_attr(tt, c->key, value, msg, sizeof(msg));
		free(value);
		if (rc < 0)
			return failf_rc(err, errlen, c, rc, c->key, msg);
	}
	return 0;
}

int cfg_apply(const struct cfg_node *root, char *err, size_t errlen)
{
	/* Devices before targets: LUNs refer to devices by name. */
	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *c = root->children[i];
		int rc;

		if (!strcmp(c->key, "HANDLER")) {
			rc = apply_handler(c, err, errlen);
			if (rc < 0)
				return rc;
		} else if (strcmp(c->key, "TARGET_DRIVER") != 0) {
			return failf_rc(err, errlen, c, -EINVAL,
					"expected HANDLER or TARGET_DRIVER", c->key);
		}
	}
	for (size_t i = 0; i < root->nchildren; i++) {
		const struct cfg_node *c = root->children[i];
		int rc;

		if (strcmp(c->key, "TARGET_DRIVER") != 0)
			continue;
		rc = apply_driver(c, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
