#!/usr/bin/env bash
# `make run` without KAFKA_BOOTSTRAP_SERVERS: a local tansu on 127.0.0.1:9092 (memory storage,
# logs in .tools/run/), a topic "demo", then kgate in front of it in the foreground.
# Ctrl-C stops kgate; the trap stops tansu.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run="$root/.tools/run"
mkdir -p "$run"
port="${TANSU_PORT:-9092}"

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "127.0.0.1:$port is already in use; stop it or set TANSU_PORT" >&2
    exit 1
fi
"$root/scripts/tansu.sh" broker "$port" >"$run/tansu.log" 2>&1 &
tansu_pid=$!
trap 'kill $tansu_pid 2>/dev/null; wait $tansu_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 $tansu_pid 2>/dev/null || { cat "$run/tansu.log" >&2; exit 1; }
    sleep 0.1
done
"$root/scripts/tansu.sh" topic "$port" demo 3 >>"$run/tansu.log" 2>&1 || true

export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
export GATEWAY_MIN_BROKERID="${GATEWAY_MIN_BROKERID:-111}"  # tansu's node id
start="${GATEWAY_PORT_START:-6969}"
cat <<MSG
tansu (pid $tansu_pid) on 127.0.0.1:$port, log: $run/tansu.log, topic "demo" (3 partitions)
kgate in front of it; connect your clients to localhost:$start, e.g.
    kcat -b localhost:$start -L
    echo hello | kcat -b localhost:$start -P -t demo
    kcat -b localhost:$start -C -t demo -e
health: curl localhost:${GATEWAY_HTTP_PORT:-8888}/health/ready   metrics: curl localhost:${GATEWAY_HTTP_PORT:-8888}/metrics
MSG
"$root/target/release/kgate"
