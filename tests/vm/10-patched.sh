#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# fusewb's kernel writeback view (temp pages in flight, WRITE latency,
# re-dirty waits) on the patched kernel: fusewb must prefer its tracepoints
# (fuse_writepage_tmp_alloc, fuse_writepage_end, fuse_wait_writeback_end).
# The checks and their tolerances are in tests/vm/lib/kwb.sh.
# vm-timeout: 420
. /fusewb/tests/lib/kwb.sh
kwb_need_patched
if ! kwb_setup; then
	kwb_done
	exit 1
fi
kwb_round auto
kwb_done
