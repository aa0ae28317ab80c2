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

# Count of nodes of a type in `ngctl list` (column 4 is the type).
count_type() {
	ngctl ${NS:+-n "$NS"} list | awk -v t="$1" '$4 == t' | wc -l
}

# Starts an nghook on PATH HOOK in the background that writes a hex dump of
# each received frame to FILE; waits until it is connected.
# Usage: tap NAME PATH HOOK FILE  (sets TAP_PIDS)
TAP_PIDS=()
tap() {
	local path=$1 hook=$2 file=$3 i
	nghook -an ${NS:+-N "$NS"} "$path" "$hook" >"$file" 2>&1 &
	TAP_PIDS+=($!)
	for i in $(seq 100); do
		if ngctl ${NS:+-n "$NS"} show "$path" 2>/dev/null | awk '{print $1}' | grep -qx "$hook"; then
			return 0
		fi
		sleep 0.05
	done
	fail "nghook did not connect to $path$hook"
}

stop_taps() {
	local p
	for p in "${TAP_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${TAP_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
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
