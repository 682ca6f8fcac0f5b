/* alua.h - asymmetric logical unit access (SPC-4 5.16, README.scst-3.x
 * "ALUA Support"): device groups holding devices and target groups, each
 * target group a set of target ports (by target name, local or on another
 * node) with one asymmetric access state, a group id and a preferred bit.
 * Configuration calls take scst_mutex; the command path reads the state
 * cached in each I_T_L nexus. */
#ifndef SCSTD_CORE_ALUA_H
#define SCSTD_CORE_ALUA_H

#include "scst_common.h"

struct scst_opcode_desc;

/* SPC-4 asymmetric access state codes (RTPG, STPG). */
enum scst_alua_state {
	SCST_ALUA_OPTIMIZED = 0x0,
	SCST_ALUA_NONOPTIMIZED = 0x1,
	SCST_ALUA_STANDBY = 0x2,
	SCST_ALUA_UNAVAILABLE = 0x3,
	SCST_ALUA_OFFLINE = 0xe,
	SCST_ALUA_TRANSITIONING = 0xf,
};

/* INQUIRY TPGS field: which kinds of state change the device group does. */
enum scst_tpgs {
	SCST_TPGS_IMPLICIT = 1,
	SCST_TPGS_EXPLICIT = 2,
	SCST_TPGS_BOTH = 3,
};

/* RTPG status code: why the state last changed (SPC-4 table "STATUS CODE"). */
enum scst_alua_status {
	SCST_ALUA_STATUS_NONE = 0,
	SCST_ALUA_STATUS_BY_STPG = 1,
	SCST_ALUA_STATUS_IMPLICIT = 2,
};

/* A target port of a target group.  A name without a local target is a
 * port of another node: its rel_tgt_id is the one configured here. */
struct scst_tg_tgt {
	struct list_head node;
	char name[SCST_NAME_MAX];
	uint16_t rel_tgt_id;
};

struct scst_dev_group;

struct scst_target_group {
	struct list_head node;                  /* dg->tgs */
	struct scst_dev_group *dg;
	char name[SCST_NAME_MAX];
	uint16_t group_id;
	uint8_t state;                          /* enum scst_alua_state */
	uint8_t status;                         /* enum scst_alua_status */
	bool preferred;
	struct list_head tgts;                  /* struct scst_tg_tgt */
};

struct scst_dg_dev {
	struct list_head node;
	struct scst_device *dev;
};

struct scst_dev_group {
	struct list_head node;                  /* scst_dev_groups */
	char name[SCST_NAME_MAX];
	enum scst_tpgs tpgs;
	/* RTPG's IMPLICIT TRANSITION TIME, seconds (0: none given). */
	uint8_t transition_time;
	struct list_head devs;                  /* struct scst_dg_dev */
	struct list_head tgs;                   /* struct scst_target_group */
};

extern struct list_head scst_dev_groups;

/* State names of README.scst-3.x (active, nonoptimized, standby,
 * unavailable, offline, transitioning); NULL / -1 for others. */
const char *scst_alua_state_name(unsigned state);
int scst_alua_state_from_name(const char *name);
const char *scst_tpgs_name(enum scst_tpgs tpgs);
int scst_tpgs_from_name(const char *name);

/* Lookups: caller holds scst_mutex. */
struct scst_dev_group *scst_dg_find(const char *name);
struct scst_target_group *scst_tg_find(const struct scst_dev_group *dg, const char *name);
struct scst_tg_tgt *scst_tg_tgt_find(const struct scst_target_group *tg, const char *name);
/* The local target a member names (first of any driver), or NULL. */
struct scst_tgt *scst_tg_tgt_local(const struct scst_tg_tgt *m);

/* Configuration (take scst_mutex): 0 or -errno with the reason in err. */
int scst_dg_add(const char *name, char *err, size_t errlen);
int scst_dg_del(const char *name, char *err, size_t errlen);
int scst_dg_set_tpgs(struct scst_dev_group *dg, enum scst_tpgs tpgs);
int scst_dg_set_transition_time(struct scst_dev_group *dg, unsigned seconds, char *err,
				size_t errlen);
int scst_dg_dev_add(struct scst_dev_group *dg, const char *dev_name, char *err, size_t errlen);
int scst_dg_dev_del(struct scst_dev_group *dg, const char *dev_name, char *err, size_t errlen);
int scst_tg_add(struct scst_dev_group *dg, const char *name, char *err, size_t errlen);
int scst_tg_del(struct scst_dev_group *dg, const char *name, char *err, size_t errlen);
int scst_tg_tgt_add(struct scst_target_group *tg, const char *name, char *err, size_t errlen);
int scst_tg_tgt_del(struct scst_target_group *tg, const char *name, char *err, size_t errlen);
int scst_tg_set_group_id(struct scst_target_group *tg, unsigned id, char *err, size_t errlen);
/* Every port of the group changes at once; every I_T nexus of the
 * group's devices gets ASYMMETRIC ACCESS STATE CHANGED. */
int scst_tg_set_state(struct scst_target_group *tg, enum scst_alua_state state);
int scst_tg_set_preferred(struct scst_target_group *tg, bool preferred);
int scst_tg_tgt_set_rel_tgt_id(struct scst_tg_tgt *m, unsigned id, char *err, size_t errlen);

/* Command side. */
/* Whether dev offers the opcode entry op (SCST_OP_EXPLICIT_ALUA). */
bool scst_alua_op_offered(const struct scst_opcode_desc *op, const struct scst_device *dev);
/* INQUIRY byte 5 TPGS bits (already shifted). */
uint8_t scst_alua_tpgs_bits(const struct scst_device *dev);
/* The target port group of tgt for dev (VPD page 0x83): false when the
 * port belongs to none of the device's target groups. */
bool scst_alua_port_group(const struct scst_device *dev, const struct scst_tgt *tgt,
			  uint16_t *group_id);
/* The check step: false when cmd, received through a port whose state
 * does not allow its command, now carries the state's NOT READY sense. */
bool scst_alua_admits(struct scst_cmd *cmd);
/* The state a command in `state` meets for an opcode entry's flags:
 * SCST_S_OK or the sense to answer (exposed for the unit tests). */
enum scst_sense_id scst_alua_check_state(unsigned state, uint32_t op_flags);
/* Caller holds scst_mutex: the nexus's state from its port's group. */
void scst_alua_init_tgt_dev(struct scst_tgt_dev *td);
/* Caller holds scst_mutex: the device leaves its device group. */
void scst_alua_dev_gone(struct scst_device *dev);
/* Caller holds scst_mutex: a deleted local target leaves the target
 * groups that name it (as in SCST); a configuration adds it back. */
void scst_alua_tgt_gone(const struct scst_tgt *tgt);
/* REPORT TARGET PORT GROUPS for a device of a device group: false when
 * the device has none (then spc_maint_in.c's implicit answer holds). */
bool scst_alua_report_groups(struct scst_cmd *cmd);
/* SET TARGET PORT GROUPS (MAINTENANCE OUT 0Ah). */
void scst_set_target_port_groups(struct scst_cmd *cmd);
/* The longest SET TARGET PORT GROUPS parameter list accepted. */
uint32_t scst_stpg_max_param_len(void);

#endif
