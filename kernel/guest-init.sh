#!/bin/sh
# fusewb guest init (PID 1 in the test VM; installed as /init by
# kernel/mkinitramfs.sh).  Mounts the pseudo filesystems, runs every
# /fusewb/tests/*.sh in name order, each in its own session with its own
# timeout, and reports on the second serial port (/dev/ttyS1, a file on the
# host that printk never writes to): each script's output, then
#   FUSEWB-VM-TEST-END: NAME PASS|FAIL rc=N|SKIP
#   FUSEWB-VM-RESULT: PASS        or        FUSEWB-VM-RESULT: FAIL <n>
# (n = failed test scripts, plus 1 if the kernel logged a WARNING/BUG).
# The console (ttyS0) gets the same lines among the kernel's messages.
# Then the machine powers off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/fusewb/bin:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TMPDIR=/tmp FUSEWB_BIN=/fusewb/bin FUSEWB_VM=1
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mkdir -p /root /etc
[ -e /etc/mtab ] || ln -s /proc/self/mounts /etc/mtab
hostname fusewb-vm
# loopback for the tests that scrape fusewb export
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null

# Options from the kernel command line (unknown key=value parameters are
# passed to init as environment variables).
default_timeout=${fusewb_test_timeout:-300}
RES=/dev/ttyS1
if ! stty -F $RES raw -echo 2>/dev/null && ! [ -c $RES ]; then
	echo "FUSEWB-VM: no $RES: verdicts on the console only"
	RES=/dev/null
fi
# a line to the result channel and the console
say() {
	echo "$*" >$RES
	echo "$*"
}

# A script's own limit: a "# vm-timeout: SECONDS" line in it (the host adds
# these up for the VM's limit), else fusewb_test_timeout.
script_timeout() {
	t=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-$default_timeout}"
}

# Run SCRIPT in its own session (a process group, so that its background
# processes go with it) into LOG; kill the group after LIMIT seconds.
# Prints the exit status, 124 on timeout.
run_script() {
	(cd /tmp && exec setsid sh "$1") >"$2" 2>&1 &
	pid=$!
	ticks=$(($3 * 5))
	while kill -0 "$pid" 2>/dev/null && [ "$ticks" -gt 0 ]; do
		sleep 0.2
		ticks=$((ticks - 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM -"$pid" 2>/dev/null
		ticks=50	# 10 s for its cleanup traps
		while kill -0 "$pid" 2>/dev/null && [ "$ticks" -gt 0 ]; do
			sleep 0.2
			ticks=$((ticks - 1))
		done
		kill -KILL -"$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo 124
		return
	fi
	wait "$pid"
	echo $?
}

# What a killed script left behind must not break the next one.
reap_leftovers() {
	awk '$3 ~ /^fuse/ {print $2}' /proc/mounts | while read -r m; do
		echo "FUSEWB-VM: unmounting leftover FUSE mount $m"
		umount -l "$m" 2>/dev/null
	done
}

say "FUSEWB-VM: kernel $(uname -r), $(nproc) cpu(s), $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
start=$(cut -d' ' -f1 /proc/uptime)
fail=0
ntests=0
mkdir -p /tmp/vm-out
for t in /fusewb/tests/*.sh; do
	[ -e "$t" ] || continue
	ntests=$((ntests + 1))
	name=${t##*/}
	limit=$(script_timeout "$t")
	say "FUSEWB-VM-TEST-BEGIN: $name (timeout ${limit}s)"
	t0=$(cut -d' ' -f1 /proc/uptime)
	rc=$(run_script "$t" "/tmp/vm-out/$name" "$limit")
	t1=$(cut -d' ' -f1 /proc/uptime)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
	cat "/tmp/vm-out/$name" >$RES
	cat "/tmp/vm-out/$name"
	reap_leftovers
	if [ "$rc" = 0 ]; then
		# a script that does not apply here prints only "1..0 # SKIP reason"
		if grep -q '^1\.\.0 # SKIP' "/tmp/vm-out/$name"; then
			say "FUSEWB-VM-TEST-END: $name SKIP (${secs} s)"
		else
			say "FUSEWB-VM-TEST-END: $name PASS (${secs} s)"
		fi
	else
		[ "$rc" = 124 ] && say "FUSEWB-VM-TEST: $name timed out after ${limit}s"
		say "FUSEWB-VM-TEST-END: $name FAIL rc=$rc (${secs} s)"
		fail=$((fail + 1))
	fi
done
if [ "$ntests" = 0 ]; then
	say "FUSEWB-VM: no test scripts in /fusewb/tests"
	fail=$((fail + 1))
fi
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace' >/dev/null; then
	say "FUSEWB-VM: kernel log shows a WARNING/BUG:"
	dmesg | tail -n 80
	dmesg | tail -n 80 >$RES
	fail=$((fail + 1))
elif [ "$fail" != 0 ]; then
	echo "FUSEWB-VM: last kernel messages:"
	dmesg | tail -n 30
fi
end=$(cut -d' ' -f1 /proc/uptime)
say "FUSEWB-VM: tests took $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s, uptime ${end} s"
sync
if [ "$fail" = 0 ]; then
	say "FUSEWB-VM-RESULT: PASS"
else
	say "FUSEWB-VM-RESULT: FAIL $fail"
fi
poweroff -f
# not reached unless power-off failed; panic=-1 + -no-reboot ends qemu
echo o >/proc/sysrq-trigger 2>/dev/null
exit 1
