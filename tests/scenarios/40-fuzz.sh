# The netlink fuzzer (userspace/ngfuzz): requests generated from the YNL
# spec and the node types' message schemas, a share of them mutated, from
# several processes in several namespaces at once; then the same as an
# unprivileged user who has only `unshare -Urn` (root of its own user
# namespace, owning the network namespaces it makes). Kernel reports are the harness's to find (after every
# scenario); here the fuzzer must finish and report what it sent.
. tests/lib.sh

seed=${NG_FUZZ_SEED:-$(date +%s)}
out=$(ngfuzz --messages "${NG_FUZZ_MESSAGES:-10000}" --procs 4 --netns 3 --seed "$seed") \
	|| fail "ngfuzz (seed $seed) failed: $out"
expect_match "$out" '^fuzz: [0-9]+ messages sent' "fuzzer summary"
sent=$(echo "$out" | sed -n 's/^fuzz: \([0-9]*\) messages sent.*/\1/p')
[ "$sent" -ge "${NG_FUZZ_MESSAGES:-10000}" ] || fail "fuzzer sent $sent messages"
echo "# $out (seed $seed)"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
out=$(as_nobody unshare -Urn ngfuzz --messages 4000 --procs 2 --netns 2 --seed "$seed") \
	|| fail "unprivileged ngfuzz (seed $seed) failed: $out"
echo "# unshare -Urn as nobody: $out"
