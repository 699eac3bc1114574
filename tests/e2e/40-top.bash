# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the fusewbtop tests (40-top*.t): run it in a private tmux
# server at a fixed size and read the pane as plain text.
TOP=$BUILD/fusewbtop
TMUX_SOCK=fwbtop-test-$$

tm() { tmux -L "$TMUX_SOCK" "$@"; }

# tm_start NAME COLS ROWS COMMAND...: a detached session; the pane stays after exit
tm_start() {
	local name=$1 cols=$2 rows=$3
	shift 3
	tm new-session -d -s "$name" -x "$cols" -y "$rows" "$*" &&
		tm set-option -t "$name" remain-on-exit on >/dev/null
}

tm_cap() { tm capture-pane -p -t "$1"; }

# tm_wait NAME REGEX [SECONDS=10]: until the pane matches; prints the capture
tm_wait() {
	local name=$1 re=$2 end=$((SECONDS + ${3:-10})) cap
	while :; do
		cap=$(tm_cap "$name")
		if [[ $cap =~ $re ]] || [ $SECONDS -ge $end ]; then
			printf '%s\n' "$cap"
			[[ $cap =~ $re ]]
			return
		fi
		sleep 0.2
	done
}

# pane_val CAPTURE MOUNT_REGEX COLUMN: a cell of the table on the screen
pane_val() {
	awk -v re="$2" -v col="$3" '
		/^MOUNTPOINT / { for (i = 1; i <= NF; i++) idx[$i] = i; h = 1; next }
		h && $1 ~ re && (col in idx) { print $(idx[col]); exit }' <<<"$1"
}

# pane_title_time CAPTURE: HH:MM:SS of the title line
pane_title_time() { sed -n '1s/^fusewbtop \([0-9:]*\) .*/\1/p' <<<"$1"; }

tm_cleanup() { tm kill-server 2>/dev/null; }
trap 'tm_cleanup; t_cleanup' EXIT
