# Device events the graph causes itself are not lost, and a namespace's
# teardown cannot race with its devices (issue 15, holes a and b).
. tests/lib.sh

# a1. An eiface whose node was renamed comes home under a name that is free
# again, so it gets an ether node; shutting the eiface down unregisters the
# device while the graph is busy: the ether node must go with it (before,
# it kept the freed device and getifname read freed memory).
ip netns add ha; ip netns add x
NS=ha
ngctl -n ha mkpeer . eiface e ether
ngctl -n ha name ngeth0: e0
ip -n ha link set ngeth0 netns x
ip -n x link set ngeth0 netns ha
expect_eq "$(count_type ether)" 1 "ether node for the eiface that came home"
expect_eq "$(ngctl -n ha msg ngeth0: getifname | sed -n 's/^Args:\t//p')" '"ngeth0"' "its ether node"
ngctl -n ha shutdown e0:
expect_eq "$(count_type ether)" 0 "the ether node went with the device"
expect_fail 71 "No such file or directory" ngctl -n ha msg ngeth0: getifname

# a2. The interface is renamed in another namespace, which then dies: it
# comes home as eth7 and gets an ether node; the eiface's shutdown takes
# that node along.
ngctl -n ha mkpeer . eiface e ether
ip -n ha link set ngeth0 netns x
ip -n x link set ngeth0 name eth7
ip netns del x
for i in $(seq 100); do ip -n ha link show eth7 >/dev/null 2>&1 && break; sleep 0.05; done
ip -n ha link show eth7 >/dev/null || fail "eth7 did not come home"
expect_eq "$(count_type ether)" 1 "ether node eth7"
ngctl -n ha shutdown ngeth0:
expect_eq "$(count_type ether)" 0 "eth7's ether node went with the device"
expect_fail 71 "No such file or directory" ngctl -n ha msg eth7: getifname
ip netns del ha

# b. A namespace dies while the device its ether node uses is deleted from
# the other end at the same time (before, the RTNL was dropped between
# clearing the graph's slot and tearing it down: a device removed in
# between left the node with a freed device).
NS=
for i in $(seq 20); do
	ip netns add race
	ip link add rv$i type veth peer name rp netns race
	ngctl -n race -f - <<'S'
mkpeer rp: hub lower l
mkpeer rp: hub upper u
S
	ip netns del race &
	ip link del rv$i 2>/dev/null &
	wait
done
netns_settle
expect_eq "$(ip -o link | grep -c ' rv[0-9]*@')" 0 "no veth left"
