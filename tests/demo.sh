#!/usr/bin/env bash
# `make demo`: runs inside the VM with netgraph.ko loaded. Builds a small
# topology and shows it the way FreeBSD's ngctl does.
set -euo pipefail
echo "== node types"
ngctl types
echo
echo "== a persistent hub with named links, built with one ngctl -f script"
ngctl -f - <<'SCRIPT'
# the hub hangs off this ngctl's socket node; setpersistent keeps it
mkpeer . hub demo link0
name demo demohub
msg demohub: setpersistent
mkpeer demohub: hub link1 up
name demohub:link1 uplinkhub
msg uplinkhub: setpersistent
list
show demohub:
SCRIPT
echo
echo "== after that ngctl exited: its socket node is gone, the hubs stay"
ngctl list
ngctl show uplinkhub:
echo
echo "== a frame through the hubs: nghook listens on uplinkhub, ngctl writes into demohub"
nghook -an uplinkhub: tap > /tmp/demo-tap &
tap=$!
for i in $(seq 50); do ngctl show uplinkhub: | grep -q '^  tap ' && break; sleep 0.1; done
ngctl -f - <<'SCRIPT'
connect . demohub: in port
write in 0x48 0x65 0x6c 0x6c 0x6f 0x20 0x6e 0x65 0x74 0x67 0x72 0x61 0x70 0x68
SCRIPT
sleep 0.5
kill $tap
echo "nghook received:"
cat /tmp/demo-tap
echo
echo "== a second namespace has its own, empty graph"
ip netns add demo1
ngctl -n demo1 list
ip netns del demo1
ngctl shutdown demohub:
ngctl shutdown uplinkhub:
echo
echo "== after shutdown"
ngctl list
echo
echo "== the tutorial: three namespaces routed over eiface pairs wired in the host's graph"
Documentation/examples/eiface-routed-namespaces.sh
Documentation/examples/eiface-routed-namespaces.sh cleanup
