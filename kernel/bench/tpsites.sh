#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Static half of the disabled cost: what the series adds to the functions it
# touches, from the objects of fs/fuse built without and with it.
#
# usage: kernel/bench/tpsites.sh UNPATCHED_DIR PATCHED_DIR
#   (directories with dev.o, dir.o and file.o of fs/fuse, same config)
#
# Per function: instructions before -> after, the tracepoint sites (each
# site's guard: with CONFIG_JUMP_LABEL a 5-byte NOP patched into a jump
# when the event is enabled; without it a load of the key's enabled count,
# a test and a branch), and the atomics (lock-prefixed instructions) and
# clock reads (calls to ktime_*/sched_clock/local_clock, rdtsc) before ->
# after: the series must add sites only.  Then each site's guard with the
# instructions around it.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 UNPATCHED_DIR PATCHED_DIR" >&2; exit 2; }
unp=$1 pat=$2
funcs="file.o:fuse_wait_on_page_writeback file.o:fuse_writepage_args_page_fill
file.o:fuse_writepage_end file.o:fuse_writepage_free dir.o:fuse_set_nowrite
dev.o:fuse_dev_queue_req dev.o:fuse_request_assign_unique dev.o:fuse_send_one
dev.o:fuse_dev_do_read dev.o:fuse_dev_do_read.constprop.0"

# disassembly of FUNC in OBJ with relocations, or nothing if not out of line
dis() {
	objdump -dr --no-show-raw-insn "$1" 2>/dev/null |
		awk -v f="<$2>:" '$2 == f { p = 1; next } p && /^$/ { p = 0 } p'
}
insns() { grep -cE '^ +[0-9a-f]+:	' || true; }
locks() { grep -cE '^ +[0-9a-f]+:	lock ' || true; }
clocks() { grep -cE 'R_X86_64_PLT32	(ktime_get[a-z_]*|sched_clock|local_clock)-|rdtsc' || true; }
# tracepoint guards: a key load (no jump labels) or a jump label NOP site
# or a call of trace_X() when the compiler did not inline it (-Os does that
# to an event with several callers): then the site costs a call and a return
sites() { grep -cE 'R_X86_64_PC32	__tracepoint_[a-z_]+\+0x4$|R_X86_64_PC32	__SCK__tp_func|	(call|jmp) +[0-9a-f]+ <trace_fuse_' || true; }

# jump label sites (CONFIG_JUMP_LABEL): __jump_table entries of 16 bytes,
# code at +0 (.text+X), key at +8; print "X KEY" for those in [FROM, TO)
jl_sites() {
	{ objdump -r -j __jump_table "$1" 2>/dev/null || true; } | awk -v from="$2" -v to="$3" '
		function hex(h,   i, v, c) { v = 0; h = tolower(h); sub(/^0x/, "", h)
			for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
			return v }
		$2 ~ /^R_X86_64_PC/ {
			off = hex($1); e = int(off / 16); r = off - e * 16
			if (r == 0 && $3 ~ /^\.text\+/) code[e] = hex(substr($3, 7))
			if (r == 8) { k = $3; sub(/\+0x[0-9a-f]+$/, "", k); key[e] = k }
		}
		END { for (e in code) if (code[e] >= from && code[e] < to)
			printf "%x %s\n", code[e], key[e] }' | sort
}
# "FROM TO" of FUNC in OBJ (nm -S)
range() {
	nm -S "$1" 2>/dev/null | awk -v f="$2" '
		function hex(h,   i, v, c) { v = 0; h = tolower(h); sub(/^0x/, "", h)
			for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
			return v }
		$4 == f {
		a = hex($1); printf "%d %d\n", a, a + hex($2) }'
}
jl_count() {
	local r
	r=$(range "$1" "$2")
	[ -n "$r" ] || { echo 0; return; }
	# shellcheck disable=SC2086 # FROM TO
	jl_sites "$1" $r | grep -c __tracepoint_ || true
}

printf '%-34s %-14s %-7s %-9s %-9s\n' function instructions sites atomics clocks
for fo in $funcs; do
	o=${fo%%:*} f=${fo#*:}
	a=$(dis "$unp/$o" "$f") b=$(dis "$pat/$o" "$f")
	na=$(printf '%s' "$a" | insns) nb=$(printf '%s' "$b" | insns)
	[ -n "$a" ] || na=-
	[ -n "$b" ] || nb=-
	printf '%-34s %-14s %-7s %-9s %-9s\n' "$f" "$na -> $nb" \
		"$(($(printf '%s' "$a" | sites) + $(jl_count "$unp/$o" "$f")))->$(($(printf '%s' "$b" | sites) + $(jl_count "$pat/$o" "$f")))" \
		"$(printf '%s' "$a" | locks)->$(printf '%s' "$b" | locks)" \
		"$(printf '%s' "$a" | clocks)->$(printf '%s' "$b" | clocks)"
done
echo
echo "tracepoint guards in the patched objects (the instructions run per site while the event is off):"
for fo in $funcs; do
	o=${fo%%:*} f=${fo#*:}
	r=$(range "$pat/$o" "$f")
	if [ -n "$r" ]; then
		# shellcheck disable=SC2086 # FROM TO
		jl_sites "$pat/$o" $r | { grep __tracepoint_ || true; } | while read -r at key; do
			printf '  %s, %s: jump label site (a NOP from boot on, a jump while enabled):\n    %s\n' \
				"$f" "${key#__tracepoint_}" \
				"$(objdump -d "$pat/$o" | grep -E "^ +$at:" | head -n 1)"
		done
	fi
	dis "$pat/$o" "$f" | grep -E '	(call|jmp) +[0-9a-f]+ <trace_fuse_' |
		sed "s/^/  $f calls the out-of-line guard: /" || true
	dis "$pat/$o" "$f" | awk -v f="$f" '
		{ line[NR] = $0 }
		/R_X86_64_PC32	__tracepoint_[a-z_]+\+0x4$/ {
			ev = $NF; sub(/\+0x4$/, "", ev); sub(/^__tracepoint_/, "", ev)
			printf "  %s, %s:\n", f, ev
			# the load, and the test and branch after it
			for (i = NR - 1; i <= NR + 6 && i > 0; i++) if (i < NR) print "    " line[i]
			want = 3
		}
		want > 0 && /^ +[0-9a-f]+:	/ && !/R_X86_64/ {
			if (seen++ < 8) print "    " $0
			if ($0 ~ /	j[a-z]+ /) { want = 0; seen = 0 }
		}'
done
for o in dev.o dir.o file.o; do
	for t in $(nm "$pat/$o" | awk '$2 == "t" && $3 ~ /^trace_fuse_/ { print $3 }'); do
		echo "  out of line in $o: $t():"
		dis "$pat/$o" "$t" | grep -vE 'R_X86_64' | head -n 8 | sed 's/^/    /'
	done
done
