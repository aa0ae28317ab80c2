# The emulation demo (Documentation/examples/pipe-ring.sh): a ring of three
# routers joined by eiface-pipe-eiface links with 10 ms delay each way;
# traffic takes the direct link, goes round when BER=1 takes that link
# down at both ends, and comes back when it is cleared.
. tests/lib.sh
out=$(Documentation/examples/pipe-ring.sh 2>&1) || fail "example failed: $out"
echo "$out" | sed 's/^/# /' | grep -E 'rtt|^# +[0-9] |carrier'
# Three parts, each: ping summary, then traceroute hops.
part() { echo "$out" | awk -v p="$1" '/^--- /{n++} n == p'; }
rtt() { part "$1" | sed -n 's|^rtt [^=]*= \([0-9.]*\)/\([0-9.]*\)/.*|\1 \2|p'; }
hops() { part "$1" | grep -cE '^ *[0-9]+ +[0-9.]+ ' || true; }

read -r mn avg < <(rtt 1)
# (The first ping also waits for ARP: the minimum is the link's RTT.)
expect_eq "$(awk "BEGIN { print ($mn >= 20 && $mn < 30) }")" 1 "direct RTT ($mn ms) for 2 x 10 ms"
expect_eq "$(hops 1)" 1 "one hop on the direct link"
expect_match "$(part 1)" '^ *1 +10\.255\.0\.2 ' "r2 answers directly"
expect_match "$(part 2)" 'carrier of r1 to-r2 0, r2 to-r1 0' "both ends lost carrier"
read -r mn avg < <(rtt 3)
expect_eq "$(awk "BEGIN { print ($mn >= 40 && $mn < 50) }")" 1 "detour RTT ($mn ms) for 4 x 10 ms"
expect_eq "$(hops 3)" 2 "two hops round the ring"
expect_match "$(part 3)" '^ *1 +10\.0\.13\.3 ' "first hop is r3"
read -r mn avg < <(rtt 4)
expect_eq "$(awk "BEGIN { print ($mn >= 20 && $mn < 30) }")" 1 "RTT back to direct ($mn ms)"
expect_eq "$(hops 4)" 1 "one hop again"
expect_eq "$(ngctl -j msg l12: getstats | jq '.args.downstream.delayDropFrames > 0')" true "frames lost while BER=1 were counted"
Documentation/examples/pipe-ring.sh cleanup
expect_eq "$(count_type pipe)$(count_type eiface)" 00 "cleaned up"
