# eiface across namespaces: the node stays home when its interface moves,
# frames keep flowing, the interface comes home when its namespace dies,
# shutdown removes it wherever it is, and the node's own namespace takes
# both with it - also while traffic flows and when both die at once.
. tests/lib.sh
trap stop_taps EXIT

orphans() { ip -o link | grep -c ' dev[0-9]*[:@]' || true; }

# A pair connected back to back; one end moves to n1.
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e ether
ngctl connect ngeth0: ngeth1: ether ether
ip netns add n1
ip link set ngeth1 netns n1
expect_eq "$(count_type eiface)" 2 "nodes stay home"
# FreeBSD: the moved interface gets an ether node in its new namespace.
expect_eq "$(NS=n1 count_type ether)" 1 "ether node in n1"
expect_eq "$(NS=n1 count_type eiface)" 0 "no eiface node in n1"
# Unit 1 is free as an interface name here, but its node still has the
# name: the next eiface is ngeth2, named after its interface.
ngctl mkpeer . eiface e ether
expect_eq "$(ngctl msg ngeth2: getifname | awk '$1 == "Args:" {print $2}')" '"ngeth2"' "next eiface skips the moved one's unit"
expect_eq "$(count_type eiface)" 3 "three eiface nodes"
# In n1 the moved interface holds the name ngeth1 (its ether node renamed,
# so only the interface name is in the way): n1's eifaces are 0 and 2.
ngctl -n n1 name ngeth1: moved
ngctl -n n1 mkpeer . eiface e ether
ngctl -n n1 mkpeer . eiface e ether
expect_match "$(ngctl -n n1 list)" 'Name: ngeth0 +Type: eiface' "n1's first eiface"
expect_match "$(ngctl -n n1 list)" 'Name: ngeth2 +Type: eiface' "n1's second eiface skips ngeth1"
ngctl -n n1 shutdown ngeth0:
ngctl -n n1 shutdown ngeth2:
ngctl -n n1 name moved: ngeth1
ngctl shutdown ngeth2:
ip addr add 10.1.0.1/24 dev ngeth0
ip link set ngeth0 up
ip -n n1 addr add 10.1.0.2/24 dev ngeth1
ip -n n1 link set ngeth1 up
ip -n n1 link set lo up
ping -c 2 -i 0.3 -W 2 10.1.0.2 >/dev/null || fail "ping across namespaces"
ip netns exec n1 ping -c 2 -i 0.3 -W 2 10.1.0.1 >/dev/null || fail "ping back"

# n1 dies: ngeth1 comes home (and keeps its name and node).
ip netns del n1
for i in $(seq 50); do ip link show ngeth1 >/dev/null 2>&1 && break; sleep 0.1; done
ip link show ngeth1 >/dev/null 2>&1 || fail "ngeth1 did not come home"
expect_eq "$(orphans)" 0 "no orphaned devN"
expect_eq "$(ngctl msg ngeth1: getifname | awk '$1 == "Args:" {print $2}')" '"ngeth1"' "node still drives it"
expect_eq "$(ngctl list | grep -c "Name: ngeth. *Type: ether")" 0 "no ether node for a home eiface"

# Shutdown removes the interface wherever it is.
ip netns add n2
ip link set ngeth1 netns n2
ngctl shutdown ngeth1:
if ip -n n2 link show ngeth1 2>/dev/null; then fail "ngeth1 survived shutdown in n2"; fi
expect_eq "$(NS=n2 count_type ether)" 0 "n2's ether node went with the device"
ip netns del n2
ngctl shutdown ngeth0:

# The node's own namespace dies: its interface goes too, wherever it is.
ip netns add h3
ip netns add v3
ngctl -n h3 mkpeer . eiface e ether
ip -n h3 link set ngeth0 netns v3
ip netns del h3
for i in $(seq 50); do ip -n v3 link show ngeth0 >/dev/null 2>&1 || break; sleep 0.1; done
if ip -n v3 link show ngeth0 2>/dev/null; then fail "interface outlived its node's namespace"; fi
ip netns del v3

# Both at once, with traffic: a pair homed in h4, ends in v4 and w4,
# pinging while both namespaces and the home go.
ip netns add h4; ip netns add v4; ip netns add w4
ngctl -n h4 mkpeer . eiface e ether
ngctl -n h4 mkpeer . eiface e ether
ngctl -n h4 connect ngeth0: ngeth1: ether ether
ip -n h4 link set ngeth0 netns v4
ip -n h4 link set ngeth1 netns w4
ip -n v4 addr add 10.4.0.1/24 dev ngeth0; ip -n v4 link set ngeth0 up
ip -n w4 addr add 10.4.0.2/24 dev ngeth1; ip -n w4 link set ngeth1 up
ip netns exec v4 ping -c 2 -i 0.2 -W 2 10.4.0.2 >/dev/null || fail "ping v4 -> w4"
ip netns exec v4 ping -f -w 3 10.4.0.2 >/tmp/flood 2>&1 &
pinger=$!
# The flood is under way before the namespaces go.
for i in $(seq 100); do
	[ "$(ip netns exec w4 cat /sys/class/net/ngeth1/statistics/rx_packets)" -gt 20 ] && break
	sleep 0.05
done
ip netns del w4 & d1=$!
ip netns del v4 & d2=$!
ip netns del h4 & d3=$!
for p in $d1 $d2 $d3; do wait $p || fail "ip netns del failed"; done
# ping exits when its deadline passes (the namespace it runs in lives on
# until then); it must have flooded, not failed to start.
wait $pinger || true
expect_match "$(cat /tmp/flood)" '[1-9][0-9]* packets transmitted' "the flood ran during the teardown"
# Only now are the three namespaces really gone.
netns_settle
expect_eq "$(orphans)" 0 "no orphaned devN after simultaneous teardown"
expect_eq "$(ip -o link | grep -c ngeth)" 0 "no ngeth left"
expect_eq "$(count_type eiface)" 0 "no eiface node left"
