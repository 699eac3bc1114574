#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# fusewb diagnose on 6.12: no fuse_req.create_time, and requests named by
# their address at send.  A stall of the daemon with writeback WRITEs in
# flight must be found, the writer tied to it, and, with fusewb export
# running since before the stall, the stuck requests' ages taken from the
# exporter's pinned history.  Checks via grep on the JSON (no python here).
# vm-timeout: 180
. /fusewb/tests/lib/kwb.sh
if ! kwb_setup; then
	kwb_done
	exit 1
fi

# the first value of "KEY": in FILE (numbers, strings without quotes)
jget() { grep -o "\"$2\":\"*[^,\"}]*" "$1" | head -1 | sed 's/.*:"*//'; }

fusewb diagnose --json $MNT >$W/d0.json 2>$W/d0.err
rc=$?
check "diagnose of a healthy mount exits 0 (rc=$rc)" test "$rc" = 0
check "its verdict is healthy" grep -q '"verdict":"healthy"' $W/d0.json
check "no history without a running fusewb" grep -q '"history":null' $W/d0.json

if export_start auto; then ok "fusewb export starts"; else notok "fusewb export starts"; fi
# the exporter pins after it first answers: wait for the pin, not a moment
check "it pins its maps for diagnose" wait_until 30 sh -c "ls -d /sys/fs/bpf/fusewb/$EXPORT_PID-* >/dev/null 2>&1"
ctl "delay write 20"
mmapwrite --size 2 --verify $MNT/warm.dat >$W/mw0.out 2>&1
check "2 MiB written back with a 20 ms WRITE delay" test $? = 0

rm -f $W/mw.err
mmapwrite --size 4 --hold 2 --sync fsync --verify $MNT/stall.dat >$W/mw.out 2>$W/mw.err &
mw=$!
wait_until 30 grep -q holding $W/mw.err
ctl stall
wait_until 30 temp_at_least 1024
sleep 3
fusewb diagnose --json --hung-after 2 $MNT >$W/d1.json 2>$W/d1.err
rc=$?
sed 's/^/#   /' $W/d1.err
check "diagnose of the stall exits 1 (rc=$rc)" test "$rc" = 1
check "verdict: the daemon read the requests and answers none" grep -q '"verdict":"not_answering"' $W/d1.json
nreq=$(grep -o '"opcode":"WRITE"' $W/d1.json | wc -l)
check "stuck WRITEs listed ($nreq)" test "$nreq" -ge 1
check "no create_time on this kernel: ages are not from it" sh -c "! grep -q '\"age_source\":\"create_time\"' $W/d1.json"
nh=$(grep -o '"age_source":"history"' $W/d1.json | wc -l)
check "the stuck requests' ages come from the exporter's history ($nh of $nreq)" test "$nh" = "$nreq"
hp=$(grep -o '"history":{"pid":[0-9]*' $W/d1.json | grep -o '[0-9]*$')
check "the history is the exporter's (pid $hp, exporter $EXPORT_PID)" test "$hp" = "$EXPORT_PID"
age=$(grep -o '"age_ms":[0-9.]*,"age_min_ms":[0-9.]*,"age_source":"history"' $W/d1.json | head -1 | sed 's/"age_ms":\([0-9]*\).*/\1/')
check "a history age spans the time before diagnose started (${age:-none} ms > 2500)" test "${age:-0}" -gt 2500
check "the writer is listed as blocked" grep -q "\"pid\":$mw," $W/d1.json
ctl resume
wait $mw
rc=$?
check "after resume the writer completes, data verified (rc=$rc)" test "$rc" = 0
ctl "delay write 0"
export_stop
check "the exporter removed its pins" sh -c "! ls -d /sys/fs/bpf/fusewb/*-* 2>/dev/null"
kwb_done
