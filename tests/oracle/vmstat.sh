# SPDX-License-Identifier: GPL-2.0-only
# Global page counters in /proc/vmstat.
#
#   vmstat_get FIELD          the current value (nr_dirty, nr_writeback,
#                             nr_writeback_temp, nr_dirtied, nr_written ...);
#                             nothing and status 1 where the kernel lacks it
#   vmstat_refresh            fold every CPU's pending deltas into the global
#                             counters first (/proc/sys/vm/stat_refresh):
#                             without it a node counter can lag by up to
#                             nr_cpus * stat_threshold pages (vmstat_lag_pages)
#   vmstat_lag_pages          that bound, from /proc/zoneinfo's per-CPU
#                             stat thresholds (summed over CPUs, largest zone)

vmstat_get() {
	awk -v k="$1" '$1 == k { print $2; found = 1; exit } END { exit !found }' /proc/vmstat
}

vmstat_refresh() { echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null; }

vmstat_lag_pages() {
	awk '/^Node/ { if (s > m) m = s; s = 0 } $1 == "vm" && $2 == "stats" && $3 == "threshold:" { s += $4 }
		END { if (s > m) m = s; print m + 0 }' /proc/zoneinfo
}
