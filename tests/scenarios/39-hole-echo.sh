# hole and echo (FreeBSD ng_hole, ng_echo): a sink that counts what it
# receives per hook, and a mirror that sends every frame back out of the
# hook it came in on; every hook's counters (ngctl show -s, stats).
. tests/lib.sh
trap stop_taps EXIT

args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
hstat() { ngctl -j msg sink: getstats "\"$1\"" | jq -r ".args.$2 // 0"; }
head -c 60 /dev/zero >/tmp/f60
head -c 100 /dev/zero >/tmp/f100

# --- hole: two hubs feed one hole through two hooks.
ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp h1
msg h1: setpersistent
mkpeer h1: hole sink in
name h1:sink sink
mkpeer . hub tmp2 a
name tmp2 h2
msg h2: setpersistent
connect h2: sink: sink other
S
expect_match "$(ngctl show sink:)" 'Type: hole .*Num hooks: 2' "hole with two hooks"
expect_eq "$(args sink: getstats '"in"')" "{}" "a new hook's counters are zero"
ngctl -f - <<'S'
connect . h1: w w
write w -f /tmp/f60
write w -f /tmp/f60
write w -f /tmp/f60
connect . h2: w2 w
write w2 -f /tmp/f100
S
# FreeBSD's own example: three 60-byte frames.
expect_eq "$(args sink: getstats '"in"')" "{ frames=3 octets=180 }" "getstats in"
expect_eq "$(args sink: getstats '"other"')" "{ frames=1 octets=100 }" "getstats other (counted per hook)"
# The same counts from the core's per-hook counters, which every hook has:
# show -s and stats, in and out (the hub's hook sent what the hole's got).
row=$(ngctl show -s sink: | awk '$1 == "in"')
expect_eq "$(echo "$row" | awk '{print $6, $7, $8, $9}')" "3 180 0 0" "show -s: in's counters"
expect_eq "$(ngctl -j stats sink: | jq -c '[.[0].hooks[] | {hook, rx_frames, rx_octets}] | sort_by(.hook)')" \
	'[{"hook":"in","rx_frames":3,"rx_octets":180},{"hook":"other","rx_frames":1,"rx_octets":100}]' "stats -j sink:"
expect_eq "$(ngctl -j stats h1: | jq -c '.[0].hooks[] | select(.hook == "sink") | [.tx_frames, .tx_octets, .rx_frames]')" "[3,180,0]" "the hub's hook sent them"
expect_eq "$(ngctl -j show h2: | jq -c '.links[] | select(.ourhook == "sink") | [.tx_frames, .tx_octets]')" "[1,100]" "show -j has the counters"
expect_match "$(ngctl stats)" '^sink: hole \[[0-9a-f]+\]:$' "stats covers every node"
expect_match "$(ngctl stats h1:)" '^  sink +sink:in +0 +0 +3 +180$' "stats text row"
# Rates over an interval: frames written during it show as frames and bits
# per second (written over 4 s, a second apart, so that some fall inside
# the 3-second window whatever the VM's speed).
ngctl -j stats -i 3 -c 1 sink: >/tmp/rates &
rpid=$!
for i in 1 2 3 4; do
	sleep 1
	ngctl -f - <<<"connect . h2: w2 w
write w2 -f /tmp/f100"
done
wait $rpid || fail "stats -i failed"
r=$(jq -c '.[0].hooks[] | select(.hook == "other")' /tmp/rates)
fps=$(echo "$r" | jq '.rx_frames_per_s')
bps=$(echo "$r" | jq '.rx_bits_per_s')
awk -v f="$fps" -v b="$bps" 'BEGIN { exit !(f > 0 && f * 3 <= 4.01 && b > 799 * f && b < 801 * f) }' ||
	fail "rates over 3 s: $r"
expect_match "$(ngctl stats -i 0.2 -c 2 sink: | grep -c 'RX frames/s')" '^2$' "two interval reports"
expect_fail 64 "usage: stats" ngctl stats -i 0
expect_eq "$(args sink: getclrstats '"in"')" "{ frames=3 octets=180 }" "getclrstats reads"
expect_eq "$(hstat in frames)" 0 "then clears"
expect_eq "$(hstat other frames)" 5 "the other hook keeps its counters"
ngctl msg sink: clrstats '"other"'
expect_eq "$(ngctl -j stats sink: | jq '.[0].hooks[] | select(.hook == "other") | .rx_frames')" 0 "clrstats clears the core's counters"
expect_fail 71 "No such file or directory" ngctl msg sink: getstats '"nosuch"'
expect_fail 71 "\"getstats\" needs an argument" ngctl msg sink: getstats
# Unprivileged reads (getstats is read-only), refused writes.
expect_eq "$(setpriv --reuid=65534 --clear-groups --inh-caps=-all ngctl -j msg sink: getstats '"other"' | jq -r '.args.frames // 0')" 0 "getstats without CAP_NET_ADMIN"
expect_fail 71 "Operation not permitted" setpriv --reuid=65534 --clear-groups --inh-caps=-all ngctl msg sink: clrstats '"other"'
# A hole drops nothing it did not mean to: no node drop counted.
expect_eq "$(ngctl -j list | jq '.[] | select(.name == "sink") | .drops + .loop_drops')" 0 "hole counts no drops"
# A hook's counters go with it.
ngctl -f - <<'S'
connect . h1: w w
write w -f /tmp/f60
S
ngctl rmhook sink: in
ngctl connect h1: sink: again in
expect_eq "$(args sink: getstats '"in"')" "{}" "a reconnected hook starts at zero"
# The last hook gone, the hole goes.
ngctl shutdown h1:
expect_eq "$(count_type hole)" 1 "hole stays with one hook"
ngctl shutdown h2:
expect_eq "$(count_type hole)" 0 "hole went with its last hook"

# --- echo: a frame written into a hub comes to the tap twice, once from
# the hub and once back from the echo behind it, byte for byte.
ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp e0
msg e0: setpersistent
mkpeer e0: echo mirror x
name e0:mirror mirror
S
tap e0: out /tmp/eout
printf 'abcdefghijklmnopqrstuvwxyz0123456789' >/tmp/f36
ngctl -f - <<'S'
connect . e0: w w
write w -f /tmp/f36
S
wait_frames /tmp/eout 2
expect_eq "$(frames /tmp/eout)" 2 "the tap saw the frame and its echo"
expect_eq "$(awk '/^0000:/ {n++} n == 1' /tmp/eout)" "$(awk '/^0000:/ {n++} n == 2' /tmp/eout)" "the echo is the frame unchanged"
expect_match "$(cat /tmp/eout)" 'abcdefghijklmnop' "the frame's bytes"
# No messages of its own: ENOSYS, as from FreeBSD's ngctl.
expect_fail 71 "Function not implemented" ngctl msg mirror: getstats
expect_match "$(ngctl show mirror:)" 'Type: echo .*Num hooks: 1' "generic messages reach echo"
stop_taps
ngctl shutdown e0:
expect_eq "$(count_type echo)" 0 "echo went with its last hook"
