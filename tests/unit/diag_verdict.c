// SPDX-License-Identifier: GPL-2.0-only
/* The verdict rules and the remedies of fusewb diagnose, one scenario each. */
#include "lib/diag.h"
#include "tap.h"

#define S 1000000000ULL
#define MS 1000000ULL

static const struct fwb_diag_limits lim = { .hung_ns = 5 * S, .slow_ns = 100 * MS };

/* A connection with one daemon of four threads: two idle readers, two busy. */
static struct fwb_diag_facts base(void)
{
	struct fwb_diag_facts f = {
		.walked = true, .connected = true, .ndaemons = 1, .threads = 4,
		.idle_readers = 2, .busy = 2, .window_ns = 1 * S, .oldest_known = true,
		.max_background = 12, .waiting = 0,
	};
	return f;
}

static enum fwb_verdict verdict(const struct fwb_diag_facts *f, struct fwb_diag_decision *d)
{
	fwb_diag_decide(f, &lim, d);
	return d->verdict;
}

static bool has(const char *s, const char *sub)
{
	return s && strstr(s, sub);
}

int main(void)
{
	struct fwb_diag_decision d;
	struct fwb_diag_facts f;
	struct fwb_remedy rem[FWB_MAX_REMEDIES];
	struct fwb_remedy_ctx rc;
	int n;

	f = base();
	ok(verdict(&f, &d) == FWB_V_HEALTHY, "idle connection is healthy (%s)", d.why);
	ok(has(d.why, "idle"), "and says it is idle");

	f = base();
	f.completed = 50;
	f.lat_p50_ns = 1 * MS;
	f.lat_p99_ns = 3 * MS;
	ok(verdict(&f, &d) == FWB_V_HEALTHY, "fast answers are healthy");

	/* testfs --delay write=200 */
	f = base();
	f.completed = 10;
	f.lat_p50_ns = 2 * MS;
	f.lat_p99_ns = 201 * MS;
	f.slow_op = 16;
	f.slow_op_count = 5;
	f.slow_op_p50_ns = 200 * MS;
	f.slow_op_p99_ns = 201 * MS;
	f.nreqs = f.nq[FWB_DIAGQ_PROCESSING] = 1;
	f.oldest_ns = 80 * MS;
	ok(verdict(&f, &d) == FWB_V_SLOW, "200 ms answers are slow, not hung");
	ok(has(d.why, "WRITE answers take p50 200 ms"), "the slow opcode and its latency are named (%s)", d.why);
	ok(!fwb_verdict_is_hang(FWB_V_SLOW), "slow is not a hang");

	/* SIGSTOP: all threads T */
	f = base();
	f.idle_readers = f.busy = 0;
	f.stopped_daemons = 1;
	f.stopped_pid = 4242;
	f.nreqs = f.nq[FWB_DIAGQ_PENDING] = 3;
	f.oldest_ns = 2 * S;
	ok(verdict(&f, &d) == FWB_V_STOPPED, "a stopped daemon is stopped, whatever the ages");
	ok(has(d.why, "4242") && has(d.why, "signal"), "names the pid and the signal (%s)", d.why);
	f.tracer = 77;
	verdict(&f, &d);
	ok(has(d.why, "tracer, process 77"), "a traced daemon names its tracer");

	/* selfio: a daemon thread waits on its own mount */
	f = base();
	f.self_blocked = 1;
	f.culprit_tid = 1001;
	snprintf(f.culprit_where, sizeof(f.culprit_where), "folio_wait_writeback < fuse_do_getattr");
	f.nreqs = f.nq[FWB_DIAGQ_PROCESSING] = 1;
	f.oldest_ns = 1 * S;
	ok(verdict(&f, &d) == FWB_V_SELF_DEADLOCK, "self-deadlock even before the hung threshold");
	ok(has(d.why, "1001") && has(d.why, "fuse_do_getattr"), "names the thread and where (%s)", d.why);

	/* stall: requests read, none answered, threads in futex */
	f = base();
	f.idle_readers = 1;
	f.busy = 3;
	f.nreqs = f.nq[FWB_DIAGQ_PROCESSING] = 8;
	f.oldest_ns = 12 * S;
	ok(verdict(&f, &d) == FWB_V_NOT_ANSWERING, "read but unanswered for 12 s: not answering");
	ok(has(d.why, "8 requests") && has(d.why, "12.0 s"), "count and age (%s)", d.why);
	f.oldest_ns = 3 * S;
	ok(verdict(&f, &d) == FWB_V_SLOW, "the same for 3 s, below --hung-after: slow, not yet hung");
	f.oldest_known = false;
	f.oldest_ns = 1 * S;
	f.persisted = 8;
	ok(verdict(&f, &d) == FWB_V_NOT_ANSWERING, "unknown ages (6.12): present at both looks, no answer: hung");
	ok(has(d.why, "at least"), "and says the age is a lower bound (%s)", d.why);
	f.persisted = 0;
	ok(verdict(&f, &d) == FWB_V_HEALTHY, "unknown ages, not seen twice: no evidence of a hang");

	/* nobody reads */
	f = base();
	f.idle_readers = 0;
	f.busy = 4;
	f.nreqs = f.nq[FWB_DIAGQ_PENDING] = 2;
	f.oldest_ns = 30 * S;
	ok(verdict(&f, &d) == FWB_V_NOT_READING, "unread requests and no reader: not reading");
	ok(has(d.why, "2 requests wait unread"), "says they wait unread (%s)", d.why);

	/* every thread stuck in a request it read; the rest queue unread behind it */
	f = base();
	f.idle_readers = 0;
	f.busy = 1;
	f.nreqs = 4;
	f.nq[FWB_DIAGQ_PROCESSING] = 1;
	f.nq[FWB_DIAGQ_PENDING] = 3;
	f.oldest_ns = 30 * S;
	ok(verdict(&f, &d) == FWB_V_NOT_ANSWERING,
	   "read and unanswered with unread ones behind: not answering, not 'not reading'");
	ok(has(d.why, "1 request it read") && has(d.why, "3 more wait unread"),
	   "read, not answered, and how many wait unread behind it (%s)", d.why);

	/* the daemon is blocked in the kernel elsewhere */
	f = base();
	f.other_blocked = 1;
	f.culprit_tid = 55;
	snprintf(f.culprit_where, sizeof(f.culprit_where), "nfs_wait_bit_killable");
	f.nreqs = f.nq[FWB_DIAGQ_PROCESSING] = 1;
	f.oldest_ns = 20 * S;
	ok(verdict(&f, &d) == FWB_V_BLOCKED_ELSEWHERE, "a D-state thread outside FUSE: blocked elsewhere");
	ok(has(d.why, "nfs_wait_bit_killable"), "names where (%s)", d.why);
	f.other_blocked = 0;
	f.fuse_blocked = 1;
	f.culprit_conn = 99;
	verdict(&f, &d);
	ok(d.verdict == FWB_V_BLOCKED_ELSEWHERE && has(d.why, "connection 99"),
	   "waiting on another FUSE mount names it (%s)", d.why);
	f.completed = 40;
	f.lat_p99_ns = 2 * MS;
	ok(verdict(&f, &d) == FWB_V_BLOCKED_ELSEWHERE, "partly blocked while others are answered");

	/* gone / aborted */
	f = base();
	f.ndaemons = f.threads = f.idle_readers = f.busy = 0;
	f.connected = false;
	ok(verdict(&f, &d) == FWB_V_GONE, "no holder of the device: gone");
	ok(has(d.why, "ENOTCONN"), "closed connection: ENOTCONN (%s)", d.why);
	f.connected = true;
	f.nreqs = f.nq[FWB_DIAGQ_PENDING] = 4;
	verdict(&f, &d);
	ok(d.verdict == FWB_V_GONE && has(d.why, "4 requests"), "gone with requests left (%s)", d.why);
	f.walked = false;
	f.nreqs = f.nq[FWB_DIAGQ_PENDING] = 0;
	f.waiting = 2;
	verdict(&f, &d);
	ok(d.verdict == FWB_V_GONE && has(d.why, "fusectl counts 2 requests"),
	   "queues unreachable: fusectl's count (%s)", d.why);
	f = base();
	f.connected = false;
	ok(verdict(&f, &d) == FWB_V_ABORTED, "holder but closed connection: aborted");

	/* background queue full with fast answers */
	f = base();
	f.completed = 100;
	f.lat_p99_ns = 5 * MS;
	f.num_background = 12;
	f.nreqs = f.nq[FWB_DIAGQ_BACKGROUND] = 30;
	f.oldest_ns = 50 * MS;
	ok(verdict(&f, &d) == FWB_V_BG_FULL, "full background queue, fast answers: background full");

	/* remedies */
	memset(&rc, 0, sizeof(rc));
	rc.verdict = FWB_V_STOPPED;
	rc.conn = 41;
	rc.mountpoint = "/mnt/x";
	rc.stopped_pid = 4242;
	rc.nreqs = 3;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 1 && !strcmp(rem[0].cmd, "kill -CONT 4242"), "stopped: kill -CONT PID (%s)", n ? rem[0].cmd : "");

	rc.verdict = FWB_V_NOT_ANSWERING;
	rc.nwrites = 2;
	rc.dirty_pages = 256;
	rc.writeback_pages = 512;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 2, "hung: two remedies");
	is_str(rem[0].cmd, "echo 1 > /sys/fs/fuse/connections/41/abort", "first the abort");
	ok(has(rem[0].note, "3 waiting requests fail") && has(rem[0].note, "2 WRITEs") &&
	   has(rem[0].note, "256 (1.0 MiB) dirty") && has(rem[0].note, "512 (2.0 MiB) writeback"),
	   "which costs the requests and the pages (%s)", rem[0].note);
	is_str(rem[1].cmd, "umount -l /mnt/x", "then the lazy unmount");

	rc.mountpoint = "/mnt/my disk";
	fwb_diag_remedies(&rc, rem);
	is_str(rem[1].cmd, "umount -l '/mnt/my disk'", "mount points are quoted for the shell");

	rc.verdict = FWB_V_SLOW;
	rc.lat_p99_ns = 200 * MS;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 1 && !rem[0].cmd[0] && has(rem[0].note, "wait: it is slow, not hung"), "slow: wait (%s)", rem[0].note);

	rc.verdict = FWB_V_HEALTHY;
	ok(fwb_diag_remedies(&rc, rem) == 0, "healthy: nothing to do");

	rc.verdict = FWB_V_GONE;
	rc.nreqs = 0;
	rc.mountpoint = "/mnt/x";
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 1 && !strcmp(rem[0].cmd, "umount -l /mnt/x"), "gone, nothing pending: just unmount");

	rc.verdict = FWB_V_BG_FULL;
	rc.max_background = 12;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 1 && has(rem[0].cmd, "echo 24 > /sys/fs/fuse/connections/41/max_background"),
	   "background full: raise max_background (%s)", rem[0].cmd);

	/* slow with no answer in the window: no p99 made of pending ages */
	memset(&rc, 0, sizeof(rc));
	rc.verdict = FWB_V_SLOW;
	rc.window_ns = 1 * S;
	rc.oldest_ns = 4300 * MS;
	rc.hung_ns = 5 * S;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 1 && has(rem[0].note, "no answer arrived in the 1.0 s window") &&
	   has(rem[0].note, "oldest request waits 4.3 s") && !has(rem[0].note, "p99"),
	   "slow, nothing answered: says so, no p99 (%s)", rem[0].note);
	rc.completed = 7;
	rc.lat_p99_ns = 300 * MS;
	fwb_diag_remedies(&rc, rem);
	ok(has(rem[0].note, "7 answers in 1.0 s, p99 300 ms"), "slow with answers: their count and p99 (%s)",
	   rem[0].note);

	/* behind the daemon: sshfs with its ssh stopped */
	f = base();
	f.nreqs = f.nq[FWB_DIAGQ_PROCESSING] = 24;
	f.oldest_ns = 300 * MS;
	f.io_waiters = 2;
	f.io_tid = 110;
	snprintf(f.io_where, sizeof(f.io_where), "unix_stream_read_generic");
	f.tr_pid = 120;
	f.tr_stopped = true;
	f.tr_hop = 1;
	snprintf(f.tr_comm, sizeof(f.tr_comm), "ssh");
	snprintf(f.tr_via, sizeof(f.tr_via), "a unix socket");
	snprintf(f.tr_chain, sizeof(f.tr_chain), "sshfs[100] -> ssh[120]");
	ok(verdict(&f, &d) == FWB_V_STOPPED_TRANSPORT, "ssh stopped, young requests: stopped transport at once");
	ok(has(d.why, "ssh[120] is stopped") && has(d.why, "sshfs[100] -> ssh[120]"), "names it and the path (%s)",
	   d.why);
	ok(fwb_verdict_is_hang(FWB_V_STOPPED_TRANSPORT), "a hang: nothing moves until someone acts");
	f.completed = 3;
	ok(verdict(&f, &d) != FWB_V_STOPPED_TRANSPORT, "answers still flow: not the transport");
	f.completed = 0;
	f.io_waiters = 0;
	ok(verdict(&f, &d) != FWB_V_STOPPED_TRANSPORT, "the daemon does not wait on I/O: not its transport");
	f.io_waiters = 2;
	f.tr_stopped = false;
	f.tr_tid = 121;
	f.tr_offcpu_ns = 3 * S;
	snprintf(f.tr_where, sizeof(f.tr_where), "folio_wait_bit");
	ok(verdict(&f, &d) == FWB_V_HELPER_BLOCKED && has(d.why, "thread 121 in folio_wait_bit"),
	   "the peer blocked in the kernel: helper blocked (%s)", d.why);
	f.tr_pid = 0;
	f.net_stall = true;
	f.net_pid = 120;
	f.net_unacked = 4096;
	f.net_retransmits = 4;
	f.net_since_ack_ns = 6 * S;
	snprintf(f.net_comm, sizeof(f.net_comm), "ssh");
	snprintf(f.net_peer, sizeof(f.net_peer), "10.0.0.2:22");
	ok(verdict(&f, &d) == FWB_V_NETWORK && has(d.why, "10.0.0.2:22") && has(d.why, "6.0 s") &&
	   has(d.why, "4096 bytes"), "no ACK for 6 s: network (%s)", d.why);
	f.net_stall = false;
	f.oldest_ns = 8 * S;
	f.nq[FWB_DIAGQ_PROCESSING] = 24;
	ok(verdict(&f, &d) == FWB_V_NOT_ANSWERING, "nothing behind it to blame: not answering");

	memset(&rc, 0, sizeof(rc));
	rc.conn = 41;
	rc.mountpoint = "/mnt/x";
	rc.nreqs = 24;
	rc.daemon_pid = 100;
	rc.io_waiters = 2;
	rc.verdict = FWB_V_NOT_ANSWERING;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 4 && has(rem[0].cmd, "cat /proc/100/task/*/stack") && has(rem[1].cmd, "gdb -p 100") &&
	   has(rem[2].cmd, "/abort"), "alive and waiting on I/O: evidence first, the abort after (%s)", rem[0].cmd);
	rc.verdict = FWB_V_STOPPED_TRANSPORT;
	rc.tr_pid = 120;
	snprintf(rc.tr_comm, sizeof(rc.tr_comm), "ssh");
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 2 && !strcmp(rem[0].cmd, "kill -CONT 120") && has(rem[0].note, "nothing is lost"),
	   "stopped transport: kill -CONT first, nothing lost (%s)", rem[0].cmd);
	ok(has(rem[1].cmd, "/abort") && has(rem[1].note, "last resort") && has(rem[1].note, "24 waiting requests fail"),
	   "the abort last, with its cost (%s)", rem[1].note);
	rc.tr_tracer = 130;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 3 && has(rem[0].note, "tracer, process 130") && !strcmp(rem[1].cmd, "kill -CONT 120"),
	   "held by a tracer: detach it first");
	rc.verdict = FWB_V_NETWORK;
	snprintf(rc.net_peer, sizeof(rc.net_peer), "10.0.0.2:22");
	snprintf(rc.net_addr, sizeof(rc.net_addr), "10.0.0.2");
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 3 && !strcmp(rem[0].cmd, "ping -c 3 10.0.0.2") && has(rem[0].note, "nothing is lost") &&
	   !strcmp(rem[1].cmd, "ss -tinoe dst 10.0.0.2:22") && has(rem[2].cmd, "/abort"),
	   "network: check the path, keep the evidence, abort last (%s; %s; %s)", rem[0].cmd, rem[1].cmd, rem[2].cmd);
	rc.verdict = FWB_V_HELPER_BLOCKED;
	n = fwb_diag_remedies(&rc, rem);
	ok(n == 3 && !rem[0].cmd[0] && has(rem[1].cmd, "cat /proc/120/task/*/stack") && has(rem[2].cmd, "/abort"),
	   "helper blocked: fix it, keep its stacks, abort last");

	for (int v = 0; v < FWB_V_NR; v++)
		ok(strcmp(fwb_verdict_name(v), "unknown") && fwb_verdict_title(v)[0], "verdict %d has a name (%s)",
		   v, fwb_verdict_name(v));
	return tap_done();
}
