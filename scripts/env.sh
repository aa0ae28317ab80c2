# Shared settings for every script; sourced, never run.
# Everything built or installed lives outside the checkout, under NG_CACHE.
NG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NG_CACHE=${NG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netgraph-linux}
NG_TOOLS=$NG_CACHE/tools
NG_BINDGEN=$NG_TOOLS/bin/bindgen
mkdir -p "$NG_TOOLS"
# The kernel, its build tree and the module must all come from Debian's
# rustc (the rustup one first on PATH has no rust-src).
NG_KMAKE_ARGS=(LLVM=-16 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc
	RUSTDOC=/usr/bin/rustdoc BINDGEN="$NG_BINDGEN")
export LIBCLANG_PATH=/usr/lib/llvm-16/lib
export NG_TOP NG_CACHE NG_TOOLS NG_BINDGEN
