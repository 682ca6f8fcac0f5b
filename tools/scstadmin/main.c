/* main.c - scstadmin: command line, and the glue between the config file,
 * the tree (control socket or --root DIR) and the algorithms.
 *
 *   scstadmin [-socket PATH | -root DIR] -config FILE [-force] [-noprompt]
 *             -write_config FILE | -check_config FILE | -clear_config
 *             -list_handler | -list_device | -list_target | -list_group |
 *             -list_sessions
 *             device group actions (-add_dgrp ... -list_dgrp: dg_cli.c)
 * Options take one or two dashes.  Exit status 0 on success, 1 on any
 * error (with the reason on stderr). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "dg_cli.h"
#include "list.h"
#include "local_check.h"
#include "util/ctl_proto.h"
#include "ops.h"

enum action { ACT_NONE, ACT_CONFIG, ACT_WRITE, ACT_CHECK, ACT_CLEAR, ACT_LIST, ACT_OP };

struct options {
	enum action act;
	const char *file, *socket, *root;
	bool force, noprompt;
	int (*list)(struct tree *t);    /* ACT_LIST: one of list.c's listings */
	const char *op, *op_value;      /* ACT_OP: one of ops.c's actions */
	struct op_args args;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scstadmin [-socket PATH | -root DIR] ACTION [-force] [-noprompt]\n"
		"actions:\n"
		"  -config FILE        apply FILE to the running target\n"
		"  -write_config FILE  save the running configuration (\"-\": stdout)\n"
		"  -check_config FILE  check FILE: syntax and structure, and against the\n"
		"                      running scstd as -config would (nothing changes)\n"
		"  -clear_config       remove every device, target and group\n"
		"  -list_handler | -list_device | -list_target | -list_group | -list_sessions\n"
		"  -add_dgrp | -rem_dgrp | -list_dgrp | -add_dgrp_dev | -rem_dgrp_dev |\n"
		"  -add_tgrp | -rem_tgrp | -list_tgrp | -add_tgrp_tgt | -rem_tgrp_tgt |\n"
		"  -set_dgrp_attr | -set_tgrp_attr | -set_ttgt_attr |\n"
		"  -list_dgrp_attr | -list_tgrp_attr | -list_ttgt_attr   ALUA device groups\n"
		"                      with -dev_group G, -tgt_group T, -attributes p=v,...\n"
		"  SCST scstadmin's single changes, with its options -driver, -target,\n"
		"  -group, -device, -handler, -attributes k=v,k=v, -to:\n"
		"  -open_dev D -handler H [-attributes ..] | -close_dev D -handler H [-force]\n"
		"  -resync_dev D | -add_target T -driver DR | -rem_target T -driver DR\n"
		"  -enable_target T | -disable_target T | -add_group G | -rem_group G\n"
		"  -add_init I | -rem_init I | -move_init I -to G2 | -clear_inits\n"
		"  -add_lun N -device D | -rem_lun N | -replace_lun N -device D | -clear_luns\n"
		"  -set_scst_attr | -set_hnd_attr H | -set_dev_attr D | -set_drv_attr DR\n"
		"  -set_tgt_attr T | -set_grp_attr G | -set_lun_attr N  (with -attributes)\n"
		"  -add_drv_attr DR | -rem_drv_attr DR | -add_tgt_attr T | -rem_tgt_attr T\n"
		"  -list_scst_attr | -list_hnd_attr H | -list_dev_attr D | -list_drv_attr DR\n"
		"  -list_tgt_attr T | -list_driver | -issue_lip | -version\n"
		"  -force              disable affected targets before changing them,\n"
		"                      remove targets the configuration does not list\n"
		"  -noprompt           do not ask before changing the configuration\n"
		"default socket: " CTL_SOCKET_DEFAULT "\n");
}

static const struct {
	const char *name;
	enum action act;
	bool arg;
	int (*list)(struct tree *t);
} actions[] = {
	{ "config", ACT_CONFIG, true, NULL }, { "write_config", ACT_WRITE, true, NULL },
	{ "check_config", ACT_CHECK, true, NULL }, { "clear_config", ACT_CLEAR, false, NULL },
	{ "list_handler", ACT_LIST, false, list_handlers },
	{ "list_device", ACT_LIST, false, list_devices },
	{ "list_target", ACT_LIST, false, list_targets },
	{ "list_group", ACT_LIST, false, list_groups },
	{ "list_sessions", ACT_LIST, false, list_sessions },
};

/* SCST scstadmin's qualifying options and single-change actions (ops.c). */
static int parse_op_option(const char *a, int argc, char **argv, int *i, struct options *o,
			   bool *matched)
{
	static const struct { const char *name; size_t off; } quals[] = {
		{ "driver", offsetof(struct op_args, driver) },
		{ "target", offsetof(struct op_args, target) },
		{ "group", offsetof(struct op_args, group) },
		{ "device", offsetof(struct op_args, device) },
		{ "handler", offsetof(struct op_args, handler) },
		{ "attributes", offsetof(struct op_args, attributes) },
		{ "to", offsetof(struct op_args, to) },
	};
	bool takes_value = false;

	*matched = false;
	for (size_t k = 0; k < sizeof(quals) / sizeof(quals[0]); k++) {
		if (strcmp(a, quals[k].name))
			continue;
		if (*i + 1 >= argc) {
			fprintf(stderr, "scstadmin: -%s needs a value\n", a);
			return -1;
		}
		*(const char **)((char *)&o->args + quals[k].off) = argv[++*i];
		*matched = true;
		return 0;
	}
	if (!op_known(a, &takes_value))
		return 0;
	if (o->act != ACT_NONE) {
		fprintf(stderr, "scstadmin: only one action at a time\n");
		return -1;
	}
	if (takes_value && *i + 1 >= argc) {
		fprintf(stderr, "scstadmin: -%s needs a name\n", a);
		return -1;
	}
	o->act = ACT_OP;
	o->op = a;
	o->op_value = takes_value ? argv[++*i] : NULL;
	*matched = true;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool matched = false;

		if (a[0] != '-') {
			fprintf(stderr, "scstadmin: unexpected argument '%s'\n", a);
			return -1;
		}
		a += a[1] == '-' ? 2 : 1;
		if (!strcmp(a, "force") || !strcmp(a, "noprompt")) {
			*(!strcmp(a, "force") ? &o->force : &o->noprompt) = true;
			continue;
		}
		if (!strcmp(a, "socket") || !strcmp(a, "root")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "scstadmin: -%s needs an argument\n", a);
				return -1;
			}
			*(!strcmp(a, "socket") ? &o->socket : &o->root) = argv[++i];
			continue;
		}
		if (parse_op_option(a, argc, argv, &i, o, &matched) < 0)
			return -1;
		if (matched)
			continue;
		if (!strcmp(a, "h") || !strcmp(a, "help")) {
			usage(stdout);
			exit(0);
		}
		for (size_t k = 0; k < sizeof(actions) / sizeof(actions[0]); k++) {
			if (strcmp(a, actions[k].name))
				continue;
			if (o->act != ACT_NONE) {
				fprintf(stderr, "scstadmin: only one action at a time\n");
				return -1;
			}
			if (actions[k].arg && i + 1 >= argc) {
				fprintf(stderr, "scstadmin: -%s needs a file\n", a);
				return -1;
			}
			o->act = actions[k].act;
			o->list = actions[k].list;
			if (actions[k].arg)
				o->file = argv[++i];
			matched = true;
		}
		if (!matched) {
			fprintf(stderr, "scstadmin: unknown option '%s'\n", argv[i]);
			return -1;
		}
	}
	if (o->act == ACT_NONE) {
		usage(stderr);
		return -1;
	}
	if (o->socket && o->root) {
		fprintf(stderr, "scstadmin: -socket and -root exclude each other\n");
		return -1;
	}
	return 0;
}

static struct tree *open_tree(const struct options *o)
{
	char err[512];
	struct tree *t = o->root ? tree_open_dir(o->root, err, sizeof(err)) :
				   tree_open_socket(o->socket ? o->socket : CTL_SOCKET_DEFAULT,
						    err, sizeof(err));

	if (!t)
		fprintf(stderr, "scstadmin: %s\n", err);
	return t;
}

/* FILE:LINE: key: reason, as compilers report (every bad value). */
static void report_value(void *ctx, const struct cfg_node *n, const char *why)
{
	fprintf(stderr, "%s:%d: %s\n", (const char *)ctx, n->line, why);
}

static struct cfg_node *load(const char *file)
{
	char err[1024];
	struct cfg_node *root = cfg_parse_file(file, err, sizeof(err));

	if (!root) {
		fprintf(stderr, "scstadmin: %s: %s\n", file, err);
		return NULL;
	}
	if (conf_check_structure(root, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s: %s\n", file, err);
		cfg_free(root);
		return NULL;
	}
	if (conf_check_values(root, report_value, (void *)file)) {
		cfg_free(root);
		return NULL;
	}
	return root;
}

/* Shows the plan and asks; true to go on. */
static bool confirm(struct tree *t, const struct cfg_node *want, const struct options *o,
		    bool keep)
{
	struct apply_opts dry = { .force = o->force, .dry_run = true, .log = stdout,
				  .keep_unlisted_targets = keep };
	char err[1024], line[16];

	if (o->noprompt)
		return true;
	printf("Changes to apply:\n");
	if (conf_apply(t, want, &dry, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return false;
	}
	printf("Apply these changes? (y/n) ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y')) {
		printf("\nAborted: nothing changed.\n");
		return false;
	}
	return true;
}

/* keep: targets want does not list stay (-config without -force). */
static int do_apply(struct tree *t, const struct cfg_node *want, const struct options *o,
		    bool keep)
{
	struct apply_opts ao = { .force = o->force, .log = stdout, .keep_unlisted_targets = keep };
	char err[2048];

	if (!confirm(t, want, o, keep))
		return 1;
	if (conf_apply(t, want, &ao, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return 1;
	}
	printf("Configuration applied.\n");
	return 0;
}

static int write_config(struct tree *t, const char *file)
{
	char err[1024], tmp[4096];
	struct cfg_node *root;
	FILE *f;
	int rc;

	if (conf_save(t, &root, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s\n", err);
		return 1;
	}
	if (!strcmp(file, "-")) {
		rc = conf_write(stdout, root);
		cfg_free(root);
		return rc ? 1 : 0;
	}
	/* Written aside and renamed: a failure leaves the old file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "scstadmin: %s: %s\n", tmp, strerror(errno));
		cfg_free(root);
		return 1;
	}
	rc = conf_write(f, root);
	cfg_free(root);
	if (fclose(f) != 0 || rc < 0 || rename(tmp, file) < 0) {
		fprintf(stderr, "scstadmin: cannot write %s: %s\n", file, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

static int run_on_tree(const struct options *o)
{
	struct tree *t = open_tree(o);
	struct cfg_node *want = NULL;
	int rc = 1;

	if (!t)
		return 1;
	switch (o->act) {
	case ACT_CONFIG:
		want = load(o->file);
		rc = want ? do_apply(t, want, o, !o->force) : 1;
		break;
	case ACT_CLEAR:
		want = conf_new(NULL);
		rc = want ? do_apply(t, want, o, false) : 1;
		break;
	case ACT_WRITE:
		rc = write_config(t, o->file);
		break;
	case ACT_LIST:
		rc = o->list(t) ? 1 : 0;
		break;
	case ACT_OP:
		rc = op_run(t, o->op, o->op_value, &o->args);
		break;
	default:
		break;
	}
	cfg_free(want);
	tree_close(t);
	return rc;
}

/* The grammar, structure and values always; then, when a daemon answers,
 * the backing files and SCSI devices of new devices if it sees this
 * machine's files (local_check.c), and the same checks `scstd --config`
 * and -config make before their first change (handlers, drivers,
 * parameters, against the running tree: a dry run of the apply), so
 * -check_config and the daemon never disagree about a file. */
static int check_config(const struct options *o)
{
	struct apply_opts dry = { .force = true, .dry_run = true };
	struct cfg_node *root = load(o->file);
	char err[2048];
	struct tree *t;
	int rc = 0;

	if (!root)
		return 1;
	t = o->root ? tree_open_dir(o->root, err, sizeof(err)) :
		      tree_open_socket(o->socket ? o->socket : CTL_SOCKET_DEFAULT, err,
				       sizeof(err));
	if (!t) {
		printf("%s: syntax, structure and values are valid (no running scstd to check "
		       "it against: %s)\n", o->file, err);
	} else if (same_mount_namespace(tree_peer_pid(t)) &&
		   local_check(t, root, report_value, (void *)o->file)) {
		rc = 1;
	} else if (conf_apply(t, root, &dry, err, sizeof(err)) < 0) {
		fprintf(stderr, "scstadmin: %s: %s\n", o->file, err);
		rc = 1;
	} else {
		printf("%s: configuration is valid\n", o->file);
	}
	if (t)
		tree_close(t);
	cfg_free(root);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };

	if (dg_cli_wanted(argc, argv))
		return dg_cli_main(argc, argv);
	if (parse_options(argc, argv, &o) < 0)
		return 1;
	if (o.act == ACT_CHECK)
		return check_config(&o);
	o.args.force = o.force;
	if (o.act == ACT_OP && !strcmp(o.op, "version"))
		return op_run(NULL, o.op, NULL, &o.args);
	return run_on_tree(&o);
}
