#!/usr/bin/env bash
# Install everything the build, the VM and the tests need. Idempotent: a
# second run only checks. Versions are pinned where they feed the kernel
# build; they are recorded in the kernel cache key (scripts/kernel.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

# Debian packages. Pinned versions are preferred; when the archive has moved
# on, the candidate is installed instead (the cache key follows what is
# installed, so the kernel is rebuilt for it).
PINNED=(
	linux-source-6.12=6.12.117-1~deb12u1
	rustc-web=1.96.0+dfsg1-1~deb12u2
	rust-web-src=1.96.0+dfsg1-1~deb12u2
	rust-web-clippy=1.96.0+dfsg1-1~deb12u2
	clang-16=1:16.0.6-15~deb12u1
	lld-16=1:16.0.6-15~deb12u1
	llvm-16=1:16.0.6-15~deb12u1
	libclang-16-dev=1:16.0.6-15~deb12u1
)
PLAIN=(flex bison bc libelf-dev libssl-dev cpio xz-utils python3-venv
	qemu-system-x86 busybox-static iproute2 iputils-ping jq procps kmod
	ethtool tcpdump traceroute socat python3-yaml python3-jsonschema graphviz)

need=()
for p in "${PINNED[@]}" "${PLAIN[@]}"; do
	name=${p%%=*}
	if [ "$name" = "$p" ]; then
		dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'ok installed' || need+=("$name")
	else
		have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
		case "$have" in
		*"ok installed ${p#*=}") ;;
		*"ok installed"*) ;; # an other version is installed: keep it
		*) need+=("$p") ;;
		esac
	fi
done
if [ ${#need[@]} -gt 0 ]; then
	echo "deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		apt-get update -q
	fi
	if ! apt-get install -y -q --no-install-recommends "${need[@]}"; then
		echo "deps: pinned versions unavailable, installing candidates" >&2
		apt-get update -q
		apt-get install -y -q --no-install-recommends "${need[@]%%=*}"
	fi
fi

# bindgen for the kernel's Rust support and for the module's own bindings.
BINDGEN_VERSION=0.73.2
if [ "$("$NG_BINDGEN" --version 2>/dev/null)" != "bindgen $BINDGEN_VERSION" ]; then
	echo "deps: cargo install bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --root "$NG_TOOLS" bindgen-cli --version "$BINDGEN_VERSION"
fi

# virtme-ng in its own venv, outside the checkout.
VNG_VERSION=1.42
if [ "$("$NG_TOOLS/venv/bin/pip" show virtme-ng 2>/dev/null | sed -n 's/^Version: //p')" != "$VNG_VERSION" ]; then
	echo "deps: pip install virtme-ng==$VNG_VERSION"
	python3 -m venv "$NG_TOOLS/venv"
	"$NG_TOOLS/venv/bin/pip" install -q "virtme-ng==$VNG_VERSION"
fi
