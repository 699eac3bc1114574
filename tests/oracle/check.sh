# SPDX-License-Identifier: GPL-2.0-only
# Assertions that several tests make the same way: fusewb's figures against
# the instruments, through t_near.
#
#   oracle_check_writeback JSON MNT ORACLE CONN [TESTFS]
#       writeback WRITEs, bytes, errors, mean and max latency of MNT in
#       `fusewb stat --json` output JSON against fuse_requests.bt's run
#       ORACLE on connection CONN, and, when TESTFS names a testfs mount of
#       this test, the oracle against what testfs answered (its status must
#       be fresh: testfs_status).  For workloads whose WRITEs are all
#       writeback (a writeback-cache mount, or writes only through mmap):
#       the oracle sees every WRITE, fusewb only writeback ones.  Start the
#       oracle before fusewb and stop it after fusewb's last report
#       (stat_settle), so both saw the same requests.
#
#   oracle_mmap_round MNT MIB
#       one such round on a daemon of any kind: the oracle (run "req") and
#       `fusewb stat --json` ($T_TMP/stat.json) on MNT's connection while
#       mmapwrite writes MIB MiB through a mapping and verifies them; then
#       oracle_check_writeback and the pages in flight at the end, both
#       against the oracle.  Every WRITE of mmapwrite is a writeback WRITE.

oracle_check_writeback() {
	local json=$1 mnt=$2 o=$3 conn=$4 tfs=${5:-} n b e mean max why l
	l=${mnt%/mnt}
	l=${l##*/}	# the test's name for the mount: .../NAME/mnt
	n=$(oracle_n "$o" done "$conn" 16)
	b=$(oracle_n "$o" bytes "$conn" 16)
	e=$(oracle_n "$o" errors "$conn" 16)
	if [ -n "$tfs" ]; then
		t_near "$n" "$(testfs_stat "$tfs" write_replies)" 0 "each WRITE the kernel sent was answered once" \
			"instruments on $l: WRITEs seen by the oracle vs answered by testfs"
		t_near "$(oracle_n "$o" bytes_ok "$conn" 16)" "$(testfs_stat "$tfs" write_bytes)" 0 "the same WRITEs' payload" \
			"instruments on $l: bytes of WRITEs answered without error: oracle vs testfs"
		t_near "$e" "$(testfs_stat "$tfs" write_errors)" 0 "the same WRITEs' answers" \
			"instruments on $l: WRITE errors seen by the oracle vs answered by testfs"
	fi
	# what fusewb says it lost, to tell a miscount from a counted loss
	diag "fusewb drops during the run: $(q "$json" "$mnt" '{k: sum(l["drops"][k] for l in lines) for k in lines[0]["drops"]}')"
	why="same events: every WRITE of this workload is a writeback WRITE"
	t_near "$(q "$json" "$mnt" 'sum(m["writeback"]["writes"] for m in ms)')" "$n" 0 "$why" "stat: writeback WRITEs of $l vs oracle"
	t_near "$(q "$json" "$mnt" 'sum(m["writeback"]["bytes"] for m in ms)')" "$b" 0 "$why" "stat: writeback bytes of $l vs oracle"
	t_near "$(q "$json" "$mnt" 'sum(m["writeback"]["errors"] for m in ms)')" "$e" 0 "$why" "stat: writeback errors of $l vs oracle"
	# Both read the clock at the same two tracepoint calls, one program after
	# the other (a few µs), and stat prints 0.1 µs; the mean is exact, not
	# taken from the histogram, and so is the max.
	mean=$(awk -v s="$(oracle_n "$o" lat_sum_ns "$conn" 16)" -v n="$n" 'BEGIN { printf "%.1f", n ? s / n / 1e3 : 0 }')
	max=$(awk -v s="$(oracle_n "$o" lat_max_ns "$conn" 16)" 'BEGIN { printf "%.1f", s / 1e3 }')
	why="clock reads a few µs apart at the same tracepoint calls"
	t_near "$(q "$json" "$mnt" 'sum((m["writeback"]["latency_us"]["mean"] or 0) * m["writeback"]["writes"] for m in ms) / max(1, sum(m["writeback"]["writes"] for m in ms))')" \
		"$mean" "20+2%" "$why" "stat: mean writeback latency of $l (µs) vs oracle"
	t_near "$(q "$json" "$mnt" 'max([m["writeback"]["latency_us"]["max"] or 0 for m in ms] + [0])')" \
		"$max" "20+2%" "$why" "stat: max writeback latency of $l (µs) vs oracle"
	if [ -n "$tfs" ]; then
		t_cmp "$mean" ">=" "$(awk -v s="$(testfs_stat "$tfs" write_service_ns_sum)" -v n="$(testfs_stat "$tfs" write_replies)" \
			'BEGIN { printf "%.1f", n ? s / n / 1e3 : 0 }')" \
			"instruments on $l: the kernel's mean WRITE latency (oracle) includes testfs's own service time"
	fi
}

oracle_mmap_round() {
	local mnt=$1 mib=$2 conn f=$T_TMP/stat.json
	conn=$(conn_of "$mnt")
	oracle_start req fuse_requests "$conn"
	ok $? "bpftrace oracle attached to connection $conn"
	stat_bg "$f" "$mnt"
	ok $? "fusewb stat started"
	timeout 120 "$MMAPWRITE" --size "$mib" --verify "$mnt/data"
	ok $? "$mib MiB written through the mapping and verified"
	stat_settle
	ok $? "fusewb stat reported past the end of the workload"
	stat_stop
	oracle_stop req
	ok $? "oracle stopped and parsed"
	t_cmp "$(oracle_n req bytes "$conn" 16)" ">=" $((mib << 20)) "the oracle saw the $mib MiB written back"
	oracle_check_writeback "$f" "$mnt" req "$conn"
	t_near "$(q "$f" "$mnt" 'ms[-1]["writeback"]["inflight_pages"]')" "$(oracle_n req inflight_pages "$conn" 16)" 0 \
		"same events: pages of WRITEs sent and not answered" "writeback pages in flight at the end vs oracle"
}
