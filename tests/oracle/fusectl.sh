# SPDX-License-Identifier: GPL-2.0-only
# The kernel's own per-connection counters in fusectl
# (/sys/fs/fuse/connections/CONN/; tests/lib.sh mounts fusectl).  They are
# read from sysfs-like files, never through the mount, so a hung daemon
# cannot hang the test.
#
#   fusectl_get CONN FILE   waiting, max_background, congestion_threshold
#   fusectl_waiting CONN    requests the connection has not answered: the
#                           kernel's num_waiting (queued, being read and in
#                           processing; background ones included)

fusectl_get() { cat "/sys/fs/fuse/connections/$1/$2" 2>/dev/null; }
fusectl_waiting() { fusectl_get "$1" waiting; }
