# Churn under load (bounded under make test: 2 namespace cycles, 8 s of
# writers; `make stress` runs 1 000 cycles and 5 minutes):
# namespaces with live graphs of every node type created and destroyed with
# traffic flowing; parallel ngctl writers in several namespaces during
# traffic; interface moves and renames during traffic; the module unloaded
# while frames flood through bridge, pipe, tee and hub. No report, no leak,
# no hang (the harness checks the kernel log after the scenario).
. tests/lib.sh

cycles=${NG_CHURN_CYCLES:-2}
seconds=${NG_CHURN_SECONDS:-8}

# A graph of every type between two namespaces: ngeth0 (in $1) - bridge -
# pipe - tee - hub - ngeth1 (moved to $2); addresses 10.$3.0.1/2.
build() {
	ngctl -n "$1" -f - <<'S'
mkpeer . eiface e0 ether
mkpeer . eiface e1 ether
rmhook . e0
rmhook . e1
mkpeer ngeth0: bridge ether link0
name ngeth0:ether br
mkpeer br: pipe link1 lower
name br:link1 pp
msg pp: setcfg { bandwidth=100000000 delay=100 }
mkpeer pp: tee upper left
name pp:upper tt
mkpeer tt: hub right a
name tt:right hh
connect hh: ngeth1: b ether
S
	ip -n "$1" link set ngeth1 netns "$2"
	ip -n "$1" addr add "10.$3.0.1/24" dev ngeth0
	ip -n "$1" link set ngeth0 up
	ip -n "$2" addr add "10.$3.0.2/24" dev ngeth1
	ip -n "$2" link set ngeth1 up
}

# 1. Namespaces born and killed with a graph and a flood in them.
for i in $(seq "$cycles"); do
	ip netns add ca; ip netns add cb
	build ca cb 7
	ip netns exec ca ping -c 2 -i 0.2 -W 2 10.7.0.2 >/dev/null || fail "cycle $i: no ping through the graph"
	ip netns exec ca ping -f -w 2 10.7.0.2 >/dev/null 2>&1 &
	p=$!
	sleep 0.3
	if [ $((i % 2)) -eq 0 ]; then ip netns del ca; ip netns del cb; else ip netns del cb; ip netns del ca; fi
	wait $p || true
done
netns_settle
echo "# $cycles namespace pairs with a six-type graph destroyed under a ping flood"

# 2. Parallel writers in three namespaces while traffic flows in a fourth,
# whose interfaces are moved and renamed meanwhile.
ip netns add ta; ip netns add tb
build ta tb 8
ip netns exec ta ping -f -w "$seconds" 10.8.0.2 >/tmp/churn-flood 2>&1 &
flood=$!
writers=()
for w in 1 2 3; do
	ip netns add "w$w"
	(
		end=$(($(date +%s) + seconds))
		n=0
		while [ "$(date +%s)" -lt "$end" ]; do
			ngctl -n "w$w" -f - >/dev/null 2>&1 <<'S'
mkpeer . hub a b
name .:a ch
msg ch: setpersistent
mkpeer ch: bridge x link0
mkpeer ch: tee y left
connect ch: ch: p q
rmhook . a
shutdown ch:
S
			n=$((n + 1))
		done
		echo "$n" >"/tmp/churn-w$w"
	) &
	writers+=($!)
done
moves=0
end=$(($(date +%s) + seconds))
while [ "$(date +%s)" -lt "$end" ]; do
	ip -n tb link set ngeth1 name nx1 && ip -n tb link set nx1 name ngeth1 || fail "rename during traffic"
	ip -n ta link set ngeth0 netns tb && ip -n tb link set ngeth0 netns ta || fail "move during traffic"
	ip -n ta link set ngeth0 up
	ip -n ta addr add 10.8.0.1/24 dev ngeth0 2>/dev/null || true
	moves=$((moves + 1))
done
for p in "${writers[@]}"; do wait "$p" || fail "a writer failed"; done
wait $flood || true
expect_match "$(cat /tmp/churn-flood)" '[1-9][0-9]* packets transmitted' "flood during the churn"
echo "# writers: $(cat /tmp/churn-w1) + $(cat /tmp/churn-w2) + $(cat /tmp/churn-w3) graph scripts in ${seconds}s; $moves move+rename rounds under traffic"
ip netns del w1; ip netns del w2; ip netns del w3

# 3. Unload while pktgen floods through bridge, pipe, tee and hub: the
# kernel's packet generator sends from ngeth0 (an eiface, so every frame
# enters the graph at the device's transmit) to ngeth1 in tb.
ip netns exec ta ping -c 1 -W 2 10.8.0.2 >/dev/null || fail "ping before the unload"
pg() { ip netns exec ta sh -c "echo '$1' >/proc/net/pktgen/$2" || fail "pktgen: $1"; }
[ -e /proc/net/pktgen/pgctrl ] || fail "no pktgen (CONFIG_NET_PKTGEN)"
pg rem_device_all kpktgend_0
pg "add_device ngeth0" kpktgend_0
pg "count 0" ngeth0
pg "pkt_size 256" ngeth0
pg "dst 10.8.0.2" ngeth0
pg "dst_mac $(ip -n tb -br link show ngeth1 | awk '{print $3}')" ngeth0
rx() { ip -n tb -s -j link show ngeth1 | jq '.[0].stats64.rx.packets'; }
rx0=$(rx)
ip netns exec ta sh -c 'echo start >/proc/net/pktgen/pgctrl' 2>/dev/null &
flood=$!
t=0
while [ $(($(rx) - rx0)) -lt 1000 ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
got=$(($(rx) - rx0))
[ "$got" -ge 1000 ] || fail "pktgen: only $got frames through the graph in 10 s"
rmmod netgraph || fail "rmmod under a pktgen flood"
wait $flood || true
insmod "$NG_TOP/netgraph.ko" || fail "reload"
ip netns del ta; ip netns del tb
netns_settle
echo "# module unloaded under a pktgen flood through six node types ($got frames through the graph before it)"
