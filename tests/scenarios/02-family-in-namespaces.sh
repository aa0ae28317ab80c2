# The netgraph family is visible from different network namespaces, and each
# namespace has its own graph.
. tests/lib.sh

ip netns add nga
ip netns add ngb

# The first node of a new namespace gets ID 1: node IDs are per namespace.
out=$(ngctl -N probe_a -n nga list)
expect_match "$out" 'Name: probe_a +Type: socket +ID: 00000001 ' "first ID in nga"
out=$(ngctl -N probe_b -n ngb list)
expect_match "$out" 'Name: probe_b +Type: socket +ID: 00000001 ' "first ID in ngb"

for ns in nga ngb; do
	out=$(ngctl -n "$ns" types) || fail "ngctl -n $ns types"
	expect_match "$out" '^ +socket +1$' "socket count in $ns"
	# Also through `ip netns exec`, without -n.
	out=$(ip netns exec "$ns" ngctl list)
	expect_match "$out" '^There are 1 total nodes:$' "node count in $ns"
done

# Each namespace's listing shows only its own nodes, never the other
# namespaces' (a long-lived ngctl holds a node in the initial namespace).
sleep 100 | ngctl -N holder_init -f - &
for i in $(seq 50); do ngctl list | grep -q holder_init && break; sleep 0.1; done
out=$(ngctl list)
expect_match "$out" 'Name: holder_init ' "the initial namespace sees its node"
for ns in nga ngb; do
	out=$(ngctl -n "$ns" list)
	expect_match "$out" '^There are 1 total nodes:$' "$ns sees only the listing node"
	expect_no_match "$out" 'holder_init' "$ns listing"
done
pkill -f 'ngctl -N holder_init' || true

# -n also takes a path: the bind-mounted file, or a process's namespace.
out=$(ngctl -N by_path -n /run/netns/nga list)
expect_match "$out" 'Name: by_path +Type: socket' "-n /run/netns/nga"
ip netns exec ngb sleep 30 &
sleeper=$!
sleep 0.3
out=$(ngctl -n /proc/$sleeper/ns/net list)
expect_match "$out" '^There are 1 total nodes:$' "-n /proc/PID/ns/net"
ngctl -n /proc/$sleeper/ns/net -f - <<'S'
mkpeer . hub x y
name x marker
msg marker: setpersistent
S
ngctl -n ngb show -n marker: >/dev/null || fail "the path and the name reach the same graph"
kill $sleeper; wait $sleeper 2>/dev/null || true
expect_fail 71 "/run/netns/nosuch" ngctl -n nosuch list
ip netns del nga
ip netns del ngb
