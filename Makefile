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

.PHONY: help deps tools kafka tansu build run test lint unit fuzz-smoke musl musl-check e2e bench bench-codec

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
	@echo "make bench        throughput/latency on tansu and Apache Kafka: direct, kgate, kgate-tls -> BENCHMARKS.md"
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

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

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
bench: tools build
	$(PY) scripts/bench.py --out BENCHMARKS.md $(BENCH_ARGS)

bench-codec:
	cargo bench -p vendor-free-codec --bench codec_throughput
