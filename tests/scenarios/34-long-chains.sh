# Loop-free chains longer than one stack's forwarding depth (24) deliver, as
# in FreeBSD: a frame that would go deeper continues from the entry's stack
# instead of being dropped with ELOOP; loops stay bounded by the delivery
# budget (15-hub-loop). (Issue 15, hole c.)
. tests/lib.sh
trap stop_taps EXIT

# A line of 40 hubs: socket - h1 - h2 - ... - h40 - tap.
{
	echo "mkpeer . hub tmp a"
	echo "name tmp h1"
	echo "msg h1: setpersistent"
	for i in $(seq 2 40); do
		echo "mkpeer h$((i - 1)): hub b a"
		echo "name h$((i - 1)):b h$i"
		echo "msg h$i: setpersistent"
	done
	echo "rmhook tmp"
} | ngctl -f -
tap h40: out /tmp/chain40
ngctl -f - <<<'connect . h1: w in
write w 1 2 3 4' || fail "write into a line of 40 hubs"
wait_frames /tmp/chain40 1
stop_taps
expect_eq "$(frames /tmp/chain40)" 1 "frames at the end of 40 hubs"
drops=$(ngctl -j list | jq '[.[] | select(.type == "hub") | .loop_drops] | add')
expect_eq "$drops" 0 "loop drops in a loop-free chain"
for i in $(seq 40); do echo "shutdown h$i:"; done | ngctl -f -

# What IMUNES leaves after resetting links: 16 bridges joined by pipes
# without configuration (a pipe with no settings passes frames at once).
{
	echo "mkpeer . bridge tmp link0"
	echo "name tmp b1"
	echo "msg b1: setpersistent"
	for i in $(seq 2 16); do
		echo "mkpeer b$((i - 1)): pipe link1 upper"
		echo "name b$((i - 1)):link1 p$i"
		echo "mkpeer p$i: bridge lower link0"
		echo "name p$i:lower b$i"
		echo "msg b$i: setpersistent"
	done
	echo "rmhook tmp"
} | ngctl -f -
tap b16: link1 /tmp/chain16
bcast="0xff 0xff 0xff 0xff 0xff 0xff 0x02 0x00 0x00 0x00 0x00 0x99 0x88 0xb5 $(seq -s ' ' 1 46)"
ngctl -f - <<<"connect . b1: w link5
write w $bcast" || fail "broadcast into 16 bridges"
wait_frames /tmp/chain16 1
stop_taps
expect_eq "$(frames /tmp/chain16)" 1 "broadcast at the far end of 16 bridges and 15 pipes"
for i in $(seq 16); do echo "shutdown b$i:"; done | ngctl -f -
for i in $(seq 2 16); do ngctl shutdown "p$i:" 2>/dev/null || true; done
expect_eq "$(count_type bridge)" 0 "bridges left"
