#!/bin/sh
# Build the seed corpora so the fuzzers start from valid inputs (a random input almost never
# passes a CRC-32C or a version-gated message layout):
#  - frame_split, record_batch: batches and frames written by the codec itself (fuzz/seeds);
#  - request_decode, round_trip: request frames captured from real clients
#    (vendor-free-codec/tests/golden);
#  - response_decode: tansu's captured responses, prefixed with the two selector bytes the
#    target reads (index of the API in TYPED_API_KEYS, version offset from the API's minimum).
# Usage: fuzz/seed.sh   (then: cd fuzz && cargo +nightly fuzz run record_batch)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cargo run --quiet --manifest-path "$here/seeds/Cargo.toml" -- "$here/corpus"
python3 - "$here/../vendor-free-codec/tests/golden" "$here/corpus" <<'PY'
import pathlib, re, sys
golden, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
# The order of TYPED_API_KEYS in vendor-free-codec/src/messages/any.rs, with each API's minimum.
typed = {"Produce": (0, 3), "Fetch": (1, 4), "ListOffsets": (2, 1), "Metadata": (3, 0),
         "FindCoordinator": (4, 0), "SaslHandshake": (5, 0), "ApiVersions": (6, 0),
         "CreateTopics": (7, 2), "DeleteTopics": (8, 1), "SaslAuthenticate": (9, 0),
         "DescribeCluster": (10, 0)}
for target in ("request_decode", "round_trip", "response_decode"):
    (corpus / target).mkdir(parents=True, exist_ok=True)
count = 0
for path in sorted(golden.glob("*/*.bin")):
    m = re.match(r"\d+-(\w+)-v(\d+)-(request|response)\.bin", path.name)
    if not m or m.group(1) not in typed:
        continue
    name = f"golden-{path.parent.name}-{path.name}"
    data = path.read_bytes()
    if m.group(3) == "request":
        for target in ("request_decode", "round_trip"):
            (corpus / target / name).write_bytes(data)
    else:
        index, lowest = typed[m.group(1)]
        (corpus / "response_decode" / name).write_bytes(bytes([index, int(m.group(2)) - lowest]) + data)
    count += 1
print(f"seeded {count} golden frames")
PY
