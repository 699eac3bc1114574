#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# fusewb's request view on a kernel without the request tracepoints (Debian
# 12's own 6.1): fentry, else kprobes, on queue_request_and_unlock and
# fuse_request_end; then each kind forced with --source.  The checks and
# their tolerances are in tests/vm/lib/req.sh.  On a kernel with the
# tracepoints (the patched 6.12) 10-12 cover the same with tracefs as the
# referee, and this script skips.
# vm-timeout: 300
. /fusewb/tests/lib/kwb.sh
. /fusewb/tests/lib/req.sh
if [ -d $T/events/fuse ] && [ -r $T/events/fuse/fuse_request_send/format ]; then
	echo "1..0 # SKIP $(uname -r) has the fuse_request_send/end tracepoints (tests/vm/1*.sh cover it)"
	exit 0
fi
if ! kwb_setup; then
	kwb_done
	exit 1
fi
for kind in auto fentry kprobe; do
	req_round "$kind"
done
kwb_done
