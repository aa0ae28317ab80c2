# Scale: the most hooks one node may have (16 384) on one hub, and one more
# refused with a reason and no kernel warning; NG_SCALE nodes (3 000 under make test on
# the sanitizer kernel, 100 000 with make stress) listed through a dump.
. tests/lib.sh
N=${NG_SCALE:-3000}

ip netns add big
NS=big
# 16 384 hooks: 8 192 self-links on one persistent hub.
{
	echo "mkpeer . hub tmp a"
	echo "name tmp many"
	echo "msg many: setpersistent"
	echo "rmhook tmp"
	for i in $(seq 8192); do echo "connect many: many: a$i b$i"; done
} | ngctl -n big -f -
expect_eq "$(num_hooks many:)" 16384 "hooks on one hub"
expect_fail 71 "too many hooks" ngctl -n big connect many: many: x y
expect_fail 71 "too many hooks" ngctl -n big mkpeer many: hub x y
expect_eq "$(num_hooks many:)" 16384 "hooks on one hub after the refusals"
out=$(ngctl -n big show many:)
expect_eq "$(echo "$out" | wc -l)" 16387 "show lines (header, 2 title lines, 16384 hooks)"
# Room for the writer's hook.
ngctl -n big rmhook many: a8192
expect_eq "$(num_hooks many:)" 16382 "hooks after removing one self-link"
# A frame into it floods through every self-link, bounded by the budget:
# the hub drops (and counts) what is over it, and still answers.
drops() { ngctl -n big -j list | jq '.[] | select(.name == "many") | .loop_drops'; }
expect_eq "$(drops)" 0 "loop drops before the flood"
rc=0
err=$(printf 'connect . many: w src\nwrite w 1 2 3\n' | ngctl -n big -f - 2>&1) || rc=$?
[ $rc -eq 0 ] || expect_match "$err" "forwarding loop" "write into the flood (status $rc)"
d=$(drops)
[ "$d" -gt 0 ] || fail "the flood was not cut by the delivery budget (loop_drops $d)"
echo "# one frame into 8191 self-links: $d copies dropped over the budget"
expect_eq "$(num_hooks many:)" 16382 "hooks after the flood"
ngctl -n big shutdown many:

# N nodes: a chain of hubs built by ID (IDs are sequential in a new
# namespace: ngctl's node is 1, so the first hub is 2).
ip netns del big
ip netns add big
awk -v n="$N" 'BEGIN {
	print "mkpeer . hub tmp a";
	for (i = 2; i < n + 1; i++) printf "mkpeer [%x]: hub b a\n", i;
}' > /tmp/chain
t0=$(date +%s)
ngctl -n big -f /tmp/chain
echo "# $N mkpeer through one ngctl -f: $(($(date +%s) - t0)) s"
out=$(ngctl -n big list | sed -n 1p)
# N hubs and the listing ngctl's own node.
expect_eq "$out" "There are $((N + 1)) total nodes:" "listing $N hubs"
t0=$(date +%s.%N)
expect_eq "$(ngctl -n big list | wc -l)" $((N + 2)) "lines listed"
echo "# listing $((N + 1)) nodes: $(echo "$(date +%s.%N) - $t0" | bc) s"
expect_eq "$(ngctl -n big -j list | jq '[.[] | select(.type == "hub")] | length')" "$N" "JSON listing"
ip netns del big
