#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# sshfs, a network FUSE daemon this project did not write, over a private
# sshd on loopback (tests/e2e/sshfs.bash): fusewb stat's writeback numbers
# against the bpftrace oracle on the same tracepoints (tests/oracle).
# And the fixture's second variant, sshd in a network namespace behind a
# veth pair: a link cut stalls the writer, the link's return releases it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
. "$(dirname "$0")/sshfs.bash"
need_root
sshfs_have

sshfs_start lo
ok $? "sshfs mounted from an sshd on 127.0.0.1:${SSH_PORT[lo]}"
mnt=${SSH_MNT[lo]}
t_like "$(ps -o comm= -p "${SSH_PID[lo]}") $(ps -o comm= -p "${SFTP_PID[lo]}")" "^ssh sftp-server$" \
	"its ssh client and sftp-server found"

oracle_mmap_round "$mnt" 16
f=$T_TMP/stat.json
t_like "$(q "$f" "$mnt" 'ms[0]["fstype"]')" "^fuse.sshfs$" "fs type from mountinfo"
t_like "$(q "$f" "$mnt" '[x["pid"] for x in ms[0]["daemons"]]')" "\\b${SSHFS_PID[lo]}\\b" "daemon found by its /dev/fuse file"
"$MMAPWRITE" --verify-only --size 16 "${SSH_REMOTE[lo]}/data" >/dev/null 2>&1
ok $? "the data on the server side is intact"

sshfs_start ns --netns
ok $? "sshfs mounted from an sshd in network namespace ${SSH_NETNS[ns]} at ${SSH_ADDR[ns]}"
mnt=${SSH_MNT[ns]}
conn=$(conn_of "$mnt")
# the cut comes while the writer holds its mapping dirty: it then waits in msync
start_writer ns 2 3
ssh_link_cut ns
ok $? "link cut (${SSH_CUT[ns]})"
wait_for "WRITEs to queue behind the cut link" 30 waiting_ge "$conn" 1
ok $? "WRITEs wait behind the cut link"
wait_for "the writer to block in msync" 20 in_msync "$WRITER"
ok $? "the writer blocks in msync"
ssh_link_restore ns
wait_exit "$WRITER" 90
t_cmp "$EXIT_RC" == 0 "the link back, the writer completes and its data verifies"
"$MMAPWRITE" --verify-only --size 2 "${SSH_REMOTE[ns]}/data" >/dev/null 2>&1
ok $? "the data on the server side is intact"
t_done
