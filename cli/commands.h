/* SPDX-License-Identifier: GPL-2.0-only */
/* The subcommands of the fusewb binary; each lives in its own cmd_*.c. */
#ifndef FWB_COMMANDS_H
#define FWB_COMMANDS_H

int cmd_probe(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);

#endif
