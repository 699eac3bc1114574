// SPDX-License-Identifier: GPL-2.0-only
/* fusewb diagnose: placeholder until its issue lands. */
#include <stdio.h>
#include "commands.h"

int cmd_diagnose(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fusewb diagnose: not implemented yet\n");
	return 2;
}
