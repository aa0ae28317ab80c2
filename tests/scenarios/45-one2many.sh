# one2many (FreeBSD ng_one2many): round robin, all and failover from
# `one`, everything from the many links to `one`; configuration and
# counters as FreeBSD prints them; failover driven by link-state news
# (failAlg=2) from a pipe's BER=1 and from a veth's carrier through its
# ether node; `one`'s peer told when the last link goes.
. tests/lib.sh
cleanup() {
	stop_taps
	ip link del va 2>/dev/null || true
	ip link del vc 2>/dev/null || true
}
trap cleanup EXIT

args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
# wait_args EXPECTED WHAT MSG...: until the reply's Args are EXPECTED
# (link-state news from a device comes through linkwatch, within a second).
wait_args() {
	local want=$1 what=$2 i
	shift 2
	for i in $(seq 100); do
		[ "$(args "$@")" = "$want" ] && return 0
		sleep 0.05
	done
	fail "$what: expected '$want', got '$(args "$@")'"
}
stat() { ngctl -j msg o2m: getstats "$1" | jq -r ".args.$2 // 0"; }
F60=$(seq -s ' ' 1 60)
send() { # send N: N 60-byte frames into `one`
	{ echo "connect . h1: w w"; for _ in $(seq "$1"); do echo "write w $F60"; done; } | ngctl -f -
}

ngctl -f - <<'S'
mkpeer . hub t1 a
name t1 h1
msg h1: setpersistent
mkpeer h1: one2many o one
name h1:o o2m
S
tap o2m: many0 /tmp/m0
tap o2m: many1 /tmp/m1
tap o2m: many2 /tmp/m2
expect_eq "$(args o2m: getconfig)" "{ xmitAlg=1 failAlg=1 enabledLinks=[ 1 1 1 ] }" "connected links are enabled"

# --- round robin
send 6
wait_frames /tmp/m2 2
expect_eq "$(frames /tmp/m0)$(frames /tmp/m1)$(frames /tmp/m2)" 222 "round robin over three links"
expect_eq "$(args o2m: getstats 0)" "{ xmitOctets=120 xmitPackets=2 }" "link 0 counters"
expect_eq "$(args o2m: getstats -1)" "{ recvOctets=360 recvPackets=6 }" "one's counters"

# --- all: a copy to every active link
ngctl msg o2m: setconfig '{ xmitAlg=2 failAlg=1 enabledLinks=[ 1 1 1 ] }'
send 1
wait_frames /tmp/m0 3
wait_frames /tmp/m1 3
wait_frames /tmp/m2 3

# --- failover: the lowest enabled link; link 0 disabled by hand
ngctl msg o2m: setconfig '{ xmitAlg=3 failAlg=1 enabledLinks=[ 0 1 1 ] }'
expect_eq "$(args o2m: getconfig)" "{ xmitAlg=3 failAlg=1 enabledLinks=[ 1=1 1 ] }" "sparse array as FreeBSD prints it"
send 2
wait_frames /tmp/m1 5
expect_eq "$(frames /tmp/m0)$(frames /tmp/m1)$(frames /tmp/m2)" 353 "failover to link 1"

# --- from the many links (enabled or not) to one
tap h1: out /tmp/one
ngctl -f - <<S
connect . o2m: w many5
write w $F60
S
wait_frames /tmp/one 1
expect_eq "$(stat 5 recvPackets) $(stat -1 xmitPackets)" "1 1" "many5 to one"
expect_eq "$(args o2m: getclrstats 1)" "{ xmitOctets=300 xmitPackets=5 }" "getclrstats 1 (2 round robin, 1 all, 2 failover)"
expect_eq "$(args o2m: getstats 1)" "{}" "then cleared"
ngctl msg o2m: clrstats -1
expect_eq "$(args o2m: getstats -1)" "{}" "clrstats -1"

# --- errors, FreeBSD's
expect_fail 71 "Invalid argument" ngctl connect o2m: h1: many64 x
expect_fail 71 "Invalid argument" ngctl connect o2m: h1: many01 x
expect_fail 71 "xmitAlg is 1 (round robin), 2 (all) or 3 (failover)" ngctl msg o2m: setconfig '{ xmitAlg=4 failAlg=1 }'
expect_fail 71 "failAlg is 1 (manual) or 2 (notify)" ngctl msg o2m: setconfig '{ xmitAlg=1 }'
expect_fail 71 "the link is -1 (one) or 0 to 63" ngctl msg o2m: getstats 64
# No active link: dropped (ENOTCONN) and counted.
ngctl msg o2m: setconfig '{ xmitAlg=1 failAlg=1 }'
d0=$(ngctl -j list | jq '.[] | select(.name == "o2m") | .drops')
send 2
expect_eq "$(($(ngctl -j list | jq '.[] | select(.name == "o2m") | .drops') - d0))" 2 "frames with no active link counted as drops"
stop_taps
ngctl shutdown h1:
expect_eq "$(count_type one2many)" 0 "one2many went with its last hook"

# --- failover by link-state news: pipes in front of the links; BER=1
# takes a pipe's link down, which it tells its neighbours; one2many
# (failAlg=2) disables the link and fails over, and re-enables it when the
# pipe's link comes back. When no link is left, one's peer (an eiface)
# loses carrier.
ngctl -f - <<'S'
mkpeer . one2many t1 many9
name t1 o2m
mkpeer o2m: eiface one ether
name o2m:one e
mkpeer o2m: pipe many0 upper
name o2m:many0 p0
mkpeer o2m: pipe many1 upper
name o2m:many1 p1
msg o2m: setconfig { xmitAlg=3 failAlg=2 enabledLinks=[ 1 1 ] }
S
ifname=$(ngctl msg e: getifname | sed -n 's/^Args:\t"\(.*\)"$/\1/p')
# IPv4 only: the frames below are the only ones the host sends on it.
sysctl -qw net.ipv6.conf."$ifname".disable_ipv6=1
ip link set "$ifname" up
tap p0: lower /tmp/p0
tap p1: lower /tmp/p1
# Frames from the eiface (the host transmits) go to one: a raw packet.
xmit() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[1], 0)); s.send(bytes.fromhex("ffffffffffff020000000001" + "88b5" + "00"*46))' "$ifname"; }
xmit
wait_frames /tmp/p0 1
expect_eq "$(frames /tmp/p1)" 0 "failover: link 0 first"
ngctl msg p0: setcfg '{ downstream={ BER=1 } }'
expect_eq "$(args o2m: getconfig)" "{ xmitAlg=3 failAlg=2 enabledLinks=[ 1=1 ] }" "pipe 0's link down disabled link 0"
xmit
wait_frames /tmp/p1 1
expect_eq "$(frames /tmp/p0)" 1 "then link 1"
expect_eq "$(cat /sys/class/net/"$ifname"/carrier)" 1 "one link left: the eiface keeps carrier"
ngctl msg p1: setcfg '{ upstream={ BER=1 } }'
expect_eq "$(cat /sys/class/net/"$ifname"/carrier)" 0 "no link left: one's peer told, the eiface lost carrier"
ngctl msg p0: setcfg '{ downstream={ BER=-1 } }'
expect_eq "$(cat /sys/class/net/"$ifname"/carrier)" 1 "link 0 back: carrier back"
xmit
wait_frames /tmp/p0 2
expect_eq "$(args o2m: getconfig)" "{ xmitAlg=3 failAlg=2 enabledLinks=[ 1 ] }" "link 0 re-enabled"
stop_taps
ngctl shutdown p0:
ngctl shutdown p1:
ngctl shutdown e:

# --- failover by carrier: two veth pairs, their ether nodes' lower hooks
# on many0 and many1; taking the far end of va down drops va's carrier,
# which its ether node announces.
ip link add va type veth peer name vb
ip link add vc type veth peer name vd
for i in va vb vc vd; do sysctl -qw net.ipv6.conf.$i.disable_ipv6=1; ip link set $i up; done
ngctl -f - <<'S'
mkpeer . hub t1 a
name t1 h1
msg h1: setpersistent
mkpeer h1: one2many o one
name h1:o o2m
connect o2m: va: many0 lower
connect o2m: vc: many1 lower
msg o2m: setconfig { xmitAlg=3 failAlg=2 enabledLinks=[ 1 1 ] }
S
rx() { cat /sys/class/net/"$1"/statistics/rx_packets; }
b0=$(rx vb) d0=$(rx vd)
send 3
expect_eq "$(($(rx vb) - b0)) $(($(rx vd) - d0))" "3 0" "frames out of va (link 0)"
ip link set vb down
expect_eq "$(cat /sys/class/net/va/carrier)" 0 "va lost carrier"
wait_args "{ xmitAlg=3 failAlg=2 enabledLinks=[ 1=1 ] }" "va's ether node told one2many" o2m: getconfig
b0=$(rx vb) d0=$(rx vd)
send 3
expect_eq "$(($(rx vd) - d0))" 3 "frames out of vc (link 1)"
ip link set vb up
wait_args "{ xmitAlg=3 failAlg=2 enabledLinks=[ 1 1 ] }" "carrier back: link 0 re-enabled" o2m: getconfig
ngctl shutdown o2m:
ngctl shutdown h1:
expect_eq "$(count_type one2many)" 0 "cleaned up"
