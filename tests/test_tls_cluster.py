"""TLS between kgate and the cluster: kgate -> stunnel4 (TLS) -> tansu (plaintext).

tansu advertises stunnel's address (127.0.0.1:S), so kgate reaches the broker at 127.0.0.1 and that
is the name it must verify: the `broker_ip` certificate (SAN localhost + 127.0.0.1) passes, `broker`
(SAN localhost only) and `broker_wrong` (SAN wrong.example) do not, unless
KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM is set to the empty string, which turns off the name check
but not the chain check. Mutual TLS: stunnel `verify = 2` demands kgate's KAFKA_SSL_KEYSTORE_LOCATION.
"""
import time
import uuid

import pytest
from confluent_kafka import Producer
from kafka import KafkaConsumer

from clients import check_indexed, ck_consume, ck_produce
from conftest import create_topic_with, http_get, require_gateway, tail, tls_gateway_env
from tls_certs import ck_tls, kp_tls

N = 1000
PARTITIONS = 3


def _topic(tls_tansu, pki, client=None, partitions=PARTITIONS):
    """Created straight on the TLS cluster (through stunnel). Set-up only, so without the host name
    check: some tests run stunnel with certificates made for other names."""
    conf = dict(ck_tls(pki, client=client), **{"bootstrap.servers": tls_tansu.tls_bootstrap,
                                               "ssl.endpoint.identification.algorithm": "none"})
    return create_topic_with(conf, partitions=partitions)


def _cluster_env(tls_tansu, pki, **extra):
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": tls_tansu.tls_bootstrap,
        # Plaintext clients unless a test says otherwise: left unset, an SSL cluster makes kgate
        # infer SSL for its clients too, as the reference product does.
        "GATEWAY_SECURITY_PROTOCOL": "PLAINTEXT",
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_SSL_TRUSTSTORE_LOCATION": pki.ca.crt,
    }
    env.update(extra)
    return env


def _gateway(kgate_factory, tls_tansu, env, wait=True):
    gw = kgate_factory(tls_tansu.tls_bootstrap, port_count=3, env=env, wait=wait)
    require_gateway(gw, "TLS towards the cluster")
    return gw


def _one_record_gets_through(gw, topic, conf=None, timeout=8.0):
    """Produce one record through kgate with short timeouts: True if it was acknowledged."""
    c = {"bootstrap.servers": gw.bootstrap, "message.timeout.ms": int(timeout * 1000),
         "socket.timeout.ms": 3000}
    c.update(conf or {})
    p = Producer(c)
    result = []
    p.produce(topic, b"probe", on_delivery=lambda err, msg: result.append(err))
    p.flush(timeout + 5)
    return bool(result) and result[0] is None


def _ready_within(gw, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not gw.proc.alive():
            return False
        try:
            if http_get(gw.http_port, "/health/ready")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _log(gw):
    return gw.proc.log_path.read_text(errors="replace")


def test_infrastructure_clients_straight_to_stunnel(tls_tansu, pki):
    """Proves the stunnel + tansu backend on its own (librdkafka and kafka-python over TLS)."""
    tls_tansu.stunnel(pki.broker_ip)
    topic = _topic(tls_tansu, pki)
    ck_produce(tls_tansu.tls_bootstrap, topic, N, partitions=PARTITIONS, **ck_tls(pki))
    check_indexed(ck_consume(tls_tansu.tls_bootstrap, topic, N, timeout=60, **ck_tls(pki)), N, PARTITIONS)


def test_plaintext_clients_through_kgate_to_a_tls_cluster(kgate_factory, tls_tansu, pki):
    tls_tansu.stunnel(pki.broker_ip)
    topic = _topic(tls_tansu, pki)
    gw = _gateway(kgate_factory, tls_tansu, _cluster_env(tls_tansu, pki))
    ck_produce(gw.bootstrap, topic, N, partitions=PARTITIONS)
    check_indexed(ck_consume(gw.bootstrap, topic, N, timeout=60), N, PARTITIONS)
    c = KafkaConsumer(topic, bootstrap_servers=gw.bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                      auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000)
    got = []
    for m in c:
        got.append((m.partition, m.offset, m.key, m.value))
        if len(got) == N:
            break
    c.close()
    check_indexed(got, N, PARTITIONS)


def test_tls_clients_through_kgate_to_a_tls_cluster(kgate_factory, tls_tansu, pki):
    tls_tansu.stunnel(pki.broker_ip)
    topic = _topic(tls_tansu, pki)
    gw = _gateway(kgate_factory, tls_tansu, dict(_cluster_env(tls_tansu, pki), **tls_gateway_env(pki)))
    ck_produce(gw.bootstrap, topic, N, partitions=PARTITIONS, **ck_tls(pki))
    check_indexed(ck_consume(gw.bootstrap, topic, N, timeout=60, **ck_tls(pki)), N, PARTITIONS)
    c = KafkaConsumer(topic, bootstrap_servers=gw.bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                      auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000,
                      **kp_tls(pki))
    got = [(m.partition, m.offset, m.key, m.value) for _, m in zip(range(N), c)]
    c.close()
    check_indexed(got, N, PARTITIONS)


@pytest.mark.parametrize("cert", ["broker_wrong", "broker"])
def test_broker_certificate_for_another_name_is_refused(kgate_factory, tls_tansu, pki, cert):
    """broker_wrong names wrong.example; broker names localhost only, while kgate dials 127.0.0.1."""
    tls_tansu.stunnel(getattr(pki, cert))
    gw = _gateway(kgate_factory, tls_tansu, _cluster_env(tls_tansu, pki), wait=False)
    ready = _ready_within(gw, 8)
    got_through = ready and _one_record_gets_through(gw, "any-topic")
    assert not got_through, f"kgate accepted the {cert} certificate for 127.0.0.1"
    log = _log(gw)
    lines = [l for l in log.splitlines() if "certificate" in l.lower()]
    assert lines, f"kgate did not log the certificate problem:\n{tail(gw.proc.log_path)}"
    assert any(w in " ".join(lines) for w in ("name", "Name", "127.0.0.1")), lines


@pytest.mark.parametrize("cert", ["broker_wrong", "broker"])
def test_name_check_off_accepts_the_certificate(kgate_factory, tls_tansu, pki, cert):
    tls_tansu.stunnel(getattr(pki, cert))
    topic = _topic(tls_tansu, pki, partitions=1)
    gw = _gateway(kgate_factory, tls_tansu,
                  _cluster_env(tls_tansu, pki, KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=""))
    ck_produce(gw.bootstrap, topic, 100)
    assert len(ck_consume(gw.bootstrap, topic, 100, timeout=30)) == 100


def test_name_check_off_still_checks_the_chain(kgate_factory, tls_tansu, pki):
    tls_tansu.stunnel(pki.broker_ip)
    gw = _gateway(kgate_factory, tls_tansu,
                  _cluster_env(tls_tansu, pki, KAFKA_SSL_TRUSTSTORE_LOCATION=pki.new_ca.crt,
                               KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=""), wait=False)
    ready = _ready_within(gw, 8)
    assert not (ready and _one_record_gets_through(gw, "any-topic")), \
        "kgate trusted a broker certificate from a CA outside KAFKA_SSL_TRUSTSTORE_LOCATION"
    assert "certificate" in _log(gw).lower(), tail(gw.proc.log_path)


def test_mutual_tls_to_the_broker(kgate_factory, tls_tansu, pki):
    tls_tansu.stunnel(pki.broker_ip, client_ca=pki.ca)
    topic = _topic(tls_tansu, pki, client=pki.alice)
    gw = _gateway(kgate_factory, tls_tansu, _cluster_env(tls_tansu, pki, KAFKA_SSL_KEYSTORE_LOCATION=pki.kgate_client.pem))
    ck_produce(gw.bootstrap, topic, N, partitions=PARTITIONS)
    check_indexed(ck_consume(gw.bootstrap, topic, N, timeout=60), N, PARTITIONS)


def test_mutual_tls_to_the_broker_without_a_key_store_fails(kgate_factory, tls_tansu, pki):
    tunnel = tls_tansu.stunnel(pki.broker_ip, client_ca=pki.ca)
    topic = _topic(tls_tansu, pki, client=pki.alice, partitions=1)
    before = len(tunnel.proc.log_path.read_bytes())
    gw = _gateway(kgate_factory, tls_tansu, _cluster_env(tls_tansu, pki), wait=False)
    ready = _ready_within(gw, 8)
    assert not (ready and _one_record_gets_through(gw, topic)), \
        "records got through a broker that demands a client certificate kgate does not have"
    # stunnel saw kgate's attempts and turned them down for lack of a certificate.
    slog = tunnel.proc.log_path.read_bytes()[before:].decode(errors="replace").lower()
    assert "certificate" in slog, f"stunnel logged no refused client certificate since kgate started:\n{slog[-2000:]}"
