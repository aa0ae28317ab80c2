# The module is loaded by the runner; it unloads and reloads cleanly, and
# registers its generic netlink family and node types.
. tests/lib.sh

grep -q '^netgraph ' /proc/modules || fail "netgraph.ko is not loaded"
out=$(ngctl types)
expect_match "$out" '^There are [0-9]+ total types:$' "types header"
expect_match "$out" '^ +hub +0$' "hub type"
expect_match "$out" '^ +socket +1$' "socket type (ngctl's own node)"

for i in 1 2 3; do
	rmmod netgraph || fail "rmmod #$i"
	if ngctl list 2>/dev/null; then fail "ngctl works without the module"; fi
	expect_fail 71 "not loaded" ngctl list
	insmod "$NG_TOP/netgraph.ko" || fail "insmod #$i"
	ngctl list >/dev/null || fail "ngctl list after reload #$i"
done
dmesg | grep -q 'netgraph: loaded' || fail "no load message in the kernel log"
