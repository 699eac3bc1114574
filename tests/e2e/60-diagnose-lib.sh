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
