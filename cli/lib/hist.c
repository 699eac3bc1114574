// SPDX-License-Identifier: GPL-2.0-only
/* log2 latency histograms: quantiles and arithmetic on snapshots */
#include <math.h>
#include "fusewb.h"

double fwb_hist_slot_upper_ns(int i)
{
	return ldexp(1.0, i + 1);
}

double fwb_hist_quantile(const struct fwb_hist *h, double q)
{
	uint64_t total = 0, seen = 0;
	double rank;
	int i;

	for (i = 0; i < FWB_HIST_SLOTS; i++)
		total += h->slots[i];
	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * total;
	for (i = 0; i < FWB_HIST_SLOTS; i++) {
		uint64_t n = h->slots[i];
		double lo, hi, v;

		if (!n || seen + n < rank) {
			seen += n;
			continue;
		}
		/* linear inside the bucket, as Prometheus' histogram_quantile does */
		lo = i ? ldexp(1.0, i) : 0;
		hi = fwb_hist_slot_upper_ns(i);
		v = lo + (hi - lo) * ((rank - seen) / n);
		/* never report beyond the largest value actually seen */
		if (h->max_ns && v > h->max_ns)
			v = h->max_ns;
		return v;
	}
	return h->max_ns;
}

void fwb_hist_add(struct fwb_hist *dst, const struct fwb_hist *src)
{
	for (int i = 0; i < FWB_HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

/* max is not a counter: the delta keeps the current max, the best available */
void fwb_hist_sub(struct fwb_hist *dst, const struct fwb_hist *old)
{
	for (int i = 0; i < FWB_HIST_SLOTS; i++)
		dst->slots[i] -= old->slots[i] <= dst->slots[i] ? old->slots[i] : dst->slots[i];
	dst->count -= old->count <= dst->count ? old->count : dst->count;
	dst->sum_ns -= old->sum_ns <= dst->sum_ns ? old->sum_ns : dst->sum_ns;
}

/* Largest value in the histogram: the top bucket's bound, but never above the recorded max. */
double fwb_hist_max(const struct fwb_hist *h)
{
	for (int i = FWB_HIST_SLOTS - 1; i >= 0; i--)
		if (h->slots[i]) {
			double hi = fwb_hist_slot_upper_ns(i);

			return h->max_ns && h->max_ns < hi ? h->max_ns : hi;
		}
	return 0;
}
