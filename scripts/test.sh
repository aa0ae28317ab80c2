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
	lint_rc=$?
	echo "$lint_out"
	lint_failed=$(echo "$lint_out" | grep -c '\.\.\. FAILED$')
	add "$(echo "$lint_out" | grep -c '\.\.\. ok$')" "$lint_failed"
	if [ "$lint_rc" -ne 0 ] && [ "$lint_failed" -eq 0 ]; then
		echo "FAIL module lints: scripts/lint-module.sh exited $lint_rc"
		add 0 1
	fi
	echo "== VM scenarios"
	logdir=$(mktemp -d /tmp/ng-test.XXXXXX)
	NG_VM_NOBUILD=1 NG_VM_LOGDIR=$logdir NG_VM_TIMEOUT=${NG_VM_TIMEOUT:-4500} tests/vm/run tests/vm/scenarios "$@"
	vm_rc=$?
	read -r vp vf < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$logdir/output" | tail -1)
	add "${vp:-0}" "${vf:-0}"
	verdict=$(cat "$logdir/verdict" 2>/dev/null || echo "no verdict (the VM run did not get that far)")
	if [ -z "${vp:-}" ]; then
		echo "FAIL vm: the scenario runner did not finish (status $vm_rc): $verdict"
		add 0 1
	elif [ "$verdict" = clean ]; then
		echo "PASS vm: kernel log and console clean, no leak, module unloaded"
		add 1 0
	else
		echo "FAIL vm: $(echo "$verdict" | paste -sd';' | sed 's/;/; /g') (see above)"
		add 0 1
	fi
	# The runner exits non-zero exactly when a scenario failed.
	if [ -n "${vp:-}" ] && [ "${vf:-0}" -eq 0 ] && [ "$vm_rc" -ne 0 ] && [ "$verdict" = clean ]; then
		echo "FAIL vm: the run exited $vm_rc with every scenario passed"
		add 0 1
	fi
	echo "== harness self-test: a kernel report in the guest fails the run"
	harness_check() {
		local want=$1 what=$2 rc=0 hdir
		shift 2
		hdir=$(mktemp -d /tmp/ng-harness.XXXXXX)
		NG_VM_NOBUILD=1 NG_VM_LOGDIR=$hdir NG_VM_TIMEOUT=300 tests/vm/run "$@" >"$hdir/run.out" 2>&1 || rc=$?
		if [ "$rc" -eq "$want" ] && grep -q "$what" "$hdir/run.out"; then
			echo "PASS harness: $* -> exit $rc, \"$what\" reported"
			add 1 0
		else
			echo "FAIL harness: $* -> exit $rc (want $want, \"$what\"); output:"
			tail -20 "$hdir/run.out" | sed 's/^/    /'
			add 0 1
		fi
	}
	# A WARN in an otherwise passing command: exit 125 and the report shown.
	harness_check 125 "WARNING:" sh -c 'echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT'
	# A panic in the middle of a command: the guest never finishes, and the
	# oops is shown from the serial console.
	harness_check 124 "Kernel panic" sh -c 'echo PANIC > /sys/kernel/debug/provoke-crash/DIRECT; sleep 5'
else
	echo "FAIL build"
	add 0 1
fi
echo "== took $(($(date +%s) - start)) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
