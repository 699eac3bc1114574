# SPDX-License-Identifier: GPL-2.0-only
# The independent instruments behind every end-to-end number (sourced by
# tests/lib.sh).  Each instrument has its own file; add a function to the
# file of its instrument, or a file for a new one, and list it here.
#
#   bpftrace.sh   bpftrace on the tracepoints fusewb reads (fuse_requests.bt,
#                 balance_dirty_pages.bt)
#   fusectl.sh    the kernel's per-connection counters (waiting)
#   bdi.sh        debugfs bdi stats and the bdi's sysfs knobs
#   vmstat.sh     /proc/vmstat, with stat_refresh for per-CPU lag
#   testfs.sh     the test filesystem's own accounting (its status file)
#   compare.sh    t_near: fusewb's figure against an instrument's, with a
#                 stated tolerance and its reason
#   check.sh      assertion sets several tests share (writeback vs oracle)
for _f in bpftrace fusectl bdi vmstat testfs compare check; do
	. "$(dirname "${BASH_SOURCE[0]}")/$_f.sh"
done
unset _f
