"""Produce and consume through kgate with librdkafka (confluent-kafka) and kafka-python.

Every record is checked: keys carry an index, each index must arrive exactly once, in the
partition it was sent to, in per-partition order.
"""
import time
import uuid

from confluent_kafka import TopicPartition
from kafka import KafkaConsumer, KafkaProducer

from clients import check_indexed, ck_consume, ck_consumer, ck_produce
from conftest import BACKEND

N = 100_000
PARTITIONS = 3


def test_confluent_kafka_100k(kgate, broker):
    topic = broker.create_topic(partitions=PARTITIONS)
    t0 = time.time()
    ck_produce(kgate.bootstrap, topic, N, partitions=PARTITIONS)
    t1 = time.time()
    records = ck_consume(kgate.bootstrap, topic, N)
    t2 = time.time()
    print(f"librdkafka: produced {N} in {t1 - t0:.1f}s, consumed in {t2 - t1:.1f}s")
    check_indexed(records, N, PARTITIONS)


def test_kafka_python_100k(kgate, broker):
    topic = broker.create_topic(partitions=PARTITIONS)
    t0 = time.time()
    p = KafkaProducer(bootstrap_servers=kgate.bootstrap, linger_ms=5, batch_size=64 * 1024)
    futures = [
        p.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=i % PARTITIONS)
        for i in range(N)
    ]
    p.flush(120)
    for f in futures[:: N // 100] + futures[-1:]:
        f.get(timeout=30)  # raises on a failed delivery
    assert all(f.succeeded() for f in futures), "some sends failed"
    p.close()
    t1 = time.time()

    c = KafkaConsumer(
        topic,
        bootstrap_servers=kgate.bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=10000,
    )
    records = []
    deadline = time.time() + 180
    while len(records) < N and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=1000).items():
            records.extend((m.partition, m.offset, m.key, m.value) for m in msgs)
    c.close()
    t2 = time.time()
    print(f"kafka-python: produced {N} in {t1 - t0:.1f}s, consumed in {t2 - t1:.1f}s")
    check_indexed(records, N, PARTITIONS)


def test_group_commit_and_resume(kgate, broker):
    """A consumer commits, a second consumer in the same group resumes after the committed offset.

    Workaround for tansu 0.6.0: a fetch starting at an offset INSIDE a record batch returns no
    records. So the records are produced in 10 separate flushes of 100 (a batch never spans a
    flush, so offsets 0, 100, ... 900 are batch boundaries) and the first consumer commits offset
    500, a boundary. Apache Kafka serves a fetch from inside a batch, so there it commits 437.
    """
    cut = 500 if BACKEND == "tansu" else 437
    topic = broker.create_topic(partitions=1)
    group = f"g-{uuid.uuid4().hex[:8]}"
    for b in range(10):
        ck_produce(kgate.bootstrap, topic, 100, partitions=1, start=b * 100)

    c1 = ck_consumer(kgate.bootstrap, group)
    c1.subscribe([topic])
    first = []
    deadline = time.time() + 60
    while len(first) < cut and time.time() < deadline:
        for m in c1.consume(cut - len(first), 1.0):
            assert not m.error(), m.error()
            first.append(m)
    assert [int(m.key()) for m in first] == list(range(cut))
    c1.commit(offsets=[TopicPartition(topic, 0, cut)], asynchronous=False)
    committed = c1.committed([TopicPartition(topic, 0)], timeout=10)
    assert committed[0].offset == cut
    c1.close()

    c2 = ck_consumer(kgate.bootstrap, group)
    c2.subscribe([topic])
    rest = []
    deadline = time.time() + 60
    while len(rest) < 1000 - cut and time.time() < deadline:
        for m in c2.consume(1000, 1.0):
            assert not m.error(), m.error()
            rest.append(m)
    c2.close()
    assert [m.offset() for m in rest] == list(range(cut, 1000))
    assert [int(m.key()) for m in rest] == list(range(cut, 1000))
