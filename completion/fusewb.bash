# SPDX-License-Identifier: GPL-2.0-only
# bash completion for fusewb and fusewbtop: commands, each command's options
# (read from its --help, so they never drift from the program), option
# arguments, and FUSE mount points, fs types and connections from
# /proc/self/mountinfo.  Like fusewb itself it never looks at a mount point
# (no filename completion): a hung daemon must not hang the shell.

# _fusewb_mounts: mount points (unescaped), fs types and, with "conn",
# connection numbers of the FUSE mounts in /proc/self/mountinfo
_fusewb_mounts()
{
	local line pre post fs dev mp
	while IFS= read -r line; do
		pre=${line%% - *}
		post=${line#* - }
		fs=${post%% *}
		case $fs in fuse | fuse.* | fuseblk) ;; *) continue ;; esac
		set -- $pre
		dev=$3 mp=$5
		mp=${mp//\\040/ }
		mp=${mp//\\011/	}
		mp=${mp//\\012/$'\n'}
		mp=${mp//\\134/\\}
		printf '%s\n' "$mp" "$fs"
		# the connection number is the dev_t, as /sys/fs/fuse/connections names it
		[ "$_fusewb_conn" = 1 ] && printf '%s\n' $((${dev%:*} * 1048576 + ${dev#*:}))
	done < /proc/self/mountinfo
}

# _fusewb_help_opts PROG CMD: "--long -s" options, then "=" and those that take an argument
_fusewb_help_opts()
{
	"$1" "$2" --help 2>/dev/null | sed -n 's/^  *\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z0-9.-]*\)\(\[\{0,1\}[ =][A-Z][A-Z]*\)\{0,1\}.*/\1\2 \3/p'
}

_fusewb()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= prog=${COMP_WORDS[0]} cmd= i w
	local opts= argopts= line short long arg eq=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [ "${prog##*/}" = fusewbtop ]; then
		cmd=top
	else
		for ((i = 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			case $w in -*) ;; *) cmd=$w; break ;; esac
		done
		if [ -z "$cmd" ]; then
			COMPREPLY=($(compgen -W "probe stat top export diagnose --help --version" -- "$cur"))
			return 0
		fi
	fi
	case $prog in */*) ;; *) prog=$(type -P "$prog") || prog=fusewb ;; esac
	[ "${prog##*/}" = fusewbtop ] && prog=${prog%top}	# "fusewb top --help"
	while IFS= read -r line; do
		read -r short long arg <<<"${line//,/ }"
		[ -z "$long" ] && long=$short short=
		[ "$long" = "${long#--}" ] && { arg=$long long=$short short=; }
		opts+=" $short $long"
		[ -n "$arg" ] && [ "${arg:0:1}" != "[" ] && argopts+=" $short $long "
	done < <(_fusewb_help_opts "$prog" "$cmd")
	# --opt=VALUE is one word for bash unless '=' splits it
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*} cur=${cur#*=} eq=$prev=
	elif [ "$cur" = = ] || [ "$prev" = = ]; then
		[ "$cur" = = ] && cur=
		prev=${COMP_WORDS[COMP_CWORD - 2]}
		[ "${COMP_WORDS[COMP_CWORD - 1]}" = = ] || prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi
	case " $argopts " in
	*" $prev "*)
		case $prev in
		-s | --source) COMPREPLY=($(compgen -W "tracepoint fentry kprobe auto" -- "$cur")) ;;
		--user) COMPREPLY=($(compgen -u -- "$cur")) ;;
		esac
		# without '=' in COMP_WORDBREAKS the reply replaces the whole --opt=value word
		[ -n "$eq" ] && COMPREPLY=("${COMPREPLY[@]/#/$eq}")
		return 0
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return 0
	fi
	[ "$cmd" = probe ] && return 0
	local _fusewb_conn=0 m
	[ "$cmd" = diagnose ] && _fusewb_conn=1
	while IFS= read -r m; do
		[[ $m == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$m")")
	done < <(_fusewb_mounts | sort -u)
	return 0
}
complete -F _fusewb fusewb fusewbtop
