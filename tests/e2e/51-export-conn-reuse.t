#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel hands a gone mount's connection number to the next FUSE mount.
# The exporter's counters for that number must start from the new mount's
# traffic, not continue the old one's: the collector frees the old stats
# slot (rows zeroed) once two snapshots missed the mount.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

export_start "$T_TMP/export.err" || { ok 1 "the exporter starts"; t_done; exit 1; }
testfs_mount a || { ok 1 "mount testfs a"; t_done; exit 1; }
conn=$(conn_of "${TFS_MNT[a]}")
timeout 60 "$MMAPWRITE" --size 4 --verify "${TFS_MNT[a]}/f" > /dev/null 2>&1
ok $? "4 MiB written back to the first mount through a shared mapping"
scrape > "$T_TMP/s1"
t_cmp "$(mval "$T_TMP/s1" fusewb_writeback_bytes_total "connection=\"$conn\"")" ">=" $((4 << 20)) \
	"its writeback bytes are counted"

testfs_cleanup_one a
scrape > "$T_TMP/s2"
scrape > "$T_TMP/s3"
t_cmp "$(grep -c "connection=\"$conn\"" "$T_TMP/s3")" == 0 "the gone mount is no longer exported"

testfs_mount b || { ok 1 "mount testfs b"; t_done; exit 1; }
conn_b=$(conn_of "${TFS_MNT[b]}")
if [ "$conn_b" != "$conn" ]; then
	ok 0 "# SKIP the kernel gave the new mount another number ($conn_b, not $conn)"
	t_done
	exit 0
fi
ok 0 "the new mount has the old one's connection number $conn"
timeout 60 "$MMAPWRITE" --size 1 --verify "${TFS_MNT[b]}/g" > /dev/null 2>&1
ok $? "1 MiB written back to the new mount"
scrape > "$T_TMP/s4"
v=$(mval "$T_TMP/s4" fusewb_writeback_bytes_total "connection=\"$conn\"")
t_cmp "$v" ">=" $((1 << 20)) "the new mount's bytes are counted"
t_cmp "$v" "<" $((4 << 20)) "and the old mount's are not (they would make it >= 5 MiB)"
t_cmp "$(mval "$T_TMP/s4" fusewb_collector_drops_total 'reason="opstats_full"')" == 0 "no stats slot was short"
export_stop
t_cmp $? == 0 "the exporter exits 0"
t_done
