# SPDX-License-Identifier: GPL-2.0-only
# testfs's own accounting (tests/testfs/README.md, the `status` command):
# what the daemon answered, counted by the daemon.
#
#   testfs_status NAME          ask the daemon for a fresh status file; status 1
#                               if it did not write one within 5 s
#   testfs_stat NAME KEY        one value of the last status file (writes,
#                               write_bytes, write_replies, write_errors,
#                               write_service_ns_sum, write_service_ns_max ...)
# The daemon writes the file after every command before it: a fresh file
# proves the counters are as of now.  Read several keys of one refresh to
# have them consistent with each other.

testfs_status() {
	local f=${TFS_CTL[$1]}.status
	rm -f "$f"
	testfs_ctl "$1" status || return 1
	for _ in $(seq 50); do
		[ -s "$f" ] && return 0
		sleep 0.1
	done
	return 1
}

testfs_stat() {
	awk -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }' "${TFS_CTL[$1]}.status"
}
