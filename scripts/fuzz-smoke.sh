#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for N seconds (default 10), starting from the seed corpora
# (fuzz/seed.sh: codec-written batches and frames, and the golden frames captured from real
# clients) plus the named crash regressions in fuzz/regressions/<target>/. Installs cargo-fuzz if
# missing.
set -euo pipefail
secs="${1:-10}"
cd "$(dirname "$0")/.."
if [ ! -d fuzz ]; then
    echo "fuzz/ does not exist" >&2
    exit 1
fi
# cargo fuzz needs nightly's sanitizer flags; where rustup cannot fetch nightly, stable with
# RUSTC_BOOTSTRAP=1 accepts them too.
if rustup toolchain list | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    echo "fuzz-smoke: no nightly toolchain, using stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
if ! "${fuzz[@]}" --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
sh fuzz/seed.sh >/dev/null
targets=$(cd fuzz && "${fuzz[@]}" list)
if [ -z "$targets" ]; then
    echo "no fuzz targets in fuzz/" >&2
    exit 1
fi
for t in $targets; do
    echo "== fuzz $t for ${secs}s"
    dirs=("corpus/$t")
    if [ -d "fuzz/regressions/$t" ]; then
        dirs+=("regressions/$t")
    fi
    (cd fuzz && "${fuzz[@]}" run "$t" "${dirs[@]}" -- -max_total_time="$secs" -rss_limit_mb=2048)
done
