#!/usr/bin/env bash
# Start tansu 0.6.0 (a Kafka-compatible broker, one node, id 111) the same way for `make run`,
# the tests and the benchmark. `broker` uses memory:// storage (file:// is rejected with
# UnsupportedStorageUrl), so data lives in memory and is lost when the broker stops; the libsql
# feature adds sqlite://, which `sasl-broker` uses. tansu does not auto-create topics.
#
#   scripts/tansu.sh broker PORT [HOST]          exec a broker listening on HOST:PORT (default 127.0.0.1)
#   scripts/tansu.sh topic  PORT NAME [PARTS]    create a topic on the broker at 127.0.0.1:PORT
#   scripts/tansu.sh proxy  PORT ORIGIN_PORT     exec `tansu proxy` on PORT forwarding to ORIGIN_PORT
#   scripts/tansu.sh sasl-broker PORT DIR [--authentication]
#                                                exec a broker on 127.0.0.1:PORT with sqlite storage in
#                                                DIR/tansu.db (needs the libsql feature); with
#                                                --authentication every client must pass SASL first
#   scripts/tansu.sh user PORT NAME PASSWORD [scram256|scram512]
#                                                create a SCRAM user (default scram512) on a broker
#                                                running WITHOUT --authentication
#
# tansu SASL (0.6.0): users live in the storage (AlterUserScramCredentials), so create them while
# the broker runs without --authentication, then restart it with --authentication on the same
# sqlite file. SCRAM-SHA-256 and SCRAM-SHA-512 then work (a wrong password: invalid-proof); PLAIN
# is refused at the handshake and OAUTHBEARER always fails; a client without SASL is disconnected.
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
sasl-broker)
    port="$2"
    dir="$3"
    shift 3
    mkdir -p "$dir"
    cd "$dir"
    # sqlite://FILE is relative to tansu's working directory
    exec "$tansu" broker \
        --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine "sqlite://tansu.db" "$@"
    ;;
user)
    exec "$tansu" user create --broker "tcp://127.0.0.1:$2" --mechanism "${5:-scram512}" "$3" "$4"
    ;;
*)
    sed -n '2,23p' "$0" >&2
    exit 2
    ;;
esac
