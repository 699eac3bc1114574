// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading, attaching and detaching the BPF collector.  This is the only
 * loader in fusewb: every front end opens a collector here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "collector_priv.h"
#include "fusewb.skel.h"

static char libbpf_last[512];
/* the program libbpf last failed to load, and why (loadlog.c) */
static struct fwb_load_failure failed;

/* libbpf's own chatter is kept back; its last warning explains a failed load */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list aq;
	char *msg;
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (msg) {
		va_copy(aq, ap);
		vsnprintf(msg, (size_t)n + 1, fmt, aq);
		va_end(aq);
		fwb_load_failure_note(&failed, msg);
		if (getenv("FUSEWB_DEBUG"))
			fputs(msg, stderr);
		else
			snprintf(libbpf_last, sizeof(libbpf_last), "%s", msg);
		free(msg);
	}
	return 0;
}

/*
 * The sources whose program failed to load: failed, with the verifier's
 * reason; the next alternative of their group (if any, and not excluded by
 * --source) takes over.  False if no source in use names the program.
 */
static bool fail_sources(struct fwb_collector *c, const char *prog, const char *why)
{
	bool found = false;

	for (int i = 0; i < c->nsrcs; i++) {
		struct fwb_source *s = &c->srcs[i];

		if (s->state != FWB_SRC_IN_USE || !s->prog ||
		    (strcmp(s->prog, prog) && (!s->prog2 || strcmp(s->prog2, prog))))
			continue;
		found = true;
		s->state = FWB_SRC_FAILED;
		snprintf(s->reason, sizeof(s->reason), "%.32s rejected: %.115s", prog, why);
		for (int j = i + 1; j < c->nsrcs; j++) {
			struct fwb_source *alt = &c->srcs[j];

			if (strcmp(alt->group, s->group) || alt->state != FWB_SRC_AVAILABLE ||
			    !strncmp(alt->reason, "not chosen", 10))
				continue;
			alt->state = FWB_SRC_IN_USE;
			alt->reason[0] = 0;
			break;
		}
	}
	return found;
}

static struct bpf_program *prog_by_name(struct fwb_collector *c, const char *name)
{
	return bpf_object__find_program_by_name(c->skel->obj, name);
}

static void set_autoload(struct fwb_collector *c)
{
	struct bpf_program *p;

	/* a program is loaded only if some source in use names it */
	bpf_object__for_each_program(p, c->skel->obj) {
		/* syscall programs are the collector's own plumbing, run on demand */
		bool want = bpf_program__type(p) == BPF_PROG_TYPE_SYSCALL;

		for (int i = 0; i < c->nsrcs; i++)
			if (c->srcs[i].state == FWB_SRC_IN_USE &&
			    ((c->srcs[i].prog && !strcmp(c->srcs[i].prog, bpf_program__name(p))) ||
			     (c->srcs[i].prog2 && !strcmp(c->srcs[i].prog2, bpf_program__name(p)))))
				want = true;
		bpf_program__set_autoload(p, want);
	}
}

/* A source's second program (its fexit, its kretprobe): both or neither. */
static bool attach_second(struct fwb_collector *c, struct fwb_source *s)
{
	struct bpf_program *p = prog_by_name(c, s->prog2);
	struct bpf_link *l;

	if (!p) {
		snprintf(s->reason, sizeof(s->reason), "program %s missing from the object", s->prog2);
		return false;
	}
	if (c->nlinks == FWB_MAX_LINKS) {
		snprintf(s->reason, sizeof(s->reason), "too many programs to attach");
		return false;
	}
	l = bpf_program__attach(p);
	if (!l) {
		snprintf(s->reason, sizeof(s->reason), "attach %s: %s", s->prog2, strerror(errno));
		return false;
	}
	c->links[c->nlinks++] = l;
	return true;
}

static void attach_all(struct fwb_collector *c)
{
	for (int i = 0; i < c->nsrcs; i++) {
		struct fwb_source *s = &c->srcs[i];
		struct bpf_program *p;
		struct bpf_link *l;

		if (!s->prog || s->state != FWB_SRC_IN_USE)
			continue;
		if (s->prog2 && !attach_second(c, s)) {
			s->state = FWB_SRC_FAILED;
			continue;
		}
		p = prog_by_name(c, s->prog);
		if (!p) {
			s->state = FWB_SRC_FAILED;
			snprintf(s->reason, sizeof(s->reason), "program %s missing from the object", s->prog);
			continue;
		}
		if (bpf_program__type(p) == BPF_PROG_TYPE_TRACING &&
		    bpf_program__expected_attach_type(p) == BPF_TRACE_ITER) {
			l = bpf_program__attach_iter(p, NULL);
			if (!l) {
				s->state = FWB_SRC_FAILED;
				snprintf(s->reason, sizeof(s->reason), "iterator attach: %s", strerror(errno));
			} else {
				/* iters[] owns every link; iter_link is a shortcut into it */
				if (c->niters == FWB_MAX_LINKS) {
					bpf_link__destroy(l);
					continue;
				}
				if (!strcmp(s->prog, "fuse_devfiles"))
					c->iter_link = l;
				c->iter_names[c->niters] = s->prog;
				c->iters[c->niters++] = l;
			}
			continue;
		}
		l = bpf_program__attach(p);
		if (!l) {
			s->state = FWB_SRC_FAILED;
			snprintf(s->reason, sizeof(s->reason), "attach: %s", strerror(errno));
			continue;
		}
		c->links[c->nlinks++] = l;
	}
}

/*
 * Diagnose's look beyond the queues (diag_tasks, diag_peers) is read by
 * diagnose, and by top and export for a mount worth a look: a front end
 * that never reads it (stat) neither verifies nor attaches them.  diag_files
 * stays: the seeding walk is every front end's.
 */
static void skip_diag_look(struct fwb_collector *c)
{
	for (int i = 0; i < c->nsrcs; i++) {
		struct fwb_source *s = &c->srcs[i];

		if (s->state == FWB_SRC_IN_USE &&
		    (!strcmp(s->group, "diag-tasks") || !strcmp(s->group, "diag-peers"))) {
			s->state = FWB_SRC_AVAILABLE;
			snprintf(s->reason, sizeof(s->reason), "not loaded: only diagnose, top and export read it");
		}
	}
}

/*
 * libbpf resolves the object's __kconfig externs (CONFIG_HZ) from
 * /boot/config-$(uname -r), else /proc/config.gz, and fails the load when
 * it finds neither.  Then CONFIG_HZ is given as 0, unknown: ages in
 * jiffies assume 250 Hz, and the user is told.
 */
static const char *kconfig_fallback(const struct fwb_collector *c)
{
	char path[320];

	snprintf(path, sizeof(path), "/boot/config-%s", c->ki.release);
	if (!access(path, R_OK) || !access("/proc/config.gz", R_OK))
		return NULL;
	if (!c->opts.quiet)
		fprintf(stderr, "fusewb: note: no kernel config (%s, /proc/config.gz): CONFIG_HZ unknown, "
			"request ages assume 250 Hz\n", path);
	return "CONFIG_HZ=0\n";
}

static double ms_since(uint64_t t0)
{
	return (fwb_mono_ns() - t0) / 1e6;
}

/* The programs loaded and what the verifier went through for them (each, with FUSEWB_TIMING). */
static void count_verified(struct fwb_collector *c)
{
	bool each = getenv("FUSEWB_TIMING");
	struct bpf_program *p;

	bpf_object__for_each_program(p, c->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd < 0)
			continue;
		c->timing.progs++;
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		c->timing.verified_insns += info.verified_insns;
		if (each)
			fprintf(stderr, "fusewb: timing: program %s: %u insns verified\n", bpf_program__name(p),
				info.verified_insns);
	}
}

static void report_timing(const struct fwb_collector *c)
{
	const struct fwb_load_timing *t = &c->timing;

	if (!getenv("FUSEWB_TIMING"))
		return;
	fprintf(stderr, "fusewb: timing: probe %.1f ms, open %.1f ms, load %.1f ms (%d programs, %llu insns verified), "
		"attach %.1f ms, seed %.1f ms, total %.1f ms\n", t->probe_ms, t->open_ms, t->load_ms, t->progs,
		(unsigned long long)t->verified_insns, t->attach_ms, t->seed_ms, t->total_ms);
}

/*
 * Writeback WRITEs are always timed; other requests one in FUSEWB_TIME_EVERY
 * (default 64, a power of two up to 1024), and each CPU's first in a jiffy:
 * each precise clock read costs more than the rest of the per-request work
 * on some machines (see fusewb.h).  tests/bench/elim.sh: one in 8 cost 6 %
 * more per event than one in 64 (3.34x the empty program against 3.15x);
 * one in 64 leaves under 1 ns of clock reads per event in a storm.
 */
static unsigned time_every_shift(void)
{
	const char *e = getenv("FUSEWB_TIME_EVERY");
	unsigned long v = e ? strtoul(e, NULL, 10) : 64;
	unsigned shift = 0;

	while (shift < 10 && (1UL << (shift + 1)) <= v)
		shift++;
	return shift;
}

/*
 * Requests sent before the collector attached are in the kernel's queues,
 * not in the pending table: a hang older than this process would read as
 * nothing pending.  One walk of the queues (diag_files with seed_mode, see
 * diag_seed in bpf/seed.bpf.c) takes them in, with their real age where
 * the kernel has create_time.  It runs after attaching, so a request sent
 * meanwhile is tracked by its send and skipped by the walk; one that ends
 * meanwhile is not left behind (the BPF side explains how).
 */
static void seed_pending(struct fwb_collector *c)
{
	char buf[1 << 15];
	int fd;

	c->skel->bss->seed_mode = 1;
	fd = fwb_collector_iter_fd(c, "diag_files");
	if (fd >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	} else if (!c->opts.quiet) {
		fprintf(stderr, "fusewb: note: the diag_files iterator is not attached: requests sent before "
			"start are not counted as pending\n");
	}
	c->skel->bss->seed_mode = 0;
	if (getenv("FUSEWB_DEBUG"))
		fprintf(stderr, "fusewb: seeded: pending_full %llu cold %lld queued %d\n",
			(unsigned long long)c->skel->bss->drops.pending_full,
			(long long)c->skel->bss->pending_cold_used, c->skel->bss->pending_queued);
}

/*
 * Degraded: temp pages are counted but no release source is attached, so a
 * request freed without completing is never seen to end.  fusewb does not
 * guess: temp pages in flight and orphans are unknown (null, '-').
 */
static void note_no_release(const struct fwb_collector *c)
{
	const char *why = "no source";

	for (int i = 0; i < c->nsrcs; i++)
		if (!strcmp(c->srcs[i].group, FWB_GROUP_TEMP_FREE) && c->srcs[i].reason[0])
			why = c->srcs[i].reason;
	if (!c->opts.quiet)
		fprintf(stderr, "fusewb: note: temp-page requests cannot be seen released (%s): "
			"temp pages in flight and orphans are unknown (see fusewb probe)\n", why);
}

int fwb_collector_open(struct fwb_collector **out, const struct fwb_opts *o, char *err, size_t errlen)
{
	struct fwb_collector *c = calloc(1, sizeof(*c));
	uint64_t t_start = fwb_mono_ns(), t;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	int r;

	*out = NULL;
	if (!c)
		return fwb_errf(err, errlen, "out of memory");
	if (o)
		c->opts = *o;
	if (geteuid() != 0) {
		free(c);
		return fwb_errf(err, errlen, "needs root (loading BPF programs and reading tracefs/debugfs)");
	}
	fwb_ensure_kernel_fs(&c->ki, c->opts.quiet);
	t = fwb_mono_ns();
	r = fwb_probe_kernel_forced(&c->ki, c->opts.source, &c->srcs, &c->nsrcs);
	c->timing.probe_ms = ms_since(t);
	if (!r && c->opts.no_diag_look)
		skip_diag_look(c);
	if (r) {
		const char *force = c->opts.source ? c->opts.source : getenv("FUSEWB_SOURCE");

		free(c);
		if (r == -EINVAL)
			return fwb_errf(err, errlen, "source '%s': %s", force, fwb_source_force_error(force));
		return fwb_errf(err, errlen, "out of memory");
	}
	fwb_sysfs_open(&c->sysfs, c->ki.debugfs);
	if (c->opts.no_bpf) {
		*out = c;
		return 0;
	}
	if (!c->ki.btf) {
		fwb_collector_close(c);
		return fwb_errf(err, errlen, "kernel %s has no BTF (/sys/kernel/btf/vmlinux): "
			    "fusewb needs CONFIG_DEBUG_INFO_BTF=y", c->ki.release);
	}
	libbpf_set_print(libbpf_print);
	/*
	 * A program this kernel's verifier rejects fails its sources, not the
	 * whole object: libbpf cannot load an object twice, so open it again
	 * without that program (a bounded number of times: one per program).
	 */
	open_opts.kconfig = kconfig_fallback(c);
	for (int tries = 0;; tries++) {
		t = fwb_mono_ns();
		c->skel = fusewb_bpf__open_opts(&open_opts);
		if (!c->skel) {
			fwb_collector_close(c);
			return fwb_errf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		}
		c->skel->rodata->writepage_end_addr = c->ki.writepage_end_addr;
		c->skel->rodata->sample_shift = time_every_shift();
		/* blocks of request-stat rows: one per tracked connection, 4 hash slots each */
		c->ops_blocks = c->opts.ops_mounts > 0 ? c->opts.ops_mounts : FWB_OPS_BLOCKS_DEFAULT;
		c->skel->rodata->ops_blocks = c->ops_blocks;
		c->ops_slots = 64;
		while (c->ops_slots < 4 * c->ops_blocks)
			c->ops_slots *= 2;
		c->skel->rodata->ops_slot_mask = c->ops_slots - 1;
		bpf_map__set_max_entries(c->skel->maps.op_stats, c->ops_blocks * FWB_OPS_ROWS);
		set_autoload(c);
		memset(&failed, 0, sizeof(failed));
		c->timing.open_ms += ms_since(t);
		t = fwb_mono_ns();
		r = fusewb_bpf__load(c->skel);
		c->timing.load_ms += ms_since(t);
		if (!r)
			break;
		if (tries >= 32 || !failed.prog[0] ||
		    !fail_sources(c, failed.prog, failed.why[0] ? failed.why : strerror(-r))) {
			fwb_collector_close(c);
			return fwb_errf(err, errlen, "cannot load BPF programs (%s)%s%s", strerror(-r),
				    libbpf_last[0] ? ": " : "", libbpf_last);
		}
		if (!c->opts.quiet)
			fprintf(stderr, "fusewb: BPF program %s rejected by this kernel (%s): its sources left out\n",
				failed.prog, failed.why[0] ? failed.why : strerror(-r));
		fusewb_bpf__destroy(c->skel);
		c->skel = NULL;
	}
	/* before attaching: a failure here leaves nothing running */
	c->op_rows_len = (size_t)c->ops_blocks * FWB_OPS_ROWS * sizeof(*c->op_rows);
	c->op_rows = mmap(NULL, c->op_rows_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			  bpf_map__fd(c->skel->maps.op_stats), 0);
	if (c->op_rows == MAP_FAILED) {
		c->op_rows = NULL;
		r = errno;
		fwb_collector_close(c);
		return fwb_errf(err, errlen, "cannot map the op_stats array: %s", strerror(r));
	}
	count_verified(c);
	c->ki.hz = c->skel->kconfig->CONFIG_HZ;
	t = fwb_mono_ns();
	attach_all(c);
	/* requests are closed by their release from now on: completions leave the entries to it */
	if (fwb_source_group_in_use(c->srcs, c->nsrcs, FWB_GROUP_TEMP_FREE))
		c->skel->bss->kwb_closing = 1;
	else if (fwb_source_group_in_use(c->srcs, c->nsrcs, FWB_GROUP_TEMP_ALLOC))
		note_no_release(c);
	c->timing.attach_ms = ms_since(t);
	t = fwb_mono_ns();
	seed_pending(c);
	c->timing.seed_ms = ms_since(t);
	if (c->opts.share)
		fwb_share_history(c);
	c->timing.total_ms = ms_since(t_start);
	report_timing(c);
	*out = c;
	return 0;
}

void fwb_collector_close(struct fwb_collector *c)
{
	if (!c)
		return;
	fwb_unshare_history(c);
	for (int i = 0; i < c->nlinks; i++)
		bpf_link__destroy(c->links[i]);
	for (int i = 0; i < c->niters; i++)
		bpf_link__destroy(c->iters[i]);
	if (c->op_rows)
		munmap(c->op_rows, c->op_rows_len);
	fusewb_bpf__destroy(c->skel);
	free(c->srcs);
	free(c->devfiles);
	free(c->last_conns);
	free(c->bdis_unsynced);
	free(c->ops_miss);
	fwb_mtab_close(&c->mtab);
	fwb_sysfs_close(&c->sysfs);
	free(c);
}

int fwb_collector_iter_fd(struct fwb_collector *c, const char *prog)
{
	for (int i = 0; c && i < c->niters; i++)
		if (!strcmp(c->iter_names[i], prog))
			return bpf_iter_create(bpf_link__fd(c->iters[i]));
	return -ENOENT;
}

const struct fwb_load_timing *fwb_collector_timing(const struct fwb_collector *c)
{
	return &c->timing;
}

const struct fwb_kernel_info *fwb_collector_kernel(const struct fwb_collector *c)
{
	return &c->ki;
}

const struct fwb_source *fwb_collector_sources(const struct fwb_collector *c, int *n)
{
	*n = c->nsrcs;
	return c->srcs;
}

int fwb_collector_source_lost(struct fwb_collector *c, const char *group, const char *reason)
{
	int n = 0;

	for (int i = 0; i < c->nsrcs; i++)
		if (c->srcs[i].state == FWB_SRC_IN_USE && !strcmp(c->srcs[i].group, group)) {
			c->srcs[i].state = FWB_SRC_LOST;
			snprintf(c->srcs[i].reason, sizeof(c->srcs[i].reason), "%s", reason);
			n++;
		}
	return n;
}
