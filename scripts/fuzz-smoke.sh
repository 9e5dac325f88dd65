#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for N seconds (default 10). Installs cargo-fuzz if missing.
set -euo pipefail
secs="${1:-10}"
cd "$(dirname "$0")/.."
if [ ! -d fuzz ]; then
    echo "fuzz/ does not exist" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
targets=$(cd fuzz && cargo +nightly fuzz list)
if [ -z "$targets" ]; then
    echo "no fuzz targets in fuzz/" >&2
    exit 1
fi
for t in $targets; do
    echo "== fuzz $t for ${secs}s"
    (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=2048)
done
