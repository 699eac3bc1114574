/* SPDX-License-Identifier: GPL-2.0-only */
/* Bit arithmetic for BPF programs: log2 buckets, bit indexes. */
#ifndef FWB_BITS_BPF_H
#define FWB_BITS_BPF_H

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xFFFFFFFFULL) << 5; v >>= s; r |= s;
	s = (v > 0xFFFF) << 4; v >>= s; r |= s;
	s = (v > 0xFF) << 3; v >>= s; r |= s;
	s = (v > 0xF) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	return r | (__u32)(v >> 1);
}

/*
 * The histogram slot of v, bounded in the 64-bit register that indexes the
 * array: clamped as a __u32, the compiler tests a 32-bit subregister, and
 * 6.1's verifier then rejects the index ("math between map_value pointer and
 * register with unbounded min value").  The barrier keeps the test on the
 * 64-bit value.
 */
static __always_inline __u64 hist_slot(__u64 v)
{
	__u64 slot = log2_u64(v);

	asm volatile("" : "+r"(slot));
	if (slot >= FWB_HIST_SLOTS)
		slot = FWB_HIST_SLOTS - 1;
	return slot;
}

/* index of the one bit set in x: the bits below it counted, without branches (each would double the verifier's paths) */
static __always_inline __u32 bit_index(__u64 x)
{
	__u64 v = x - 1;

	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (v * 0x0101010101010101ULL) >> 56;
}

#endif
