#!/usr/bin/env bash
# The tutorial topology: three namespaces n0 - n1 - n2 joined by pairs of
# eiface interfaces connected back to back in the host's graph; n1 routes
# between the two links (IPv4 and IPv6). Run as root with netgraph.ko
# loaded; `cleanup` (the last argument) removes everything again.
set -euo pipefail

if [ "${1:-}" = cleanup ]; then
	for n in n0 n1 n2; do ip netns del "$n" 2>/dev/null || true; done
	for i in 0 1 2 3; do ngctl shutdown "ngeth$i:" 2>/dev/null || true; done
	exit 0
fi

for n in n0 n1 n2; do ip netns add "$n"; ip -n "$n" link set lo up; done
# Four interfaces ngeth0..3, wired 0<->1 and 2<->3 in the host's graph.
for i in 0 1 2 3; do ngctl mkpeer . eiface ether ether; done
ngctl connect ngeth0: ngeth1: ether ether
ngctl connect ngeth2: ngeth3: ether ether
# The interfaces move; their nodes (and the wiring) stay in the host.
ip link set ngeth0 netns n0
ip link set ngeth1 netns n1
ip link set ngeth2 netns n1
ip link set ngeth3 netns n2

addr() { # ns dev v4 v6
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" addr add "$4" dev "$2" nodad
	ip -n "$1" link set "$2" up
}
addr n0 ngeth0 10.0.1.1/24 fd00:1::1/64
addr n1 ngeth1 10.0.1.2/24 fd00:1::2/64
addr n1 ngeth2 10.0.2.1/24 fd00:2::1/64
addr n2 ngeth3 10.0.2.2/24 fd00:2::2/64
ip netns exec n1 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n n0 route add default via 10.0.1.2
ip -n n0 -6 route add default via fd00:1::2
ip -n n2 route add default via 10.0.2.1
ip -n n2 -6 route add default via fd00:2::1

ip netns exec n0 ping -c 3 -i 0.2 -W 2 10.0.2.2
ip netns exec n2 ping -c 3 -i 0.2 -W 2 10.0.1.1
ip netns exec n0 ping -6 -c 3 -i 0.2 -W 2 fd00:2::2
echo "== the host's graph"
ngctl list
echo "== n1's graph: only the ether nodes of the interfaces that moved in"
ngctl -n n1 list
