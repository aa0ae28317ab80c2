# ngctl's command-line surface: help, list -l/-n, read, quit, interactive
# mode (on a pseudo-terminal) printing frames that arrive at its node.
. tests/lib.sh
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

out=$(ngctl help)
expect_eq "$(echo "$out" | sed -n 1p)" "Available commands:" "help header"
expect_match "$out" '^  connect    Connects hook <peerhook> of the node at <relpath> to <hook>$' "help line"
out=$(ngctl help mkp)
expect_eq "$(echo "$out" | sed -n 1p)" "usage:    mkpeer [path] <type> <hook> <peerhook>" "help usage"
expect_match "$out" '^Summary:  Create and connect a new node' "help summary"
expect_fail 64 "usage: help [command]" ngctl help a b

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp lh
msg lh: setpersistent
mkpeer lh: hub b a
S
# dot: FreeBSD's GraphViz layout; the lh-[b]-> hub link printed once.
out=$(ngctl dot)
expect_eq "$(echo "$out" | sed -n 1p)" "graph netgraph {" "dot header"
lhid=$(ngctl show -n lh: | awk '{print $6}' | sed 's/^0*//')
expect_match "$out" "\"$lhid\" \[ label = \"\{lh:\|\{hub\|\[$lhid\]:\}\}\" \];" "dot record of lh"
expect_eq "$(echo "$out" | grep -cE '^	"[0-9a-f]+\.(a|b)" -- "[0-9a-f]+\.(a|b)";$')" 1 "one edge line for the link"
ngctl dot /tmp/g.dot
# (Another ngctl, so another socket node: compare the hubs' lines only.)
expect_eq "$(grep -E '"[0-9a-f]+\.(a|b)"' /tmp/g.dot)" "$(echo "$out" | grep -E '"[0-9a-f]+\.(a|b)"')" "dot to a file"
# GraphViz is a test dependency (scripts/deps.sh): the picture must render.
command -v dot >/dev/null || fail "GraphViz's dot is missing (scripts/deps.sh installs graphviz)"
ngctl dot /tmp/g.svg || fail "dot to svg"
grep -q '<svg' /tmp/g.svg || fail "dot wrote no SVG"
grep -q '>lh:<' /tmp/g.svg || fail "the SVG does not show node lh"
# Without GraphViz on the PATH: one sentence saying what to install.
expect_fail 71 "install graphviz" env PATH="$(dirname "$(command -v ngctl)")" ngctl dot /tmp/g.svg
# list -n: named nodes only (the listing ngctl's own node is named too,
# and so are the ether nodes of this namespace's Ethernet devices).
eth=$(count_type ether)
out=$(ngctl list -n)
expect_match "$(echo "$out" | sed -n 1p)" "^There are $((2 + eth)) total named nodes:\$" "list -n header"
expect_no_match "$out" '<unnamed>' "list -n"
# list -l: each node in show format, one empty line between nodes.
out=$(ngctl ls -l)
expect_match "$out" '^  Local hook      Peer name       Peer type    Peer ID         Peer hook      $' "list -l table"
expect_eq "$(echo "$out" | grep -c '^$')" $((2 + eth)) "empty lines between the nodes"
expect_fail 64 "usage: list [-ln]" ngctl list -x

# read: a file of commands; quit stops it early and successfully.
printf '# comment\n\nname lh:b lb\nquit\nname lb: never\n' >/tmp/cmds
ngctl read /tmp/cmds
ngctl show -n lb: >/dev/null || fail "read ran the name command"
expect_fail 71 "No such file" ngctl show never:

# Interactive: a pseudo-terminal session; a frame sent to its hook is
# printed as FreeBSD prints it.
mkfifo /tmp/ngin
script -qfc "ngctl -N inter" /tmp/typescript </tmp/ngin >/dev/null &
exec 3>/tmp/ngin
for i in $(seq 50); do ngctl show -n inter: >/dev/null 2>&1 && break; sleep 0.1; done
# Our hook "in" to the hub's new hook "listen".
echo "connect lh: in listen" >&3
for i in $(seq 50); do ngctl show lh: | grep -q '^  listen ' && break; sleep 0.1; done
printf 'connect . lh: w src\nwrite w 0x41 0x42 0x43\n' | ngctl -f -
sleep 1
echo "quit" >&3
exec 3>&-
wait
out=$(tr -d '\r' </tmp/typescript)
expect_match "$out" 'Available commands:' "interactive banner"
expect_match "$out" "Rec'd data packet on hook \"in\":" "frame announced"
expect_match "$out" '0000:  41 42 43 ' "frame dumped"
ngctl shutdown lh:
