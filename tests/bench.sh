#!/usr/bin/env bash
# `make bench`: runs inside the VM with netgraph.ko loaded. Compares our
# nodes with their Linux peers in the same boot, with the same in-kernel
# generator (pktgen, clone_skb 0, one flow), and prints ratios.
#
#   eiface -> eiface (ngeth0 wired to ngeth1)  vs  veth -> veth
#   64-byte and 1500-byte frames; frames per second received by the peer.
set -euo pipefail
COUNT=${BENCH_COUNT:-50000}
PG=/proc/net/pktgen

pg() { echo "$2" > "$PG/$1"; }

# pps DEV PEER SIZE [SRCMACS]: pktgen sends COUNT frames on DEV to PEER's
# MAC (from SRCMACS source addresses); PEER's rx_packets over the time.
pps() {
	local dev=$1 peer=$2 size=$3 macs=${4:-1} rx0 rx1 t0 t1
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $dev"
	pg "$dev" "count $COUNT"
	pg "$dev" "pkt_size $size"
	pg "$dev" "clone_skb 0"
	pg "$dev" "delay 0"
	pg "$dev" "dst_mac $(cat /sys/class/net/$peer/address)"
	pg "$dev" "src_mac_count $macs"
	pg "$dev" "dst 10.99.0.2"
	rx0=$(cat /sys/class/net/$peer/statistics/rx_packets)
	t0=$(date +%s.%N)
	pg pgctrl start
	t1=$(date +%s.%N)
	rx1=$(cat /sys/class/net/$peer/statistics/rx_packets)
	pg kpktgend_0 rem_device_all
	echo "$(( rx1 - rx0 )) $t0 $t1" | awk '{printf "%.0f\n", $1 / ($3 - $2)}'
}

ngctl mkpeer . eiface ether ether
ngctl mkpeer . eiface ether ether
ngctl connect ngeth0: ngeth1: ether ether
ip link add veth0 type veth peer name veth1
for d in ngeth0 ngeth1 veth0 veth1; do
	sysctl -qw net.ipv6.conf.$d.disable_ipv6=1
	ip link set "$d" up
done
sleep 1

printf '%-34s %12s %12s %8s\n' "case" "netgraph" "linux" "ratio"
for size in 64 1500; do
	ours=$(pps ngeth0 ngeth1 $size)
	theirs=$(pps veth0 veth1 $size)
	ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", b ? a / b : 0}')
	printf '%-34s %12s %12s %8s\n' "eiface vs veth, ${size} B (fps)" "$ours" "$theirs" "$ratio"
done

ip link del veth0
ngctl shutdown ngeth0:
ngctl shutdown ngeth1:

# --- bridge vs Linux bridge: pktgen on p0a -> [p0b | bridge | p1b] -> p1a.
ip link add p0a type veth peer name p0b
ip link add p1a type veth peer name p1b
for d in p0a p0b p1a p1b; do
	sysctl -qw net.ipv6.conf.$d.disable_ipv6=1
	ip link set "$d" up
done
# Let the bridge learn p1a: a few broadcasts from it.
announce() {
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device p1a"
	pg p1a "count 3"
	pg p1a "pkt_size 64"
	pg p1a "clone_skb 0"
	pg p1a "dst_mac ff:ff:ff:ff:ff:ff"
	pg pgctrl start
	pg kpktgend_0 rem_device_all
}
ip link add br0 type bridge
ip link set br0 up
ip link set p0b master br0
ip link set p1b master br0
sleep 1
announce
linux1=$(pps p0a p1a 64 1)
linuxn=$(pps p0a p1a 64 1000)
ip link del br0
ngctl -f - <<'S'
mkpeer p0b: bridge lower link0
name p0b:lower nb
connect p1b: nb: lower link1
S
sleep 1
announce
ours1=$(pps p0a p1a 64 1)
oursn=$(pps p0a p1a 64 1000)
for c in "one flow:$ours1:$linux1" "1000 source MACs:$oursn:$linuxn"; do
	IFS=: read -r what ours theirs <<<"$c"
	ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", b ? a / b : 0}')
	printf '%-34s %12s %12s %8s\n' "bridge vs br0, $what" "$ours" "$theirs" "$ratio"
done
ngctl shutdown nb:
ip link del p0a
ip link del p1a
