# A closed loop of two hubs joined by two links: a frame sent into it is
# bounded by the forwarding budget, the drops are counted, the system stays
# responsive and both hubs can be shut down.
. tests/lib.sh
trap stop_taps EXIT

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp h1
msg h1: setpersistent
rmhook tmp
mkpeer h1: hub l1 l1
name h1:l1 h2
msg h2: setpersistent
connect h1: h2: l2 l2
S
tap h2: t /tmp/loop
# The write returns the result of the hub's last hook (FreeBSD): success
# or, when that branch hit the budget, ELOOP.
rc=0
err=$(printf 'connect . h1: w src\nwrite w 1 2 3\nwrite w 4 5 6\n' | ngctl -f - 2>&1) || rc=$?
[ "$rc" = 0 ] || expect_match "$err" 'Too many levels of symbolic links' "error of a write into a loop"
drops=$(( $(ngctl -j show h1: | jq '.node.loop_drops') + $(ngctl -j show h2: | jq '.node.loop_drops') ))
[ "$drops" -gt 0 ] || fail "no loop drops counted"
# Copies reached the tap, but boundedly.
n=$(frames /tmp/loop)
[ "$n" -gt 0 ] && [ "$n" -le 8192 ] || fail "tap got $n frames"
# Still responsive.
ngctl list >/dev/null
ping -c 1 -W 1 127.0.0.1 >/dev/null || fail "loopback ping"
stop_taps
ngctl shutdown h1:
ngctl shutdown h2:
expect_eq "$(count_type hub)" 0 "hubs left"
