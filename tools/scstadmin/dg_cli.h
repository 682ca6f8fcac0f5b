/* dg_cli.h - scstadmin's device group actions (dg_cli.c). */
#ifndef SCSTADMIN_DG_CLI_H
#define SCSTADMIN_DG_CLI_H

#include <stdbool.h>

/* Whether the command line names a device group action. */
bool dg_cli_wanted(int argc, char **argv);
/* Runs it; the process exit status. */
int dg_cli_main(int argc, char **argv);

#endif
