#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install every Debian package fusewb needs to build, demo and test.
# Each part of the project lists its packages in scripts/packages/*.txt
# (one name per line, '#' comments); this installs their union.
set -eu
cd "$(dirname "$0")/.."
pkgs=$(sed -e 's/#.*//' scripts/packages/*.txt | tr -s ' \n' '\n' | sort -u | grep -v '^$')
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"; done)
if [ -z "$missing" ]; then
	echo "deps: all $(echo "$pkgs" | wc -w) packages present"
	exit 0
fi
echo "deps: installing" $missing
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
