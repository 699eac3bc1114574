#!/usr/bin/env bash
# Check the kernel patch series (make kernel-check), against the newest
# linux-source-6.12 apt offers (or the newest cached):
#  - every patch applies exactly (git apply, no fuzz) in order, and after
#    each one fs/fuse/ compiles with the fusewb config (tinyconfig +
#    kernel/fusewb.config, as kernel/build.sh configures the test kernel)
#    and W=1; a warning in fs/fuse is a failure, as is one in the
#    unpatched tree (reported as patch 0, so a patch is never blamed for it);
#  - scripts/checkpatch.pl --strict: 0 errors, 0 warnings, 0 checks on every
#    patch, except the checks the trace event macros of fs/fuse/fuse_trace.h
#    always draw in that file's layout (fields on their own lines, as the
#    file's own fuse_request_send/end: OPEN_ENDED_LINE on TP_STRUCT__entry(
#    and TP_fast_assign(, PARENTHESIS_ALIGNMENT on TP_PROTO); these are
#    listed and counted apart, any other check fails;
#  - every patch has a "fuse: " subject and our Signed-off-by.
# The compile results are cached: a stamp under $FUSEWB_CACHE/kcheck keyed
# by the source version, this script, the config fragment and the patches
# (names and contents).  With the stamp, only checkpatch and the commit
# message checks run again ("cached"); checkpatch then runs from a copy of
# the tree's checkpatch.pl with --no-tree, and so does the cold run, so
# both give the same output.  --force ignores the stamp.
# Exits non-zero if anything failed, after reporting every patch.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

force=0
for a in "$@"; do
	case "$a" in
	--force) force=1 ;;
	*) die "usage: $0 [--force]" ;;
	esac
done

command -v perl >/dev/null || die "perl is needed for checkpatch"
[ "$FUSEWB_PATCHED" = 1 ] || die "kernel $FUSEWB_KVER has no patch series to check"
resolve_version
start=$(date +%s)

key=$({
	echo "$FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION"
	sha256sum <"$0"
	sha256sum <"$FUSEWB_CONFIG_FRAGMENT"
	series_patches | while IFS= read -r p; do
		printf '%s ' "${p##*/}"
		sha256sum <"$p"
	done
} | sha256sum | cut -c1-16)
cdir=$FUSEWB_CACHE/kcheck
stamp=$cdir/$key.stamp
cpdir=$cdir/checkpatch-$FUSEWB_KSRC_VERSION
mkdir -p "$cdir"

work=$(mktemp -d "${TMPDIR:-/tmp}/fusewb-kcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Copy checkpatch and the data files it reads from its own directory.
save_checkpatch() {
	local src=$1 tmp=$cpdir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	cp "$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch" "$tmp/"
	rm -rf "$cpdir"
	mv "$tmp" "$cpdir"
}

fail=0
cached=
if [ "$force" = 0 ] && [ -s "$stamp" ]; then
	cached=" (cached: $stamp)"
	log "compile results cached for this series and source: $key"
	cat "$stamp"
	if grep -q '^not ok' "$stamp"; then fail=$((fail + 1)); fi
	if [ ! -s "$cpdir/checkpatch.pl" ]; then
		deb=$(fetch_source_deb)
		mkdir -p "$work/cp"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$FUSEWB_KSRC_TARBALL" |
			tar -xJ -C "$work/cp" --wildcards "*/scripts/checkpatch.pl" \
				"*/scripts/spelling.txt" "*/scripts/const_structs.checkpatch"
		save_checkpatch "$work/cp/$FUSEWB_KSRC_DIR"
	fi
else
	for t in make gcc bc bison flex git; do
		command -v "$t" >/dev/null || die "missing tool '$t' (run kernel/deps.sh)"
	done
	deb=$(fetch_source_deb)
	log "unpacking $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION"
	unpack_source "$deb" "$work"
	src=$work/$FUSEWB_KSRC_DIR
	obj=$work/obj
	save_checkpatch "$src"
	log "configuring (tinyconfig + ${FUSEWB_CONFIG_FRAGMENT##*/}) and preparing the tree"
	clog=$work/config.log
	{
		make -C "$src" O="$obj" tinyconfig
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
			"$FUSEWB_CONFIG_FRAGMENT"
		make -C "$src" O="$obj" olddefconfig
		make -C "$src" O="$obj" -j"$(nproc)" prepare
	} >"$clog" 2>&1 || { tail -n 30 "$clog" >&2; die "configuring the tree failed"; }
	grep -q '^CONFIG_FUSE_FS=y' "$obj/.config" || die "CONFIG_FUSE_FS did not take effect"

	res=$work/results
	: >"$res"
	# Compile fs/fuse; "ok"/"not ok" line N for what was just applied.
	compile() {
		local n=$1 what=$2 out=$work/compile.$1.log warn
		if ! make -C "$src" O="$obj" -j"$(nproc)" W=1 fs/fuse/ >"$out" 2>&1; then
			echo "not ok $n - $what: fs/fuse does not compile"
			grep -E 'error|warning' "$out" | head -n 20 | sed 's/^/#   /'
			return 1
		fi
		warn=$(grep -cE '(^|/)fs/fuse/[^:]*:[0-9]+:[0-9]+: warning:' "$out" || true)
		if [ "$warn" != 0 ]; then
			echo "not ok $n - $what: fs/fuse compiles with $warn W=1 warning(s)"
			grep -E 'fs/fuse/.*warning:' "$out" | sed 's/^/#   /'
			return 1
		fi
		echo "ok $n - $what: fs/fuse compiles, W=1 clean"
	}
	compile 0 "unpatched $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION" >>"$res" || true
	n=0
	while IFS= read -r p; do
		n=$((n + 1))
		if ! GIT_CEILING_DIRECTORIES=$work \
			git -C "$src" apply --whitespace=error-all "$p" 2>"$work/apply.log"; then
			{
				echo "not ok $n - ${p##*/}: does not apply to $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION (the newest apt offers): rebase kernel/patches onto it"
				sed 's/^/#   /' "$work/apply.log"
			} >>"$res"
			break
		fi
		compile "$n" "${p##*/}" >>"$res" || true
	done < <(series_patches)
	[ "$n" -gt 0 ] || die "no patches in $KDIR/patches"
	cat "$res"
	if grep -q '^not ok' "$res"; then
		fail=$((fail + 1))
	fi
	mv "$res" "$stamp.tmp.$$"
	mv "$stamp.tmp.$$" "$stamp"
fi

# checkpatch: the layout checks of fuse_trace.h's event macros apart.
layout='^CHECK:(OPEN_ENDED_LINE|PARENTHESIS_ALIGNMENT): .*FILE: fs/fuse/fuse_trace.h:'
n=0
while IFS= read -r p; do
	n=$((n + 1))
	res=$(perl "$cpdir/checkpatch.pl" --no-tree --strict --show-types "$p" 2>&1) || true
	total=$(printf '%s\n' "$res" | grep -E '^total: ' || true)
	# one line per finding: "TYPE: message ... FILE: path:line"
	finds=$(printf '%s\n' "$res" | awk '
		/^(ERROR|WARNING|CHECK):/ { if (f != "") print f; f = $0; next }
		/^#[0-9]+: FILE: / && f != "" { sub(/^#[0-9]+: /, ""); f = f " " $0; print f; f = ""; next }
		/^$/ { if (f != "") print f; f = "" }
		END { if (f != "") print f }')
	nlayout=$(printf '%s\n' "$finds" | grep -cE "$layout" || true)
	other=$(printf '%s\n' "$finds" | grep -E '^(ERROR|WARNING|CHECK):' | grep -vE "$layout" || true)
	if [ -z "$total" ]; then
		echo "not ok $n - checkpatch --strict: ${p##*/}: no result"
		printf '%s\n' "$res" | sed 's/^/#   /'
		fail=$((fail + 1))
	elif [ -n "$other" ]; then
		echo "not ok $n - checkpatch --strict: ${p##*/}: $total"
		printf '%s\n' "$res" | sed 's/^/#   /'
		fail=$((fail + 1))
	else
		note=
		[ "$nlayout" = 0 ] || note=" ($nlayout: the trace event layout of fuse_trace.h)"
		echo "ok $n - checkpatch --strict: ${p##*/}: $total$note"
	fi
	if ! grep -q '^Subject: \[PATCH.*\] fuse: ' "$p"; then
		echo "not ok $n - ${p##*/}: subject does not start with 'fuse: '"
		fail=$((fail + 1))
	fi
	if ! grep -q '^Signed-off-by: fusewb developers <dev@fusewb.invalid>$' "$p"; then
		echo "not ok $n - ${p##*/}: missing Signed-off-by"
		fail=$((fail + 1))
	fi
done < <(series_patches)
echo "kernel-check: $n patches against $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION, each compiling fs/fuse (W=1)$cached, $fail problem(s), $(($(date +%s) - start)) s"
[ "$fail" = 0 ]
