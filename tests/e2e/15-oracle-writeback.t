#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The instruments first agree with each other, then fusewb stat with them:
# writeback WRITEs on a writeback-cache testfs mount (a 2 ms WRITE delay so
# latency is well above the clock's noise), counted by the bpftrace oracle on
# fuse_request_send/end and by testfs itself, and reported by fusewb stat.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_mount wb --writeback-cache --delay write=2 || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[wb]}
conn=$(conn_of "$mnt")
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"

# 32 MiB through the page cache; fsync waits for every WRITE's answer.
timeout 120 dd if=/dev/urandom of="$mnt/data" bs=1M count=32 conv=fsync status=none
ok $? "32 MiB written with dd and fsync'd"
# The report after the one in progress covers every WRITE answered so far.
n=$(wc -l < "$T_TMP/stat.json")
for _ in $(seq 100); do
	[ "$(wc -l < "$T_TMP/stat.json")" -ge $((n + 2)) ] && break
	sleep 0.1
done
stat_stop
oracle_stop req
ok $? "oracle stopped and parsed"
testfs_status wb
ok $? "testfs status read"

f=$T_TMP/stat.json
o_n=$(oracle_n req done "$conn" 16)
o_b=$(oracle_n req bytes "$conn" 16)
t_near "$o_n" "$(testfs_stat wb write_replies)" 0 "each WRITE the kernel sent was answered once" \
	"instruments: WRITEs seen by the oracle vs answered by testfs"
t_near "$o_b" "$(testfs_stat wb write_bytes)" 0 "the same WRITEs' payload" \
	"instruments: WRITE bytes seen by the oracle vs written by testfs"
t_cmp "$o_b" ">=" $((32 << 20)) "the oracle saw all 32 MiB written back"
t_cmp "$(oracle_n req errors "$conn" 16)" == 0 "the oracle saw no WRITE errors"

t_near "$(q "$f" "$mnt" 'sum(m["writeback"]["writes"] for m in ms)')" "$o_n" 0 \
	"same events: on a writeback-cache mount every WRITE is a writeback WRITE" "stat: writeback WRITEs"
t_near "$(q "$f" "$mnt" 'sum(m["writeback"]["bytes"] for m in ms)')" "$o_b" 0 \
	"same events" "stat: writeback bytes"
t_near "$(q "$f" "$mnt" 'sum(m["writeback"]["errors"] for m in ms)')" "$(oracle_n req errors "$conn" 16)" 0 \
	"same events" "stat: writeback errors"

# Latency: both read the clock at the same two tracepoints, a few µs apart
# per call (whichever program runs first), and stat prints 0.1 µs.
o_mean=$(awk -v s="$(oracle_n req lat_sum_ns "$conn" 16)" -v n="$o_n" 'BEGIN { printf "%.1f", n ? s / n / 1e3 : 0 }')
o_max=$(awk -v s="$(oracle_n req lat_max_ns "$conn" 16)" 'BEGIN { printf "%.1f", s / 1e3 }')
t_near "$(q "$f" "$mnt" 'sum(m["writeback"]["latency_us"]["mean"] * m["writeback"]["writes"] for m in ms) / max(1, sum(m["writeback"]["writes"] for m in ms))')" \
	"$o_mean" "20+2%" "clock reads a few µs apart at the same tracepoints" "stat: mean writeback latency (µs)"
t_near "$(q "$f" "$mnt" 'max(m["writeback"]["latency_us"]["max"] for m in ms)')" \
	"$o_max" "20+2%" "clock reads a few µs apart at the same tracepoints" "stat: max writeback latency (µs)"
t_cmp "$o_mean" ">=" "$(awk -v s="$(testfs_stat wb write_service_ns_sum)" -v n="$(testfs_stat wb write_replies)" 'BEGIN { printf "%.1f", n ? s / n / 1e3 : 0 }')" \
	"instruments: the kernel's mean WRITE latency includes testfs's own service time"

t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "$(fusectl_waiting "$conn")" 0 \
	"nothing in flight after fsync" "stat: pending requests at the end vs fusectl waiting"
t_done
