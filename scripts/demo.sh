#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The demo (`make demo`): two testfs mounts, "fast" (no delay) and "slow"
# (every WRITE takes 50 ms), each under a looping writable-mmap workload,
# watched with fusewbtop.  Interactive on a terminal (q quits), otherwise
# `fusewbtop -b -n 5`.  DEMO_SECONDS=N stops it after N refreshes.
# Whatever ends it (q, ^C, the end), the workloads are stopped and both
# mounts removed.  Needs root (BPF).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TESTFS=$BUILD/testfs
MMAPWRITE=$BUILD/mmapwrite
TOP=$BUILD/fusewbtop

die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (fusewbtop loads BPF programs); try: sudo make demo"
for f in "$TESTFS" "$MMAPWRITE" "$TOP"; do
	[ -x "$f" ] || die "$f is missing; run make first"
done
if [ -n "${DEMO_SECONDS:-}" ] && ! [[ $DEMO_SECONDS =~ ^[1-9][0-9]*$ ]]; then
	die "DEMO_SECONDS must be a whole number of seconds > 0, not '$DEMO_SECONDS'"
fi

DIR=$(mktemp -d /tmp/fwbdemo.XXXX) || die "cannot make a temporary directory"
WORK_PIDS=()
DAEMONS=()
MOUNTS=()

mounted() { awk -v mp="$1" '$5 == mp { f = 1 } END { exit !f }' /proc/self/mountinfo; }

cleanup() {
	trap '' INT TERM	# a second ^C must not cut the clean-up short
	for p in "${WORK_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${WORK_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for m in "${MOUNTS[@]}"; do
		mounted "$m" || continue
		timeout 10 fusermount3 -u "$m" 2>/dev/null ||
			timeout 10 fusermount3 -u -z "$m" 2>/dev/null ||
			timeout 5 umount -l "$m" 2>/dev/null
	done
	for p in "${DAEMONS[@]}"; do
		kill "$p" 2>/dev/null
	done
	# only once nothing is mounted below it, or rm would walk into a mount
	for m in "${MOUNTS[@]}"; do
		mounted "$m" && { echo "demo: $m is still mounted; leaving $DIR" >&2; return; }
	done
	rm -rf "$DIR"
	echo "demo: workloads stopped, mounts removed"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount NAME [testfs options]
mount_one() {
	local name=$1
	shift
	mkdir -p "$DIR/$name.back" "$DIR/$name"
	"$TESTFS" --pidfile "$DIR/$name.pid" "$@" "$DIR/$name.back" "$DIR/$name" ||
		die "cannot mount testfs at $DIR/$name"
	MOUNTS+=("$DIR/$name")
	for _ in $(seq 50); do
		[ -s "$DIR/$name.pid" ] && mounted "$DIR/$name" && break
		sleep 0.1
	done
	mounted "$DIR/$name" || die "testfs did not come up at $DIR/$name"
	DAEMONS+=("$(cat "$DIR/$name.pid")")
}

# Dirty a 16 MiB shared mapping pass after pass, starting writeback after each
# pass and re-dirtying at once (--rewrite), so the writer meets pages under
# writeback; again and again until stopped.
workload() {
	local child=
	trap '[ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child"; exit 0' TERM
	while :; do
		"$MMAPWRITE" --size 16 --passes 50 --rewrite "$1/data" >/dev/null 2>&1 &
		child=$!
		wait "$child" || sleep 1
	done
}

mount_one fast
mount_one slow --delay write=50
for m in "${MOUNTS[@]}"; do
	workload "$m" &
	WORK_PIDS+=($!)
done

echo "demo: $DIR/fast: testfs, no delay"
echo "demo: $DIR/slow: testfs, every WRITE takes 50 ms"
echo "demo: both under a writable-mmap workload (mmapwrite --rewrite)"
if [ -t 1 ]; then
	echo "demo: starting fusewbtop (q quits, Enter on a mount for its detail, h for help)"
	sleep 1
	"$TOP" ${DEMO_SECONDS:+-n "$DEMO_SECONDS"} "$DIR/fast" "$DIR/slow"
else
	"$TOP" -b -n "${DEMO_SECONDS:-5}" "$DIR/fast" "$DIR/slow"
fi
