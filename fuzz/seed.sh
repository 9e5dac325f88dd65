#!/bin/sh
# Build the seed corpora from batches and frames written by the codec itself, so the fuzzers
# start from valid inputs (a random input almost never passes a CRC-32C).
# Usage: fuzz/seed.sh   (then: cd fuzz && cargo +nightly fuzz run record_batch)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cargo run --quiet --manifest-path "$here/seeds/Cargo.toml" -- "$here/corpus"
ls "$here"/corpus/*
