#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# How long fusewb diagnose takes on a busy machine: DIAG_MOUNTS testfs mounts
# (DIAG_STALLED of them stalled with a writer blocked in msync, one SIGSTOPped)
# and DIAG_TASKS extra sleeping processes.  Prints the wall time of
# DIAG_RUNS runs, with the default 1 s window and with --window 0.
#   DIAG_MOUNTS   testfs mounts (default 20)
#   DIAG_STALLED  of which stalled (default 4)
#   DIAG_TASKS    extra processes (default 1000)
#   DIAG_RUNS     runs per setting (default 5)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
MOUNTS=${DIAG_MOUNTS:-20}
STALLED=${DIAG_STALLED:-4}
TASKS=${DIAG_TASKS:-1000}
RUNS=${DIAG_RUNS:-5}
SLEEPERS=()
STOPPED=

cleanup() {
	[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
	# the sleepers are ours, by pid; kill them in one call, not by name
	[ ${#SLEEPERS[@]} -gt 0 ] && kill "${SLEEPERS[@]}" 2>/dev/null
	t_cleanup
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

for i in $(seq "$MOUNTS"); do
	testfs_mount "m$i" >/dev/null || { echo "bench: cannot mount testfs $i" >&2; exit 1; }
done
for i in $(seq "$STALLED"); do
	mnt=${TFS_MNT[m$i]}
	"$MMAPWRITE" --size 2 --hold 1 "$mnt/data" >/dev/null 2>&1 &
	T_BG_PIDS+=($!)
done
sleep 0.5
for i in $(seq "$STALLED"); do
	testfs_ctl "m$i" stall
done
# one more daemon simply stopped
STOPPED=${TFS_PID[m$((STALLED + 1))]}
kill -STOP "$STOPPED"
for _ in $(seq "$TASKS"); do
	sleep 600 &
	SLEEPERS+=($!)
done
sleep 2
ntasks=$(ls -d /proc/[0-9]* | wc -l)
echo "diagnose_time: $MOUNTS mounts ($STALLED stalled with a writer in msync, 1 stopped), $ntasks processes"

run() {	# run LABEL ARGS...: prints min/median/max wall seconds of RUNS runs
	local label=$1 t0 t1 times=() rc
	shift
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		timeout 30 "$FUSEWB" diagnose "$@" > /dev/null 2>&1
		rc=$?
		t1=$(date +%s.%N)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" -v rc="$rc" \
		'{ t[NR] = $1 } END { printf "  %-28s min %.3f s  median %.3f s  max %.3f s  (exit %s)\n", l, t[1], t[int((NR + 1) / 2)], t[NR], rc }'
}
run "default (1 s window)"
run "--window 0 (one look)" --window 0
run "--json --window 0" --json --window 0
hung=$(timeout 30 "$FUSEWB" diagnose --window 0 --hung-after 1 2>/dev/null | grep -c "HUNG")
echo "  connections reported hung: $hung (this bench made $((STALLED + 1)); others' hung mounts count too)"
