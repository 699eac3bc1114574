#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A hang older than the collector on 6.12: no fuse_req.create_time.  A stat
# started while testfs is stalled with writeback WRITEs in flight counts
# every request fusectl counts waiting, marks the oldest age as a lower
# bound (there is no create_time to take it from), and after resume the
# completions of the requests it took in at start retire them (seeds are
# named by unique; live requests by unique on the patched kernel, whose
# 0002 sets it before the send event, and by address under the
# fuse_dev_queue_req fallbacks: the completion must find them under either).
. /fusewb/tests/lib/kwb.sh
if ! kwb_setup; then
	kwb_done
	exit 1
fi

# the first value of "KEY": in FILE (numbers, strings without quotes)
jget() { grep -o "\"$2\":\"*[^,\"}]*" "$1" | head -1 | sed 's/.*:"*//'; }
grep -q ' /sys/fs/fuse/connections ' /proc/mounts || mount -t fusectl none /sys/fs/fuse/connections
conn=$(awk -v mp="$MNT" '$5 == mp { split($3, d, ":"); print d[1] * 1048576 + d[2]; exit }' /proc/self/mountinfo)
waiting() { cat /sys/fs/fuse/connections/$conn/waiting 2>/dev/null || echo 0; }
waiting_ge() { [ "$(waiting)" -ge "$1" ]; }

rm -f $W/mw.err
mmapwrite --size 4 --hold 2 --verify $MNT/seed.dat >$W/mw.out 2>$W/mw.err &
mw=$!
wait_until 30 grep -q holding $W/mw.err
ctl stall
wait_until 30 temp_at_least 1024
wait_until 10 waiting_ge 4
sleep 2
w=$(waiting)
check "fusectl counts the WRITEs waiting ($w)" test "$w" -ge 4
fusewb stat --json -i 0.5 -c 1 $MNT >$W/s1.json 2>$W/s1.err
n=$(jget $W/s1.json count)
check "stat started during the stall counts every waiting request ($n >= $w)" test "${n:-0}" -ge "$w"
check "without create_time the oldest age is a lower bound" grep -q '"oldest_lower_bound":true' $W/s1.json
fusewb stat --json -i 0.5 $MNT >$W/s2.json 2>$W/s2.err &
st=$!
wait_until 10 test -s $W/s2.json
ctl resume
wait $mw
rc=$?
check "after resume the writer completes, data verified (rc=$rc)" test "$rc" = 0
sleep 1.5
kill $st
wait $st 2>/dev/null
last=$(tail -n 1 $W/s2.json)
echo "$last" >$W/s2.last
check "the requests taken in at start were retired by their completions" \
	grep -q '"pending":{"count":0,' $W/s2.last
check "no pages left in flight" grep -q '"inflight_pages":0,' $W/s2.last
kwb_done
