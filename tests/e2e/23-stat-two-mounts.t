#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Two mounts at once: numbers stay per mount.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_mount a || { ok 1 "mount a"; t_done; exit 1; }
testfs_mount b --delay write=20 || { ok 1 "mount b"; t_done; exit 1; }
a=${TFS_MNT[a]} b=${TFS_MNT[b]}
ca=$(conn_of "$a") cb=$(conn_of "$b")
oracle_start req fuse_requests "$ca" "$cb"
ok $? "bpftrace oracle attached to connections $ca and $cb"
stat_bg "$T_TMP/stat.json" "$a" "$b"
ok $? "fusewb stat started on both"
timeout 120 "$MMAPWRITE" --size 32 --verify "$a/data" >/dev/null &
pa=$!
timeout 120 "$MMAPWRITE" --size 8 --verify "$b/data" >/dev/null
ok $? "writer on b done"
wait $pa
ok $? "writer on a done"
stat_settle
ok $? "fusewb stat reported past the end of the workload"
stat_stop
oracle_stop req
ok $? "oracle stopped and parsed"
testfs_status a && testfs_status b
ok $? "testfs status of both read"
f=$T_TMP/stat.json
t_cmp "$(oracle_n req bytes "$ca" 16)" ">=" $((32 << 20)) "the oracle saw a's 32 MiB on a's connection"
t_cmp "$(oracle_n req bytes "$cb" 16)" ">=" $((8 << 20)) "the oracle saw b's 8 MiB on b's connection"
# each mount's figures are its own connection's, as the oracle saw them
oracle_check_writeback "$f" "$a" req "$ca" a
oracle_check_writeback "$f" "$b" req "$cb" b
# a lower bound whatever the load: testfs sleeps 20 ms in every WRITE of b
# (a's latency, with no delay, depends on the load: only the oracle knows it)
t_cmp "$(q "$f" "$b" 'max(m["writeback"]["latency_us"]["p50"] for m in ms if m["writeback"]["writes"])')" ">=" 20000 "mount b: its 20 ms delay"
t_cmp "$(q "$f" "$a" 'ms[0]["connection"]')" != "$(q "$f" "$b" 'ms[0]["connection"]')" "distinct connections"
t_cmp "$(q "$f" "/nonexistent" 'len(ms)')" == 0 "only the named mounts are reported"
t_done
