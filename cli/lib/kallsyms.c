// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one reader of /proc/kallsyms: its text symbols, one line at a time
 * (the file is megabytes; nothing is kept here).  The source probe asks
 * which functions exist and where fuse_writepage_end is; diagnose builds
 * its table for naming stack frames.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fusewb.h"

int fwb_kallsyms_each(bool (*fn)(void *arg, uint64_t addr, const char *name), void *arg)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];

	if (!f)
		return -errno;
	/* "ffffffff81234560 t name\t[module]": address, type, name, the module if any */
	while (fgets(line, sizeof(line), f)) {
		char *type = strchr(line, ' '), *name, *end;

		if (!type || (type[1] != 't' && type[1] != 'T') || type[2] != ' ')
			continue;
		name = type + 3;
		end = name + strcspn(name, " \t\n");
		*end = 0;
		if (!fn(arg, strtoull(line, NULL, 16), name))
			break;
	}
	fclose(f);
	return 0;
}
