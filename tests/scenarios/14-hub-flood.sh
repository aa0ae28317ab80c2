# Hub flooding: a frame goes out of every other hook exactly once; after
# rmhook the removed hook gets nothing and the others still get everything.
. tests/lib.sh
trap stop_taps EXIT

ngctl -f - <<'S'
mkpeer . hub tmp a
name tmp h
msg h: setpersistent
S
tap h: t1 /tmp/t1
tap h: t2 /tmp/t2
tap h: t3 /tmp/t3
expect_eq "$(num_hooks h:)" 3 "hooks with three taps"
send() { # N frames from a fresh socket hook "src"
	local i script=""
	for i in $(seq "$1"); do script+="write w $i 0 0 0"$'\n'; done
	printf 'connect . h: w src\n%s' "$script" | ngctl -f -
}
send 5
wait_frames /tmp/t1 5; wait_frames /tmp/t2 5; wait_frames /tmp/t3 5
sleep 0.2
expect_eq "$(frames /tmp/t1)" 5 "t1 before rmhook"
expect_eq "$(frames /tmp/t2)" 5 "t2 before rmhook"
expect_eq "$(frames /tmp/t3)" 5 "t3 before rmhook"

ngctl rmhook h: t2
send 4
wait_frames /tmp/t1 9; wait_frames /tmp/t3 9
sleep 0.2
expect_eq "$(frames /tmp/t1)" 9 "t1 after rmhook"
expect_eq "$(frames /tmp/t2)" 5 "t2 after rmhook"
expect_eq "$(frames /tmp/t3)" 9 "t3 after rmhook"
# The sender never gets its own frame back: only taps got copies.
expect_eq "$(ngctl -j show h: | jq '.node.loop_drops')" 0 "no loop drops"
stop_taps
ngctl shutdown h:
