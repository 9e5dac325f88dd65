#!/usr/bin/env python3
"""Capture real Kafka frames for the codec's golden-byte tests.

A small threaded TCP relay sits between a client and a tansu broker. It splits both directions
into Kafka frames (4-byte big-endian size prefix), remembers each request's (api key, api
version, correlation id) from its first 8 bytes, and pairs every response with its request by
correlation id (per connection). The frame bodies (size prefix removed) of the typed APIs are
written to

    <out>/<source>/<NNN>-<api name>-v<version>-<request|response>.bin

where <source> is the client that sent the requests (`librdkafka`, `kafka-python`); responses
are tansu's answers to that client and carry the api and version of the request they answer.

tansu must advertise the relay's address, or clients bypass the relay after bootstrap, so this
script starts tansu itself with `--advertised-listener-url tcp://127.0.0.1:<relay port>`.
After the main scenarios it restarts tansu with `--authentication` and connects each client with
SCRAM-SHA-256 (unknown user) to capture SaslAuthenticate.

Usage (from the repository root):

    PYTHONPATH=/tmp/golden-pydeps /work/main/.tools/venv/bin/python scripts/capture_frames.py \
        --tansu /work/main/.tools/bin/tansu --broker-port 29301 --relay-port 29302 \
        --out vendor-free-codec/tests/golden

(PYTHONPATH adds python-snappy, lz4 and zstandard so that kafka-python can compress.)

Selection: only the typed APIs below are kept. Frames are grouped by (source, api, version,
direction), and for Produce and Fetch also by scenario (so each compression codec keeps its
own frames). Within a group, frames equal except for the correlation id are dropped, then at
most three are kept: the first one seen and the two largest.
"""

import argparse
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

TYPED_APIS = {
    0: "Produce",
    1: "Fetch",
    2: "ListOffsets",
    3: "Metadata",
    10: "FindCoordinator",
    17: "SaslHandshake",
    18: "ApiVersions",
    19: "CreateTopics",
    20: "DeleteTopics",
    36: "SaslAuthenticate",
    60: "DescribeCluster",
}
PER_SCENARIO = {0, 1}  # Produce and Fetch: group by scenario too
MAX_PER_GROUP = 3
MAX_FRAME = 64 * 1024 * 1024


class Capture:
    """Every frame seen, in order, with the scenario current when it was seen."""

    def __init__(self):
        self.lock = threading.Lock()
        self.frames = []  # (seq, source, scenario, api, version, direction, body)
        self.source = "unknown"
        self.scenario = "unknown"

    def set(self, source, scenario):
        with self.lock:
            self.source, self.scenario = source, scenario
        print(f"--- {source}: {scenario}", flush=True)

    def add(self, api, version, direction, body):
        with self.lock:
            self.frames.append(
                (len(self.frames), self.source, self.scenario, api, version, direction, body)
            )


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def pump(src, dst, on_frame):
    """Copy frames from src to dst, calling on_frame(body) for each; stop at EOF or error."""
    try:
        while True:
            size_bytes = read_exact(src, 4)
            if size_bytes is None:
                break
            (size,) = struct.unpack(">i", size_bytes)
            if size < 0 or size > MAX_FRAME:
                # not a Kafka frame (should not happen): stop parsing, copy raw bytes
                dst.sendall(size_bytes)
                while True:
                    chunk = src.recv(65536)
                    if not chunk:
                        return
                    dst.sendall(chunk)
            body = read_exact(src, size)
            if body is None:
                break
            on_frame(body)
            dst.sendall(size_bytes + body)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Relay:
    def __init__(self, listen_port, broker_port, capture):
        self.capture = capture
        self.broker_port = broker_port
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", listen_port))
        self.server.listen(64)
        self.closing = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.closing:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.broker_port))
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            inflight = {}  # correlation id -> (api, version), this connection only
            lock = threading.Lock()

            def on_request(body, inflight=inflight, lock=lock):
                if len(body) < 8:
                    return
                api, version, corr = struct.unpack(">hhi", body[:8])
                with lock:
                    inflight[corr] = (api, version)
                if api in TYPED_APIS:
                    self.capture.add(api, version, "request", body)

            def on_response(body, inflight=inflight, lock=lock):
                if len(body) < 4:
                    return
                (corr,) = struct.unpack(">i", body[:4])
                with lock:
                    entry = inflight.pop(corr, None)
                if entry is not None and entry[0] in TYPED_APIS:
                    self.capture.add(entry[0], entry[1], "response", body)

            threading.Thread(target=pump, args=(client, upstream, on_request), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client, on_response), daemon=True).start()

    def close(self):
        self.closing = True
        self.server.close()


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


# ---------------------------------------------------------------------------------------------
# Scenarios


HEADERS = [("trace-id", b"abc123"), ("tenant", b"golden"), ("empty", b"")]


def drive_librdkafka(cap, bootstrap, topic):
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    common = {"bootstrap.servers": bootstrap, "client.id": "golden-librdkafka"}

    cap.set("librdkafka", "admin-create")
    admin = AdminClient(common)
    fs = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    for t, f in fs.items():
        try:
            f.result(10)
        except Exception as e:  # noqa: BLE001
            print(f"create_topics {t}: {e}")
    cap.set("librdkafka", "admin-metadata")
    md = admin.list_topics(timeout=10)
    print("topics:", sorted(md.topics))
    cap.set("librdkafka", "describe-cluster")
    if hasattr(admin, "describe_cluster"):
        try:
            print("describe_cluster:", admin.describe_cluster(request_timeout=10).result(15))
        except Exception as e:  # noqa: BLE001
            print(f"describe_cluster: {e}")
    else:
        print("AdminClient.describe_cluster is absent")

    for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
        cap.set("librdkafka", f"produce-{codec}")
        p = Producer({**common, "acks": 1, "compression.type": codec, "linger.ms": 50})
        for i in range(4):
            p.produce(
                topic,
                key=f"key-{i}".encode(),
                value=f"{codec} value {i} ".encode() * 4,
                partition=0,
                headers=HEADERS,
            )
        p.flush(15)

    cap.set("librdkafka", "consume")
    c = Consumer(
        {
            **common,
            "group.id": "golden-librdkafka-group",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    c.subscribe([topic])
    got = 0
    deadline = time.time() + 20
    while got < 20 and time.time() < deadline:
        m = c.poll(1.0)
        if m is not None and m.error() is None:
            got += 1
    print(f"consumed {got}")
    cap.set("librdkafka", "list-offsets")
    print("watermarks:", c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10))
    try:
        print("offsets_for_times:", c.offsets_for_times([TopicPartition(topic, 0, 0)], timeout=10))
    except Exception as e:  # noqa: BLE001
        print(f"offsets_for_times: {e}")
    try:
        c.commit(asynchronous=False)
    except Exception as e:  # noqa: BLE001
        print(f"commit: {e}")
    c.close()

    cap.set("librdkafka", "admin-delete")
    for t, f in admin.delete_topics([topic], operation_timeout=10).items():
        try:
            f.result(10)
        except Exception as e:  # noqa: BLE001
            print(f"delete_topics {t}: {e}")

    cap.set("librdkafka", "sasl-plain")
    p = Producer(
        {
            **common,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "PLAIN",
            "sasl.username": "alice",
            "sasl.password": "alice-secret",
        }
    )
    try:
        print("sasl metadata:", sorted(p.list_topics(timeout=8).topics))
    except Exception as e:  # noqa: BLE001
        print(f"sasl metadata: {e}")
    p.flush(1)
    del p


def drive_kafka_python(cap, bootstrap, topic):
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    common = {"bootstrap_servers": bootstrap, "client_id": "golden-kafka-python"}

    cap.set("kafka-python", "admin-create")
    admin = KafkaAdminClient(**common)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)], timeout_ms=10000)
    except Exception as e:  # noqa: BLE001
        print(f"create_topics: {e}")
    cap.set("kafka-python", "admin-metadata")
    try:
        print("topics:", admin.list_topics())
        print("describe_cluster:", admin.describe_cluster())
    except Exception as e:  # noqa: BLE001
        print(f"metadata: {e}")

    for codec in [None, "gzip", "snappy", "lz4", "zstd"]:
        cap.set("kafka-python", f"produce-{codec or 'none'}")
        p = KafkaProducer(**common, acks=1, compression_type=codec, linger_ms=50)
        for i in range(4):
            p.send(
                topic,
                key=f"key-{i}".encode(),
                value=f"{codec} value {i} ".encode() * 4,
                partition=0,
                headers=HEADERS,
            )
        p.flush(15)
        p.close(5)

    cap.set("kafka-python", "consume")
    c = KafkaConsumer(
        **common,
        group_id="golden-kafka-python-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=8000,
    )
    c.subscribe([topic])
    got = 0
    deadline = time.time() + 20
    while got < 20 and time.time() < deadline:
        for _tp, msgs in c.poll(timeout_ms=1000).items():
            got += len(msgs)
    print(f"consumed {got}")
    cap.set("kafka-python", "list-offsets")
    tp = TopicPartition(topic, 0)
    try:
        print("beginning:", c.beginning_offsets([tp]), "end:", c.end_offsets([tp]))
        print("offsets_for_times:", c.offsets_for_times({tp: 0}))
        c.commit()
    except Exception as e:  # noqa: BLE001
        print(f"list-offsets: {e}")
    c.close()

    cap.set("kafka-python", "admin-delete")
    try:
        admin.delete_topics([topic], timeout_ms=10000)
    except Exception as e:  # noqa: BLE001
        print(f"delete_topics: {e}")
    admin.close()

    cap.set("kafka-python", "sasl-plain")
    try:
        p = KafkaProducer(
            **common,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="PLAIN",
            sasl_plain_username="alice",
            sasl_plain_password="alice-secret",
            request_timeout_ms=8000,
            max_block_ms=8000,
        )
        print("sasl partitions:", p.partitions_for(topic + "-sasl"))
        p.close(2)
    except Exception as e:  # noqa: BLE001
        print(f"sasl: {e}")


def drive_scram(cap, bootstrap, clients):
    """Against tansu --authentication: SCRAM-SHA-256 with an unknown user, so that the
    clients send SaslAuthenticate (tansu 0.6.0 refuses PLAIN with or without authentication)."""
    if "librdkafka" in clients:
        from confluent_kafka import Producer

        cap.set("librdkafka", "sasl-scram")
        p = Producer(
            {
                "bootstrap.servers": bootstrap,
                "client.id": "golden-librdkafka",
                "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanism": "SCRAM-SHA-256",
                "sasl.username": "alice",
                "sasl.password": "alice-secret",
            }
        )
        try:
            print("scram metadata:", sorted(p.list_topics(timeout=5).topics))
        except Exception as e:  # noqa: BLE001
            print(f"scram metadata: {e}")
        del p
    if "kafka-python" in clients:
        from kafka import KafkaProducer

        cap.set("kafka-python", "sasl-scram")
        try:
            p = KafkaProducer(
                bootstrap_servers=bootstrap,
                client_id="golden-kafka-python",
                security_protocol="SASL_PLAINTEXT",
                sasl_mechanism="SCRAM-SHA-256",
                sasl_plain_username="alice",
                sasl_plain_password="alice-secret",
                request_timeout_ms=5000,
                max_block_ms=5000,
            )
            print("scram partitions:", p.partitions_for("golden-scram"))
            p.close(2)
        except Exception as e:  # noqa: BLE001
            print(f"scram: {e}")


# ---------------------------------------------------------------------------------------------
# Selection and output


def select(frames):
    groups = {}
    for f in frames:
        seq, source, scenario, api, version, direction, body = f
        key = (source, api, version, direction, scenario if api in PER_SCENARIO else "")
        groups.setdefault(key, []).append(f)
    kept = []
    for members in groups.values():
        seen, distinct = set(), []
        for f in members:
            body = f[6]
            # equal except for the correlation id?
            stripped = body[:4] + body[8:] if f[5] == "request" else body[4:]
            if stripped not in seen:
                seen.add(stripped)
                distinct.append(f)
        first, rest = distinct[0], distinct[1:]
        largest = sorted(rest, key=lambda f: (-len(f[6]), f[0]))[: MAX_PER_GROUP - 1]
        kept.extend([first] + largest)
    return sorted(kept, key=lambda f: f[0])


def write(frames, out):
    sources = sorted({f[1] for f in frames})
    for source in sources:
        d = os.path.join(out, source)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    counters = {}
    total = 0
    for _seq, source, scenario, api, version, direction, body in frames:
        n = counters.get(source, 0) + 1
        counters[source] = n
        name = f"{n:03d}-{TYPED_APIS[api]}-v{version}-{direction}.bin"
        with open(os.path.join(out, source, name), "wb") as fh:
            fh.write(body)
        total += len(body)
        print(f"{source}/{name}  {len(body)} bytes  ({scenario})")
    print(f"{len(frames)} fixtures, {total} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tansu", required=True, help="path to the tansu binary")
    ap.add_argument("--broker-port", type=int, default=29301)
    ap.add_argument("--relay-port", type=int, default=29302)
    ap.add_argument("--out", default="vendor-free-codec/tests/golden")
    ap.add_argument("--clients", default="librdkafka,kafka-python")
    args = ap.parse_args()

    def start_tansu(*extra):
        return subprocess.Popen(
            [
                args.tansu,
                "broker",
                "--listener-url",
                f"tcp://127.0.0.1:{args.broker_port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{args.relay_port}",
                "--silent",
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop_tansu(tansu):
        tansu.terminate()
        try:
            tansu.wait(10)
        except subprocess.TimeoutExpired:
            tansu.kill()
            tansu.wait()

    tansu = start_tansu()
    cap = Capture()
    relay = None
    try:
        wait_port(args.broker_port)
        relay = Relay(args.relay_port, args.broker_port, cap)
        bootstrap = f"127.0.0.1:{args.relay_port}"
        clients = args.clients.split(",")
        if "librdkafka" in clients:
            drive_librdkafka(cap, bootstrap, "golden-librdkafka")
        if "kafka-python" in clients:
            drive_kafka_python(cap, bootstrap, "golden-kafka-python")
        time.sleep(1)
        # second broker, with authentication, for SaslAuthenticate
        stop_tansu(tansu)
        tansu = start_tansu("--authentication")
        wait_port(args.broker_port)
        drive_scram(cap, bootstrap, clients)
        time.sleep(1)
    finally:
        if relay is not None:
            relay.close()
        stop_tansu(tansu)

    with cap.lock:
        frames = list(cap.frames)
    seen = {}
    for f in frames:
        seen[(f[1], TYPED_APIS[f[3]], f[4], f[5])] = seen.get((f[1], TYPED_APIS[f[3]], f[4], f[5]), 0) + 1
    print("captured (source, api, version, direction): count")
    for k in sorted(seen):
        print(f"  {k}: {seen[k]}")
    write(select(frames), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
