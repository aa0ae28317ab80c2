#!/usr/bin/env bash
# Three hosts (namespaces h1, h2, h3) on one learning switch: each has an
# eiface interface whose wire is a link of a netgraph bridge in the host's
# graph. They ping each other; the bridge has learned where each lives.
# Run as root with netgraph.ko loaded; `cleanup` removes everything.
set -euo pipefail

if [ "${1:-}" = cleanup ]; then
	for i in 1 2 3; do ngctl shutdown "sw:link$i" 2>/dev/null || true; done
	ngctl shutdown sw: 2>/dev/null || true
	for h in h1 h2 h3; do ip netns del "$h" 2>/dev/null || true; done
	exit 0
fi

ifname() { ngctl msg "$1" getifname | sed -n 's/^Args:\t"\(.*\)"$/\1/p'; }

# The bridge stays when this script's ngctl goes (setpersistent); each
# eiface hangs off one of its links.
ngctl -f - <<'S'
mkpeer . bridge tmp link0
name .:tmp sw
msg sw: setpersistent
rmhook . tmp
S
for i in 1 2 3; do
	ngctl mkpeer sw: eiface "link$i" ether
	dev=$(ifname "sw:link$i")
	ip netns add "h$i"
	ip link set "$dev" netns "h$i"
	ip -n "h$i" link set "$dev" name eth0
	ip -n "h$i" link set eth0 address "02:00:00:00:00:0$i"
	ip -n "h$i" addr add "10.10.0.$i/24" dev eth0
	ip -n "h$i" link set eth0 up
done
ngctl show sw:
for i in 2 3; do
	ip netns exec h1 ping -c 2 -i 0.3 -W 2 "10.10.0.$i" | tail -2
done
ip netns exec h2 ping -c 2 -i 0.3 -W 2 10.10.0.3 | tail -2
ngctl msg sw: gettable
ngctl msg sw: getstats 1
