# The RTNL is not taken on unprivileged paths (hole e): releasing a
# generic netlink socket that has no socket node (any family's: iproute2's
# `genl`, the kernel's YNL client), and reading (listings, node and type
# information, dumps, read-only type messages), including as an
# unprivileged user. Counted with kprobes on rtnl_lock, rtnl_lock_killable
# and rtnl_trylock, per command name; ngctl's mkpeer is the positive control.
. tests/lib.sh

T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null || true
[ -w $T/kprobe_events ] || fail "no kprobe events (CONFIG_KPROBE_EVENTS)"
cleanup() {
	echo 0 >$T/events/ngtest/enable 2>/dev/null
	echo >$T/kprobe_events
}
trap cleanup EXIT
echo >$T/kprobe_events
probes=0
for f in rtnl_lock rtnl_lock_killable rtnl_trylock; do
	grep -qw "$f" /proc/kallsyms || continue
	echo "p:ngtest/$f $f" >>$T/kprobe_events || fail "kprobe on $f"
	probes=$((probes + 1))
done
[ $probes -ge 1 ] || fail "no rtnl_lock to probe"
echo 'comm == "genl" || comm == "python3" || comm == "ngctl"' >$T/events/ngtest/filter
echo 1 >$T/events/ngtest/enable
# hits COMM: RTNL takes by processes called COMM since the last reset.
hits() { grep -cE "^ *$1-[0-9]+ " $T/trace || true; }
reset() { echo >$T/trace; }

ngctl -f - <<'S'
mkpeer . hub x in
name .:x h
msg h: setpersistent
mkpeer h: bridge b link0
name h:b br
mkpeer h: pipe p upper
name h:p pp
S

# Positive control: a change takes the RTNL, and the probe sees it.
reset
ngctl mkpeer h: tee t left
[ "$(hits ngctl)" -ge 1 ] || fail "the probe did not see ngctl's mkpeer take the RTNL"

# Any generic netlink socket, opened and released: no RTNL.
reset
for i in 1 2 3; do genl ctrl list >/dev/null || fail "genl ctrl list"; done
expect_eq "$(hits genl)" 0 "RTNL takes by releases of genl sockets without a node"

# Reads over a socket without a node (the kernel's YNL client), as root and
# as nobody, then its release.
[ -f "$NG_KDIR/tools/net/ynl/cli.py" ] || fail "no tools/net/ynl in the kernel tree"
# A copy nobody can read (the kernel tree is under root's home).
Y=$(mktemp -d /tmp/ynl-rtnl.XXXXXX)
cp -r "$NG_KDIR/tools/net/ynl/." "$Y/" && cp Documentation/netlink/specs/netgraph.yaml "$Y/"
chmod -R a+rX "$Y"
spec=$Y/netgraph.yaml
ynl() {
	"$@" /usr/bin/python3 -W ignore "$Y/cli.py" --spec "$spec" --no-schema --output-json \
		--multi nodeinfo '{"path": "h:"}' \
		--multi msg '{"path": "br:", "msg-cmd": "getconfig"}' \
		--multi msg '{"path": "pp:", "msg-cmd": "getcfg"}'
}
ynl_dumps() {
	"$@" /usr/bin/python3 -W ignore - "$Y" "$spec" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from lib import YnlFamily
y = YnlFamily(sys.argv[2], "")
print(len(y.dump("listnodes", {})), len(y.dump("listtypes", {})),
      len(y.dump("listhooks", {"path": "h:"})), len(y.dump("gettype", {"type-name": "bridge"})))
PY
}
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
reset
out=$(ynl) || fail "ynl reads: $out"
expect_eq "$(echo "$out" | jq -r '.[0].node.name')" h "nodeinfo through ynl"
out=$(ynl_dumps) || fail "ynl dumps: $out"
expect_match "$out" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "dumps through ynl"
out=$(ynl as_nobody) || fail "unprivileged ynl reads: $out"
out=$(ynl_dumps as_nobody) || fail "unprivileged ynl dumps: $out"
expect_eq "$(hits python3)" 0 "RTNL takes by reads and dumps (root and nobody) and their sockets' release"
echo "# $probes RTNL entry points probed: 0 takes by 3 genl runs and 4 YNL clients (reads, dumps, release)"
ngctl shutdown h:
rm -rf "$Y"
