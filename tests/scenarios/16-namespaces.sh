# One graph per namespace: the same names in two namespaces, isolation,
# namespace deletion frees the graph, module unload with live graphs.
. tests/lib.sh

ip netns add nsa
ip netns add nsb
for ns in nsa nsb; do
	ngctl -n "$ns" -f - <<'S'
mkpeer . hub tmp a
name tmp shared
msg shared: setpersistent
mkpeer shared: hub x y
S
done
ngctl -n nsa name shared:x only_in_a
out=$(ngctl -n nsa list)
expect_match "$out" 'Name: only_in_a ' "nsa has its node"
out=$(ngctl -n nsb list)
expect_no_match "$out" 'only_in_a' "nsb does not see nsa's node"
expect_match "$out" 'Name: shared ' "nsb has its own 'shared'"
expect_fail 71 "No such file or directory" ngctl -n nsb show only_in_a:
expect_fail 71 "No such file or directory" ngctl show shared:
# IDs are per namespace: both "shared" hubs have the same ID.
ida=$(ngctl -n nsa show -n shared: | awk '{print $6}')
idb=$(ngctl -n nsb show -n shared: | awk '{print $6}')
expect_eq "$ida" "$idb" "same ID in both namespaces"
# Deleting a namespace shuts its graph down (kmemleak and the kernel log
# are checked by the runner).
ip netns del nsa
out=$(ngctl -n nsb list)
# shared (whose tmp hook went with the first ngctl), its unnamed peer, and
# the listing ngctl.
expect_match "$out" 'There are 3 total nodes' "nsb untouched"
# A namespace that is gone only from the name space but lives on in a
# process keeps its graph until that process exits.
ip netns add nsc
ngctl -n nsc -f - <<'S'
mkpeer . hub tmp a
name tmp c
msg c: setpersistent
S
ip netns exec nsc sleep 1 &
ip netns del nsc
wait
# Module unload with live graphs in several namespaces (and the initial one).
ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp init_hub
msg init_hub: setpersistent
S
rmmod netgraph || fail "rmmod with live graphs"
insmod "$NG_TOP/netgraph.ko"
out=$(ngctl -n nsb list)
expect_match "$out" 'There are 1 total nodes' "fresh graph after reload"
ip netns del nsb
