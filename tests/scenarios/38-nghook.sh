# nghook with FreeBSD's options: -m messages, -e a program on the hook, -s/-S
# descriptors, -d traces, FreeBSD's exit statuses (64 usage, 71 otherwise,
# EOF on standard input included); -b returns once the hook is connected.
. tests/lib.sh
trap 'stop_taps' EXIT

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp nh1
msg nh1: setpersistent
mkpeer nh1: hub y z
name nh1:y nh2
S
# -m: the message goes to the node once the hook exists; -b returns then.
nghook -b -p /tmp/nh.pid -n -m setpersistent nh2: w
expect_eq "$(num_hooks nh2:)" 2 "nghook -b returned with its hook connected"
ngctl rmhook nh1: y
kill "$(cat /tmp/nh.pid)"
while alive "$(cat /tmp/nh.pid)"; do sleep 0.05; done
ngctl show nh2: >/dev/null || fail "-m setpersistent kept nh2 after its last hook went"
ngctl shutdown nh2:
expect_fail 71 "sending message 'frob'" nghook -n -m frob nh1: w

# -e: cat on the hook sends every frame back; a tap on the hub sees the
# frame and its echo.
tap nh1: t /tmp/nh-t.txt
nghook -b -p /tmp/nh-e.pid -e nh1: e cat
expect_eq "$(num_hooks nh1:)" 2 "-e connected"
printf 'connect . nh1: w src\nwrite w 0x41 0x42 0x43\n' | ngctl -f -
wait_frames /tmp/nh-t.txt 2
expect_eq "$(grep -c '^0000:  41 42 43 ' /tmp/nh-t.txt)" 2 "frame and its echo through cat"
kill "$(cat /tmp/nh-e.pid)"
# -e exits with the program's status.
expect_fail 3 "" nghook -e nh1: e3 sh -c 'exit 3'
expect_fail 64 "usage" nghook -e nh1: e4

# -s writes frames to descriptor 0; -S reads them from descriptor 1 and
# stops at its end with FreeBSD's "EOF(stdin)", status 71.
nghook -b -p /tmp/nh-s.pid -a -n -s nh1: s 0>/tmp/nh-s.txt
printf 'XYZ' >/tmp/nh-frame
expect_fail 71 "EOF(stdin)" sh -c 'exec nghook -S nh1: S 1<>/tmp/nh-frame'
wait_frames /tmp/nh-s.txt 1
expect_match "$(cat /tmp/nh-s.txt)" '^0000:  58 59 5a {40} XYZ {13}$' "-s dump, FreeBSD's padded line"
kill "$(cat /tmp/nh-s.pid)"
expect_fail 71 "EOF(stdin)" sh -c 'exec nghook nh1: eof </dev/null'

# Usage errors are 64, as are clap's own; --version is not an error.
expect_fail 64 "required arguments" nghook
expect_fail 64 "unexpected argument" nghook -x nh1:
expect_fail 64 "usage" nghook nh1: h extra
nghook --version | grep -q '^nghook ' || fail "nghook --version"
expect_fail 71 "can't connect to node" nghook -n nosuch: h

# -d: the netlink conversation on standard error, for nghook and ngctl.
err=$(nghook -d -n -c 0 nh1: d 2>&1 >/dev/null)
expect_match "$err" '^netgraph: -> CONNECT seq [0-9]+ ' "nghook -d traces the connect"
expect_match "$err" '^netgraph: <- ACK seq [0-9]+$' "nghook -d traces the answer"
err=$(ngctl -d show nosuch: 2>&1 >/dev/null) || true
expect_match "$err" '^netgraph: -> (NODEINFO|LISTHOOKS \(dump\)) seq [0-9]+ ' "ngctl -d traces the request"
expect_match "$err" '^netgraph: <- error seq [0-9]+: No such file or directory' "ngctl -d traces the error"
# --netns in both tools.
ip netns add nhns
ngctl --netns nhns -f - <<'S'
mkpeer . hub tmp a
name tmp nsh
msg nsh: setpersistent
S
nghook --netns nhns -n -c 0 nsh: h || fail "nghook --netns"
expect_fail 71 "No such file" ngctl show nsh:
ngctl --netns nhns shutdown nsh:
ip netns delete nhns

stop_taps
ngctl shutdown nh1:
