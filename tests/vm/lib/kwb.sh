# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Guest test library for the kernel writeback view (temp pages in flight,
# WRITE latency, re-dirty waits), sourced by tests/vm/1*.sh under busybox sh.
#
# kwb_round KIND runs one round with fusewb's sources forced to KIND
# (auto = what fusewb prefers on the patched kernel: its tracepoints;
# kprobe, fentry = the fallbacks for kernels without them) and checks
# fusewb's numbers against what the test injects (testfs WRITE delays, a
# stall) and against the kernel's own accounts: NR_WRITEBACK_TEMP in
# /proc/vmstat and the patched tracepoints read through tracefs, which fire
# whichever BPF programs are attached.  Every mmapwrite verifies its data.
# Prints TAP; kwb_done prints the plan and returns the failure count.

T=/sys/kernel/tracing
W=/tmp/kwb
MNT=$W/mnt
CTL=$W/ctl
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}
diag() { echo "# $*"; }
# awk as a calculator: fcheck 'a <= b' A B
fcheck() { awk -v a="$2" -v b="$3" -v c="$4" "BEGIN { exit !($1) }"; }

# /proc/vmstat lags the per-CPU counters (folded every second, later on
# idle CPUs): reading stat_refresh folds them first, so the value is exact.
vmstat_temp() {
	cat /proc/sys/vm/stat_refresh >/dev/null 2>&1
	awk '$1 == "nr_writeback_temp" {print $2}' /proc/vmstat
}
temp_zero() { [ "$(vmstat_temp)" = 0 ]; }
temp_at_least() { [ "$(vmstat_temp)" -ge "$1" ]; }

# wait_until SECONDS CMD...: poll every 0.1 s (CMD is run each time: no $(...) in it)
wait_until() {
	_limit=$(($1 * 10))
	shift
	_i=0
	while ! "$@"; do
		_i=$((_i + 1))
		[ $_i -ge $_limit ] && return 1
		sleep 0.1
	done
}

# testfs's counter KEY (CTL.status: writes, write_bytes, blocked, ...)
tfs() {
	ctl status >/dev/null || return 1
	awk -v k="$1" '$1 == k {print $2}' "$CTL.status"
}

# A control command, then a status round trip: when CTL.status appears
# the daemon has taken every earlier command.
ctl() {
	rm -f "$CTL.status"
	timeout 5 sh -c "echo '$*' > $CTL && echo status > $CTL" &&
		wait_until 5 test -s "$CTL.status"
}

kwb_mount() {
	mkdir -p $W/back $MNT
	testfs --control $CTL --pidfile $W/testfs.pid $W/back $MNT
	if ! wait_until 10 grep -q " $MNT fuse" /proc/mounts; then
		notok "testfs mounted on $MNT"
		return 1
	fi
	# the bdi's dirty limit is 1% strict by default: lift it, so pages stay
	# dirty until the test syncs them and writeback happens when it says
	# (6.1 has no strict_limit knob: its FUSE bdis stay strictly limited)
	BDI=$(awk -v m="$MNT" '$5 == m {print $3}' /proc/self/mountinfo)
	strict="strict_limit 0"
	if [ -e /sys/class/bdi/$BDI/strict_limit ]; then
		echo 0 >/sys/class/bdi/$BDI/strict_limit
	else
		strict="no strict_limit knob"
	fi
	echo 100 >/sys/class/bdi/$BDI/max_ratio
	ok "testfs mounted on $MNT (bdi $BDI, $strict, max_ratio 100)"
}

kwb_cleanup() {
	[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
	[ -n "$STAT_PID" ] && kill "$STAT_PID" 2>/dev/null
	[ -n "$EXPORT_PID" ] && kill "$EXPORT_PID" 2>/dev/null
	[ -p "$CTL" ] && timeout 2 sh -c "echo resume > $CTL" 2>/dev/null
	echo 0 >$T/tracing_on 2>/dev/null
	timeout 10 umount $MNT 2>/dev/null || timeout 10 umount -l $MNT 2>/dev/null
	[ -s $W/testfs.pid ] && kill "$(cat $W/testfs.pid)" 2>/dev/null
}

trace_on() {
	echo 0 >$T/tracing_on
	echo 16384 >$T/buffer_size_kb
	echo >$T/trace
	for ev in "$@"; do echo 1 >$T/events/fuse/$ev/enable; done
	echo 1 >$T/tracing_on
}
trace_off() {
	echo 0 >$T/tracing_on
	for ev in $T/events/fuse/*/enable; do echo 0 >"$ev"; done
	cat $T/trace >"$1"
}
# values of FIELD of event EV in a trace file
tfield() { awk -v ev="$2:" -v f="$3" '{ for (i = 1; i < NF; i++) if ($i == ev) { for (j = i; j < NF; j++) if ($j == f) print $(j + 1); break } }' "$1"; }

# tsum FILE MODE: the events' own records, summed here (the instrument the
# v2 events are checked against: they carry no ids and no durations, so
# pairs are made from the records' fields and timestamps):
#   lat      fuse_writepage_end paired with the page_index 0 tmp_alloc of the
#            same inode and first page: "ends pages mean_ms max_ms"
#   free     "allocs ends end_pages frees free_pages"
#   wait B E begin/end pairs by thread: "n sum_ms max_ms"
#   split    fuse_request_send/sent/end paired by connection and unique, the
#            WRITEs seen in all three: "n queue_ms serve_ms"
tsum() {
	awk -v mode="$2" -v evb="$3:" -v eve="$4:" '
	function f(k,   j) { for (j = i + 1; j < NF; j++) if ($j == k) return $(j + 1); return "" }
	{
		for (i = 2; i <= NF; i++)
			if ($i ~ /^fuse_[a-z_]+:$/)
				break
		if (i > NF)
			next
		ev = $i
		ts = $(i - 1)
		sub(/:$/, "", ts)
		pid = $1
		sub(/.*-/, "", pid)
	}
	mode == "lat" && ev == "fuse_writepage_tmp_alloc:" && f("page_index") == 0 { t0[f("ino") " " f("index")] = ts }
	mode == "lat" && ev == "fuse_writepage_end:" {
		k = f("ino") " " int(f("offset") / 4096)
		n++
		pages += f("nr_pages")
		if (k in t0) {
			d = (ts - t0[k]) * 1000
			timed++
			sum += d
			if (d > max)
				max = d
			delete t0[k]
		}
	}
	mode == "free" && ev == "fuse_writepage_tmp_alloc:" { a++ }
	mode == "free" && ev == "fuse_writepage_end:" { e++; ep += f("nr_pages") }
	mode == "free" && ev == "fuse_writepage_free:" { fr++; fp += f("nr_pages") }
	mode == "wait" && ev == evb { b[pid] = ts }
	mode == "wait" && ev == eve && (pid in b) {
		d = (ts - b[pid]) * 1000
		n++
		sum += d
		if (d > max)
			max = d
		delete b[pid]
	}
	mode == "split" && ev == "fuse_request_send:" && f("opcode") == 16 { snd[f("connection") " " f("req")] = ts }
	mode == "split" && ev == "fuse_request_sent:" { k = f("connection") " " f("req"); if (k in snd) rd[k] = ts }
	mode == "split" && ev == "fuse_request_end:" {
		k = f("connection") " " f("req")
		if ((k in snd) && (k in rd)) {
			n++
			q += (rd[k] - snd[k]) * 1000
			sv += (ts - rd[k]) * 1000
		}
		delete snd[k]
		delete rd[k]
	}
	END {
		if (mode == "lat")
			printf "%d %d %.3f %.3f\n", n, pages, timed ? sum / timed : 0, max
		else if (mode == "free")
			printf "%d %d %d %d %d\n", a, e, ep, fr, fp
		else if (mode == "wait")
			printf "%d %.3f %.3f\n", n, sum, max
		else
			printf "%d %.3f %.3f\n", n, q, sv
	}' "$1"
}

# fusewb stat --json every 0.5 s into $W/stat.KIND
stat_start() {
	STAT_LOG=$W/stat.$1
	: >"$STAT_LOG"
	if [ "$1" = auto ]; then
		fusewb stat --json -i 0.5 $MNT >"$STAT_LOG" 2>$W/stat.err &
	else
		fusewb stat --json -i 0.5 --source "$1" $MNT >"$STAT_LOG" 2>$W/stat.err &
	fi
	STAT_PID=$!
	wait_until 60 test -s "$STAT_LOG"
}
stat_lines() { wc -l <"$STAT_LOG"; }
# wait for N more lines: every event before this call is in some line by then
stat_settle() {
	_want=$(($(stat_lines) + ${1:-2}))
	wait_until 20 sh -c "[ \$(wc -l <$STAT_LOG) -ge $_want ]"
}
stat_stop() {
	kill -INT "$STAT_PID" 2>/dev/null
	wait "$STAT_PID" 2>/dev/null
	STAT_PID=
}

# fusewb export with the same sources, scraped with busybox wget
EXPORT_URL=http://127.0.0.1:9464/metrics
export_start() {
	if [ "$1" = auto ]; then
		fusewb export --web.listen-address=127.0.0.1:9464 $MNT 2>$W/export.err &
	else
		fusewb export --web.listen-address=127.0.0.1:9464 --source "$1" $MNT 2>$W/export.err &
	fi
	EXPORT_PID=$!
	wait_until 60 grep -q listening $W/export.err
}
export_stop() {
	kill -INT "$EXPORT_PID" 2>/dev/null
	wait "$EXPORT_PID" 2>/dev/null
	EXPORT_PID=
}
scrape() { timeout 10 wget -q -O $W/scrape $EXPORT_URL; }
# the value of the one sample of metric NAME in the last scrape
sample() { awk -v n="$1{" 'index($0, n) == 1 { print $NF }' $W/scrape; }

# Sum the stat lines after line FROM: prints
#   1 writes 2 lat_mean_ms 3 lat_max_ms 4 redirty_waits 5 redirty_ms 6 task_waits 7 orphaned
#   8 inflight_last 9 vmtemp_last 10 request_path_writes 11 pending_drops
#   12 temp_pages_completed 13 requests_closed 14 requests_orphaned 15 nowrite_waits 16 nowrite_ms
#   17 nowrite_max_ms 18 mmapwrite's nowrite_waits 19 redirty_max_ms 20 split_writes 21 queue_ms
#   22 serve_ms 23 in_service_last 24 pending_last 25 temp_pages_allocated
# awk functions for a stat line: num(s, key) is the number after "key":
# in s ("" if none); after(s, key) is s from key on ("" if absent)
AWK_JSON='
	function num(s, key,   i, r) {
		i = index(s, "\"" key "\":")
		if (!i)
			return ""
		r = substr(s, i + length(key) + 3)
		if (!match(r, /^-?[0-9.]+/))
			return ""
		return substr(r, 1, RLENGTH) + 0
	}
	function after(s, key,   i) { i = index(s, key); return i ? substr(s, i) : "" }
'
stat_sum() {
	awk -v from="$1" "$AWK_JSON"'
	NR > from {
		w = num($0, "kernel_writes")
		k = after($0, "\"kernel_latency_us\":{")
		writes += w
		lsum += w * num(k, "mean")
		if (num(k, "max") > lmax)
			lmax = num(k, "max")
		r = after($0, "\"redirty\":{")
		rw += num(r, "waits")
		rms += num(r, "wait_ms")
		orph += num($0, "temp_pages_orphaned")
		s = $0
		while ((i = index(s, "\"comm\":\"mmapwrite\""))) {
			s = substr(s, i + 18)
			tw += num(after(s, "\"redirty\":{"), "waits")
		}
		rq += num(after($0, "\"writeback\":{"), "writes")
		pf += num($0, "pending_full")
		inflight = num($0, "temp_pages_inflight")
		vmtemp = num($0, "nr_writeback_temp")
		tcompl += num($0, "temp_pages_completed")
		alloc += num($0, "temp_pages_allocated")
		closed += num($0, "temp_requests_closed")
		oreq += num($0, "temp_requests_orphaned")
		if (num(r, "max_ms") > rmax)
			rmax = num(r, "max_ms")
		nw = after($0, "\"nowrite\":{")
		nwn += num(nw, "waits")
		nwms += num(nw, "wait_ms")
		if (num(nw, "max_ms") > nwmax)
			nwmax = num(nw, "max_ms")
		s = $0
		while ((i = index(s, "\"comm\":\"mmapwrite\""))) {
			s = substr(s, i + 18)
			tnw += num(after(s, "\"nowrite\":{"), "waits")
		}
		# the split of the writeback object itself (null where none ended), not of an ops row after it
		wb = after($0, "\"writeback\":{")
		i = index(wb, "\"queue_us\":")
		q = i && substr(wb, i + 11, 1) == "{" ? substr(wb, i + 11) : ""
		if (q != "") {
			sn = num(q, "count")
			spl += sn
			qms += sn * num(q, "mean") / 1e3
			sms += sn * num(after(wb, "\"serve_us\":{"), "mean") / 1e3
		}
		p = after($0, "\"pending\":{")
		insrv = num(p, "in_service")
		if (insrv == "")
			insrv = "null"
		pend = num(p, "count")
	}
	END {
		printf "%d %.3f %.3f %d %.3f %d %d %s %s %d %d %d %d %d %d %.3f %.3f %d %.3f %d %.3f %.3f %s %s %d\n",
		       writes, writes ? lsum / writes / 1e3 : 0,
		       lmax / 1e3, rw, rms, tw, orph, inflight, vmtemp, rq, pf, tcompl, closed, oreq, nwn, nwms,
		       nwmax, tnw, rmax, spl, qms, sms, insrv, pend, alloc
	}' "$STAT_LOG"

}

# The three kernel writeback sources fusewb uses for KIND, as fusewb probe names them.
kwb_expected_sources() {
	case "$1" in
	auto | tracepoint) echo "tp_btf:fuse_writepage_tmp_alloc tp_btf:fuse_writepage_end tp_btf:fuse_writepage_free tp_btf:fuse_wait_writeback_end tp_btf:fuse_set_nowrite_end tp_btf:fuse_request_sent tp_btf:fuse_request_send" ;;
	# fuse_request_sent has no fallback: it stays in use when the others are forced
	kprobe) echo "kprobe:fuse_writepage_args_page_fill kprobe:fuse_writepage_end kprobe:fuse_writepage_free kretprobe:fuse_wait_on_page_writeback kretprobe:fuse_set_nowrite tp_btf:fuse_request_sent kprobe:fuse_dev_queue_req" ;;
	fentry) echo "fentry:fuse_writepage_args_page_fill fentry:fuse_writepage_end fentry:fuse_writepage_free fexit:fuse_wait_on_page_writeback fexit:fuse_set_nowrite tp_btf:fuse_request_sent fentry:fuse_dev_queue_req" ;;
	esac
}

# probe_run KIND DESC: fusewb probe [--source KIND] into $W/probe.KIND,
# shown as comments; DESC checks that it loaded.  probe_none_failed PREFIX
# then checks that no source failed.
probe_run() {
	if [ "$1" = auto ]; then
		fusewb probe >$W/probe.$1 2>&1
	else
		fusewb probe --source "$1" >$W/probe.$1 2>&1
	fi
	rc=$?
	sed 's/^/#   /' $W/probe.$1
	check "$2 (rc=$rc)" test "$rc" = 0
}
probe_none_failed() {
	nfailed=$(grep -Ec '^[^ ]+ +failed ' $W/probe.$kind)
	check "${1}fusewb probe: no source failed ($nfailed)" test "$nfailed" = 0
}

kwb_probe() {
	kind=$1
	probe_run "$kind" "fusewb probe${2:+ $2} loads and attaches"
	for src in $(kwb_expected_sources "$kind"); do
		check "fusewb probe: $src in use" grep -Eq "^$src +in use " $W/probe.$kind
	done
	probe_none_failed ""
	[ "$kind" = auto ] && return
	FUSEWB_SOURCE=$kind fusewb probe 2>&1 | grep -E ' in use ' >$W/probe.env
	grep -E ' in use ' $W/probe.$kind | cmp -s - $W/probe.env
	check "FUSEWB_SOURCE=$kind fusewb probe uses the same sources as --source $kind" test $? = 0
}

# lat_writes KIND DELAY: two runs of mmapwrite 4 MiB + fsync, data verified
# (checked), against a server that answers each WRITE after DELAY ms; returns
# when the temp pages have drained.
lat_writes() {
	for i in 1 2; do
		mmapwrite --size 4 --sync fsync --verify $MNT/lat-$1-$i.dat >/dev/null
		rc=$?
		check "[$1] mmapwrite 4 MiB with ${2} ms WRITE delay, data verified (run $i, rc=$rc)" test "$rc" = 0
	done
	wait_until 30 temp_zero
}

# Latency: every WRITE answered after DELAY ms, 4 x 1 MiB WRITEs per run.
# Tolerance: fusewb's mean within [DELAY, 2 DELAY], max below 3 DELAY:
# fusewb times a WRITE from its first temp page, so filling 256 temp pages,
# queueing and copying 1 MiB to the server come on top of the delay (40 to
# 90 ms under TCG).  Against the events' own records (no duration in them:
# each fuse_writepage_end minus the page_index 0 fuse_writepage_tmp_alloc of
# its first page): the same count and pages, and the mean within TOL_LAT
# percent.  The queue/serve split (fuse_request_sent) against the
# send/sent/end records paired by unique: the same count, means within
# TOL_LAT percent + 1 ms, and the time in the daemon at least the delay.
kwb_latency() {
	kind=$1 delay=200
	ctl "delay write $delay"
	from=$(stat_lines)
	trace_on fuse_writepage_tmp_alloc fuse_writepage_end fuse_request_send fuse_request_sent fuse_request_end
	lat_writes "$kind" "$delay"
	trace_off $W/trace.lat
	ctl "delay write 0"
	stat_settle
	set -- $(stat_sum "$from")
	writes=$1 mean=$2 max=$3 rq=${10} pf=${11} compl=${12} split=${20} qms=${21} sms=${22}
	set -- $(tsum $W/trace.lat lat)
	tn=$1 tpages=$2 tmean=$3 tmax=$4
	diag "[$kind] latency: fusewb $writes WRITEs ($compl pages) mean $mean ms max $max ms; records $tn WRITEs ($tpages pages) mean $tmean ms max $tmax ms"
	check "[$kind] WRITEs completed: fusewb $writes == fuse_writepage_end records $tn (tolerance 0)" test "$writes" = "$tn" -a "$tn" -ge 2
	check "[$kind] their temp pages: fusewb $compl == records' nr_pages $tpages (tolerance 0)" test "$compl" = "$tpages"
	# 6.12 patched sends with unique set, the fallbacks name requests by address: both must pair up
	check "[$kind] request path sees the same writeback WRITEs: $rq == $tn (tolerance 0)" test "$rq" = "$tn"
	check "[$kind] no request dropped from the pending table ($pf)" test "$pf" = 0
	check "[$kind] kernel latency mean $mean ms matches the ${delay} ms delay (tolerance: [$delay, $((delay * 2))] ms)" \
		fcheck "a >= b && a <= b * 2" "$mean" "$delay"
	check "[$kind] kernel latency max $max ms < $((delay * 3)) ms" fcheck "a < b * 3" "$max" "$delay"
	check "[$kind] kernel latency mean $mean ms vs the records' end - first temp page mean $tmean ms (tolerance ${TOL_LAT}%)" \
		fcheck "a >= b * (1 - c / 100) && a <= b * (1 + c / 100)" "$mean" "$tmean" "$TOL_LAT"
	[ -r $T/events/fuse/fuse_request_sent/format ] || return
	set -- $(tsum $W/trace.lat split)
	diag "[$kind] split: fusewb $split WRITEs queued $qms ms in the daemon $sms ms; records $1 WRITEs queued $2 ms in the daemon $3 ms"
	check "[$kind] queue/serve split: fusewb $split WRITEs == send/sent/end records $1 (tolerance 0)" \
		test "$split" = "$1" -a "$1" -ge 2
	check "[$kind] time queued for the daemon $qms ms vs records $2 ms (tolerance ${TOL_LAT}% + 1 ms per WRITE)" \
		fcheck "a >= b * (1 - c / 100) - $1 && a <= b * (1 + c / 100) + $1" "$qms" "$2" "$TOL_LAT"
	check "[$kind] time in the daemon $sms ms vs records $3 ms (tolerance ${TOL_LAT}% + 1 ms per WRITE)" \
		fcheck "a >= b * (1 - c / 100) - $1 && a <= b * (1 + c / 100) + $1" "$sms" "$3" "$TOL_LAT"
	check "[$kind] time in the daemon per WRITE $(awk -v s="$sms" -v n="$split" 'BEGIN { printf "%.1f", n ? s / n : 0 }') ms >= the ${delay} ms delay" \
		fcheck "a >= b * c" "$sms" "$split" "$delay"
}

# stall_begin KIND: mmapwrite dirties 4 MiB, holds it 2 s, then fsyncs with
# the server stalled, until NR_WRITEBACK_TEMP holds the 4 MiB (checked).
# Leaves mmapwrite running as $mw; returns 1 if it never reached its hold.
stall_begin() {
	rm -f $W/mw.err
	mmapwrite --size 4 --hold 2 --sync fsync --verify $MNT/stall-$1.dat >$W/mw.out 2>$W/mw.err &
	mw=$!
	if ! wait_until 30 grep -q holding $W/mw.err; then
		notok "[$1] mmapwrite reached its hold"
		kill $mw 2>/dev/null
		return 1
	fi
	ctl stall
	wait_until 30 temp_at_least 1024
	temp=$(vmstat_temp)
	check "[$1] WRITEs stalled: NR_WRITEBACK_TEMP $temp >= 1024 (4 MiB)" test "$temp" -ge 1024
}

# stall_resume KIND: resume the server; mmapwrite exits 0 with its data
# verified (checked), the temp pages drain and stat writes the lines after.
stall_resume() {
	ctl resume
	wait $mw
	rc=$?
	check "[$1] after resume mmapwrite exits 0, data verified (rc=$rc)" test "$rc" = 0
	wait_until 30 temp_zero
	stat_settle
}

# Temp pages in flight: 4 MiB dirtied, the server stalled, then synced:
# every temp page stays allocated until resume.  Tolerance: 0 pages against
# NR_WRITEBACK_TEMP, read in the same snapshot.  The stalled server has read
# every WRITE it holds: pending in service == testfs's blocked requests
# (tolerance 0) where the kernel says so (fuse_request_sent), null where it
# does not.  mmapwrite's fsync waits for them in fuse_set_nowrite: the
# whole-inode wait, its time against the begin/end records (TOL_WAITMS
# percent + 2 ms), and diagnose names it.
kwb_stall() {
	kind=$1
	from=$(stat_lines)
	trace_on fuse_set_nowrite_begin fuse_set_nowrite_end
	stall_begin "$kind" || return
	stat_settle
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	inflight=$8 snaptemp=$9
	vmtemp=$(vmstat_temp)
	diag "[$kind] stalled: fusewb temp_pages_inflight $inflight; NR_WRITEBACK_TEMP $vmtemp (in fusewb's snapshot, unrefreshed: $snaptemp)"
	check "[$kind] stalled: temp pages in flight $inflight > 0" test "${inflight:-0}" -gt 0
	check "[$kind] stalled: temp pages in flight $inflight == NR_WRITEBACK_TEMP $vmtemp (tolerance 0)" \
		test "$inflight" = "$vmtemp"
	if [ -r $T/events/fuse/fuse_request_sent/format ]; then
		wait_until 20 in_service_agree
		set -- $(stat_sum "$(($(stat_lines) - 1))")
		check "[$kind] stalled: pending in service ${23} == testfs blocked $(tfs blocked) == pending ${24} (tolerance 0)" \
			test "${23}" = "$(tfs blocked)" -a "${23}" = "${24}" -a "${24}" -gt 0
	fi
	sleep 1		# the wait lasts at least this: its time must show it
	# diagnose probes fentry on fuse_set_nowrite (a test attach), which the
	# fentry round's own fexit there does not survive for a thread asleep
	# inside (seen on 6.12: the wait was lost); once, in the tracepoint round
	if [ "$kind" = auto ]; then
		fusewb diagnose --json --hung-after 1 $MNT >$W/diag.stall 2>/dev/null
		w=$(awk -v p="$mw" 'BEGIN { RS = "{" } index($0, "\"pid\":" p ",") == 1 && /"wait":/ { sub(/.*"wait":"/, ""); sub(/".*/, ""); print; exit }' $W/diag.stall)
		check "[$kind] diagnose: the fsyncing writer waits for the inode's WRITEs (wait ${w:-none} == nowrite)" test "$w" = nowrite
	fi
	if [ -n "$EXPORT_PID" ] && scrape; then
		# bytes, in base units; the guest's pages are 4 KiB (x86_64)
		x=$(( $(sample fusewb_writeback_temp_inflight_bytes) / 4096 ))
		vmtemp=$(vmstat_temp)
		check "[$kind] stalled: exported fusewb_writeback_temp_inflight_bytes / 4096 = $x == NR_WRITEBACK_TEMP $vmtemp" \
			test "$x" = "$vmtemp"
	else
		notok "[$kind] stalled: scrape fusewb export"
	fi
	stall_resume "$kind"
	trace_off $W/trace.stall
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	inflight=$8 vmtemp=$(vmstat_temp)
	check "[$kind] resumed: temp pages in flight $inflight == 0 and NR_WRITEBACK_TEMP $vmtemp == 0" \
		test "$inflight" = 0 -a "$vmtemp" = 0
	if [ -n "$EXPORT_PID" ] && scrape; then
		x=$(sample fusewb_writeback_temp_inflight_bytes)
		a=$(sample fusewb_writeback_temp_allocated_pages_total)
		e=$(sample fusewb_writeback_temp_completed_pages_total)
		o=$(sample fusewb_writeback_temp_orphaned_pages_total)
		w=$(sample fusewb_kernel_writeback_write_duration_seconds_count)
		nw=$(sample fusewb_nowrite_waits_total)
		diag "[$kind] exported: temp pages in flight $x, allocated $a, completed $e, orphaned $o; kernel-timed WRITEs $w; inode waits $nw"
		check "[$kind] resumed: exported temp pages in flight 0, allocated $a == completed $e + orphaned $o > 0" \
			test "$x" = 0 -a "${a:-0}" -gt 0 -a "${a:-0}" = "$((${e:-0} + ${o:-0}))"
		check "[$kind] exported kernel-timed WRITE histogram counts WRITEs ($w)" test "${w:-0}" -gt 0
		check "[$kind] exported fusewb_nowrite_waits_total ${nw:-none} > 0" test "${nw:-0}" -gt 0
	else
		notok "[$kind] resumed: scrape fusewb export"
	fi
	set -- $(stat_sum "$from")
	orph=$7 nwn=${15} nwms=${16} nwmax=${17} tnw=${18}
	check "[$kind] no temp pages orphaned ($orph)" test "$orph" = 0
	set -- $(tsum $W/trace.stall wait fuse_set_nowrite_begin fuse_set_nowrite_end)
	diag "[$kind] inode waits: fusewb $nwn ($nwms ms, longest $nwmax ms), mmapwrite's $tnw; records $1 ($2 ms, longest $3 ms)"
	check "[$kind] inode waits: fusewb $nwn == fuse_set_nowrite begin/end pairs $1 (tolerance 0), > 0" \
		test "$nwn" = "$1" -a "$1" -gt 0
	check "[$kind] inode wait time $nwms ms vs records $2 ms (tolerance ${TOL_WAITMS}% + 2 ms)" \
		fcheck "a >= b * (1 - c / 100) - 2 && a <= b * (1 + c / 100) + 2" "$nwms" "$2" "$TOL_WAITMS"
	check "[$kind] longest inode wait $nwmax ms vs records $3 ms (tolerance ${TOL_WAITMS}% + 2 ms), >= 1 s held" \
		fcheck "a >= b * (1 - c / 100) - 2 && a <= b * (1 + c / 100) + 2 && a >= 1000" "$nwmax" "$3" "$TOL_WAITMS"
	check "[$kind] inode waits of the writer (per task) $tnw <= per mount $nwn, > 0" test "$tnw" -le "$nwn" -a "$tnw" -gt 0
}

# the last stat line's pending requests in service agree with testfs's blocked
in_service_agree() {
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	[ "${23}" = "$(tfs blocked)" ] && [ "${24:-0}" -gt 0 ]
}

# hold_begin KIND SYNC NAME: mmapwrite dirties 2 MiB, holds it 2 s, then
# syncs with SYNC ("fsync --verify", msync); returns once it holds, leaving
# it running as $mw (1, after saying so, if it never held)
hold_begin() {
	rm -f $W/mw.err
	# shellcheck disable=SC2086
	mmapwrite --size 2 --hold 2 --sync $2 $MNT/$3-$1.dat >$W/mw.out 2>$W/mw.err &
	mw=$!
	wait_until 30 grep -q holding $W/mw.err && return 0
	notok "[$1] mmapwrite reached its hold"
	kill $mw 2>/dev/null
	return 1
}

# the last stat line's pending requests are all of fusectl's waiting (> 0)
queued_agree() {
	set -- "$(cat /sys/fs/fuse/connections/$1/waiting)" $(stat_sum "$(($(stat_lines) - 1))")
	[ "$1" -gt 0 ] && [ "${25}" = "$1" ]
}

# Queued, not in service: the daemon stopped (SIGSTOP) reads nothing, so
# the WRITEs an fsync sends wait in the kernel's queue.  fusewb's pending
# requests: as many as fusectl's waiting, none in service (tolerance 0).
# After SIGCONT the daemon reads and answers them at once: their time
# queued carries the stop (>= the test's own 1 s hold less its start), the
# time in the daemon is short; both against the send/sent/end records.
kwb_queued() {
	kind=$1
	[ -r $T/events/fuse/fuse_request_sent/format ] || return
	conn=$(awk -v m="$MNT" '$5 == m {split($3, d, ":"); print d[2]}' /proc/self/mountinfo)
	from=$(stat_lines)
	hold_begin "$kind" "fsync --verify" queued || return
	trace_on fuse_request_send fuse_request_sent fuse_request_end
	STOPPED=$(cat $W/testfs.pid)
	kill -STOP "$STOPPED"
	wait_until 30 queued_agree "$conn"
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	waiting=$(cat /sys/fs/fuse/connections/$conn/waiting)
	diag "[$kind] daemon stopped: fusewb pending ${24}, in service ${23}; fusectl waiting $waiting"
	check "[$kind] daemon stopped: pending ${24} == fusectl waiting $waiting (tolerance 0), none in service (${23})" \
		test "${24}" = "$waiting" -a "${23}" = 0 -a "$waiting" -gt 0
	sleep 1
	kill -CONT "$STOPPED"
	STOPPED=
	wait $mw
	rc=$?
	check "[$kind] after SIGCONT mmapwrite exits 0, data verified (rc=$rc)" test "$rc" = 0
	wait_until 30 temp_zero
	trace_off $W/trace.queued
	stat_settle
	set -- $(stat_sum "$from")
	split=${20} qms=${21} sms=${22}
	set -- $(tsum $W/trace.queued split)
	diag "[$kind] queued: fusewb $split WRITEs queued $qms ms in the daemon $sms ms; records $1 WRITEs queued $2 ms in the daemon $3 ms"
	check "[$kind] stopped daemon: fusewb $split WRITEs == records $1 (tolerance 0)" test "$split" = "$1" -a "$1" -gt 0
	check "[$kind] time queued $qms ms vs records $2 ms (tolerance ${TOL_LAT}% + 1 ms per WRITE)" \
		fcheck "a >= b * (1 - c / 100) - $1 && a <= b * (1 + c / 100) + $1" "$qms" "$2" "$TOL_LAT"
	check "[$kind] time in the daemon $sms ms vs records $3 ms (tolerance ${TOL_LAT}% + 1 ms per WRITE)" \
		fcheck "a >= b * (1 - c / 100) - $1 && a <= b * (1 + c / 100) + $1" "$sms" "$3" "$TOL_LAT"
	check "[$kind] stopped daemon: queued $qms ms > in the daemon $sms ms, and >= 1 s for the first WRITE" \
		fcheck "a > b && a >= 1000" "$qms" "$sms"
}

# Re-dirty waits: each pass starts writeback and at once dirties every page
# again; with slow WRITEs the writer waits for pages under writeback.
# Against the fuse_wait_writeback_begin/end records paired by thread (they
# fire only where the page is under writeback): tolerance 0 for the
# tracepoint source; the fallbacks count a call that slept, and a wait that
# finds its page done before sleeping is not one: up to TOL_WAITS percent
# (at least 1) fewer.  Times within TOL_WAITMS percent (+2 ms).
kwb_redirty() {
	kind=$1
	ctl "delay write 100"
	from=$(stat_lines)
	trace_on fuse_wait_writeback_begin fuse_wait_writeback_end
	mmapwrite --size 2 --passes 4 --rewrite --verify $MNT/redirty-$kind.dat >/dev/null
	rc=$?
	check "[$kind] mmapwrite --rewrite 4 passes with 100 ms WRITE delay, data verified (rc=$rc)" test "$rc" = 0
	wait_until 30 temp_zero
	trace_off $W/trace.wait
	ctl "delay write 0"
	stat_settle
	set -- $(stat_sum "$from")
	waits=$4 wms=$5 twaits=$6 wmax=${19}
	set -- $(tsum $W/trace.wait wait fuse_wait_writeback_begin fuse_wait_writeback_end)
	tn=$1 tms=$2 tmax=$3
	diag "[$kind] re-dirty waits: fusewb $waits ($wms ms, longest $wmax ms), mmapwrite's $twaits; records $tn ($tms ms, longest $tmax ms)"
	check "[$kind] re-dirty waits counted ($waits)" test "$waits" -gt 0
	lo=$(awk -v t="$tn" -v p="$TOL_WAITS" 'BEGIN { d = int(t * p / 100); if (p > 0 && d < 1) d = 1; print t - d }')
	check "[$kind] re-dirty waits $waits vs begin/end records $tn (tolerance: [$lo, $tn])" \
		test "$waits" -ge "$lo" -a "$waits" -le "$tn"
	check "[$kind] re-dirty waits of the writer (per task) $twaits == per mount $waits" test "$twaits" = "$waits"
	check "[$kind] re-dirty wait time $wms ms vs records $tms ms (tolerance ${TOL_WAITMS}% + 2 ms)" \
		fcheck "a >= b * (1 - c / 100) - 2 && a <= b * (1 + c / 100) + 2" "$wms" "$tms" "$TOL_WAITMS"
	check "[$kind] longest re-dirty wait $wmax ms vs records $tmax ms (tolerance ${TOL_WAITMS}% + 2 ms)" \
		fcheck "a >= b * (1 - c / 100) - 2 && a <= b * (1 + c / 100) + 2" "$wmax" "$tmax" "$TOL_WAITMS"
	# the exporter counts since the round began: at least this pass's waits
	if [ -n "$EXPORT_PID" ] && scrape; then
		x=$(sample fusewb_redirty_waits_total)
		check "[$kind] exported fusewb_redirty_waits_total ${x:-none} >= this pass's $waits" \
			test "${x:-0}" -ge "$waits" -a "${x:-0}" -gt 0
	else
		notok "[$kind] re-dirty: scrape fusewb export"
	fi
}

# orphans_settled FROM N: N orphans counted since line FROM, none left in flight
orphans_settled() {
	set -- "$2" $(stat_sum "$1")
	[ "$8" = "$1" ] || return 1
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	[ "$8" = 0 ]
}

# Orphans: a WRITE the kernel drops unsent never completes (no
# fuse_writepage_end), but is released (fuse_writepage_free).  With 2 MiB
# dirty in the mapping the connection is aborted, then the writer syncs:
# the kernel fills temp pages, fails to queue their WRITEs and frees them.
# The release closes each at once (no ageing, no guess): orphaned pages ==
# records' tmp_alloc - end nr_pages, requests closed == free records,
# orphaned requests == free - end records, all with tolerance 0.  Last in a
# round: the mount is dead afterwards, nothing can be verified.
kwb_orphans() {
	kind=$1
	conn=$(awk -v m="$MNT" '$5 == m {split($3, d, ":"); print d[2]}' /proc/self/mountinfo)
	from=$(stat_lines)
	hold_begin "$kind" msync orphan || return
	trace_on fuse_writepage_tmp_alloc fuse_writepage_end fuse_writepage_free
	echo 1 >/sys/fs/fuse/connections/$conn/abort
	wait $mw
	rc=$?
	check "[$kind] mmapwrite syncs 2 MiB after the connection is aborted, and exits (rc=$rc)" test "$rc" -lt 128
	check "[$kind] NR_WRITEBACK_TEMP back to 0 after the dropped WRITEs" wait_until 30 temp_zero
	trace_off $W/trace.orphan
	set -- $(tsum $W/trace.orphan free)
	talloc=$1 tends=$2 tend=$3 tfree=$4 tfreep=$5
	dropped=$((talloc - tend))
	diag "[$kind] records: $talloc temp pages allocated, $tends WRITEs ended ($tend pages), $tfree released ($tfreep pages): $dropped pages dropped"
	check "[$kind] the kernel dropped WRITEs unsent ($dropped temp pages)" test "$dropped" -gt 0
	check "[$kind] the records' own invariant: pages allocated $talloc == pages released $tfreep" test "$talloc" = "$tfreep"
	# closed by their release: no ageing, the next lines have them
	wait_until 15 orphans_settled "$from" "$dropped"
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	check "[$kind] temp pages in flight back to 0 ($8)" test "$8" = 0
	set -- $(stat_sum "$from")
	check "[$kind] orphaned temp pages $7 == dropped $dropped (tolerance 0)" test "$7" = "$dropped"
	check "[$kind] requests closed ${13} == fuse_writepage_free records $tfree (tolerance 0)" test "${13}" = "$tfree"
	check "[$kind] requests orphaned ${14} == released $tfree - ended $tends (tolerance 0), > 0" \
		test "${14}" = "$((tfree - tends))" -a "${14}" -gt 0
}

# One round: probe, then latency, stall, queued, re-dirty and orphans under fusewb stat.
kwb_round() {
	kind=$1
	case "$kind" in
	# the BPF program and the trace record are two callbacks of one event: under
	# TCG with a loaded host one took 1 ms more per wait (476.7 vs 468.5 ms over 8)
	auto) TOL_LAT=1 TOL_WAITS=0 TOL_WAITMS=3 ;;
	*) TOL_LAT=10 TOL_WAITS=20 TOL_WAITMS=10 ;;
	esac
	kwb_probe "$kind" "${2:-}"
	if ! stat_start "$kind"; then
		notok "[$kind] fusewb stat --json starts"
		sed 's/^/#   /' $W/stat.err
		return
	fi
	ok "[$kind] fusewb stat --json starts"
	if export_start "$kind"; then
		ok "[$kind] fusewb export starts"
	else
		notok "[$kind] fusewb export starts"
		sed 's/^/#   /' $W/export.err
		kill "$EXPORT_PID" 2>/dev/null
		EXPORT_PID=
	fi
	kwb_latency "$kind"
	kwb_stall "$kind"
	kwb_queued "$kind"
	kwb_redirty "$kind"
	kwb_orphans "$kind"
	[ -n "$EXPORT_PID" ] && export_stop
	stat_stop
}

# The patched kernel's tracepoints referee the fallbacks: a script that
# needs them does not apply to an unpatched kernel, and says so.
kwb_need_patched() {
	[ -r $T/events/fuse/fuse_writepage_end/format ] && return 0
	echo "1..0 # SKIP $(uname -r) has no fuse writeback tracepoints (unpatched kernel) to check against"
	exit 0
}

kwb_setup() {
	mkdir -p $W
	trap kwb_cleanup EXIT
	trap 'exit 1' INT TERM
	kwb_mount
}

kwb_done() {
	kwb_cleanup
	trap - EXIT
	check "no FUSE mount left on $MNT" sh -c "! grep -q ' $MNT fuse' /proc/mounts"
	echo "1..$n"
	return "$fail"
}
