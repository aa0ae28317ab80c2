# eiface: ngethN interfaces (lowest free unit), MTU range, random local MAC,
# getifname/set, carrier following the ether hook, frames both ways with
# the interface counters right.
. tests/lib.sh
trap stop_taps EXIT

ifname() { ngctl msg "$1" getifname | awk '$1 == "Args:" {print substr($2, 2, length($2)-2)}'; }
stat() { cat "/sys/class/net/$1/statistics/$2"; }

# Made from a short-lived ngctl: its socket node goes, the eiface stays.
ngctl mkpeer . eiface e ether
expect_eq "$(count_type eiface)" 1 "eiface nodes"
expect_match "$(ngctl list)" 'Name: ngeth0 +Type: eiface +ID: [0-9a-f]{8} +Num hooks: 0' "list"
ip link show ngeth0 >/dev/null || fail "no interface ngeth0"
expect_eq "$(ifname ngeth0:)" ngeth0 "getifname"
expect_match "$(ngctl msg ngeth0: getifname | head -1)" '^Rec.d response "getifname" \(1\) from "\[[0-9a-f]+\]:":$' "reply header"

# Random, locally administered, unicast.
mac=$(cat /sys/class/net/ngeth0/address)
first=$((16#${mac%%:*}))
expect_eq $((first & 3)) 2 "default MAC $mac is local unicast"
ngctl msg ngeth0: set 02:00:00:aa:bb:01
expect_eq "$(cat /sys/class/net/ngeth0/address)" 02:00:00:aa:bb:01 "MAC after set"
expect_fail 71 "not an Ethernet address" ngctl msg ngeth0: set 1:2:3
expect_fail 71 "has no message" ngctl msg ngeth0: bogus

# MTU 72..9018.
ip link set ngeth0 mtu 72
ip link set ngeth0 mtu 9018
if ip link set ngeth0 mtu 71 2>/dev/null; then fail "mtu 71 accepted"; fi
if ip link set ngeth0 mtu 9019 2>/dev/null; then fail "mtu 9019 accepted"; fi
ip link set ngeth0 mtu 1500

# Carrier: down until ether is connected, up while it is, down after.
sysctl -qw net.ipv6.conf.ngeth0.disable_ipv6=1
ip link set ngeth0 up
expect_eq "$(cat /sys/class/net/ngeth0/carrier)" 0 "carrier unconnected"
tap ngeth0: ether /tmp/e
expect_eq "$(cat /sys/class/net/ngeth0/carrier)" 1 "carrier connected"

# Host -> ether: ARP requests for a neighbour that does not answer.
ip addr add 10.9.0.1/24 dev ngeth0
tx0=$(stat ngeth0 tx_packets)
ping -c 3 -i 0.3 -W 1 10.9.0.2 >/dev/null 2>&1 || true
wait_frames /tmp/e 1
sleep 0.3
sent=$(( $(stat ngeth0 tx_packets) - tx0 ))
expect_eq "$(frames /tmp/e)" "$sent" "frames on ether vs tx_packets"
expect_match "$(grep '^0000:' /tmp/e | head -1)" '^0000:  ff ff ff ff ff ff 02 00 00 aa bb 01 08 06' "ARP request"
stop_taps
sleep 0.2
expect_eq "$(cat /sys/class/net/ngeth0/carrier)" 0 "carrier after disconnect"
expect_eq "$(count_type eiface)" 1 "eiface survives disconnect"

# ether -> host: 4 frames to the interface's MAC, counted as received.
rx0=$(stat ngeth0 rx_packets)
frame="write w 0x02 0x00 0x00 0xaa 0xbb 0x01 0x02 0x00 0x00 0x00 0x00 0x09 0x88 0xb5 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46"
printf 'connect . ngeth0: w ether\n%s\n%s\n%s\n%s\n' "$frame" "$frame" "$frame" "$frame" | ngctl -f -
expect_eq "$(( $(stat ngeth0 rx_packets) - rx0 ))" 4 "rx_packets after 4 frames"
# Too short for Ethernet: refused, not counted.
expect_fail 71 "Invalid argument" ngctl -f - <<<$'connect . ngeth0: w ether\nwrite w 1 2 3'
# Interface down: the frame is refused with ENETDOWN.
ip link set ngeth0 down
expect_fail 71 "Network is down" ngctl -f - <<<"connect . ngeth0: w ether
$frame"

# Units: lowest free, reused after shutdown.
ngctl mkpeer . eiface e ether
ip link show ngeth1 >/dev/null || fail "no ngeth1"
ngctl shutdown ngeth0:
if ip link show ngeth0 2>/dev/null; then fail "ngeth0 survived shutdown"; fi
ngctl mkpeer . eiface e ether
expect_eq "$(ifname ngeth0:)" ngeth0 "unit 0 reused"
# Renaming the interface does not rename the node (FreeBSD).
ip link set ngeth1 name vif1
expect_eq "$(ifname ngeth1:)" vif1 "getifname after rename"
# The next unit is free both as an interface and as a node name.
ngctl mkpeer . eiface e ether
expect_eq "$(ifname ngeth2:)" ngeth2 "node ngeth1 keeps unit 1 taken"
ngctl shutdown ngeth2:
ngctl shutdown ngeth1:
ngctl shutdown ngeth0:
expect_eq "$(count_type eiface)" 0 "eiface nodes after shutdown"

# `ip link del`: the interface goes and its node with it (its hooks, and
# the node at the other end of ether when that one goes when its last hook
# does), also when the interface lives in another namespace.
ngctl -f - <<'S'
mkpeer . eiface e ether
name .:e ed
rmhook . e
mkpeer ed: hub ether x
name ed:ether hb
S
ngctl -f - <<'S'
mkpeer . eiface e ether
name .:e ex
S
ip netns add far
ip link set ngeth1 netns far
ip link del ngeth0 || fail "ip link del ngeth0"
if ip link show ngeth0 2>/dev/null; then fail "ngeth0 still there after ip link del"; fi
if ngctl show ed: 2>/dev/null; then fail "node ed survived ip link del"; fi
if ngctl show hb: 2>/dev/null; then fail "hub hb survived losing its only hook"; fi
ip -n far link del ngeth1 || fail "ip link del ngeth1 in another namespace"
if ngctl show ex: 2>/dev/null; then fail "node ex survived ip link del in another namespace"; fi
# Deleting a group of links in one request, and the unit is free again.
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e2 ether
ip link set ngeth0 group 7
ip link set ngeth1 group 7
ip link del group 7 || fail "ip link del group 7"
expect_eq "$(count_type eiface)" 0 "eiface nodes after ip link del group"
ngctl mkpeer . eiface e ether
expect_eq "$(ifname ngeth0:)" ngeth0 "unit 0 free after ip link del"
ngctl shutdown ngeth0:
ip netns del far
expect_eq "$(count_type eiface)" 0 "eiface nodes at the end"
expect_eq "$(ip -o link | grep -c 'ngeth\|vif1')" 0 "interfaces at the end"
