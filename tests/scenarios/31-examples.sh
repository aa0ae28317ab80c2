# The remaining examples of Documentation/examples/ (the tutorial and the
# pipe ring have their own scenarios): the ether node on a veth pair, and
# three namespaces on a netgraph bridge. Each must work as documented.
. tests/lib.sh

out=$(Documentation/examples/ether-veth.sh 2>&1) || fail "ether-veth.sh failed: $out"
echo "$out" | sed 's/^/# /' | grep -v '^# 0000:'
expect_match "$out" '^ether nodes: [1-9][0-9]* in the host, 1 in peer$' "ether nodes per namespace"
expect_match "$out" '^the host did not answer$' "lower diverts the peer's frames"
expect_match "$out" '^frames on lower: [1-9]' "frames on lower"
expect_match "$out" '^0000:  (ff ff ff ff ff ff|02 00 00 00 0a 0a) 02 00 00 00 0b 0b 08 0[06]' "the peer's frame"
expect_match "$out" '^peer received 2 frames$' "written frames reach the peer"
expect_match "$out" '^  lower +va +ether +[0-9a-f]{8} +upper' "lower spliced to upper"
expect_eq "$(echo "$out" | grep -c '^3 packets transmitted, 3 received')" 1 "ping through the splice"
expect_match "$out" '^2 packets transmitted, 2 received' "IP reaches the host while orphans is connected"
expect_match "$out" '^frames on orphans: 2$' "only the unknown EtherType frames on orphans"
Documentation/examples/ether-veth.sh cleanup

out=$(Documentation/examples/bridge-namespaces.sh 2>&1) || fail "bridge-namespaces.sh failed: $out"
echo "$out" | sed 's/^/# /'
expect_eq "$(echo "$out" | grep -c '^2 packets transmitted, 2 received')" 3 "every host reaches every other"
expect_eq "$(echo "$out" | grep -o 'addr=02:00:00:00:00:0[123]' | sort -u | wc -l)" 3 "the bridge learned the three hosts"
expect_match "$out" 'numHosts=3 ' "numHosts"
expect_match "$out" '  link3 +ngeth2 +eiface ' "eifaces named after their interfaces after moves"
expect_match "$out" 'Args:	\{ recvOctets=[0-9]+ recvPackets=[0-9]+ ' "link1 counters"
Documentation/examples/bridge-namespaces.sh cleanup
expect_eq "$(count_type bridge)$(count_type eiface)" 00 "cleaned up"
