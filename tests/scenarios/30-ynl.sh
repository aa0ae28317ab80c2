# The YNL specification (Documentation/netlink/specs/netgraph.yaml) drives
# every command of the family through the kernel source's own
# tools/net/ynl/cli.py, after validating against the kernel's genetlink
# schema: the spec and include/uapi/linux/netgraph.h agree. (Each cli.py
# run takes seconds under emulation, so do-commands are batched.)
. tests/lib.sh
trap stop_taps EXIT

[ -n "${NG_KDIR:-}" ] && [ -f "$NG_KDIR/tools/net/ynl/cli.py" ] || fail "kernel tree with tools/net/ynl not found"
spec=Documentation/netlink/specs/netgraph.yaml
/usr/bin/python3 -W ignore "$NG_KDIR/tools/net/ynl/cli.py" --spec "$spec" \
	--schema "$NG_KDIR/Documentation/netlink/genetlink.yaml" --list-ops >/tmp/ops ||
	fail "spec does not validate: $(cat /tmp/ops)"
expect_eq "$(wc -l </tmp/ops)" 13 "every callable command in the spec (the 5 events are notifications)"
ynl() {
	/usr/bin/python3 -W ignore "$NG_KDIR/tools/net/ynl/cli.py" --spec "$spec" --no-schema --output-json "$@"
}

ngctl -f - <<'S'
mkpeer . hub x in
name .:x h
msg h: setpersistent
S

# socket, mkpeer, name, connect, nodeinfo, msg (no reply; a raw struct
# argument; a reply value) in one batch on one socket.
out=$(ynl --multi socket '{"name": "ynlsock"}' \
	--multi mkpeer '{"path": "h:", "type-name": "hub", "ourhook": "a", "peerhook": "b"}' \
	--multi name '{"path": "h:a", "name": "h2"}' \
	--multi connect '{"path": "h:", "peerpath": "h2:", "ourhook": "c", "peerhook": "d"}' \
	--multi nodeinfo '{"path": "h2:"}' \
	--multi msg '{"path": "h2:", "msg-cmd": "setpersistent"}' \
	--multi mkpeer '{"path": "h2:", "type-name": "pipe", "ourhook": "p", "peerhook": "upper"}' \
	--multi msg '{"path": "h2:p", "msg-cmd": "setcfg", "args": {"value": "0c000200e803000000000000"}}' \
	--multi mkpeer '{"path": "h2:", "type-name": "eiface", "ourhook": "e", "peerhook": "ether"}' \
	--multi msg '{"path": "h2:e", "msg-cmd": "set", "args": {"value": "020000aabbcc"}}' \
	--multi msg '{"path": "h2:e", "msg-cmd": "getifname"}')
expect_eq "$(echo "$out" | jq -r '.[0].node | .name + " " + .type')" "ynlsock socket" "socket"
expect_eq "$(echo "$out" | jq -r '.[1] | "\(.node.name) \(.link.ourhook) \(.link.peerhook) \(.link.peer.type)"')" "h a b hub" "mkpeer answers with what it made"
expect_eq "$(echo "$out" | jq -r '.[3] | "\(.link.ourhook) \(.link.peerhook) \(.link.peer.name)"')" "c d h2" "connect answers with what it made"
expect_eq "$(echo "$out" | jq -r '.[4].node | "\(.name) \(.type) \(.hooks)"')" "h2 hub 2" "nodeinfo after mkpeer, name, connect"
expect_eq "$(echo "$out" | jq -r '.[10] | ."msg-cmd" + " " + (."msg-id" | tostring)')" "getifname 1" "msg reply"
expect_eq "$(echo "$out" | jq -r '.[10].args.value')" "$(printf 'ngeth0\0' | od -An -tx1 | tr -d ' \n')" "reply value"
expect_match "$(ngctl msg h2:p getcfg)" 'Args:	\{ delay=1000 ' "struct argument (delay=1000) through ynl"
expect_eq "$(cat /sys/class/net/ngeth0/address)" 02:00:00:aa:bb:cc "eiface set through ynl"

# Dumps: listhooks, listnodes (named only), listtypes, gettype.
out=$(ynl --dump listhooks --json '{"path": "h:"}')
expect_eq "$(echo "$out" | jq -r '[.[] | .link.ourhook // empty] | sort | join(",")')" "a,c" "listhooks"
expect_eq "$(echo "$out" | jq -r '[.[] | .link.peer.name // empty] | unique | join(",")')" "h2" "listhooks peer"
out=$(ynl --dump listnodes --json '{"named-only": true}')
expect_eq "$(echo "$out" | jq -r '[.[] | .node.name] | map(select(. == "h" or . == "h2" or . == "ngeth0")) | sort | join(",")')" "h,h2,ngeth0" "listnodes named-only"
expect_eq "$(echo "$out" | jq -r '[.[] | select(.node.name == null)] | length')" 0 "named-only lists no unnamed node"
out=$(ynl --dump listtypes)
expect_eq "$(echo "$out" | jq -r '[.[] | .type.name] | sort | join(",")')" "bridge,echo,eiface,etf,ether,hole,hub,one2many,pipe,socket,tee,vlan" "listtypes"
expect_eq "$(echo "$out" | jq -r '.[] | select(.type.name == "hub") | .type.numnodes')" 2 "hub count"
# gettype: every type's schema equals tests/fixtures/netgraph-types.json,
# from which the host tests round-trip every message through the ASCII
# codec (tests/fixtures/types.sh says how to refresh it).
live=$(tests/fixtures/types.sh)
[ "$live" = "$(jq -S . tests/fixtures/netgraph-types.json)" ] ||
	fail "schemas differ from tests/fixtures/netgraph-types.json: $(diff <(echo "$live") <(jq -S . tests/fixtures/netgraph-types.json) | head -20)"
setcfg=$(echo "$live" | jq -c '.[] | select(.name == "pipe") | .msg[] | select(.name == "setcfg")')
# (Indexed arrays decode as [ { "1": ... }, { "2": ... } ].)
expect_eq "$(echo "$setcfg" | jq -r '[.args[0][].fields[][].name] | join(",")')" "bandwidth,delay,header_offset,overhead,downstream,upstream" "setcfg fields"
expect_eq "$(echo "$setcfg" | jq -r '.args[0][].fields[4][].fields[1][] | "\(.name) \(.kind)"')" "BER u64" "nested field kind"

# A message whose reply is a dump (bridge gettable).
ngctl -f - <<'S'
mkpeer h2: bridge f link0
name h2:f br
msg br: setpersistent
S
out=$(ynl --dump msg --json '{"path": "br:", "msg-cmd": "gettable"}')
expect_eq "$(echo "$out" | jq -r '.[0]."msg-cmd"')" gettable "dumped msg"

# rmhook, then data: a frame from ynl's socket node floods through h to a
# tap on h2 (h and h2 joined once: no loop back to the sender).
ynl --do rmhook --json '{"path": "h:", "hook": "c"}' >/dev/null
expect_eq "$(num_hooks h:)" 1 "rmhook"
tap h2: t /tmp/t
frame=ffffffffffff0200000000ee88b5$(printf '%02x' $(seq 1 46))
ynl --multi socket '{}' --multi connect '{"path": ".", "peerpath": "h:", "ourhook": "w", "peerhook": "in2"}' \
	--multi data "{\"hook\": \"w\", \"data\": \"$frame\"}" >/dev/null
wait_frames /tmp/t 1
expect_match "$(grep '^0000:' /tmp/t | head -1)" '^0000:  ff ff ff ff ff ff 02 00 00 00 00 ee 88 b5' "frame sent with data"
stop_taps

# Errors come back with the extended ACK text.
rc=0
err=$(ynl --do mkpeer --json '{"path": "h:", "type-name": "nosuch", "ourhook": "z", "peerhook": "z"}' 2>&1) || rc=$?
expect_eq "$rc" 1 "refused mkpeer exits 1"
expect_match "$err" "extack.*msg.*type" "extack text of an unknown type: $err"

# Events: a subscriber sees nodes appear, get named, lose hooks.
ynl --subscribe events --sleep 15 >/tmp/ev 2>&1 &
epid=$!
wait_subscribed $epid
ngctl -f - <<'S'
mkpeer h: hub g q
name h:g evnode
rmhook h: g
S
wait $epid
expect_match "$(cat /tmp/ev)" '"name": "evt-newnode"' "newnode event"
expect_match "$(cat /tmp/ev)" '"name": "evt-rename".*"evnode"' "rename event"
expect_match "$(cat /tmp/ev)" '"name": "evt-delhook"' "delhook event"

# shutdown.
ynl --multi shutdown '{"path": "br:"}' --multi shutdown '{"path": "h2:e"}' \
	--multi shutdown '{"path": "h2:p"}' --multi shutdown '{"path": "h2:"}' \
	--multi shutdown '{"path": "h:"}' >/dev/null
expect_eq "$(count_type hub)$(count_type bridge)$(count_type eiface)$(count_type pipe)" 0000 "all gone"
