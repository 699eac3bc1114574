#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The bash completion, run in bash as readline would: COMP_WORDS/COMP_CWORD
# set, _fusewb called, COMPREPLY checked.  Commands, options as --help lists
# them, option values, and FUSE mount points, fs types and connections from
# mountinfo -- also of a mount with a blank in its path and of a stalled one,
# whose mount point the completion must not touch.
. "$(dirname "$0")/../lib.sh"
need_root
COMP=${FUSEWB_COMPLETION:-$ROOT/completion/fusewb.bash}
BINDIR=${FUSEWB_BINDIR:-$BUILD}

testfs_mount stalled || { ok 1 "mount testfs"; t_done; exit 1; }
# a mount point with a blank (mountinfo writes it \040)
sp="$T_TMP/with space"
mkdir -p "$sp/back" "$sp/mnt"
"$TESTFS" --control "$sp/ctl" --pidfile "$sp/pid" "$sp/back" "$sp/mnt"
ok $? "mount testfs at a path with a blank"
TFS_MNT[sp]="$sp/mnt" TFS_CTL[sp]="$sp/ctl" TFS_PID[sp]=$(cat "$sp/pid")
conn=$(conn_of "${TFS_MNT[stalled]}")
testfs_ctl stalled stall
# something waits on the stalled daemon: touching its mount now would hang
stat "${TFS_MNT[stalled]}/x" >/dev/null 2>&1 &
T_BG_PIDS+=($!)

# complete WORD...: the words so far, the last being completed; prints COMPREPLY, one a line
complete_words() {
	timeout 10 bash -c '. "$1"; shift; PATH=$0:$PATH
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _fusewb; printf "%s\n" "${COMPREPLY[@]}"' \
		"$BINDIR" "$COMP" "$@"
}
words() { complete_words "$@" | tr '\n' ' ' | sed 's/ $//'; }

t_like "$(words fusewb '')" '^probe stat top export diagnose --help --version$' "commands"
t_like "$(words fusewb d)" '^diagnose$' "a command from its prefix"
t_like "$(words fusewb stat --j)" '^--json$' "a command's long option"
opts=$(words fusewb top -)
for o in -d --delay -n --iterations -b --batch --detail -j --json -H --hung; do
	t_like " $opts " " $o " "fusewb top: $o offered"
done
t_like "$(words fusewbtop --i)" '^--iterations$' "fusewbtop completes as fusewb top"
t_like "$(words fusewb probe --source '')" '^tracepoint fentry kprobe auto$' "--source values"
t_like "$(words fusewb stat --source=k)" '^--source=kprobe$' "--source=VALUE as one word"
t_like "$(words fusewb stat --source = f)" '^fentry$' "--source = VALUE split at ="
t_like "$(words fusewb export --user roo)" '^root$' "--user: user names"
t_like "$(words fusewb top -d '')" '^$' "a number is not completed"

m=$(complete_words fusewb stat '')
rc=$?
t_cmp $rc == 0 "mount completion returns with a stalled mount (did not touch it)"
has() { grep -qFx -- "$2" <<<"$1"; }
t_ok "offers the stalled mount point" has "$m" "${TFS_MNT[stalled]}"
t_ok "offers the mount with a blank, escaped" has "$m" "$T_TMP/with\\ space/mnt"
t_ok "offers the fs type" has "$m" fuse.testfs
t_like "$(grep -c 'fusectl\|^/proc$\|^/sys$' <<<"$m")" '^0$' "and no other file system"
t_like "$(words fusewb stat "${T_TMP:0:8}")" "^${T_TMP:0:8}" "mount points from a prefix"
t_like "$(words fusewb probe '')" '^$' "probe takes no mounts"
t_like "$(complete_words fusewb diagnose '' | grep -x "$conn")" "^$conn$" "diagnose also offers connection numbers"
t_like "$(complete_words fusewb stat '' | grep -cx "$conn")" '^0$' "stat does not"
testfs_ctl stalled resume
t_done
