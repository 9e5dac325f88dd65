"""Client helpers shared by the tests: produce N indexed records, consume and check them."""
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def ck_producer(bootstrap, **conf):
    c = {"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.num.messages": 10000}
    c.update(conf)
    return Producer(c)


def ck_produce(bootstrap, topic, n, partitions=1, start=0, value_pad=16, **conf):
    """Produce records i in [start, start+n): key=str(i), value=f"v{i}" padded, partition i % partitions."""
    p = ck_producer(bootstrap, **conf)
    errors = []

    def cb(err, msg):
        if err is not None:
            errors.append(err)

    for i in range(start, start + n):
        while True:
            try:
                p.produce(topic, key=str(i).encode(), value=f"v{i}".ljust(value_pad, ".").encode(),
                          partition=i % partitions, on_delivery=cb)
                break
            except BufferError:
                p.poll(0.05)
        if i % 1000 == 0:
            p.poll(0)
    left = p.flush(60)
    assert left == 0, f"{left} records not delivered"
    assert not errors, f"delivery errors: {errors[:5]}"


def ck_consumer(bootstrap, group=None, **conf):
    c = {
        "bootstrap.servers": bootstrap,
        "group.id": group or f"g-{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
    c.update(conf)
    return Consumer(c)


def ck_consume(bootstrap, topic, n, timeout=120.0, partitions=None, **conf):
    """Consume until n records arrived (or timeout); returns [(partition, offset, key, value)]."""
    c = ck_consumer(bootstrap, **conf)
    try:
        if partitions is None:
            c.subscribe([topic])
        else:
            c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out = []
        deadline = time.time() + timeout
        while len(out) < n and time.time() < deadline:
            for m in c.consume(10000, 1.0):
                if m.error():
                    raise KafkaException(m.error())
                out.append((m.partition(), m.offset(), m.key(), m.value()))
        return out
    finally:
        c.close()


def check_indexed(records, n, partitions, start=0, value_pad=16):
    """Every index in [start, start+n) exactly once, in the right partition, in per-partition order,
    with offsets strictly increasing per partition."""
    seen = {}
    last_idx = {}
    last_off = {}
    for part, off, key, value in records:
        i = int(key)
        assert value == f"v{i}".ljust(value_pad, ".").encode(), f"record {i}: bad value {value!r}"
        assert part == i % partitions, f"record {i} in partition {part}"
        assert i not in seen, f"record {i} twice (offsets {seen[i]} and {off})"
        seen[i] = off
        assert i > last_idx.get(part, -1), f"partition {part}: {i} after {last_idx[part]}"
        assert off > last_off.get(part, -1), f"partition {part}: offset {off} after {last_off[part]}"
        last_idx[part] = i
        last_off[part] = off
    missing = set(range(start, start + n)) - set(seen)
    assert not missing, f"{len(missing)} records missing, e.g. {sorted(missing)[:10]}"
    assert len(records) == n, f"{len(records)} records for {n}"
