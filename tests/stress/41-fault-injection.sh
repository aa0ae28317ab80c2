# Fault injection (fail-nth): for each control command, and for frames
# through the nodes that copy them, the 1st, 2nd, ... allocation the kernel
# makes for it fails, until the command makes no more. Every injected
# failure must end in a clean error (ngctl exit 71 with a message) or in
# success (a counted drop, a fallback); the graph stays consistent (every
# hook has its peer, and the hook count is even); nothing leaks (kmemleak
# at the end of the run); no kernel report (checked after the scenario).
. tests/lib.sh

F=/sys/kernel/debug
for f in failslab fail_page_alloc; do
	[ -d $F/$f ] || fail "no $F/$f (CONFIG_FAILSLAB/FAIL_PAGE_ALLOC)"
	# Sleeping allocations too, and quietly (the defaults inject only
	# atomic ones and print a stack trace for each).
	echo N >$F/$f/ignore-gfp-wait
	echo 0 >$F/$f/verbose
done
# Not the tool's own page faults (user pages are highmem allocations).
echo Y >$F/fail_page_alloc/ignore-gfp-highmem
echo 0 >$F/fail_page_alloc/min-order
# Which allocations fail: under make test a spread (1, 2, 3, 4, 6, 8, 11,
# ... up to 128: each a separate run of the command), under make stress
# (NG_FAULT_EVERY=1) every one up to 400.
if [ "${NG_FAULT_EVERY:-0}" = 1 ]; then
	points_list=$(seq 400)
else
	points_list="1 2 3 4 6 8 11 16 22 32 45 64 90 128"
fi

ip netns add fi
NS=fi
# Hooks come in pairs (an edge half made or half removed would leave an odd
# count), and the listing works.
consistent() {
	local hooks
	hooks=$(ngctl -n fi -j list | jq '[.[] | .hooks] | add') || fail "list after $1"
	[ $((hooks % 2)) -eq 0 ] || fail "odd number of hooks ($hooks) after $1"
}
total=0
# sweep NAME SETUP COMMAND...: SETUP (an ngctl script) builds what the
# command needs; what is left afterwards is torn down by shutting every
# node but ngctl's own down.
sweep() {
	local name=$1 setup=$2 n rc err points=0 done=0
	shift 2
	for n in $points_list; do
		[ -z "$setup" ] || ngctl -n fi -f - <<<"$setup" >/dev/null || fail "$name: setup"
		rc=0
		err=$(NGCTL_FAIL_NTH=$n timeout 60 ngctl -n fi "$@" 2>&1 >/dev/null) || rc=$?
		case $rc in
		0) ;;
		71) expect_match "$err" '^ngctl: .+' "$name, allocation $n fails: error text" ;;
		*) fail "$name, allocation $n fails: exit $rc: $err" ;;
		esac
		consistent "$name (allocation $n)"
		ngctl -n fi -j list | jq -r '.[] | select(.type != "socket" or .hooks > 0) | "shutdown [\(.id)]:"' |
			awk '{ sub(/\[[0-9]+\]/, sprintf("[%x]", substr($2, 2) + 0)); print }' |
			ngctl -n fi -f - >/dev/null 2>&1 || true
		case $err in *"fail-nth: not reached"*) done=1; break ;; esac
		points=$((points + 1))
	done
	[ $points -gt 0 ] || fail "$name: no allocation was failed"
	if [ $done = 1 ]; then
		echo "# $name: $points injection points, up to the command's last allocation"
	else
		echo "# $name: $points injection points"
	fi
	total=$((total + points))
}
hub='mkpeer . hub h a
name .:h hb
msg hb: setpersistent
rmhook . h'
sweep "mkpeer hub" "" mkpeer . hub a b
sweep "mkpeer eiface" "" mkpeer . eiface e ether
sweep "mkpeer bridge" "" mkpeer . bridge b link0
sweep "mkpeer pipe" "" mkpeer . pipe p upper
sweep "connect" "$hub" connect hb: hb: x y
sweep "name" "$hub" name hb: other
sweep "rmhook" "$hub
connect hb: hb: x y" rmhook hb: x
sweep "shutdown" "$hub
mkpeer hb: tee t left" shutdown hb:
sweep "bridge setconfig" "mkpeer . bridge b link0
name .:b br
msg br: setpersistent" msg br: setconfig '{ debugLevel=1 loopTimeout=10 }'
sweep "pipe setcfg" "mkpeer . pipe p upper
name .:p pp" msg pp: setcfg '{ bandwidth=1000000 delay=100 upstream={ queuelen=10 } }'
# Frames: a hub copies one to each other link, a tee to its taps.
printf 'connect . fh: w in\nwrite w 1 2 3 4\n' >/tmp/fi-write
sweep "write through hub" "mkpeer . hub h in
name .:h fh
mkpeer fh: hub a x
mkpeer fh: hub b x
mkpeer fh: tee c right" -f /tmp/fi-write
echo "# fault injection: $total injection points, every one a clean error or success"
ip netns del fi
