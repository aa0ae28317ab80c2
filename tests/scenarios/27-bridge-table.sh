# bridge: restrictive mode, runts and multicast sources, ageing by
# maxStaleness, and a table of 100 000 hosts listed through gettable.
. tests/lib.sh
trap stop_taps EXIT

stat() { ngctl -j msg "$1" getstats "$2" | jq -r ".args.$3"; }
pad=$(seq -s ' ' 1 46)

# Restrictive: the first hook is an uplink, so normal links get no unknown
# unicast (broadcasts still reach them).
ngctl -f - <<'S'
mkpeer . bridge x uplink1
name x rb
msg rb: setpersistent
S
tap rb: link0 /tmp/t0
tap rb: link1 /tmp/t1
ngctl -f - <<S
connect . rb: s link2
write s 0x02 0 0 0 0 0x55 0x02 0 0 0 0 0x66 0x88 0xb5 $pad
write s 0xff 0xff 0xff 0xff 0xff 0xff 0x02 0 0 0 0 0x66 0x88 0xb5 $pad
S
wait_frames /tmp/t0 1
sleep 0.3
expect_eq "$(frames /tmp/t0)" 1 "link0 got the broadcast only"
expect_eq "$(frames /tmp/t1)" 1 "link1 got the broadcast only"
stop_taps

# Runts and multicast sources are counted and refused. The frames come in
# on link3 through a persistent hub "src", so the link (and its counters)
# stay after each writing ngctl exits.
ngctl -f - <<'S'
mkpeer rb: hub link3 h
name rb:link3 src
msg src: setpersistent
S
expect_fail 71 "Invalid argument" ngctl -f - <<<'connect . src: w in
write w 1 2 3 4 5 6 7 8 9 10'
expect_fail 71 "Invalid argument" ngctl -f - <<<"connect . src: w in
write w 0xff 0xff 0xff 0xff 0xff 0xff 0x03 0 0 0 0 0x66 0x88 0xb5 $pad"
expect_eq "$(stat rb: 3 recvRunts)" 1 "runt counted"
expect_eq "$(stat rb: 3 recvInvalid)" 1 "multicast source counted"
expect_eq "$(stat rb: 3 recvPackets)" 0 "neither is a received packet"

# Ageing: a host not seen for maxStaleness seconds is forgotten. The table
# is read in the same ngctl as the write: the once-a-second ageing timer
# may tick twice between two processes on a loaded sanitizer VM.
ngctl msg rb: setconfig '{ debugLevel=1 loopTimeout=60 maxStaleness=3 minStableAge=1 }'
out=$(ngctl -f - <<S
connect . src: w in
write w 0xff 0xff 0xff 0xff 0xff 0xff 0x02 0 0 0 0 0x44 0x88 0xb5 $pad
msg rb: gettable
S
)
expect_match "$out" 'addr=02:00:00:00:00:44 hook="link3"' "learned"
sleep 5
expect_no_match "$(ngctl msg rb: gettable)" 'addr=02:00:00:00:00:44' "aged out after maxStaleness"
ngctl shutdown src:
ngctl shutdown rb:

# N hosts (10 000 under make test on the sanitizer kernel, NG_SCALE=100000
# with make stress): pktgen on an eiface whose wire is link0 of a bridge,
# one frame from each of N source addresses.
N=${NG_SCALE:-10000}
ngctl -f - <<S
mkpeer . bridge x link1
name x tb
msg tb: setpersistent
msg tb: setmaxhosts $N
mkpeer tb: eiface link0 ether
S
expect_eq "$(ngctl msg tb: getmaxhosts | sed -n 's/^Args:\t//p')" "$N" "the table's bound, configured"
sysctl -qw net.ipv6.conf.ngeth0.disable_ipv6=1
ip link set ngeth0 up
PG=/proc/net/pktgen
echo rem_device_all > $PG/kpktgend_0
echo "add_device ngeth0" > $PG/kpktgend_0
for c in "count $N" "pkt_size 60" "clone_skb 0" "delay 0" \
	"dst_mac ff:ff:ff:ff:ff:ff" "src_mac 02:10:00:00:00:00" \
	"src_mac_count $N" "dst 10.99.0.2"; do
	echo "$c" > $PG/ngeth0
done
echo start > $PG/pgctrl
echo rem_device_all > $PG/kpktgend_0
t0=$(date +%s.%N)
n=$(ngctl -j msg tb: gettable | jq '.args.hosts | length')
echo "# gettable of $n hosts: $(echo "$(date +%s.%N) - $t0" | bc) s"
expect_eq "$n" "$N" "hosts listed by gettable"
expect_eq "$(ngctl -j msg tb: gettable | jq '.args.numHosts')" "$N" "numHosts"
expect_eq "$(ngctl msg tb: gettable | grep -o 'addr=' | wc -l)" "$N" "text form"
# The table is bounded: past setmaxhosts, frames still go (to the other
# link, flooded), their sources unlearned, counted in memoryFailures.
ngctl msg tb: setmaxhosts $N
tap tb: link1 /tmp/over
echo "add_device ngeth0" > $PG/kpktgend_0
for c in "count 20" "src_mac 02:20:00:00:00:00" "src_mac_count 20"; do
	echo "$c" > $PG/ngeth0
done
echo start > $PG/pgctrl
echo rem_device_all > $PG/kpktgend_0
wait_frames /tmp/over 20
stop_taps
expect_eq "$(ngctl -j msg tb: gettable | jq '.args.numHosts')" "$N" "no host learned past the bound"
expect_eq "$(ngctl -j msg tb: getstats 0 | jq '.args.memoryFailures')" 20 "frames from unlearned hosts counted"
ngctl shutdown tb:
ngctl shutdown ngeth0:
