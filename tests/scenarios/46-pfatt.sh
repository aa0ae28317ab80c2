# A real netgraph client: pfatt (pfSense/OPNsense "AT&T residential
# gateway bypass"), whose ngctl lines build one2many + vlan + eiface + etf
# around two ether nodes. Its lines run here as the script issues them,
# one ngctl each (the host's ngctl in namespace pf, whose interfaces ont0
# and rg0 are veths to the ONT's and the gateway's namespaces). Then what
# the script is for: EAPOL (0x888e) frames cross between the ONT and the
# gateway, the host's own traffic on the ONT side still works through
# the graph, and ngeth0 talks to the ONT in priority-tagged (VLAN 0)
# frames.
. tests/lib.sh
cleanup() { for n in pf ont rg; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT

for n in pf ont rg; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done
ip -n pf link add ont0 type veth peer name ontp netns ont
ip -n pf link add rg0 type veth peer name rgp netns rg
ip -n pf addr add 10.1.0.1/24 dev ont0
ip -n ont addr add 10.1.0.2/24 dev ontp
for l in "pf ont0" "pf rg0" "ont ontp" "rg rgp"; do ip -n ${l% *} link set ${l#* } up; done

# --- pfatt's lines (ONT_IF=ont0 RG_IF=rg0), as the script issues them
ONT_IF=ont0 RG_IF=rg0 RG_ETHER_ADDR=02:00:00:00:00:aa
ngctl() { ip netns exec pf "$(command -v ngctl)" "$@"; }
ngctl mkpeer $ONT_IF: one2many lower one
ngctl name $ONT_IF:lower o2m
ngctl mkpeer o2m: vlan many0 downstream
ngctl name o2m:many0 vlan0
ngctl mkpeer vlan0: eiface vlan0 ether
ngctl msg vlan0: 'addfilter { vlan=0 hook="vlan0" }'
ngctl msg ngeth0: set $RG_ETHER_ADDR
ngctl mkpeer o2m: etf many1 downstream
ngctl name o2m:many1 waneapfilter
ngctl connect waneapfilter: $ONT_IF: nomatch upper
ngctl mkpeer $RG_IF: etf lower downstream
ngctl name $RG_IF:lower laneapfilter
ngctl connect laneapfilter: $RG_IF: nomatch upper
ngctl connect waneapfilter: laneapfilter: eapout eapout
ngctl msg waneapfilter: 'setfilter { matchhook="eapout" ethertype=0x888e }'
ngctl msg laneapfilter: 'setfilter { matchhook="eapout" ethertype=0x888e }'
ngctl msg o2m: setconfig "{ xmitAlg=2 failAlg=1 enabledLinks=[ 1 1 ] }"
unset -f ngctl
expect_match "$(ngctl -n pf list)" 'Name: o2m +Type: one2many .*Num hooks: 3' "o2m"
expect_match "$(ip -n pf link show ngeth0)" 'link/ether 02:00:00:00:00:aa ' "ngeth0 took the gateway's address"
expect_eq "$(ngctl -n pf msg vlan0: gettable | sed -n 's/^Args:\t//p')" '{ n=1 filter=[ { hook="vlan0" } ] }' "VLAN 0 filter"

# --- the host's own traffic on the ONT side: through o2m, the etf's
# nomatch and ont0's upper hook, both ways
expect_match "$(ip netns exec ont ping -c 2 -i 0.3 -W 2 10.1.0.1)" '2 packets transmitted, 2 received' "ping through the graph"

# --- EAPOL between the ONT and the gateway, both ways (and nothing else
# of the ONT's reaches the gateway)
eapol() { # NS IF: one 802.1X frame out of IF
	ip netns exec "$1" python3 -c 'import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[1], 0)); s.send(bytes.fromhex("0180c2000003" "020000000099" "888e" "0101000501" + "00"*41))' "$2"
}
capture() { # NS IF OUT: tcpdump of 802.1X frames, ready on return
	ip netns exec "$1" timeout 15 tcpdump -l -nn -e -i "$2" -c 1 ether proto 0x888e >"$3" 2>"$3.err" &
	for i in $(seq 200); do grep -q '^listening on' "$3.err" && return 0; sleep 0.05; done
	fail "tcpdump on $2 did not start"
}
capture rg rgp /tmp/eap-rg
eapol ont ontp
wait || true
expect_match "$(cat /tmp/eap-rg)" '02:00:00:00:00:99 > 01:80:c2:00:00:03, ethertype EAPOL \(0x888e\)' "the ONT's EAPOL reached the gateway"
capture ont ontp /tmp/eap-ont
eapol rg rgp
wait || true
expect_match "$(cat /tmp/eap-ont)" '02:00:00:00:00:99 > 01:80:c2:00:00:03, ethertype EAPOL \(0x888e\)' "the gateway's EAPOL reached the ONT"
expect_match "$(ngctl -n pf msg waneapfilter: getstatus | sed -n 's/^Args:\t//p')" 'packets_out=[1-9]' "waneapfilter counted its frames out"

# --- ngeth0 on VLAN 0: priority-tagged both ways with the ONT's VLAN 0
# device
ip -n ont link add link ontp name ontp.0 type vlan id 0
ip -n ont addr add 10.2.0.2/24 dev ontp.0
ip -n ont link set ontp.0 up
ip -n pf addr add 10.2.0.1/24 dev ngeth0
ip -n pf link set ngeth0 up
ip netns exec ont timeout 15 tcpdump -l -nn -e -i ontp -c 2 icmp >/tmp/v0.txt 2>/tmp/v0.err &
for i in $(seq 200); do grep -q '^listening on' /tmp/v0.err && break; sleep 0.05; done
expect_match "$(ip netns exec pf ping -c 2 -i 0.3 -W 2 -I ngeth0 10.2.0.2)" '2 packets transmitted, 2 received' "ngeth0 reaches the ONT's VLAN 0"
wait || true
sed 's/^/# /' /tmp/v0.txt
expect_match "$(cat /tmp/v0.txt)" '02:00:00:00:00:aa > .*ethertype 802.1Q \(0x8100\), length [0-9]+: vlan 0, p 0, ethertype IPv4' "ngeth0's frames carry a VLAN 0 tag"
cleanup
netns_settle
expect_eq "$(count_type one2many)$(count_type vlan)$(count_type etf)" 000 "nothing left in the host graph"
