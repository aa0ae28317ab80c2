#!/usr/bin/env bash
# Build (or reuse) the custom test kernel.
#
# The tree is built in $NG_CACHE/kernel/<key>, where <key> hashes every input:
# the Debian source and toolchain versions, the config fragment and this
# script. A finished build carries a stamp with the checksums of its outputs;
# a directory without a valid stamp (interrupted, corrupted) is deleted and
# rebuilt, never used. Prints the tree's path on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

FRAGMENT=$NG_TOP/tests/kernel/netgraph.config
ver() { dpkg-query -W -f='${Version}' "$1"; }
key_input() {
	echo "linux-source-6.12 $(ver linux-source-6.12)"
	echo "rustc-web $(ver rustc-web)"
	echo "rust-web-src $(ver rust-web-src)"
	echo "clang-16 $(ver clang-16) lld-16 $(ver lld-16) llvm-16 $(ver llvm-16)"
	"$NG_BINDGEN" --version
	sha256sum <"$FRAGMENT"
	sha256sum <"$here/kernel.sh"
}
key=$(key_input | sha256sum | cut -c1-16)
KDIR=$NG_CACHE/kernel/$key
STAMP=$KDIR/.netgraph-complete
OUTPUTS=(arch/x86/boot/bzImage vmlinux Module.symvers .config)

stamp_ok() {
	[ -f "$STAMP" ] || return 1
	(cd "$KDIR" && sha256sum --quiet --status -c "$STAMP") 2>/dev/null
}

mkdir -p "$NG_CACHE/kernel"
exec 9>"$NG_CACHE/kernel/.lock"
flock 9

if stamp_ok; then
	echo "$KDIR"
	exit 0
fi

log=$NG_CACHE/kernel/build-$key.log
echo "kernel: building $key in $KDIR (log: $log); about 12 minutes on 2 cores" >&2
start=$(date +%s)
rm -rf "$KDIR"
mkdir -p "$KDIR"
{
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$KDIR" --strip-components=1
	cd "$KDIR"
	make "${NG_KMAKE_ARGS[@]}" tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$FRAGMENT"
	make "${NG_KMAKE_ARGS[@]}" olddefconfig
} >"$log" 2>&1 || { echo "kernel: configuration failed, see $log" >&2; exit 1; }
cd "$KDIR"

# Every option the fragment sets must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" .config || { echo "kernel: $line did not stick" >&2; missing=1; } ;;
	"# CONFIG_"*" is not set") grep -qxF "$line" .config || { echo "kernel: '$line' did not stick" >&2; missing=1; } ;;
	esac
done <"$FRAGMENT"
if [ $missing -ne 0 ]; then
	make "${NG_KMAKE_ARGS[@]}" rustavailable >&2 || true
	exit 1
fi

if ! make "${NG_KMAKE_ARGS[@]}" -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -40 "$log" >&2
	echo "kernel: build failed, see $log" >&2
	exit 1
fi
sha256sum "${OUTPUTS[@]}" >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
echo "kernel: built in $(($(date +%s) - start)) s" >&2

# Older trees are no longer reachable by any key in use here.
for d in "$NG_CACHE"/kernel/*/; do
	[ "${d%/}" = "$KDIR" ] || rm -rf "${d%/}"
done
echo "$KDIR"
