// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots: the one assembler.  Mountinfo (mountinfo.c), sysfs, fusectl
 * and debugfs (sysfs.c), the maps and the pending table, and the kernel
 * writeback view (kwb.c) turned into per-mount records; delta.c does what
 * follows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector_priv.h"
#include "fusewb.skel.h"
#include "kwb.h"

#define MAX_PENDING_LISTED 64

/* Was the connection in the previous snapshot? (map entries are deleted only when two agree it is gone) */
static bool conn_was_seen(const struct fwb_collector *c, uint32_t conn)
{
	for (int i = 0; i < c->nlast_conns; i++)
		if (c->last_conns[i] == conn)
			return true;
	return false;
}

static void remember_conns(struct fwb_collector *c, const struct fwb_snapshot *s)
{
	uint32_t *n = realloc(c->last_conns, sizeof(*n) * (s->nmounts ? s->nmounts : 1));

	if (!n)
		return;
	c->last_conns = n;
	c->nlast_conns = s->nmounts;
	for (int i = 0; i < s->nmounts; i++)
		n[i] = s->mounts[i].conn;
}

/* Same connections, in the same order, as the previous snapshot? */
static bool same_conns(const struct fwb_collector *c, const struct fwb_snapshot *s)
{
	if (c->nlast_conns != s->nmounts)
		return false;
	for (int i = 0; i < s->nmounts; i++)
		if (c->last_conns[i] != s->mounts[i].conn)
			return false;
	return true;
}

/*
 * Name every mount's bdi to the throttle program (fuse_bdis) and drop the
 * names of gone mounts, when the set of mounts changed.  The BPF side also
 * names a bdi at the first folio dirtied on it, so pauses before a front
 * end's first snapshot, or of a mount newer than its last, count too.
 */
static void sync_fuse_bdis(struct fwb_collector *c, struct fwb_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.fuse_bdis);
	struct fwb_bdi_key k, *gone = NULL;
	int ngone = 0, cap = 0;
	bool first = true;
	uint32_t conn;

	/* two syscalls a mount otherwise, on every refresh, for a set that rarely changes */
	if (c->bdis_synced && same_conns(c, s))
		return;
	c->bdis_synced = true;

	/* collect first: a delete during the walk would restart it, quadratic in gone mounts */
	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &k)) {
		bool keep = false;

		first = false;
		for (int i = 0; i < s->nmounts && !keep; i++)
			keep = !strncmp(s->mounts[i].bdi, k.name, sizeof(k.name));
		if (keep)
			continue;
		if (ngone == cap) {
			struct fwb_bdi_key *g = realloc(gone, (cap = cap ? 2 * cap : 16) * sizeof(*g));

			if (!g)
				break;
			gone = g;
		}
		gone[ngone++] = k;
	}
	for (int i = 0; i < ngone; i++) {
		if (bpf_map_lookup_elem(fd, &gone[i], &conn) || bpf_map_delete_elem(fd, &gone[i]))
			continue;
		/* the BPF side names the bdi again if the connection number is reused */
		if (c->skel->bss->bdi_learned[conn & (FWB_MAX_BDIS - 1)] == conn)
			c->skel->bss->bdi_learned[conn & (FWB_MAX_BDIS - 1)] = 0;
	}
	free(gone);
	c->nbdis_unsynced = 0;
	for (int i = 0; i < s->nmounts; i++) {
		uint32_t *n;

		memset(&k, 0, sizeof(k));
		memcpy(k.name, s->mounts[i].bdi, sizeof(k.name) - 1);
		if (!bpf_map_update_elem(fd, &k, &s->mounts[i].conn, BPF_ANY))
			continue;
		/* a full map: that mount's throttling is unknown, not 0 */
		c->bdis_unsynced_total++;
		n = realloc(c->bdis_unsynced, sizeof(*n) * (c->nbdis_unsynced + 1));
		if (n) {
			c->bdis_unsynced = n;
			n[c->nbdis_unsynced++] = s->mounts[i].conn;
		}
	}
}

static bool bdi_unsynced(const struct fwb_collector *c, uint32_t conn)
{
	for (int i = 0; i < c->nbdis_unsynced; i++)
		if (c->bdis_unsynced[i] == conn)
			return true;
	return false;
}

/* One row of the mapped op_stats array as a struct fwb_op of mount m. */
static void add_op(struct fwb_mount *m, uint32_t opcode, const struct fwb_op_stats *v)
{
	struct fwb_op *o = &m->ops[m->nops++];

	memset(o, 0, sizeof(*o));
	o->opcode = opcode;
	o->count = v->count;
	o->errors = v->errors;
	o->bytes = v->bytes;
	memcpy(o->lat.slots, v->hist, sizeof(o->lat.slots));
	o->lat.count = v->timed;
	o->lat.sum_ns = v->lat_sum_ns;
	o->lat.max_ns = v->lat_max_ns;
	o->split = (struct fwb_split){ v->split, v->queue_sum_ns, v->queue_max_ns, v->serve_sum_ns,
				       v->serve_max_ns };
	if (opcode & FWB_OP_WRITEBACK) {
		m->wb_split = o->split;
		m->wb_writes = v->count;
		m->wb_bytes = v->bytes;
		m->wb_pages = v->pages;
		m->wb_errors = v->errors;
		m->wb_inflight_pages = v->inflight_pages;
		m->wb_lat = o->lat;
	}
}

static uint32_t row_opcode(int row)
{
	return row == FWB_OPS_WB_ROW ? FUSE_WRITE | FWB_OP_WRITEBACK : (uint32_t)row;
}

/* the snapshot's mounts by connection, for walks over the slot table */
struct conn_ix {
	uint32_t conn;
	int i;
};

static int cmp_conn_ix(const void *a, const void *b)
{
	uint32_t x = ((const struct conn_ix *)a)->conn, y = ((const struct conn_ix *)b)->conn;

	return x < y ? -1 : x > y;
}

static struct conn_ix *index_mounts(const struct fwb_snapshot *s)
{
	struct conn_ix *ix = malloc(sizeof(*ix) * (s->nmounts ? s->nmounts : 1));

	for (int i = 0; ix && i < s->nmounts; i++)
		ix[i] = (struct conn_ix){ s->mounts[i].conn, i };
	if (ix)
		qsort(ix, s->nmounts, sizeof(*ix), cmp_conn_ix);
	return ix;
}

static int ix_find(const struct conn_ix *ix, int n, uint32_t conn)
{
	struct conn_ix k = { conn, 0 }, *f = bsearch(&k, ix, n, sizeof(*ix), cmp_conn_ix);

	return f ? f->i : -1;
}

/*
 * A slot whose connection is gone: rows zeroed, then the block and the slot
 * freed, so its counters never come back under a reused connection number.
 * Gone means missed by two snapshots in a row: a mount that appeared after
 * this snapshot read mountinfo already has a slot, and must keep it.
 */
static void free_stale_slots(struct fwb_collector *c, struct fwb_snapshot *s)
{
	struct fusewb_bpf__bss *bss = c->skel->bss;
	struct conn_ix *ix;

	if (!c->ops_miss && !(c->ops_miss = calloc(c->ops_slots, sizeof(*c->ops_miss))))
		return;
	if (!(ix = index_mounts(s)))
		return;
	for (int slot = 0; slot < c->ops_slots; slot++) {
		__u32 conn = bss->ops_conn[slot], blk;

		if (!conn || ix_find(ix, s->nmounts, conn) >= 0) {
			c->ops_miss[slot].n = 0;
			continue;
		}
		if (c->ops_miss[slot].conn != conn)
			c->ops_miss[slot] = (struct fwb_ops_miss){ conn, 0 };
		if (++c->ops_miss[slot].n < 2)
			continue;
		c->ops_miss[slot].n = 0;
		blk = bss->ops_block[slot];
		if (blk && blk != FWB_OPS_NO_BLOCK && (int)blk <= c->ops_blocks) {
			for (int row = 0; row < FWB_OPS_ROWS; row++)
				if (bss->ops_rows_used[slot] & (1ULL << row))
					memset(&c->op_rows[(blk - 1) * FWB_OPS_ROWS + row], 0, sizeof(*c->op_rows));
		}
		bss->ops_rows_used[slot] = 0;
		__atomic_store_n(&bss->ops_block[slot], 0, __ATOMIC_RELEASE);
		if (blk && blk != FWB_OPS_NO_BLOCK && (int)blk <= c->ops_blocks)
			__atomic_fetch_and(&bss->ops_blocks_taken[(blk - 1) / 64], ~(1ULL << (blk - 1) % 64),
					   __ATOMIC_RELEASE);
		__atomic_store_n(&bss->ops_conn[slot], 0, __ATOMIC_RELEASE);
	}
	free(ix);
}

/*
 * The rows are read in place: each counter is one aligned 64-bit load, so
 * a row read while the BPF side adds to it is at worst a few events short
 * in some fields, as a read between two per-CPU increments was before.
 * nblocks: the blocks rows holds (a peer's may differ from ours).
 *
 * A mount is untracked when its connection has no block (none was free when
 * it began), or has no slot while some connection found none (then an idle
 * mount and one that was never counted look alike).
 */
static void read_op_rows(const struct fusewb_bpf__bss *bss, const struct fwb_op_stats *rows, int nblocks,
			 struct fwb_snapshot *s)
{
	const volatile struct fusewb_bpf__bss *b = bss;
	bool noslot = b->ops_noslot != 0;
	struct conn_ix *ix = index_mounts(s);

	for (int i = 0; i < s->nmounts; i++)
		s->mounts[i].ops_untracked = noslot || !ix;
	for (int slot = 0; ix && slot < FWB_OPS_SLOTS_MAX; slot++) {
		__u32 conn = b->ops_conn[slot], blk;
		struct fwb_mount *m;
		__u64 used;
		int i;

		if (!conn || (i = ix_find(ix, s->nmounts, conn)) < 0 || (m = &s->mounts[i])->ops)
			continue;
		blk = b->ops_block[slot];
		m->ops_untracked = blk == FWB_OPS_NO_BLOCK || (int)blk > nblocks;
		/* blk 0: claimed this instant, its first request not yet counted */
		if (!blk || m->ops_untracked || !(used = b->ops_rows_used[slot]))
			continue;
		m->ops = calloc(__builtin_popcountll(used), sizeof(*m->ops));
		if (!m->ops)
			continue;
		/* ascending rows: ops come out sorted by opcode, writeback WRITEs last */
		for (int row = 0; row < FWB_OPS_ROWS; row++)
			if (used & (1ULL << row))
				add_op(m, row_opcode(row), &rows[(blk - 1) * FWB_OPS_ROWS + row]);
	}
	free(ix);
}

/* The index in op_rows of connection conn's row, or -1 when it has no block (rare: a walk of the slots) */
static int ops_row_of(const struct fwb_collector *c, uint32_t conn, int row)
{
	const struct fusewb_bpf__bss *bss = c->skel->bss;

	for (int slot = 0; slot < c->ops_slots; slot++) {
		__u32 blk = bss->ops_block[slot];

		if (bss->ops_conn[slot] == conn && blk && blk != FWB_OPS_NO_BLOCK && (int)blk <= c->ops_blocks)
			return (blk - 1) * FWB_OPS_ROWS + row;
	}
	return -1;
}

static void read_ops(struct fwb_collector *c, struct fwb_snapshot *s)
{
	read_op_rows(c->skel->bss, c->op_rows, c->ops_blocks, s);
	free_stale_slots(c, s);
}

static void read_tasks(struct fwb_collector *c, struct fwb_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.task_stats);
	struct fwb_task_key k, *prev = NULL;
	struct fwb_task_stats v;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		struct fwb_mount *m = fwb_snapshot_mount(s, k.conn);
		struct fwb_task *t = NULL, *n;

		prev = &k;
		if (!m || bpf_map_lookup_elem(fd, &k, &v))
			continue;
		for (int i = 0; i < m->ntasks; i++)
			if (m->tasks[i].tgid == k.tgid)
				t = &m->tasks[i];
		if (!t) {
			n = realloc(m->tasks, sizeof(*n) * (m->ntasks + 1));
			if (!n)
				continue;
			m->tasks = n;
			t = &m->tasks[m->ntasks++];
			memset(t, 0, sizeof(*t));
			t->tgid = k.tgid;
			memcpy(t->comm, v.comm, sizeof(t->comm));
		}
		if (k.kind == FWB_TASK_DIRTY) {
			t->dirtied = v.count;
		} else if (k.kind == FWB_TASK_REDIRTY) {
			t->redirty_waits = v.count;
			t->redirty_wait_ns = v.wait_ns;
		} else if (k.kind == FWB_TASK_NOWRITE) {
			t->nowrite_waits = v.count;
			t->nowrite_wait_ns = v.wait_ns;
		} else {
			t->wbwaits = v.count;
		}
	}
}

static void take_bdi(struct fwb_mount *m, const struct fwb_bdi_stats *v, bool peaks)
{
	m->throttle_count = v->throttle_count;
	m->throttle_ns = v->throttle_ns;
	if (peaks && v->peak_taken) {
		m->peak_dirty_pages = FWB_PEAK_DIRTY(v->peak_taken);
		m->peak_limit_pages = FWB_PEAK_LIMIT(v->peak_taken);
	}
}

/*
 * Only bdis that were ever throttled have an entry: read what is there in
 * batches rather than look up every mount (a failed lookup is a syscall too).
 */
static void read_bdis(struct fwb_collector *c, struct fwb_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.bdi_stats);
	__u32 keys[64], batch, count;
	struct fwb_bdi_stats vals[64];
	bool first = true, peaks;
	int err;

	/* a bdi without an entry was not throttled: 0 is then a fact, but only with the program attached */
	if (!fwb_source_group_in_use(c->srcs, c->nsrcs, "throttle"))
		return;
	for (int i = 0; i < s->nmounts; i++)
		s->mounts[i].throttle_have = !bdi_unsynced(c, s->mounts[i].conn);
	/* this interval's peaks into peak_taken (see bdi_peaks_take); if that fails, none is shown */
	peaks = !bpf_prog_test_run_opts(bpf_program__fd(c->skel->progs.bdi_peaks_take), NULL);
	do {
		struct fwb_mount *m;

		count = 64;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &count, NULL);
		if (err && errno != ENOENT)
			break;
		first = false;
		for (__u32 i = 0; i < count; i++)
			if ((m = fwb_snapshot_mount(s, keys[i])))
				take_bdi(m, &vals[i], peaks);
			else if (!conn_was_seen(c, keys[i]))	/* gone for two snapshots */
				bpf_map_delete_elem(fd, &keys[i]);
	} while (!err);
	if (!err || errno == ENOENT)
		return;
	for (int i = 0; i < s->nmounts; i++) {	/* kernels without batch lookups */
		struct fwb_bdi_stats v;

		if (!bpf_map_lookup_elem(fd, &s->mounts[i].conn, &v))
			take_bdi(&s->mounts[i], &v, peaks);
	}
}

static int cmp_pending(const void *a, const void *b)
{
	const struct fwb_pending_req *x = a, *y = b;

	return (x->age_ns < y->age_ns) - (x->age_ns > y->age_ns);
}

static void scan_pending(const struct fwb_pending *tab, int nslots, struct fwb_snapshot *s,
			 uint32_t now_jiffies, uint64_t ns_per_jiffy, bool key_by_addr, bool split)
{
	for (int i = 0; i < nslots; i++) {
		/* opcode is 0 while a send is still filling the slot in: read first, published last */
		uint32_t opcode = __atomic_load_n(&tab[i].opcode, __ATOMIC_ACQUIRE);
		struct fwb_pending p = tab[i];	/* copy: the kernel may change it meanwhile */
		struct fwb_mount *m;
		uint64_t age;
		int in_service;

		p.opcode = opcode;
		if (!p.key || p.key == FWB_KEY_BUSY || !p.opcode || !(m = fwb_snapshot_mount(s, p.conn)))
			continue;
		/* left over from before the kernel showed which naming it needs (seeds have their own) */
		if (!(p.opcode & FWB_PENDING_SEEDED) && FWB_KEY_IS_ADDR(p.key) != key_by_addr)
			continue;
		age = (uint64_t)(uint32_t)(now_jiffies - p.start_jiffies) * ns_per_jiffy;
		m->pending_count++;
		/* a seed was read or not before we attached: its send and read were not seen */
		in_service = !split || (p.opcode & FWB_PENDING_SEEDED) ? -1 : p.sent_jiffies != 0;
		if (in_service > 0)
			m->pending_in_service++;
		if (age > m->pending_oldest_ns)
			m->pending_oldest_ns = age;
		if (p.opcode & FWB_PENDING_AGE_MIN)
			m->pending_oldest_min = 1;
		if (m->npending < MAX_PENDING_LISTED * 4) {
			struct fwb_pending_req *n = realloc(m->pending, sizeof(*n) * (m->npending + 1));
			bool by_addr = FWB_KEY_IS_ADDR(p.key);

			if (!n)
				continue;
			m->pending = n;
			n[m->npending++] = (struct fwb_pending_req){
				.age_ns = age, .nodeid = p.nodeid, .pid = p.pid, .pages = p.pages,
				.opcode = p.opcode & ~FWB_PENDING_FLAGS,
				.unique = by_addr ? 0 : (uint32_t)p.key,
				.addr = by_addr ? p.key & ~FWB_KEY_QUEUED_BIT : 0,
				.seeded = p.opcode & FWB_PENDING_SEEDED,
				.age_min = p.opcode & FWB_PENDING_AGE_MIN,
				.queued = p.opcode & FWB_PENDING_QUEUED,
				.in_service = in_service,
				.service_ns = in_service > 0 ?
					(uint64_t)(uint32_t)(now_jiffies - p.sent_jiffies) * ns_per_jiffy : 0,
			};
		}
	}
}

/*
 * A seed (a request taken in from the kernel's queues at start) on a
 * connection whose fusectl 'waiting' reads 0 is stale: every request the
 * kernel holds counts there from its queueing to its last reference, and
 * waiting was read after the seeding walk.  One whose completion the table
 * missed would otherwise stay pending and age for ever; so may a seed of a
 * request that waited for a background slot, if the request's memory was
 * reused before read_clock saw it sent.  Taken back here as unseed() does
 * in the BPF side: the compare-and-swap to FWB_KEY_BUSY decides between
 * this and a completion.
 */
static void retire_stale_seeds_in(struct fwb_collector *c, struct fwb_pending *tab, int nslots, bool cold,
				  struct fwb_snapshot *s)
{
	struct fusewb_bpf__bss *bss = c->skel->bss;

	for (int i = 0; i < nslots; i++) {
		struct fwb_pending *p = &tab[i];
		uint64_t key = __atomic_load_n(&p->key, __ATOMIC_ACQUIRE);
		uint32_t opcode = __atomic_load_n(&p->opcode, __ATOMIC_ACQUIRE);
		struct fwb_mount *m;
		int row;

		if (!key || key == FWB_KEY_BUSY || !(opcode & FWB_PENDING_SEEDED) ||
		    !(m = fwb_snapshot_mount(s, p->conn)) || m->waiting != 0)
			continue;
		if (!__atomic_compare_exchange_n(&p->key, &key, FWB_KEY_BUSY, false, __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			continue;
		opcode = p->opcode;
		row = ops_row_of(c, p->conn, FWB_OPS_WB_ROW);
		if ((opcode & FWB_OP_WRITEBACK) && row >= 0)
			__atomic_fetch_sub(&c->op_rows[row].inflight_pages, (int64_t)p->pages, __ATOMIC_RELAXED);
		if (cold)
			__atomic_fetch_sub(&bss->pending_cold_used, 1, __ATOMIC_RELAXED);
		if (opcode & FWB_PENDING_QUEUED)
			__atomic_fetch_sub(&bss->pending_queued, 1, __ATOMIC_RELAXED);
		p->opcode = 0;
		__atomic_store_n(&p->key, 0, __ATOMIC_RELEASE);
	}
}

static void retire_stale_seeds(struct fwb_collector *c, struct fwb_snapshot *s)
{
	struct fusewb_bpf__bss *bss = c->skel->bss;

	if (!bss->pending_seeds)
		return;
	retire_stale_seeds_in(c, bss->pending_hot, FWB_PENDING_HOT, false, s);
	if (bss->pending_cold_used > 0)
		retire_stale_seeds_in(c, bss->pending, FWB_PENDING_SLOTS, true, s);
}

/* The pending tables of bss (ours or a peer's), aged against our clock: jiffies are global. */
static void read_pending(struct fwb_collector *c, const struct fusewb_bpf__bss *bss, struct fwb_snapshot *s)
{
	uint64_t ns_per_jiffy = 1000000000ULL / (c->ki.hz ? c->ki.hz : 250);
	bool split = fwb_source_group_in_use(c->srcs, c->nsrcs, FWB_GROUP_REQ_SENT);
	uint32_t now_jiffies;
	bool by_addr;

	for (int i = 0; i < s->nmounts; i++)
		s->mounts[i].split_have = split;
	if (bpf_prog_test_run_opts(bpf_program__fd(c->skel->progs.read_clock), NULL))
		return;
	now_jiffies = c->skel->bss->clock.jiffies;
	by_addr = bss->key_by_addr;
	scan_pending(bss->pending_hot, FWB_PENDING_HOT, s, now_jiffies, ns_per_jiffy, by_addr, split);
	if (bss->pending_cold_used > 0)
		scan_pending(bss->pending, FWB_PENDING_SLOTS, s, now_jiffies, ns_per_jiffy, by_addr, split);
	for (int i = 0; i < s->nmounts; i++) {
		struct fwb_mount *m = &s->mounts[i];

		qsort(m->pending, m->npending, sizeof(*m->pending), cmp_pending);
		if (m->npending > MAX_PENDING_LISTED)
			m->npending = MAX_PENDING_LISTED;
	}
}

#define DEVFILES_TTL_NS	(2 * 1000000000ULL)

/* Run the task_file iterator, at most every DEVFILES_TTL_NS: daemons come and go rarely. */
static void refresh_devfiles(struct fwb_collector *c, uint64_t now)
{
	struct fwb_devfile df, *n;
	int fd;

	if (!c->iter_link || (c->devfiles_ns && now - c->devfiles_ns < DEVFILES_TTL_NS))
		return;
	fd = bpf_iter_create(bpf_link__fd(c->iter_link));
	if (fd < 0)
		return;
	c->ndevfiles = 0;
	while (read(fd, &df, sizeof(df)) == sizeof(df)) {
		n = realloc(c->devfiles, sizeof(*n) * (c->ndevfiles + 1));
		if (!n)
			break;
		c->devfiles = n;
		c->devfiles[c->ndevfiles++] = df;
	}
	close(fd);
	c->devfiles_ns = now;
}

static void read_daemons(struct fwb_collector *c, struct fwb_snapshot *s)
{
	refresh_devfiles(c, s->mono_ns);
	for (int i = 0; i < c->ndevfiles; i++) {
		const struct fwb_devfile *df = &c->devfiles[i];
		struct fwb_mount *m = fwb_snapshot_mount(s, df->conn);
		bool seen = false;

		if (!m)
			continue;
		for (int j = 0; j < m->ndaemons; j++)
			seen |= m->daemons[j].tgid == (int)df->tgid;
		if (seen || m->ndaemons == FWB_MAX_DAEMONS)
			continue;
		m->daemons[m->ndaemons].tgid = df->tgid;
		memcpy(m->daemons[m->ndaemons].comm, df->comm, sizeof(df->comm));
		m->daemons[m->ndaemons].state = df->state ? df->state : '?';
		m->ndaemons++;
	}
}

int fwb_snapshot_take(struct fwb_collector *c, struct fwb_snapshot *s)
{
	struct timespec ts;
	int err;

	memset(s, 0, sizeof(*s));
	err = fwb_mtab_read(&c->mtab, &s->mounts, &s->nmounts);
	if (err)
		return err;
	for (int i = 0; i < s->nmounts; i++)
		fwb_sysfs_read(&c->sysfs, &s->mounts[i], fwb_mono_ns());
	s->mono_ns = fwb_mono_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	s->wall = ts.tv_sec + ts.tv_nsec / 1e9;
	fwb_read_vmstat(&s->vm);
	if (!c->skel)
		return 0;
	sync_fuse_bdis(c, s);
	read_ops(c, s);
	/* a request is counted at its end, paired with its send: both sources are needed */
	if (!fwb_source_group_in_use(c->srcs, c->nsrcs, "requests") ||
	    !fwb_source_group_in_use(c->srcs, c->nsrcs, "requests-end"))
		for (int i = 0; i < s->nmounts; i++)
			s->mounts[i].req_unknown = true;
	read_tasks(c, s);
	fwb_kwb_read(&(struct fwb_kwb_ctx){
		.stats_fd = bpf_map__fd(c->skel->maps.kwb_stats),
		.have = fwb_kwb_have(c->srcs, c->nsrcs),
		.seen = c->last_conns, .nseen = c->nlast_conns,
	}, s);
	read_bdis(c, s);
	retire_stale_seeds(c, s);
	read_pending(c, c->skel->bss, s);
	read_daemons(c, s);
	remember_conns(c, s);
	s->drops = c->skel->bss->drops;
	s->drops.bdistats_full += c->bdis_unsynced_total;
	return 0;
}

int fwb_peer_snapshot(struct fwb_collector *c, const struct fwb_peer *p, const struct fwb_snapshot *base,
		      struct fwb_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (!c->skel || !p->bss)
		return -ENOENT;
	/* base's mounts, named only: the peer's maps fill the rest, sysfs is not read again */
	s->mounts = calloc(base->nmounts ? base->nmounts : 1, sizeof(*s->mounts));
	if (!s->mounts)
		return -ENOMEM;
	s->nmounts = base->nmounts;
	for (int i = 0; i < s->nmounts; i++) {
		s->mounts[i].conn = base->mounts[i].conn;
		memcpy(s->mounts[i].mountpoint, base->mounts[i].mountpoint, sizeof(s->mounts[i].mountpoint));
	}
	s->mono_ns = fwb_mono_ns();
	read_op_rows(p->bss, p->rows, p->rows_len / (FWB_OPS_ROWS * sizeof(struct fwb_op_stats)), s);
	read_pending(c, p->bss, s);
	s->drops = ((const struct fusewb_bpf__bss *)p->bss)->drops;
	return 0;
}
