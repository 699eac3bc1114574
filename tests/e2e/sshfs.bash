# SPDX-License-Identifier: GPL-2.0-only
# sshfs fixture for the end-to-end tests: a real network FUSE daemon.
# Sourced after tests/lib.sh; not a test itself (no .t suffix).
#
#   sshfs_start NAME [--netns] [--remote DIR] [sshfs -o options...]
#
# starts a private sshd (its own config, host key and user key in the test's
# temp dir; nothing under /etc/ssh or ~/.ssh is read or written) and mounts
# sshfs from it at $T_TMP/NAME/mnt, the server side being $T_TMP/NAME/remote.
# Without --netns the sshd listens on 127.0.0.1 on a free port.  With
# --netns it runs inside a network namespace this test creates, reached
# through a veth pair whose two addresses are the only ones configured, so
# the test can cut the link (ssh_link_cut) and bring it back
# (ssh_link_restore).  Afterwards:
#
#   SSH_MNT[NAME]     mount point         SSH_REMOTE[NAME]  server-side dir
#   SSHFS_PID[NAME]   the FUSE daemon     SSH_PID[NAME]     its ssh client
#   SSHD_PID[NAME]    the listening sshd  SFTP_PID[NAME]    the sftp-server
#   SSH_ADDR[NAME]    the sshd's address  SSH_PORT[NAME]    and port
#   SSH_NETNS[NAME]   the namespace ("" without --netns)
#
# On exit (t_cleanup) every process is resumed, a connection that still has
# waiting requests is aborted through fusectl, the mount lazily unmounted,
# the processes killed and the namespace deleted: nothing ever touches a
# mount point that may hang.

declare -A SSH_DIR SSH_MNT SSH_REMOTE SSHFS_PID SSH_PID SSHD_PID SFTP_PID SSH_ADDR SSH_PORT SSH_NETNS SSH_VETH

SFTP_SERVER=${SFTP_SERVER:-/usr/lib/openssh/sftp-server}

sshfs_have() {	# sshfs_have: skip the test when the tools are missing
	local t
	for t in sshfs ssh ssh-keygen /usr/sbin/sshd "$SFTP_SERVER"; do
		command -v "$t" >/dev/null ||
			skip_all "$t not installed (scripts/deps.sh installs sshfs and openssh-server)"
	done
}

# a TCP port nobody listens on at 127.0.0.1 (sshd_up retries if it is taken meanwhile)
ssh_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ssh_netns_up NAME: a namespace with one end of a veth pair; sets SSH_ADDR.
# The subnet is a /30 in 10.213.0.0/16 not configured anywhere on the host.
ssh_netns_up() {
	local name=$1 ns=fwbt$$$name i net a b
	ns=${ns:0:15}
	local vh=fwv$$h vn=fwv$$n
	for i in $(seq 0 255); do
		net=$(( ($$ * 4 + i * 4) % 65536 ))
		a=10.213.$((net / 256)).$((net % 256 + 1))
		b=10.213.$((net / 256)).$((net % 256 + 2))
		ip -o -4 addr show | grep -qF " $a/" || break
	done
	ip netns add "$ns" || return 1
	SSH_NETNS[$name]=$ns
	ip link add "$vh" type veth peer name "$vn" netns "$ns" || return 1
	SSH_VETH[$name]=$vh
	ip addr add "$a/30" dev "$vh" &&
	ip link set "$vh" up &&
	ip -n "$ns" addr add "$b/30" dev "$vn" &&
	ip -n "$ns" link set "$vn" up &&
	ip -n "$ns" link set lo up || return 1
	SSH_ADDR[$name]=$b
}

# ssh_link_cut NAME: every packet on the veth is lost (netem) or, without
# netem, the host side goes down.  ssh_link_restore NAME undoes either.
ssh_link_cut() {
	local vh=${SSH_VETH[$1]}
	if tc qdisc add dev "$vh" root netem loss 100% 2>/dev/null; then
		SSH_CUT[$1]=netem
	else
		ip link set "$vh" down && SSH_CUT[$1]=down
	fi
}
declare -A SSH_CUT
ssh_link_restore() {
	local vh=${SSH_VETH[$1]}
	case ${SSH_CUT[$1]:-} in
	netem) tc qdisc del dev "$vh" root 2>/dev/null ;;
	down) ip link set "$vh" up ;;
	esac
	SSH_CUT[$1]=
}

sshfs_start() {
	local name=$1 netns=0
	shift
	[ "${1:-}" = --netns ] && { netns=1; shift; }
	local d=$T_TMP/$name remote=$T_TMP/$name/remote
	[ "${1:-}" = --remote ] && { remote=$2; shift 2; }
	mkdir -p "$remote" "$d/mnt" || return 1
	chmod 700 "$d"
	SSH_DIR[$name]=$d
	SSH_MNT[$name]=$d/mnt
	SSH_REMOTE[$name]=$remote
	SSH_NETNS[$name]=
	T_CLEANUP_HOOKS+=("sshfs_cleanup_one $name")
	ssh-keygen -q -t ed25519 -N '' -C fusewb-test-host -f "$d/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -C fusewb-test-user -f "$d/user_key" &&
	cp "$d/user_key.pub" "$d/authorized_keys" || return 1
	# sshd's privilege separation directory (what the package's unit creates)
	mkdir -p /run/sshd

	local port addr run=()
	if [ $netns = 1 ]; then
		ssh_netns_up "$name" || return 1
		addr=${SSH_ADDR[$name]} port=22
		run=(ip netns exec "${SSH_NETNS[$name]}")
	else
		addr=127.0.0.1
	fi
	local try
	for try in 1 2 3 4 5; do
		[ $netns = 1 ] || port=$(ssh_free_port)
		cat > "$d/sshd_config" <<-EOF
		Port $port
		ListenAddress $addr
		HostKey $d/host_key
		PidFile $d/sshd.pid
		AuthorizedKeysFile $d/authorized_keys
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		UseDNS no
		ClientAliveInterval 0
		Subsystem sftp $SFTP_SERVER
		EOF
		rm -f "$d/sshd.pid"
		"${run[@]}" /usr/sbin/sshd -D -e -f "$d/sshd_config" > "$d/sshd.log" 2>&1 &
		SSHD_PID[$name]=$!
		T_BG_PIDS+=($!)
		for _ in $(seq 50); do
			grep -q 'Server listening' "$d/sshd.log" && break
			kill -0 "${SSHD_PID[$name]}" 2>/dev/null || break
			sleep 0.1
		done
		grep -q 'Server listening' "$d/sshd.log" && break
		kill "${SSHD_PID[$name]}" 2>/dev/null
		wait "${SSHD_PID[$name]}" 2>/dev/null
		SSHD_PID[$name]=
		[ $netns = 1 ] && break
	done
	if [ -z "${SSHD_PID[$name]}" ]; then
		sed 's/^/# sshd: /' "$d/sshd.log"
		return 1
	fi
	SSH_ADDR[$name]=$addr
	SSH_PORT[$name]=$port

	cat > "$d/ssh_config" <<-EOF
	Host *
	  Port $port
	  User root
	  IdentityFile $d/user_key
	  IdentitiesOnly yes
	  StrictHostKeyChecking no
	  UserKnownHostsFile $d/known_hosts
	  GlobalKnownHostsFile /dev/null
	  BatchMode yes
	  LogLevel ERROR
	  ServerAliveInterval 0
	EOF
	# -f: sshfs stays our child, so its pid is known; its ssh is started by it
	sshfs -f -F "$d/ssh_config" "$@" "root@$addr:$remote" "$d/mnt" > "$d/sshfs.log" 2>&1 &
	SSHFS_PID[$name]=$!
	T_BG_PIDS+=($!)
	local i
	for i in $(seq 100); do
		[ -n "$(conn_of "$d/mnt")" ] && break
		kill -0 "${SSHFS_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$(conn_of "$d/mnt")" ]; then
		sed 's/^/# sshfs: /' "$d/sshfs.log"
		return 1
	fi
	# sshfs may mount before its session is up: wait for both ends of it.
	# The ssh client (sshfs starts it detached: its parent is init) is the
	# one whose command line names our config; the sftp-server runs under
	# the session's sshd, under the listener.
	local s p
	for i in $(seq 100); do
		for p in $(pgrep -x ssh); do
			tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF "$d/ssh_config" && SSH_PID[$name]=$p
		done
		for s in $(pgrep -P "${SSHD_PID[$name]}"); do
			p=$(pgrep -P "$s" -x sftp-server | head -1)
			[ -n "$p" ] && SFTP_PID[$name]=$p
		done
		[ -n "${SSH_PID[$name]:-}" ] && [ -n "${SFTP_PID[$name]:-}" ] && return 0
		sleep 0.1
	done
	sed 's/^/# sshfs: /' "$d/sshfs.log"
	sed 's/^/# sshd: /' "$d/sshd.log"
	return 1
}

# every process of the fixture, for kill -CONT / kill
sshfs_pids() {
	local name=$1 p
	for p in "${SSH_PID[$name]:-}" "${SFTP_PID[$name]:-}" "${SSHFS_PID[$name]:-}" "${SSHD_PID[$name]:-}"; do
		[ -n "$p" ] && echo "$p"
	done
	[ -n "${SSHD_PID[$name]:-}" ] && pgrep -P "${SSHD_PID[$name]}"
}

sshfs_cleanup_one() {
	local name=$1 mnt=${SSH_MNT[$1]} conn p
	conn=$(conn_of "$mnt")
	for p in $(sshfs_pids "$name"); do kill -CONT "$p" 2>/dev/null; done
	[ -n "${SSH_CUT[$name]:-}" ] && ssh_link_restore "$name"
	if [ -n "$conn" ] && [ -e "/sys/fs/fuse/connections/$conn/waiting" ] &&
	   [ "$(cat "/sys/fs/fuse/connections/$conn/waiting" 2>/dev/null)" != 0 ]; then
		sleep 0.5
		[ "$(cat "/sys/fs/fuse/connections/$conn/waiting" 2>/dev/null)" != 0 ] &&
			echo 1 > "/sys/fs/fuse/connections/$conn/abort" 2>/dev/null
	fi
	[ -n "$conn" ] && { timeout 10 fusermount3 -u -z "$mnt" 2>/dev/null || timeout 5 umount -l "$mnt" 2>/dev/null; }
	local pids
	pids=$(sshfs_pids "$name")
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill $pids 2>/dev/null
	for _ in $(seq 20); do
		local alive=0
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	[ -n "${SSH_NETNS[$name]:-}" ] && ip netns del "${SSH_NETNS[$name]}" 2>/dev/null
	SSH_NETNS[$name]=
}

# start_writer NAME MiB [HOLD]: mmapwrite into NAME's mount ($WRITER);
# returns once the mapping is dirty and the writer holds it (sleeps HOLD
# seconds, 2 by default) before its msync, so a stall or a cut made now
# catches it in msync (in_msync PID; wait_for is tests/e2e/60-diagnose-lib.sh's)
start_writer() {
	local name=$1 size=$2
	"$MMAPWRITE" --size "$size" --hold "${3:-2}" --verify "${SSH_MNT[$name]}/data" > "$T_TMP/$name.writer" 2>&1 &
	WRITER=$!
	T_BG_PIDS+=($WRITER)
	holding() { grep -q nanosleep "/proc/$WRITER/stack" 2>/dev/null; }
	wait_for "the writer to dirty its mapping" 30 holding
}

in_msync() { grep -q __do_sys_msync "/proc/$1/stack" 2>/dev/null; }
