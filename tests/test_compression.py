"""Every compression codec round-trips through kgate, with both client libraries.

kgate forwards record batches as compressed bytes; these tests prove the bytes arrive intact:
each client produces with the codec and reads back with BOTH libraries.
"""
import time
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer

from clients import check_indexed, ck_consume, ck_produce

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 2_000
PARTITIONS = 2


def kp_consume(bootstrap, topic, n, timeout=60):
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                      auto_offset_reset="earliest", enable_auto_commit=False)
    out = []
    deadline = time.time() + timeout
    while len(out) < n and time.time() < deadline:
        for _, msgs in c.poll(timeout_ms=500).items():
            out.extend((m.partition, m.offset, m.key, m.value) for m in msgs)
    c.close()
    return out


@pytest.mark.parametrize("codec", CODECS)
def test_confluent_kafka_codec(kgate, broker, codec):
    topic = broker.create_topic(partitions=PARTITIONS)
    ck_produce(kgate.bootstrap, topic, N, partitions=PARTITIONS, value_pad=200, **{"compression.type": codec})
    check_indexed(ck_consume(kgate.bootstrap, topic, N), N, PARTITIONS, value_pad=200)
    check_indexed(kp_consume(kgate.bootstrap, topic, N), N, PARTITIONS, value_pad=200)


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_python_codec(kgate, broker, codec):
    topic = broker.create_topic(partitions=PARTITIONS)
    p = KafkaProducer(bootstrap_servers=kgate.bootstrap, linger_ms=5,
                      compression_type=None if codec == "none" else codec)
    futs = [p.send(topic, key=str(i).encode(), value=f"v{i}".ljust(200, ".").encode(), partition=i % PARTITIONS)
            for i in range(N)]
    p.flush(60)
    for f in futs:
        f.get(timeout=30)
    p.close()
    check_indexed(kp_consume(kgate.bootstrap, topic, N), N, PARTITIONS, value_pad=200)
    check_indexed(ck_consume(kgate.bootstrap, topic, N), N, PARTITIONS, value_pad=200)
