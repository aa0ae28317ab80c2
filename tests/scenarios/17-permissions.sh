# Without CAP_NET_ADMIN: reads work, changes get EPERM.
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
expect_fail 71 "Operation not permitted" as_nobody ngctl mkpeer perm: hub a b
expect_fail 71 "Operation not permitted" as_nobody ngctl name perm: other
expect_fail 71 "Operation not permitted" as_nobody ngctl shutdown perm:
expect_fail 71 "Operation not permitted" as_nobody ngctl msg perm: setpersistent
ngctl shutdown perm:
