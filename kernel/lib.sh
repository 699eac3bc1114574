# shellcheck shell=bash
# Common settings for the fusewb kernel harness; sourced by kernel/*.sh.
#
# Which kernel: kernel/kernels/NAME describes it (the Debian source series,
# whether kernel/patches applies, an extra config fragment).  The version
# is the newest apt offers for that series at build time (security updates
# replace point releases often), recorded in the cache key and key.txt.
FUSEWB_KVER=${FUSEWB_KVER:-6.12}
FUSEWB_KVERS_ALL="6.12 6.1"	# what make vm-test boots, in order

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

# Read kernel/kernels/$FUSEWB_KVER: sets FUSEWB_KSRC_PKG, _TARBALL, _DIR,
# FUSEWB_PATCHED and FUSEWB_CONFIG_EXTRA (a fragment file or empty).
kernel_select() {
	local def=$KDIR/kernels/$FUSEWB_KVER
	[ -f "$def" ] || die "no kernel '$FUSEWB_KVER' (kernels: $(cd "$KDIR/kernels" && echo *))"
	KSERIES= KPATCHED= KCONFIG_EXTRA=
	# shellcheck disable=SC1090
	. "$def"
	FUSEWB_KSRC_PKG=linux-source-$KSERIES
	FUSEWB_KSRC_TARBALL=usr/src/linux-source-$KSERIES.tar.xz
	FUSEWB_KSRC_DIR=linux-source-$KSERIES
	FUSEWB_PATCHED=$KPATCHED
	FUSEWB_CONFIG_EXTRA=${KCONFIG_EXTRA:+$KDIR/$KCONFIG_EXTRA}
	FUSEWB_KSRC_VERSION=
}

# The newest version of the series: apt's candidate; offline (no apt
# lists), the newest .deb already in the cache.  Sets FUSEWB_KSRC_VERSION.
resolve_version() {
	local dir=$FUSEWB_CACHE/apt ver deb
	[ -n "$FUSEWB_KSRC_VERSION" ] && return 0
	ver=$(apt-cache policy "$FUSEWB_KSRC_PKG" 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		deb=$(ls -1 "$dir/${FUSEWB_KSRC_PKG}"_*_all.deb 2>/dev/null |
			while IFS= read -r d; do printf '%s %s\n' "$(dpkg-deb -f "$d" Version)" "$d"; done |
			sort -V | tail -n 1 | cut -d' ' -f1)
		[ -n "$deb" ] || die "apt offers no $FUSEWB_KSRC_PKG and none is cached in $dir (run apt-get update)"
		log "apt offers no $FUSEWB_KSRC_PKG: using the newest cached, $deb"
		ver=$deb
	fi
	FUSEWB_KSRC_VERSION=$ver
}

# Download the source package of FUSEWB_KSRC_VERSION into the cache (once)
# and print the path of the .deb.
fetch_source_deb() {
	local dir=$FUSEWB_CACHE/apt deb ver
	resolve_version
	deb=$dir/${FUSEWB_KSRC_PKG}_${FUSEWB_KSRC_VERSION//:/%3a}_all.deb
	if [ ! -s "$deb" ]; then
		mkdir -p "$dir"
		log "downloading $FUSEWB_KSRC_PKG=$FUSEWB_KSRC_VERSION"
		(cd "$dir" && apt-get download "$FUSEWB_KSRC_PKG=$FUSEWB_KSRC_VERSION" >&2) ||
			die "apt-get download $FUSEWB_KSRC_PKG=$FUSEWB_KSRC_VERSION failed"
	fi
	[ -s "$deb" ] || die "no $FUSEWB_KSRC_PKG .deb in $dir"
	ver=$(dpkg-deb -f "$deb" Version)
	[ "$ver" = "$FUSEWB_KSRC_VERSION" ] ||
		die "$deb is version $ver, expected $FUSEWB_KSRC_VERSION"
	printf '%s\n' "$deb"
}

# Unpack the kernel source from the .deb into DEST (which must not exist).
# The upstream version in its Makefile must be the Debian version's.
unpack_source() {
	local deb=$1 dest=$2 mk v want=${FUSEWB_KSRC_VERSION%%-*}
	mkdir -p "$dest"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$FUSEWB_KSRC_TARBALL" |
		tar -xJ -C "$dest" || die "unpacking $deb failed"
	mk=$dest/$FUSEWB_KSRC_DIR/Makefile
	[ -f "$mk" ] || die "$FUSEWB_KSRC_DIR/Makefile missing after unpack"
	v=$(awk '/^VERSION =/ {a=$3} /^PATCHLEVEL =/ {b=$3} /^SUBLEVEL =/ {c=$3} END {print a "." b "." c}' "$mk")
	[ "$v" = "$want" ] ||
		die "unpacked source is $v, expected $want (from $FUSEWB_KSRC_VERSION)"
}

# Apply the series to the tree in DIR; fails on any patch that does not
# apply exactly (no fuzz, no offsets tolerated by git apply).
apply_series() {
	local dir=$1 p n=0
	while IFS= read -r p; do
		n=$((n + 1))
		GIT_CEILING_DIRECTORIES=$(dirname "$dir") \
			git -C "$dir" apply --whitespace=error-all "$p" ||
			die "patch ${p##*/} does not apply to $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION (the newest apt offers): rebase kernel/patches onto it"
	done < <(series_patches)
	[ "$n" -gt 0 ] || die "no patches in $KDIR/patches"
	log "applied $n patches"
}

# Cache key: source version + recipe + config fragment(s) + patches (a
# kernel without extra fragment or patches hashes only what it has, so the
# 6.12 key is what it was before kernels were selectable).
cache_key() {
	resolve_version
	{
		echo "$FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION recipe $FUSEWB_RECIPE"
		sha256sum <"$FUSEWB_CONFIG_FRAGMENT"
		if [ -n "$FUSEWB_CONFIG_EXTRA" ]; then sha256sum <"$FUSEWB_CONFIG_EXTRA"; fi
		if [ "$FUSEWB_PATCHED" = 1 ]; then
			series_patches | while IFS= read -r p; do
				printf '%s ' "${p##*/}"
				sha256sum <"$p"
			done
		else
			echo unpatched
		fi
	} | sha256sum | cut -c1-16
}

kernel_select
