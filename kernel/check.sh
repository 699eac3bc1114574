#!/usr/bin/env bash
# Check the kernel patch series (make kernel-check):
#  - against the newest linux-source-6.12 apt offers (or the newest cached),
#  - every patch applies exactly (git apply, no fuzz) in order,
#  - scripts/checkpatch.pl --strict reports 0 errors, 0 warnings and
#    0 checks on every patch.
# Exits non-zero on the first kind of failure, after reporting all patches.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

command -v perl >/dev/null || die "perl is needed for checkpatch"
[ "$FUSEWB_PATCHED" = 1 ] || die "kernel $FUSEWB_KVER has no patch series to check"
resolve_version
deb=$(fetch_source_deb)
work=$(mktemp -d "${TMPDIR:-/tmp}/fusewb-kcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "unpacking $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION"
unpack_source "$deb" "$work"
src=$work/$FUSEWB_KSRC_DIR
apply_series "$src"

fail=0
n=0
while IFS= read -r p; do
	n=$((n + 1))
	res=$(cd "$src" && perl scripts/checkpatch.pl --strict \
		--show-types "$p" 2>&1) || true
	total=$(printf '%s\n' "$res" | grep -E '^total: ' || true)
	if printf '%s\n' "$total" | grep -qE '^total: 0 errors, 0 warnings, 0 checks'; then
		echo "ok $n - checkpatch --strict: ${p##*/}"
	else
		echo "not ok $n - checkpatch --strict: ${p##*/}: ${total:-no result}"
		printf '%s\n' "$res" | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
	# A proper commit message: fuse: subject and our sign-off.
	if ! grep -q '^Subject: \[PATCH.*\] fuse: ' "$p"; then
		echo "not ok $n - ${p##*/}: subject does not start with 'fuse: '"
		fail=$((fail + 1))
	fi
	if ! grep -q '^Signed-off-by: fusewb developers <dev@fusewb.invalid>$' "$p"; then
		echo "not ok $n - ${p##*/}: missing Signed-off-by"
		fail=$((fail + 1))
	fi
done < <(series_patches)
echo "kernel-check: $n patches apply to $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION, $fail problem(s)"
[ "$fail" = 0 ]
