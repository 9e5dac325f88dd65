#!/usr/bin/env bash
# Start tansu 0.6.0 (a Kafka-compatible broker, one node, id 111) the same way for `make run`,
# the tests and the benchmark. `broker` uses memory:// storage (file:// is rejected with
# UnsupportedStorageUrl), so data lives in memory and is lost when the broker stops. tansu does not
# auto-create topics.
#
#   scripts/tansu.sh broker PORT [HOST]          exec a broker listening on HOST:PORT (default 127.0.0.1)
#   scripts/tansu.sh topic  PORT NAME [PARTS]    create a topic on the broker at 127.0.0.1:PORT
#   scripts/tansu.sh proxy  PORT ORIGIN_PORT     exec `tansu proxy` on PORT forwarding to ORIGIN_PORT
#
# (SASL on tansu needed its libsql build and is no longer used: SASL is tested on Apache Kafka. As
# recorded then, tansu 0.6.0 takes SCRAM, refuses PLAIN at the handshake, fails every OAUTHBEARER
# exchange and refuses re-authentication.)
#
# TANSU overrides the binary (default: .tools/bin/tansu next to this repository).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tansu="${TANSU:-$here/.tools/bin/tansu}"
if [ ! -x "$tansu" ]; then
    echo "tansu not found at $tansu: run 'make tools'" >&2
    exit 1
fi
cmd="${1:-}"
case "$cmd" in
broker)
    port="$2"
    host="${3:-127.0.0.1}"
    exec "$tansu" broker \
        --listener-url "tcp://$host:$port" \
        --advertised-listener-url "tcp://$host:$port" \
        --storage-engine "memory://tansu/"
    ;;
topic)
    exec "$tansu" topic create --broker "tcp://127.0.0.1:$2" --partitions "${4:-3}" "$3"
    ;;
proxy)
    exec "$tansu" proxy \
        --listener-url "tcp://127.0.0.1:$2" \
        --advertised-listener-url "tcp://127.0.0.1:$2" \
        --origin-url "tcp://127.0.0.1:$3"
    ;;
*)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
