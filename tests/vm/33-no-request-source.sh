#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A mount no request source can see: Debian's 6.1 has no request
# tracepoints, so with the sources forced to tracepoints (--source
# tracepoint, FUSEWB_SOURCE) fusewb sees none of its requests.  Then its
# request figures (writeback WRITEs, bytes, errors, latency, pages in
# flight, pending requests, per-opcode stats) are unknown: null in stat
# --json, "-" in stat's and fusewbtop's text, absent from fusewb export.
# A 0 there would say "no WRITE" while testfs answered some (its own count
# is the instrument).  Figures that keep a source stay numbers: fusectl's
# waiting, the bdi's dirty pages.  On a kernel where every kind has a
# request source (the patched 6.12) this script skips.
# vm-timeout: 200
. /fusewb/tests/lib/kwb.sh
. /fusewb/tests/lib/req.sh
kind=tracepoint

mkdir -p $W
fusewb probe --source $kind >$W/probe.$kind 2>&1
if grep -Eq '^[^ ]+ +in use +request ' $W/probe.$kind; then
	echo "1..0 # SKIP $(uname -r) has a $kind request source ($(grep -Eo '^[^ ]+ +in use +request ' $W/probe.$kind | head -n 1 | cut -d' ' -f1))"
	exit 0
fi
if ! kwb_setup; then
	kwb_done
	exit 1
fi
probe_run $kind "fusewb probe --source $kind loads"
check "fusewb probe --source $kind: no request source in use, and it says why" \
	grep -Eq '^tp_btf:fuse_request_send +unavailable +tracepoint fuse_request_send not in this kernel' $W/probe.$kind

if ! stat_start $kind; then
	notok "fusewb stat --json --source $kind starts"
	sed 's/^/#   /' $W/stat.err
	kwb_done
	exit 1
fi
ok "fusewb stat --json --source $kind starts"
if export_start $kind; then ok "fusewb export --source $kind starts"; else notok "fusewb export --source $kind starts"; fi

w0=$(tfs writes)
mmapwrite --size 4 --sync fsync --verify $MNT/nosrc.dat >/dev/null
rc=$?
check "mmapwrite 4 MiB, data verified (rc=$rc)" test "$rc" = 0
wait_until 30 temp_zero
stat_settle
w1=$(tfs writes)
check "testfs answered writeback WRITEs: $((w1 - w0)) > 0 (a 0 from fusewb would be wrong)" test $((w1 - w0)) -gt 0

# stat --json: every line since the start (stopped first: no line comes in between the counts)
stat_stop
lines=$(stat_lines)
nullwb=$(grep -c '"writeback":{"writes":null,"bytes":null,"pages":null,"errors":null,"inflight_pages":null,"latency_us":null' "$STAT_LOG")
check "stat --json: writeback writes, bytes, pages, errors, pages in flight and latency null in all $lines lines ($nullwb)" \
	test "$nullwb" = "$lines" -a "$lines" -gt 0
nullpend=$(grep -c '"pending":{"count":null,"oldest_ms":null,' "$STAT_LOG")
check "stat --json: pending count and oldest age null in all $lines lines ($nullpend)" test "$nullpend" = "$lines"
nullops=$(grep -c '"ops":null' "$STAT_LOG")
check "stat --json: per-opcode stats null in all $lines lines ($nullops)" test "$nullops" = "$lines"
tail -n 1 "$STAT_LOG" >$W/last.json
check "stat --json: fusectl waiting is still a number" grep -Eq '"waiting":[0-9]+' $W/last.json
check "stat --json: the bdi's dirty pages are still a number" grep -Eq '"dirty":[{]"pages":[0-9]+' $W/last.json

# stat's text: WR/s MB/s WERR p50ms p99ms maxms INFL ... PEND OLDESTs are '-'
fusewb stat --source $kind -i 0.5 -c 2 $MNT >$W/stat.txt 2>$W/stat.err
row=$(awk -v m="$MNT" '$1 == m' $W/stat.txt | tail -n 1)
diag "stat text: $row"
check "stat text: WR/s MB/s WERR p50ms p99ms maxms INFL are - (unknown, not 0)" \
	sh -c "echo '$row' | awk '{ exit !(\$3 \$4 \$5 \$6 \$7 \$8 \$9 == \"-------\") }'"
check "stat text: PEND and OLDESTs are -" sh -c "echo '$row' | awk '{ exit !(\$18 \$19 == \"--\") }'"

# fusewbtop -b with the same sources (FUSEWB_SOURCE): WR/s MB/s p50ms p99ms INFL WERR are '-'
# (its PEND is fusectl's waiting where the table says less: a number with a source)
FUSEWB_SOURCE=$kind fusewbtop -b -n 2 -d 0.5 $MNT >$W/top.txt 2>$W/top.err
row=$(awk -v m="$MNT" '$1 == m' $W/top.txt | tail -n 1)
diag "top: $row"
check "fusewbtop: WR/s MB/s p50ms p99ms INFL WERR are -" \
	sh -c "echo '$row' | awk '{ exit !(\$4 \$5 \$6 \$7 \$8 \$17 == \"------\") }'"

# the exporter: the series are absent, the ones with a source are there
if [ -n "$EXPORT_PID" ] && scrape; then
	for s in fusewb_writeback_writes_total fusewb_writeback_bytes_total fusewb_writeback_errors_total \
		fusewb_writeback_inflight_bytes fusewb_pending_requests fusewb_pending_oldest_age_seconds \
		fusewb_writeback_write_duration_seconds_count; do
		check "export: no $s sample" sh -c "! grep -q '^$s{' $W/scrape"
	done
	check "export: fusewb_connection_waiting_requests is there" grep -q '^fusewb_connection_waiting_requests{' $W/scrape
	check "export: fusewb_bdi_dirty_bytes is there" grep -q '^fusewb_bdi_dirty_bytes{' $W/scrape
	export_stop
else
	notok "export: scrape fusewb export --source $kind"
fi
kwb_done
