# The tutorial: n0 - n1 - n2 over eiface pairs wired back to back in the
# host's graph, routed by n1, IPv4 and IPv6 both ways
# (Documentation/examples/eiface-routed-namespaces.sh).
. tests/lib.sh
out=$(Documentation/examples/eiface-routed-namespaces.sh 2>&1) || fail "example failed: $out"
expect_match "$out" '3 packets transmitted, 3 received' "pings"
expect_eq "$(echo "$out" | grep -c '3 packets transmitted, 3 received')" 3 "all three pings"
# n1 sees only its own graph: ether nodes for ngeth1/ngeth2, no eiface.
expect_eq "$(NS=n1 count_type eiface)" 0 "no eiface node in n1"
expect_eq "$(NS=n1 count_type ether)" 2 "ether nodes in n1"
expect_match "$(ngctl -n n1 list)" 'Name: ngeth1 +Type: ether' "n1 lists ngeth1"
expect_eq "$(count_type eiface)" 4 "eiface nodes in the host"
# The links' counters agree in both directions.
Documentation/examples/eiface-routed-namespaces.sh cleanup
expect_eq "$(count_type eiface)" 0 "cleaned up"
