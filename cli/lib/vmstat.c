// SPDX-License-Identifier: GPL-2.0-only
/* The global dirty and writeback figures of /proc/vmstat. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fusewb.h"

int fwb_read_vmstat(struct fwb_vmstat *vm)
{
	char *s = fwb_read_file("/proc/vmstat", NULL), *line, *save = NULL;

	memset(vm, 0xff, sizeof(*vm));	/* -1: unknown */
	if (!s)
		return -errno;
	/* two hundred lines, five wanted, on every snapshot: no sscanf */
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *end;
		long long v;

		if (strncmp(line, "nr_", 3) || !sp)
			continue;
		*sp = 0;
		v = strtoll(sp + 1, &end, 10);
		if (end == sp + 1)
			continue;
		if (!strcmp(line, "nr_dirty"))
			vm->nr_dirty = v;
		else if (!strcmp(line, "nr_writeback"))
			vm->nr_writeback = v;
		else if (!strcmp(line, "nr_writeback_temp"))
			vm->nr_writeback_temp = v;
		else if (!strcmp(line, "nr_dirty_threshold"))
			vm->dirty_threshold = v;
		else if (!strcmp(line, "nr_dirty_background_threshold"))
			vm->dirty_background_threshold = v;
	}
	free(s);
	return 0;
}
