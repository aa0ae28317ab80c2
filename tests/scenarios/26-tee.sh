# tee: spliced between an ether node's upper and lower, traffic keeps
# flowing and copies appear on the taps; statistics; a tap becomes the
# primary when the real destination is missing; shutdown joins left and
# right's peers so the link survives.
. tests/lib.sh
trap stop_taps EXIT

stat() { ngctl -j msg "$1" getstats | jq -r ".args.$2"; }

ip netns add out
ip link add va type veth peer name vb netns out
sysctl -qw net.ipv6.conf.va.disable_ipv6=1
ip netns exec out sysctl -qw net.ipv6.conf.vb.disable_ipv6=1
ip addr add 10.6.0.1/24 dev va; ip link set va up
ip -n out addr add 10.6.0.2/24 dev vb; ip -n out link set vb up

ngctl mkpeer va: tee lower right
ngctl name va:lower t
ngctl connect va: t: upper left
tap t: left2right /tmp/l2r
tap t: right2left /tmp/r2l
ping -c 3 -i 0.3 -W 2 10.6.0.2 >/dev/null || fail "ping through the tee"
ip netns exec out ping -c 2 -i 0.3 -W 2 10.6.0.1 >/dev/null || fail "ping back through the tee"
wait_frames /tmp/l2r 5
wait_frames /tmp/r2l 5
# Host -> wire copies start with the peer's MAC or broadcast, from va's MAC.
mac_va=$(sed 's/:/ /g' /sys/class/net/va/address)
expect_match "$(grep '^0000:' /tmp/l2r | head -1)" "^0000:  .{18}$mac_va" "left2right copies the host's frames"
snap=$(ngctl -j msg t: getstats)
expect_eq "$(echo "$snap" | jq .args.right.outFrames)" "$(echo "$snap" | jq .args.left.inFrames)" "what came in on left went out right"
expect_eq "$(echo "$snap" | jq .args.left2right.outFrames)" "$(echo "$snap" | jq .args.left.inFrames)" "and was copied to left2right"
expect_eq "$(echo "$snap" | jq .args.left.outFrames)" "$(echo "$snap" | jq .args.right.inFrames)" "what came in on right went out left"
ngctl msg t: clrstats
expect_eq "$(ngctl msg t: getstats | sed -n "s/^Args:\t//p")" "{}" "cleared stats print {}"
stop_taps

# Shutdown joins va's lower and upper directly.
ngctl shutdown t:
expect_match "$(ngctl show va:)" '  lower +va +ether +[0-9a-f]{8} +upper' "lower joined to upper"
ping -c 2 -i 0.3 -W 2 10.6.0.2 >/dev/null || fail "ping after tee shutdown"
ngctl rmhook va: lower
ping -c 1 -W 2 10.6.0.2 >/dev/null || fail "ping after unsplice"

# A tap becomes the primary when the destination is missing.
ngctl -f - <<'S'
mkpeer . tee x right
name x t2
mkpeer t2: hub right2left h
name t2:right2left h2
msg h2: setpersistent
S
tap h2: out /tmp/o
ngctl -f - <<'S'
connect . t2: w right
write w 1 2 3 4 5 6 7 8 9 10 11 12 13 14
S
wait_frames /tmp/o 1
stop_taps
ngctl shutdown h2:
expect_eq "$(count_type tee)" 0 "tee went with its last hook"
ip netns del out
ip link del va 2>/dev/null || true
