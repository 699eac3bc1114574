# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Guest test library for fusewb's request view on kernels without the
# fuse_request_send/end tracepoints (Debian's 6.1): the requests come from
# fentry or kprobes on the function that queues a request and on
# fuse_request_end.  Checked against what the test injects (testfs WRITE
# delays, a stall), testfs's own counters (CTL.status), fusectl's
# "waiting", NR_WRITEBACK_TEMP, and tracefs on the same tracepoints
# (writeback_dirty_folio, balance_dirty_pages).  Sourced after kwb.sh.

# Sum the stat lines after line FROM: prints
#   wb_writes wb_bytes wb_lat_mean_ms wb_lat_max_ms wb_inflight_last
#   pending_last waiting_last dirtied_by_mmapwrite throttle_count
#   unmatched_end pending_full
req_sum() {
	awk -v from="$1" "$AWK_JSON"'
	NR > from {
		w = after($0, "\"writeback\":{")
		n = num(w, "writes")
		writes += n
		bytes += num(w, "bytes")
		l = after(w, "\"latency_us\":{")
		if (n > 0)
			lsum += n * num(l, "mean")
		# (an interval without timed WRITEs has "latency_us":null)
		if (n > 0 && num(l, "max") > lmax)
			lmax = num(l, "max")
		inflight = num(w, "inflight_pages")
		p = after($0, "\"pending\":{")
		pend = num(p, "count")
		waiting = num(p, "waiting")
		s = $0
		while ((i = index(s, "\"comm\":\"mmapwrite\""))) {
			s = substr(s, i + 18)
			dirtied += num(s, "dirtied")
		}
		thr += num(after($0, "\"dirty\":{"), "throttle_count")
		um += num($0, "unmatched_end")
		pf += num($0, "pending_full")
	}
	END {
		printf "%d %d %.3f %.3f %s %s %s %d %d %d %d\n", writes, bytes, writes ? lsum / writes / 1e3 : 0,
		       lmax / 1e3, inflight, pend, waiting, dirtied, thr, um, pf
	}' "$STAT_LOG"
}

# The request sources fusewb must use for KIND: the queueing function this
# kernel has (queue_request_and_unlock up to 6.11) and fuse_request_end.
req_expected_kind() {
	case "$1" in
	auto) grep -Eq '^fentry:fuse_request_end +in use ' $W/probe.$1 && echo fentry || echo kprobe ;;
	*) echo "$1" ;;
	esac
}

req_probe() {
	kind=$1
	probe_run "$kind" "[$kind] fusewb probe loads and attaches"
	k=$(req_expected_kind "$kind")
	check "[$kind] fusewb probe: $k:queue_request_and_unlock in use (requests)" \
		grep -Eq "^$k:queue_request_and_unlock +in use " $W/probe.$kind
	check "[$kind] fusewb probe: $k:fuse_request_end in use (request completion)" \
		grep -Eq "^$k:fuse_request_end +in use " $W/probe.$kind
	check "[$kind] fusewb probe: tp_btf:fuse_request_send unavailable, and says why" \
		grep -Eq '^tp_btf:fuse_request_send +unavailable +tracepoint fuse_request_send not in this kernel' $W/probe.$kind
	check "[$kind] fusewb probe: tp_btf:fuse_request_sent (the queue/serve split) unavailable, and says why" \
		grep -Eq '^tp_btf:fuse_request_sent +unavailable +tracepoint fuse_request_sent not in this kernel' $W/probe.$kind
	# the release that closes temp-page requests, and the whole-inode waits, where the kernel lets them attach
	case $k in fentry) rel=fentry nw=fexit ;; *) rel=kprobe nw=kretprobe ;; esac
	check "[$kind] fusewb probe: $rel:fuse_writepage_free in use (temp-page requests closed)" \
		grep -Eq "^$rel:fuse_writepage_free +in use " $W/probe.$kind
	check "[$kind] fusewb probe: $nw:fuse_set_nowrite in use (whole-inode waits)" \
		grep -Eq "^$nw:fuse_set_nowrite +in use " $W/probe.$kind
	probe_none_failed "[$kind] "
}

# Writeback latency: every WRITE answered after DELAY ms; the request path
# times each from its queueing to fuse_request_end.  Tolerance: mean at
# least DELAY (a WRITE cannot be answered sooner) and at most 4 DELAY, max
# below 8 DELAY: queueing and copying 1 MiB under TCG come on top, and on a
# loaded host one WRITE took 1 s, so the upper bounds only catch gross
# errors.  WRITE count and bytes exact against testfs's counters.
req_latency() {
	kind=$1 delay=200
	ctl "delay write $delay"
	from=$(stat_lines)
	w0=$(tfs writes) b0=$(tfs write_bytes)
	lat_writes "$kind" "$delay"
	ctl "delay write 0"
	stat_settle
	w1=$(tfs writes) b1=$(tfs write_bytes)
	set -- $(req_sum "$from")
	writes=$1 bytes=$2 mean=$3 max=$4 um=${10} pf=${11}
	tw=$((w1 - w0)) tb=$((b1 - b0))
	diag "[$kind] writeback: fusewb $writes WRITEs, $bytes bytes, latency mean $mean ms max $max ms; testfs $tw WRITEs, $tb bytes"
	check "[$kind] writeback WRITEs: fusewb $writes == testfs $tw (tolerance 0)" test "$writes" = "$tw" -a "$tw" -ge 2
	check "[$kind] writeback bytes: fusewb $bytes == testfs $tb (tolerance 0), >= 8 MiB" \
		test "$bytes" = "$tb" -a "$tb" -ge $((8 << 20))
	check "[$kind] writeback latency mean $mean ms matches the ${delay} ms delay (tolerance: [$delay, $((delay * 4))] ms)" \
		fcheck "a >= b && a <= b * 4" "$mean" "$delay"
	check "[$kind] writeback latency max $max ms < $((delay * 8)) ms" fcheck "a < b * 8" "$max" "$delay"
	check "[$kind] no request dropped from the pending table ($pf)" test "$pf" = 0
	# the kernel's own writeback view (temp-page WRITEs), where a source feeds it
	[ "$(req_temp_kind "$kind")" = none ] && return
	set -- $(stat_sum "$from")
	diag "[$kind] kernel view: $1 temp-page WRITEs, latency mean $2 ms max $3 ms"
	check "[$kind] temp-page WRITEs completed: fusewb $1 == testfs $tw (tolerance 0)" test "$1" = "$tw"
	check "[$kind] kernel-timed latency mean $2 ms matches the ${delay} ms delay (tolerance: [$delay, $((delay * 4))] ms)" \
		fcheck "a >= b && a <= b * 4" "$2" "$delay"
	# each WRITE's temp pages exist before it is queued: the kernel's time includes the request's
	check "[$kind] kernel-timed mean $2 ms >= request-path mean $mean ms" fcheck "a >= b" "$2" "$mean"
}

# The temp-page source in use for KIND ("none": this kernel has none of that
# kind, e.g. no kprobe alternative to fexit on fuse_writepages_fill)
req_temp_kind() {
	grep -Eo '^[a-z_]+:fuse_writepages?_(args_page_)?fill +in use' $W/probe.$1 | cut -d: -f1 | head -n 1 | grep . || echo none
}

# the last stat line agrees with fusectl's waiting and NR_WRITEBACK_TEMP
req_stalled_agree() {
	set -- $(req_sum "$(($(stat_lines) - 1))")
	[ "$5" = "$(vmstat_temp)" ] && [ "$6" = "$7" ] && [ "${6:-0}" -gt 0 ]
}

# A stall with 4 MiB of writeback WRITEs queued: the pages of the pending
# WRITEs are the temp pages the kernel holds (NR_WRITEBACK_TEMP, 0 pages
# tolerance) and the pending count is fusectl's waiting (tolerance 0).
req_stall() {
	kind=$1
	from=$(stat_lines)
	stall_begin "$kind" || return
	t0=$(awk '{ print $1 }' /proc/uptime)
	wait_until 20 req_stalled_agree
	set -- $(req_sum "$(($(stat_lines) - 1))")
	inflight=$5 pend=$6 waiting=$7
	vmtemp=$(vmstat_temp)
	diag "[$kind] stalled: fusewb writeback pages in flight $inflight, pending $pend; NR_WRITEBACK_TEMP $vmtemp, fusectl waiting $waiting, testfs blocked $(tfs blocked)"
	check "[$kind] stalled: writeback pages in flight $inflight == NR_WRITEBACK_TEMP $vmtemp (tolerance 0)" \
		test "$inflight" = "$vmtemp" -a "$vmtemp" -ge 1024
	check "[$kind] stalled: pending requests $pend == fusectl waiting $waiting (tolerance 0), > 0" \
		test "$pend" = "$waiting" -a "${pend:-0}" -gt 0
	if [ "$(req_temp_kind "$kind")" != none ]; then
		set -- $(stat_sum "$(($(stat_lines) - 1))")
		vmtemp=$(vmstat_temp)
		check "[$kind] stalled: temp pages in flight $8 == NR_WRITEBACK_TEMP $vmtemp (tolerance 0)" \
			test "$8" = "$vmtemp"
	else
		diag "[$kind] no temp-page source of this kind here: temp pages not checked"
	fi
	# no fuse_request_sent here: whether the daemon read them is unknown, null, never 0
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	check "[$kind] stalled: pending in service is null without fuse_request_sent (${23})" test "${23}" = null
	sleep 1
	t1=$(awk '{ print $1 }' /proc/uptime)
	stall_resume "$kind"
	set -- $(req_sum "$(($(stat_lines) - 1))")
	check "[$kind] resumed: writeback pages in flight $5 == 0, pending $6 == 0" test "$5" = 0 -a "$6" = 0
	# mmapwrite's fsync waited in fuse_set_nowrite for the stalled WRITEs: at least from the
	# stall's full temp pages to the resume, by the guest's clock (no tracepoint to compare here)
	set -- $(stat_sum "$from")
	held=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	diag "[$kind] inode waits: fusewb ${15} (${16} ms, longest ${17} ms), mmapwrite's ${18}; stall held $held ms"
	# (the fsync enters the wait as its last temp page is filled: 100 ms of slack for that)
	check "[$kind] the fsync behind the stall: longest inode wait ${17} ms >= the stall's $held ms (tolerance -100 ms)" \
		fcheck "a >= b - 100 && b > 0" "${17}" "$held"
	check "[$kind] inode waits of mmapwrite ${18} > 0, <= the mount's ${15}" test "${18}" -gt 0 -a "${18}" -le "${15}"
}

# Dirtiers: pages mmapwrite dirtied, against the tracepoint's events for
# this bdi read through tracefs (tolerance 0).
req_dirtiers() {
	from=$(stat_lines)
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo "bdi == \"$BDI\"" >$T/events/writeback/writeback_dirty_folio/filter 2>/dev/null
	echo 1 >$T/events/writeback/writeback_dirty_folio/enable
	echo 1 >$T/tracing_on
	mmapwrite --size 2 --sync fsync --verify $MNT/dirty.dat >/dev/null
	rc=$?
	echo 0 >$T/tracing_on
	echo 0 >$T/events/writeback/writeback_dirty_folio/enable
	echo 0 >$T/events/writeback/writeback_dirty_folio/filter 2>/dev/null
	check "mmapwrite 2 MiB, data verified (rc=$rc)" test "$rc" = 0
	tn=$(grep -c "writeback_dirty_folio: bdi $BDI:" $T/trace)
	stat_settle
	set -- $(req_sum "$from")
	diag "dirtied: fusewb (task mmapwrite) $8, tracepoint writeback_dirty_folio $tn"
	check "pages dirtied by mmapwrite: fusewb $8 == tracepoint $tn (tolerance 0), >= 512" \
		test "$8" = "$tn" -a "$tn" -ge 512
}

# Throttling: with FUSE's own strict 1% limit back and 16 MiB dirtied, the
# writer is paused in balance_dirty_pages; fusewb's count against the
# tracepoint's events for this bdi that paused (pause > 0; tolerance 0).
req_throttle() {
	[ -e /sys/class/bdi/$BDI/strict_limit ] && echo 1 >/sys/class/bdi/$BDI/strict_limit
	echo 1 >/sys/class/bdi/$BDI/max_ratio
	from=$(stat_lines)
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 1 >$T/events/writeback/balance_dirty_pages/enable
	echo 1 >$T/tracing_on
	ctl "delay write 20"
	mmapwrite --size 16 --sync fsync --verify $MNT/throttle.dat >/dev/null
	rc=$?
	ctl "delay write 0"
	echo 0 >$T/tracing_on
	echo 0 >$T/events/writeback/balance_dirty_pages/enable
	check "mmapwrite 16 MiB under the strict limit, data verified (rc=$rc)" test "$rc" = 0
	# a pause is an event with pause > 0 (a call that does not sleep records min(pause, 0))
	tev=$(grep -c "balance_dirty_pages: bdi $BDI:" $T/trace)
	tn=$(grep "balance_dirty_pages: bdi $BDI:" $T/trace |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^pause=/ && substr($i, 7) + 0 > 0) n++ } END { print n + 0 }')
	stat_settle
	set -- $(req_sum "$from")
	diag "throttled: fusewb $9 pauses; tracepoint balance_dirty_pages $tev events, $tn with pause > 0"
	check "throttle pauses: fusewb $9 == tracepoint events with pause > 0 $tn (tolerance 0), > 0" \
		test "$9" = "$tn" -a "$tn" -gt 0
	[ -e /sys/class/bdi/$BDI/strict_limit ] && echo 0 >/sys/class/bdi/$BDI/strict_limit
	echo 100 >/sys/class/bdi/$BDI/max_ratio
}

req_round() {
	kind=$1
	req_probe "$kind"
	if ! stat_start "$kind"; then
		notok "[$kind] fusewb stat --json starts"
		sed 's/^/#   /' $W/stat.err
		return
	fi
	ok "[$kind] fusewb stat --json starts"
	req_latency "$kind"
	req_stall "$kind"
	if [ "$kind" = auto ]; then
		req_dirtiers
		req_throttle
	fi
	stat_stop
}
