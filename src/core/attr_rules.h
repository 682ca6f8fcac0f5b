/* attr_rules.h - which values a configurable attribute or creation
 * parameter takes (README.scst, README.scst-3.x, README.iscsi-scst,
 * RFC 7143), in one table read by the daemon's attribute stores and by
 * the scst.conf checker (src/conf), so `scstadmin -check_config` and
 * `scstd --config` refuse exactly the same values.  Plain C: needs no
 * other core header, so scstadmin links it alone (with alua_names.c). */
#ifndef SCSTD_CORE_ATTR_RULES_H
#define SCSTD_CORE_ATTR_RULES_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where an attribute is (a bit each, so one rule can cover several). */
enum attr_scope {
	ATTR_SCST = 1u << 0,            /* the top level: threads, setup_id ... */
	ATTR_DEVICE = 1u << 1,          /* a device attribute or add_device parameter */
	ATTR_DRIVER = 1u << 2,          /* a target driver's attribute */
	ATTR_TARGET = 1u << 3,          /* a target's attribute or add_target parameter */
	ATTR_LUN = 1u << 4,             /* a LUN's parameter */
	ATTR_INI_GROUP = 1u << 5,       /* an initiator group's attribute */
	ATTR_DEVICE_GROUP = 1u << 6,
	ATTR_TARGET_GROUP = 1u << 7,
	ATTR_TG_TARGET = 1u << 8,       /* a target port in a target group */
};

/* 0 when value is valid for key at scope (owner: the handler of a device,
 * the driver of a target or driver attribute, else NULL); -EINVAL with
 * "key: reason 'value'" in why; 1 when no rule covers key there (its
 * owner alone decides, e.g. a value only known when applied).  A LUN's
 * parameters are a closed set (README.scst: read_only): another key is
 * refused. */
int attr_rule_check(enum attr_scope scope, const char *owner, const char *key,
		    const char *value, char *why, size_t whylen);

/* A device given both size and size_mb (a saved configuration gives both
 * when the size is whole MiB): 0 when they say the same size, -EINVAL
 * with the reason in why.  Both values must have passed their rules. */
int attr_size_pair_check(const char *size, const char *size_mb, char *why, size_t whylen);

/* The parsers the rules use, for the stores that then keep the value:
 * each returns false exactly when the rule refuses the value. */
bool attr_parse_uint(const char *s, uint64_t max, uint64_t *out);     /* decimal */
bool attr_parse_01(const char *s, bool *out);
/* Bytes times unit, with an optional K/M/G/T suffix (powers of 1024). */
bool attr_parse_size(const char *s, uint64_t unit, uint64_t *out);
/* README.scst: "a power of 2 and >= 512 bytes", at most ATTR_MAX_BLOCK_SIZE. */
bool attr_parse_block_size(const char *s, uint32_t *out);
bool attr_parse_int(const char *s, int *out);
/* README.scst naa_id: "0x" optional, 16 hex digits of an NAA 2, 3 or 5
 * designator or 32 of an NAA 6 one (SPC-4 7.8.6.6); "" clears it. */
bool attr_parse_naa_id(const char *s, uint8_t out[16], uint8_t *len);
/* bitmap_parse's form: 32-bit groups of hex digits, most significant
 * first, separated by commas; at least one CPU set. */
bool attr_parse_cpu_mask(const char *s, cpu_set_t *set);

/* 64 KiB at most, so one block stays well inside a command's 8 MiB
 * transfer limit. */
#define ATTR_MAX_BLOCK_SIZE 65536u
/* scst_user's cmd_timeout, seconds (SCST's user space handler limit). */
#define ATTR_USER_CMD_TIMEOUT_MAX 3600u
/* iSNSServer's host[:port], characters. */
#define ATTR_ISNS_SERVER_LEN 127u

#endif
