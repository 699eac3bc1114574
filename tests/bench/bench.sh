#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: every benchmark in tests/bench, one after the other.
set -u
cd "$(dirname "$0")"
rc=0
for b in storm.sh elim.sh startup.sh top_overhead.sh export_scrape.sh diagnose_time.sh; do
	[ -f "$b" ] || continue
	echo "== $b"
	bash "$b" || rc=1
done
exit $rc
