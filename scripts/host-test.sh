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
# make install into a staging directory: binaries, a man page man(1) can
# format, completion scripts each shell parses.
stage=$(mktemp -d)
if make -s -C "$top" install DESTDIR="$stage" >/dev/null 2>&1 &&
	p="$stage/usr/local" &&
	[ -x "$p/sbin/ngctl" ] && [ -x "$p/sbin/nghook" ] &&
	grep -q '^\.TH ngctl 8' "$p/share/man/man8/ngctl.8" &&
	grep -q 'mkpeer' "$p/share/man/man8/ngctl.8" &&
	bash -n "$p/share/bash-completion/completions/ngctl" &&
	grep -q 'mkpeer' "$p/share/bash-completion/completions/ngctl" &&
	grep -q '^#compdef ngctl' "$p/share/zsh/site-functions/_ngctl" &&
	grep -q 'complete -c ngctl' "$p/share/fish/vendor_completions.d/ngctl.fish"; then
	pass=$((pass + 1)); echo "test make install (man page, completions) ... ok"
else
	fail=$((fail + 1)); echo "test make install (man page, completions) ... FAILED"
fi
rm -rf "$stage"
echo "host: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
