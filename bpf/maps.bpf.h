/* SPDX-License-Identifier: GPL-2.0-only */
/* Map and shared-value helpers for BPF programs. */
#ifndef FWB_MAPS_BPF_H
#define FWB_MAPS_BPF_H

/* A racing larger value wins; a few retries, as only the daemon's threads race here. */
static __always_inline void store_max(__u64 *p, __u64 v)
{
	__u64 old = *p;

	for (int i = 0; i < 4 && v > old; i++) {
		__u64 seen = __sync_val_compare_and_swap(p, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

#endif
