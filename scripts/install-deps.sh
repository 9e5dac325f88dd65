#!/usr/bin/env bash
# What `make test` needs beyond Rust stable, installed when missing (Debian 12; apt-get as root):
#   Debian: kcat, python3-venv, musl-tools, binutils, build-essential, pkg-config, stunnel4, openssl,
#           util-linux, curl, Java 17 and Maven (Apache Kafka and the Java client), Go (kafkactl)
#   rustup: the x86_64-unknown-linux-musl target, a nightly toolchain, clippy, rustfmt
#   cargo:  cargo-fuzz
# Everything else (Apache Kafka, tansu, kafkactl, the Python venv) is fetched by `make tools` into
# per-machine caches. Run by `make deps` (a prerequisite of `make test`) and by .ci/run.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have kcat || need+=(kcat)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
have musl-gcc || need+=(musl-tools)
have readelf || need+=(binutils)
have cc || need+=(build-essential)
have pkg-config || need+=(pkg-config)
have socat || need+=(socat)         # the raw TCP relay row of make bench
have stunnel4 || need+=(stunnel4)   # TLS terminator in front of tansu (the tansu TLS tests)
have openssl || need+=(openssl)
have unshare || need+=(util-linux)  # private /etc/hosts for the librdkafka SNI test
have curl || need+=(curl)
have java || need+=(openjdk-17-jre-headless)
have javac || need+=(openjdk-17-jdk-headless)   # the Java test driver is compiled at test time
have mvn || need+=(maven)           # fetches Apache Kafka from Maven Central
if ! have go && [ ! -x /usr/local/go/bin/go ]; then need+=(golang-go); fi   # kafkactl

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${need[*]}" >&2
        echo "install them with: sudo apt-get install -y ${need[*]}" >&2
        exit 1
    fi
    echo "install-deps: apt-get install ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need[@]}"
fi

rustup target list --installed | grep -qx x86_64-unknown-linux-musl || rustup target add x86_64-unknown-linux-musl
# Without nightly, fuzz-smoke runs cargo fuzz on stable with RUSTC_BOOTSTRAP=1.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal ||
    echo "install-deps: no nightly toolchain; fuzzing will use stable with RUSTC_BOOTSTRAP=1" >&2
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
