"""TLS between clients and kgate (port routing), kgate -> tansu in plaintext.

Real clients (confluent-kafka/librdkafka and kafka-python) verify kgate's certificate against the test
CA, including the host name (127.0.0.1, an IP SAN of the server certificate). Also: a plaintext client
against a TLS kgate and a TLS client against a plaintext kgate both fail (the latter logged by kgate),
GATEWAY_SSL_ENABLED_PROTOCOLS is enforced, and unsupported key stores are start-up errors.
"""
import socket
import ssl
import struct
import uuid

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from kafka import KafkaConsumer, KafkaProducer

from clients import check_indexed, ck_consume, ck_produce
from conftest import HOST, require_gateway, tls_gateway_env, wait_exit, wait_log
from tls_certs import ck_tls, kp_tls, tls_probe

N = 1000
PARTITIONS = 3


@pytest.fixture
def tls_kgate(kgate_factory, broker, pki):
    gw = kgate_factory(broker.bootstrap, env=tls_gateway_env(pki), port_count=3)
    require_gateway(gw, "TLS towards clients")
    return gw


def test_confluent_kafka_over_tls(tls_kgate, broker, pki):
    topic = broker.create_topic(partitions=PARTITIONS)
    ck_produce(tls_kgate.bootstrap, topic, N, partitions=PARTITIONS, **ck_tls(pki))
    records = ck_consume(tls_kgate.bootstrap, topic, N, timeout=60, **ck_tls(pki))
    check_indexed(records, N, PARTITIONS)
    # Metadata over TLS names kgate's own address only.
    md = AdminClient(dict(ck_tls(pki), **{"bootstrap.servers": tls_kgate.bootstrap})).list_topics(timeout=10)
    seen = {b.id: (b.host, b.port) for b in md.brokers.values()}
    assert seen == {111: (HOST, tls_kgate.broker_port(111))}, seen


def test_kafka_python_over_tls(tls_kgate, broker, pki):
    topic = broker.create_topic(partitions=PARTITIONS)
    p = KafkaProducer(bootstrap_servers=tls_kgate.bootstrap, linger_ms=5, **kp_tls(pki))
    futures = [p.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=i % PARTITIONS)
               for i in range(N)]
    p.flush(60)
    for f in futures:
        f.get(timeout=30)
    p.close()
    c = KafkaConsumer(topic, bootstrap_servers=tls_kgate.bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                      auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000,
                      **kp_tls(pki))
    records = []
    for m in c:
        records.append((m.partition, m.offset, m.key, m.value))
        if len(records) == N:
            break
    c.close()
    check_indexed(records, N, PARTITIONS)


def test_tls12_and_tls13_accepted_by_default(tls_kgate, pki):
    """The positive control for the TLSv1.3-only test below: by default both versions work."""
    p12 = tls_probe(tls_kgate.port_start, ca=pki.ca, max_version=ssl.TLSVersion.TLSv1_2)
    assert p12.ok and p12.version == "TLSv1.2", p12
    p13 = tls_probe(tls_kgate.port_start, ca=pki.ca, min_version=ssl.TLSVersion.TLSv1_3)
    assert p13.ok and p13.version == "TLSv1.3", p13
    assert p13.peer.serial_number == pki.server.serial


def test_plaintext_client_against_tls_kgate_fails(tls_kgate):
    # A raw ApiVersions request in clear text gets no Kafka answer.
    with socket.create_connection((HOST, tls_kgate.port_start), timeout=5) as s:
        payload = struct.pack(">hhih", 18, 0, 99, 5) + b"plain"
        s.sendall(struct.pack(">i", len(payload)) + payload)
        try:
            head = s.recv(8)
        except OSError:
            head = b""
    if len(head) == 8:
        size, corr = struct.unpack(">ii", head)
        assert corr != 99, "a TLS listener answered a plaintext Kafka request"
    # And a real client cannot even fetch metadata.
    admin = AdminClient({"bootstrap.servers": tls_kgate.bootstrap, "socket.timeout.ms": 3000})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)


def test_tls_client_against_plaintext_kgate_fails_and_is_logged(kgate_factory, broker, pki):
    gw = kgate_factory(broker.bootstrap, port_count=3)
    require_gateway(gw, "the plaintext-listener log line")
    probe = tls_probe(gw.port_start, ca=pki.ca)
    assert not probe.ok and not probe.handshake, probe
    assert wait_log(gw.proc.log_path, "plaintext listener"), "kgate did not log the TLS ClientHello"
    lines = [l for l in open(gw.proc.log_path, errors="replace") if "plaintext listener" in l]
    assert any("TLS" in l for l in lines), lines


def test_tls13_only_refuses_a_tls12_client(kgate_factory, broker, pki):
    gw = kgate_factory(broker.bootstrap, port_count=3,
                       env=tls_gateway_env(pki, GATEWAY_SSL_ENABLED_PROTOCOLS="TLSv1.3"))
    require_gateway(gw, "GATEWAY_SSL_ENABLED_PROTOCOLS")
    old = tls_probe(gw.port_start, ca=pki.ca, max_version=ssl.TLSVersion.TLSv1_2)
    assert not old.ok and not old.handshake, f"a TLS 1.2 client got through: {old}"
    new = tls_probe(gw.port_start, ca=pki.ca)
    assert new.ok and new.version == "TLSv1.3", new
    # librdkafka has no setting for a maximum TLS version, so it only serves as the positive control:
    # it negotiates TLS 1.3 and works against the TLS 1.3-only gateway.
    topic = broker.create_topic(partitions=1)
    ck_produce(gw.bootstrap, topic, 10, **ck_tls(pki))
    assert len(ck_consume(gw.bootstrap, topic, 10, timeout=30, **ck_tls(pki))) == 10


def _refused(kgate_factory, broker, env):
    gw = kgate_factory(broker.bootstrap, port_count=3, env=env, wait=False)
    require_gateway(gw, "configuration errors")
    return wait_exit(gw)


def test_jks_key_store_is_a_startup_error(kgate_factory, broker, pki):
    rc, log = _refused(kgate_factory, broker, tls_gateway_env(pki, GATEWAY_SSL_KEY_STORE_TYPE="JKS"))
    assert rc not in (None, 0), f"kgate accepted a JKS key store (rc={rc}):\n{log[-2000:]}"
    assert "GATEWAY_SSL_KEY_STORE_TYPE" in log, log[-2000:]
    assert "keytool" in log and "openssl" in log, f"no conversion commands:\n{log[-2000:]}"


def test_pkcs12_key_store_is_a_startup_error(kgate_factory, broker, pki):
    rc, log = _refused(kgate_factory, broker, tls_gateway_env(pki, GATEWAY_SSL_KEY_STORE_TYPE="PKCS12"))
    assert rc not in (None, 0), f"kgate accepted a PKCS12 key store (rc={rc})"
    assert "GATEWAY_SSL_KEY_STORE_TYPE" in log and "openssl" in log, log[-2000:]


def test_key_password_is_a_startup_error(kgate_factory, broker, pki):
    rc, log = _refused(kgate_factory, broker, tls_gateway_env(pki, GATEWAY_SSL_KEY_PASSWORD="hunter2"))
    assert rc not in (None, 0), f"kgate accepted GATEWAY_SSL_KEY_PASSWORD (rc={rc})"
    assert "GATEWAY_SSL_KEY_PASSWORD" in log, log[-2000:]
    assert "openssl pkey" in log, f"no decryption hint:\n{log[-2000:]}"
    assert "hunter2" not in log, "the key password was logged"
