#!/usr/bin/env bash
# `make test`: host unit tests, then every VM scenario in one VM boot.
# The last line is "N passed, N failed"; the exit status is non-zero on any
# failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$(date +%s)
total_pass=0 total_fail=0
add() { total_pass=$((total_pass + $1)) total_fail=$((total_fail + $2)); }

echo "== host tests"
host_out=$(scripts/host-test.sh 2>&1)
echo "$host_out"
read -r hp hf < <(echo "$host_out" | sed -n 's/^host: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -1)
add "${hp:-0}" "${hf:-1}"

echo "== build (kernel from cache, module, ngctl) and module lints"
if make -s module ngctl; then
	lint_out=$(scripts/lint-module.sh 2>&1)
	echo "$lint_out"
	add "$(echo "$lint_out" | grep -c '\.\.\. ok$')" "$(echo "$lint_out" | grep -c '\.\.\. FAILED$')"
	echo "== VM scenarios"
	logdir=$(mktemp -d /tmp/ng-test.XXXXXX)
	NG_VM_NOBUILD=1 NG_VM_LOGDIR=$logdir tests/vm/run tests/vm/scenarios "$@"
	vm_rc=$?
	read -r vp vf < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$logdir/output" | tail -1)
	add "${vp:-0}" "${vf:-0}"
	if [ -z "${vp:-}" ]; then
		echo "FAIL vm: the scenario runner did not finish (status $vm_rc)"
		add 0 1
	elif [ "$vm_rc" -eq 125 ]; then
		echo "FAIL vm: kernel log splat, leak or unload failure (see above)"
		add 0 1
	else
		echo "PASS vm: kernel log clean, no leak, module unloaded"
		add 1 0
	fi
else
	echo "FAIL build"
	add 0 1
fi
echo "== took $(($(date +%s) - start)) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
