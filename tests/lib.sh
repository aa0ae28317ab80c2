# Helpers for VM scenarios (sourced). Every helper fails the scenario with a
# message naming what was expected; a scenario passes when it exits 0.
set -euo pipefail

fail() {
	echo "FAILED: $*" >&2
	exit 1
}

# expect_eq ACTUAL EXPECTED [what]
expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# expect_match TEXT REGEX [what]
expect_match() {
	echo "$1" | grep -Eq -- "$2" || fail "${3:-output} does not match /$2/: $1"
}

# expect_no_match TEXT REGEX [what]
expect_no_match() {
	if echo "$1" | grep -Eq -- "$2"; then fail "${3:-output} matches /$2/: $1"; fi
}

# expect_fail STATUS ERRTEXT CMD... : the command fails with that exit
# status and its stderr contains ERRTEXT.
expect_fail() {
	local want=$1 text=$2 rc=0 err
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want (stderr: $err)"
	echo "$err" | grep -qF -- "$text" || fail "'$*' stderr lacks '$text': $err"
}

# Count of nodes of a type in `ngctl list` (column 4 is the type); fails
# the scenario when ngctl does (a missing graph is not "0 nodes").
count_type() {
	local out
	out=$(ngctl ${NS:+-n "$NS"} list) || fail "count_type $1: ngctl list failed"
	echo "$out" | awk -v t="$1" '$4 == t' | wc -l
}

# Starts an nghook on PATH HOOK in the background that writes a hex dump of
# each received frame to FILE; returns once it is connected (nghook -b).
# Usage: tap PATH HOOK FILE  (adds to TAP_PIDS)
TAP_PIDS=()
tap() {
	local path=$1 hook=$2 file=$3 pidf
	pidf=$(mktemp)
	# Appending: a scenario may empty the file while the tap runs.
	: >"$file"
	nghook -b -p "$pidf" -an ${NS:+-N "$NS"} "$path" "$hook" >>"$file" 2>&1 ||
		fail "nghook did not connect to $path$hook: $(cat "$file")"
	TAP_PIDS+=("$(cat "$pidf")")
	rm -f "$pidf"
}

# Whether process PID runs (a zombie does not: the taps' parent is init,
# and the VM's init may not reap them).
alive() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ]
}

stop_taps() {
	local p
	for p in "${TAP_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${TAP_PIDS[@]}"; do
		while alive "$p"; do sleep 0.05; done
	done
	TAP_PIDS=()
}

# Frames in a tap file (each frame's dump starts with "0000:").
frames() {
	grep -c '^0000:' "$1" || true
}

# Waits until FILE holds N frames (or fails after about 5 s).
wait_frames() {
	local file=$1 n=$2 i
	for i in $(seq 100); do
		[ "$(frames "$file")" -ge "$n" ] && return 0
		sleep 0.05
	done
	fail "$file has $(frames "$file") frames, expected $n"
}

# Number of hooks of the node at PATH (word 8 of show's first line).
num_hooks() {
	ngctl ${NS:+-n "$NS"} show -n "$1" | awk 'NR==1 {print $NF}'
}

# monitor_bg OUT [NGCTL_OPTS...] -- [COUNT]: starts `ngctl OPTS monitor
# COUNT` in the background writing to OUT (sets MON_PID) and returns once
# its subscription is in place (monitor -r), so no later event is missed.
monitor_bg() {
	local out=$1 ready i opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	ready=$(mktemp -u /tmp/ng-ready.XXXXXX)
	ngctl "${opts[@]}" monitor -r "$ready" "$@" >"$out" &
	MON_PID=$!
	for i in $(seq 200); do
		[ -e "$ready" ] && { rm -f "$ready"; return 0; }
		kill -0 "$MON_PID" 2>/dev/null || fail "ngctl monitor exited before subscribing"
		sleep 0.05
	done
	fail "ngctl monitor did not subscribe within 10 s"
}

# Waits until every network namespace deleted so far is really gone (their
# cleanup is asynchronous): the kernel cleans namespaces up in the order
# they die, so once a canary namespace deleted now has lost its veth (whose
# peer sits in this namespace), the earlier ones are done too.
netns_settle() {
	local c=ngsettle$$ i
	ip netns add "$c"
	ip link add "$c" type veth peer name "$c" netns "$c"
	ip netns del "$c"
	for i in $(seq 600); do
		ip link show "$c" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	fail "namespaces deleted earlier were not cleaned up within 30 s"
}

# wait_subscribed PID: waits until process PID (or one of its descendants:
# PID may be a subshell) has a generic netlink socket that joined a
# multicast group (/proc/net/netlink: protocol 16, non-zero groups), for
# subscribers that give no readiness signal of their own.
wait_subscribed() {
	local pid=$1 i inodes pids p
	for i in $(seq 400); do
		kill -0 "$pid" 2>/dev/null || fail "process $pid exited before subscribing"
		pids=$pid
		for p in $(seq 3); do pids="$pids $(for q in $pids; do pgrep -P "$q" || true; done)"; done
		inodes=$(for q in $pids; do ls -l /proc/"$q"/fd 2>/dev/null; done | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | sort -u | paste -sd'|')
		if [ -n "$inodes" ] && awk -v re="^($inodes)\$" '$2 == 16 && $4 != "00000000" && $10 ~ re { f = 1 } END { exit !f }' /proc/net/netlink; then
			return 0
		fi
		sleep 0.05
	done
	fail "process $pid did not subscribe within 20 s"
}
