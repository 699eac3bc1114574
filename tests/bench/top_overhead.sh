#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewbtop's own cost: 50 testfs mounts (one daemon each), `fusewbtop -b -d 1
# -n 30`, CPU time (utime+stime from /proc/PID/stat) over the steady state,
# i.e. after the BPF object is loaded and the first frame is out.
# Prints "fusewbtop: X% of a core with 50 mounts at 1 s" (the budget is 0.5 %).
# Standalone; tests/bench/bench.sh calls it.  Needs root.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
N=${TOP_BENCH_MOUNTS:-50}
ITER=${TOP_BENCH_ITER:-30}
TMP=$(mktemp -d /tmp/fusewb-topbench.XXXXXX)
PIDS=()
MNTS=()
TOP_PID=

cleanup() {
	[ -n "$TOP_PID" ] && kill "$TOP_PID" 2>/dev/null
	for m in "${MNTS[@]}"; do
		timeout 10 fusermount3 -u -z "$m" 2>/dev/null || timeout 5 umount -l "$m" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "top_overhead: needs root" >&2; exit 1; }
for i in $(seq "$N"); do
	mkdir -p "$TMP/$i/back" "$TMP/$i/mnt"
	"$BUILD/testfs" --pidfile "$TMP/$i/pid" "$TMP/$i/back" "$TMP/$i/mnt" || {
		echo "top_overhead: cannot mount testfs #$i" >&2
		exit 1
	}
	MNTS+=("$TMP/$i/mnt")
done
for i in $(seq "$N"); do
	for _ in $(seq 50); do [ -s "$TMP/$i/pid" ] && break; sleep 0.1; done
	PIDS+=("$(cat "$TMP/$i/pid")")
done
mounted=$(grep -c " $TMP/.*/mnt " /proc/self/mountinfo)

# cpu ticks (utime + stime, fields 14 and 15 after the ")" of comm)
ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }

hz=$(getconf CLK_TCK)
"$BUILD/fusewbtop" -b -d 1 -n "$ITER" >"$TMP/out" 2>"$TMP/err" &
TOP_PID=$!
sleep 3		# loaded, attached, first frame written
c0=$(ticks "$TOP_PID"); t0=$(date +%s.%N)
sleep $((ITER - 5))
c1=$(ticks "$TOP_PID"); t1=$(date +%s.%N)
wait "$TOP_PID"
rc=$?
TOP_PID=
frames=$(grep -c '^MOUNTPOINT' "$TMP/out")
rows=$(awk '/^MOUNTPOINT/ { f = 1; next } /^$/ { f = 0 } f' "$TMP/out" | grep -c "^$TMP/")
if [ "$rc" != 0 ] || [ -z "$c0" ] || [ -z "$c1" ]; then
	echo "top_overhead: fusewbtop failed (exit $rc): $(head -c 300 "$TMP/err")" >&2
	exit 1
fi
pct=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
	'BEGIN { printf "%.3f", (b - a) / hz / (t1 - t0) * 100 }')
echo "# $mounted testfs mounts, $frames frames, $rows mount rows printed; $((c1 - c0)) ticks (1/$hz s) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
echo "fusewbtop: $pct% of a core with $N mounts at 1 s"
