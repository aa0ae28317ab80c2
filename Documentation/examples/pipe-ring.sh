#!/usr/bin/env bash
# Link emulation: three routers r1, r2, r3 (network namespaces) in a ring.
# Every link is eiface - pipe - eiface with 10 ms of propagation delay each
# way and 100 Mbit/s. Each router has an address on lo (10.255.0.N) and two
# static routes to each other router: the direct link (metric 10) and the
# way round through the third router (metric 20). Routes over a link
# without carrier are ignored (ignore_routes_with_linkdown).
#
# The story: r1 reaches r2 directly (one hop, ~20 ms RTT); `setcfg {
# downstream={ BER=1 } }` on the r1-r2 pipe takes that link down at both
# ends (the pipe tells its eiface neighbours), so traffic goes round
# through r3 (two hops, ~40 ms); clearing the BER brings the link back.
#
# Run as root with netgraph.ko loaded; `cleanup` removes everything.
set -euo pipefail

if [ "${1:-}" = cleanup ]; then
	for r in r1 r2 r3; do ip netns del "$r" 2>/dev/null || true; done
	for l in l12 l23 l13; do
		for h in upper lower; do ngctl shutdown "$l:$h" 2>/dev/null || true; done
		ngctl shutdown "$l:" 2>/dev/null || true
	done
	exit 0
fi

for r in r1 r2 r3; do
	ip netns add "$r"
	ip -n "$r" link set lo up
	ip -n "$r" addr add "10.255.0.${r#r}/32" dev lo
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.ignore_routes_with_linkdown=1
done

ifname() { ngctl msg "$1" getifname | sed -n 's/^Args:\t"\(.*\)"$/\1/p'; }

# link X Y: a pipe named lXY between an interface in rX (on upper) and one
# in rY (on lower), addresses 10.0.XY.X and 10.0.XY.Y.
link() {
	local x=$1 y=$2 l="l$1$2"
	ngctl -f - <<-EOF
		mkpeer . pipe tmp lower
		name .:tmp $l
		mkpeer $l: eiface upper ether
		rmhook . tmp
		mkpeer $l: eiface lower ether
		msg $l: setcfg { bandwidth=100000000 delay=10000 }
	EOF
	local ix iy
	ix=$(ifname "$l:upper")
	iy=$(ifname "$l:lower")
	ip link set "$ix" netns "r$x"
	ip -n "r$x" link set "$ix" name "to-r$y"
	ip link set "$iy" netns "r$y"
	ip -n "r$y" link set "$iy" name "to-r$x"
	ip -n "r$x" addr add "10.0.$x$y.$x/24" dev "to-r$y"
	ip -n "r$y" addr add "10.0.$x$y.$y/24" dev "to-r$x"
	ip -n "r$x" link set "to-r$y" up
	ip -n "r$y" link set "to-r$x" up
}
link 1 2
link 2 3
link 1 3

# route X Y Z: rX reaches rY directly, or through rZ.
net() { [ "$1" -lt "$2" ] && echo "$1$2" || echo "$2$1"; }
route() {
	local x=$1 y=$2 z=$3
	ip -n "r$x" route add "10.255.0.$y/32" via "10.0.$(net "$x" "$y").$y" metric 10
	ip -n "r$x" route add "10.255.0.$y/32" via "10.0.$(net "$x" "$z").$z" metric 20
}
route 1 2 3; route 1 3 2
route 2 1 3; route 2 3 1
route 3 1 2; route 3 2 1

# carrier NS DEV VALUE: waits until the interface's carrier is VALUE and
# the routes over it are (or are no longer) marked linkdown.
carrier() {
	local i
	for i in $(seq 50); do
		if [ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier")" = "$3" ]; then
			if [ "$3" = 0 ] && ip -n "$1" route | grep -q "dev $2 .*linkdown"; then return 0; fi
			if [ "$3" = 1 ] && ! ip -n "$1" route | grep -q "dev $2 .*linkdown"; then return 0; fi
		fi
		sleep 0.1
	done
	echo "carrier of $2 in $1 did not become $3" >&2
	return 1
}

show() {
	echo "--- r1 -> r2: $1"
	ip netns exec r1 ping -c 5 -i 0.2 -W 2 -I 10.255.0.1 10.255.0.2 | tail -2
	ip netns exec r1 traceroute -n -q 1 -w 2 -s 10.255.0.1 10.255.0.2 | tail -n +2
}

ngctl list | grep -E 'Type: (pipe|eiface)' | sort
show "direct link"

ngctl msg l12: setcfg '{ downstream={ BER=1 } }'
carrier r1 to-r2 0
carrier r2 to-r1 0
echo "--- r1-r2 link down: carrier of r1 to-r2 $(ip netns exec r1 cat /sys/class/net/to-r2/carrier), r2 to-r1 $(ip netns exec r2 cat /sys/class/net/to-r1/carrier)"
show "round through r3"

ngctl msg l12: setcfg '{ downstream={ BER=-1 } }'
carrier r1 to-r2 1
carrier r2 to-r1 1
show "direct link again"
