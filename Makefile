# SPDX-License-Identifier: GPL-2.0
# Front door. Kbuild (beside this file) is what the kernel build reads.
#
#   make demo    boot the VM, load the module, build and show a demo topology
#   make test    all tests: host unit tests, then VM scenarios
#   make vm      interactive shell in the VM with the module loaded
#   make bench   benchmarks against bridge/veth/netem in one VM boot
#
# Everything installs what it needs (scripts/deps.sh) and builds the custom
# kernel once into a cache outside the checkout (scripts/kernel.sh).

SHELL := /bin/bash
TOP := $(CURDIR)


.PHONY: all deps kernel module bench-module ngctl host-test test demo vm bench fuzz stress install clean fmt check

all: module ngctl

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel.sh >/dev/null

module: kernel
	@. scripts/env.sh && $(MAKE) -s -C "$$(scripts/kernel.sh)" M=$(TOP) \
		"$${NG_KMAKE_ARGS[@]}" modules

# The same module for the bench kernel (scripts/kernel.sh bench), built from
# a copy of the sources under the cache: Kbuild writes its objects beside the
# sources, and the checkout's belong to the test kernel.
# The copy is made afresh: a file moved in the checkout must not stay behind.
BENCH_MOD_SRC = Kbuild $(shell find include rust -name '*.[ch]' -o -name '*.rs')
bench-module: deps
	@. scripts/env.sh && kdir=$$(scripts/kernel.sh bench) && b=$$NG_CACHE/module-bench && \
		rm -rf "$$b" && mkdir -p "$$b" && cp -a --parents $(BENCH_MOD_SRC) "$$b"/ && \
		$(MAKE) -s -C "$$kdir" M="$$b" "$${NG_KMAKE_ARGS[@]}" modules

ngctl: deps
	@cd userspace && cargo build --locked --release -q

host-test: deps
	@scripts/host-test.sh

test: deps
	@scripts/test.sh $(T)

demo: module ngctl
	@tests/vm/run tests/demo.sh

# Benchmarks against the Linux peers, side by side in one VM boot, on the
# bench kernel (the test kernel without its debug checks; BENCH_KERNEL=test
# for the debug one).
# make bench [BENCH_CASES="eiface bridge pipe netem"] [BENCH_ROUNDS=5] [BENCH_COUNT=30000]
BENCH_KERNEL ?= bench
bench: ngctl
	@NG_VM_KERNEL=$(BENCH_KERNEL) tests/vm/run env BENCH_CASES="$(BENCH_CASES)" BENCH_ROUNDS="$(BENCH_ROUNDS)" \
		BENCH_COUNT="$(BENCH_COUNT)" tests/bench.sh

# The message-argument check on the host (FUZZ_CASES per property, over a
# byte-slice attribute iterator), then the netlink fuzzer for as long as
# asked, in the VM on the sanitizer kernel (the kernel log is checked after
# it as after every scenario).
# make fuzz [FUZZ_CASES=1000000] [FUZZ_SECONDS=600] [FUZZ_SEED=N] [FUZZ_PROCS=4]
FUZZ_CASES ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_PROCS ?= 4
fuzz: module ngctl
	@scripts/host-fuzz.sh $(FUZZ_CASES)
	@NG_VM_TIMEOUT=$$(( $(FUZZ_SECONDS) + 600 )) tests/vm/run ngfuzz --seconds $(FUZZ_SECONDS) \
		--procs $(FUZZ_PROCS) --netns 3 $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

# The long versions of the scale, fuzz and churn scenarios: 100 000 nodes and
# hosts, a million fuzzed messages, 1 000 namespace cycles, 5 minutes of
# parallel writers, and the fault-injection sweep capped at 5 000 allocations
# per command (hours on the sanitizer kernel under software emulation).
stress: module ngctl
	@NG_VM_TIMEOUT=36000 tests/vm/run env \
		NG_SCENARIO_TIMEOUT=30000 NG_SCALE=100000 \
		NG_FUZZ_MESSAGES=1000000 NG_CHURN_CYCLES=1000 NG_CHURN_SECONDS=300 NG_FAULT_MAX=5000 \
		tests/vm/scenarios 18-scale 27-bridge-table 40-fuzz 41-fault-injection 42-churn

vm: module ngctl
	@NG_VM_INTERACTIVE=1 tests/vm/run bash

# ngctl and nghook, the man page ngctl(8) and bash/zsh/fish completions,
# generated from ngctl's own CLI definition. PREFIX=/usr/local, DESTDIR for
# staging. (netgraph.ko is built for the kernel in the cache; load it with
# insmod, see README.)
PREFIX ?= /usr/local
BIN := userspace/target/release
install: ngctl
	@install -d "$(DESTDIR)$(PREFIX)/sbin" "$(DESTDIR)$(PREFIX)/share/man/man8" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions" \
		"$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	@install -m 755 $(BIN)/ngctl $(BIN)/nghook "$(DESTDIR)$(PREFIX)/sbin/"
	@$(BIN)/ngctl --man > "$(DESTDIR)$(PREFIX)/share/man/man8/ngctl.8"
	@$(BIN)/nghook --man > "$(DESTDIR)$(PREFIX)/share/man/man8/nghook.8"
	@$(BIN)/ngctl --completions bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ngctl"
	@$(BIN)/ngctl --completions zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ngctl"
	@$(BIN)/ngctl --completions fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ngctl.fish"
	@echo "installed ngctl, nghook, ngctl(8), nghook(8) and completions under $(DESTDIR)$(PREFIX)"

fmt:
	@cd userspace && cargo fmt --all
	@rustfmt --edition 2021 --config-path "$$(scripts/kernel.sh)/.rustfmt.toml" rust/netgraph_rs.rs

# Module lints: kernel rustfmt --check and clippy (CLIPPY=1).
check: kernel
	@scripts/lint-module.sh

clean:
	@. scripts/env.sh && [ ! -d "$$(ls -d $$NG_CACHE/kernel/*/ 2>/dev/null | head -1)" ] || \
		$(MAKE) -s -C "$$(scripts/kernel.sh)" M=$(TOP) "$${NG_KMAKE_ARGS[@]}" clean
	@cd userspace && cargo clean -q
