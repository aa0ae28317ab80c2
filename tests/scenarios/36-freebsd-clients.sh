# What FreeBSD's netgraph clients type: the generic messages through `msg`
# in FreeBSD's ASCII form and reply format (IMUNES tears every link down
# with `msg l0: shutdown`), commands from a pipe, status/config, the socket
# type's cookie, what mkpeer/connect made (-j), hints for FreeBSD's -n/-j.
. tests/lib.sh

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp g1
msg g1: setpersistent
S
hexid() { ngctl show -n "$1" | awk '{print $6}' | sed 's/^0*//'; }
g1=$(hexid g1:)

# mkpeer, name, connect in FreeBSD's ASCII form; quoted as one word or
# split by the shell (ngctl joins the words with spaces, as FreeBSD's).
out=$(ngctl msg g1: mkpeer '{ type="hub" ourhook="b" peerhook="a" }')
expect_eq "$out" "" "mkpeer has no reply"
ngctl msg g1:b name { name=\"g2\" }
ngctl msg g2: setpersistent
ngctl msg g1: connect '{ path="g2:" ourhook="c" peerhook="d" }'
g2=$(hexid g2:)
expect_eq "$(num_hooks g1:)" 2 "generic mkpeer and connect made two hooks"
expect_match "$(ngctl show g1:)" '^  c +g2 +hub +0+'"$g2"' +d +$' "connect relative to the receiving node"

# The replies, exactly as FreeBSD's ngctl prints them.
expect_eq "$(ngctl msg g1: nodeinfo)" "Rec'd response \"nodeinfo\" (805306374) from \"[$g1]:\":
Args:	{ name=\"g1\" type=\"hub\" id=0x$g1 hooks=2 }" "nodeinfo"
expect_eq "$(ngctl msg g1: listhooks)" "Rec'd response \"listhooks\" (805306375) from \"[$g1]:\":
Args:	{ nodeinfo={ name=\"g1\" type=\"hub\" id=0x$g1 hooks=2 } linkinfo=[ { ourhook=\"c\" peerhook=\"d\" nodeinfo={ name=\"g2\" type=\"hub\" id=0x$g2 hooks=2 } } { ourhook=\"b\" peerhook=\"a\" nodeinfo={ name=\"g2\" type=\"hub\" id=0x$g2 hooks=2 } } ] }" "listhooks, newest first"
hubs=$(count_type hub)
out=$(ngctl msg g2: listtypes)
expect_match "$(echo "$out" | sed -n 1p)" "^Rec'd response \"listtypes\" \(805306378\) from \"\[$g2\]:\":\$" "listtypes header"
expect_match "$out" '^Args:	\{ numtypes=12 typeinfo=\[ .*\{ typename="hub" numnodes='"$hubs"' \}' "listtypes"
expect_match "$out" '\{ typename="socket" numnodes=[0-9]+ \}' "listtypes has socket"
out=$(ngctl msg g1: listnodes)
all=$(ngctl list | sed -n 's/^There are \([0-9]*\) total nodes:$/\1/p')
expect_match "$out" "^Args:	\\{ numnames=$all nodeinfo=\\[ " "listnodes counts every node"
expect_match "$out" "\\{ name=\"g2\" type=\"hub\" id=0x$g2 hooks=2 \\}" "listnodes"
out=$(ngctl msg g1: listnames)
named=$(ngctl list -n | sed -n 's/^There are \([0-9]*\) total named nodes:$/\1/p')
expect_match "$out" "^Args:	\\{ numnames=$named nodeinfo=\\[ " "listnames counts named nodes"
expect_no_match "$(echo "$out" | sed -n 2p | sed 's/^Args:	{ numnames=[0-9]* nodeinfo=\[ //')" '\{ type=' "listnames lists no unnamed node"
expect_eq "$(ngctl -j msg g1: nodeinfo | jq -r '"\(.cmd) \(.id) \(.args.name) \(.args.id)"')" "nodeinfo 805306374 g1 0x$g1" "nodeinfo as JSON"

# rmhook (a missing hook is no error), name's errors, refusals.
ngctl msg g1: rmhook '{ hook="c" }'
ngctl msg g1: rmhook '{ hook="nosuch" }'
expect_eq "$(num_hooks g1:)" 1 "rmhook"
expect_fail 71 "Address already in use" ngctl msg g1: name '{ name="g2" }'
expect_fail 71 "msg:" ngctl msg g1: rmhook '{ ourhook="b" }'
expect_fail 71 "send msg: Invalid argument" ngctl msg g1: textstatus
expect_fail 71 "send msg: Function not implemented" ngctl msg g1: ascii2binary
expect_fail 71 "has no message \"frob\"" ngctl msg g1: frob
expect_fail 71 "takes no arguments" ngctl msg g1: shutdown '{ x=1 }'
expect_fail 71 "No such file or directory" ngctl msg nosuch: shutdown
# shutdown: how IMUNES removes every link, hub and switch.
ngctl msg g2: shutdown
expect_fail 71 "No such file or directory" ngctl show g2:

# Commands from a pipe (no command, standard input not a terminal), as
# with -f -: they run in order and the first failure stops with the line.
out=$(printf 'mkpeer g1: hub p q\nmsg g1:p name { name="g3" }\nshow g3:\n' | ngctl)
expect_match "$out" '^  Name: g3 +Type: hub ' "commands from a pipe"
out=$( (sleep 1; echo "show g1:") | ngctl)
expect_match "$out" '^  Name: g1 ' "a slow pipe is waited for"
rc=0
err=$(printf 'show g1:\nshow nosuch:\nshow g1:\n' | ngctl 2>&1 >/dev/null) || rc=$?
expect_eq "$rc" 71 "a failing line in a pipe"
expect_match "$err" 'line 2: error in file' "the failing line is named"

# status and config ask the node; a missing node is an error (71).
expect_eq "$(ngctl status g1:)" 'No status available for "g1:"' "status"
expect_eq "$(ngctl config g1:)" 'No config available for "g1:"' "config"
expect_fail 71 "No such file or directory" ngctl status nosuch:
expect_fail 71 "No such file or directory" ngctl config nosuch:

# FreeBSD's type cookies (ng_socket.h: NGM_SOCKET_COOKIE 851601233).
out=$(ngctl -j types)
expect_eq "$(echo "$out" | jq -r '.[] | select(.name == "socket") | .cookie')" 851601233 "socket cookie"
expect_eq "$(echo "$out" | jq -r '.[] | select(.name == "hub") | .cookie')" 1082189597 "hub cookie"

# What mkpeer and connect made, for scripts (-j): final hook names after
# the bridge numbers a bare "link", the new node's ID, eiface's interface.
ngctl mkpeer g1: bridge br link
ngctl name g1:br br
out=$(ngctl -j mkpeer br: eiface link ether)
l1=$(echo "$out" | jq -r .ourhook)
if1=$(echo "$out" | jq -r .ifname)
expect_match "$l1" '^link[0-9]+$' "mkpeer says which link it got"
expect_eq "$(echo "$out" | jq -r '"\(.node.name) \(.peerhook) \(.peer.type)"')" "br ether eiface" "mkpeer says what it made"
[ -d "/sys/class/net/$if1" ] || fail "mkpeer's ifname $if1 is not an interface"
expect_eq "$(ngctl msg "[$(echo "$out" | jq -r '.peer.id | tostring' | xargs printf '%x')]:" getifname | sed -n 's/^Args:	"\(.*\)"$/\1/p')" "$if1" "the ID names the new eiface"
out=$(ngctl -j mkpeer br: eiface link ether)
expect_match "$(echo "$out" | jq -r .ourhook)" '^link[0-9]+$' "second link"
[ "$(echo "$out" | jq -r .ourhook)" != "$l1" ] || fail "two mkpeers got the same link"
if2=$(echo "$out" | jq -r .ifname)
[ "$if2" != "$if1" ] && [ -d "/sys/class/net/$if2" ] || fail "second eiface $if2"
out=$(ngctl -j connect br: g1: link c2)
expect_match "$(echo "$out" | jq -r '"\(.ourhook) \(.peerhook) \(.peer.name) \(.ifname)"')" '^link[0-9]+ c2 g1 null$' "connect says what it made"
expect_eq "$(ngctl mkpeer g1: hub z y)" "" "the text form prints nothing, as FreeBSD's"

# FreeBSD habits that mean something else here get a hint.
expect_fail 71 "FreeBSD's -n nodename is -N" ngctl -n nosuchnetns list
expect_fail 71 "FreeBSD's -j jail is -n NETNS" ngctl -j somejail list
# FreeBSD's aliases of dot.
expect_eq "$(ngctl graphviz | sed -n 1p)" "graph netgraph {" "graphviz alias"
expect_eq "$(ngctl confdot | tail -1)" "}" "confdot alias; GraphViz-valid ending"

# CLI conventions: clap's own usage errors are 64 too; --version names
# the kernel's ABI; -p indents JSON; -k goes on past a failing line (and
# still fails); a failing line names its command.
expect_fail 64 "unknown option --bogus" ngctl --bogus list
expect_fail 64 "a value is required" ngctl -f
expect_match "$(ngctl --version)" '^kernel: netgraph generic netlink family version 1 ' "--version"
expect_match "$(ngctl -p -j show g1:)" '^  "node": \{$' "-p indents"
rc=0
err=$(printf 'name g1: g1x\nshow nosuch:\nname g1x: g1\n' | ngctl -k -f - 2>&1 >/dev/null) || rc=$?
expect_eq "$rc" 71 "-k still fails"
expect_match "$err" '^ngctl: line 2: error in file \(show nosuch:\)$' "the failing line and its command"
ngctl show g1: >/dev/null || fail "-k ran the lines after the failure"

# monitor: -t time stamps; -T keeps events of a type's nodes (either end
# of a hook), -p those of one node.
monitor_bg /tmp/mon36 -- -t -T tee 2
ngctl mkpeer g1: hub q1 r1
ngctl mkpeer g1: tee q2 left
wait "$MON_PID"
out=$(cat /tmp/mon36)
expect_eq "$(echo "$out" | wc -l)" 2 "two tee events"
expect_match "$(echo "$out" | sed -n 1p)" '^[0-9]+\.[0-9]{6} newnode \[[0-9a-f]+\]: tee <unnamed>$' "-t and -T"
expect_match "$(echo "$out" | sed -n 2p)" '^[0-9]+\.[0-9]{6} newhook ' "the tee's hook"
monitor_bg /tmp/mon36p -j -- -p g1: 2
ngctl mkpeer . hub zz zz
ngctl rmhook g1: q1
wait "$MON_PID"
# Both ends of the removed link name g1; nothing of the other hub came.
out=$(jq -r '"\(.event) \(.node.name) \(.link.ourhook) \(.link.peer.name)"' /tmp/mon36p | sort)
expect_eq "$out" "delhook g1 q1 null
delhook null r1 g1" "-p keeps the node's events only"

for n in "$if1" "$if2"; do ngctl shutdown "$n:"; done
ngctl shutdown br:
ngctl shutdown g1:
