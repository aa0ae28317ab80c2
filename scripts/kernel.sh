#!/usr/bin/env bash
# scripts/kernel.sh [test|bench]: build (or reuse) a custom kernel.
#
# Two profiles, each its own cached tree:
#   test   (default) tests/kernel/netgraph.config: what the VM tests run on,
#          with lockdep, PROVE_RCU, kmemleak and the other debug checks.
#   bench  the same plus tests/kernel/bench.config, which turns the debug
#          checks off: `make bench` measures the kernel users run, not the
#          debugging (kmemleak alone unwinds the stack on every allocation).
#
# The tree is built in $NG_CACHE/kernel/<profile>-<key>, where <key> hashes
# every input: the Debian source and toolchain versions, the config fragments
# and this script. A finished build carries a stamp with the checksums of its
# outputs; a directory without a valid stamp (interrupted, corrupted) is
# deleted and rebuilt, never used. Prints the tree's path on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

profile=${1:-test}
FRAGMENTS=("$NG_TOP/tests/kernel/netgraph.config")
case "$profile" in
test) ;;
bench) FRAGMENTS+=("$NG_TOP/tests/kernel/bench.config") ;;
*) echo "usage: scripts/kernel.sh [test|bench]" >&2; exit 64 ;;
esac
ver() { dpkg-query -W -f='${Version}' "$1"; }
key_input() {
	echo "linux-source-6.12 $(ver linux-source-6.12)"
	echo "rustc-web $(ver rustc-web)"
	echo "rust-web-src $(ver rust-web-src)"
	echo "clang-16 $(ver clang-16) lld-16 $(ver lld-16) llvm-16 $(ver llvm-16)"
	"$NG_BINDGEN" --version
	echo "profile $profile"
	cat "${FRAGMENTS[@]}" | sha256sum
	sha256sum <"$here/kernel.sh"
}
key=$(key_input | sha256sum | cut -c1-16)
KDIR=$NG_CACHE/kernel/$profile-$key
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

log=$NG_CACHE/kernel/build-$profile-$key.log
echo "kernel: building $profile-$key in $KDIR (log: $log); about 12 minutes on 2 cores" >&2
start=$(date +%s)
rm -rf "$KDIR"
mkdir -p "$KDIR"
{
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$KDIR" --strip-components=1
	cd "$KDIR"
	make "${NG_KMAKE_ARGS[@]}" tinyconfig
	scripts/kconfig/merge_config.sh -m .config "${FRAGMENTS[@]}"
	make "${NG_KMAKE_ARGS[@]}" olddefconfig
} >"$log" 2>&1 || { echo "kernel: configuration failed, see $log" >&2; exit 1; }
cd "$KDIR"

# Every option the fragments set must have survived olddefconfig (where two
# fragments set the same option, the later one counts, as in merge_config).
effective() {
	cat "${FRAGMENTS[@]}" | grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' |
		sed -E 's/^(# )?(CONFIG_[A-Za-z0-9_]+)[= ].*/\2 &/' |
		tac | sort -s -u -k1,1 | cut -d' ' -f2-
}
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" .config || { echo "kernel: $line did not stick" >&2; missing=1; } ;;
	"# CONFIG_"*" is not set")
		# Off, or invisible because what it depends on is off.
		opt=${line#\# }
		opt=${opt%% *}
		! grep -q "^$opt=" .config || { echo "kernel: '$line' did not stick" >&2; missing=1; } ;;
	esac
done < <(effective)
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

# Older trees of this profile (and trees from before profiles) are no longer
# reachable by any key in use here; the other profile's tree stays.
for d in "$NG_CACHE"/kernel/*/; do
	d=${d%/}
	case "$(basename "$d")" in
	test-* | bench-*) [[ "$(basename "$d")" != "$profile"-* ]] && continue ;;
	esac
	[ "$d" = "$KDIR" ] || rm -rf "$d"
done
echo "$KDIR"
