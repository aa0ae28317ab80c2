# Lifecycle: a hub dies with its last hook unless persistent; shutdown
# cascades; the socket node dies with ngctl.
. tests/lib.sh

# One-shot mkpeer: the hub hangs off ngctl's node and goes with it.
ngctl mkpeer . hub x y
expect_eq "$(count_type hub)" 0 "hub after one-shot mkpeer"
expect_eq "$(count_type socket)" 1 "only the listing ngctl's socket node"
# With setpersistent it stays, hookless.
ngctl -f - <<'S'
mkpeer . hub x y
name x keep
msg keep: setpersistent
S
expect_eq "$(count_type hub)" 1 "persistent hub"
expect_eq "$(num_hooks keep:)" 0 "hooks of the persistent hub"
# A chain of non-persistent hubs hanging off the persistent one.
ngctl -f - <<'S'
mkpeer keep: hub a a
mkpeer keep:a hub b a
mkpeer keep:a.b hub c a
S
expect_eq "$(count_type hub)" 4 "chain"
# Cutting the chain at the root: the first hub keeps its hook b, so it
# stays; a hub goes only when it has no hook left.
ngctl rmhook keep: a
expect_eq "$(count_type hub)" 4 "after rmhook (the first hub keeps hook b)"
# Shutting the middle one down takes both ends with it.
id=$(ngctl list | awk '$4=="hub" && $9==2 {print $6}')
expect_match "$id" '^[0-9a-f]{8}$' "middle hub"
ngctl shutdown "[$id]:"
expect_eq "$(count_type hub)" 1 "after shutdown cascade"
ngctl shutdown keep:
expect_eq "$(count_type hub)" 0 "all gone"
