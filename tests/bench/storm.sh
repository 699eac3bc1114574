#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The request-storm benchmark: per-program cost of fusewb's BPF (run_time_ns /
# run_cnt with kernel.bpf_stats_enabled=1) and the storm's throughput with and
# without fusewb attached, in alternating runs.
#   STORM_WRITES  small write-through WRITEs per run (default 100000)
#   STORM_PAIRS   with/without pairs (default 5)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
trap 't_cleanup; sysctl -qw kernel.bpf_stats_enabled=$old_stats' EXIT
WRITES=${STORM_WRITES:-100000}
PAIRS=${STORM_PAIRS:-5}
old_stats=$(sysctl -n kernel.bpf_stats_enabled)

# write-through: no writeback cache, so every 64-byte write() is one FUSE WRITE
testfs_mount storm >/dev/null || { echo "bench: cannot mount testfs" >&2; exit 1; }
mnt=${TFS_MNT[storm]}

storm() {	# prints WRITEs per second
	local t0 t1
	t0=$(date +%s.%N)
	dd if=/dev/zero of="$mnt/storm" bs=64 count="$WRITES" conv=notrunc status=none
	t1=$(date +%s.%N)
	awk -v n="$WRITES" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}

start_fusewb() {
	"$ROOT/build/fusewb" stat -i 3600 >/dev/null 2>&1 &
	FWB=$!
	# attached once its programs show up
	for _ in $(seq 100); do
		bpftool prog show 2>/dev/null | grep -q fuse_request_en && return 0
		sleep 0.1
	done
	echo "bench: fusewb did not attach" >&2
	exit 1
}
stop_fusewb() { kill "$FWB"; wait "$FWB" 2>/dev/null; }

storm >/dev/null	# warm the page cache and the daemon
with=() without=()
for i in $(seq "$PAIRS"); do
	without+=("$(storm)")
	start_fusewb
	with+=("$(storm)")
	stop_fusewb
done

# per-event cost, measured over one more storm with stats on
sysctl -qw kernel.bpf_stats_enabled=1
start_fusewb
storm >/dev/null
echo "per-program cost during a $WRITES-WRITE storm (kernel.bpf_stats_enabled=1):"
# our programs are the ones whose fds the fusewb process holds
ids=$(cat /proc/"$FWB"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' | sort -u | tr '\n' ' ')
bpftool prog show --json | python3 -c '
import json, sys
mine = set(int(i) for i in sys.argv[1].split())
for p in json.load(sys.stdin):
    if p["id"] in mine and p.get("run_cnt"):
        print("  %-24s %10d events %8.1f ns/event" % (p["name"], p["run_cnt"], p["run_time_ns"] / p["run_cnt"]))
' "$ids"
stop_fusewb
sysctl -qw kernel.bpf_stats_enabled="$old_stats"

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mw=$(median "${with[@]}")
mo=$(median "${without[@]}")
echo "storm throughput, WRITEs/s: without fusewb ${without[*]}"
echo "                            with fusewb    ${with[*]}"
awk -v a="$mw" -v b="$mo" 'BEGIN { printf "throughput ratio with/without (medians): %.3f\n", a / b }'
