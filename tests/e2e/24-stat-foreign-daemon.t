#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A FUSE mount fusewb did not create, served by a third-party libfuse3 daemon
# (fuse-overlayfs): fusewb stat reports its writeback numbers all the same.
. "$(dirname "$0")/../lib.sh"
need_root
command -v fuse-overlayfs >/dev/null || skip_all "fuse-overlayfs not installed (scripts/deps.sh installs it)"

d=$T_TMP/ov
mkdir -p "$d"/{lower,upper,work,mnt}
fuse-overlayfs -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt"
ok $? "fuse-overlayfs mounted"
cleanup_ov() { timeout 10 fusermount3 -u -z "$d/mnt" 2>/dev/null; t_cleanup; }
trap cleanup_ov EXIT

conn=$(conn_of "$d/mnt")
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
stat_bg "$T_TMP/stat.json" "$d/mnt"
ok $? "fusewb stat started"
timeout 120 "$MMAPWRITE" --size 32 --verify "$d/mnt/data"
ok $? "32 MiB written through the mapping and verified"
stat_settle
ok $? "fusewb stat reported past the end of the workload"
stat_stop
oracle_stop req
ok $? "oracle stopped and parsed"
f=$T_TMP/stat.json
t_cmp "$(oracle_n req bytes "$conn" 16)" ">=" $((32 << 20)) "the oracle saw the 32 MiB written back"
# mmapwrite writes only through the mapping: every WRITE is a writeback WRITE
oracle_check_writeback "$f" "$d/mnt" req "$conn"
t_near "$(q "$f" "$d/mnt" 'ms[-1]["writeback"]["inflight_pages"]')" "$(oracle_n req inflight_pages "$conn" 16)" 0 \
	"same events: pages of WRITEs sent and not answered" "writeback pages in flight at the end vs oracle"
t_like "$(q "$f" "$d/mnt" 'ms[0]["fstype"]')" "^fuse.fuse-overlayfs$" "fs type from mountinfo"
t_like "$(q "$f" "$d/mnt" '[x["comm"] for x in ms[0]["daemons"]]')" "fuse-overlayfs" "daemon found by its /dev/fuse file"
"$MMAPWRITE" --verify-only --size 32 "$d/upper/data" >/dev/null 2>&1
ok $? "the data in the daemon's upper layer is intact"
t_done
