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
#   fusectl_waiting_stable CONN
#                           waiting once it has not changed for 1 s (up to
#                           20 s; status 1 if it kept changing): for a
#                           stalled daemon, a count other readers can match

fusectl_get() { cat "/sys/fs/fuse/connections/$1/$2" 2>/dev/null; }
fusectl_waiting() { fusectl_get "$1" waiting; }

fusectl_waiting_stable() {
	local v last= same=0
	for _ in $(seq 100); do
		v=$(fusectl_waiting "$1")
		if [ -n "$v" ] && [ "$v" = "$last" ]; then
			same=$((same + 1))
			[ $same -ge 5 ] && { echo "$v"; return 0; }
		else
			same=0
		fi
		last=$v
		sleep 0.2
	done
	echo "$v"
	return 1
}
