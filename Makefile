# kgate: build, run, test, bench. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS   := $(CURDIR)/.tools
TANSU   := $(TOOLS)/bin/tansu
VENV    := $(TOOLS)/venv
PY      := $(VENV)/bin/python
MUSL    := x86_64-unknown-linux-musl
KGATE   := target/release/kgate
KGATE_MUSL := target/$(MUSL)/dist/kgate
TANSU_VERSION := 0.6.0
# dynostore: memory:// storage for the suite. (libsql, for tansu's SASL, is no longer built: SASL
# to the cluster is tested on Apache Kafka, and leaving it out shortens the first build.)
TANSU_FEATURES := dynostore
TANSU_STAMP := $(TOOLS)/.tansu-$(TANSU_VERSION)-dynostore
TANSU_CACHE ?= $(HOME)/.cache/kgate/tansu-$(TANSU_VERSION)-dynostore
FUZZ_SECONDS ?= 10
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help deps tools kafka tansu build run test lint unit fuzz-smoke musl musl-check e2e bench bench-codec codegen codegen-check bench-vcluster bench-interceptors

help:
	@echo "make run          start Apache Kafka on 127.0.0.1:9092 (unless KAFKA_BOOTSTRAP_SERVERS is set) and kgate in front"
	@echo "make test         install what is missing, then fmt, clippy, unit tests, fuzz smoke, musl build check, end-to-end suite"
	@echo "make deps         install missing Debian packages, Rust targets and cargo-fuzz (scripts/install-deps.sh)"
	@echo "make tools        fetch Apache Kafka, kafkactl, build tansu $(TANSU_VERSION) (once per machine) and the Python test venv"
	@echo "make kafka        fetch Apache Kafka (scripts/kafka.sh fetch) into ~/.cache/kgate"
	@echo "make build        cargo build --release"
	@echo "make e2e          only the end-to-end suite (PYTEST_ARGS=... to pass options)"
	@echo "make musl         static x86_64 musl build"
	@echo "make fuzz-smoke   every cargo-fuzz target for $(FUZZ_SECONDS)s"
	@echo "make bench        throughput/latency on tansu and Apache Kafka: direct, relay (socat), kgate, kgate-tls -> BENCHMARKS.md"
	@echo "make bench-metadata     large-cluster Metadata (6,400 and 100,000 partitions), direct vs kgate (appended to BENCHMARKS.md)"
	@echo "make bench-idle-memory  kgate RSS per idle client connection (appended to BENCHMARKS.md)"
	@echo "make bench-vcluster     kgate with a virtual cluster vs passthrough kgate, both SASL PLAIN, on Apache Kafka (appended to BENCHMARKS.md)"
	@echo "make bench-interceptors kgate with a CreateTopicPolicy and a ProducePolicy vs kgate without, both SASL PLAIN, on Apache Kafka (appended to BENCHMARKS.md)"
	@echo "make bench-all    bench, bench-metadata, bench-idle-memory, bench-vcluster and bench-interceptors"
	@echo "make codegen      regenerate the codec's schema tables from ../shared/kafka-protocol (codegen-check: fail when stale)"
	@echo "make bench-codec  codec micro-benchmark"

# --- tools ---------------------------------------------------------------------------------------
deps:
	scripts/install-deps.sh

tools: kafka tansu $(VENV)/.installed

kafka:
	scripts/kafka.sh fetch >/dev/null

tansu: $(TANSU_STAMP)

$(TANSU_STAMP):
	@# One build per machine: tansu is installed into a per-user cache outside the checkout
	@# (a fresh clone, as CI uses, then reuses it) and linked into .tools/.
	@if [ ! -x "$(TANSU_CACHE)/bin/tansu" ]; then \
		cargo install tansu --version $(TANSU_VERSION) --features $(TANSU_FEATURES) --locked --force --root "$(TANSU_CACHE)"; \
	fi
	mkdir -p $(TOOLS)/bin
	ln -sfn "$(TANSU_CACHE)/bin/tansu" $(TANSU)
	touch $@

$(VENV)/.installed: requirements-test.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

# --- build / run ---------------------------------------------------------------------------------
build:
	cargo build --release

run: build
	@if [ -n "$${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then \
		echo "kgate -> $$KAFKA_BOOTSTRAP_SERVERS; connect with: kcat -b localhost:$${GATEWAY_PORT_START:-6969} -L"; \
		exec $(KGATE); \
	elif [ "$${KGATE_RUN_BACKEND:-kafka}" = tansu ]; then \
		$(MAKE) --no-print-directory tansu && exec scripts/run-local.sh; \
	else \
		exec scripts/run-local.sh; \
	fi

# --- test ----------------------------------------------------------------------------------------
# deps first: on a fresh machine `make test` installs what it needs, as .ci/run does.
test: deps
	$(MAKE) --no-print-directory lint unit fuzz-smoke musl-check e2e

lint: codegen-check
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

# --- codegen -------------------------------------------------------------------------------------
# The codec's schema tables are generated from Kafka's JSON schemas (shared/kafka-protocol/ beside
# the checkout, or $KGATE_PROTOCOL_DIR) and checked in; codegen-check fails when they are stale.
PROTOCOL_DIR ?= $(or $(KGATE_PROTOCOL_DIR),$(CURDIR)/../shared/kafka-protocol)
CODEGEN_OUT  := vendor-free-codec/src/schema/generated.rs
CODEGEN      := cargo run --quiet --release --manifest-path vendor-free-codec/codegen/Cargo.toml --
# Schemas where the reference copies lag the brokers kgate serves (see its README line).
OVERLAY_DIR  := vendor-free-codec/codegen/overlay

codegen:
	$(CODEGEN) $(PROTOCOL_DIR) $(CODEGEN_OUT) $(OVERLAY_DIR)

codegen-check:
	@tmp=$$(mktemp); trap 'rm -f "$$tmp"' EXIT; \
	$(CODEGEN) $(PROTOCOL_DIR) "$$tmp" $(OVERLAY_DIR) && \
	if ! cmp -s "$$tmp" $(CODEGEN_OUT); then \
		echo "$(CODEGEN_OUT) is stale: run 'make codegen' and commit it" >&2; \
		diff -u $(CODEGEN_OUT) "$$tmp" | head -40 >&2; exit 1; \
	fi

unit:
	cargo test --workspace

fuzz-smoke:
	scripts/fuzz-smoke.sh $(FUZZ_SECONDS)

musl:
	@rustup target list --installed | grep -qx $(MUSL) || rustup target add $(MUSL)
	@command -v musl-gcc >/dev/null || { echo "musl-gcc missing: apt-get install musl-tools" >&2; exit 1; }
	cargo build --profile dist --target $(MUSL)

# The static binary must start and print its help (no libc, no loader).
musl-check: musl
	@if readelf -l $(KGATE_MUSL) | grep -q 'program interpreter'; then echo "$(KGATE_MUSL) is dynamically linked" >&2; exit 1; fi
	$(KGATE_MUSL) --help | grep -q KAFKA_BOOTSTRAP_SERVERS
	@echo "musl binary OK: $$(du -h $(KGATE_MUSL) | cut -f1)"

e2e: tools build
	cd tests && $(PY) -m pytest -q $(PYTEST_ARGS) .

# --- bench ---------------------------------------------------------------------------------------
# bench: throughput, latency and CPU per GiB (direct, the socat relay, kgate, kgate-tls) -> BENCHMARKS.md
# bench-metadata: all-topics Metadata of 6,400 and 100,000 partitions, direct vs kgate (appended)
# bench-idle-memory: kgate RSS per idle client connection at 2,000 and 10,000 (appended)
# bench-all: the three, in that order. *_ARGS pass options (each script's --help lists them).
.PHONY: bench-metadata bench-idle-memory bench-all
METADATA_ARGS ?=
VCLUSTER_ARGS ?=
IDLE_ARGS ?=

bench: tools build
	@command -v socat >/dev/null || { echo "socat missing (the raw-relay row): apt-get install socat" >&2; exit 1; }
	$(PY) scripts/bench.py --out BENCHMARKS.md $(BENCH_ARGS)

bench-metadata: tools build
	$(PY) scripts/bench_metadata.py --out BENCHMARKS.md $(METADATA_ARGS)

bench-idle-memory: tools build
	$(PY) scripts/bench_idle_memory.py --out BENCHMARKS.md $(IDLE_ARGS)

bench-vcluster: tools build
	$(PY) scripts/bench.py --out BENCHMARKS.md --append "Virtual cluster" --backends kafka --targets direct,kgate-sasl,kgate-vcluster $(VCLUSTER_ARGS)

bench-interceptors: tools build
	$(PY) scripts/bench.py --out BENCHMARKS.md --append "Interceptors" --backends kafka --targets direct,kgate-sasl,kgate-policies $(INTERCEPTOR_ARGS)

bench-all: bench bench-metadata bench-idle-memory bench-vcluster bench-interceptors

bench-codec:
	cargo bench -p vendor-free-codec --bench codec_throughput
