#!/usr/bin/env bash
# The ether node on a veth pair: va in the host, vb in namespace "peer".
#  1. frames from the peer appear on a hook connected to va's lower (and
#     the host no longer sees them);
#  2. frames written to lower reach the peer;
#  3. lower spliced to upper: the host's networking works as before;
#  4. orphans receives only frames of EtherTypes the host does not handle.
# Run as root with netgraph.ko loaded; `cleanup` removes everything.
set -euo pipefail

if [ "${1:-}" = cleanup ]; then
	ip netns del peer 2>/dev/null || true
	ip link del va 2>/dev/null || true
	exit 0
fi

ip netns add peer
ip link add va type veth peer name vb netns peer
# IPv4 only, so that the frames below are the ping's (no IPv6 multicast).
sysctl -qw net.ipv6.conf.va.disable_ipv6=1
ip netns exec peer sysctl -qw net.ipv6.conf.vb.disable_ipv6=1
ip link set va address 02:00:00:00:0a:0a
ip -n peer link set vb address 02:00:00:00:0b:0b
ip addr add 10.9.0.1/24 dev va
ip link set va up
ip -n peer addr add 10.9.0.2/24 dev vb
ip -n peer link set vb up
ping -c 1 -W 2 10.9.0.2 >/dev/null
echo "ether nodes: $(ngctl list | grep -c 'Type: ether') in the host, $(ngctl -n peer list | grep -c 'Type: ether') in peer"

# hook PATH HOOK FILE: nghook prints what arrives on PATH's HOOK into FILE
# until stop_hook. -b returns once the hook is connected (no polling).
hook() {
	nghook -b -p /tmp/hook.pid -an "$1" "$2" >"$3" 2>&1 || return 1
	hook_pid=$(cat /tmp/hook.pid)
}
stop_hook() {
	kill "$hook_pid"
	# Until it is gone (a zombie counts as gone: its parent is init).
	while [ -e "/proc/$hook_pid" ] && [ "$(sed 's/^.*) //' "/proc/$hook_pid/stat" 2>/dev/null | cut -c1)" != Z ]; do
		sleep 0.05
	done
}
frames() { grep -c '^0000:' "$1" || true; }

echo "--- 1. lower: the peer's frames go to the hook"
hook va: lower /tmp/lower.txt
if ip netns exec peer ping -c 3 -i 0.3 -W 1 10.9.0.1 >/dev/null 2>&1; then
	echo "the host answered (unexpected)"
else
	echo "the host did not answer"
fi
stop_hook
echo "frames on lower: $(frames /tmp/lower.txt)"
grep '^0000:' /tmp/lower.txt | head -1

echo "--- 2. frames written to lower reach the peer"
rx0=$(ip netns exec peer cat /sys/class/net/vb/statistics/rx_packets)
frame="0x02 0x00 0x00 0x00 0x0b 0x0b 0x02 0x00 0x00 0x00 0x0a 0x0a 0x88 0xb5 $(seq -s ' ' 1 46)"
printf 'connect . va: w lower\nwrite w %s\nwrite w %s\n' "$frame" "$frame" | ngctl -f -
echo "peer received $(( $(ip netns exec peer cat /sys/class/net/vb/statistics/rx_packets) - rx0 )) frames"

echo "--- 3. lower spliced to upper"
ngctl connect va: va: lower upper
ngctl show va:
ping -c 3 -i 0.3 -W 2 10.9.0.2 | tail -2
ngctl rmhook va: lower

echo "--- 4. orphans: unknown EtherTypes only"
hook va: orphans /tmp/orphans.txt
uframe="0x02 0x00 0x00 0x00 0x0a 0x0a 0x02 0x00 0x00 0x00 0x0b 0x0b 0x88 0xb5 $(seq -s ' ' 1 46)"
printf 'connect . vb: w lower\nwrite w %s\nwrite w %s\n' "$uframe" "$uframe" | ngctl -n peer -f -
ping -c 2 -i 0.3 -W 2 10.9.0.2 | tail -2
sleep 0.3
stop_hook
echo "frames on orphans: $(frames /tmp/orphans.txt)"
