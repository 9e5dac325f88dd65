#!/usr/bin/env bash
# `make run` without KAFKA_BOOTSTRAP_SERVERS: a local broker on 127.0.0.1:9092 (logs in .tools/run/),
# a topic "demo", then kgate in front of it in the foreground. Ctrl-C stops kgate; the trap stops
# the broker.
#   KGATE_RUN_BACKEND=kafka (default)  Apache Kafka 4.1 (scripts/kafka.sh: Java 17 and Maven; the
#                                      first fetch takes seconds), data in .tools/run/kafka (kept)
#   KGATE_RUN_BACKEND=tansu            tansu 0.6.0 (memory storage; `make tansu` builds it once,
#                                      10-30 minutes)
#   BROKER_PORT (default 9092; TANSU_PORT is still read)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run="$root/.tools/run"
mkdir -p "$run"
backend="${KGATE_RUN_BACKEND:-kafka}"
port="${BROKER_PORT:-${TANSU_PORT:-9092}}"

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "127.0.0.1:$port is already in use; stop it or set BROKER_PORT" >&2
    exit 1
fi
case "$backend" in
kafka)
    "$root/scripts/kafka.sh" fetch >/dev/null
    log="$run/kafka.log"
    # Reuse the data only if it was made for this port (the config names it).
    if ! grep -qs "PLAINTEXT://127.0.0.1:$port" "$run/kafka/server.properties"; then rm -rf "$run/kafka"; fi
    "$root/scripts/kafka.sh" single "$run/kafka" "$port" 1 >"$log" 2>&1 &
    ;;
tansu)
    log="$run/tansu.log"
    "$root/scripts/tansu.sh" broker "$port" >"$log" 2>&1 &
    export GATEWAY_MIN_BROKERID="${GATEWAY_MIN_BROKERID:-111}" # tansu's node id
    ;;
*)
    echo "KGATE_RUN_BACKEND=$backend: expected kafka or tansu" >&2
    exit 1
    ;;
esac
broker_pid=$!
trap 'kill $broker_pid 2>/dev/null; wait $broker_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 600); do
    if [ "$backend" = kafka ]; then
        "$root/scripts/kafka.sh" wait "$port" 1 2>/dev/null && break
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    fi
    kill -0 $broker_pid 2>/dev/null || { tail -50 "$log" >&2; exit 1; }
    sleep 0.1
done
if [ "$backend" = kafka ]; then
    "$root/scripts/kafka.sh" tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" \
        --create --if-not-exists --topic demo --partitions 3 >>"$log" 2>&1 || true
else
    "$root/scripts/tansu.sh" topic "$port" demo 3 >>"$log" 2>&1 || true
fi

export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
start="${GATEWAY_PORT_START:-6969}"
cat <<MSG
$backend (pid $broker_pid) on 127.0.0.1:$port, log: $log, topic "demo" (3 partitions)
kgate in front of it; connect your clients to localhost:$start, e.g.
    kcat -b localhost:$start -L
    echo hello | kcat -b localhost:$start -P -t demo
    kcat -b localhost:$start -C -t demo -e
health: curl localhost:${GATEWAY_HTTP_PORT:-8888}/health/ready   metrics: curl localhost:${GATEWAY_HTTP_PORT:-8888}/metrics
MSG
"$root/target/release/kgate"
