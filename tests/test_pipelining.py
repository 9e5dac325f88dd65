"""Pipelining on ONE raw socket with hand-built frames.

Kafka answers requests in order on a connection and sends no response at all to a Produce with
acks=0. A gateway that queues an in-flight entry for acks=0 (or reorders) breaks this: the test
sends everything before reading anything.

tansu 0.6.0 deviates: it DOES answer every acks=0 Produce (test_tansu_answers_acks0 records it).
So behind tansu kgate receives responses the Kafka protocol says never come, and must drop them
(without them confusing its in-flight FIFO) to give the client Kafka's behaviour. Through kgate
the client must see exactly one response per acks=1 request, on either backend; in direct mode
against tansu the test asserts tansu's own behaviour instead.
"""
import socket
import struct
import time

import kafka_wire as kw
from clients import ck_consume
from conftest import BACKEND, HOST

N_ACKS0 = 1000
N_ACKS1 = 20


def test_api_versions_and_metadata_pipelined(kgate, broker, topic):
    with socket.create_connection((HOST, kgate.port_start), timeout=15) as s:
        s.sendall(kw.api_versions_v0(1) + kw.api_versions_v3(2) + kw.metadata_v1(3, [topic]))
        cid, body = kw.read_response(s)
        assert cid == 1
        err, keys0 = kw.parse_api_versions(body, 0)
        assert err == 0 and 0 in keys0 and 3 in keys0 and 18 in keys0
        cid, body = kw.read_response(s)
        assert cid == 2
        err, keys3 = kw.parse_api_versions(body, 3)
        assert err == 0 and keys3 == keys0
        cid, body = kw.read_response(s)
        assert cid == 3
        brokers, _, topics = kw.parse_metadata_v1(body)
        assert [(h, p) for _, h, p in brokers] == [(HOST, kgate.broker_port(n)) for n, _, _ in brokers]
        assert topics[topic][0] == 0 and len(topics[topic][1]) == 3


def test_acks0_then_acks1_on_one_socket(kgate, broker):
    topic = broker.create_topic(partitions=1)
    frames = bytearray()
    for i in range(N_ACKS0):
        batch = kw.record_batch([(f"{i}".encode(), f"zero-{i}".encode())])
        frames += kw.produce_v3(100 + i, topic, 0, batch, acks=0)
    for j in range(N_ACKS1):
        i = N_ACKS0 + j
        batch = kw.record_batch([(f"{i}".encode(), f"one-{i}".encode())])
        frames += kw.produce_v3(5000 + j, topic, 0, batch, acks=1)

    acks1 = list(range(5000, 5000 + N_ACKS1))
    # Kafka (and kgate): no response to acks=0. tansu direct: a response to each of them too.
    tansu_direct = kgate.direct and BACKEND == "tansu"
    expected = list(range(100, 100 + N_ACKS0)) + acks1 if tansu_direct else acks1
    with socket.create_connection((HOST, kgate.port_start), timeout=20) as s:
        s.sendall(frames)
        cids = []
        for _ in range(len(expected)):
            cid, body = kw.read_response(s)
            cids.append(cid)
            assert cid in expected, f"response for correlation id {cid} (acks=0 requests get none)"
            res = kw.parse_produce_v3(body)
            assert [(t, p, e) for t, p, e, _ in res] == [(topic, 0, 0)], res
        assert cids == expected, "responses out of order"
        # nothing more may arrive: no response for any acks=0 request
        s.settimeout(1.0)
        try:
            extra = s.recv(1)
        except socket.timeout:
            extra = None
        assert extra is None, f"unexpected bytes after the last response: {extra!r}"
        # the connection still works
        s.settimeout(10)
        s.sendall(kw.api_versions_v0(77))
        assert kw.read_response(s)[0] == 77

    total = N_ACKS0 + N_ACKS1
    got = ck_consume(kgate.bootstrap, topic, total, timeout=60, partitions=1)
    keys = [int(k) for _, _, k, _ in got]
    assert keys == list(range(total)), f"{len(keys)} records, first wrong at {next((i for i, k in enumerate(keys) if k != i), None)}"
    assert [v for *_, v in got][:2] == [b"zero-0", b"zero-1"] and got[-1][3] == f"one-{total - 1}".encode()


def test_tansu_answers_acks0(tansu):
    """A fact about tansu, asserted so we notice if it changes: tansu 0.6.0 answers acks=0."""
    topic = tansu.create_topic(partitions=1)
    with socket.create_connection((HOST, tansu.port), timeout=10) as s:
        s.sendall(b"".join(kw.produce_v3(10 + i, topic, 0, kw.record_batch([(b"k", b"v")]), acks=0) for i in range(5))
                  + kw.produce_v3(99, topic, 0, kw.record_batch([(b"k", b"v")]), acks=1))
        cids = [kw.read_response(s)[0] for _ in range(6)]
    assert cids == [10, 11, 12, 13, 14, 99]
