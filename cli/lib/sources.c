// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data sources: what the running kernel offers, and which one fusewb uses
 * for each job.  A job ("group") may have alternatives in preference order
 * (a patched kernel's tracepoint, then fentry, then kprobe); the first one
 * available is used and the others are left unloaded.  fusewb probe --source
 * (FUSEWB_SOURCE) restricts every job that has a kind to that kind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fusewb.h"

enum probe_kind {
	PROBE_TP_BTF,		/* btf_trace_<target> typedef in vmlinux BTF */
	PROBE_TRACEPOINT,	/* tracefs events/<target> */
	PROBE_KSYM,		/* text symbol in /proc/kallsyms */
	PROBE_ITER,		/* bpf_iter__<target> struct in vmlinux BTF */
	PROBE_FILE,		/* a readable file */
	PROBE_FENTRY,		/* fentry (and fexit) on a kernel function the kernel lets us attach to */
	PROBE_KPROBE,		/* kprobe (and kretprobe) on a function in /proc/kallsyms */
};

struct source_def {
	const char *group, *name, *what, *prog;
	enum probe_kind kind;
	const char *target;
};

static const struct source_def defs[] = {
	{ "requests", "tp_btf:fuse_request_send", "request counts, pending table, pages in flight",
	  "fuse_request_send", PROBE_TP_BTF, "fuse_request_send" },
	/*
	 * before 6.12: fentry, else a kprobe, where the kernel queues a request
	 * (queue_request_and_unlock up to 6.11, fuse_dev_queue_req from 6.12:
	 * whichever it has and did not inline) and on fuse_request_end
	 */
	{ "requests", "fentry:queue_request_and_unlock", "request counts, pending table, pages in flight",
	  "req_fe_queue", PROBE_FENTRY, "queue_request_and_unlock" },
	{ "requests", "fentry:fuse_dev_queue_req", "request counts, pending table, pages in flight",
	  "req_fe_dev_queue", PROBE_FENTRY, "fuse_dev_queue_req" },
	{ "requests", "kprobe:queue_request_and_unlock", "request counts, pending table, pages in flight",
	  "req_kp_queue", PROBE_KPROBE, "queue_request_and_unlock" },
	{ "requests", "kprobe:fuse_dev_queue_req", "request counts, pending table, pages in flight",
	  "req_kp_dev_queue", PROBE_KPROBE, "fuse_dev_queue_req" },
	{ "requests-end", "tp_btf:fuse_request_end", "request latency and errors",
	  "fuse_request_end", PROBE_TP_BTF, "fuse_request_end" },
	/* mainline's, and the patched 6.12's: no fallback (the read is inside fuse_dev_do_read) */
	{ FWB_GROUP_REQ_SENT, "tp_btf:fuse_request_sent",
	  "queue/serve split: time queued for the daemon vs in the daemon, pending requests read or not",
	  "fuse_request_sent", PROBE_TP_BTF, "fuse_request_sent" },
	{ "requests-end", "fentry:fuse_request_end", "request latency and errors",
	  "req_fe_end", PROBE_FENTRY, "fuse_request_end" },
	{ "requests-end", "kprobe:fuse_request_end", "request latency and errors",
	  "req_kp_end", PROBE_KPROBE, "fuse_request_end" },
	{ "writeback-classify", "kallsyms:fuse_writepage_end",
	  "tells writeback WRITEs from write-through and direct writes", NULL,
	  PROBE_KSYM, "fuse_writepage_end" },
	{ "dirtiers", "tp_btf:writeback_dirty_folio", "pages dirtied per mount and task",
	  "writeback_dirty_folio", PROBE_TP_BTF, "writeback_dirty_folio" },
	/* their names before the folio conversion (5.17) */
	{ "dirtiers", "tp_btf:writeback_dirty_page", "pages dirtied per mount and task",
	  "writeback_dirty_page", PROBE_TP_BTF, "writeback_dirty_page" },
	{ "wbwait", "tp_btf:folio_wait_writeback", "waits on writeback per mount and task",
	  "folio_wait_writeback", PROBE_TP_BTF, "folio_wait_writeback" },
	{ "wbwait", "tp_btf:wait_on_page_writeback", "waits on writeback per mount and task",
	  "wait_on_page_writeback", PROBE_TP_BTF, "wait_on_page_writeback" },
	{ "throttle", "tracepoint:writeback/balance_dirty_pages", "dirty throttling per bdi",
	  "balance_dirty_pages", PROBE_TRACEPOINT, "writeback/balance_dirty_pages" },
	/* kernel writeback: the patched kernel's tracepoints, else fentry, else kprobes */
	{ FWB_GROUP_TEMP_ALLOC, "tp_btf:fuse_writepage_tmp_alloc",
	  "temp pages allocated per mount (patched kernel)",
	  "kwb_tp_tmp_alloc", PROBE_TP_BTF, "fuse_writepage_tmp_alloc" },
	{ FWB_GROUP_TEMP_ALLOC, "fentry:fuse_writepage_args_page_fill", "temp pages allocated per mount",
	  "kwb_fe_tmp_alloc", PROBE_FENTRY, "fuse_writepage_args_page_fill" },
	{ FWB_GROUP_TEMP_ALLOC, "fexit:fuse_writepages_fill",
	  "temp pages allocated per mount (6.1 to 6.9: not one-page writeback from reclaim)",
	  "kwb_fe_fill", PROBE_FENTRY, "fuse_writepages_fill" },
	{ FWB_GROUP_TEMP_ALLOC, "kprobe:fuse_writepage_args_page_fill", "temp pages allocated per mount",
	  "kwb_kp_tmp_alloc", PROBE_KPROBE, "fuse_writepage_args_page_fill" },
	{ FWB_GROUP_TEMP_ALLOC, "kretprobe:fuse_writepages_fill",
	  "temp pages allocated per mount (6.1 to 6.9: not one-page writeback from reclaim)",
	  "kwb_kp_fill", PROBE_KPROBE, "fuse_writepages_fill" },
	{ FWB_GROUP_TEMP_END, "tp_btf:fuse_writepage_end",
	  "temp pages completed, writeback latency from the first temp page (patched kernel)",
	  "kwb_tp_end", PROBE_TP_BTF, "fuse_writepage_end" },
	{ FWB_GROUP_TEMP_END, "fentry:fuse_writepage_end",
	  "temp pages completed, writeback latency from the first temp page",
	  "kwb_fe_end", PROBE_FENTRY, "fuse_writepage_end" },
	{ FWB_GROUP_TEMP_END, "kprobe:fuse_writepage_end",
	  "temp pages completed, writeback latency from the first temp page",
	  "kwb_kp_end", PROBE_KPROBE, "fuse_writepage_end" },
	/*
	 * Every temp-page request's release, completed or not: without it a
	 * request freed unsent (merged, truncated, aborted) never leaves the
	 * table, and temp pages in flight are unknown (null), not guessed.
	 */
	{ FWB_GROUP_TEMP_FREE, "tp_btf:fuse_writepage_free",
	  "temp-page requests released, completed or not: temp pages in flight, orphans (patched kernel)",
	  "kwb_tp_free", PROBE_TP_BTF, "fuse_writepage_free" },
	{ FWB_GROUP_TEMP_FREE, "fentry:fuse_writepage_free",
	  "temp-page requests released, completed or not: temp pages in flight, orphans",
	  "kwb_fe_free", PROBE_FENTRY, "fuse_writepage_free" },
	{ FWB_GROUP_TEMP_FREE, "kprobe:fuse_writepage_free",
	  "temp-page requests released, completed or not: temp pages in flight, orphans",
	  "kwb_kp_free", PROBE_KPROBE, "fuse_writepage_free" },
	{ FWB_GROUP_REDIRTY, "tp_btf:fuse_wait_writeback_end",
	  "re-dirty waits per mount and task, paired with fuse_wait_writeback_begin (patched kernel)",
	  "kwb_tp_wait_end", PROBE_TP_BTF, "fuse_wait_writeback_end" },
	{ FWB_GROUP_REDIRTY, "fexit:fuse_wait_on_page_writeback", "re-dirty waits per mount and task",
	  "kwb_fe_wait", PROBE_FENTRY, "fuse_wait_on_page_writeback" },
	{ FWB_GROUP_REDIRTY, "kretprobe:fuse_wait_on_page_writeback", "re-dirty waits per mount and task",
	  "kwb_kp_wait", PROBE_KPROBE, "fuse_wait_on_page_writeback" },
	/* fuse_set_nowrite: fsync, flush, setattr/truncate and direct I/O wait for every WRITE of the inode */
	{ FWB_GROUP_NOWRITE, "tp_btf:fuse_set_nowrite_end",
	  "whole-inode waits for WRITEs per mount and task, paired with fuse_set_nowrite_begin (patched kernel)",
	  "kwb_tp_nowrite_end", PROBE_TP_BTF, "fuse_set_nowrite_end" },
	{ FWB_GROUP_NOWRITE, "fexit:fuse_set_nowrite", "whole-inode waits for WRITEs per mount and task",
	  "kwb_fe_nowrite", PROBE_FENTRY, "fuse_set_nowrite" },
	{ FWB_GROUP_NOWRITE, "kretprobe:fuse_set_nowrite", "whole-inode waits for WRITEs per mount and task",
	  "kwb_kp_nowrite", PROBE_KPROBE, "fuse_set_nowrite" },
	{ "daemons", "iter:task_file", "daemon processes holding /dev/fuse",
	  "fuse_devfiles", PROBE_ITER, "task_file" },
	{ "diag-queues", "iter:task_file(diag_files)",
	  "diagnose: requests stuck in each connection's queues, files open on FUSE mounts",
	  "diag_files", PROBE_ITER, "task_file" },
	{ "diag-tasks", "iter:task(diag_tasks)",
	  "diagnose: blocked, stopped and daemon threads with their kernel stacks",
	  "diag_tasks", PROBE_ITER, "task" },
	{ "diag-peers", "iter:task_file(diag_peers)",
	  "diagnose: the other end of the daemons' sockets and pipes, TCP state of their connections",
	  "diag_peers", PROBE_ITER, "task_file" },
	{ "bdi-state", "debugfs:bdi/stats", "per-bdi dirty, writeback and threshold pages",
	  NULL, PROBE_FILE, "/sys/kernel/debug/bdi" },
	{ "fusectl", "fusectl:connections", "waiting requests, max_background per connection",
	  NULL, PROBE_FILE, "/sys/fs/fuse/connections" },
	{ "vmstat", "procfs:vmstat", "global nr_dirty, nr_writeback, nr_writeback_temp",
	  NULL, PROBE_FILE, "/proc/vmstat" },
};

#define NDEFS (int)(sizeof(defs) / sizeof(defs[0]))

/* Sources made of two programs: the entry one above, and this one on return. */
static const struct {
	const char *prog, *prog2;
} second_progs[] = {
	{ "kwb_tp_wait_end", "kwb_tp_wait_begin" },
	{ "kwb_tp_nowrite_end", "kwb_tp_nowrite_begin" },
	{ "kwb_fe_nowrite", "kwb_fe_nowrite_ret" },
	{ "kwb_kp_nowrite", "kwb_kp_nowrite_ret" },
	{ "kwb_fe_wait", "kwb_fe_wait_ret" },
	{ "kwb_kp_wait", "kwb_kp_wait_ret" },
	{ "kwb_kp_fill", "kwb_kp_fill_ret" },
};

static const char *second_prog(const char *prog)
{
	for (int i = 0; prog && i < (int)(sizeof(second_progs) / sizeof(second_progs[0])); i++)
		if (!strcmp(second_progs[i].prog, prog))
			return second_progs[i].prog2;
	return NULL;
}

const char *fwb_source_state_str(enum fwb_source_state s)
{
	switch (s) {
	case FWB_SRC_IN_USE: return "in use";
	case FWB_SRC_AVAILABLE: return "available";
	case FWB_SRC_FAILED: return "failed";
	case FWB_SRC_LOST: return "lost";
	default: return "unavailable";
	}
}

struct ksym_find {
	const char *name;
	uint64_t addr;
};

static bool find_ksym(void *arg, uint64_t addr, const char *name)
{
	struct ksym_find *f = arg;

	if (strcmp(name, f->name))
		return true;
	f->addr = addr;
	return false;
}

/* A kernel function's address; 0 when kallsyms does not list it (or hides addresses) */
static uint64_t ksym_addr(const char *name)
{
	struct ksym_find f = { name, 0 };

	fwb_kallsyms_each(find_ksym, &f);
	return f.addr;
}

/*
 * What the probes learn once per table: which functions kallsyms lists, the
 * fuse module's BTF when fuse is a module, whether fentry may attach where.
 */
struct probe_ctx {
	struct btf *vmlinux, *fuse_mod;
	const struct fwb_kernel_info *ki;
	bool ksym_read;
	bool ksym_found[NDEFS];
	int fentry_err[NDEFS];		/* 0 untested, 1 works, else -errno */
};

static bool note_ksym(void *arg, uint64_t addr, const char *name)
{
	struct probe_ctx *pc = arg;

	(void)addr;
	for (int i = 0; i < NDEFS; i++)
		if ((defs[i].kind == PROBE_FENTRY || defs[i].kind == PROBE_KPROBE) && !strcmp(defs[i].target, name))
			pc->ksym_found[i] = true;
	return true;
}

/* One pass over /proc/kallsyms for the targets of every fentry and kprobe source. */
static void read_ksyms(struct probe_ctx *pc)
{
	pc->ksym_read = true;
	fwb_kallsyms_each(note_ksym, pc);
}

static bool ksym_listed(struct probe_ctx *pc, const struct source_def *d)
{
	if (!pc->ksym_read)
		read_ksyms(pc);
	return pc->ksym_found[d - defs];
}

/* A type in vmlinux BTF, or in the fuse module's when fuse is a module: its id, else -1. */
static int find_btf(struct probe_ctx *pc, const char *name, int kind, bool *in_module)
{
	int id = pc->vmlinux ? btf__find_by_name_kind(pc->vmlinux, name, kind) : -1;

	*in_module = false;
	if (id >= 0 || !pc->fuse_mod)
		return id < 0 ? -1 : id;
	id = btf__find_by_name_kind(pc->fuse_mod, name, kind);
	*in_module = id >= 0;
	return id < 0 ? -1 : id;
}

/* The fd of the kernel's BTF object of module name, or -1. */
static int module_btf_fd(const char *name)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char got[64] = "";
		struct bpf_btf_info info = { .name = (__u64)(unsigned long)got, .name_len = sizeof(got) };
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(got, name))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * May an fentry program attach to func?  Kernels and their security policies
 * differ (lockdown, LSMs, missing ftrace): only a real load and attach of a
 * program that does nothing tells.  0 if it may, else -errno.
 */
static int try_fentry(struct probe_ctx *pc, const char *func)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);
	bool in_module;
	int id, fd, lfd, err, objfd = -1;

	id = find_btf(pc, func, BTF_KIND_FUNC, &in_module);
	if (id < 0)
		return -ENOENT;
	if (in_module && (objfd = module_btf_fd("fuse")) < 0)
		return -ENOENT;
	o.attach_btf_id = id;
	o.attach_btf_obj_fd = in_module ? objfd : 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "fwb_try_fentry", "GPL", insns, 2, &o);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0) {
		lfd = bpf_raw_tracepoint_open(NULL, fd);
		err = lfd < 0 ? -errno : 0;
		if (lfd >= 0)
			close(lfd);
		close(fd);
	}
	if (objfd >= 0)
		close(objfd);
	return err;
}

static bool kprobes_configured(void)
{
	/* libbpf attaches through the kprobe PMU, or kprobe_events on old kernels */
	return !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", W_OK);
}

static bool probe_def(const struct source_def *d, struct probe_ctx *pc, char *why, size_t len)
{
	const struct fwb_kernel_info *ki = pc->ki;
	struct btf *btf = pc->vmlinux;
	char name[256];
	bool in_module;
	int *ferr;

	switch (d->kind) {
	case PROBE_TP_BTF:
		snprintf(name, sizeof(name), "btf_trace_%s", d->target);
		if (!btf) {
			snprintf(why, len, "no kernel BTF");
			return false;
		}
		if (find_btf(pc, name, BTF_KIND_TYPEDEF, &in_module) < 0) {
			snprintf(why, len, "tracepoint %s not in this kernel", d->target);
			return false;
		}
		return true;
	case PROBE_FENTRY:
		if (!btf) {
			snprintf(why, len, "no kernel BTF");
			return false;
		}
		if (find_btf(pc, d->target, BTF_KIND_FUNC, &in_module) < 0 || !ksym_listed(pc, d)) {
			snprintf(why, len, "no function %s in this kernel", d->target);
			return false;
		}
		if (!ki->root) {
			snprintf(why, len, "only root can tell whether fentry may attach");
			return false;
		}
		ferr = &pc->fentry_err[d - defs];
		if (!*ferr)
			*ferr = try_fentry(pc, d->target) ?: 1;
		if (*ferr < 0) {
			snprintf(why, len, "this kernel refuses fentry on %s (%s)", d->target, strerror(-*ferr));
			return false;
		}
		return true;
	case PROBE_KPROBE:
		if (!ksym_listed(pc, d)) {
			snprintf(why, len, "no function %s in /proc/kallsyms", d->target);
			return false;
		}
		if (!kprobes_configured()) {
			snprintf(why, len, "kprobes not configured (no kprobe PMU or kprobe_events)");
			return false;
		}
		return true;
	case PROBE_ITER:
		snprintf(name, sizeof(name), "bpf_iter__%s", d->target);
		if (!btf || btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT) < 0) {
			snprintf(why, len, "BPF iterator %s not supported", d->target);
			return false;
		}
		/* the queue walk is one bpf_loop (helper of 5.17 and later) */
		if (!strcmp(d->group, "diag-queues") && ki->root &&
		    libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_loop, NULL) <= 0) {
			snprintf(why, len, "needs the bpf_loop helper (Linux 5.17 and later), which this kernel lacks");
			return false;
		}
		return true;
	case PROBE_TRACEPOINT:
		snprintf(name, sizeof(name), "/sys/kernel/tracing/events/%s/id", d->target);
		if (access(name, R_OK)) {
			snprintf(why, len, "tracefs has no events/%s", d->target);
			return false;
		}
		return true;
	case PROBE_KSYM:
		if (!(!strcmp(d->target, "fuse_writepage_end") ? ki->writepage_end_addr : ksym_addr(d->target))) {
			snprintf(why, len, "%s not in /proc/kallsyms: all WRITEs counted as write-through", d->target);
			return false;
		}
		return true;
	case PROBE_FILE:
		if (access(d->target, R_OK)) {
			snprintf(why, len, "%s not readable", d->target);
			return false;
		}
		return true;
	}
	return false;
}

/* The kinds --source can force, and the source name prefixes of each. */
static const struct {
	const char *force, *prefix[2];
} force_kinds[] = {
	{ "tracepoint", { "tp_btf:", "tracepoint:" } },
	{ "fentry", { "fentry:", "fexit:" } },
	{ "kprobe", { "kprobe:", "kretprobe:" } },
};

static int force_index(const char *force)
{
	for (int i = 0; i < (int)(sizeof(force_kinds) / sizeof(force_kinds[0])); i++)
		if (!strcmp(force, force_kinds[i].force))
			return i;
	return -1;
}

static bool def_is_kind(const struct source_def *d, int k)
{
	for (int i = 0; i < 2; i++)
		if (!strncmp(d->name, force_kinds[k].prefix[i], strlen(force_kinds[k].prefix[i])))
			return true;
	return false;
}

const char *fwb_source_force_error(const char *force)
{
	if (!force || !*force || !strcmp(force, "auto") || force_index(force) >= 0)
		return NULL;
	return "unknown source kind (choose auto, tracepoint, fentry or kprobe)";
}

bool fwb_source_group_in_use(const struct fwb_source *srcs, int n, const char *group)
{
	for (int i = 0; i < n; i++)
		if (srcs[i].state == FWB_SRC_IN_USE && !strcmp(srcs[i].group, group))
			return true;
	return false;
}

/* Does the group have an alternative of kind k (so that forcing k applies to it)? */
static bool group_has_kind(const char *group, int k)
{
	for (int i = 0; i < NDEFS; i++)
		if (!strcmp(defs[i].group, group) && def_is_kind(&defs[i], k))
			return true;
	return false;
}

int fwb_probe_kernel(struct fwb_kernel_info *ki, struct fwb_source **out, int *n)
{
	return fwb_probe_kernel_forced(ki, NULL, out, n);
}

int fwb_probe_kernel_forced(struct fwb_kernel_info *ki, const char *force,
			    struct fwb_source **out, int *n)
{
	struct probe_ctx pc = { .ki = ki };
	struct fwb_source *srcs;
	struct utsname u;
	struct btf *btf;
	int fk = -1;

	if (!force)
		force = getenv("FUSEWB_SOURCE");
	if (fwb_source_force_error(force))
		return -EINVAL;
	if (force && *force && strcmp(force, "auto"))
		fk = force_index(force);
	srcs = calloc(NDEFS, sizeof(*srcs));
	if (!srcs)
		return -ENOMEM;
	if (!uname(&u))
		snprintf(ki->release, sizeof(ki->release), "%s", u.release);
	ki->root = geteuid() == 0;
	ki->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	ki->writepage_end_addr = ksym_addr("fuse_writepage_end");
	ki->hz = 0;	/* known once the collector is loaded: libbpf reads CONFIG_HZ (collector.c) */
	btf = ki->btf ? btf__load_vmlinux_btf() : NULL;
	if (btf && libbpf_get_error(btf))
		btf = NULL;
	pc.vmlinux = btf;
	/* fuse built as a module keeps its tracepoints and functions in its own BTF */
	if (btf && !access("/sys/kernel/btf/fuse", R_OK)) {
		pc.fuse_mod = btf__load_module_btf("fuse", btf);
		if (libbpf_get_error(pc.fuse_mod))
			pc.fuse_mod = NULL;
	}
	for (int i = 0; i < NDEFS; i++) {
		const struct source_def *d = &defs[i];
		struct fwb_source *s = &srcs[i];
		bool taken = false;

		s->group = d->group;
		s->name = d->name;
		s->what = d->what;
		s->prog = d->prog;
		s->prog2 = second_prog(d->prog);
		if (!probe_def(d, &pc, s->reason, sizeof(s->reason))) {
			s->state = FWB_SRC_UNAVAILABLE;
			continue;
		}
		if (fk >= 0 && group_has_kind(d->group, fk) && !def_is_kind(d, fk)) {
			snprintf(s->reason, sizeof(s->reason), "not chosen: source kind forced to %s",
				 force_kinds[fk].force);
			s->state = FWB_SRC_AVAILABLE;
			continue;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(srcs[j].group, d->group) && srcs[j].state == FWB_SRC_IN_USE) {
				snprintf(s->reason, sizeof(s->reason), "%s preferred", srcs[j].name);
				taken = true;
			}
		s->state = taken ? FWB_SRC_AVAILABLE : FWB_SRC_IN_USE;
	}
	btf__free(pc.fuse_mod);
	btf__free(btf);
	*out = srcs;
	*n = NDEFS;
	return 0;
}

/*
 * "tp_btf fuse_request_* writeback_dirty_folio + tracepoint balance_dirty_pages
 * + iter task_file": BPF sources in use, grouped by kind, for one header line.
 */
void fwb_sources_summary(const struct fwb_source *srcs, int n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		const char *colon = srcs[i].name ? strchr(srcs[i].name, ':') : NULL;
		size_t kind = colon ? (size_t)(colon - srcs[i].name) : 0;
		bool first_of_kind = true, twin = false;

		if (srcs[i].state != FWB_SRC_IN_USE || !srcs[i].prog || !colon)
			continue;
		for (int j = 0; j < i; j++) {
			const char *c2 = strchr(srcs[j].name, ':');

			if (srcs[j].state != FWB_SRC_IN_USE || !srcs[j].prog || !c2)
				continue;
			if ((size_t)(c2 - srcs[j].name) == kind && !strncmp(srcs[j].name, srcs[i].name, kind))
				first_of_kind = false;
			/* fuse_request_send + fuse_request_end read as fuse_request_* */
			if (!strncmp(c2 + 1, "fuse_request_", 13) && !strncmp(colon + 1, "fuse_request_", 13))
				twin = true;
		}
		if (twin || off >= len)
			continue;
		if (first_of_kind)
			off += snprintf(buf + off, len - off, "%s%.*s", off ? " + " : "", (int)kind, srcs[i].name);
		if (off < len)
			off += snprintf(buf + off, len - off, " %s", !strncmp(colon + 1, "fuse_request_", 13) ?
					"fuse_request_*" : colon + 1);
	}
	if (!off)
		snprintf(buf, len, "none");
}
