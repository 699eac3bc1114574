// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data sources: what the running kernel offers, and which one fusewb uses
 * for each job.  A job ("group") may have alternatives in preference order
 * (a patched kernel's tracepoint, then tp_btf, then kprobe); the first one
 * available is used and the others are left unloaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fusewb.h"

enum probe_kind {
	PROBE_TP_BTF,		/* btf_trace_<target> typedef in vmlinux BTF */
	PROBE_TRACEPOINT,	/* tracefs events/<target> */
	PROBE_KSYM,		/* text symbol in /proc/kallsyms */
	PROBE_ITER,		/* bpf_iter__<target> struct in vmlinux BTF */
	PROBE_FILE,		/* a readable file */
};

struct source_def {
	const char *group, *name, *what, *prog;
	enum probe_kind kind;
	const char *target;
};

static const struct source_def defs[] = {
	{ "requests", "tp_btf:fuse_request_send", "request counts, pending table, pages in flight",
	  "fuse_request_send", PROBE_TP_BTF, "fuse_request_send" },
	{ "requests-end", "tp_btf:fuse_request_end", "request latency and errors",
	  "fuse_request_end", PROBE_TP_BTF, "fuse_request_end" },
	{ "writeback-classify", "kallsyms:fuse_writepage_end",
	  "tells writeback WRITEs from write-through and direct writes", NULL,
	  PROBE_KSYM, "fuse_writepage_end" },
	{ "dirtiers", "tp_btf:writeback_dirty_folio", "pages dirtied per mount and task",
	  "writeback_dirty_folio", PROBE_TP_BTF, "writeback_dirty_folio" },
	{ "wbwait", "tp_btf:folio_wait_writeback", "waits on writeback per mount and task",
	  "folio_wait_writeback", PROBE_TP_BTF, "folio_wait_writeback" },
	{ "throttle", "tracepoint:writeback/balance_dirty_pages", "dirty throttling per bdi",
	  "balance_dirty_pages", PROBE_TRACEPOINT, "writeback/balance_dirty_pages" },
	{ "daemons", "iter:task_file", "daemon processes holding /dev/fuse",
	  "fuse_devfiles", PROBE_ITER, "task_file" },
	{ "diag-queues", "iter:task_file(diag_files)",
	  "diagnose: requests stuck in each connection's queues, files open on FUSE mounts",
	  "diag_files", PROBE_ITER, "task_file" },
	{ "diag-tasks", "iter:task(diag_tasks)",
	  "diagnose: blocked, stopped and daemon threads with their kernel stacks",
	  "diag_tasks", PROBE_ITER, "task" },
	{ "bdi-state", "debugfs:bdi/stats", "per-bdi dirty, writeback and threshold pages",
	  NULL, PROBE_FILE, "/sys/kernel/debug/bdi" },
	{ "fusectl", "fusectl:connections", "waiting requests, max_background per connection",
	  NULL, PROBE_FILE, "/sys/fs/fuse/connections" },
	{ "vmstat", "procfs:vmstat", "global nr_dirty, nr_writeback, nr_writeback_temp",
	  NULL, PROBE_FILE, "/proc/vmstat" },
};

#define NDEFS (int)(sizeof(defs) / sizeof(defs[0]))

const char *fwb_source_state_str(enum fwb_source_state s)
{
	switch (s) {
	case FWB_SRC_IN_USE: return "in use";
	case FWB_SRC_AVAILABLE: return "available";
	case FWB_SRC_FAILED: return "failed";
	default: return "unavailable";
	}
}

static uint64_t ksym_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], sym[256], type;
	unsigned long long addr;
	uint64_t found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 && !strcmp(sym, name)) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}

static unsigned kernel_hz(void)
{
	FILE *p;
	char line[128];
	unsigned hz = 0;

	/* /proc/config.gz is compressed; zcat is everywhere fusewb runs */
	p = popen("zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r) 2>/dev/null", "re");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "CONFIG_HZ=%u", &hz) == 1)
			break;
	pclose(p);
	return hz;
}

static bool probe_def(const struct source_def *d, struct btf *btf, const struct fwb_kernel_info *ki,
		      char *why, size_t len)
{
	char name[256];

	switch (d->kind) {
	case PROBE_TP_BTF:
		snprintf(name, sizeof(name), "btf_trace_%s", d->target);
		if (!btf) {
			snprintf(why, len, "no kernel BTF");
			return false;
		}
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) < 0) {
			snprintf(why, len, "tracepoint %s not in this kernel", d->target);
			return false;
		}
		return true;
	case PROBE_ITER:
		snprintf(name, sizeof(name), "bpf_iter__%s", d->target);
		if (!btf || btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT) < 0) {
			snprintf(why, len, "BPF iterator %s not supported", d->target);
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

int fwb_probe_kernel(struct fwb_kernel_info *ki, struct fwb_source **out, int *n)
{
	struct fwb_source *srcs = calloc(NDEFS, sizeof(*srcs));
	struct utsname u;
	struct btf *btf;

	if (!srcs)
		return -ENOMEM;
	if (!uname(&u))
		snprintf(ki->release, sizeof(ki->release), "%s", u.release);
	ki->root = geteuid() == 0;
	ki->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	ki->writepage_end_addr = ksym_addr("fuse_writepage_end");
	ki->hz = kernel_hz();
	btf = ki->btf ? btf__load_vmlinux_btf() : NULL;
	if (btf && libbpf_get_error(btf))
		btf = NULL;
	for (int i = 0; i < NDEFS; i++) {
		const struct source_def *d = &defs[i];
		struct fwb_source *s = &srcs[i];
		bool taken = false;

		s->group = d->group;
		s->name = d->name;
		s->what = d->what;
		s->prog = d->prog;
		if (!probe_def(d, btf, ki, s->reason, sizeof(s->reason))) {
			s->state = FWB_SRC_UNAVAILABLE;
			continue;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(srcs[j].group, d->group) && srcs[j].state == FWB_SRC_IN_USE) {
				snprintf(s->reason, sizeof(s->reason), "%s preferred", srcs[j].name);
				taken = true;
			}
		s->state = taken ? FWB_SRC_AVAILABLE : FWB_SRC_IN_USE;
	}
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
