# Node naming rules: spaces, the same name again, collisions, invalid names,
# IDs; hook name rules.
. tests/lib.sh

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp h1
msg h1: setpersistent
mkpeer h1: hub b a
name h1:b h2
msg h2: setpersistent
S
# A name with a space.
ngctl name h1: "test hub"
out=$(ngctl show -n "test hub:")
expect_match "$out" '^  Name: test hub +Type: hub ' "renamed node"
expect_fail 71 "No such file or directory" ngctl show h1:
# Renaming a node to the name it has is a no-op that succeeds.
ngctl name "test hub:" "test hub"
# A name another node has.
expect_fail 71 "Address already in use" ngctl name h2: "test hub"
# Invalid names.
expect_fail 71 "Invalid argument" ngctl name h2: "a.b"
expect_fail 71 "Invalid argument" ngctl name h2: "a:b"
expect_fail 71 "Invalid argument" ngctl name h2: "[1f]"
expect_fail 71 "Invalid argument" ngctl name h2: "0123456789012345678901234567890x"
ngctl name h2: "0123456789012345678901234567890"
ngctl name "0123456789012345678901234567890:" h2
# The extended-ACK text reaches the user.
expect_fail 71 "another node has that name" ngctl name h2: "test hub"
# Addressing by ID: the ID printed by show, with and without leading zeros.
id=$(ngctl show -n h2: | awk '{print $6}')
expect_match "$id" '^[0-9a-f]{8}$' "ID column"
out=$(ngctl show -n "[$id]:")
expect_match "$out" 'Name: h2 ' "lookup by [id]"
short=$(printf '%x' "$((16#$id))")
out=$(ngctl show -n "[$short]:")
expect_match "$out" 'Name: h2 ' "lookup by short [id]"
expect_fail 71 "No such file or directory" ngctl show "[0]:"
expect_fail 71 "No such file or directory" ngctl show "[fffffff0]:"
# Relative paths: hook.hook from a named node.
out=$(ngctl show -n "test hub:b")
expect_match "$out" 'Name: h2 ' "path through a hook"
expect_fail 71 "No such file or directory" ngctl show "test hub:nosuch"
expect_fail 71 "Invalid argument" ngctl show "test hub:a..b"
expect_fail 71 "Invalid argument" ngctl show ":x"
# Hook names: empty, with '.' or ':', too long.
expect_fail 71 "Invalid argument" ngctl mkpeer h2: hub "x.y" a
expect_fail 71 "Invalid argument" ngctl connect h2: "test hub:" "x:y" q
expect_fail 71 "Invalid argument" ngctl mkpeer h2: hub "0123456789012345678901234567890x" a
ngctl shutdown h2:
ngctl shutdown "test hub:"
expect_eq "$(count_type hub)" 0 "hubs left"
