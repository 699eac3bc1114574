// SPDX-License-Identifier: GPL-2.0-only
/*
 * A log rate limit in the manner of the kernel's printk_ratelimit: at most
 * burst messages per window, the rest counted and reported once the window
 * ends.  Pure (the caller passes the time and holds any lock), so it is
 * unit-tested without sleeping.
 */
#include "fusewb.h"

bool fwb_ratelimit(struct fwb_ratelimit *r, uint64_t now_ns, uint64_t *missed)
{
	*missed = 0;
	if (!r->begin_ns || now_ns - r->begin_ns >= r->window_ns) {
		*missed = r->missed;
		r->begin_ns = now_ns ? now_ns : 1;
		r->shown = 0;
		r->missed = 0;
	}
	if (r->shown < r->burst) {
		r->shown++;
		return true;
	}
	r->missed++;
	return false;
}

uint64_t fwb_ratelimit_expire(struct fwb_ratelimit *r, uint64_t now_ns)
{
	uint64_t missed = r->missed;

	if (!r->begin_ns || now_ns - r->begin_ns < r->window_ns || !missed)
		return 0;
	r->begin_ns = 0;	/* the next message opens a new window */
	r->missed = 0;
	return missed;
}
