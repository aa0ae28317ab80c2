#!/usr/bin/env bash
# Two L2 VPNs over one trunk, separated by 802.1Q tags (the seeds'
# Exercise 3). Two network stacks, cust-a and cust-b, have the same address
# 10.0.0.2/24; each reaches its own VPN's peer, 10.0.0.1 in peer-a and in
# peer-b, and never the other's. The graph lives in namespace pe (the
# provider edge): a vlan node tags what the customers' eifaces send (VLAN
# 10 for A, VLAN 20 for B) and sends it out of the trunk through the ether
# node of veth tr0. At the far end the peers sit on Linux VLAN devices of
# the trunk's other end, tr1.
#
#   cust-a  ngeth ─ v10 ┐
#                        trunk (vlan) ─ downstream ── tr0 (ether, lower)
#   cust-b  ngeth ─ v20 ┘                               ║ veth
#                                          far: tr1 ─┬─ tr1.10 → peer-a
#                                                    └─ tr1.20 → peer-b
#
# Run as root with netgraph.ko loaded; `cleanup` removes everything.
set -euo pipefail
NSS="pe far cust-a cust-b peer-a peer-b"

if [ "${1:-}" = cleanup ]; then
	for n in $NSS; do ip netns del "$n" 2>/dev/null || true; done
	exit 0
fi

for n in $NSS; do
	ip netns add "$n"
	# IPv4 only: the frames below are the pings' and their ARP.
	ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done

# The trunk, and the VPNs' far ends on Linux 802.1Q devices.
ip -n pe link add tr0 type veth peer name tr1 netns far
ip -n pe link set tr0 up
ip -n far link set tr1 up
for v in 10 20; do
	peer=peer-$([ $v = 10 ] && echo a || echo b)
	ip -n far link add link tr1 name tr1.$v type vlan id $v
	ip -n far link set tr1.$v netns "$peer"
	ip -n "$peer" link set tr1.$v address 02:00:00:00:01:$v
	ip -n "$peer" addr add 10.0.0.1/24 dev tr1.$v
	ip -n "$peer" link set tr1.$v up
done

# The provider edge: the vlan node on the trunk's lower hook, one eiface
# per VPN on a filter hook (the old and the new addfilter forms).
ngctl -n pe -f - <<'EOF'
mkpeer tr0: vlan lower downstream
name tr0:lower trunk
mkpeer trunk: eiface v10 ether
mkpeer trunk: eiface v20 ether
msg trunk: addfilter { vlan=10 hook="v10" }
msg trunk: addfilter { vid=20 hook="v20" }
EOF
echo "--- the trunk's filters"
ngctl -n pe msg trunk: gettable

# Each customer's eiface moves into the customer's namespace (its node
# stays in pe's graph); both get the same address.
for c in a b; do
	hook=$([ $c = a ] && echo v10 || echo v20)
	ifname=$(ngctl -n pe msg "trunk:$hook" getifname | sed -n 's/^Args:\t"\(.*\)"$/\1/p')
	ip -n pe link set "$ifname" netns "cust-$c"
	ip -n "cust-$c" link set "$ifname" name eth0
	ip -n "cust-$c" link set eth0 address 02:00:00:00:0$([ $c = a ] && echo a || echo b):02
	ip -n "cust-$c" addr add 10.0.0.2/24 dev eth0
	ip -n "cust-$c" link set eth0 up
done

# Watch the trunk: every frame on it carries its VPN's tag.
ip netns exec far timeout 20 tcpdump -l -nn -e -i tr1 -c 8 icmp >/tmp/vlan-trunk.txt 2>/tmp/vlan-trunk.err &
dump=$!
# tcpdump says "listening on" once its capture is in place.
for i in $(seq 200); do
	grep -q '^listening on' /tmp/vlan-trunk.err && break
	sleep 0.05
done

echo "--- each customer reaches its own VPN's 10.0.0.1"
for c in a b; do
	echo "cust-$c: $(ip netns exec "cust-$c" ping -c 2 -i 0.3 -W 2 10.0.0.1 | grep 'packets transmitted')"
done
wait "$dump" || true
echo "--- on the trunk"
sed -E 's/^[0-9:.]+ //' /tmp/vlan-trunk.txt
echo "--- who each peer saw at 10.0.0.2"
for c in a b; do
	echo "peer-$c: $(ip -n "peer-$c" neigh show 10.0.0.2 | grep -o 'lladdr [0-9a-f:]*')"
done
