# Real FreeBSD netgraph clients, replayed with their own ngctl command
# lines and output parsing; only the OS-level words are translated
# (`jexec J` -> `ip netns exec J`, `ifconfig` -> `ip`):
#   - IMUNES's FreeBSD back end (runtime/freebsd.tcl, nodes/generic_l2.tcl,
#     generic_l3.tcl, scripts/vlink.tcl): a hub experiment, two pcs joined
#     through pipes, link settings, vlink's getcfg parse, and teardown;
#   - FreeBSD's jng (share/examples/jails/jng): bridge, show, stats, shutdown;
#   - ngbuddy (bellhyve/ngbuddy): public bridge, link numbering from
#     `list -l`, a jail interface, the status parse, unjail and stop.
. tests/lib.sh
jexec() { local j=$1; shift; ip netns exec "$j" "$@"; }
cleanup() {
	for n in i1a2b3 i1a2b3.n0 i1a2b3.n1 jh www ext nb nbext; do ip netns delete "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup

## IMUNES: experiment i1a2b3, pcs n0 and n1 on hub n2 over links l0, l1.
eid=i1a2b3
ip netns add $eid
jexec $eid ip link set lo up
for n in n0 n1; do ip netns add $eid.$n; done
# nodeCreate (generic_l2.tcl): the hub.
printf "mkpeer hub link1 link1
 msg .link1 setpersistent
 name .link1 n2
" | jexec $eid ngctl -f -
jexec $eid ngctl show n2: >/dev/null || fail "hub n2 made"
# nodePhysIfacesCreate (generic_l3.tcl): the eiface's name is cut from the
# first line of `show`, the interface renamed, the node named, moved.
i=0
for n in n0 n1; do
	i=$((i + 1))
	ifid=$(printf "mkpeer . eiface $n-ifc0 ether \n show .:$n-ifc0" | jexec $eid ngctl -f - | head -n1 | cut -d' ' -f4)
	expect_match "$ifid" '^ngeth[0-9]+$' "IMUNES's cut of the show line"
	jexec $eid ip link set "$ifid" name $n-ifc0
	jexec $eid ngctl name "$ifid:" $n-ifc0
	jexec $eid ip link set $n-ifc0 netns $eid.$n
	jexec $eid.$n ip link set $n-ifc0 name eth0
	jexec $eid.$n ip link set eth0 address 42:00:aa:00:00:0$i
	jexec $eid.$n ip addr add 10.0.0.$i/24 dev eth0
	jexec $eid.$n ip link set eth0 up
done
# createLinkBetween (freebsd.tcl): a pipe per link; no trailing newline.
h=0
for l in l0 l1; do
	h=$((h + 1))
	n=n$((h - 1))
	printf "mkpeer $n-ifc0: pipe ether upper\n name $n-ifc0:ether $l\n connect $l: n2: lower link$h" | jexec $eid ngctl -f -
	jexec $eid ngctl show $l: >/dev/null 2>/tmp/imunes.err || fail "link $l made"
	[ ! -s /tmp/imunes.err ] || fail "isOk needs an empty stderr: $(cat /tmp/imunes.err)"
done
# configureLinkBetween: IMUNES's exact setcfg (no spaces inside braces).
printf "msg l0: setcfg {bandwidth=10000000 delay=5000 upstream={BER=-1 duplicate=-1} downstream={BER=-1 duplicate=-1}}" | jexec $eid ngctl -f -
printf "msg l1: setcfg {bandwidth=10000000 delay=5000 upstream={BER=-1 duplicate=-1} downstream={BER=-1 duplicate=-1}}" | jexec $eid ngctl -f -
# Queue settings, quoted as IMUNES's exec does.
jexec $eid ngctl msg l0: setcfg "{ upstream={ queuelen=100 } }"
jexec $eid ngctl msg l0: setcfg "{ downstream={ drophead=1 } }"
out=$(jexec $eid.n0 ping -c 3 -i 0.2 -W 2 10.0.0.2) || fail "ping across the IMUNES hub: $out"
rtt=$(echo "$out" | sed -n 's|^rtt .* = \([0-9.]*\)/.*|\1|p')
# Two links of 5 ms each way: at least 20 ms round trip.
awk -v r="$rtt" 'BEGIN { exit !(r >= 20) }' || fail "round trip $rtt ms, links should add 20 ms"
# vlink.tcl: setcfg with "}downstream=" glued, then getcfg's Args line
# read as a Tcl list: element 1 holds bandwidth=, delay=, BER=, duplicate=.
jexec $eid ngctl msg l0: setcfg { bandwidth=1000000 delay=5000 upstream={ duplicate=5 BER=1000 }downstream={ duplicate=5 BER=1000 } }
out=$(jexec $eid ngctl msg l0: getcfg)
args=$(echo "$out" | sed -n 2p)
expect_match "$args" '^Args:	\{ ' "getcfg's second line"
for kv in bandwidth=1000000 delay=5000 BER=1000 duplicate=5; do
	echo "$args" | tr ' ' '\n' | grep -qx "$kv" || fail "vlink finds $kv in: $args"
done
# terminate: unconfigure, destroy links by the generic shutdown message,
# interfaces by rmnode batches, the hub by message; each check must fail.
for l in l0 l1; do
	printf "msg $l: setcfg {bandwidth=-1 delay=-1 upstream={BER=-1 duplicate=-1} downstream={BER=-1 duplicate=-1}}" | jexec $eid ngctl -f -
	jexec $eid ngctl msg $l: shutdown
	if jexec $eid ngctl show $l: >/dev/null 2>&1; then fail "link $l still there"; fi
done
# (The interfaces are still in the pcs' namespaces: the nodes are not.)
for n in n0 n1; do
	printf " rmnode $n-ifc0:\n" | jexec $eid ngctl -f -
done
if jexec $eid.n0 ip link show eth0 >/dev/null 2>&1; then fail "rmnode left n0's interface"; fi
jexec $eid ngctl msg n2: shutdown
if jexec $eid ngctl show n2: >/dev/null 2>&1; then fail "hub n2 still there"; fi
left=$(jexec $eid ngctl list | awk '$4 != "socket" && $4 != "ether" && $1 == "Name:"')
expect_eq "$left" "" "IMUNES's teardown leaves nothing"

## jng bridge www em0; jng show; jng stats www; jng shutdown www.
ip netns add jh
ip netns add www
ip netns add ext
jexec jh ip link add em0 type veth peer name em0p
jexec jh ip link set em0p netns ext
jexec ext ip addr add 10.9.0.1/24 dev em0p
jexec ext ip link set em0p up
jng() { jexec jh "$@"; }
jng ngctl msg "ng0_www:" getifname >/dev/null 2>&1 && fail "ng0_www exists before jng bridge"
jng ip link set em0 up
jng ngctl msg em0: setpromisc 1
jng ngctl msg em0: setautosrc 0
if ! jng ngctl info em0bridge: >/dev/null 2>&1; then
	jng ngctl mkpeer em0: bridge lower link0
	jng ngctl connect em0: em0:lower upper link1
	jng ngctl name em0:lower em0bridge
fi
# The first free link: getstats fails on a link that is not connected.
num=2
while jng ngctl msg "em0bridge:" getstats $num >/dev/null 2>&1; do num=$((num + 1)); done
expect_eq "$num" 2 "jng's free-link probe"
jng ngctl mkpeer "em0bridge:" eiface link$num ether
new=$(set -- $(jng ngctl show -n "em0bridge:link$num") && echo $2)
expect_match "$new" '^ngeth[0-9]+$' "jng's read of the new eiface"
jng ngctl name "em0bridge:link$num" ng0_www
jng ip link set "$new" name ng0_www
jng ip link set ng0_www netns www
jexec www ip addr add 10.9.0.2/24 dev ng0_www
jexec www ip link set ng0_www up
out=$(jexec www ping -c 3 -i 0.2 -W 2 10.9.0.1) || fail "ping from the jng jail through em0: $out"
# jng show: awk range patterns over `ls` ($4 type, $2 name) and `show`.
shown=$(jng ngctl ls | awk '$4=="bridge",$0=$2' | xargs -r -Ibridge ip netns exec jh ngctl show bridge: |
	awk 'sub(/^ng[[:digit:]]+_/, "", $2), $0 = $2' | sort -u)
expect_eq "$shown" "www" "jng show"
shown=$(jng ngctl ls | awk -v name="www" 'match($2, /^ng[[:digit:]]+_/) && substr($2, RSTART + RLENGTH) == name && $4 == "eiface", $0 = $2' | sort)
expect_eq "$shown" "ng0_www" "jng show www"
# jng stats: the eiface's hook row names bridge and link; getstats's
# key=value words, one per line.
stats=$(jng ngctl show ng0_www: | awk '$3 == "bridge" && $5 ~ /^link/ { bridge=$2; link=substr($5,5); system(sprintf("ip netns exec jh ngctl msg %s: getstats %u", bridge, link)) }' | fmt -w 2 |
	awk '/=/ && fl = index($0, "=") { printf "%20s = %s\n", substr($0,0,fl-1), substr($0,fl+1) }')
expect_match "$stats" '^ +recvPackets = [1-9][0-9]*$' "jng stats: packets from the jail"
expect_match "$stats" '^ +xmitOctets = [1-9][0-9]*$' "jng stats: octets to the jail"
# jng shutdown www.
jexec www ip link set ng0_www netns jh
jng ngctl ls | awk -v name="www" 'match($2, /^ng[[:digit:]]+_/) && substr($2, RSTART + RLENGTH) == name && $4 == "eiface", $0 = $2' |
	xargs -r -I eiface ip netns exec jh ngctl shutdown eiface:
expect_eq "$(NS=jh count_type eiface)" 0 "jng shutdown"

## ngbuddy: public bridge on em0, a jail interface, status, unjail, stop.
ip netns add nb
ip netns add nbext
jexec nb ip link add em0 type veth peer name em0p
jexec nb ip link set em0p netns nbext
nb() { jexec nb "$@"; }
linkpp() {
	nb ngctl list -l | awk '$1 ~ /^link/ { x = int(substr($1, 5)); if (x > y) y = x }
		END { print (x != "") ? (++y) : 0}'
}
expect_eq "$(linkpp)" 0 "ngbuddy: netgraph not initialised yet"
nb ngctl msg em0: setpromisc 1
nb ngctl msg em0: setautosrc 0
nb ngctl mkpeer em0: bridge lower link0
nb ngctl name em0:lower public
nb ngctl connect em0: public: upper link1
LNUM=$(linkpp)
expect_eq "$LNUM" 2 "ngbuddy's next link number"
# ngbuddy_create_eiface jail1 public (cut -w -f3 is awk here).
nb ngctl mkpeer "public:" eiface "link$LNUM" ether
ng_if="$(nb ngctl show -n "public:link$LNUM" | awk '{print $2}')"
expect_match "$ng_if" '^ngeth[0-9]+$' "ngbuddy's read of the new eiface"
nb ngctl name "$ng_if:" "jail1"
nb ip link set "$ng_if" name jail1
nb ip link set jail1 up
nb ip link set em0 up
# ngbuddy-status.awk, as the rc script runs it (the traffic: a few frames
# from the jail interface out of em0).
nb ip addr add 10.8.0.2/24 dev jail1
nb ping -c 2 -i 0.2 -W 1 10.8.0.1 >/dev/null 2>&1 || true
cat >/tmp/ngbuddy-status.awk <<'AWK'
# ngbuddy-status.awk's loop (share/ngbuddy/ngbuddy-status.awk).
function bytes(n) { return (n == "" ? 0 : n) "B" }
BEGIN {
	while ("ngctl list -l" | getline) {
		if ($3 == "Type:") {
			if ($4 == "bridge") { bridge_name = $2; print bridge_name } else bridge_name = ""
		} else if (bridge_name && sub(/link/, "", $1)) {
			link_name = $2
			if ($5 == "upper") link_name = $2 " (upper)"; else if ($5 == "lower") link_name = $2 " (lower)"
			statcmd = "ngctl msg " bridge_name ": getstats " $1
			statcmd | getline; statcmd | getline; close(statcmd)
			split("", stats)
			for (stat = 3; stat < NF; stat++) { split($stat, kv, /=/); stats[kv[1]] = kv[2] }
			print "  " link_name ": RX " bytes(stats["recvOctets"]) ", TX " bytes(stats["xmitOctets"])
		}
	}
}
AWK
status=$(nb awk -f /tmp/ngbuddy-status.awk)
expect_match "$(echo "$status" | sed -n 1p)" '^public$' "ngbuddy status: the bridge"
expect_match "$status" '^  jail1: RX [1-9][0-9]*B, TX [0-9]+B$' "ngbuddy status: the jail's counters"
expect_match "$status" '^  em0 \(lower\): RX [0-9]+B, TX [1-9][0-9]*B$' "ngbuddy status: the uplink's counters"
# unjail: the bridge of an interface from list -l's hook rows.
bridge=$(nb ngctl list -l | awk -v myif="jail1" '($3 == "bridge"){bridge[$5] = $2} ($3 == "eiface"){eiface[$2] = $1} END{print bridge[eiface[myif]]}')
expect_eq "$bridge" "public" "ngbuddy's bridge lookup"
nb ngctl shutdown "jail1":
# stop: every eiface and bridge, counted (GNU xargs: -I implies -n1 and
# warns when both are given, which would be counted too).
count=$(nb ngctl list | awk '$4 ~ /eiface|bridge/ { print $2 }' | xargs -t -I% ip netns exec nb ngctl shutdown %: 2>&1 | awk 'END { print NR }')
expect_eq "$count" 1 "ngbuddy stop shut down the bridge"
expect_eq "$(NS=nb count_type bridge)" 0 "ngbuddy stop"
