#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Two mounts at once: numbers stay per mount.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_mount a || { ok 1 "mount a"; t_done; exit 1; }
testfs_mount b --delay write=20 || { ok 1 "mount b"; t_done; exit 1; }
a=${TFS_MNT[a]} b=${TFS_MNT[b]}
stat_bg "$T_TMP/stat.json" "$a" "$b"
ok $? "fusewb stat started on both"
timeout 120 "$MMAPWRITE" --size 32 --verify "$a/data" >/dev/null &
pa=$!
timeout 120 "$MMAPWRITE" --size 8 --verify "$b/data" >/dev/null
ok $? "writer on b done"
wait $pa
ok $? "writer on a done"
sleep 1.5
stat_stop
f=$T_TMP/stat.json
ba=$(q "$f" "$a" 'sum(m["writeback"]["bytes"] for m in ms)')
bb=$(q "$f" "$b" 'sum(m["writeback"]["bytes"] for m in ms)')
t_cmp "$ba" ">=" $((32 << 20)) "mount a: its 32 MiB"
t_cmp "$ba" "<" $((40 << 20)) "mount a: not b's bytes too"
t_cmp "$bb" ">=" $((8 << 20)) "mount b: its 8 MiB"
t_cmp "$bb" "<" $((16 << 20)) "mount b: not a's bytes too"
t_cmp "$(q "$f" "$b" 'max(m["writeback"]["latency_us"]["p50"] for m in ms if m["writeback"]["writes"])')" ">=" 20000 "mount b: its 20 ms delay"
t_cmp "$(q "$f" "$a" 'max(m["writeback"]["latency_us"]["p50"] for m in ms if m["writeback"]["writes"])')" "<" 20000 "mount a: not b's delay"
t_cmp "$(q "$f" "$a" 'ms[0]["connection"]')" != "$(q "$f" "$b" 'ms[0]["connection"]')" "distinct connections"
t_cmp "$(q "$f" "/nonexistent" 'len(ms)')" == 0 "only the named mounts are reported"
t_done
