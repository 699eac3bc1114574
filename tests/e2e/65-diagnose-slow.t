#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# testfs merely slow (200 ms per WRITE) under a steady writer: healthy by the
# default --slow (1 s: a health check must not warn about a p99 like a
# healthy sshfs's); with --slow 0.1 verdict slow, not hung, with the WRITE
# latency; the remedy is to wait; the data is intact.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_use sl --delay write=200

# each round: write 256 KiB through the page cache and fsync it
head -c $((256 << 10)) /dev/urandom > "$T_TMP/src"
(
	for i in $(seq 40); do
		dd if="$T_TMP/src" of="$mnt/f" bs=64k conv=notrunc,fsync status=none || exit 1
	done
) &
writer=$!
T_BG_PIDS+=($writer)
sleep 1

# near_bucket GOT NAME PCT DESC: GOT (us) vs the bucket [lo, 2*lo) ns of the
# oracle's WRITE latency histogram that holds its PCT-th percentile: compared
# with the bucket's middle, within half its width plus 10 % for the oracle's
# window (attach to stop) holding a few more answers than diagnose's 2 s
near_bucket() {
	local got=$1 name=$2 pct=$3 desc=$4 b mid half
	b=$(oracle_hist_pct "$name" lat_log2 "$pct" "$conn" 16) || b="x x"
	read -r lo hi <<< "$b"
	mid=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (l + h) / 2000 }' 2>/dev/null)
	half=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (h - l) / 2000 }' 2>/dev/null)
	t_near "$got" "$mid" "$half+10%" \
		"log2 bucket [$lo, $hi) ns; oracle window contains diagnose's" "$desc"
}

# a 2 s window sees several 200 ms answers even on a loaded machine;
# the oracle times the same WRITEs, attached before and stopped after
oracle_start h fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
diagnose "$T_TMP/h.json" --window 2 "$mnt"
oracle_stop h
ok $? "oracle stopped and parsed"
t_cmp "$DIAG_RC" == 0 "default --slow: exit 0, a health check passes"
t_like "$(dq "$T_TMP/h.json" 'c["verdict"]')" "^healthy$" "default --slow: healthy"
near_bucket "$(dq "$T_TMP/h.json" 'c["answers"]["slowest"]["p99_us"]')" h 99 \
	"though its answers take about 200 ms: WRITE p99 (us) vs oracle"
oracle_start d fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
# fusectl's waiting sampled every 20 ms while diagnose runs: a request lives
# at least the 200 ms delay, so the samples see every one at its most
( while :; do fusectl_waiting "$conn"; sleep 0.02; done ) > "$T_TMP/waiting.log" &
sampler=$!
T_BG_PIDS+=($sampler)
diagnose "$T_TMP/d.json" --window 2 --slow 0.1 "$mnt"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
oracle_stop d
ok $? "oracle stopped and parsed"
f=$T_TMP/d.json
t_cmp "$DIAG_RC" == 1 "exit 1: slow is worth knowing"
t_like "$(dq "$f" 'c["verdict"]')" "^slow$" "verdict: slow"
t_cmp "$(dq "$f" 'c["hung"]')" == 0 "not hung"
t_cmp "$(dq "$f" 'c["connection"]')" == "$conn" "the connection"
t_cmp "$(dq "$f" 'c["daemons"][0]["pid"]')" == "${TFS_PID[sl]}" "the daemon pid"
t_like "$(dq "$f" 'c["answers"]["slowest"]["opcode"]')" "^WRITE$" "WRITE is the slow opcode"
near_bucket "$(dq "$f" 'c["answers"]["slowest"]["p99_us"]')" d 99 "its p99 (us) vs oracle"
near_bucket "$(dq "$f" 'c["answers"]["slowest"]["p50_us"]')" d 50 "its p50 (us) vs oracle"
t_like "$(dq "$f" 'c["why"]')" "WRITE answers take p50 (19|20|21)[0-9] ms" "the verdict gives the latency"
t_like "$(dq "$f" 'c["remedies"][0]["note"]')" "^wait: it is slow, not hung" "the remedy: wait"
t_cmp "$(dq "$f" 'len(c["remedies"][0]["command"] or "")')" == 0 "no command to run"
t_cmp "$(dq "$f" 'c["requests"]["count"]')" "<=" "$(sort -n "$T_TMP/waiting.log" | tail -n 1)" \
	"requests in the kernel: at most fusectl's most waiting during the run (sampled every 20 ms)"
# a request in service is younger than its answer will be: the oracle's
# slowest WRITE of the same run, +50 % as it may be answered after the
# oracle stopped (measured: age 40 ms, slowest answer 210.5 ms)
t_cmp "$(dq "$f" 'max([r["age_ms"] for r in c["requests"]["list"]] or [0])')" "<=" \
	"$(awk -v ns="$(oracle_n d lat_max_ns "$conn" 16)" 'BEGIN { printf "%.1f", ns / 1e6 * 1.5 }')" \
	"and it is young: within the oracle's slowest WRITE answer (ms) + 50 %"
t_cmp "$(dq "$f" 'len([b for b in c["blocked"] if b["comm"] == "dd"])')" "<=" 1 \
	"the writer, if caught waiting, is the one dd"

wait_exit "$writer" 120
t_cmp "$EXIT_RC" == 0 "the writer finishes"
cmp -s "$T_TMP/src" "${TFS_BACK[sl]}/f"
ok $? "the data in the backing file is intact"
t_done
