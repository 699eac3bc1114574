// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bdi's dirty figures and its cap (pure: tests/unit/mountinfo.c): the
 * text of debugfs's bdi stats in pages, the cap the kernel computes from the
 * knobs, what binds, and the cap as the kernel keeps it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fusewb.h"

static bool stat_line(const char *line, const char *key, int64_t *pages, long page_kb)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != ':')
		return false;
	*pages = strtoll(line + n + 1, NULL, 10) / page_kb;
	return true;
}

void fwb_parse_bdi_stats(struct fwb_mount *m, char *s)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;

	/* cheap prefix tests: this runs for every mount on every refresh */
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (line[0] == 'D') {
			stat_line(line, "DirtyThresh", &m->dirty_thresh_pages, page_kb);
			continue;
		}
		if (line[0] != 'B')
			continue;
		if (!stat_line(line, "BdiWriteback", &m->bdi_writeback_pages, page_kb) &&
		    !stat_line(line, "BdiReclaimable", &m->bdi_dirty_pages, page_kb))
			stat_line(line, "BdiDirtyThresh", &m->bdi_thresh_pages, page_kb);
	}
}

/*
 * The kernel caps a bdi's threshold at thresh * max_ratio (__wb_calc_thresh:
 * thresh * wb_max_ratio / (100 * BDI_RATIO_SCALE), max_ratio in ppm from
 * 6.2; thresh * max_ratio / 100 before), below that it is the bdi's share
 * of recent writeback (plus min_ratio, or a floor for an idle bdi).
 * debugfs prints DirtyThresh and BdiDirtyThresh from the same thresh, so
 * the cap computed here is the kernel's to the page: the cap binds when
 * the threshold is within a page of it.  The knobs are read up to
 * KNOB_TTL_NS (sysfs.c) before the stats; a cap changed since shows within that.
 */
void fwb_bdi_limit(struct fwb_mount *m)
{
	m->cap_pages = -1;
	m->cap_binds = -1;
	if (m->dirty_thresh_pages < 0)
		return;
	if (m->max_ratio_fine >= 0)
		m->cap_pages = (int64_t)((__int128)m->dirty_thresh_pages * m->max_ratio_fine / 1000000);
	else if (m->max_ratio >= 0)
		m->cap_pages = m->dirty_thresh_pages * m->max_ratio / 100;
	if (m->cap_pages < 0 || m->bdi_thresh_pages < 0)
		return;
	m->cap_binds = m->bdi_thresh_pages + 1 >= m->cap_pages;
}

void fwb_fmt_max_ratio(char *buf, size_t len, const struct fwb_mount *m)
{
	double pct = m->max_ratio_fine >= 0 ? m->max_ratio_fine / 1e4 : m->max_ratio;

	if (pct < 0)
		snprintf(buf, len, "-");
	else	/* nudged up so that a ppm ending in 5 rounds up, as it reads in decimal */
		snprintf(buf, len, pct >= 1 ? "%.3g" : "%.2g", pct * (1 + 1e-9));
}

const char *fwb_limit_by_str(const struct fwb_mount *m)
{
	return m->cap_binds > 0 ? "cap" : m->cap_binds == 0 ? "share" : NULL;
}
