# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for the end-to-end tests (bash, TAP output for prove).
#
# Every test that mounts testfs gets its cleanup for free: on exit, however
# the test ends, stalled daemons are resumed, stuck connections aborted and
# mounts lazily unmounted, so a failed test never leaves a hung mount behind.

set -u
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
FUSEWB=$BUILD/fusewb
TESTFS=$BUILD/testfs
MMAPWRITE=$BUILD/mmapwrite
T_TMP=$(mktemp -d /tmp/fusewb-test.XXXXXX)
# every test's collectors pin their history in a directory of the test's own:
# a fusewb already running on the machine is no peer of its diagnose
export FUSEWB_PIN_DIR=/sys/fs/bpf/fusewb-test-${T_TMP##*.}
T_N=0
T_FAILED=0
declare -A TFS_MNT TFS_CTL TFS_PID TFS_BACK
T_BG_PIDS=()
T_CLEANUP_HOOKS=()	# commands t_cleanup runs first (fixtures other than testfs)

ok() {	# ok STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

t_ok() {	# t_ok DESCRIPTION COMMAND...
	local d=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$d"
}

t_cmp() {	# t_cmp GOT OP EXPECTED DESCRIPTION  (OP: awk comparison: >= > == < <= !=)
	local r=1
	awk -v a="$1" -v b="$3" "BEGIN { exit !((a + 0) $2 (b + 0)) }" && r=0
	ok $r "$4 (got $1, want $2 $3)"
}

t_like() {	# t_like STRING REGEX DESCRIPTION
	local r=1
	[[ $1 =~ $2 ]] && r=0
	ok $r "$3"
	[ $r = 0 ] || echo "# got: ${1:0:400}"
}

diag() { echo "# $*"; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }

fusectl_ensure() {
	grep -q ' /sys/fs/fuse/connections ' /proc/self/mountinfo ||
		mount -t fusectl none /sys/fs/fuse/connections
}

# conn_of MOUNTPOINT: the kernel dev number (= fusectl directory) from mountinfo
conn_of() {
	awk -v mp="$1" '$5 == mp { split($3, d, ":"); print d[1] * 1048576 + d[2]; exit }' /proc/self/mountinfo
}

# testfs_mount NAME [testfs options...]: mount testfs at $T_TMP/NAME/mnt
testfs_mount() {
	local name=$1
	shift
	local dir=$T_TMP/$name
	mkdir -p "$dir/back" "$dir/mnt"
	"$TESTFS" --control "$dir/ctl" --pidfile "$dir/pid" "$@" "$dir/back" "$dir/mnt" || return 1
	for _ in $(seq 50); do
		[ -s "$dir/pid" ] && [ -n "$(conn_of "$dir/mnt")" ] && break
		sleep 0.1
	done
	TFS_MNT[$name]=$dir/mnt
	TFS_CTL[$name]=$dir/ctl
	TFS_BACK[$name]=$dir/back
	TFS_PID[$name]=$(cat "$dir/pid")
	[ -n "$(conn_of "$dir/mnt")" ]
}

# testfs_use NAME [testfs options...]: testfs_mount, and the test ends
# (not ok) if that fails; sets mnt and conn
testfs_use() {
	testfs_mount "$@" || { ok 1 "mount testfs"; t_done; exit 1; }
	mnt=${TFS_MNT[$1]}
	conn=$(conn_of "$mnt")
}

# testfs_mount_capped NAME: a writeback-cache testfs at $T_TMP/NAME/mnt
# whose bdi may hold at most 4 MiB dirty (max_bytes), so a writer of more is
# throttled in balance_dirty_pages; sets mnt, conn and bdi.  Status: that of
# setting max_bytes; the test ends (not ok) if the mount fails.  The bdi goes
# away with the mount: nothing to restore.
testfs_mount_capped() {
	testfs_use "$1" --writeback-cache
	bdi=$(oracle_bdi_of "$conn")
	bdi_set "$bdi" max_bytes $((4 << 20))
}

testfs_ctl() {	# testfs_ctl NAME COMMAND...
	local ctl=${TFS_CTL[$1]}
	shift
	timeout 5 bash -c 'echo "$1" > "$2"' _ "$*" "$ctl"
}

testfs_cleanup_one() {
	local name=$1 mnt=${TFS_MNT[$1]} pid=${TFS_PID[$1]} conn
	conn=$(conn_of "$mnt")
	kill -CONT "$pid" 2>/dev/null
	[ -p "${TFS_CTL[$name]}" ] && timeout 2 bash -c 'echo resume > "$1"' _ "${TFS_CTL[$name]}" 2>/dev/null
	if [ -n "$conn" ] && [ -e "/sys/fs/fuse/connections/$conn/waiting" ] &&
	   [ "$(cat "/sys/fs/fuse/connections/$conn/waiting" 2>/dev/null)" != 0 ]; then
		sleep 0.5
		[ "$(cat "/sys/fs/fuse/connections/$conn/waiting" 2>/dev/null)" != 0 ] &&
			echo 1 > "/sys/fs/fuse/connections/$conn/abort" 2>/dev/null
	fi
	timeout 10 fusermount3 -u -z "$mnt" 2>/dev/null || timeout 5 umount -l "$mnt" 2>/dev/null
	kill "$pid" 2>/dev/null
}

t_cleanup() {
	local name h
	for h in "${T_CLEANUP_HOOKS[@]}"; do
		$h
	done
	for pid in "${T_BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for name in "${!TFS_MNT[@]}"; do
		testfs_cleanup_one "$name"
	done
	for pid in "${T_BG_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null
	done
	rm -rf "$T_TMP" 2>/dev/null
	rm -rf "$FUSEWB_PIN_DIR" 2>/dev/null
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
}

trap t_cleanup EXIT
trap 'exit 130' INT TERM
fusectl_ensure 2>/dev/null

# stat_bg OUT [fusewb stat args...]: NDJSON reports every 0.5 s into OUT, in the background
stat_bg() {
	local out=$1
	shift
	"$FUSEWB" stat --json -i 0.5 "$@" > "$out" 2> "$out.err" &
	T_BG_PIDS+=($!)
	STAT_PID=$!
	STAT_OUT=$out
	# the first report is the proof that BPF loaded and attached
	for _ in $(seq 100); do
		[ -s "$out" ] && return 0
		kill -0 "$STAT_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out.err" >&2
	return 1
}

stat_stop() { kill "$STAT_PID" 2>/dev/null; wait "$STAT_PID" 2>/dev/null; return 0; }

# stat_settle: wait (up to 10 s) for two more reports of stat_bg: the second
# covers every event that ended before this call
stat_settle() {
	local n
	n=$(wc -l < "$STAT_OUT")
	for _ in $(seq 100); do
		[ "$(wc -l < "$STAT_OUT")" -ge $((n + 2)) ] && return 0
		sleep 0.1
	done
	return 1
}

# q FILE MOUNTPOINT EXPR: evaluate EXPR over that mount's NDJSON records (tests/ndjson.py)
q() { python3 "$ROOT/tests/ndjson.py" "$@"; }

# The independent instruments (bpftrace oracle, fusectl, bdi, vmstat, testfs
# accounting) and t_near: tests/oracle/oracle.sh
. "$ROOT/tests/oracle/oracle.sh"
