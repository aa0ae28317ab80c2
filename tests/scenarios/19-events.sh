# The events multicast group announces node and hook creation and removal,
# in order, and only to listeners of the same namespace.
. tests/lib.sh

monitor_bg /tmp/events -- 8
mon=$MON_PID
ip netns add quiet
monitor_bg /tmp/quiet -n quiet -- 1
quiet=$MON_PID
ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp evhub
msg evhub: setpersistent
rmhook tmp
S
ngctl shutdown evhub:
wait $mon || fail "monitor failed"
cat /tmp/events
# The ngctl that builds the hub has a socket node, announced with its name.
expect_match "$(sed -n 1p /tmp/events)" '^newnode \[[0-9a-f]+\]: socket ngctl[0-9]+$' "socket node created"
expect_match "$(sed -n 2p /tmp/events)" '^newnode \[[0-9a-f]+\]: hub <unnamed>$' "hub created"
expect_match "$(sed -n 3p /tmp/events)" '^newhook \[[0-9a-f]+\]:tmp \[[0-9a-f]+\]:a$' "hook on the socket"
expect_match "$(sed -n 4p /tmp/events)" '^newhook \[[0-9a-f]+\]:a \[[0-9a-f]+\]:tmp$' "hook on the hub"
expect_match "$(sed -n 5p /tmp/events)" '^rename \[[0-9a-f]+\]: hub evhub$' "rename"
expect_match "$(sed -n 6p /tmp/events)" '^delhook \[[0-9a-f]+\]:tmp \[[0-9a-f]+\]:a$' "rmhook, our side"
expect_match "$(sed -n 7p /tmp/events)" '^delhook \[[0-9a-f]+\]:a \[[0-9a-f]+\]:tmp$' "rmhook, peer side"
expect_match "$(sed -n 8p /tmp/events)" '^delnode \[[0-9a-f]+\]: socket ngctl[0-9]+$' "socket node gone with ngctl"
# Nothing of this reached the other namespace's listener, which does hear
# its own namespace: the first event it prints is the socket node of an
# ngctl run there.
ngctl -n quiet mkpeer . hub x y &
qpid=$!
wait $qpid || fail "mkpeer in the quiet namespace"
wait $quiet || fail "the quiet namespace's monitor failed"
expect_match "$(cat /tmp/quiet)" "^newnode \[[0-9a-f]+\]: socket ngctl$qpid\$" "the only event in the other namespace is its own"
# JSON events.
monitor_bg /tmp/ev.json -j -- 4
mon=$MON_PID
ngctl mkpeer . hub x y >/dev/null
wait $mon
expect_eq "$(jq -r .event /tmp/ev.json | tr '\n' ' ')" "newnode newnode newhook newhook " "JSON event names"
ip netns del quiet

# mkpeer, name, connect, rmhook, shutdown: every event, in order.
monitor_bg /tmp/ev2 -- 13
mon=$MON_PID
ngctl -f - <<'S'
mkpeer . hub h a
name .:h ev2
connect . ev2: k b
msg ev2: setpersistent
rmhook h
shutdown ev2:
S
wait $mon || fail "monitor failed"
cat /tmp/ev2
expect_eq "$(awk '{print $1}' /tmp/ev2 | tr '\n' ' ')" \
	"newnode newnode newhook newhook rename newhook newhook delhook delhook delhook delhook delnode delnode " \
	"events of mkpeer, name, connect, rmhook, shutdown and ngctl's exit"
expect_match "$(sed -n 12p /tmp/ev2)" '^delnode \[[0-9a-f]+\]: hub ev2$' "the hub goes after its hooks"
