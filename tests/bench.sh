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
ROUNDS=${BENCH_ROUNDS:-5}
# Cases to run (default all): eiface bridge pipe netem.
CASES=${BENCH_CASES:-eiface bridge pipe netem}
want() { [[ " $CASES " == *" $1 "* ]]; }
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

# sides VALUES...: OURS=(the values before "--"), THEIRS=(those after).
sides() {
	local v side=o
	OURS=() THEIRS=()
	for v in "$@"; do
		if [ "$v" = -- ]; then side=l; continue; fi
		if [ $side = o ]; then OURS+=("$v"); else THEIRS+=("$v"); fi
	done
}

report() { # case ours-values... -- linux-values...
	local what=$1 mo ml
	shift
	sides "$@"
	mo=$(median "${OURS[@]}")
	ml=$(median "${THEIRS[@]}")
	printf '%-34s %10s %10s %7s   ours: %s  linux: %s\n' "$what" "$mo" "$ml" \
		"$(awk -v a="$mo" -v b="$ml" 'BEGIN {printf "%.2f", b ? a / b : 0}')" \
		"${OURS[*]}" "${THEIRS[*]}"
}

printf '%-34s %10s %10s %7s   (median of %s rounds of %s frames)\n' \
	"case (frames/s)" "netgraph" "linux" "ratio" "$ROUNDS" "$COUNT"

# vs_veth WHAT: frames/s from ngeth0 to ngeth1 against a veth pair, 64- and
# 1500-byte frames, alternating rounds (which side goes first alternates
# too, so a drift of the emulated machine's speed favours neither).
vs_veth() {
	ip link add veth0 type veth peer name veth1
	for d in ngeth0 ngeth1 veth0 veth1; do
		sysctl -qw net.ipv6.conf.$d.disable_ipv6=1
		ip link set "$d" up
	done
	sleep 1
	for size in 64 1500; do
		o=() l=()
		for r in $(seq "$ROUNDS"); do
			if ((r % 2)); then
				o+=("$(pps ngeth0 ngeth1 $size)")
				l+=("$(pps veth0 veth1 $size)")
			else
				l+=("$(pps veth0 veth1 $size)")
				o+=("$(pps ngeth0 ngeth1 $size)")
			fi
		done
		report "$1 vs veth, ${size} B" "${o[@]}" -- "${l[@]}"
	done
	ip link del veth0
}

# --- eiface vs veth.
if want eiface; then
	ngctl mkpeer . eiface ether ether
	ngctl mkpeer . eiface ether ether
	ngctl connect ngeth0: ngeth1: ether ether
	vs_veth eiface
	ngctl shutdown ngeth0:
	ngctl shutdown ngeth1:
fi

# --- bridge vs Linux bridge, 64-byte frames, one flow and 1000 source
# MACs. Both bridges exist side by side on their own veth pairs: ours
# p0a -> [p0b | nb | p1b] -> p1a, Linux q0a -> [q0b | br0 | q1b] -> q1a,
# and both forward at the same time, one generator thread (and so one CPU:
# the receive softirq runs where netif_rx was called) each, for WINDOWS
# windows of WINDOW seconds; the CPUs swap every window. Both sides live
# through the same moments of the emulated machine, which a sequential
# comparison cannot give (single runs vary by ±40 % under TCG). Figures
# are frames/s received by p1a / q1a within each window; the ratio column
# is the median of the windows' ratios. The two vCPUs need not be equally
# fast, so "pairs" is also given: the median, over consecutive windows
# (which swap the CPUs), of the geometric mean of their two ratios.
WINDOWS=${BENCH_WINDOWS:-$((ROUNDS * 2))}
WINDOW=${BENCH_WINDOW:-4}
# announce DEV: a few broadcasts from DEV, so its bridge learns it.
announce() {
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $1"
	pg "$1" "count 3"
	pg "$1" "pkt_size 64"
	pg "$1" "clone_skb 0"
	pg "$1" "src_mac_count 1"
	pg "$1" "dst_mac ff:ff:ff:ff:ff:ff"
	pg pgctrl start
	pg kpktgend_0 rem_device_all
}
report_pairs() { # case ours-values... -- linux-values...
	local what=$1 i ratios=() pairs=()
	shift
	sides "$@"
	for i in "${!OURS[@]}"; do
		ratios+=("$(awk -v a="${OURS[$i]}" -v b="${THEIRS[$i]}" 'BEGIN {printf "%.3f", b ? a / b : 0}')")
	done
	for ((i = 0; i + 1 < ${#ratios[@]}; i += 2)); do
		pairs+=("$(awk -v a="${ratios[$i]}" -v b="${ratios[$((i + 1))]}" 'BEGIN {printf "%.3f", sqrt(a * b)}')")
	done
	printf '%-34s %10s %10s %7s   pairs %s; window ratios: %s\n' "$what" "$(median "${OURS[@]}")" \
		"$(median "${THEIRS[@]}")" "$(median "${ratios[@]}" | awk '{printf "%.2f", $1}')" \
		"$(median "${pairs[@]}" | awk '{printf "%.2f", $1}')" "${ratios[*]}"
}
# together MACS SWAP: one window with both generators running (ours on
# CPU SWAP, Linux on the other); prints "ours linux" frames/s.
together() {
	local macs=$1 oc=$2 lc=$((1 - $2)) d c t t0 t1 o0 o1 l0 l1
	for t in 0 1; do pg kpktgend_$t rem_device_all; done
	pg kpktgend_$oc "add_device p0a"
	pg kpktgend_$lc "add_device q0a"
	for d in "p0a p1a" "q0a q1a"; do
		set -- $d
		for c in "count 0" "pkt_size 64" "clone_skb 0" "delay 0" \
			"dst_mac $(cat /sys/class/net/$2/address)" "src_mac_count $macs" "dst 10.99.0.2"; do
			pg "$1" "$c"
		done
	done
	echo start > $PG/pgctrl &
	# Both running before the window opens.
	sleep 1
	read -r o0 < /sys/class/net/p1a/statistics/rx_packets
	read -r l0 < /sys/class/net/q1a/statistics/rx_packets
	t0=$EPOCHREALTIME
	sleep "$WINDOW"
	read -r o1 < /sys/class/net/p1a/statistics/rx_packets
	read -r l1 < /sys/class/net/q1a/statistics/rx_packets
	t1=$EPOCHREALTIME
	pg pgctrl stop
	wait
	for t in 0 1; do pg kpktgend_$t rem_device_all; done
	awk -v a=$((o1 - o0)) -v b=$((l1 - l0)) -v s="$t0" -v e="$t1" \
		'BEGIN { printf "%.0f %.0f\n", a / (e - s), b / (e - s) }'
}
bench_bridge() {
	local d w o1=() l1=() on=() ln=()
	for p in p0 p1 q0 q1; do
		ip link add ${p}a type veth peer name ${p}b
		for d in ${p}a ${p}b; do
			sysctl -qw net.ipv6.conf.$d.disable_ipv6=1
			ip link set "$d" up
		done
	done
	ip link add br0 type bridge
	ip link set br0 up
	ip link set q0b master br0
	ip link set q1b master br0
	ngctl -f - <<'S'
mkpeer p0b: bridge lower link0
name p0b:lower nb
connect p1b: nb: lower link1
S
	sleep 1
	announce p1a
	announce q1a
	for w in $(seq "$WINDOWS"); do
		set -- $(together 1 $((w % 2)))
		o1+=("$1"); l1+=("$2")
		set -- $(together 1000 $((w % 2)))
		on+=("$1"); ln+=("$2")
	done
	echo "bridge: $WINDOWS windows of $WINDOW s, both forwarding at once, one CPU each (swapped every window)"
	report_pairs "bridge vs br0, one flow" "${o1[@]}" -- "${l1[@]}"
	report_pairs "bridge vs br0, 1000 source MACs" "${on[@]}" -- "${ln[@]}"
	ngctl shutdown nb:
	ip link del br0
	for p in p0 p1 q0 q1; do ip link del ${p}a; done
}
if want bridge; then bench_bridge; fi

want pipe || want netem || exit 0

# --- pipe: frames/s through an unconfigured pipe (eiface - pipe - eiface)
# against veth.
ngctl -f - <<'S'
mkpeer . pipe x lower
name .:x bp
mkpeer bp: eiface upper ether
rmhook . x
mkpeer bp: eiface lower ether
S
if want pipe; then vs_veth "unconfigured pipe"; fi
if ! want netem; then
	ngctl shutdown ngeth0:
	ngctl shutdown ngeth1:
	ngctl shutdown bp:
	exit 0
fi

# --- pipe vs tc netem (rate + delay on a veth, both directions): achieved
# throughput of 1500-byte frames from pktgen through the qdisc layer
# (queue_xmit; a burst that the queue holds whole, drained at the link's
# rate; rate from the receiver's counter between 10 % and 90 % of the
# burst) and added one-way delay (ping's minimum RTT / 2, less the ping
# frame's serialisation and less the same path's one-way time without
# emulation), with the error of each against the configured value.
# Overhead 0 on both. Where the generator cannot offer the rate (the VM
# is emulated), both columns show the generator's limit.
ip netns add ba
ip netns add bb
ip link set ngeth0 netns ba
ip link set ngeth1 netns bb
ip link add va type veth peer name vb
ip link set va netns ba
ip link set vb netns bb
for p in "ba ngeth0 10.31.0.1" "bb ngeth1 10.31.0.2" "ba va 10.32.0.1" "bb vb 10.32.0.2"; do
	set -- $p
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$1" link set "$2" up
done
# burst NS-DEV PEER-DEV COUNT: bit/s at which COUNT 1500-byte frames sent
# at once from DEV (namespace ba) arrive on PEER (namespace bb).
burst() {
	local dev=$1 peer=$2 count=$3 mac
	mac=$(ip netns exec bb cat "/sys/class/net/$peer/address")
	ip netns exec ba bash -c "
		echo rem_device_all > $PG/kpktgend_0
		echo 'add_device $dev' > $PG/kpktgend_0
		for c in 'count $count' 'pkt_size 1500' 'clone_skb 0' 'delay 0' 'dst_mac $mac' 'dst 10.99.0.2' 'xmit_mode queue_xmit'; do
			echo \"\$c\" > $PG/$dev
		done"
	ip netns exec bb bash -c '
		f=/sys/class/net/'"$peer"'/statistics/rx_packets
		read -r base < $f
		want=$(('"$count"' * 9 / 10)); first=$(('"$count"' / 10))
		t1= n1= end=$((SECONDS + 60))
		while [ $SECONDS -lt $end ]; do
			read -r v < $f; t=$EPOCHREALTIME; n=$((v - base))
			if [ -z "$t1" ] && [ $n -ge $first ]; then t1=$t n1=$n; fi
			if [ $n -ge $want ]; then
				awk -v a=$n1 -v b=$n -v s=$t1 -v e=$t "BEGIN { printf \"%.0f\n\", (b - a) * 1500 * 8 / (e - s) }"
				exit 0
			fi
		done
		echo 0' &
	local spid=$!
	ip netns exec ba bash -c "echo start > $PG/pgctrl; echo rem_device_all > $PG/kpktgend_0"
	wait $spid
}
# owd IP BW BASE: one-way delay (ms) from ping's minimum RTT, less the
# serialisation of its frame at BW and the path's own BASE.
owd() {
	ip netns exec ba ping -c 6 -i 0.2 -W 3 "$1" | sed -n 's|^rtt [^=]*= \([0-9.]*\)/.*|\1|p' |
		awk -v bw="$2" -v base="$3" '{ printf "%.3f\n", $1 / 2 - (bw ? 98 * 8 * 1000 / bw : 0) - base }'
}
ip netns exec ba ping -c 2 -W 3 10.31.0.2 >/dev/null
ip netns exec ba ping -c 2 -W 3 10.32.0.2 >/dev/null
obase=$(owd 10.31.0.2 0 0)
lbase=$(owd 10.32.0.2 0 0)
echo "one-way time without emulation: pipe $obase ms, veth $lbase ms (subtracted below)"
err() { awk -v m="$1" -v c="$2" 'BEGIN { printf "%+.1f%%", c ? (m - c) * 100 / c : 0 }'; }
printf '\n%-22s %12s %9s %12s %9s %10s %8s %10s %8s\n' "pipe vs netem" "pipe Mbit/s" "error" \
	"netem Mbit/s" "error" "pipe ms" "error" "netem ms" "error"
for bw in 10000000 100000000 1000000000; do
	# A burst of one second of traffic (half a second at 1 Gbit/s).
	count=$((bw / 12000))
	[ "$bw" -ge 1000000000 ] && count=$((count / 2))
	for d in 1 10 100; do
		ngctl msg bp: setcfg "{ bandwidth=$bw delay=$((d * 1000)) overhead=-1 downstream={ queuelen=$((count + 100)) } upstream={ queuelen=$((count + 100)) } }"
		for n in "ba va" "bb vb"; do
			set -- $n
			ip netns exec "$1" tc qdisc replace dev "$2" root netem rate "${bw}bit" delay "${d}ms" limit $((count + 100))
		done
		od=$(owd 10.31.0.2 "$bw" "$obase")
		ld=$(owd 10.32.0.2 "$bw" "$lbase")
		ot=$(burst ngeth0 ngeth1 "$count")
		lt=$(burst va vb "$count")
		printf '%-22s %12.2f %9s %12.2f %9s %10.3f %8s %10.3f %8s\n' \
			"$((bw / 1000000)) Mbit/s, $d ms" \
			"$(awk -v v="$ot" 'BEGIN { print v / 1e6 }')" "$(err "$ot" "$bw")" \
			"$(awk -v v="$lt" 'BEGIN { print v / 1e6 }')" "$(err "$lt" "$bw")" \
			"$od" "$(err "$od" "$d")" "$ld" "$(err "$ld" "$d")"
		sleep $((d / 50 + 1))
	done
done
ngctl msg bp: getstats
ip netns del ba
ip netns del bb
ngctl shutdown ngeth0:
ngctl shutdown ngeth1:
ngctl shutdown bp:
