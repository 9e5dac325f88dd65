#!/usr/bin/env bash
# Apache Kafka (KRaft) for `make run`, the tests and the benchmark, fetched from Maven Central.
#
#   scripts/kafka.sh fetch                  once per machine: Kafka's jars into $KAFKA_CACHE; prints it
#   scripts/kafka.sh classpath              the classpath of the broker, the tools and the client
#   scripts/kafka.sh tool CLASS [ARGS...]   exec a Kafka main class with that classpath (the CLI tools)
#   scripts/kafka.sh format DIR [ARGS...]   kafka-storage format DIR/server.properties once (a random
#                                           cluster id, --standalone unless ARGS name the quorum;
#                                           ARGS such as --add-scram are passed on)
#   scripts/kafka.sh server DIR             exec the broker on DIR/server.properties (formatted first),
#                                           its log in DIR/logs/server.log and on stdout
#   scripts/kafka.sh single DIR PORT [ID]   write a one-node broker+controller config (PLAINTEXT on
#                                           127.0.0.1:PORT, node id ID, default 1) into DIR and exec it
#   scripts/kafka.sh wait PORT [SECONDS]    wait until a broker answers ApiVersions on 127.0.0.1:PORT
#
# Kafka is the `org.apache.kafka:kafka_2.13` and `kafka-tools` artifacts with their runtime
# dependencies, resolved by Maven through a minimal pom (nothing but Java 17 and Maven needed).
# The broker runs in the foreground (exec) so the caller stops exactly the process it started.
#
#   KAFKA_VERSION     default 4.1.1 (the release whose message schemas kgate's codec follows)
#   KAFKA_CACHE       default ~/.cache/kgate/kafka-$KAFKA_VERSION
#   KAFKA_HEAP_OPTS   default -Xms256m -Xmx1g: three brokers, the clients and kgate share 2 cores
#                     and 24 GiB
set -euo pipefail
version="${KAFKA_VERSION:-4.1.1}"
cache="${KAFKA_CACHE:-$HOME/.cache/kgate/kafka-$version}"
heap="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
# log4j2 picks the slf4j binding below; the same properties serve the broker and the tools.
log4j_version=2.24.3

fetch() {
    [ -f "$cache/.complete" ] && return 0
    command -v java >/dev/null || { echo "kafka.sh: java missing (Java 17+): apt-get install openjdk-17-jre-headless" >&2; exit 1; }
    command -v mvn >/dev/null || { echo "kafka.sh: mvn missing: apt-get install maven" >&2; exit 1; }
    local work
    work="$(mktemp -d)"
    mkdir -p "$cache"
    cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kgate</groupId><artifactId>kafka-fetch</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$log4j_version</version></dependency>
  </dependencies>
</project>
POM
    echo "kafka.sh: fetching Apache Kafka $version with Maven into $cache" >&2
    rm -rf "$cache/libs.tmp"
    (cd "$work" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$cache/libs.tmp") >&2
    rm -rf "$cache/libs" "$work"
    mv "$cache/libs.tmp" "$cache/libs"
    mkdir -p "$cache/config"
    cat >"$cache/config/log4j2.properties" <<'LOG'
# Broker and tools: INFO to the process's stdout and to ${kafka.logs.dir}/server.log when set.
status = error
appender.out.type = Console
appender.out.name = STDOUT
appender.out.target = SYSTEM_ERR
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${sys:kafka.root.level:-INFO}
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = ${sys:kafka.root.level:-INFO}
logger.request.name = kafka.request.logger
logger.request.level = WARN
LOG
    touch "$cache/.complete"
}

classpath() {
    fetch
    local cp="" jar
    for jar in "$cache"/libs/*.jar; do cp="$cp${cp:+:}$jar"; done
    printf '%s\n' "$cp"
}

java_opts() {
    printf '%s' "-Dlog4j2.configurationFile=$cache/config/log4j2.properties -Djava.awt.headless=true"
}

tool() {
    local cls="$1"
    shift
    local cp
    cp="$(classpath)"
    # The tools are short-lived: a small heap and the client JIT start them fastest.
    # shellcheck disable=SC2046
    exec java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dkafka.root.level="${KAFKA_TOOL_LOG_LEVEL:-WARN}" \
        $(java_opts) -cp "$cp" "$cls" "$@"
}

format() {
    local dir="$1"
    shift
    [ -f "$dir/data/meta.properties" ] && return 0
    local cp id quorum=(--standalone)
    cp="$(classpath)"
    local a
    for a in "$@"; do
        case "$a" in --standalone | --no-initial-controllers | --initial-controllers*) quorum=() ;; esac
    done
    # A static quorum (controller.quorum.voters) takes neither flag.
    grep -q '^controller.quorum.voters=' "$dir/server.properties" && quorum=()
    id="${KAFKA_CLUSTER_ID:-$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)}"
    # shellcheck disable=SC2046
    java -Xmx256m -XX:TieredStopAtLevel=1 -Dkafka.root.level=WARN $(java_opts) -cp "$cp" kafka.tools.StorageTool \
        format --config "$dir/server.properties" --cluster-id "$id" --ignore-formatted "${quorum[@]}" "$@" >&2
}

server() {
    local dir
    dir="$(cd "$1" && pwd)"
    local cp
    cp="$(classpath)"
    format "$dir"
    mkdir -p "$dir/logs"
    # shellcheck disable=SC2046,SC2086
    exec java $heap ${KAFKA_OPTS:-} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Dkafka.logs.dir="$dir/logs" \
        $(java_opts) -cp "$cp" kafka.Kafka "$dir/server.properties"
}

single() {
    local dir="$1" port="$2" id="${3:-1}" host="${KAFKA_HOST:-127.0.0.1}"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ ! -f "$dir/server.properties" ]; then
        local cport
        cport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
        cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
listeners=PLAINTEXT://$host:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://$host:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:$cport
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
    fi
    server "$dir"
}

wait_broker() {
    local port="$1" secs="${2:-60}"
    python3 - "$port" "$secs" <<'PY'
import socket, struct, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
# ApiVersions v0 with correlation id 7: a broker that answers it is serving Kafka requests.
req = struct.pack(">hhih", 18, 0, 7, 5) + b"probe"
frame = struct.pack(">i", len(req)) + req
deadline = time.time() + secs
while time.time() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(frame)
            head = s.recv(8)
            if len(head) == 8 and struct.unpack(">ii", head)[1] == 7:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
print(f"kafka.sh: no broker answered on 127.0.0.1:{port} within {secs:.0f}s", file=sys.stderr)
sys.exit(1)
PY
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
fetch) fetch && printf '%s\n' "$cache" ;;
classpath) classpath ;;
tool) tool "$@" ;;
format) format "$@" ;;
server) server "$@" ;;
single) single "$@" ;;
wait) wait_broker "$@" ;;
*)
    sed -n '2,24p' "$0" >&2
    exit 2
    ;;
esac
