#!/usr/bin/env bash
# Host tests: userspace crates and the kernel module's pure-logic files.
# Prints cargo's output and, last, "host: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
run() {
	local dir=$1 out
	out=$(cd "$top/$dir" && cargo test --locked 2>&1)
	local rc=$?
	echo "$out" | grep -E '^(test |running|test result)' | grep -v '^test result: ok. 0 passed; 0 failed'
	while read -r p f; do
		pass=$((pass + p)) fail=$((fail + f))
	done < <(echo "$out" | sed -n 's/^test result: [A-Za-z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p')
	if [ $rc -ne 0 ] && ! echo "$out" | grep -q '^test result: FAILED'; then
		echo "$out" | tail -30
		echo "host: cargo test in $dir failed to build" >&2
		fail=$((fail + 1))
	fi
}
run userspace
run tests/host
if (cd "$top/userspace" && cargo fmt --all -- --check >/dev/null 2>&1); then
	pass=$((pass + 1)); echo "test userspace cargo fmt --check ... ok"
else
	fail=$((fail + 1)); echo "test userspace cargo fmt --check ... FAILED"
fi
if (cd "$top/userspace" && cargo clippy --locked --all-targets -q -- -D warnings >/dev/null 2>&1); then
	pass=$((pass + 1)); echo "test userspace cargo clippy ... ok"
else
	fail=$((fail + 1)); echo "test userspace cargo clippy ... FAILED"
	(cd "$top/userspace" && cargo clippy --locked --all-targets -q -- -D warnings 2>&1 | head -40)
fi
echo "host: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
