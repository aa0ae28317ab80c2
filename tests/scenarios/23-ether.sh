# ether on a veth pair (va here, vb in namespace p): one node per Ethernet
# device, following renames, moves and removal; lower/upper/orphans with
# FreeBSD semantics; the messages; clear errors when the device's receive
# hook is taken.
. tests/lib.sh
trap stop_taps EXIT

args() { ngctl msg "$@" | awk '$1 == "Args:" {print $2}'; }

ip netns add p
ip link add va type veth peer name vb netns p
ip link set va address 02:00:00:00:0a:0a
ip -n p link set vb address 02:00:00:00:0b:0b
sysctl -qw net.ipv6.conf.va.disable_ipv6=1
ip netns exec p sysctl -qw net.ipv6.conf.vb.disable_ipv6=1
ip addr add 10.7.0.1/24 dev va; ip link set va up
ip -n p addr add 10.7.0.2/24 dev vb; ip -n p link set vb up; ip -n p link set lo up
# No neighbour probes from the host: the counts of frames reaching vb below
# must be the test's own.
ip neigh replace 10.7.0.2 lladdr 02:00:00:00:0b:0b dev va nud permanent

# Nodes appear with their devices, in each namespace.
expect_match "$(ngctl list)" 'Name: va +Type: ether ' "ether node va"
expect_match "$(ngctl -n p list)" 'Name: vb +Type: ether ' "ether node vb in p"
expect_fail 71 "Invalid argument" ngctl mkpeer . ether x lower
expect_eq "$(args va: getifname)" '"va"' "getifname"
expect_eq "$(args va: getifindex)" "$(cat /sys/class/net/va/ifindex)" "getifindex"
expect_eq "$(args va: getenaddr)" 02:00:00:00:0a:0a "getenaddr"
ping -c 1 -W 2 10.7.0.2 >/dev/null || fail "plain ping"

# lower: frames from the peer go to the hook, not to the host.
tap va: lower /tmp/l
ip netns exec p ping -c 3 -i 0.3 -W 1 10.7.0.1 >/dev/null 2>&1 && fail "host answered while lower diverts"
wait_frames /tmp/l 1
expect_match "$(grep '^0000:' /tmp/l | head -1)" '^0000:  (ff ff ff ff ff ff|02 00 00 00 0a 0a) 02 00 00 00 0b 0b 08 0[06]' "diverted frame"
stop_taps
ping -c 1 -W 2 10.7.0.2 >/dev/null || fail "ping after lower disconnected"

# Frames written to lower reach the peer.
rx0=$(ip netns exec p cat /sys/class/net/vb/statistics/rx_packets)
frame="0x02 0x00 0x00 0x00 0x0b 0x0b 0x02 0x00 0x00 0x00 0x0a 0x0a 0x88 0xb5 $(seq -s ' ' 1 46)"
printf 'connect . va: w lower\nwrite w %s\nwrite w %s\nwrite w %s\n' "$frame" "$frame" "$frame" | ngctl -f -
expect_eq "$(( $(ip netns exec p cat /sys/class/net/vb/statistics/rx_packets) - rx0 ))" 3 "peer received frames written to lower"
expect_fail 71 "Invalid argument" ngctl -f - <<<$'connect . va: w lower\nwrite w 1 2 3'
ip link set va down
expect_fail 71 "Network is down" ngctl -f - <<<"connect . va: w lower
write w $frame"
ip link set va up
sleep 1

# upper+lower spliced: the host's networking works exactly as before.
ngctl connect va: va: lower upper
expect_eq "$(num_hooks va:)" 2 "hooks after splice"
ping -c 3 -i 0.3 -W 2 10.7.0.2 >/dev/null || fail "ping through lower/upper splice"
ip netns exec p ping -c 3 -i 0.3 -W 2 10.7.0.1 >/dev/null || fail "ping back through splice"
# upper alone: what the host sends goes to the hook.
ngctl rmhook va: lower
tap va: upper /tmp/u
ping -c 2 -i 0.3 -W 1 10.7.0.9 >/dev/null 2>&1 || true
wait_frames /tmp/u 1
# The first ARP is a broadcast for 10.7.0.9, or a unicast probe refreshing
# the neighbour entry of 10.7.0.2 if that went stale meanwhile.
expect_match "$(grep '^0000:' /tmp/u | head -1)" '^0000:  (ff ff ff ff ff ff|02 00 00 00 0b 0b) 02 00 00 00 0a 0a 08 06' "host ARP on upper"
stop_taps

# orphans: only unknown EtherTypes (from p's own graph, written on vb).
tap va: orphans /tmp/o
uframe="0x02 0x00 0x00 0x00 0x0a 0x0a 0x02 0x00 0x00 0x00 0x0b 0x0b 0x88 0xb5 $(seq -s ' ' 1 46)"
printf 'connect . vb: w lower\nwrite w %s\nwrite w %s\n' "$uframe" "$uframe" | ngctl -n p -f -
ping -c 2 -i 0.3 -W 2 10.7.0.2 >/dev/null || fail "IP still reaches the host while orphans is connected"
wait_frames /tmp/o 2
sleep 0.3
expect_eq "$(frames /tmp/o)" 2 "only the unknown-EtherType frames on orphans"
stop_taps

# Messages.
expect_eq "$(args va: getpromisc)" 0 "getpromisc"
ngctl msg va: setpromisc 1
expect_eq "$(args va: getpromisc)" 1 "getpromisc after set"
expect_eq "$(( $(cat /sys/class/net/va/flags) & 0x100 ))" 256 "IFF_PROMISC set"
id=$(ngctl show -n va: | awk '{print $6}')
ngctl shutdown va:
expect_eq "$(ngctl show -n va: | awk '{print $6}')" "$id" "ether node survives shutdown with its ID"
expect_eq "$(args va: getpromisc)" 0 "promisc reset by shutdown"
expect_eq "$(( $(cat /sys/class/net/va/flags) & 0x100 ))" 0 "IFF_PROMISC cleared"
# So does removing the last hook.
tap va: orphans /tmp/o
ngctl msg va: setpromisc 1
expect_eq "$(( $(cat /sys/class/net/va/flags) & 0x100 ))" 256 "IFF_PROMISC set again"
stop_taps
for i in $(seq 40); do [ "$(num_hooks va:)" = 0 ] && break; sleep 0.05; done
expect_eq "$(num_hooks va:)" 0 "tap's hook gone"
expect_eq "$(args va: getpromisc)" 0 "promisc reset by the last hook's removal"
expect_eq "$(( $(cat /sys/class/net/va/flags) & 0x100 ))" 0 "IFF_PROMISC cleared again"
ngctl msg va: setautosrc 1
expect_eq "$(args va: getautosrc)" 1 "autosrc"
ngctl msg va: setautosrc 0
ngctl msg va: setenaddr 02:00:00:00:0a:0c
expect_eq "$(cat /sys/class/net/va/address)" 02:00:00:00:0a:0c "setenaddr"
ngctl msg va: addmulti 01:00:5e:00:00:42
expect_match "$(ip maddr show dev va)" '01:00:5e:00:00:42' "addmulti"
expect_fail 71 "Address already in use" ngctl msg va: addmulti 01:00:5e:00:00:42
ngctl msg va: delmulti 01:00:5e:00:00:42
expect_no_match "$(ip maddr show dev va)" '01:00:5e:00:00:42' "delmulti"

# Renamed with the device ('.' and ':' become '_').
ip link set va down
ip link set va name va.1
expect_match "$(ngctl list)" 'Name: va_1 +Type: ether' "renamed node"
ip link set va.1 name va

# A bridge port's receive hook is taken: a clear error.
ip link add br0 type bridge
ip link add vc type veth peer name vd
ip link set vc master br0
expect_fail 71 "receive handler is taken" ngctl mkpeer vc: hub lower x
expect_eq "$(num_hooks vc:)" 0 "no hook left behind"
ip link del br0
# So is a bond slave's.
ip link add bd1 type bond
ip link set vd master bd1
expect_fail 71 "receive handler is taken" ngctl mkpeer vd: hub lower x
expect_eq "$(num_hooks vd:)" 0 "no hook left behind on the bond slave"
ip link del bd1

# Moved: destroyed here, recreated there with a new ID.
ip link set vc netns p
expect_no_match "$(ngctl list)" 'Name: vc ' "vc's node left"
expect_match "$(ngctl -n p list)" 'Name: vc +Type: ether' "vc's node in p"
# detach destroys the node; removing the device removes its node.
ngctl -n p msg vc: detach
expect_no_match "$(ngctl -n p list)" 'Name: vc ' "detached"
ip link del va
expect_no_match "$(ngctl list)" 'Name: va ' "va's node gone with the device"
ip netns del p
