"""The broker goes away and comes back in the middle of a consume.

kgate must keep running (health/live stays 200), and the client, still connected to kgate,
must recover and read what is produced after the restart.

The broker is killed (SIGKILL) and started again on the same port, on either backend:
- Apache Kafka keeps its log: the topic is still there, the consumer resumes at its position and
  the post-restart records get offsets PRE.. PRE+POST-1.
- tansu 0.6.0 with dynostore only has memory storage (no file://), so a restart loses every topic
  and record: the test re-creates the topic, produces FEWER records than before (so the consumer's
  old position is out of range and auto.offset.reset=earliest sends it back to offset 0).
Either way every post-restart record must arrive exactly once, in order.
"""
import signal
import time

from clients import ck_consumer, ck_produce
from conftest import BACKEND, http_get, start_backend

PRE = 1000
POST = 300


def consume_until(c, want, timeout):
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline and not want(got):
        for m in c.consume(1000, 0.5):
            if m.error():
                continue  # transport errors while the broker is down are expected
            got.append((m.partition(), m.offset(), m.key(), m.value()))
    return got


def test_broker_restart_mid_consume(tmp_path, kgate_factory):
    broker = start_backend(tmp_path / "broker")
    try:
        gw = kgate_factory(broker.bootstrap, port_count=3)
        topic = "restart-topic"
        broker.create_topic(topic, 1)
        ck_produce(gw.bootstrap, topic, PRE)

        c = ck_consumer(gw.bootstrap, **{"reconnect.backoff.max.ms": 500, "topic.metadata.refresh.interval.ms": 1000})
        c.subscribe([topic])
        pre = consume_until(c, lambda g: len(g) >= PRE, 60)
        assert [int(k) for _, _, k, _ in pre] == list(range(PRE))

        broker.stop(signal.SIGKILL)
        # the consumer keeps polling against a dead broker for a while
        down = consume_until(c, lambda g: False, 3)
        assert down == []
        if not gw.direct:
            assert gw.proc.alive(), "kgate died with its broker"
            assert http_get(gw.http_port, "/health/live")[0] == 200

        broker.start()  # same port; tansu: empty memory storage
        if BACKEND == "tansu":
            broker.create_topic(topic, 1)
        if not gw.direct:
            gw.wait_ready(30)
        ck_produce(gw.bootstrap, topic, POST, start=PRE, **{"message.timeout.ms": 30000})

        post = consume_until(c, lambda g: len(g) >= POST, 90)
        c.close()
        keys = [int(k) for _, _, k, _ in post]
        assert keys == list(range(PRE, PRE + POST)), f"{len(keys)} post-restart records: {keys[:5]}...{keys[-5:]}"
        first = PRE if BACKEND == "kafka" else 0
        assert [o for _, o, _, _ in post] == list(range(first, first + POST))
    finally:
        broker.stop()
