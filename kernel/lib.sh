# shellcheck shell=bash
# Common settings for the fusewb kernel harness; sourced by kernel/*.sh.
#
# The patch series is written against exactly this Debian source package.
# Changing it is a deliberate act: update kernel/README and re-check the
# series with `make kernel-check`.
FUSEWB_KSRC_PKG=linux-source-6.12
FUSEWB_KSRC_VERSION=6.12.117-1~deb12u1
FUSEWB_KSRC_TARBALL=usr/src/linux-source-6.12.tar.xz
FUSEWB_KSRC_DIR=linux-source-6.12
# Upstream version the Debian package contains (checked against the Makefile)
FUSEWB_KSRC_UPSTREAM=6.12.117

# Bump when the build recipe changes in a way that changes the output.
FUSEWB_RECIPE=1

KDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts sourcing this
FUSEWB_ROOT=$(cd "$KDIR/.." && pwd)
FUSEWB_CACHE=${FUSEWB_CACHE:-/var/cache/fusewb}
FUSEWB_CONFIG_FRAGMENT=$KDIR/fusewb.config

log() { printf '[%s] %s\n' "${0##*/}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# The patches of the series, in order (the cover letter carries no diff).
series_patches() {
	local p
	for p in "$KDIR"/patches/*.patch; do
		[ -e "$p" ] || continue
		case "${p##*/}" in 0000-cover-letter.patch) continue ;; esac
		printf '%s\n' "$p"
	done
}

# Download the pinned source package into the cache (once) and print the
# path of the .deb.  Fails clearly if apt offers a different version.
fetch_source_deb() {
	local dir=$FUSEWB_CACHE/apt deb ver
	deb=$dir/${FUSEWB_KSRC_PKG}_${FUSEWB_KSRC_VERSION//:/%3a}_all.deb
	if [ ! -s "$deb" ]; then
		mkdir -p "$dir"
		ver=$(apt-cache policy "$FUSEWB_KSRC_PKG" 2>/dev/null |
			awk '/Candidate:/ {print $2}')
		if [ "$ver" != "$FUSEWB_KSRC_VERSION" ]; then
			die "apt offers $FUSEWB_KSRC_PKG version '${ver:-none}' but the series is pinned to $FUSEWB_KSRC_VERSION (run apt-get update? if Debian moved on, rebase kernel/patches and update kernel/lib.sh + kernel/README)"
		fi
		log "downloading $FUSEWB_KSRC_PKG=$FUSEWB_KSRC_VERSION"
		(cd "$dir" && apt-get download "$FUSEWB_KSRC_PKG=$FUSEWB_KSRC_VERSION" >&2) ||
			die "apt-get download $FUSEWB_KSRC_PKG=$FUSEWB_KSRC_VERSION failed"
		[ -s "$deb" ] || deb=$(ls -1 "$dir"/"${FUSEWB_KSRC_PKG}"_*.deb 2>/dev/null | head -n1)
	fi
	[ -s "$deb" ] || die "no $FUSEWB_KSRC_PKG .deb in $dir"
	ver=$(dpkg-deb -f "$deb" Version)
	[ "$ver" = "$FUSEWB_KSRC_VERSION" ] ||
		die "$deb is version $ver, expected $FUSEWB_KSRC_VERSION"
	printf '%s\n' "$deb"
}

# Unpack the kernel source from the .deb into DEST (which must not exist).
unpack_source() {
	local deb=$1 dest=$2 mk
	mkdir -p "$dest"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$FUSEWB_KSRC_TARBALL" |
		tar -xJ -C "$dest" || die "unpacking $deb failed"
	mk=$dest/$FUSEWB_KSRC_DIR/Makefile
	[ -f "$mk" ] || die "$FUSEWB_KSRC_DIR/Makefile missing after unpack"
	local v
	v=$(awk '/^VERSION =/ {a=$3} /^PATCHLEVEL =/ {b=$3} /^SUBLEVEL =/ {c=$3} END {print a "." b "." c}' "$mk")
	[ "$v" = "$FUSEWB_KSRC_UPSTREAM" ] ||
		die "unpacked source is $v, expected $FUSEWB_KSRC_UPSTREAM"
}

# Apply the series to the tree in DIR; fails on any patch that does not
# apply exactly (no fuzz, no offsets tolerated by git apply).
apply_series() {
	local dir=$1 p n=0
	while IFS= read -r p; do
		n=$((n + 1))
		GIT_CEILING_DIRECTORIES=$(dirname "$dir") \
			git -C "$dir" apply --whitespace=error-all "$p" ||
			die "patch ${p##*/} does not apply to $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION"
	done < <(series_patches)
	[ "$n" -gt 0 ] || die "no patches in $KDIR/patches"
	log "applied $n patches"
}

# Cache key: source version + recipe + config fragment + patches.
cache_key() {
	{
		echo "$FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION recipe $FUSEWB_RECIPE"
		sha256sum <"$FUSEWB_CONFIG_FRAGMENT"
		series_patches | while IFS= read -r p; do
			printf '%s ' "${p##*/}"
			sha256sum <"$p"
		done
	} | sha256sum | cut -c1-16
}
