# A GSO frame bigger than a netlink attribute holds reaches a socket node as
# its segments (before, its 16-bit attribute length wrapped); what still
# does not fit is dropped and counted (issue 15, hole g).
. tests/lib.sh

ip netns add ga
ip link add gb type veth peer name ga netns ga
# Only the datagram below: no IPv6 chatter from ga.
ip netns exec ga sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.ga.disable_ipv6=1
ip link set gb up
ip -n ga link set ga up
ip -n ga addr add 10.9.0.1/24 dev ga
ip -n ga neigh add 10.9.0.2 lladdr 02:00:00:00:09:02 dev ga nud permanent
tap gb: lower /tmp/big
# One UDP GSO send of 65 507 bytes (the largest IPv4 datagram) in 1 400-byte
# segments: veth hands it over as one 65 549-byte frame.
ip netns exec ga python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, 1400)  # UDP_SEGMENT
s.sendto(b"x" * 65507, ("10.9.0.2", 9))
'
wait_frames /tmp/big 47
stop_taps
expect_eq "$(frames /tmp/big)" 47 "segments received"
# Every segment is a plain frame: 14 + 20 + 8 + at most 1 400 bytes.
# (A hexdump line at offset 0x5b0 or beyond means a frame over 1 456 bytes.)
if grep -Eq '^(05[b-f]|0[6-9a-f][0-9a-f]|[1-9a-f][0-9a-f]{3,})[0-9a-f]:' /tmp/big; then
	fail "a frame over 1 456 bytes reached the socket node: $(grep -Ec '^0000:' /tmp/big) frames"
fi
drops=$(ngctl -j list | jq '[.[] | select(.type == "socket") | .drops] | add // 0')
expect_eq "$drops" 0 "socket node drops"
ip netns del ga
ip link del gb 2>/dev/null || true
