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

oracle_mmap_round "$d/mnt" 32
f=$T_TMP/stat.json
t_like "$(q "$f" "$d/mnt" 'ms[0]["fstype"]')" "^fuse.fuse-overlayfs$" "fs type from mountinfo"
t_like "$(q "$f" "$d/mnt" '[x["comm"] for x in ms[0]["daemons"]]')" "fuse-overlayfs" "daemon found by its /dev/fuse file"
"$MMAPWRITE" --verify-only --size 32 "$d/upper/data" >/dev/null 2>&1
ok $? "the data in the daemon's upper layer is intact"
t_done
