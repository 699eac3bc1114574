#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The same view through the kprobe fallback, for kernels without the
# tracepoints: forced with --source kprobe on the patched kernel, whose
# tracepoints (read through tracefs) then check the fallback's numbers.
# The checks and their tolerances are in tests/vm/lib/kwb.sh.
# vm-timeout: 420
. /fusewb/tests/lib/kwb.sh
kwb_need_patched
if ! kwb_setup; then
	kwb_done
	exit 1
fi
kwb_round kprobe "--source kprobe"
kwb_done
