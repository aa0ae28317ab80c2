# The module is loaded by the runner; it unloads and reloads cleanly, and
# registers its generic netlink family and node types.
. tests/lib.sh

grep -q '^netgraph ' /proc/modules || fail "netgraph.ko is not loaded"
out=$(ngctl types)
expect_match "$out" '^There are [0-9]+ total types:$' "types header"
expect_match "$out" '^ +hub +0$' "hub type"
expect_match "$out" '^ +socket +1$' "socket type (ngctl's own node)"

# Devices that exist when the module loads get their ether nodes, in
# every namespace; unloading with a device's hooks connected (lower and
# upper spliced: receive handler and egress hook attached) is clean.
ip netns add l1
ip link add ld0 type veth peer name ld1 netns l1
for i in 1 2 3; do
	ngctl connect ld0: ld0: lower upper
	rmmod netgraph || fail "rmmod #$i"
	if ngctl list 2>/dev/null; then fail "ngctl works without the module"; fi
	expect_fail 71 "not loaded" ngctl list
	insmod "$NG_TOP/netgraph.ko" || fail "insmod #$i"
	ngctl list >/dev/null || fail "ngctl list after reload #$i"
	expect_match "$(ngctl list)" 'Name: ld0 +Type: ether +ID: [0-9a-f]{8} +Num hooks: 0' "ether node for ld0 after load #$i"
	expect_match "$(ngctl -n l1 list)" 'Name: ld1 +Type: ether ' "ether node for ld1 in l1 after load #$i"
done
ip link del ld0
ip netns del l1
dmesg | grep -q 'netgraph: loaded' || fail "no load message in the kernel log"
