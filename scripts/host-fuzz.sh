#!/usr/bin/env bash
# scripts/host-fuzz.sh [CASES]: the kernel's message-argument check
# (rust/graph/msg_schema.rs) fuzzed on the host: CASES (default 1 000 000) cases
# for each property in tests/host/src/msg_tests.rs, in release mode with
# overflow checks and debug assertions on.
set -uo pipefail
cases=${1:-1000000}
cd "$(dirname "$0")/../tests/host" || exit 1
start=$(date +%s)
out=$(PROPTEST_CASES=$cases cargo test --release --locked -q msg_tests 2>&1)
rc=$?
props=$(sed -n "/^proptest! {/,/^}/p" src/msg_tests.rs | grep -c "^    fn ")
if [ $rc -ne 0 ]; then
	echo "$out" | grep -E 'FAILED|panicked|minimal failing|assert' | head -20
	echo "host fuzz of msg::check: FAILED"
	exit 1
fi
echo "host fuzz of msg::check: $props properties x $cases cases, 0 failures ($(( $(date +%s) - start )) s)"
