# SPDX-License-Identifier: GPL-2.0-only
# The one comparison of a number fusewb reports with an instrument's.
#
#   t_near GOT REF TOL WHY DESCRIPTION   (GOT: fusewb's figure, REF: the instrument's)
#
# passes when |GOT - REF| <= TOL, where TOL is an absolute amount ("0",
# "5"), a share of REF ("2%"), or both ("3+1%": 3 plus 1 % of REF).  WHY
# says where the allowed difference comes from (or "same events" for 0);
# the TAP line carries both, and both values.  A GOT that is empty or
# null (fusewb could not know) fails: a missing number is not near anything.

t_near() {
	local got=$1 ref=$2 tol=$3 why=$4 desc=$5 r=1 bound
	bound=$(awk -v t="$tol" -v ref="$ref" 'BEGIN {
		a = 0; p = 0
		if (t ~ /%$/) { n = split(t, x, "+"); if (n == 2) { a = x[1]; p = x[2] } else p = t; sub(/%$/, "", p) }
		else a = t
		if (ref < 0) ref = -ref
		printf "%.6g", a + p / 100 * ref }')
	if [[ $got =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ && $ref =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
		awk -v a="$got" -v b="$ref" -v t="$bound" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' && r=0
	fi
	ok $r "$desc: ${got:-null} vs ${ref:-null} (within $tol: $why)"
}
