# etf (FreeBSD ng_etf): frames from downstream go to the hook their
# EtherType's filter names, else to nomatch; frames to downstream only from
# the hook their EtherType belongs to (EPROTOTYPE otherwise); counters as
# FreeBSD keeps them; filters go with their hooks.
. tests/lib.sh
trap stop_taps EXIT

args() { ngctl msg "$@" | sed -n 's/^Args:\t//p'; }
drops() { ngctl -j list | jq '.[] | select(.name == "e") | .drops'; }
MACS="0x02 0x00 0x00 0x00 0x00 0x01 0x02 0x00 0x00 0x00 0x00 0x02"
PAYLOAD=$(seq -s ' ' 1 46)

ngctl -f - <<'S'
mkpeer . hub t1 a
name t1 hd
msg hd: setpersistent
mkpeer hd: etf e downstream
name hd:e e
mkpeer . hub t2 a
name t2 hn
msg hn: setpersistent
connect hn: e: e nomatch
mkpeer . hub t3 a
name t3 hip
msg hip: setpersistent
connect hip: e: e ip
mkpeer . hub t4 a
name t4 heap
msg heap: setpersistent
connect heap: e: e eapout
S
expect_match "$(ngctl show e:)" 'Type: etf .*Num hooks: 4' "etf with four hooks"
ngctl msg e: setfilter '{ matchhook="eapout" ethertype=0x888e }'
ngctl msg e: setfilter '{ matchhook="ip" ethertype=0x800 }'
ngctl msg e: setfilter '{ matchhook="ip" ethertype=0x86dd }'
ngctl msg e: setflag 1
expect_fail 71 "File exists" ngctl msg e: setfilter '{ matchhook="nomatch" ethertype=0x800 }'
expect_fail 71 "No such file or directory" ngctl msg e: setfilter '{ matchhook="nosuch" ethertype=0x806 }'
expect_fail 71 "downstream cannot be a filter's hook" ngctl msg e: setfilter '{ matchhook="downstream" ethertype=0x806 }'
expect_eq "$(args e: getstatus)" "{}" "no frames yet"
expect_eq "$(setpriv --reuid=65534 --clear-groups --inh-caps=-all ngctl msg e: getstatus | sed -n 's/^Args:\t//p')" "{}" "getstatus without CAP_NET_ADMIN"

# --- up from downstream: by EtherType
tap heap: out /tmp/teap
tap hip: out /tmp/tip
tap hn: out /tmp/tn
tap hd: out /tmp/td
ngctl -f - <<S
connect . hd: w w
write w $MACS 0x88 0x8e $PAYLOAD
write w $MACS 0x08 0x00 $PAYLOAD
write w $MACS 0x86 0xdd $PAYLOAD
write w $MACS 0x08 0x06 $PAYLOAD
S
wait_frames /tmp/teap 1
wait_frames /tmp/tip 2
wait_frames /tmp/tn 1
expect_eq "$(frames /tmp/teap) $(frames /tmp/tip) $(frames /tmp/tn)" "1 2 1" "EAPOL, IPv4 and IPv6, ARP"
expect_match "$(cat /tmp/teap)" '^0000:  02 00 00 00 00 01 02 00 00 00 00 02 88 8e ' "the EAPOL frame on eapout"
expect_match "$(cat /tmp/tn)" '^0000:  02 00 00 00 00 01 02 00 00 00 00 02 08 06 ' "ARP on nomatch"
expect_eq "$(args e: getstatus)" "{ packets_in=4 }" "four in"

# --- down to downstream: only from where the EtherType belongs
: >/tmp/td
ngctl -f - <<S
connect . heap: w w
write w $MACS 0x88 0x8e $PAYLOAD
connect . hn: w2 w
write w2 $MACS 0x08 0x06 $PAYLOAD
connect . hip: w3 w
write w3 $MACS 0x86 0xdd $PAYLOAD
S
wait_frames /tmp/td 3
expect_eq "$(args e: getstatus)" "{ packets_in=4 packets_out=3 }" "three out"
d0=$(drops)
printf 'connect . e: w stray\nwrite w %s 0x88 0x8e %s\n' "$MACS" "$PAYLOAD" >/tmp/ew
expect_fail 71 "Protocol wrong type for socket" ngctl -f /tmp/ew
printf 'connect . e: w stray\nwrite w %s 0x08 0x06 %s\n' "$MACS" "$PAYLOAD" >/tmp/ew
expect_fail 71 "Protocol wrong type for socket" ngctl -f /tmp/ew
printf 'connect . e: w stray\nwrite w 0x01 0x02 0x03\n' >/tmp/ew
expect_fail 71 "frame refused by a node on its way" ngctl -f /tmp/ew
expect_eq "$(($(drops) - d0))" 3 "refused frames counted as drops"
expect_eq "$(args e: getstatus)" "{ packets_in=4 packets_out=3 }" "refused frames are not out"
stop_taps

# --- a hook's filters go with it; downstream reconnected starts afresh
ngctl rmhook e: ip
tap hn: out /tmp/tn
ngctl -f - <<S
connect . hd: w w
write w $MACS 0x08 0x00 $PAYLOAD
S
wait_frames /tmp/tn 1
expect_match "$(cat /tmp/tn)" ' 08 00 01 02 ' "IPv4 to nomatch once ip is gone"
stop_taps
ngctl rmhook e: downstream
ngctl connect hd: e: e2 downstream
expect_eq "$(args e: getstatus)" "{}" "counters reset by connecting downstream"
for h in hd hn heap hip; do ngctl shutdown $h:; done
expect_eq "$(count_type etf)" 0 "etf went with its last hook"
