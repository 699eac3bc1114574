#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewb probe names its sources; bad input gets one clear line and a non-zero exit.
. "$(dirname "$0")/../lib.sh"
need_root

out=$("$FUSEWB" probe --json 2>/dev/null)
ok $? "probe --json exits 0"
t_like "$out" "\"kernel\":\"$(uname -r)\"" "probe reports this kernel's release"
t_like "$out" '"name":"tp_btf:fuse_request_send","group":"requests","state":"in use"' "fuse_request_send in use"
t_like "$out" '"name":"kallsyms:fuse_writepage_end"[^}]*"state":"in use"' "writeback classification in use"
t_like "$(python3 -c 'import json,sys; json.loads(sys.argv[1]); print("valid")' "$out" 2>&1)" valid "probe JSON parses"

txt=$("$FUSEWB" probe 2>&1)
t_like "$txt" "tp_btf:fuse_request_end +in use" "text probe lists sources with state"

err=$("$FUSEWB" stat /definitely/not/a/fuse/mount -c 1 2>&1)
rc=$?
t_cmp $rc == 1 "unknown mount point exits 1"
t_like "$err" "not a FUSE mount point" "unknown mount point: clear message"

err=$(timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$FUSEWB" stat -c 1 2>&1)
rc=$?
t_cmp $rc != 0 "stat as an unprivileged user fails"
t_like "$err" "needs root" "unprivileged: says why"

err=$("$FUSEWB" stat -i 0 2>&1)
t_cmp $? == 2 "bad interval is a usage error"
t_like "$err" "invalid interval" "bad interval: clear message"

err=$("$FUSEWB" nosuchcommand 2>&1)
t_cmp $? == 2 "unknown command exits 2"

help=$("$FUSEWB" stat --help)
t_like "$help" "EXAMPLES:" "--help ends in EXAMPLES"
t_done
