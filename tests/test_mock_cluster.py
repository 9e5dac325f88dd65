"""kgate in front of librdkafka's mock cluster: three brokers (ids 1, 2, 3), fault injection.

The mock cluster runs in its own process (tests/mock_cluster.py, ctypes on the librdkafka bundled
in the confluent-kafka wheel). kgate runs with GATEWAY_MIN_BROKERID=1 and the default port count
(max id - min id + 3 = 5 ports), so broker b is on gateway port PORT_START + b - 1.
"""
import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

import kafka_wire as kw
from clients import check_indexed, ck_consume, ck_produce, ck_producer
from conftest import HOST, Proc

BROKERS = (1, 2, 3)


class MockCluster:
    def __init__(self, log_dir, brokers=3):
        self.proc = Proc(
            "mock-cluster",
            [sys.executable, str(Path(__file__).with_name("mock_cluster.py")), str(brokers)],
            Path(log_dir) / "mock-cluster.log",
            stdin=subprocess.PIPE,
        )
        # stdout goes to the log file; the first line there is the JSON description
        deadline = time.time() + 20
        while time.time() < deadline:
            text = self.proc.log_path.read_text()
            if text.startswith("{") and "\n" in text:
                info = json.loads(text.splitlines()[0])
                break
            time.sleep(0.05)
        else:
            raise TimeoutError("mock cluster did not start")
        self.bootstrap = info["bootstraps"]
        self.ports = {b: p for b, p in info["brokers"]}
        self._answers = 1

    def cmd(self, *args):
        self.proc.proc.stdin.write((" ".join(map(str, args)) + "\n").encode())
        self.proc.proc.stdin.flush()
        deadline = time.time() + 10
        while time.time() < deadline:
            lines = self.proc.log_path.read_text().splitlines()
            answers = [l for l in lines if l.startswith(("ok ", "error "))]
            if len(answers) >= self._answers:
                self._answers += 1
                assert answers[-1] == "ok 0", f"{args}: {answers[-1]}"
                return
            time.sleep(0.02)
        raise TimeoutError(f"mock cluster did not answer {args}")

    def stop(self):
        try:
            self.proc.proc.stdin.write(b"quit\n")
            self.proc.proc.stdin.flush()
            self.proc.proc.wait(5)
        except Exception:
            pass
        self.proc.kill()


@pytest.fixture
def mock(tmp_path):
    m = MockCluster(tmp_path)
    yield m
    m.stop()


@pytest.fixture
def gw(mock, kgate_factory):
    return kgate_factory(mock.bootstrap, env={"GATEWAY_MIN_BROKERID": "1"}, broker_ids=BROKERS,
                         backend_ports=mock.ports)


def new_topic(mock, partitions=3):
    t = f"m-{uuid.uuid4().hex[:8]}"
    mock.cmd("create_topic", t, partitions, 3)
    for p in range(partitions):
        mock.cmd("set_leader", t, p, BROKERS[p % len(BROKERS)])
    return t


def leaders(bootstrap, topic):
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10)
    return md, {p.id: p.leader for p in md.topics[topic].partitions.values()}


def test_mock_broker_ids_and_gateway_ports(mock, gw):
    assert sorted(mock.ports) == list(BROKERS)
    md = AdminClient({"bootstrap.servers": gw.bootstrap}).list_topics(timeout=10)
    assert sorted(md.brokers) == list(BROKERS)
    for b in md.brokers.values():
        assert (b.host, b.port) == (HOST, gw.broker_port(b.id)), f"broker {b.id} at {b.host}:{b.port}"
    if not gw.direct:
        assert [gw.broker_port(b) for b in BROKERS] == [gw.port_start, gw.port_start + 1, gw.port_start + 2]
        assert not set(mock.ports.values()) & {b.port for b in md.brokers.values()}
    # every broker answers on its own gateway port, and every one works as a bootstrap
    for b in BROKERS:
        with socket.create_connection((HOST, gw.broker_port(b)), timeout=10) as s:
            s.sendall(kw.api_versions_v0(1) + kw.metadata_v1(2))
            assert kw.read_response(s)[0] == 1
            cid, body = kw.read_response(s)
            brokers, _, _ = kw.parse_metadata_v1(body)
            assert cid == 2 and sorted(n for n, _, _ in brokers) == list(BROKERS)
            assert all((h, p) == (HOST, gw.broker_port(n)) for n, h, p in brokers)


def test_mock_produce_consume_across_leaders(mock, gw):
    topic = new_topic(mock)
    _, lead = leaders(gw.bootstrap, topic)
    assert lead == {0: 1, 1: 2, 2: 3}
    ck_produce(gw.bootstrap, topic, 3000, partitions=3)
    check_indexed(ck_consume(gw.bootstrap, topic, 3000, partitions=3), 3000, 3)


def test_mock_leader_move(mock, gw):
    topic = new_topic(mock)
    ck_produce(gw.bootstrap, topic, 300, partitions=3)
    mock.cmd("set_leader", topic, 0, 3)
    mock.cmd("set_leader", topic, 1, 1)
    _, lead = leaders(gw.bootstrap, topic)
    assert lead == {0: 3, 1: 1, 2: 3}
    ck_produce(gw.bootstrap, topic, 300, partitions=3, start=300)
    check_indexed(ck_consume(gw.bootstrap, topic, 600, partitions=3), 600, 3)


def test_mock_broker_down_and_up(mock, gw):
    topic = new_topic(mock)
    ck_produce(gw.bootstrap, topic, 300, partitions=3)
    p = ck_producer(gw.bootstrap, **{"message.timeout.ms": 60000})
    p.list_topics(topic, timeout=10)  # connected before the fault
    mock.cmd("down", 2)  # leader of partition 1
    errors = []
    for i in range(300, 600):
        p.produce(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=i % 3,
                  on_delivery=lambda err, msg: err and errors.append(err))
    p.flush(2)
    assert len(p) > 0, "records for the downed broker's partition were delivered while it was down"
    mock.cmd("up", 2)
    assert p.flush(60) == 0 and not errors, errors[:3]
    check_indexed(ck_consume(gw.bootstrap, topic, 600, partitions=3), 600, 3)
    if not gw.direct:
        assert gw.proc.alive()
