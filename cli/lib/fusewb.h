/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libfusewb: the one collector every front end (stat, top, export, diagnose)
 * is built on.  It loads the BPF object, resolves FUSE connections to mounts
 * without ever touching a mount point, and turns maps into per-mount records.
 */
#ifndef LIBFUSEWB_H
#define LIBFUSEWB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <sys/types.h>
#include <linux/types.h>
#include "../../bpf/fusewb.h"

#define FWB_MAX_MOUNTPOINTS	4	/* mount points shown per connection */
#define FWB_MAX_DAEMONS		8
#define FWB_PATH_MAX		512

/* ---- histograms (hist.c) ---- */
struct fwb_hist {
	uint64_t slots[FWB_HIST_SLOTS];
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
};

/* Value at quantile q (0..1) in ns, interpolated inside the log2 bucket; 0 when empty. */
double fwb_hist_quantile(const struct fwb_hist *h, double q);
double fwb_hist_max(const struct fwb_hist *h);
void fwb_hist_add(struct fwb_hist *dst, const struct fwb_hist *src);
void fwb_hist_sub(struct fwb_hist *dst, const struct fwb_hist *old);
/* Upper bound of slot i in ns (the bucket's "le"). */
double fwb_hist_slot_upper_ns(int i);

/* ---- data sources (sources.c) ---- */
enum fwb_source_state {
	FWB_SRC_UNAVAILABLE = 0,	/* the kernel lacks it; reason says why */
	FWB_SRC_AVAILABLE,		/* could be used, not chosen */
	FWB_SRC_IN_USE,
	FWB_SRC_FAILED,			/* should have worked, load or attach failed */
	FWB_SRC_LOST,			/* was in use, no longer readable (privileges dropped) */
};

struct fwb_source {
	const char *group;		/* alternatives for one job; the first available wins */
	const char *name;		/* e.g. "tp_btf:fuse_request_send" */
	const char *what;		/* what it feeds, for people */
	const char *prog;		/* BPF program name in the object */
	enum fwb_source_state state;
	char reason[160];
	const char *prog2;		/* a second program loaded with prog (e.g. its kretprobe), or NULL */
};

/*
 * Source groups of the kernel writeback view (temp pages, WRITE completion,
 * re-dirty waits): each has the patched kernel's tracepoint, fentry and
 * kprobe alternatives, preferred in that order.
 */
#define FWB_GROUP_TEMP_ALLOC	"temp-alloc"
#define FWB_GROUP_TEMP_END	"temp-end"
#define FWB_GROUP_REDIRTY	"redirty"
/* the release of every temp-page request (closes the table's entries) */
#define FWB_GROUP_TEMP_FREE	"temp-free"
/* whole-inode waits for writeback WRITEs (fuse_set_nowrite) */
#define FWB_GROUP_NOWRITE	"nowrite"
/* the daemon read a request (fuse_request_sent): the queue/serve split */
#define FWB_GROUP_REQ_SENT	"requests-sent"


struct fwb_kernel_info {
	char release[128];
	bool btf;			/* /sys/kernel/btf/vmlinux readable */
	bool root;
	uint64_t writepage_end_addr;	/* fuse_writepage_end from kallsyms, 0 if absent */
	unsigned hz;			/* CONFIG_HZ, 0 if unknown */
	bool fusectl;			/* /sys/fs/fuse/connections mounted (maybe by us) */
	bool fusectl_mounted_by_us;
	bool debugfs;			/* /sys/kernel/debug/bdi readable */
	bool debugfs_mounted_by_us;
	bool tracefs;
	bool tracefs_mounted_by_us;
};

/* Fill info and the source table without loading anything; call fwb_ensure_kernel_fs first. */
int fwb_probe_kernel(struct fwb_kernel_info *ki, struct fwb_source **srcs, int *nsrcs);
/*
 * The same, with the alternatives of a group restricted to one kind where the
 * group has it: force is "tracepoint", "fentry", "kprobe" or "auto"; NULL
 * means $FUSEWB_SOURCE, or auto.  -EINVAL for any other name.
 */
int fwb_probe_kernel_forced(struct fwb_kernel_info *ki, const char *force,
			    struct fwb_source **srcs, int *nsrcs);
/* NULL if force names a kind of source (or is NULL or empty), else a one-line error */
const char *fwb_source_force_error(const char *force);
/* Is a source of this group in use? */
bool fwb_source_group_in_use(const struct fwb_source *srcs, int n, const char *group);
const char *fwb_source_state_str(enum fwb_source_state s);
/* One line for headers: BPF sources in use grouped by kind, e.g. "tp_btf fuse_request_* + iter task_file". */
void fwb_sources_summary(const struct fwb_source *srcs, int n, char *buf, size_t len);

/* ---- mounts and connections (mountinfo.c, sysfs.c, bdi.c; resolver.h) ---- */
struct fwb_daemon {
	int tgid;
	char comm[16];
	char state;			/* /proc/PID/stat state letter, '?' unknown */
};

struct fwb_pending_req {
	uint64_t age_ns;
	uint64_t nodeid;
	uint32_t opcode;		/* FUSE opcode; FWB_OP_WRITEBACK bit for writeback */
	uint32_t pid;
	uint32_t pages;
	uint64_t unique;		/* low 32 bits of the request's unique (0 where named by address) */
	uint64_t addr;			/* the fuse_req's address where the kernel sends before assigning unique */
	bool seeded;			/* found in the kernel's queues when the collector started */
	bool age_min;			/* age_ns is a lower bound (seeded on a kernel without create_time) */
	bool queued;			/* seeded while waiting for a background slot, not yet sent */
	/*
	 * 1: the daemon has read it (fuse_request_sent), 0: still queued for
	 * the daemon, -1: unknown (no such event on this kernel, or a seed)
	 */
	int in_service;
	uint64_t service_ns;		/* since the daemon read it (in_service 1) */
};

struct fwb_task {
	uint32_t tgid;
	char comm[16];
	uint64_t dirtied;		/* folios dirtied (counter) */
	uint64_t wbwaits;		/* waits on writeback (counter) */
	uint64_t redirty_waits;		/* waits to re-dirty a page under temp-page writeback (counter) */
	uint64_t redirty_wait_ns;	/* time in them (counter) */
	uint64_t nowrite_waits;		/* waits for all of an inode's WRITEs (counter) */
	uint64_t nowrite_wait_ns;
};

/*
 * The queue/serve split of timed requests (counters but the max): count
 * requests seen sent and read by the daemon, their time queued (sent to
 * read) and in the daemon (read to answer).
 */
struct fwb_split {
	uint64_t count, queue_sum_ns, queue_max_ns, serve_sum_ns, serve_max_ns;
};

struct fwb_op {
	uint32_t opcode;
	uint64_t count, errors, bytes;
	struct fwb_hist lat;
	struct fwb_split split;		/* only with fwb_mount.split_have */
};

struct fwb_mount {
	uint32_t conn;			/* kernel dev_t: /sys/fs/fuse/connections/<conn> */
	unsigned major, minor;
	char mountpoint[FWB_PATH_MAX];	/* first mount point */
	char *extra_mountpoints;	/* further ones, '\n' separated, or NULL */
	int nmountpoints;
	char fstype[64];
	char source[128];
	char bdi[40];			/* "0:53" */

	/*
	 * bdi knobs from /sys/class/bdi/<bdi>/; -1 when the kernel lacks one.
	 * The kernel keeps one cap, max_ratio_fine (6.2+): parts per million of
	 * the global dirty threshold.  max_ratio is it in whole percent (0 for
	 * a cap under 1 %), max_bytes the same cap in bytes at the current
	 * threshold (writing max_bytes stores a ratio).
	 */
	int max_ratio, min_ratio, strict_limit;
	int64_t max_bytes, max_ratio_fine;
	/* /sys/kernel/debug/bdi/<bdi>/stats in pages; -1 unknown */
	int64_t bdi_dirty_pages, bdi_writeback_pages, bdi_thresh_pages;
	int64_t dirty_thresh_pages;	/* the global threshold of the same read (DirtyThresh) */
	int64_t cap_pages;		/* the cap: dirty_thresh_pages x max_ratio(_fine); -1 unknown */
	/*
	 * What sets bdi_thresh_pages: 1 the cap (max_ratio_fine / max_bytes,
	 * max_ratio before 6.2), 0 the bdi's share of recent writeback (with
	 * min_ratio, or the kernel's floor for an idle bdi), below the cap; -1 unknown
	 */
	int cap_binds;
	/* fusectl; -1 unknown */
	int64_t waiting, max_background, congestion_threshold;

	struct fwb_daemon daemons[FWB_MAX_DAEMONS];
	int ndaemons;

	/* writeback WRITEs (counters unless noted) */
	/*
	 * ops_untracked: the request stats (wb_*, ops) were not kept for this
	 * connection (the table was full when it began): they are unknown, not
	 * 0, and front ends show them as null / '-'.
	 */
	bool ops_untracked;
	/*
	 * req_unknown: no request source is in use (e.g. 6.1, which has no
	 * request tracepoints, with --source tracepoint): the request stats
	 * (wb_*, ops, pending_*) are unknown, not 0, as for an untracked mount.
	 */
	bool req_unknown;
	uint64_t wb_writes, wb_bytes, wb_pages, wb_errors;
	int64_t wb_inflight_pages;	/* gauge */
	struct fwb_hist wb_lat;
	struct fwb_split wb_split;
	/*
	 * The kernel says when the daemon reads a request (fuse_request_sent in
	 * use): the split figures and fwb_pending_req.in_service are known.
	 */
	bool split_have;
	uint64_t pending_in_service;	/* gauge, with split_have: pending requests the daemon has read */

	/* balance_dirty_pages; unknown (not 0) unless throttle_have: its source is in use */
	bool throttle_have;
	uint64_t throttle_count, throttle_ns;
	/*
	 * Gauges of the interval since the previous snapshot: the most
	 * dirty+writeback pages a balance_dirty_pages event saw, and the bdi's
	 * dirty limit at that event; -1 when no event fired (or no source).
	 */
	int64_t peak_dirty_pages, peak_limit_pages;

	/* pending requests (gauges) */
	uint64_t pending_count;
	uint64_t pending_oldest_ns;
	int pending_oldest_min;		/* 1: some age is a lower bound, so the oldest may be older */
	struct fwb_pending_req *pending;	/* oldest first */
	int npending;

	struct fwb_op *ops;		/* per opcode, sorted by opcode */
	int nops;
	struct fwb_task *tasks;
	int ntasks;

	/*
	 * Kernel writeback (temp-page kernels, before 6.16): the FWB_KWB_* bits
	 * in kwb_have say which of these a source feeds; the others stay 0.
	 */
	uint32_t kwb_have;
	int64_t tmp_inflight_pages;	/* gauge: temp pages allocated, their WRITE not completed */
	uint64_t tmp_alloc_pages;	/* counters */
	uint64_t tmp_end_pages;
	uint64_t tmp_orphan_pages;	/* freed without completing (truncate, abort, merge) */
	uint64_t kwb_writes, kwb_errors;	/* temp-page WRITEs completed */
	struct fwb_hist kwb_lat;	/* first temp page to completion */
	uint64_t kwb_closed;		/* requests released, completed or not (counter) */
	uint64_t kwb_orphans;		/* of which released without completing (counter) */
	uint64_t kwb_untracked;		/* requests not tracked: the table was full (counter) */
	uint64_t redirty_waits, redirty_wait_ns;	/* counters */
	uint64_t redirty_wait_max_ns;	/* the longest since the collector started */
	uint64_t nowrite_waits, nowrite_wait_ns;	/* counters */
	uint64_t nowrite_wait_max_ns;
};

#define FWB_KWB_TEMP		0x1	/* tmp_alloc/end_pages, kwb_untracked: the allocation and the completion source */
#define FWB_KWB_LAT		0x2	/* kwb_writes, kwb_errors, kwb_lat */
#define FWB_KWB_REDIRTY		0x4	/* redirty_*, and fwb_task.redirty_* */
/*
 * tmp_inflight_pages, tmp_orphan_pages, kwb_closed, kwb_orphans: with
 * FWB_KWB_TEMP, the release source too.  Without it a request freed
 * without completing is never seen to end: those figures are unknown.
 */
#define FWB_KWB_CLOSE		0x8
#define FWB_KWB_NOWRITE		0x10	/* nowrite_*, and fwb_task.nowrite_* */

/*
 * The cap in pages and what binds, from the knobs and bdi stats already in m
 * (pure: unit-tested): fills cap_pages and cap_binds.
 */
void fwb_bdi_limit(struct fwb_mount *m);
/* The cap in percent of the global threshold, as precise as the kernel keeps it: "0.089", "1", "-" */
void fwb_fmt_max_ratio(char *buf, size_t len, const struct fwb_mount *m);
/* What sets the bdi's threshold: "cap", "share", or NULL when unknown */
const char *fwb_limit_by_str(const struct fwb_mount *m);
/* debugfs bdi stats text into m's bdi_* and dirty_thresh_pages (pure) */
void fwb_parse_bdi_stats(struct fwb_mount *m, char *text);
/* Parse /proc/self/mountinfo text into FUSE mounts (pure: unit-tested). */
int fwb_parse_mountinfo(const char *text, struct fwb_mount **mounts, int *n);
void fwb_free_mounts(struct fwb_mount *mounts, int n);
bool fwb_is_fuse_fstype(const char *fstype);
/* Undo \040-style escapes of mountinfo in place. */
void fwb_unescape_mount(char *s);

/* ---- kernel file systems (kernfs.c) ---- */
/* Mount fusectl / debugfs / tracefs when absent; says so on stderr unless quiet. */
void fwb_ensure_kernel_fs(struct fwb_kernel_info *ki, bool quiet);
/* Mount fstype at where unless it is there (a note on stderr unless quiet); false if it is not there after. */
bool fwb_ensure_fs(const char *fstype, const char *where, bool quiet, bool *mounted_by_us);

/* ---- kernel symbols (kallsyms.c) ---- */
/*
 * Each text symbol of /proc/kallsyms in the file's order to fn(arg, address,
 * name) until fn returns false; -errno when the file cannot be read.
 * Addresses are 0 where kptr_restrict hides them.
 */
int fwb_kallsyms_each(bool (*fn)(void *arg, uint64_t addr, const char *name), void *arg);

/* ---- opcode names (opnames.c) ---- */
const char *fwb_opcode_name(uint32_t opcode);

/* ---- file reading (fileio.c): /proc, sysfs, fusectl, debugfs, never a FUSE mount ---- */
/* Text of a whole file, opened non-blocking; NULL on error. */
char *fwb_read_file(const char *path, size_t *len);
/* fd's contents from its current offset to the end, NUL-terminated; NULL (errno set) when a read fails or memory runs out */
char *fwb_read_fd(int fd, size_t *len);
/* The decimal number a file (path from fmt) starts with; -1 when unreadable or not a number. */
int64_t fwb_read_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * path (relative to dirfd) into buf through a descriptor kept in *fdp
 * (fd + 1, 0 to open; -1 once it proves non-seekable: then read whole);
 * its length, or -1.
 */
ssize_t fwb_read_kept(int *fdp, int dirfd, const char *path, char *buf, size_t len);

/* ---- global vm state (vmstat.c) ---- */
struct fwb_vmstat {
	int64_t nr_dirty, nr_writeback, nr_writeback_temp;
	int64_t dirty_threshold, dirty_background_threshold;
};
int fwb_read_vmstat(struct fwb_vmstat *vm);

/* ---- the collector (collector.c, snapshot.c) ---- */
struct fwb_collector;

struct fwb_opts {
	bool quiet;			/* no notes on stderr */
	bool no_bpf;			/* resolver only (diagnose without root-level BPF) */
	const char *source;		/* force a kind of source: see fwb_probe_kernel_forced */
	bool share;			/* pin the maps: fusewb diagnose reads this history (peer.c) */
	int ops_mounts;			/* connections whose request stats are kept; 0: FWB_OPS_BLOCKS_DEFAULT */
	bool no_diag_look;		/* never reads diagnose's look (fwb_diag_read): diag_tasks, diag_peers not loaded */
};

/*
 * What opening the collector cost, in ms of CLOCK_MONOTONIC (0 for a phase
 * not run): probing the kernel, opening the object, loading it (the
 * verifier's time, all tries of the per-program fallback), attaching, and
 * the seeding walk.  FUSEWB_TIMING=1 prints it on stderr once open.
 */
struct fwb_load_timing {
	double probe_ms, open_ms, load_ms, attach_ms, seed_ms, total_ms;
	int progs;			/* programs loaded */
	uint64_t verified_insns;	/* their sum, as the kernel reports it (0 before 5.16) */
};

int fwb_collector_open(struct fwb_collector **c, const struct fwb_opts *o, char *err, size_t errlen);
void fwb_collector_close(struct fwb_collector *c);
const struct fwb_kernel_info *fwb_collector_kernel(const struct fwb_collector *c);
const struct fwb_load_timing *fwb_collector_timing(const struct fwb_collector *c);
const struct fwb_source *fwb_collector_sources(const struct fwb_collector *c, int *n);
/* The in-use sources of group can no longer be read: state lost, reason why; how many were. */
int fwb_collector_source_lost(struct fwb_collector *c, const char *group, const char *reason);
/*
 * A fresh read session of the iterator program prog (e.g. "diag_files"):
 * read() it to the end, then close() it.  -ENOENT when it is not attached.
 */
int fwb_collector_iter_fd(struct fwb_collector *c, const char *prog);

struct fwb_snapshot {
	uint64_t mono_ns;		/* CLOCK_MONOTONIC (same clock as bpf_ktime_get_ns) */
	double wall;			/* time(2) with fraction */
	struct fwb_mount *mounts;
	int nmounts;
	struct fwb_drops drops;		/* counters */
	struct fwb_vmstat vm;
};

int fwb_snapshot_take(struct fwb_collector *c, struct fwb_snapshot *s);

/*
 * Another fusewb process's collector, found through the maps it pinned
 * (fwb_opts.share): its counts, latencies and pending requests since it
 * started.  Mapped read-only; only a peer of the same build is taken (the
 * layout of its maps' values, from their BTF, must match ours).  The pins
 * are under FUSEWB_PIN_DIR, default /sys/fs/bpf/fusewb.
 */
#define FWB_PEER_SKIPS_MAX 8
struct fwb_peer_skip {			/* a running fusewb whose history is not read, and why */
	pid_t pid;
	char comm[32];
	char why[96];
};
struct fwb_peer {
	pid_t pid;
	unsigned long long start_ticks;	/* /proc/PID/stat field 22 */
	char comm[32];			/* "fusewb export", "fusewbtop", ... */
	const void *bss, *rows;		/* its .bss and op_stats, mapped */
	size_t bss_len, rows_len;
	struct fwb_peer_skip skipped[FWB_PEER_SKIPS_MAX];	/* also set when none is taken */
	int nskipped;
};
/* The live peer with the most history; -ENOENT when there is none. */
int fwb_peer_open(struct fwb_collector *c, struct fwb_peer *p);
void fwb_peer_close(struct fwb_peer *p);
/*
 * The peer still runs: the maps stay readable after it exits, but then no
 * longer change, and its pending requests would keep ageing.
 */
bool fwb_peer_alive(const struct fwb_peer *p);
/* Seconds since the peer process started (its collector began then, or just after). */
double fwb_peer_age_s(const struct fwb_peer *p);
/* The mounts of base with the peer's ops and pending requests (c gives the clock). */
int fwb_peer_snapshot(struct fwb_collector *c, const struct fwb_peer *p, const struct fwb_snapshot *base,
		      struct fwb_snapshot *s);
void fwb_snapshot_free(struct fwb_snapshot *s);
/* The snapshot's record of a connection, or NULL. */
struct fwb_mount *fwb_snapshot_mount(struct fwb_snapshot *s, uint32_t conn);
/*
 * d = cur - prev for counters (matched by connection); gauges are cur's.
 * A connection absent from prev is compared with zero.
 */
int fwb_snapshot_delta(const struct fwb_snapshot *prev, const struct fwb_snapshot *cur,
		       struct fwb_snapshot *d);
/* Keep only mounts matching any of the filters (mount point or fstype); 0 filters keeps all. */
void fwb_snapshot_filter(struct fwb_snapshot *s, char **filters, int nfilters);
/* Does the filter (mount point or fstype) name this mount? */
bool fwb_mount_matches(const struct fwb_mount *m, const char *filter);
/* Is the filter a known FUSE mount point? For "unknown mount" errors. */
bool fwb_filter_known(const struct fwb_snapshot *s, const char *filter);

/* ---- command-line numbers (args.c) ---- */
/*
 * Intervals (stat -i, top -d, diagnose --watch): below 0.1 s an interval
 * spans 10-25 jiffies, so ages and per-jiffy-sampled latencies quantise
 * by 4-10 %, and a snapshot of many mounts (sysfs, debugfs, maps) takes
 * milliseconds: the tool would measure itself.  The top of the range is a day.
 */
#define FWB_INTERVAL_MIN_S	0.1
#define FWB_INTERVAL_MAX_S	86400.0
/* Age and latency thresholds: one jiffy at HZ 1000; a shorter age reads as 0 */
#define FWB_THRESHOLD_MIN_S	0.001
#define FWB_COUNT_MAX		2147483647L	/* fits every counter it is kept in */
/*
 * One "possibly hung" for every front end: the oldest pending request is
 * older than this (top/stat/diagnose --hung; FusewbDaemonPossiblyHung).
 * Longer than any healthy round trip of a network file system, short
 * enough that a user waiting on a frozen shell gets an answer.
 */
#define FWB_HUNG_DEFAULT_S	10.0
/*
 * Answers whose p99 reaches this are slow (diagnose --slow, the
 * FusewbWritebackSlow alert): a healthy sshfs answers WRITEs in ~0.2 s, and
 * a health check must not warn about it.
 */
#define FWB_SLOW_DEFAULT_S	1.0
/*
 * A finite number of seconds in [min, max], nothing before or after it
 * ("nan", "inf", " 1", "1s" are refused): 0, or -1 with
 * "invalid NAME 'STR': expected seconds from MIN to MAX" in err.
 */
int fwb_parse_seconds(const char *name, const char *str, double min, double max, double *out,
		      char *err, size_t errlen);
/* A decimal integer in [min, max] (no overflow, no trailing text); as above. */
int fwb_parse_count(const char *name, const char *str, long min, long max, long *out,
		    char *err, size_t errlen);
/* The same for an option: on error prints "PROG: why" on stderr; for "if (...) return 2;" */
int fwb_arg_seconds(const char *prog, const char *name, const char *str, double min, double max,
		    double *out);
int fwb_arg_count(const char *prog, const char *name, const char *str, long min, long max, long *out);

/*
 * The options the looping front ends share (stat, top, diagnose):
 * -d/-i SECONDS and -n/-c COUNT (long names below), -H SECONDS (hung
 * threshold), -s SOURCE, --tracked-mounts N ('M').  A NULL field (or o)
 * is an option the front end does not take.
 */
struct fwb_loop_args {
	double *interval;
	long *count;
	double *hung_s;
};
#define FWB_LOOP_LONGOPTS						\
	{ "delay", required_argument, NULL, 'd' },			\
	{ "interval", required_argument, NULL, 'd' },			\
	{ "iterations", required_argument, NULL, 'n' },			\
	{ "count", required_argument, NULL, 'n' },			\
	{ "hung", required_argument, NULL, 'H' },			\
	{ "tracked-mounts", required_argument, NULL, 'M' }
/* Option ch of those with its argument: 1 taken, 0 not one of them, -1 refused (said why on stderr). */
int fwb_loop_arg(const char *prog, int ch, const char *arg, const struct fwb_loop_args *l, struct fwb_opts *o);

/* ---- log rate limit (ratelimit.c) ---- */
struct fwb_ratelimit {
	uint64_t window_ns;	/* set by the user */
	unsigned burst;		/* messages shown per window */
	uint64_t begin_ns;	/* the rest: state, zero to start */
	unsigned shown;
	uint64_t missed;
};
/*
 * True when a message at now_ns may be shown.  *missed is the number held
 * back in the window that just ended (non-zero once per window at most):
 * say so before the message.
 */
bool fwb_ratelimit(struct fwb_ratelimit *r, uint64_t now_ns, uint64_t *missed);
/* Messages held back in a window that has ended by now_ns, once (for a timer): 0 if none. */
uint64_t fwb_ratelimit_expire(struct fwb_ratelimit *r, uint64_t now_ns);

/* ---- process plumbing (util.c) ---- */
extern volatile sig_atomic_t fwb_stop;
void fwb_install_signals(void);
/* Sleep up to seconds, returning early on fwb_stop. */
void fwb_sleep(double seconds);
uint64_t fwb_mono_ns(void);
/* Format an error into err; returns -1, for "return fwb_errf(...)". */
int fwb_errf(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* --source ARG of a front end: -1 after saying why on stderr when ARG is unknown. */
int fwb_opts_set_source(struct fwb_opts *o, const char *arg, const char *cmd);
/* The version of this build, e.g. "0.1.0" or "0.1.0+g93f1335" (scripts/version.sh). */
const char *fwb_version(void);
/* "/mnt/x/" names the mount "/mnt/x": trailing slashes off, as text (the path is never looked at). */
void fwb_trim_slashes(char *path);

#endif /* LIBFUSEWB_H */
