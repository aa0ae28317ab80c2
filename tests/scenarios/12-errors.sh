# EEXIST, EADDRINUSE, ENXIO, EINVAL cases; rmhook of a missing hook; usage
# errors and FreeBSD's exit codes.
. tests/lib.sh

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp h1
msg h1: setpersistent
rmhook tmp
S
ngctl -f - <<'S'
mkpeer h1: hub b a
name h1:b h2
msg h2: setpersistent
S
# The local hook exists already.
expect_fail 71 "File exists" ngctl mkpeer h1: hub b a
expect_fail 71 "File exists" ngctl connect h1: h2: b x
# The peer hook exists already.
expect_fail 71 "File exists" ngctl connect h1: h2: c a
# A hook connected to itself.
expect_fail 71 "File exists" ngctl connect h1: h1: c c
# Unknown type; types that mkpeer cannot create.
expect_fail 71 "No such device or address" ngctl mkpeer h1: nosuchtype c a
expect_fail 71 "Invalid argument" ngctl mkpeer h1: socket c a
# Unknown node, unknown command, ambiguous prefix, usage.
expect_fail 71 "No such file or directory" ngctl show nosuch:
expect_fail 71 '"frob": unknown command' ngctl frob
expect_fail 71 '"s": ambiguous command' ngctl s
expect_fail 64 "usage: mkpeer [path] <type> <hook> <peerhook>" ngctl mkpeer a
# Unique prefixes and aliases work.
ngctl sho -n h1: >/dev/null
ngctl info h1: >/dev/null
ngctl ls >/dev/null
# rmhook of a hook that does not exist succeeds (FreeBSD).
ngctl rmhook h1: nosuchhook
# Unknown message: FreeBSD's ascii2binary finds no such name, ENOSYS.
expect_fail 71 "Function not implemented" ngctl msg h1: frobnicate
# Connect between two existing nodes, then rmhook from either side.
ngctl connect h1: h2: c c
expect_eq "$(num_hooks h1:)" 2 "h1 hooks after connect"
ngctl rmhook h2: c
expect_eq "$(num_hooks h1:)" 1 "h1 hooks after rmhook"
# A script stops at the first failing line with FreeBSD's message.
rc=0
err=$(printf 'show h1:\nshow nosuch:\nshow h2:\n' | ngctl -f - 2>&1 >/dev/null) || rc=$?
expect_eq "$rc" 71 "script status"
expect_match "$err" 'ngctl: line 2: error in file' "script error"
ngctl shutdown h1:
# h2 is persistent: it stays without hooks.
expect_eq "$(count_type hub)" 1 "persistent h2 stays"
expect_eq "$(num_hooks h2:)" 0 "h2 hooks"
ngctl shutdown h2:
expect_eq "$(count_type hub)" 0 "hubs left"
