"""Delegated SASL (GATEWAY_SECURITY_MODE=KAFKA_MANAGED, and the older spelling
GATEWAY_SECURITY_PROTOCOL=DELEGATED_SASL_PLAINTEXT): kgate relays each client's SASL exchange to
the broker on that connection's upstream and learns the principal for its log. The broker is
tansu with --authentication and SCRAM users; kgate's own SCRAM credentials serve only its control
plane.
"""
import time

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

from clients import check_indexed, ck_consume, ck_produce
from conftest import gateway_log, http_get, require_gateway, start_sasl_gateway, wait_gateway_log

GW_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="gw" password="gw-secret";'

SPELLINGS = {
    "KAFKA_MANAGED": {"GATEWAY_SECURITY_MODE": "KAFKA_MANAGED", "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT"},
    "DELEGATED_SASL_PLAINTEXT": {"GATEWAY_SECURITY_PROTOCOL": "DELEGATED_SASL_PLAINTEXT"},
}


def delegated_env(spelling):
    env = dict(SPELLINGS[spelling])
    env.update({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
                "KAFKA_SASL_JAAS_CONFIG": GW_JAAS})
    return env


@pytest.fixture(scope="module", params=list(SPELLINGS))
def gw(request, module_gateways, tansu_sasl):
    g = start_sasl_gateway(module_gateways, tansu_sasl.bootstrap, delegated_env(request.param), port_count=3)
    require_gateway(g, "delegated SASL")
    return g


def client_conf(tansu_sasl, user, mechanism, password=None):
    return tansu_sasl.ck_conf(user, mechanism, password)


@pytest.mark.parametrize("user,mechanism", [("alice", "SCRAM-SHA-256"), ("bob", "SCRAM-SHA-512")])
def test_clients_authenticate_with_their_own_credentials(gw, tansu_sasl, user, mechanism):
    topic = tansu_sasl.create_topic(partitions=2)
    conf = client_conf(tansu_sasl, user, mechanism)
    ck_produce(gw.bootstrap, topic, 1000, partitions=2, **conf)
    check_indexed(ck_consume(gw.bootstrap, topic, 1000, timeout=60, **conf), 1000, 2)
    line = f"authenticated as User:{user} ({mechanism}, delegated)"
    log = wait_gateway_log(gw, line)
    assert line in log, f"no '{line}' in kgate's log"
    assert tansu_sasl.users[user] not in log, "a client's password is in kgate's log"


def test_kafka_python_scram_512(gw, tansu_sasl):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = tansu_sasl.create_topic(partitions=1)
    conf = dict(bootstrap_servers=gw.bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                sasl_plain_username="bob", sasl_plain_password=tansu_sasl.users["bob"])
    prod = KafkaProducer(**conf)
    for i in range(300):
        prod.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=0)
    prod.flush(30)
    prod.close()
    cons = KafkaConsumer(auto_offset_reset="earliest", enable_auto_commit=False, **conf)
    cons.assign([TopicPartition(topic, 0)])
    got, deadline = [], time.time() + 60
    while len(got) < 300 and time.time() < deadline:
        for _tp, msgs in cons.poll(timeout_ms=1000).items():
            got += [(m.partition, m.offset, m.key, m.value) for m in msgs]
    cons.close()
    check_indexed(got, 300, 1)


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "no-sasl"])
def test_bad_client_credentials_fail(gw, tansu_sasl, case):
    if case == "wrong-password":
        conf = client_conf(tansu_sasl, "alice", "SCRAM-SHA-256", password="nope")
    elif case == "unknown-user":
        conf = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "SCRAM-SHA-256",
                "sasl.username": "mallory", "sasl.password": "whatever"}
    else:
        conf = {}
    errors = []
    admin = AdminClient(dict(conf, **{"bootstrap.servers": gw.bootstrap, "error_cb": errors.append}))
    md = None
    try:
        md = admin.list_topics(timeout=6)
    except Exception:
        pass
    admin.poll(0.2)
    assert md is None, f"{case}: kgate served metadata to a client the broker does not know"
    if case != "no-sasl":
        codes = [e.code() for e in errors if isinstance(e, KafkaError)]
        assert KafkaError._AUTHENTICATION in codes, f"{case}: librdkafka errors {errors}"
        assert "nope" not in gateway_log(gw)
    assert gw.proc.alive() and http_get(gw.http_port, "/health/ready")[0] == 200, "kgate unhealthy after a bad client"
