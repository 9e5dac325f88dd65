"""Clients only ever see gateway addresses: Metadata, DescribeCluster and FindCoordinator answers
name kgate's host and the port mapped to each broker id, never the backend's own port."""
import socket
import struct
import uuid

from confluent_kafka.admin import AdminClient
from kafka.admin import KafkaAdminClient

import kafka_wire as kw
from clients import ck_consume, ck_produce
from conftest import HOST, TANSU_NODE_ID


def assert_gateway_address(kgate, broker, node_id, host, port):
    assert node_id == TANSU_NODE_ID
    assert (host, port) == (HOST, kgate.broker_port(node_id)), f"client sees {host}:{port}"
    if not kgate.direct:
        assert port != broker.port, "the backend's port leaked to the client"


def test_confluent_metadata(kgate, broker, topic):
    md = AdminClient({"bootstrap.servers": kgate.bootstrap}).list_topics(timeout=10)
    assert md.brokers, "no brokers in metadata"
    for b in md.brokers.values():
        assert_gateway_address(kgate, broker, b.id, b.host, b.port)
    assert md.orig_broker_name.startswith(f"{HOST}:{kgate.port_start}/")
    assert topic in md.topics
    for p in md.topics[topic].partitions.values():
        assert p.leader == TANSU_NODE_ID


def test_confluent_describe_cluster(kgate, broker):
    admin = AdminClient({"bootstrap.servers": kgate.bootstrap})
    desc = admin.describe_cluster(request_timeout=10).result(15)
    assert desc.nodes
    for n in desc.nodes:
        assert_gateway_address(kgate, broker, n.id, n.host, n.port)


def test_confluent_group_coordinator(kgate, broker, topic):
    group = f"g-{uuid.uuid4().hex[:8]}"
    ck_produce(kgate.bootstrap, topic, 10, partitions=3)
    assert len(ck_consume(kgate.bootstrap, topic, 10, group=group)) == 10
    admin = AdminClient({"bootstrap.servers": kgate.bootstrap})
    desc = admin.describe_consumer_groups([group], request_timeout=10)[group].result(15)
    c = desc.coordinator
    assert_gateway_address(kgate, broker, c.id, c.host, c.port)


def test_kafka_python_metadata(kgate, broker, topic):
    admin = KafkaAdminClient(bootstrap_servers=kgate.bootstrap)
    try:
        cluster = admin.describe_cluster()
        assert cluster["brokers"]
        for b in cluster["brokers"]:
            assert_gateway_address(kgate, broker, b["broker_id"], b["host"], b["port"])
        assert topic in admin.list_topics()
    finally:
        admin.close()


def find_coordinator(port, version, key):
    """FindCoordinator v0-v2 (non-flexible), v3 (flexible, single key), v4+ (flexible, batched)."""
    with socket.create_connection((HOST, port), timeout=10) as s:
        if version < 3:
            body = kw.string(key) + (b"\x00" if version >= 1 else b"")  # key type 0: group
            s.sendall(kw.raw_request(10, version, 7, body))
        elif version == 3:
            body = kw.compact_string(key) + b"\x00" + b"\x00"
            s.sendall(kw.frame(kw.header_v2(10, version, 7) + body))
        else:
            body = b"\x00" + kw.uvarint(2) + kw.compact_string(key) + b"\x00"
            s.sendall(kw.frame(kw.header_v2(10, version, 7) + body))
        cid, resp = kw.read_response(s)
    r = kw.Reader(resp)
    if version < 3:
        if version >= 1:
            r.i32()  # throttle
        err = r.i16()
        if version >= 1:
            r.string()  # error message
        return cid, [(err, r.i32(), r.string(), r.i32())]
    r.skip_tags()  # response header v1
    r.i32()  # throttle
    if version == 3:
        err = r.i16()
        r.compact_nullable_string()
        node, host, port_ = r.i32(), r.compact_nullable_string(), r.i32()
        return cid, [(err, node, host, port_)]
    out = []
    for _ in range(r.compact_array_len()):
        r.compact_nullable_string()  # key
        node, host, port_, err = r.i32(), r.compact_nullable_string(), r.i32(), r.i16()
        r.compact_nullable_string()  # error message
        r.skip_tags()
        out.append((err, node, host, port_))
    return cid, out


def test_find_coordinator_raw_versions(kgate, broker):
    """FindCoordinator v0-v3 (single) and v4 (batched) answers carry gateway addresses."""
    with socket.create_connection((HOST, kgate.port_start), timeout=10) as s:
        s.sendall(kw.api_versions_v0(1))
        _, body = kw.read_response(s)
        _, keys = kw.parse_api_versions(body, 0)
    lo, hi = keys[10]
    tried = 0
    for v in range(lo, min(hi, 4) + 1):
        cid, coords = find_coordinator(kgate.port_start, v, f"g-{uuid.uuid4().hex[:8]}")
        assert cid == 7
        assert coords, f"v{v}: no coordinator"
        for err, node, host, port in coords:
            assert err == 0, f"v{v}: error {err}"
            assert_gateway_address(kgate, broker, node, host, port)
        tried += 1
    assert tried >= 2, f"FindCoordinator versions advertised: {lo}..{hi}"
