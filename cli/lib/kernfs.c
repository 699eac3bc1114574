// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel file systems fusewb reads, mounted when absent (saying so):
 * fusectl for the connections, debugfs for bdi stats, tracefs for classic
 * tracepoints' ids, bpffs for the pins of --share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "fusewb.h"

static bool is_mounted(const char *fstype, const char *where)
{
	char *text = fwb_read_file("/proc/self/mountinfo", NULL), *line, *save = NULL;
	bool found = false;

	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char mp[FWB_PATH_MAX], *dash = strstr(line, " - ");

		if (dash && sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 &&
		    !strcmp(mp, where) && !strncmp(dash + 3, fstype, strlen(fstype)) &&
		    dash[3 + strlen(fstype)] == ' ')
			found = true;
	}
	free(text);
	return found;
}

bool fwb_ensure_fs(const char *fstype, const char *where, bool quiet, bool *by_us)
{
	*by_us = false;
	if (is_mounted(fstype, where))
		return true;
	if (mount("none", where, fstype, 0, NULL)) {
		if (!quiet)
			fprintf(stderr, "fusewb: note: %s is not mounted at %s and mounting it failed: %s\n",
				fstype, where, strerror(errno));
		return false;
	}
	*by_us = true;
	if (!quiet)
		fprintf(stderr, "fusewb: note: mounted %s at %s (it was absent)\n", fstype, where);
	return true;
}

void fwb_ensure_kernel_fs(struct fwb_kernel_info *ki, bool quiet)
{
	ki->fusectl = fwb_ensure_fs("fusectl", "/sys/fs/fuse/connections", quiet, &ki->fusectl_mounted_by_us);
	/* per-bdi dirty and threshold figures live only in debugfs */
	ki->debugfs = fwb_ensure_fs("debugfs", "/sys/kernel/debug", quiet, &ki->debugfs_mounted_by_us);
	/* classic tracepoints are attached by their tracefs id */
	ki->tracefs = fwb_ensure_fs("tracefs", "/sys/kernel/tracing", quiet, &ki->tracefs_mounted_by_us);
}
