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
# schema_walk: every golden frame's body without its header, behind the three selector bytes the
# target reads (api key; version offset from the lowest; flags: bit 0 response, 0x08 coordinator
# key type 0, as the captured consumers used). Lowest and first flexible versions come from the
# codec's API table.
python3 - "$here/../vendor-free-codec" "$here/corpus/schema_walk" <<'PY'
import pathlib, re, sys
codec, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
apis = {m[1]: (int(m[0]), int(m[2]), int(m[4])) for m in re.findall(
    r'api\((\d+), "(\w+)", (-?\d+), (-?\d+), (-?\d+)\)', (codec / "src/api.rs").read_text())}

def uvarint(data, at):
    value = shift = 0
    while True:
        b = data[at]; at += 1
        value |= (b & 0x7f) << shift; shift += 7
        if b < 0x80:
            return value, at

def skip_tags(data, at):
    count, at = uvarint(data, at)
    for _ in range(count):
        _, at = uvarint(data, at)
        size, at = uvarint(data, at)
        at += size
    return at

count = 0
for path in sorted((codec / "tests/golden").glob("*/*.bin")):
    m = re.match(r"\d+-(\w+)-v(\d+)-(request|response)\.bin", path.name)
    if not m:
        continue
    key, lowest, flexible_from = apis[m.group(1)]
    version, data = int(m.group(2)), path.read_bytes()
    flexible = 0 <= flexible_from <= version
    if m.group(3) == "request":
        at = 8
        client_id = int.from_bytes(data[at:at + 2], "big", signed=True)
        at += 2 + max(client_id, 0)
        if flexible:
            at = skip_tags(data, at)
        flags = 0x08  # coordinator key type 0
    else:
        at = 4
        if flexible and key != 18:  # ApiVersions answers with header v0
            at = skip_tags(data, at)
        flags = 0x09
    (out / f"golden-{path.parent.name}-{path.name}").write_bytes(bytes([key, version - lowest, flags]) + data[at:])
    count += 1
print(f"seeded {count} schema_walk bodies")
PY
# schema_value reads the same selector bytes and bodies as schema_walk.
mkdir -p "$here/corpus/schema_value"
cp "$here/corpus/schema_walk/"* "$here/corpus/schema_value/" 2>/dev/null || true
