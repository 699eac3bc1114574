#!/usr/bin/env bash
# Boot each test kernel under qemu and run the guest tests (make vm-test).
#
# usage: kernel/vm-test.sh [FILE...]
#   FILE ending in .sh is run as a guest test (instead of tests/vm/*.sh);
#   any other FILE is added to the guest's /fusewb/bin.
#
# Every kernel of FUSEWB_VM_KERNELS (default: all of kernel/kernels, the
# patched 6.12 and Debian's 6.1) is built or taken from the cache by
# kernel/build.sh and booted with the same initramfs; a script that does
# not apply to a kernel says so ("1..0 # SKIP ...") and passes.
#
# Environment:
#   BUILD               project build dir (default <repo>/build); its fusewb,
#                       fusewbtop, testfs and mmapwrite go into the guest
#                       when they exist
#   FUSEWB_VM_BINS      more files for /fusewb/bin (space separated)
#   FUSEWB_VM_TESTS     guest test scripts (space separated; default
#                       tests/vm/*.sh, or the .sh arguments)
#   FUSEWB_VM_KERNELS   the kernels to boot (names in kernel/kernels/)
#   FUSEWB_KERNEL       boot only this bzImage instead of build.sh's
#   FUSEWB_VM_TIMEOUT   hard limit for a whole boot in seconds (default:
#                       120 + the sum of the scripts' own limits)
#   FUSEWB_VM_TEST_TIMEOUT  limit of a guest script without its own
#                       "# vm-timeout: SECONDS" line (300)
#   FUSEWB_VM_MEM, FUSEWB_VM_SMP  guest memory (1G) and cpus (2)
#   FUSEWB_VM_KVM=1     use KVM instead of TCG (only if /dev/kvm works)
#   FUSEWB_VM_APPEND    extra kernel command line
#   FUSEWB_VM_OUT       where the initramfs and, per kernel NAME, NAME/serial.log
#                       (the console) and NAME/result.log (the verdicts) go
#                       (default $BUILD/vm)
#
# The guest reports on its second serial port (result.log), which printk
# does not write to; the console log is for reading.
# Exit status: 0 if every guest reported FUSEWB-VM-RESULT: PASS, 1 if one
# reported FAIL, 2 if one reported no verdict (crash, hang -> timeout).
# The console log of a failed boot is printed.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-$FUSEWB_ROOT/build}
outdir=${FUSEWB_VM_OUT:-$BUILD/vm}
test_timeout=${FUSEWB_VM_TEST_TIMEOUT:-300}

bins=()
tests=()
for f in "$@"; do
	case "$f" in
	*.sh) tests+=("$f") ;;
	*) bins+=("$f") ;;
	esac
done
for b in fusewb fusewbtop testfs mmapwrite; do
	[ -x "$BUILD/$b" ] && bins+=("$BUILD/$b")
done
for b in ${FUSEWB_VM_BINS:-}; do bins+=("$b"); done
fm=$(command -v fusermount3 || true)
[ -n "$fm" ] && bins+=("$fm")
if [ -n "${FUSEWB_VM_TESTS:-}" ]; then
	# shellcheck disable=SC2206
	tests=(${FUSEWB_VM_TESTS})
elif [ ${#tests[@]} = 0 ]; then
	for t in "$FUSEWB_ROOT"/tests/vm/*.sh; do
		[ -e "$t" ] && tests+=("$t")
	done
fi
[ ${#tests[@]} -gt 0 ] || die "no guest tests (tests/vm/*.sh)"

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing (run kernel/deps.sh)"

# The VM's limit: boot and shutdown, plus each script's own (the guest
# init reads the same "# vm-timeout:" lines).
vm_timeout=${FUSEWB_VM_TIMEOUT:-}
if [ -z "$vm_timeout" ]; then
	vm_timeout=120
	for t in "${tests[@]}"; do
		lim=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$t" | head -n 1)
		vm_timeout=$((vm_timeout + ${lim:-$test_timeout}))
	done
fi

mkdir -p "$outdir"
initrd=$outdir/initramfs.cpio.gz
margs=(-o "$initrd")
for b in ${bins[@]+"${bins[@]}"}; do margs+=(--bin "$b"); done
for t in "${tests[@]}"; do margs+=(--test "$t"); done
# files the guest tests source (tests/vm/lib/*), at /fusewb/tests/lib/
for f in "$FUSEWB_ROOT"/tests/vm/lib/*; do
	[ -f "$f" ] && margs+=(--file "$f:/fusewb/tests/lib/${f##*/}")
done
"$KDIR/mkinitramfs.sh" "${margs[@]}"

# TCG by default: /dev/kvm may exist without working (nested virt), and a
# KVM guest that hangs in firmware only shows up as a timeout.
accel=(-accel tcg)
if [ "${FUSEWB_VM_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
fi
append="console=ttyS0 panic=-1 oops=panic loglevel=4 fusewb_test_timeout=$test_timeout ${FUSEWB_VM_APPEND:-}"

# One summary line per kernel: "vm-test 6.1 (linux-source-6.1 6.1.192-3):
# PASS (57/57 checks, 4 scripts, 62.0 s)".  Not the host runner's "N
# passed, N failed" form, which must stay the last such line of a CI run.
summary() {
	local res=$1 what=$2 pass fail scripts skipped
	pass=$(grep -caE '^ok [0-9]+' "$res" || true)
	fail=$(grep -caE '^not ok [0-9]+' "$res" || true)
	scripts=$(grep -caE '^FUSEWB-VM-TEST-END: ' "$res" || true)
	skipped=$(grep -caE '^FUSEWB-VM-TEST-END: .* SKIP' "$res" || true)
	echo "vm-test $what: $3 ($pass/$((pass + fail)) checks, $scripts scripts ($skipped skipped), ${secs} s)"
}

# boot NAME BZIMAGE DESCRIPTION: 0 PASS, 1 FAIL, 2 no verdict
boot() {
	local name=$1 kernel=$2 what=$3 dir=$outdir/$1 rc=0 verdict start end
	mkdir -p "$dir"
	serial=$dir/serial.log
	result=$dir/result.log
	rm -f "$serial" "$result"
	log "booting $name: $kernel (${accel[*]}, timeout ${vm_timeout}s), console: $serial, results: $result"
	start=$(date +%s.%N)
	timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
		"${accel[@]}" -display none -monitor none -no-reboot \
		-m "${FUSEWB_VM_MEM:-1G}" -smp "${FUSEWB_VM_SMP:-2}" \
		-serial stdio -serial "file:$result" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		</dev/null >"$serial" 2>&1 || rc=$?
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
	# the console ends lines with \r\n
	tr -d '\r' <"$serial" >"$serial.tmp" && mv "$serial.tmp" "$serial"
	touch "$result"
	verdict=$(grep -aE '^FUSEWB-VM-RESULT: ' "$result" | tail -n 1 || true)
	if [ "$verdict" = "FUSEWB-VM-RESULT: PASS" ]; then
		grep -aE '^(ok|not ok) |^FUSEWB-VM' "$result" >&2 || true
		log "PASS on $name: boot to verdict in ${secs}s"
		summary "$result" "$what" PASS
		return 0
	fi
	cat "$serial" >&2
	if [ -n "$verdict" ]; then
		log "FAIL on $name: guest verdict '$verdict' after ${secs}s"
		summary "$result" "$what" FAIL
		return 1
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		log "FAIL on $name: no verdict, guest killed after the ${vm_timeout}s timeout"
	else
		log "FAIL on $name: no verdict from the guest (qemu exit $rc after ${secs}s)"
	fi
	summary "$result" "$what" "FAIL (no verdict)"
	return 2
}

worst=0
note() { [ "$1" -gt "$worst" ] && worst=$1; return 0; }
if [ -n "${FUSEWB_KERNEL:-}" ]; then
	[ -s "$FUSEWB_KERNEL" ] || die "no kernel image at '$FUSEWB_KERNEL'"
	r=0
	boot custom "$FUSEWB_KERNEL" "custom ($FUSEWB_KERNEL)" || r=$?
	note "$r"
	exit "$worst"
fi
for k in ${FUSEWB_VM_KERNELS:-$FUSEWB_KVERS_ALL}; do
	FUSEWB_KVER=$k
	kernel_select
	resolve_version
	kernel=$("$KDIR/build.sh" "$k" | tail -n 1)
	[ -s "$kernel" ] || die "no kernel image for $k at '$kernel'"
	r=0
	boot "$k" "$kernel" "$k ($FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION$([ "$FUSEWB_PATCHED" = 1 ] && echo ', patched'))" || r=$?
	note "$r"
done
exit "$worst"
