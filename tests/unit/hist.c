// SPDX-License-Identifier: GPL-2.0-only
/* log2 histogram quantiles and snapshot arithmetic */
#include "lib/fusewb.h"
#include "tap.h"

static void put(struct fwb_hist *h, double ns, int n)
{
	int slot = 0;

	while (slot < FWB_HIST_SLOTS - 1 && ldexp(1.0, slot + 1) <= ns)
		slot++;
	h->slots[slot] += n;
	h->count += n;
	h->sum_ns += (uint64_t)(ns * n);
	if (ns > h->max_ns)
		h->max_ns = ns;
}

int main(void)
{
	struct fwb_hist h = {0}, a = {0}, b = {0};

	ok(fwb_hist_quantile(&h, 0.5) == 0, "empty histogram has p50 0");
	ok(fwb_hist_max(&h) == 0, "empty histogram has max 0");

	/* 100 samples at 5 ms: slot [4.19 ms, 8.39 ms) */
	put(&h, 5e6, 100);
	ok(fwb_hist_quantile(&h, 0.5) >= 4194304 && fwb_hist_quantile(&h, 0.5) <= 5e6,
	   "p50 of 5 ms samples lies in their bucket and not above max (%.0f)", fwb_hist_quantile(&h, 0.5));
	is_num(fwb_hist_max(&h), 5e6, 0, "max is capped by the recorded max");
	is_num(fwb_hist_slot_upper_ns(22), 8388608, 0, "slot 22 upper bound is 2^23 ns");

	/* 90 fast (1 us) + 10 slow (1 s): p50 fast, p99 slow */
	memset(&h, 0, sizeof(h));
	put(&h, 1000, 90);
	put(&h, 1e9, 10);
	ok(fwb_hist_quantile(&h, 0.5) < 2048, "p50 of mostly-fast is fast (%.0f ns)", fwb_hist_quantile(&h, 0.5));
	ok(fwb_hist_quantile(&h, 0.99) > 5e8, "p99 sees the slow tail (%.0f ns)", fwb_hist_quantile(&h, 0.99));
	ok(fwb_hist_quantile(&h, 1.5) <= 1e9, "q above 1 is clamped");

	/* delta = cur - prev */
	put(&a, 1000, 5);
	b = a;
	put(&b, 1e6, 7);
	fwb_hist_sub(&b, &a);
	ok(b.count == 7, "delta count is 7 (got %llu)", (unsigned long long)b.count);
	ok(fwb_hist_quantile(&b, 0.5) > 5e5, "delta p50 is the new 1 ms samples");
	/* a counter that went backwards (map entry recreated) never underflows */
	fwb_hist_sub(&a, &b);
	ok(a.count == 0 || a.count <= 5, "no underflow on reset counters");
	fwb_hist_add(&a, &b);
	ok(a.max_ns >= 1e6, "add keeps the larger max");
	return tap_done();
}
