/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pending table (fusewb.h): where a request's slot is, claiming and
 * finding it.  Sends claim slots (requests.bpf.c), so do seeds (seed.bpf.c);
 * completions find them.
 */
#ifndef FWB_PENDING_BPF_H
#define FWB_PENDING_BPF_H

#include "shared.bpf.h"

/* A request is named by (connection, unique). */
static __always_inline __u64 key_of(__u32 conn, __u64 unique)
{
	return ((__u64)conn << 32) | (__u32)unique;
}

static __always_inline __u32 addr_slot_of(__u64 addr)
{
	return (addr * 0x9E3779B97F4A7C15ULL) >> (64 - FWB_PENDING_HOT_SHIFT);
}

/* In order of unique; each connection starts elsewhere in the table. */
static __always_inline __u32 hot_slot_of(__u32 conn, __u64 unique)
{
	return ((__u32)(unique >> 1) + conn * 0x9E3779B1U) & (FWB_PENDING_HOT - 1);
}

static __always_inline __u32 cold_slot_of(__u64 key)
{
	return (key * 0x9E3779B97F4A7C15ULL) >> (64 - FWB_PENDING_SHIFT);
}

static __always_inline struct fwb_pending *claim(struct fwb_pending *a, struct fwb_pending *b, __u64 key)
{
	if (__sync_val_compare_and_swap(&a->key, 0, key) == 0)
		return a;
	if (__sync_val_compare_and_swap(&b->key, 0, key) == 0)
		return b;
	return NULL;
}

static __always_inline struct fwb_pending *find(struct fwb_pending *a, struct fwb_pending *b, __u64 key)
{
	if (a->key == key)
		return a;
	if (b->key == key)
		return b;
	return NULL;
}

/* The slot holding key: in the pair at hot, else in its cold pair (*in_cold). */
static __always_inline struct fwb_pending *lookup(__u32 hot, __u64 key, bool *in_cold)
{
	struct fwb_pending *p = find(&pending_hot[hot & (FWB_PENDING_HOT - 1)],
				     &pending_hot[(hot ^ 1) & (FWB_PENDING_HOT - 1)], key);
	__u32 cold;

	*in_cold = false;
	if (p)
		return p;
	cold = cold_slot_of(key);
	p = find(&pending[cold], &pending[cold ^ 1], key);
	*in_cold = p != NULL;
	return p;
}

/*
 * Seeds are placed off the hot path, so they may look further for a free
 * cold pair than a send does: up to FWB_SEED_PAIRS pairs from the key's
 * own.  A thousand requests taken in at once would otherwise lose a few
 * percent to full pairs.  Only lookups for a seed probe them: a completion's
 * second try, and the seed's own checks.
 */
#define FWB_SEED_PAIRS	8

static __always_inline struct fwb_pending *seed_lookup(__u32 hot, __u64 key, bool *in_cold)
{
	struct fwb_pending *p = lookup(hot, key, in_cold);
	__u32 cold = cold_slot_of(key), c;

	for (int i = 1; i < FWB_SEED_PAIRS && !p; i++) {
		c = (cold + 2 * i) & (FWB_PENDING_SLOTS - 1);
		p = find(&pending[c], &pending[c ^ 1], key);
		*in_cold = p != NULL;
	}
	return p;
}

#endif
