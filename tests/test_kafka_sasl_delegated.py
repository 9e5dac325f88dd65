"""Delegated SASL against Apache Kafka (GATEWAY_SECURITY_MODE=KAFKA_MANAGED, and the older spelling
GATEWAY_SECURITY_PROTOCOL=DELEGATED_SASL_PLAINTEXT): kgate relays each client's SaslHandshake and
SaslAuthenticate to the broker on that connection's upstream, so Kafka checks the client's own
credentials, and kgate logs the principal it learns once Kafka accepts. kgate's own SCRAM
credentials (user gw) serve only its control plane.

Clients: confluent-kafka and kafka-python with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER
(tokens of the test identity provider, validated by Kafka against its JWKS, issuer and audience).
A wrong password, an unknown user, a token signed by a foreign key and a client without SASL are
refused by Kafka through kgate, and kgate never logs them as authenticated.
"""
import signal
import uuid

import pytest
from confluent_kafka import KafkaError

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import gateway_log, http_get, require_gateway, start_sasl_gateway, wait_gateway_log
from kafka_cluster import KafkaCluster
from kafka_sasl_common import (AUDIENCE, ISSUER, VALIDATE_TOKENS, IdP, ck_sasl, kp_produce_consume, kp_sasl,
                               scram_jaas, try_metadata)

USERS = {"gw": "gw-secret", "alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture(scope="module")
def idp():
    p = IdP()
    yield p
    p.close()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory, idp):
    c = KafkaCluster(tmp_path_factory.mktemp("kafka-delegated"), listeners=("SASL_PLAINTEXT",),
                     plain_users=USERS, scram_users=USERS, oauth_jwks_url=idp.jwks_url,
                     oauth_audience=AUDIENCE, oauth_issuer=ISSUER, extra_props=VALIDATE_TOKENS)
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


def delegated_env(spelling="KAFKA_MANAGED"):
    env = {"GATEWAY_SECURITY_MODE": "KAFKA_MANAGED", "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT"} \
        if spelling == "KAFKA_MANAGED" else {"GATEWAY_SECURITY_PROTOCOL": "DELEGATED_SASL_PLAINTEXT"}
    env.update({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
                "KAFKA_SASL_JAAS_CONFIG": scram_jaas("gw", USERS["gw"])})
    return env


@pytest.fixture(scope="module")
def gw(module_gateways, kafka):
    return start_sasl_gateway(module_gateways, kafka.bootstrap_of("SASL_PLAINTEXT"), delegated_env(), port_count=3)


def credentials(idp, mechanism, user, password=None):
    if mechanism == "OAUTHBEARER":
        return {"token": idp.token(user)}
    return {"user": user, "password": USERS[user] if password is None else password}


@pytest.mark.parametrize("mechanism,user", [
    ("PLAIN", "alice"), ("SCRAM-SHA-256", "bob"), ("SCRAM-SHA-512", "alice"), ("OAUTHBEARER", "carol"),
])
def test_confluent_kafka_authenticates_through_kgate(gw, kafka, idp, mechanism, user):
    conf = ck_sasl(mechanism, **credentials(idp, mechanism, user))
    topic = kafka.create_topic(partitions=2)
    ck_produce(gw.bootstrap, topic, 500, partitions=2, **conf)
    group = f"g-{uuid.uuid4().hex[:8]}"
    check_indexed(ck_consume(gw.bootstrap, topic, 500, timeout=60, group=group, **conf), 500, 2)
    if gw.direct:
        return  # the rest is about kgate's log
    line = f"authenticated as User:{user} ({mechanism}, delegated)"
    log = wait_gateway_log(gw, line)
    assert line in log, f"no '{line}' in kgate's log"
    for secret in USERS.values():
        assert secret not in log, "a client's password is in kgate's log"
    if mechanism == "OAUTHBEARER":
        assert conf["oauth_cb"](None)[0] not in log, "a client's token is in kgate's log"


@pytest.mark.parametrize("mechanism,user", [("PLAIN", "bob"), ("SCRAM-SHA-512", "bob"), ("OAUTHBEARER", "dave")])
def test_kafka_python_authenticates_through_kgate(gw, kafka, idp, mechanism, user):
    conf = kp_sasl(mechanism, **credentials(idp, mechanism, user))
    topic = kafka.create_topic(partitions=1)
    got = kp_produce_consume(gw.bootstrap, topic, 200, conf, group=f"kp-{uuid.uuid4().hex[:6]}")
    check_indexed(got, 200, 1)
    if gw.direct:
        return  # the rest is about kgate's log
    line = f"authenticated as User:{user} ({mechanism}, delegated)"
    assert line in wait_gateway_log(gw, line), f"no '{line}' in kgate's log"


REFUSED = {
    "PLAIN wrong password": ("PLAIN", "alice", {"password": "nope-not-it"}),
    "SCRAM-SHA-256 wrong password": ("SCRAM-SHA-256", "alice", {"password": "nope-not-it"}),
    "SCRAM-SHA-512 unknown user": ("SCRAM-SHA-512", "mallory", {"password": "nope-not-it"}),
    "PLAIN unknown user": ("PLAIN", "mallory", {"password": "nope-not-it"}),
    "OAUTHBEARER foreign key": ("OAUTHBEARER", "mallory", {}),
    "OAUTHBEARER wrong audience": ("OAUTHBEARER", "mallory", {"audience": "other"}),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_kafka_refuses_bad_credentials_through_kgate(gw, idp, case):
    mechanism, user, how = REFUSED[case]
    if mechanism == "OAUTHBEARER":
        key = sh.RsaKey() if "foreign" in case else None
        conf = ck_sasl(mechanism, token=idp.token(user, audience=how.get("audience", AUDIENCE), key=key))
    else:
        conf = ck_sasl(mechanism, user=user, password=how["password"])
    before = gateway_log(gw) if not gw.direct else ""
    md, errors = try_metadata(gw.bootstrap, conf)
    assert md is None, f"{case}: kgate served metadata to a client Kafka refuses"
    codes = [e.code() for e in errors if isinstance(e, KafkaError)]
    assert KafkaError._AUTHENTICATION in codes, f"{case}: librdkafka errors {errors}"
    if gw.direct:
        return  # the rest is about kgate's log and health
    failed = f"authentication failed for {user} ({mechanism}, delegated)"
    log = wait_gateway_log(gw, failed)
    new = log[len(before):]
    assert failed in new, f"{case}: no '{failed}' in kgate's log:\n{new[-2000:]}"
    assert f"authenticated as User:{user} " not in new, f"{case}: kgate logged a refused client as authenticated"
    assert "nope-not-it" not in log, "a client's password is in kgate's log"
    assert gw.proc.alive() and http_get(gw.http_port, "/health/ready")[0] == 200, "kgate unhealthy after a bad client"


def test_client_without_sasl_gets_nothing(gw):
    md, _errors = try_metadata(gw.bootstrap, {}, timeout=2.5)
    assert md is None, "kgate served metadata to a client that did not authenticate"


def test_older_spelling_delegated_sasl_plaintext(kgate_factory, kafka):
    gw2 = start_sasl_gateway(kgate_factory, kafka.bootstrap_of("SASL_PLAINTEXT"),
                             delegated_env("DELEGATED_SASL_PLAINTEXT"), port_count=3)
    require_gateway(gw2, "kgate's DELEGATED_SASL_PLAINTEXT setting")
    topic = kafka.create_topic(partitions=1)
    conf = ck_sasl("SCRAM-SHA-512", user="bob", password=USERS["bob"])
    ck_produce(gw2.bootstrap, topic, 100, **conf)
    check_indexed(ck_consume(gw2.bootstrap, topic, 100, timeout=60, partitions=1, **conf), 100, 1)
    assert "authenticated as User:bob (SCRAM-SHA-512, delegated)" in gateway_log(gw2)
    md, _ = try_metadata(gw2.bootstrap, ck_sasl("SCRAM-SHA-512", user="bob", password="nope-not-it"))
    assert md is None, "DELEGATED_SASL_PLAINTEXT accepted a wrong password"
