# vlan (FreeBSD ng_vlan): messages, errors and table as FreeBSD prints
# them; real frames tagged and untagged in their bytes (in-band), TPID,
# PCP and the encap/decap switches; drops counted; IMUNES's VLAN lanswitch
# command lines; and the L2 VPN example over Linux 802.1Q devices, whose
# tags cross ether nodes in the frames' bytes.
. tests/lib.sh
trap 'stop_taps; Documentation/examples/vlan-l2vpn.sh cleanup' EXIT

args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
drops() { ngctl -j list | jq '.[] | select(.name == "v") | .drops'; }
# hexdump of a tap file's frames, one line of bytes per frame.
bytes() { awk '/^0000:/ {if (f) print f; f = ""} /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:/ {sub(/^[0-9a-f]*: */, ""); sub(/  .*$/, ""); f = f (f ? " " : "") $0} END {if (f) print f}' "$1"; }
MACS="0x02 0x00 0x00 0x00 0x00 0x01 0x02 0x00 0x00 0x00 0x00 0x02"
PAYLOAD=$(seq -s ' ' 1 46)

# --- the graph: a vlan node "v" with a hub (persistent) on downstream,
# nomatch and two filter hooks; writes and taps go through the hubs.
ngctl -f - <<'S'
mkpeer . hub t1 a
name t1 hd
msg hd: setpersistent
mkpeer hd: vlan v downstream
name hd:v v
mkpeer . hub t2 a
name t2 hn
msg hn: setpersistent
connect hn: v: v nomatch
mkpeer . hub t3 a
name t3 h10
msg h10: setpersistent
connect h10: v: v v10
mkpeer . hub t4 a
name t4 h20
msg h20: setpersistent
connect h20: v: v v20
mkpeer . hub t5 a
name t5 hx
msg hx: setpersistent
connect hx: v: v unconf
S
expect_match "$(ngctl show v:)" 'Type: vlan .*Num hooks: 5' "vlan with five hooks"
expect_match "$(ngctl list | grep 'Type: vlan')" 'ID: [0-9a-f]+' "vlan listed"
expect_match "$(ngctl types)" '^ +vlan +[0-9]+' "vlan in listtypes"

# --- messages, as FreeBSD prints them
expect_eq "$(args v: gettable)" "{}" "an empty table"
ngctl msg v: addfilter '{ vlan=10 hook="v10" }'
ngctl msg v: addfilter '{ vid=20 pcp=5 cfi=0 hook="v20" }'
expect_eq "$(args v: gettable)" '{ n=2 filter=[ { hook="v10" vlan=10 vid=10 } { hook="v20" vlan=20 vid=20 pcp=5 } ] }' "gettable"
expect_eq "$(args v: getencap)" "0x1" "getencap default"
expect_eq "$(args v: getdecap)" "0x0" "getdecap default"
expect_eq "$(args v: getencapproto)" "0x8100" "getencapproto default"
expect_fail 71 "File exists" ngctl msg v: addfilter '{ vid=10 hook="unconf" }'
expect_fail 71 "another hook has that VLAN" ngctl msg v: addfilter '{ vid=10 hook="unconf" }'
expect_fail 71 "File exists" ngctl msg v: addfilter '{ vid=30 hook="v10" }'
expect_fail 71 "No such file or directory" ngctl msg v: addfilter '{ vid=30 hook="nosuch" }'
expect_fail 71 "vlan and vid name different VLANs" ngctl msg v: addfilter '{ vlan=30 vid=31 hook="unconf" }'
expect_fail 71 "a VLAN ID is 0 to 4095" ngctl msg v: addfilter '{ vid=4096 hook="unconf" }'
expect_fail 71 "pcp is 0 to 7" ngctl msg v: addfilter '{ vid=30 pcp=8 hook="unconf" }'
expect_fail 71 "downstream and nomatch cannot have a filter" ngctl msg v: addfilter '{ vid=30 hook="nomatch" }'
expect_fail 71 "No such file or directory" ngctl msg v: delvidflt 99
expect_fail 71 "a VLAN ID is 0 to 4095" ngctl msg v: delvidflt 5000
expect_fail 71 "that hook has no filter" ngctl msg v: delfilter '"unconf"'
# Read-only messages need no privilege; changes do.
expect_eq "$(setpriv --reuid=65534 --clear-groups --inh-caps=-all ngctl msg v: getencap | sed -n 's/^Args:\t//p')" 0x1 "getencap without CAP_NET_ADMIN"
expect_fail 71 "Operation not permitted" setpriv --reuid=65534 --clear-groups --inh-caps=-all ngctl msg v: setencap 0

# --- frames from the trunk: a filter's VLAN leaves by its hook untagged
tap h10: out /tmp/t10
tap hn: out /tmp/tn
tap hd: out /tmp/td
ngctl -f - <<S
connect . hd: w w
write w $MACS 0x81 0x00 0x60 0x0a 0x08 0x00 $PAYLOAD
write w $MACS 0x81 0x00 0x00 0x1e 0x08 0x00 $PAYLOAD
write w $MACS 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/t10 1
wait_frames /tmp/tn 2
expect_match "$(bytes /tmp/t10 | head -1)" '^02 00 00 00 00 01 02 00 00 00 00 02 08 00 01 02 ' "VLAN 10 (PCP 3) untagged on v10"
expect_eq "$(frames /tmp/t10)" 1 "only VLAN 10 on v10"
expect_match "$(bytes /tmp/tn | sed -n 1p)" '^02 00 00 00 00 01 02 00 00 00 00 02 81 00 00 1e 08 00 01 ' "VLAN 30 (no filter) to nomatch, tag kept"
expect_match "$(bytes /tmp/tn | sed -n 2p)" '^02 00 00 00 00 01 02 00 00 00 00 02 08 00 01 ' "untagged to nomatch"

# --- frames to the trunk: a filter hook's frames get its tag (PCP too)
: >/tmp/td
ngctl -f - <<S
connect . h10: w w
write w $MACS 0x08 0x00 $PAYLOAD
connect . h20: w2 w
write w2 $MACS 0x08 0x06 $PAYLOAD
connect . hn: w3 w
write w3 $MACS 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/td 3
out=$(bytes /tmp/td)
expect_match "$(echo "$out" | grep -c '81 00 00 0a 08 00 01 02')" '^1$' "v10's frame tagged VLAN 10: $out"
expect_match "$(echo "$out" | grep -c '81 00 a0 14 08 06 01 02')" '^1$' "v20's frame tagged VLAN 20, PCP 5: $out"
expect_match "$(echo "$out" | grep -c '02 08 00 01 02')" '^1$' "nomatch's frame untagged: $out"

# --- drops, each counted: a filter hook without a filter (EOPNOTSUPP), a
# runt from the trunk, a tagged frame shorter than its tag
d0=$(drops)
printf 'connect . hx: w w\nwrite w %s 0x08 0x00 %s\n' "$MACS" "$PAYLOAD" >/tmp/vw
expect_fail 71 "Operation not supported" ngctl -f /tmp/vw
# (The hub floods the runts to the tap as well, and does not pass the
# vlan node's refusal back.)
ngctl -f - <<S
connect . hd: w w
write w 0x02 0x00 0x00 0x00 0x00 0x01
write w $MACS 0x81 0x00 0x00
S
expect_eq "$(($(drops) - d0))" 3 "three drops counted"

# --- encap off: filter frames leave untagged in their bytes (the tag goes
# beside the frame, which a socket does not see)
: >/tmp/td
ngctl msg v: setencap 0
expect_eq "$(args v: getencap)" "0x0" "setencap 0"
ngctl -f - <<S
connect . h10: w w
write w $MACS 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/td 1
expect_match "$(bytes /tmp/td)" '^02 00 00 00 00 01 02 00 00 00 00 02 08 00 01 ' "encap 0: no in-band tag"
ngctl msg v: setencap 1

# --- decap: an unmatched tag moves out of the bytes on the way to nomatch
: >/tmp/tn
ngctl msg v: setdecap 1
expect_eq "$(args v: getdecap)" "0x1" "setdecap 1"
ngctl -f - <<S
connect . hd: w w
write w $MACS 0x81 0x00 0x00 0x1e 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/tn 1
expect_match "$(bytes /tmp/tn)" '^02 00 00 00 00 01 02 00 00 00 00 02 08 00 01 ' "decap: VLAN 30 untagged in the bytes"
ngctl msg v: setdecap 0

# --- 802.1ad: the TPID read and written
: >/tmp/t10 ; : >/tmp/tn ; : >/tmp/td
ngctl msg v: setencapproto 0x88a8
expect_eq "$(args v: getencapproto)" "0x88a8" "setencapproto"
ngctl -f - <<S
connect . hd: w w
write w $MACS 0x88 0xa8 0x00 0x0a 0x08 0x00 $PAYLOAD
write w $MACS 0x81 0x00 0x00 0x0a 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/t10 1
wait_frames /tmp/tn 1
expect_eq "$(frames /tmp/t10)$(frames /tmp/tn)" 11 "one frame each to v10 and nomatch"
expect_match "$(bytes /tmp/t10)" '^02 00 00 00 00 01 02 00 00 00 00 02 08 00 01 ' "an 802.1ad tag matches"
expect_match "$(bytes /tmp/tn)" ' 81 00 00 0a 08 00 ' "an 802.1Q tag is not a tag any more"
: >/tmp/td
ngctl -f - <<S
connect . h10: w2 w
write w2 $MACS 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/td 1
expect_match "$(bytes /tmp/td)" ' 88 a8 00 0a 08 00 01 ' "v10 tags with 0x88a8"
ngctl msg v: setencapproto 0x8100
stop_taps

# --- a filter goes with its hook; delvidflt and delfilter
ngctl rmhook v: v20
expect_eq "$(args v: gettable)" '{ n=1 filter=[ { hook="v10" vlan=10 vid=10 } ] }' "v20's filter went with its hook"
ngctl msg v: addfilter '{ vid=0 hook="unconf" }'
expect_eq "$(args v: gettable)" '{ n=2 filter=[ { hook="unconf" } { hook="v10" vlan=10 vid=10 } ] }' "VLAN 0 first, its zero fields left out"
ngctl msg v: delvidflt 10
ngctl msg v: delfilter '"unconf"'
expect_eq "$(args v: gettable)" "{}" "table empty again"
# A large table comes whole (a dump of many parts).
for i in $(seq 100 399); do echo "mkpeer v: hole f$i x"; echo "msg v: addfilter { vid=$i hook=\"f$i\" }"; done | ngctl -f -
expect_eq "$(ngctl -j msg v: gettable | jq '[.args.n, (.args.filter | length), .args.filter[299].vid]' -c)" "[300,300,399]" "300 filters in one table"
for h in hd hn h10 h20 hx; do ngctl shutdown $h:; done
expect_eq "$(count_type vlan)" 1 "the holes keep it"
ngctl shutdown v:
expect_eq "$(count_type vlan)$(count_type hole)" 00 "vlan shut down, holes with it"

# --- IMUNES's VLAN lanswitch: the switch's vlan node, then per VLAN a
# bridge on a filter hook and the trunk's bridge on downstream, issued as
# IMUNES does (printf | ngctl -f -).
ngctl -f - <<'S'
mkpeer . bridge tmp link99
name tmp n1
msg n1: setpersistent
mkpeer n1: vlan link0 unconfig
name n1:link0 n1-vlan
S
for tag in 10 20 trunk; do
	if [ $tag = trunk ]; then hook_name=downstream addfilter=""; else
		hook_name=v$tag addfilter="msg n1-vlan: addfilter { vlan=$tag hook=\\\"$hook_name\\\" }\\n"; fi
	ngcmds="mkpeer n1-vlan: bridge $hook_name link0\\n"
	ngcmds="${ngcmds}name n1-vlan:$hook_name n1-$hook_name\\n"
	ngcmds="$ngcmds$addfilter"
	printf "$ngcmds" | ngctl -f -
done
expect_eq "$(args n1-vlan: gettable)" '{ n=2 filter=[ { hook="v10" vlan=10 vid=10 } { hook="v20" vlan=20 vid=20 } ] }' "IMUNES's filters"
expect_match "$(ngctl show n1-vlan:)" 'Num hooks: 4' "the switch's vlan node"
printf "shutdown n1-vlan:v10\n" | ngctl -f -
expect_eq "$(args n1-vlan: gettable)" '{ n=1 filter=[ { hook="v20" vlan=20 vid=20 } ] }' "execDelIfcVlanConfig"
for n in n1-v20 n1-downstream n1; do ngctl msg $n: shutdown; done
expect_eq "$(count_type vlan)$(count_type bridge)" 00 "lanswitch torn down"

# --- the L2 VPN example: Linux 802.1Q devices at the far end of a veth
# trunk, tags in the bytes through the ether node both ways.
out=$(Documentation/examples/vlan-l2vpn.sh 2>&1) || fail "vlan-l2vpn.sh failed: $out"
echo "$out" | sed 's/^/# /'
expect_match "$out" '^cust-a: 2 packets transmitted, 2 received' "cust-a reaches its peer"
expect_match "$out" '^cust-b: 2 packets transmitted, 2 received' "cust-b reaches its peer"
expect_match "$out" '^peer-a: lladdr 02:00:00:00:0a:02$' "peer-a saw only cust-a"
expect_match "$out" '^peer-b: lladdr 02:00:00:00:0b:02$' "peer-b saw only cust-b"
expect_match "$out" '02:00:00:00:0a:02 > 02:00:00:00:01:10, ethertype 802.1Q \(0x8100\), length [0-9]+: vlan 10, p 0, ethertype IPv4' "A's pings tagged 10 on the trunk"
expect_match "$out" '02:00:00:00:01:20 > 02:00:00:00:0b:02, ethertype 802.1Q \(0x8100\), length [0-9]+: vlan 20, p 0, ethertype IPv4' "B's replies tagged 20 on the trunk"
expect_match "$out" 'filter=\[ \{ hook="v10" vlan=10 vid=10 \} \{ hook="v20" vlan=20 vid=20 \} \]' "the trunk's table"
Documentation/examples/vlan-l2vpn.sh cleanup
netns_settle
