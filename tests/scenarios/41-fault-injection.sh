# Fault injection (fail-nth) with `ngfuzz faults`: every control command,
# every node type's messages, socket creation, the dumps, and frames through
# the nodes that copy them (hub, tee, bridge flooding, pipe duplication,
# delivery to a socket node), each made again and again with its 1st, 2nd,
# 3rd, ... kernel allocation failing until it makes no more allocations.
# Every injected failure must end in success, an error with extended-ACK
# text, or an out-of-memory error of the netlink core before the module saw
# the request; every copy of a frame arrives or is a counted drop; the graph
# stays consistent (every hook's peer points back, hook counts match, no
# stray socket node). Leaks (kmemleak) and reports are checked by the
# harness after the scenario. make stress raises the cap per command.
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

ip netns add fi
ip -n fi link add d0 type dummy
ip -n fi link set d0 up
rc=0
out=$(ip netns exec fi ngfuzz faults --max "${NG_FAULT_MAX:-400}" 2>&1) || rc=$?
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] || fail "fault injection (exit $rc): $(grep -E 'FAILED|^ngfuzz' <<<"$out")"
expect_match "$out" '^faults: [0-9]+ points over [0-9]+ cases, every one clean$' "fault-injection summary"
# The sweep reached the end of every command (no case hit the cap).
capped=$(grep -c ' points (capped)' <<<"$out" || true)
[ "$capped" -eq 0 ] || fail "$capped commands still allocating at the cap: $(grep ' points (capped)' <<<"$out")"
ip netns del fi
netns_settle
