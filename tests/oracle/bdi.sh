# SPDX-License-Identifier: GPL-2.0-only
# The kernel's per-bdi view: debugfs stats and the sysfs knobs.
#
#   bdi_stat BDI FIELD      a field of /sys/kernel/debug/bdi/BDI/stats
#                           (BdiWriteback, BdiReclaimable, BdiDirtyThresh,
#                           DirtyThresh, BdiDirtied, BdiWritten ... in kB;
#                           b_dirty, b_io ... are inode counts)
#   bdi_knob BDI KNOB       /sys/class/bdi/BDI/KNOB: max_ratio, max_bytes,
#                           max_ratio_fine, strict_limit, min_ratio ...
#   bdi_set BDI KNOB VALUE  write a knob (tests restore it on exit: the
#                           bdi goes away with the mount)
#   bdi_stat_lag_pages      how far a bdi's Writeback/Reclaimable can be from
#                           the exact sum: they are per-CPU counters read
#                           without folding, each CPU holding up to
#                           WB_STAT_BATCH = 8 * (1 + ilog2(nr_cpus)) pages
#
# A FUSE connection's bdi is oracle_bdi_of CONN (tests/oracle/bpftrace.sh).

debugfs_ensure() {
	grep -q ' /sys/kernel/debug ' /proc/self/mountinfo ||
		mount -t debugfs none /sys/kernel/debug
}

bdi_stat() {
	debugfs_ensure 2>/dev/null
	awk -v k="$2:" '$1 == k { print $2; found = 1; exit } END { exit !found }' "/sys/kernel/debug/bdi/$1/stats" 2>/dev/null
}

bdi_knob() { cat "/sys/class/bdi/$1/$2" 2>/dev/null; }

bdi_set() { echo "$3" > "/sys/class/bdi/$1/$2"; }

bdi_stat_lag_pages() {
	local n l=0
	n=$(nproc --all)
	while [ $((1 << (l + 1))) -le "$n" ]; do l=$((l + 1)); done
	echo $((n * 8 * (1 + l)))
}
