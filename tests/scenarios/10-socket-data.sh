# Data through the socket node: frames written by one socket reach another
# socket's hook through a hub, byte for byte; a socket connected to itself
# receives its own frames.
. tests/lib.sh
trap stop_taps EXIT

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp h1
msg h1: setpersistent
S
tap h1: out /tmp/out1
ngctl -f - <<'S'
connect . h1: w in
write w 0x01 0x02 0x03 255 -1 010
write w 72 101 108 108 111
S
wait_frames /tmp/out1 2
expect_match "$(sed -n 1p /tmp/out1)" '^0000:  01 02 03 ff ff 08 ' "first frame bytes"
expect_match "$(cat /tmp/out1)" 'Hello' "second frame as ASCII"
# A frame from a file.
printf 'abcdefghijklmnopqrstuvwxyz' >/tmp/frame
ngctl -f - <<'S'
connect . h1: w in
write w -f /tmp/frame
S
wait_frames /tmp/out1 3
expect_match "$(cat /tmp/out1)" '^0010:  71 72 73 74 75 76 77 78 79 7a ' "file frame"

# A jumbo frame (9000 bytes, eiface's largest MTU range) arrives byte for
# byte at a raw (not hex-dumped) nghook.
head -c 9000 /dev/urandom >/tmp/jumbo
nghook -n -c 1 h1: raw >/tmp/jumbo.out &
jpid=$!
for i in $(seq 100); do ngctl show h1: | grep -q '^  raw ' && break; sleep 0.05; done
ngctl -f - <<'S'
connect . h1: w in
write w -f /tmp/jumbo
S
wait $jpid || fail "nghook did not get the jumbo frame"
cmp /tmp/jumbo /tmp/jumbo.out || fail "jumbo frame changed on the way"

# Writing to a hook the socket does not have.
expect_fail 71 "No route to host" ngctl write nosuch 1 2 3
# Bad bytes are refused before anything is sent.
expect_fail 71 'invalid byte' ngctl write w 256
expect_fail 64 "usage: write" ngctl write w
stop_taps
ngctl shutdown h1:
expect_eq "$(count_type hub)" 0 "hubs left"
