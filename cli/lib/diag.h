/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libfusewb diagnosis: why a FUSE connection is hung or slow, from state
 * read post hoc (BPF iterators over tasks and their files, the kernel's
 * request queues, sysfs) plus whatever the collector saw meanwhile.
 *
 *   raw state   fwb_diag_read()            diag_read.c   (two passes: start and end of a window)
 *   symbols     fwb_ksyms_*                diag_ksym.c
 *   stacks      fwb_diag_classify_stack()  diag_stack.c  (pure; and a task's, by its symbols)
 *   transport   fwb_diag_transport()       diag_path.c   (pure: the daemon's sockets and pipes, one hop on)
 *   verdict     fwb_diag_decide()          diag_verdict.c (pure)
 *   remedies    fwb_diag_remedies()        diag_verdict.c (pure)
 *   reports     fwb_diag_build()           diag_build.c
 *   JSON, text  fwb_diag_json(), diag_print_text()  ../render/ (pure)
 */
#ifndef LIBFUSEWB_DIAG_H
#define LIBFUSEWB_DIAG_H

#include "fusewb.h"

/* ---- raw state from the iterators (diag_read.c) ---- */
struct fwb_diag_raw {
	struct fwb_diag_dev *devs;
	int ndevs;
	struct fwb_diag_conn *conns;
	int nconns;
	struct fwb_diag_req *reqs;
	int nreqs;
	struct fwb_diag_file *files;
	int nfiles;
	struct fwb_diag_task *tasks;
	int ntasks;
	struct fwb_diag_ep *eps;	/* sockets and pipes on the daemons' paths */
	int neps;
	bool peers_read;		/* diag_peers ran */
	uint64_t mono_ns;		/* when it was read */
	int skipped;			/* records of unknown kind or bad size */
};

/* Run diag_files then diag_tasks; -errno when they are not attached or fail. */
int fwb_diag_read(struct fwb_collector *c, struct fwb_diag_raw *r);
/* Append the records of one iterator stream (pure: unit-tested). */
int fwb_diag_parse(const void *buf, size_t len, struct fwb_diag_raw *r);
void fwb_diag_raw_free(struct fwb_diag_raw *r);

/* ---- kernel symbols (diag_ksym.c) ---- */
struct fwb_ksyms;
/* Text symbols of /proc/kallsyms; NULL when unreadable or all addresses are hidden. */
struct fwb_ksyms *fwb_ksyms_load(void);
/* Name of the function holding addr, or NULL. */
const char *fwb_ksym_name(const struct fwb_ksyms *k, uint64_t addr);
void fwb_ksyms_free(struct fwb_ksyms *k);

/* ---- stacks (diag_stack.c, pure) ---- */
enum fwb_wait {
	FWB_WAIT_NONE = 0,	/* no kernel stack (running in user space, or unknown) */
	FWB_WAIT_DEV_READ,	/* daemon thread idle in the /dev/fuse read */
	FWB_WAIT_ANSWER,	/* waits for the answer to a FUSE request it sent */
	FWB_WAIT_BG_SLOT,	/* waits for a background slot (fc->blocked) */
	FWB_WAIT_WRITEBACK,	/* waits for pages under writeback */
	FWB_WAIT_THROTTLE,	/* dirty throttling in balance_dirty_pages */
	FWB_WAIT_LOCK,		/* a lock, inside FUSE code or a path walk */
	FWB_WAIT_FUSE,		/* elsewhere in FUSE code */
	FWB_WAIT_IO,		/* on a socket or a pipe (read, write, poll) */
	FWB_WAIT_OTHER,		/* outside FUSE */
	FWB_WAIT_NOWRITE,	/* waits for every WRITE of an inode (fuse_set_nowrite: fsync, truncate) */
};

const char *fwb_wait_name(enum fwb_wait w);
/*
 * Classify a kernel stack, innermost frame first (NULL entries are unknown
 * frames).  *where gets the index of the frame that tells where the task
 * waits (the first one outside the scheduler), -1 when none.
 */
enum fwb_wait fwb_diag_classify_stack(const char *const *syms, int n, int *where);
/* Is this wait about FUSE (anything but NONE, IO, OTHER)? */
bool fwb_wait_is_fuse(enum fwb_wait w);

/* ---- the verdict (diag_verdict.c, pure) ---- */
enum fwb_verdict {
	FWB_V_HEALTHY = 0,
	FWB_V_SLOW,		/* answers, but slowly */
	FWB_V_BG_FULL,		/* answers fast, but the background queue is full */
	FWB_V_STOPPED,		/* the daemon is stopped (SIGSTOP) or held by a tracer */
	FWB_V_NOT_READING,	/* requests wait unread and no daemon thread reads the device */
	FWB_V_NOT_ANSWERING,	/* the daemon read requests and answers none */
	FWB_V_SELF_DEADLOCK,	/* a daemon thread waits on its own mount */
	FWB_V_BLOCKED_ELSEWHERE,/* a daemon thread is blocked in the kernel outside this mount */
	FWB_V_GONE,		/* no process holds the device */
	FWB_V_ABORTED,		/* the connection was aborted; the mount only returns errors */
	FWB_V_STOPPED_TRANSPORT,/* a process the daemon talks to (its ssh, its server) is stopped */
	FWB_V_NETWORK,		/* the daemon waits on a TCP peer that acknowledges nothing */
	FWB_V_HELPER_BLOCKED,	/* a process the daemon talks to is itself blocked in the kernel */
	FWB_V_NR,
};

/* "350 ms", "12.3 s", "5 min" */
char *fwb_fmt_duration(char *buf, size_t len, uint64_t ns);
const char *fwb_verdict_name(enum fwb_verdict v);	/* "self_deadlock": for JSON and scripts */
const char *fwb_verdict_title(enum fwb_verdict v);	/* "daemon blocked inside its own mount" */
/* Hung: nothing will move without someone acting. */
bool fwb_verdict_is_hang(enum fwb_verdict v);

/* Everything the verdict depends on, for one connection. */
struct fwb_diag_facts {
	bool walked;			/* the iterator reached the connection's queues */
	bool connected;			/* fc->connected */
	int ndaemons;			/* processes holding the device */
	int threads;			/* daemon threads seen */
	int stopped_daemons;		/* daemon processes whose threads are all stopped or traced */
	uint32_t stopped_pid;		/* one of them */
	uint32_t tracer;		/* its tracer, 0 when stopped by a signal */
	int idle_readers;		/* threads waiting in the device read */
	int running;			/* threads on a CPU or runnable */
	int busy;			/* threads sleeping in user-space waits (futex, poll, sleep...) */
	int self_blocked;		/* threads waiting on this very connection */
	int fuse_blocked;		/* threads waiting on another FUSE connection */
	int other_blocked;		/* threads in D state outside FUSE */
	uint32_t culprit_tid;		/* the thread behind a self/elsewhere verdict */
	char culprit_where[64];		/* its innermost telling frame */
	uint32_t culprit_conn;		/* for fuse_blocked: the connection it waits on */

	uint32_t nq[FWB_DIAGQ_NR];	/* requests per queue */
	uint32_t nreqs;
	uint32_t persisted;		/* requests seen at both ends of the window */
	bool oldest_known;		/* oldest_ns is a measured age */
	uint64_t oldest_ns;		/* oldest request (a lower bound when !oldest_known) */
	uint64_t window_ns;		/* between the two looks */
	uint64_t completed;		/* answers during the window */
	uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns;	/* of those answers */
	uint32_t slow_op;		/* opcode with the highest p99 among them (pseudo-opcodes as in fwb_op) */
	uint64_t slow_op_count, slow_op_p50_ns, slow_op_p99_ns;
	int64_t waiting;		/* fusectl's count of waiting requests, -1 unknown */
	uint32_t num_background, max_background;
	bool bg_blocked;		/* fc->blocked */

	/* the daemon's transport (fwb_diag_transport) */
	int io_waiters;			/* daemon threads waiting on a socket or pipe */
	uint32_t io_tid;		/* one of them */
	char io_where[64];
	uint32_t daemon_pid;		/* whose transport */
	char daemon_comm[16];
	uint32_t tr_pid;		/* a process on it that is stopped (tr_stopped) or blocked */
	bool tr_stopped;
	uint32_t tr_tracer;		/* its tracer, when traced */
	uint32_t tr_tid;		/* its blocked thread */
	char tr_comm[16];
	int tr_hop;			/* 1: the daemon talks to it directly */
	char tr_via[128];		/* how the last hop reached it ("a unix socket") */
	char tr_chain[192];		/* "sshfs[10] -> ssh[12] -> sshd[20]" */
	char tr_where[64];
	uint32_t tr_wait_conn;		/* its thread waits on this FUSE connection, 0 none */
	uint64_t tr_offcpu_ns;
	bool net_stall;			/* a remote TCP peer acknowledged nothing for FWB_DIAG_NET_NS */
	char net_peer[64];		/* "10.0.0.2:22" */
	char net_addr[48];		/* "10.0.0.2" */
	uint32_t net_unacked, net_retransmits;
	uint64_t net_since_ack_ns;
	uint32_t net_pid;		/* the process holding the socket */
	char net_comm[16];
};

struct fwb_diag_limits {
	uint64_t hung_ns;		/* no answer for this long is a hang (FWB_HUNG_DEFAULT_S) */
	uint64_t slow_ns;		/* answers slower than this are slow (FWB_SLOW_DEFAULT_S) */
};

#define FWB_DIAG_HUNG_NS_DEFAULT	((uint64_t)(FWB_HUNG_DEFAULT_S * 1e9))
#define FWB_DIAG_SLOW_NS_DEFAULT	((uint64_t)(FWB_SLOW_DEFAULT_S * 1e9))
/* Unacknowledged data this old, after retransmits, is a network stall (TCP's first RTO is 1 s) */
#define FWB_DIAG_NET_NS			1000000000ULL

struct fwb_diag_decision {
	enum fwb_verdict verdict;
	char why[768];			/* one sentence, for people */
};

void fwb_diag_decide(const struct fwb_diag_facts *f, const struct fwb_diag_limits *l,
		     struct fwb_diag_decision *d);

/* What a remedy needs to know beyond the verdict. */
struct fwb_remedy_ctx {
	enum fwb_verdict verdict;
	uint32_t conn;
	const char *mountpoint;
	uint32_t stopped_pid, tracer;
	uint32_t daemon_pid;		/* first daemon, 0 when gone */
	uint32_t nreqs, nwrites;	/* requests that would fail, WRITEs among them */
	int64_t dirty_pages, writeback_pages;	/* of the bdi, -1 unknown */
	uint64_t lat_p99_ns;		/* of the answers in the window */
	uint64_t completed, window_ns;	/* answers in the window, and its length */
	uint64_t oldest_ns, hung_ns;	/* the oldest request, and when it would be a hang */
	uint32_t max_background;
	bool fusectl;			/* /sys/fs/fuse/connections is there */
	/* transport verdicts, and the alive daemon waiting on I/O */
	int io_waiters;
	uint32_t tr_pid, tr_tracer, tr_wait_conn;
	char tr_comm[16];
	char net_peer[64], net_addr[48];
};

#define FWB_MAX_REMEDIES 4

struct fwb_remedy {
	char cmd[FWB_PATH_MAX * 2];	/* a command to copy, or "" for advice only */
	char note[320];			/* what it does and what it costs */
};

/* Fill up to FWB_MAX_REMEDIES remedies, most advisable first; returns how many. */
int fwb_diag_remedies(const struct fwb_remedy_ctx *ctx, struct fwb_remedy *out);

/* ---- per-connection reports (diag_build.c) ---- */
enum fwb_age_source {
	FWB_AGE_UNKNOWN = 0,
	FWB_AGE_CREATE_TIME,		/* the kernel's fuse_req.create_time */
	FWB_AGE_COLLECTOR,		/* our collector saw the request sent */
	FWB_AGE_HISTORY,		/* another fusewb's collector saw it sent (fwb_peer) */
};

const char *fwb_age_source_name(enum fwb_age_source s);

struct fwb_diag_thread {
	uint32_t tid;
	char comm[16];
	char state;			/* R S D T t Z X I as in ps */
	enum fwb_wait wait;
	uint32_t wait_conn;		/* the connection it waits on, 0 unknown */
	char where[64];
	uint64_t offcpu_ns;
	int nframes;
	uint64_t stack[FWB_DIAG_STACK_DEPTH];
};

struct fwb_diag_daemon {
	uint32_t tgid;
	char comm[16];
	uint32_t tracer;
	struct fwb_diag_thread *threads;
	int nthreads;
};

struct fwb_diag_request {
	uint64_t unique, nodeid;
	uint32_t opcode, pid, queue, bytes;
	bool writeback, persisted;
	enum fwb_age_source age_source;
	uint64_t age_ns;		/* valid unless age_source is UNKNOWN */
	uint64_t age_min_ns;		/* a lower bound when UNKNOWN and persisted */
	char comm[16];			/* of pid, when known */
};

struct fwb_diag_blocked {
	uint32_t pid, tgid;
	char comm[16];
	char state;
	enum fwb_wait wait;
	char where[64];
	const char *via;		/* how it was tied to the connection */
	uint64_t offcpu_ns;
	int req;			/* index in the report's requests it waits for, -1 none */
	int nfiles;			/* files it has open on the mount */
	uint64_t dirtied, wbwaits;	/* collector, during the window */
	int nframes;
	uint64_t stack[FWB_DIAG_STACK_DEPTH];
};

/* ---- the daemon's transport (diag_path.c, pure) ---- */
#define FWB_DIAG_PATH_MAX	16
#define FWB_DIAG_REMOTE_MAX	8

/* A process on the daemon's path: the daemon itself (hop 0), those it talks to, ... */
struct fwb_diag_hop {
	uint32_t tgid;
	uint32_t from;			/* the process it was reached from (0 for the daemon) */
	char comm[16];
	int hop;
	uint32_t from_fd, fd;		/* the two ends' fds */
	char via[128];			/* "unix socket", "pipe", "TCP 127.0.0.1:40112 -> 127.0.0.1:22" */
	bool exact;			/* a thread of `from` sleeps on that end; else its stack suggests it */
	char state;			/* T: every thread stopped, t: traced, D: a thread blocked, S, R; ?: unseen */
	uint32_t tracer;
	uint32_t tid;			/* its blocked thread */
	enum fwb_wait wait;
	uint32_t wait_conn;		/* the FUSE connection whose answer that thread waits for, 0 none */
	char where[64];
	uint64_t offcpu_ns;
	int nframes;
	uint64_t stack[FWB_DIAG_STACK_DEPTH];
};

/* A TCP connection on the path whose other end no process here holds. */
struct fwb_diag_remote {
	uint32_t tgid, fd;
	char comm[16];
	int hop;
	bool exact;
	char local[64], peer[64];	/* "10.0.0.1:40112", "10.0.0.2:22" ("[::1]:22") */
	char addr[48];			/* the peer's address alone */
	uint32_t state;			/* TCP state (1 established) */
	uint32_t unacked, rcvq, packets_out, retrans_out, retransmits, total_retrans;
	int64_t since_ack_ns, since_send_ns;	/* -1 unknown (no HZ) */
};

struct fwb_diag_transport {
	bool read;			/* diag_peers ran */
	int io_waiters;			/* daemon threads waiting on a socket or pipe */
	uint32_t io_tid;
	char io_where[64];
	bool heuristic;			/* a link was taken from a stack, not from a wait queue */
	struct fwb_diag_hop procs[FWB_DIAG_PATH_MAX];	/* [0]: the daemon */
	int nprocs;
	struct fwb_diag_remote remotes[FWB_DIAG_REMOTE_MAX];
	int nremotes;
};

/*
 * Follow daemon `tgid`'s waits: the ends its threads sleep on (else, when
 * a thread's stack is in a socket or pipe wait, all its ends), the
 * processes at their other ends, theirs in turn up to FWB_DIAG_MAX_HOPS;
 * TCP connections nobody here holds the other end of are remote.
 */
void fwb_diag_transport(const struct fwb_diag_raw *raw, const struct fwb_ksyms *k, uint32_t tgid,
			unsigned hz, const struct fwb_diag_limits *l, struct fwb_diag_transport *out);
/* The facts a verdict needs from it. */
void fwb_diag_transport_facts(const struct fwb_diag_transport *t, struct fwb_diag_facts *f);

/* ps's letter for a task's __state and exit_state */
char fwb_diag_state_letter(uint32_t state, uint32_t exit_state);
/* What a task waits for, and "folio_wait_writeback < fuse_do_getattr" */
enum fwb_wait fwb_diag_classify_task(const struct fwb_ksyms *k, const struct fwb_diag_task *t,
				     char *where, size_t len);

/* What another fusewb process's collector saw of the connection since it started. */
struct fwb_diag_history {
	bool have;
	uint32_t pid;
	char comm[32];
	double since_s;			/* how long it has been collecting */
	uint64_t answers;		/* completions, all opcodes */
	uint64_t wb_writes;		/* writeback WRITEs completed */
	struct fwb_hist wb_lat, lat;	/* writeback WRITEs; every timed answer */
	uint64_t pending;		/* requests it holds as sent and not answered */
	uint64_t oldest_ns;		/* the oldest of them */
};

struct fwb_diag_report {
	struct fwb_mount m;		/* the mount record (owned copy) */
	struct fwb_diag_history history;
	bool have_kernel;		/* kc is valid */
	struct fwb_diag_conn kc;
	struct fwb_diag_daemon *daemons;
	int ndaemons;
	struct fwb_diag_request *reqs;	/* oldest first */
	int nreqs;
	bool truncated;
	struct fwb_diag_blocked *blocked;
	int nblocked;
	uint64_t answers;		/* completions during the window, all opcodes */
	struct fwb_hist lat;		/* latencies of the timed ones among them */
	uint32_t slowest_op;		/* opcode with the highest p99 during the window */
	uint64_t slowest_count;		/* its completions */
	struct fwb_hist slowest_lat;
	struct fwb_diag_transport tr;
	struct fwb_diag_facts facts;
	struct fwb_diag_decision d;
	struct fwb_remedy remedies[FWB_MAX_REMEDIES];
	int nremedies;
};

struct fwb_diag_set {
	double wall;
	uint64_t window_ns;
	bool create_time;		/* ages came from the kernel's create_time */
	struct fwb_diag_report *r;
	int n;
	/* tasks blocked in FUSE code that could not be tied to a connection */
	struct fwb_diag_blocked *loose;
	int nloose;
	int nloose_hidden;		/* such tasks left out: the user named mounts */
	const struct fwb_ksyms *ksyms;	/* for printing stacks; may be NULL */
};

struct fwb_diag_inputs {
	const struct fwb_snapshot *start, *end;	/* collector snapshots at both ends */
	const struct fwb_snapshot *history;	/* a peer's snapshot (fwb_peer_snapshot), or NULL */
	const struct fwb_peer *peer;		/* whose */
	double history_age_s;			/* how long the peer has been collecting */
	const struct fwb_diag_raw *first, *last;	/* iterator passes at both ends (first may be NULL) */
	const struct fwb_ksyms *ksyms;
	unsigned hz;				/* CONFIG_HZ for create_time */
	bool ignore_create_time;		/* act as on kernels without it */
	uint64_t window_ns;			/* without first: the span start..end (or a delta end) covers */
	bool fusectl;
	struct fwb_diag_limits limits;
};

int fwb_diag_build(const struct fwb_diag_inputs *in, struct fwb_diag_set *set);
void fwb_diag_set_free(struct fwb_diag_set *set);
/* Worst verdict first; ties keep mount order. */
void fwb_diag_sort(struct fwb_diag_set *set);

/* Write 1 to /sys/fs/fuse/connections/<conn>/abort; 0 or -errno. */
int fwb_conn_abort(uint32_t conn);

/* ---- the daemon state of every mount, for export and top (diag_state.c) ---- */
struct fwb_daemon_state {
	uint32_t conn;
	enum fwb_verdict verdict;	/* FWB_V_HEALTHY unless a look found otherwise */
	bool looked;			/* the kernel's state was read for it */
	char why[256];
};

/*
 * One entry per mount of cur (same order) in *out, malloc'd even on error.
 * Reads the kernel's state only when a mount looks stuck (a request waiting
 * over 1 s, no daemon, requests the collector never saw); answers are
 * counted from prev (may be NULL).  0, or the read's -errno.
 */
int fwb_daemon_states(struct fwb_collector *c, const struct fwb_snapshot *prev, const struct fwb_snapshot *cur,
		      uint64_t window_ns, const struct fwb_ksyms *k, struct fwb_daemon_state **out);

#endif /* LIBFUSEWB_DIAG_H */
