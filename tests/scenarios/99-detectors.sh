# Positive controls: every kernel detector the harness relies on fires on
# this kernel, and the harness's classifier (tests/vm/splats, the same one
# that checks every scenario and the whole run) reports what it printed.
# The reports are provoked inside an "expect-reports" region of the log,
# which the checks of the run skip; this scenario checks them itself.
. tests/lib.sh

D=/sys/kernel/debug/provoke-crash/DIRECT
[ -w $D ] || fail "LKDTM (CONFIG_LKDTM) is missing: $D"
n=0
# provoke TEST WANT: runs LKDTM's TEST; the classifier must report a line
# matching WANT from what it printed.
provoke() {
	local test=$1 want=$2 log reports
	n=$((n + 1))
	echo "netgraph-test: expect-reports begin control $n $test" >/dev/kmsg
	echo "$test" >$D 2>/dev/null || true
	echo "netgraph-test: expect-reports end" >/dev/kmsg
	log=$(dmesg | awk -v m="expect-reports begin control $n $test" 'index($0, m) { on = 1; next } /expect-reports end/ { on = 0 } on')
	reports=$(echo "$log" | NG_SPLATS_ALL=1 tests/vm/splats /dev/stdin) && fail "$test: the classifier found no report in: $log"
	expect_match "$reports" "$want" "$test report"
	echo "# $test: $(echo "$reports" | head -1 | sed 's/^[^:]*:[0-9]*: //' | cut -c1-90)"
}
# Only tests that corrupt nothing: a write after free or past an object
# would be found again later by SLUB's own checks, outside the region.
provoke WARNING 'WARNING:'
provoke READ_AFTER_FREE 'BUG: KASAN: slab-use-after-free'
provoke READ_BUDDY_AFTER_FREE 'BUG: KASAN: use-after-free'
provoke SLAB_FREE_DOUBLE 'KASAN: double-free'
provoke ARRAY_BOUNDS 'UBSAN: array-index-out-of-bounds'
provoke REFCOUNT_INC_OVERFLOW 'refcount_t: saturated'

# kmemleak: a module that leaks on purpose (samples/kmemleak); what the
# harness fails on is a non-empty /sys/kernel/debug/kmemleak after a scan.
K=/sys/kernel/debug/kmemleak
[ -w $K ] || fail "kmemleak is off"
echo "netgraph-test: expect-reports begin control kmemleak" >/dev/kmsg
echo clear >$K
insmod "$NG_KDIR/samples/kmemleak/kmemleak-test.ko" || fail "cannot load kmemleak-test.ko"
rmmod kmemleak_test
# kmemleak reports objects older than 5 s.
sleep 6
echo scan >$K
echo scan >$K
leaks=$(grep -c '^unreferenced object' $K || true)
[ "$leaks" -gt 0 ] || fail "kmemleak did not find the sample module's leaks"
echo "# kmemleak: $leaks leaks of kmemleak-test.ko found"
echo clear >$K
echo "netgraph-test: expect-reports end" >/dev/kmsg
expect_eq "$(grep -c '^unreferenced object' $K || true)" 0 "kmemleak after clear"
