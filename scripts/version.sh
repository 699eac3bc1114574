#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The version fusewb reports (--version, fusewb_build_info): `git describe`
# of a release tag (vX.Y.Z) when there is one; else the VERSION file, with
# the commit it was built from when built from git (0.1.0+g93f1335); a
# tarball or a Debian source package has no .git and gets VERSION alone.
cd "$(dirname "$0")/.." || exit 1
if [ -d .git ] || [ -f .git ]; then
	if v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
		echo "${v#v}"
		exit 0
	fi
	if h=$(git rev-parse --short HEAD 2>/dev/null); then
		d=$(git diff --quiet HEAD -- 2>/dev/null || echo .dirty)
		echo "$(cat VERSION)+g$h$d"
		exit 0
	fi
fi
cat VERSION
