# Without CAP_NET_ADMIN: reads work, changes get EPERM with a reason; the
# root of a user namespace that owns a network namespace may change it.
. tests/lib.sh

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp perm
msg perm: setpersistent
S
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
out=$(as_nobody ngctl list) || fail "unprivileged list"
expect_match "$out" 'Name: perm ' "unprivileged list output"
as_nobody ngctl show perm: >/dev/null || fail "unprivileged show"
as_nobody ngctl types >/dev/null || fail "unprivileged types"
expect_fail 71 "Operation not permitted (needs CAP_NET_ADMIN" as_nobody ngctl mkpeer perm: hub a b
expect_fail 71 "Operation not permitted" as_nobody ngctl connect perm: perm: a b
expect_fail 71 "Operation not permitted" as_nobody ngctl rmhook perm: a
expect_fail 71 "Operation not permitted" as_nobody ngctl name perm: other
expect_fail 71 "Operation not permitted" as_nobody ngctl shutdown perm:
expect_fail 71 "Operation not permitted" as_nobody ngctl msg perm: setpersistent
# Names are not anyone's: an unprivileged socket node stays unnamed (ngctl
# falls back to that), and cannot take a name admin scripts use.
expect_eq "$(as_nobody ngctl -j list | jq '[.[] | select(.type == "socket" and .name == null)] | length')" 1 "unprivileged ngctl's node is unnamed"
expect_fail 71 "naming a node needs CAP_NET_ADMIN" as_nobody ngctl -N squat list
# Writing data out of its own socket node changes state too.
expect_fail 71 "Operation not permitted" as_nobody ngctl write nosuch 1
# The root of a user namespace that owns a network namespace has the right
# there (CAP_NET_ADMIN in the owning user namespace).
out=$(unshare --user --map-root-user --net bash -c 'ngctl mkpeer . hub a b && echo created') \
	|| fail "mkpeer as root of a user+net namespace"
expect_match "$out" created "mkpeer in an owned namespace"
# ...but not in the initial namespace.
expect_fail 71 "Operation not permitted" unshare --user --map-root-user ngctl mkpeer perm: hub a b
ngctl shutdown perm:
