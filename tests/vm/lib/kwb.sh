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
	for ev in fuse_writepage_tmp_alloc fuse_writepage_end fuse_wait_writeback_begin fuse_wait_writeback_end; do
		echo 0 >$T/events/fuse/$ev/enable
	done
	cat $T/trace >"$1"
}
# values of FIELD of event EV in a trace file
tfield() { awk -v ev="$2:" -v f="$3" '{ for (i = 1; i < NF; i++) if ($i == ev) { for (j = i; j < NF; j++) if ($j == f) print $(j + 1); break } }' "$1"; }

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
#   writes lat_mean_ms lat_max_ms redirty_waits redirty_ms task_waits orphaned inflight_last vmtemp_last
#   request_path_writes pending_drops
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
	}
	END {
		printf "%d %.3f %.3f %d %.3f %d %d %s %s %d %d\n", writes, writes ? lsum / writes / 1e3 : 0,
		       lmax / 1e3, rw, rms, tw, orph, inflight, vmtemp, rq, pf
	}' "$STAT_LOG"
}

# The three kernel writeback sources fusewb uses for KIND, as fusewb probe names them.
kwb_expected_sources() {
	case "$1" in
	auto | tracepoint) echo "tp_btf:fuse_writepage_tmp_alloc tp_btf:fuse_writepage_end tp_btf:fuse_wait_writeback_end" ;;
	kprobe) echo "kprobe:fuse_writepage_args_page_fill kprobe:fuse_writepage_end kretprobe:fuse_wait_on_page_writeback" ;;
	fentry) echo "fentry:fuse_writepage_args_page_fill fentry:fuse_writepage_end fexit:fuse_wait_on_page_writeback" ;;
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
# Tolerance: fusewb's mean within [DELAY, 2 DELAY], max below 3 DELAY: the
# kernel times a WRITE from its allocation, so filling 256 temp pages,
# queueing and copying 1 MiB to the server come on top of the delay (40 to
# 90 ms under TCG).  Against the tracepoint's own duration_ns: the same
# count, and the mean within TOL_LAT percent.
kwb_latency() {
	kind=$1 delay=200
	ctl "delay write $delay"
	from=$(stat_lines)
	trace_on fuse_writepage_end
	lat_writes "$kind" "$delay"
	trace_off $W/trace.lat
	ctl "delay write 0"
	stat_settle
	set -- $(stat_sum "$from")
	writes=$1 mean=$2 max=$3 rq=${10} pf=${11}
	tn=$(tfield $W/trace.lat fuse_writepage_end duration_ns | wc -l)
	tmean=$(tfield $W/trace.lat fuse_writepage_end duration_ns | awk '{s += $1} END {printf "%.3f", NR ? s / NR / 1e6 : 0}')
	diag "[$kind] latency: fusewb $writes WRITEs mean $mean ms max $max ms; tracepoint $tn WRITEs mean $tmean ms"
	check "[$kind] WRITEs completed: fusewb $writes == tracepoint $tn (tolerance 0)" test "$writes" = "$tn" -a "$tn" -ge 2
	# the request tracepoints name requests differently on 6.12 (no unique at send): they must still pair up
	check "[$kind] request path sees the same writeback WRITEs: $rq == $tn (tolerance 0)" test "$rq" = "$tn"
	check "[$kind] no request dropped from the pending table ($pf)" test "$pf" = 0
	check "[$kind] kernel latency mean $mean ms matches the ${delay} ms delay (tolerance: [$delay, $((delay * 2))] ms)" \
		fcheck "a >= b && a <= b * 2" "$mean" "$delay"
	check "[$kind] kernel latency max $max ms < $((delay * 3)) ms" fcheck "a < b * 3" "$max" "$delay"
	check "[$kind] kernel latency mean $mean ms vs tracepoint duration_ns mean $tmean ms (tolerance ${TOL_LAT}%)" \
		fcheck "a >= b * (1 - c / 100) && a <= b * (1 + c / 100)" "$mean" "$tmean" "$TOL_LAT"
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
# NR_WRITEBACK_TEMP, read in the same snapshot.
kwb_stall() {
	kind=$1
	from=$(stat_lines)
	stall_begin "$kind" || return
	stat_settle
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	inflight=$8 snaptemp=$9
	vmtemp=$(vmstat_temp)
	diag "[$kind] stalled: fusewb temp_pages_inflight $inflight; NR_WRITEBACK_TEMP $vmtemp (in fusewb's snapshot, unrefreshed: $snaptemp)"
	check "[$kind] stalled: temp pages in flight $inflight > 0" test "${inflight:-0}" -gt 0
	check "[$kind] stalled: temp pages in flight $inflight == NR_WRITEBACK_TEMP $vmtemp (tolerance 0)" \
		test "$inflight" = "$vmtemp"
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
		diag "[$kind] exported: temp pages in flight $x, allocated $a, completed $e, orphaned $o; kernel-timed WRITEs $w"
		check "[$kind] resumed: exported temp pages in flight 0, allocated $a == completed $e + orphaned $o > 0" \
			test "$x" = 0 -a "${a:-0}" -gt 0 -a "${a:-0}" = "$((${e:-0} + ${o:-0}))"
		check "[$kind] exported kernel-timed WRITE histogram counts WRITEs ($w)" test "${w:-0}" -gt 0
	else
		notok "[$kind] resumed: scrape fusewb export"
	fi
	set -- $(stat_sum "$from")
	check "[$kind] no temp pages orphaned ($7)" test "$7" = 0
}

# Re-dirty waits: each pass starts writeback and at once dirties every page
# again; with slow WRITEs the writer waits for pages under writeback.
# Against fuse_wait_writeback_end events: tolerance 0 for the tracepoint
# source; the fallbacks count a call that slept, and a wait that finds its
# page done before sleeping is not one: up to TOL_WAITS percent (at least
# 1) fewer.  Times within TOL_WAITMS percent (+2 ms).
kwb_redirty() {
	kind=$1
	ctl "delay write 100"
	from=$(stat_lines)
	trace_on fuse_wait_writeback_end
	mmapwrite --size 2 --passes 4 --rewrite --verify $MNT/redirty-$kind.dat >/dev/null
	rc=$?
	check "[$kind] mmapwrite --rewrite 4 passes with 100 ms WRITE delay, data verified (rc=$rc)" test "$rc" = 0
	wait_until 30 temp_zero
	trace_off $W/trace.wait
	ctl "delay write 0"
	stat_settle
	set -- $(stat_sum "$from")
	waits=$4 wms=$5 twaits=$6
	tn=$(tfield $W/trace.wait fuse_wait_writeback_end wait_ns | wc -l)
	tms=$(tfield $W/trace.wait fuse_wait_writeback_end wait_ns | awk '{s += $1} END {printf "%.3f", s / 1e6}')
	diag "[$kind] re-dirty waits: fusewb $waits ($wms ms), mmapwrite's $twaits; tracepoint $tn ($tms ms)"
	check "[$kind] re-dirty waits counted ($waits)" test "$waits" -gt 0
	lo=$(awk -v t="$tn" -v p="$TOL_WAITS" 'BEGIN { d = int(t * p / 100); if (p > 0 && d < 1) d = 1; print t - d }')
	check "[$kind] re-dirty waits $waits vs tracepoint $tn (tolerance: [$lo, $tn])" \
		test "$waits" -ge "$lo" -a "$waits" -le "$tn"
	check "[$kind] re-dirty waits of the writer (per task) $twaits == per mount $waits" test "$twaits" = "$waits"
	check "[$kind] re-dirty wait time $wms ms vs tracepoint $tms ms (tolerance ${TOL_WAITMS}% + 2 ms)" \
		fcheck "a >= b * (1 - c / 100) - 2 && a <= b * (1 + c / 100) + 2" "$wms" "$tms" "$TOL_WAITMS"
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
# fuse_writepage_end).  With 2 MiB dirty in the mapping the connection is
# aborted, then the writer syncs: the kernel fills temp pages, fails to
# queue their WRITEs and frees them.  fusewb must stop counting them in
# flight after its 2 s sweep and count them orphaned: tolerance 0 pages
# against the tracepoints (allocated minus completed).  Last in a round:
# the mount is dead afterwards, nothing can be verified.
kwb_orphans() {
	kind=$1
	conn=$(awk -v m="$MNT" '$5 == m {split($3, d, ":"); print d[2]}' /proc/self/mountinfo)
	from=$(stat_lines)
	rm -f $W/mw.err
	mmapwrite --size 2 --hold 2 --sync msync $MNT/orphan-$kind.dat >$W/mw.out 2>$W/mw.err &
	mw=$!
	if ! wait_until 30 grep -q holding $W/mw.err; then
		notok "[$kind] mmapwrite reached its hold"
		kill $mw 2>/dev/null
		return
	fi
	trace_on fuse_writepage_tmp_alloc fuse_writepage_end
	echo 1 >/sys/fs/fuse/connections/$conn/abort
	wait $mw
	rc=$?
	check "[$kind] mmapwrite syncs 2 MiB after the connection is aborted, and exits (rc=$rc)" test "$rc" -lt 128
	check "[$kind] NR_WRITEBACK_TEMP back to 0 after the dropped WRITEs" wait_until 30 temp_zero
	trace_off $W/trace.orphan
	talloc=$(grep -c ' fuse_writepage_tmp_alloc: ' $W/trace.orphan)
	tend=$(tfield $W/trace.orphan fuse_writepage_end pages | awk '{s += $1} END {print s + 0}')
	dropped=$((talloc - tend))
	diag "[$kind] tracepoints: $talloc temp pages allocated, $tend completed: $dropped dropped"
	check "[$kind] the kernel dropped WRITEs unsent ($dropped temp pages)" test "$dropped" -gt 0
	# the sweep takes dead requests out 2 s after their allocation
	wait_until 15 orphans_settled "$from" "$dropped"
	set -- $(stat_sum "$(($(stat_lines) - 1))")
	check "[$kind] temp pages in flight back to 0 ($8) after the 2 s sweep" test "$8" = 0
	set -- $(stat_sum "$from")
	check "[$kind] orphaned temp pages $7 == dropped $dropped (tolerance 0)" test "$7" = "$dropped"
}

# One round: probe, then latency, stall, re-dirty and orphans under fusewb stat.
kwb_round() {
	kind=$1
	case "$kind" in
	auto) TOL_LAT=1 TOL_WAITS=0 TOL_WAITMS=1 ;;
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
