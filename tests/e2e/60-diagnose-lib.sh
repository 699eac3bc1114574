# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the fusewb diagnose tests (tests/e2e/[67]?-diagnose-*.t).
# Sourced after tests/lib.sh; not a test itself (no .t suffix).

# dq FILE EXPR: evaluate EXPR over diagnose --json output (see tests/diag_json.py)
dq() { python3 "$ROOT/tests/diag_json.py" "$@"; }

# diagnose OUT [ARGS...]: fusewb diagnose --json, bounded; its exit status is in $DIAG_RC
diagnose() {
	local out=$1
	shift
	timeout 30 "$FUSEWB" diagnose --json "$@" > "$out" 2> "$out.err"
	DIAG_RC=$?
	[ -s "$out.err" ] && sed 's/^/# stderr: /' "$out.err"
	return 0
}

# writer_holding NAME MIB HOLD [MMAPWRITE ARGS...]: mmapwrite dirties MIB MiB
# of testfs NAME's mount through a mapping, holds them HOLD seconds, then
# msyncs ($writer, output in $T_TMP/writer.out); returns once it holds them
# dirty (status 1 if not within 30 s), so a stall made now catches its msync.
# Not in $(...): the writer must be the caller's child (wait_exit).
writer_holding() {
	local name=$1 mib=$2 hold=$3
	shift 3
	"$MMAPWRITE" --size "$mib" --hold "$hold" "$@" "${TFS_MNT[$name]}/data" > "$T_TMP/writer.out" 2>&1 &
	writer=$!
	T_BG_PIDS+=($writer)
	wait_for "the writer to dirty its mapping" 30 grep -q holding "$T_TMP/writer.out"
}

# t_youngest_age ORACLE CONN FILE T1 EXPR DESC: EXPR over FILE (diagnose
# --json) is the youngest pending request's age in ms.  The instrument is
# the oracle's last send on CONN, which must be unanswered (then no pending
# request is younger): its age at the report's time, a moment before the
# kernel's queues (and a peer's history) are read, and at T1, a wall time
# after diagnose returned, bound the age.  Each bound is widened by 2
# jiffies, as fusewb ages in whole jiffies, plus 10 ms: create_time is
# stamped at a WRITE's allocation, just before its send.
t_youngest_age() {
	local name=$1 conn=$2 f=$3 t1=$4 expr=$5 desc=$6 ns lo hi hz
	t_cmp "$(oracle_n "$name" last_send_answered "$conn")" == 0 "the oracle's last send is unanswered: it is the youngest pending request"
	ns=$(oracle_n "$name" last_send_ns "$conn")
	lo=$(oracle_age_ms "$ns" "$(dq "$f" '"%.3f" % d["time"]')")
	hi=$(oracle_age_ms "$ns" "$t1")
	hz=$("$FUSEWB" probe 2>/dev/null | awk '$1 == "CONFIG_HZ" { print $2 }')
	t_near "$(dq "$f" "$expr")" "$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (l + h) / 2 }')" \
		"$(awk -v l="$lo" -v h="$hi" -v hz="${hz:-100}" 'BEGIN { printf "%.1f", (h - l) / 2 + 2000 / hz + 10 }')" \
		"the oracle's last send aged at the report's time ($lo ms) and after diagnose ($hi ms), + 2 jiffies + 10 ms" \
		"$desc"
}

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	diag "timed out waiting for $what"
	return 1
}

# waiting CONN: fusectl's count of requests waiting for the daemon
# stall_on NAME: stall testfs NAME and return once the stall is on (testfs
# reads its control FIFO in a thread of its own: a request sent right after
# "stall" could still be served)
stall_on() {
	rm -f "${TFS_CTL[$1]}.status"
	testfs_ctl "$1" stall && testfs_ctl "$1" status &&
		wait_for "the stall of $1 to be on" 10 grep -q '^stalled 1' "${TFS_CTL[$1]}.status"
}

waiting() { cat "/sys/fs/fuse/connections/$1/waiting" 2>/dev/null || echo 0; }
waiting_ge() { [ "$(waiting "$1")" -ge "$2" ]; }

# state PID: the process's state letter (from /proc/PID/stat: never blocks)
state() { awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "/proc/$1/stat" 2>/dev/null; }
in_d_state() { [ "$(state "$1")" = D ]; }

# wait_exit PID SECONDS: wait for a background child, bounded; its exit status
# goes to $EXIT_RC (1000 if it did not end in time).  Not in $(...): the child
# must be the caller's.
wait_exit() {
	local pid=$1 secs=$2 i
	EXIT_RC=1000
	for i in $(seq $((secs * 10))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			EXIT_RC=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# no_d_tasks_of PIDS...: none of these processes is in D state
no_d_tasks_of() {
	local p
	for p in "$@"; do
		in_d_state "$p" && return 1
	done
	return 0
}
