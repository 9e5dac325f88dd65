"""TLS between kgate and Apache Kafka's own SSL listener (PEM key store, mutual TLS required), with
three brokers so that kgate verifies and authenticates to every broker it is sent to.

The brokers present `broker_ip` (SAN localhost + 127.0.0.1, the address they advertise) and demand a
client certificate from the test CA. kgate presents `kgate_client` (KAFKA_SSL_KEYSTORE_LOCATION);
clients talk plaintext to kgate. Without kgate's certificate Kafka refuses the handshake, and kgate
never reports ready. (tests/test_tls_cluster.py covers the name checks against stunnel + tansu.)
"""
import signal
import time

import pytest

from clients import check_indexed, ck_consume, ck_produce
from conftest import http_get, require_gateway
from kafka_cluster import KafkaCluster, SslSettings

NODES = (1, 2, 3)
N = 1000
PARTITIONS = 3


@pytest.fixture(scope="module")
def ssl_cluster(tmp_path_factory, pki):
    c = KafkaCluster(tmp_path_factory.mktemp("kafka-ssl"), node_ids=NODES, listeners=("SSL",),
                     ssl=SslSettings(keystore_pem=pki.broker_ip.pem, truststore_pem=pki.ca.crt,
                                     client_auth="required"))
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


def _env(ssl_cluster, pki, **extra):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "PLAINTEXT",
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_SSL_TRUSTSTORE_LOCATION": pki.ca.crt,
    }
    env.update(extra)
    return env


def test_mutual_tls_to_every_broker(kgate_factory, ssl_cluster, pki):
    gw = kgate_factory(ssl_cluster.bootstrap_of("SSL"), broker_ids=NODES,
                       env=_env(ssl_cluster, pki, KAFKA_SSL_KEYSTORE_LOCATION=pki.kgate_client.pem))
    require_gateway(gw, "TLS towards the cluster")
    topic = ssl_cluster.create_topic(partitions=PARTITIONS)  # through the INTERNAL listener
    leaders = {p.leader for p in ssl_cluster.admin().list_topics(topic, timeout=10).topics[topic].partitions.values()}
    ck_produce(gw.bootstrap, topic, N, partitions=PARTITIONS)
    check_indexed(ck_consume(gw.bootstrap, topic, N), N, PARTITIONS)
    # every partition leader was reached through its own kgate port, over TLS
    log = gw.proc.log_path.read_text(errors="replace")
    for leader in leaders:
        assert f"to broker {leader} at 127.0.0.1:{ssl_cluster.port(leader, 'SSL')}" in log, \
            f"no client connection to broker {leader}:\n{log[-3000:]}"


def test_without_kgates_certificate_kafka_refuses_it(kgate_factory, ssl_cluster, pki):
    gw = kgate_factory(ssl_cluster.bootstrap_of("SSL"), broker_ids=NODES, env=_env(ssl_cluster, pki), wait=False)
    require_gateway(gw, "TLS towards the cluster")
    deadline = time.time() + 8
    while time.time() < deadline:
        assert gw.proc.alive(), "kgate exited instead of retrying the cluster"
        status, body = http_get(gw.http_port, "/health/ready") if _port_open(gw) else (None, "")
        assert status != 200, "kgate got ready although Kafka demands a client certificate"
        time.sleep(0.5)
    assert http_get(gw.http_port, "/health/ready")[0] == 503


def _port_open(gw):
    try:
        http_get(gw.http_port, "/health/live", timeout=0.5)
        return True
    except OSError:
        return False
