#!/usr/bin/env bash
# `make bench`: runs inside the VM with netgraph.ko loaded. Compares our
# nodes with their Linux peers in the same boot, with the same in-kernel
# generator (pktgen, clone_skb 0), and prints ratios.
#
#   eiface -> eiface (ngeth0 wired to ngeth1)  vs  veth -> veth
#   bridge (ether lower hooks of two veths)    vs  Linux bridge br0
#
# Frames per second received by the peer. Each case runs ROUNDS times,
# ours and Linux alternating, and the median is reported: on a software
# emulated VM single runs vary by tens of percent.
set -euo pipefail
COUNT=${BENCH_COUNT:-30000}
ROUNDS=${BENCH_ROUNDS:-3}
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

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

report() { # case ours-values... -- linux-values...
	local what=$1 ours=() theirs=() side=o
	shift
	for v in "$@"; do
		if [ "$v" = -- ]; then side=l; continue; fi
		if [ $side = o ]; then ours+=("$v"); else theirs+=("$v"); fi
	done
	local mo ml
	mo=$(median "${ours[@]}")
	ml=$(median "${theirs[@]}")
	printf '%-34s %10s %10s %7s   ours: %s  linux: %s\n' "$what" "$mo" "$ml" \
		"$(awk -v a="$mo" -v b="$ml" 'BEGIN {printf "%.2f", b ? a / b : 0}')" \
		"${ours[*]}" "${theirs[*]}"
}

printf '%-34s %10s %10s %7s   (median of %s rounds of %s frames)\n' \
	"case (frames/s)" "netgraph" "linux" "ratio" "$ROUNDS" "$COUNT"

# --- eiface vs veth.
ngctl mkpeer . eiface ether ether
ngctl mkpeer . eiface ether ether
ngctl connect ngeth0: ngeth1: ether ether
ip link add veth0 type veth peer name veth1
for d in ngeth0 ngeth1 veth0 veth1; do
	sysctl -qw net.ipv6.conf.$d.disable_ipv6=1
	ip link set "$d" up
done
sleep 1
for size in 64 1500; do
	o=() l=()
	for r in $(seq "$ROUNDS"); do
		o+=("$(pps ngeth0 ngeth1 $size)")
		l+=("$(pps veth0 veth1 $size)")
	done
	report "eiface vs veth, ${size} B" "${o[@]}" -- "${l[@]}"
done
ip link del veth0
ngctl shutdown ngeth0:
ngctl shutdown ngeth1:

# --- bridge vs Linux bridge: pktgen on p0a -> [p0b | bridge | p1b] -> p1a,
# 64-byte frames, one flow and 1000 source MACs.
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
	pg p1a "src_mac_count 1"
	pg p1a "dst_mac ff:ff:ff:ff:ff:ff"
	pg pgctrl start
	pg kpktgend_0 rem_device_all
}
linux_on() {
	ip link add br0 type bridge
	ip link set br0 up
	ip link set p0b master br0
	ip link set p1b master br0
	sleep 0.5
	announce
}
linux_off() { ip link del br0; }
ours_on() {
	ngctl -f - <<'S'
mkpeer p0b: bridge lower link0
name p0b:lower nb
connect p1b: nb: lower link1
S
	announce
}
ours_off() { ngctl shutdown nb:; }
o1=() l1=() on=() ln=()
for r in $(seq "$ROUNDS"); do
	ours_on
	o1+=("$(pps p0a p1a 64 1)")
	on+=("$(pps p0a p1a 64 1000)")
	ours_off
	linux_on
	l1+=("$(pps p0a p1a 64 1)")
	ln+=("$(pps p0a p1a 64 1000)")
	linux_off
done
report "bridge vs br0, one flow" "${o1[@]}" -- "${l1[@]}"
report "bridge vs br0, 1000 source MACs" "${on[@]}" -- "${ln[@]}"
ip link del p0a
ip link del p1a
