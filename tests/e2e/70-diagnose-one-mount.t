#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# diagnose asked about one mount reports that mount only: a task blocked on
# another, stalled mount is not listed as "not tied to a connection" (it is
# tied, to a connection nobody asked about), and the text says how many such
# tasks it left out.  Asked about all mounts, the task is the stalled one's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_mount ok1 || { ok 1 "mount testfs"; t_done; exit 1; }
testfs_mount st || { ok 1 "mount a second testfs"; t_done; exit 1; }
good=${TFS_MNT[ok1]}
bad=${TFS_MNT[st]}
conn=$(conn_of "$bad")
touch "${TFS_BACK[st]}/f"
stall_on st
stat "$bad/f" >/dev/null 2>&1 &
statter=$!
T_BG_PIDS+=($statter)
wait_for "the stat to reach the stalled daemon" 20 waiting_ge "$conn" 1
ok $? "a task is blocked on the stalled mount"

diagnose "$T_TMP/all.json" --window 0.3
t_like "$(dq "$T_TMP/all.json" '[b["pid"] for b in conn('"$conn"')["blocked"]]')" "(^|,)$statter(,|$)" \
	"asked about every mount: the stat is the stalled mount's"

diagnose "$T_TMP/one.json" --window 0.3 "$good"
t_cmp "$DIAG_RC" == 0 "asked about the healthy mount: exit 0"
t_cmp "$(dq "$T_TMP/one.json" 'len(d["connections"])')" == 1 "one connection reported"
t_like "$(dq "$T_TMP/one.json" 'c["verdict"]')" '^healthy$' "the one asked about, healthy"
t_cmp "$(dq "$T_TMP/one.json" 'len(d["unattributed"])')" == 0 "no task of the other mount listed as unattributed"
t_cmp "$(dq "$T_TMP/one.json" 'd["unattributed_left_out"]')" ">=" 1 "but counted as left out"
t_cmp "$(dq "$T_TMP/all.json" 'd["unattributed_left_out"]')" == 0 "none left out when every mount is asked about"
out=$(timeout 30 "$FUSEWB" diagnose --window 0.3 "$good" 2>&1)
t_like "$(grep -c 'not tied to a connection' <<<"$out")" '^0$' "the text lists no unrelated task"
t_like "$(grep -c "^$statter " <<<"$out")$(grep -c " $statter " <<<"$out")" '^00$' "the stat's pid appears nowhere"
testfs_ctl st resume
wait_exit "$statter" 20
t_cmp "$EXIT_RC" == 0 "after resume the stat completes"
t_done
