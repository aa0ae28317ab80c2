#!/usr/bin/env bash
# Lints the kernel module: rustfmt (kernel style) and clippy through the
# kernel build (CLIPPY=1), then rebuilds it normally. Any warning fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"
KDIR=$("$top/scripts/kernel.sh") || exit 1
rc=0
if rustfmt --edition 2021 --check --config-path "$KDIR/.rustfmt.toml" "$top/rust/netgraph_rs.rs"; then
	echo "test module rustfmt --check ... ok"
else
	echo "test module rustfmt --check ... FAILED"
	rc=1
fi
out=$(make -s -C "$KDIR" M="$top" "${NG_KMAKE_ARGS[@]}" CLIPPY=1 \
	CLIPPY_DRIVER=/usr/bin/clippy-driver modules 2>&1)
if [ $? -eq 0 ] && ! echo "$out" | grep -Eq '^(warning|error)'; then
	echo "test module clippy ... ok"
else
	echo "$out" | head -60
	echo "test module clippy ... FAILED"
	rc=1
fi
# Back to a normal build for the VM.
make -s -C "$KDIR" M="$top" "${NG_KMAKE_ARGS[@]}" modules || rc=1
exit $rc
