# bridge: the virtual-hosting setup (eifaces in two namespaces and a
# veth-backed ether node's lower/upper on one bridge), learning and the
# table, counters, unicast after learning, hook naming, config, loop
# detection between two bridges, 1000 links.
. tests/lib.sh
trap stop_taps EXIT

args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
stat() { ngctl -j msg "$1" getstats "$2" | jq -r ".args.$3 // 0"; }

# --- virtual hosting: bridge "vh" with the wire (va/vb in "out"), the
# host (va's upper) and two namespaces behind eifaces.
ip netns add out; ip netns add n1; ip netns add n2
for n in n1 n2; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
ip link add va type veth peer name vb netns out
for d in va; do sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; done
ip netns exec out sysctl -qw net.ipv6.conf.vb.disable_ipv6=1
ip link set va up
ip -n out addr add 10.5.0.100/24 dev vb; ip -n out link set vb up
ngctl -f - <<'S'
mkpeer va: bridge lower link0
name va:lower vh
connect va: vh: upper link1
mkpeer vh: eiface link2 ether
mkpeer vh: eiface link3 ether
S
expect_eq "$(args vh: getconfig)" "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }" "default config"
ip addr add 10.5.0.1/24 dev va
ip link set ngeth0 netns n1; ip link set ngeth1 netns n2
ip -n n1 addr add 10.5.0.11/24 dev ngeth0; ip -n n1 link set ngeth0 up
ip -n n2 addr add 10.5.0.12/24 dev ngeth1; ip -n n2 link set ngeth1 up
ip netns exec n1 ping -c 2 -i 0.3 -W 2 10.5.0.12 >/dev/null || fail "n1 -> n2"
ip netns exec n1 ping -c 2 -i 0.3 -W 2 10.5.0.100 >/dev/null || fail "n1 -> outside peer"
ip netns exec n2 ping -c 2 -i 0.3 -W 2 10.5.0.1 >/dev/null || fail "n2 -> host"
ping -c 2 -i 0.3 -W 2 10.5.0.100 >/dev/null || fail "host -> outside peer"

# The table: each MAC on its link.
mac_n1=$(ip netns exec n1 cat /sys/class/net/ngeth0/address)
mac_n2=$(ip netns exec n2 cat /sys/class/net/ngeth1/address)
mac_out=$(ip netns exec out cat /sys/class/net/vb/address)
mac_host=$(cat /sys/class/net/va/address)
table=$(ngctl -j msg vh: gettable)
hook_of() { echo "$table" | jq -r --arg a "$1" '.args.hosts[] | select(.addr == $a) | .hook'; }
expect_eq "$(hook_of "$mac_n1")" link2 "n1's MAC"
expect_eq "$(hook_of "$mac_n2")" link3 "n2's MAC"
expect_eq "$(hook_of "$mac_out")" link0 "outside peer's MAC"
expect_eq "$(hook_of "$mac_host")" link1 "host's MAC"
expect_eq "$(echo "$table" | jq '.args.numHosts')" "$(echo "$table" | jq '.args.hosts | length')" "numHosts"
expect_match "$(ngctl msg vh: gettable | sed -n 's/^Args:\t//p')" '^\{ numHosts=4 hosts=\[ \{ addr=' "gettable text"

# Exact counters on a quiet bridge "cb": taps on link2 and link3, a host
# placed on link2 with movehost, frames written from link9.
ngctl -f - <<'S'
mkpeer . bridge x link0
name x cb
msg cb: setpersistent
S
tap cb: link2 /tmp/t2
tap cb: link3 /tmp/t3
ngctl msg cb: movehost '{ addr=02:00:00:00:00:22 hook="link2" }'
bcast="0xff 0xff 0xff 0xff 0xff 0xff 0x02 0x00 0x00 0x00 0x00 0x99 0x88 0xb5 $(seq -s ' ' 1 46)"
ucast="0x02 0x00 0x00 0x00 0x00 0x22 0x02 0x00 0x00 0x00 0x00 0x99 0x88 0xb5 $(seq -s ' ' 1 46)"
{
	echo "connect . cb: s link9"
	for i in 1 2 3; do echo "write s $bcast"; done
	for i in 1 2 3 4 5; do echo "write s $ucast"; done
	echo "msg cb: getstats 9"
} | ngctl -f - >/tmp/s9
wait_frames /tmp/t2 8
sleep 0.3
expect_eq "$(frames /tmp/t2)" 8 "link2's tap: 3 broadcasts + 5 unicasts"
expect_eq "$(frames /tmp/t3)" 3 "link3's tap: the broadcasts only"
expect_match "$(cat /tmp/s9)" 'recvOctets=480 recvPackets=8 recvBroadcast=3' "link9 counters"
expect_eq "$(stat cb: 2 xmitPackets)" 8 "link2 xmitPackets"
expect_eq "$(stat cb: 2 xmitBroadcasts)" 3 "link2 xmitBroadcasts"
expect_eq "$(stat cb: 3 xmitPackets)" 3 "unicast after learning reaches only link2"
expect_eq "$(stat cb: 3 xmitOctets)" 180 "link3 xmitOctets"
# link9 is gone (its socket closed): its hosts went with it, and stats on
# an absent link are ENOTCONN.
expect_fail 71 "Transport endpoint is not connected" ngctl msg cb: getstats 9
expect_eq "$(ngctl -j msg cb: gettable | jq '[.args.hosts[] | select(.addr == "02:00:00:00:00:99")] | length')" 0 "hosts of a removed link"
# Learning is visible to the very next frame: a host heard on link5 gets
# the unicast written right after it on link6, and no other link does.
b55="0xff 0xff 0xff 0xff 0xff 0xff 0x02 0x00 0x00 0x00 0x00 0x55 0x88 0xb5 $(seq -s ' ' 1 46)"
u55="0x02 0x00 0x00 0x00 0x00 0x55 0x02 0x00 0x00 0x00 0x00 0x66 0x88 0xb5 $(seq -s ' ' 1 46)"
printf 'connect . cb: a link5\nconnect . cb: b link6\nwrite a %s\nwrite b %s\nmsg cb: getstats 5\n' "$b55" "$u55" |
	ngctl -f - >/tmp/s5
wait_frames /tmp/t3 4
sleep 0.3
expect_match "$(cat /tmp/s5)" 'recvBroadcast=1 .*xmitOctets=60 xmitPackets=1' "the unicast went to link5"
expect_eq "$(frames /tmp/t3)" 4 "link3: the broadcast, not the unicast"
expect_eq "$(frames /tmp/t2)" 9 "link2: the broadcast, not the unicast"
ngctl msg cb: getclrstats 2 >/dev/null
expect_eq "$(args cb: getstats 2)" "{}" "all-zero stats print {}"
stop_taps
ngctl shutdown cb:

# Config and naming.
ngctl msg vh: setconfig '{ debugLevel=2 loopTimeout=5 maxStaleness=300 minStableAge=2 }'
expect_eq "$(args vh: getconfig)" "{ debugLevel=2 loopTimeout=5 maxStaleness=300 minStableAge=2 }" "setconfig"
ngctl msg vh: setconfig '{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }'
expect_fail 71 "Invalid argument" ngctl mkpeer vh: hub link01 x
expect_fail 71 "Invalid argument" ngctl mkpeer vh: hub uplink0 x
expect_fail 71 "Invalid argument" ngctl mkpeer vh: hub foo x
expect_fail 71 "Too many levels" ngctl connect vh: vh: link7 link8
ngctl mkpeer vh: hub link x
expect_match "$(ngctl show vh:)" '  link4 ' "bare link takes the lowest free number"
ngctl mkpeer vh: hub uplink x
expect_match "$(ngctl show vh:)" '  uplink1 ' "bare uplink starts at 1"
expect_eq "$(stat vh: -1 recvPackets)" 0 "negative numbers select uplinks"
ngctl rmhook vh: uplink1; ngctl rmhook vh: link4
ngctl msg vh: movehost '{ addr=02:00:00:00:00:77 hook="link3" }'
expect_eq "$(ngctl -j msg vh: gettable | jq -r '.args.hosts[] | select(.addr == "02:00:00:00:00:77") | .hook')" link3 "movehost"
ngctl msg vh: reset
expect_eq "$(ngctl -j msg vh: gettable | jq '.args.numHosts')" 0 "reset forgets hosts"

# Tear down: the namespaces' interfaces come home and go with their nodes.
ip netns del n1; ip netns del n2; ip netns del out
ngctl shutdown vh:
for i in 0 1; do ngctl shutdown ngeth$i: 2>/dev/null || true; done
expect_eq "$(count_type bridge)" 0 "bridges left"

# --- two bridges joined by two links: the loop is detected, the sender
# gets ELOOP, nothing livelocks.
ngctl -f - <<'S'
mkpeer . bridge x link5
name x b1
mkpeer b1: bridge link0 link0
name b1:link0 b2
connect b1: b2: link1 link1
msg b1: setpersistent
msg b2: setpersistent
S
expect_fail 71 "Too many levels of symbolic links" ngctl -f - <<<"connect . b1: s link2
write s $bcast"
detects=$(( $(stat b1: 1 loopDetects) + $(stat b2: 1 loopDetects) + $(stat b1: 0 loopDetects) + $(stat b2: 0 loopDetects) ))
[ "$detects" -ge 1 ] || fail "no loop detected"
# A muted link drops what it receives (counted in loopDrops); the bridges
# still answer.
loopdrops() { echo $(( $(stat b1: 1 loopDrops) + $(stat b2: 1 loopDrops) + $(stat b1: 0 loopDrops) + $(stat b2: 0 loopDrops) )); }
before=$(loopdrops)
ngctl -f - <<<"connect . b1: s link2
write s $bcast" 2>/dev/null || true
after=$(loopdrops)
[ "$after" -gt "$before" ] || fail "nothing dropped on the muted link (loopDrops $before -> $after)"
expect_match "$(args b1: getconfig)" "loopTimeout" "b1 answers getconfig after the loop"
ngctl shutdown b1:; ngctl shutdown b2:

# --- one host on two links within minStableAge: the second link is muted
# for loopTimeout seconds (what it receives meanwhile counted in
# loopDrops), then carries traffic again. Hubs hold the links between
# ngctl runs; the times are long because each ngctl run takes a good part
# of a second in the emulated VM.
ngctl -f - <<'S'
mkpeer . bridge x link1
name .:x lb
msg lb: setpersistent
msg lb: setconfig { debugLevel=1 loopTimeout=10 maxStaleness=900 minStableAge=60 }
mkpeer lb: hub link2 x
name lb:link2 h2
msg h2: setpersistent
rmhook . x
mkpeer lb: hub link1 x
name lb:link1 h1
msg h1: setpersistent
S
b77=${bcast/0x99/0x77}
via() { ngctl -f - <<<"connect . $1 s s
write s ${2:-$bcast}" 2>/dev/null || true; }
host_link() { ngctl -j msg lb: gettable | jq -r --arg a "$1" '.args.hosts[] | select(.addr == $a) | .hook'; }
# The three frames go in one ngctl run: the checks that follow read
# counters only, so a slow VM cannot let the mute expire before the third
# frame arrives (it did once, with one ngctl run per frame).
ngctl -k -f - <<<"connect . h1: s1 s
write s1 $bcast
connect . h2: s2 s
write s2 $bcast
write s2 $b77" 2>/dev/null || true
expect_eq "$(host_link 02:00:00:00:00:99)" link1 "host learned on link1, stays there"
expect_eq "$(stat lb: 2 loopDetects)" 1 "loop detected on link2"
expect_eq "$(stat lb: 2 loopDrops)" 2 "the offending frame and the next dropped on muted link2"
expect_eq "$(stat lb: 1 xmitBroadcasts)" 0 "nothing from the muted link reached link1"
expect_eq "$(host_link 02:00:00:00:00:77)" "" "nothing learned on the muted link"
sleep 12
via h2: "$b77"
expect_eq "$(stat lb: 2 loopDrops)" 2 "link2 unmuted after loopTimeout"
expect_eq "$(host_link 02:00:00:00:00:77)" link2 "a new host learned on link2"
expect_eq "$(stat lb: 1 xmitBroadcasts)" 1 "link2's broadcast reached link1"
ngctl shutdown lb:; ngctl shutdown h1:; ngctl shutdown h2:

# --- 1000 links on one bridge; a broadcast reaches every one.
{
	echo "mkpeer . bridge b link0"
	echo "name b big"
	echo "msg big: setpersistent"
	for i in $(seq 1 999); do echo "mkpeer big: hub link$i x"; done
} | ngctl -f -
expect_eq "$(num_hooks big:)" 999 "999 links (link0 went with ngctl)"
ngctl -f - <<<"connect . big: s link0
write s $bcast"
expect_eq "$(stat big: 999 xmitBroadcasts)" 1 "flood reached the last link"
expect_eq "$(stat big: 1 xmitBroadcasts)" 1 "flood reached the first link"
ngctl shutdown big:
expect_eq "$(count_type hub)" 0 "hubs went with the bridge"
