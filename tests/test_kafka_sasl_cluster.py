"""SASL from kgate to Apache Kafka (KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT), one single-node cluster
for the module. Clients talk plaintext to kgate; kgate authenticates its control plane and every
upstream connection with its own credentials:

- PLAIN (user gw-plain, known only to the broker's PlainLoginModule), SCRAM-SHA-256 and
  SCRAM-SHA-512 (user gw-scram, known only as a SCRAM credential): a success therefore proves the
  mechanism named in KAFKA_SASL_MECHANISM was used.
- OAUTHBEARER: kgate's client-credentials grant against the test identity provider, Kafka's
  OAuthBearerValidatorCallbackHandler checking the token's signature (JWKS of the same provider),
  issuer and audience, and taking `sub` as the principal.

The cluster itself refuses tokens signed by another key, for another audience or from another
issuer (a guard: Kafka 4.1.1 only checks them with BrokerJwtValidator, see kafka_sasl_common).

A wrong password, a SCRAM user offered as PLAIN, or a token for another audience (which Kafka
answers with an RFC 7628 error challenge before failing the exchange) keep kgate's /health/ready
at 503 with "authentication failed" in its log, and the broker logs the failed authentication.
"""
import signal
import time
import uuid

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import fresh_data_dir, gateway_log, http_get, require_gateway, start_sasl_gateway
from kafka_cluster import KafkaCluster
from kafka_sasl_common import (AUDIENCE, ISSUER, VALIDATE_TOKENS, IdP, ck_sasl, kp_produce_consume, try_metadata,
                               upstream_sasl_env)

GW_PLAIN = ("gw-plain", "gw-plain-secret")
GW_SCRAM = ("gw-scram", "gw-scram-secret")
OAUTH_CLIENT = ("kgate-client", "kgate-client-secret")
WRONG_AUD_CLIENT = ("wrong-aud-client", "wrong-aud-secret")


@pytest.fixture(scope="module")
def idp():
    p = IdP(clients=dict([OAUTH_CLIENT, WRONG_AUD_CLIENT]))
    yield p
    p.close()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory, idp):
    c = KafkaCluster(tmp_path_factory.mktemp("kafka-sasl"), listeners=("SASL_PLAINTEXT",),
                     plain_users=dict([GW_PLAIN]), scram_users=dict([GW_SCRAM]),
                     oauth_jwks_url=idp.jwks_url, oauth_audience=AUDIENCE, oauth_issuer=ISSUER,
                     extra_props=VALIDATE_TOKENS)
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


def cluster_env(mechanism, idp=None, user=None, password=None, client=OAUTH_CLIENT):
    default = GW_PLAIN if mechanism == "PLAIN" else GW_SCRAM
    return dict(
        # explicit: left unset, a SASL cluster makes the client side DELEGATED_SASL_PLAINTEXT
        GATEWAY_SECURITY_PROTOCOL="PLAINTEXT",
        GATEWAY_DATA_DIR=fresh_data_dir(),
        **upstream_sasl_env(mechanism, user or default[0], password or default[1],
                            token_url=idp.token_url if idp else None, client=client))


def test_broker_refuses_foreign_tokens(kafka, idp):
    """The cluster itself (no kgate) accepts the provider's token and refuses one signed by another
    key, for another audience or from another issuer: an OAUTHBEARER success below means
    something."""
    def metadata(token):
        return try_metadata(kafka.bootstrap_of("SASL_PLAINTEXT"), ck_sasl("OAUTHBEARER", token=token))[0]

    assert metadata(idp.token("someone")) is not None, "Kafka refused a valid token"
    bad = {
        "foreign key": idp.token("someone", key=sh.RsaKey()),
        "audience": idp.token("someone", audience="other"),
        "issuer": sh.jwt(sh.oauth_claims("someone", "https://elsewhere/", AUDIENCE), key=idp.key),
    }
    accepted = [name for name, token in bad.items() if metadata(token) is not None]
    assert not accepted, f"Kafka accepted tokens with a bad {accepted}: the broker does not validate"


MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_produce_consume_through_kgate(kgate_factory, kafka, idp, mechanism):
    token_calls = len(idp.server.token_requests)
    gw = start_sasl_gateway(kgate_factory, kafka.bootstrap_of("SASL_PLAINTEXT"),
                            cluster_env(mechanism, idp), port_count=3)
    require_gateway(gw, "kgate's own SASL towards the cluster")
    topic = kafka.create_topic(partitions=2)
    ck_produce(gw.bootstrap, topic, 1000, partitions=2)
    # a consumer group: FindCoordinator, JoinGroup, SyncGroup, OffsetCommit on kgate's connections
    group = f"g-{uuid.uuid4().hex[:8]}"
    check_indexed(ck_consume(gw.bootstrap, topic, 1000, timeout=60, group=group), 1000, 2)

    # an admin request through kgate: CreateTopics on the controller via kgate's connection
    created = f"via-kgate-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": gw.bootstrap})
    admin.create_topics([NewTopic(created, 1, 1)], operation_timeout=20)[created].result(30)
    assert created in kafka.admin().list_topics(timeout=10).topics, "topic created through kgate not in Kafka"

    log = gateway_log(gw)
    if mechanism == "OAUTHBEARER":
        new = idp.server.token_requests[token_calls:]
        assert new, "kgate never called the token endpoint"
        assert new[0]["client_id"] == OAUTH_CLIENT[0] and new[0]["form"].get("grant_type") == "client_credentials"
        assert new[0]["form"].get("scope") == "kafka.produce kafka.consume", new[0]
        assert OAUTH_CLIENT[1] not in log, "kgate logged its client secret"
    else:
        assert GW_PLAIN[1] not in log and GW_SCRAM[1] not in log, "kgate logged its cluster password"


def test_kafka_python_through_plain_gateway(kgate_factory, kafka):
    """kafka-python's own protocol choices (its ApiVersions, Metadata and group versions) through a
    kgate that authenticates with PLAIN."""
    gw = start_sasl_gateway(kgate_factory, kafka.bootstrap_of("SASL_PLAINTEXT"), cluster_env("PLAIN"),
                            port_count=3)
    require_gateway(gw, "kgate's own SASL towards the cluster")
    topic = kafka.create_topic(partitions=1)
    got = kp_produce_consume(gw.bootstrap, topic, 300, {}, group=f"kp-{uuid.uuid4().hex[:6]}")
    check_indexed(got, 300, 1)


def unready_after_refusal(gw, seconds=15):
    """Wait until kgate logs that the cluster refused it, then sample /health/ready for 1.5 s: the
    set of statuses seen from start to end."""
    statuses = set()
    deadline = time.time() + seconds
    seen_at = None
    while time.time() < deadline and (seen_at is None or time.time() < seen_at + 1.5):
        assert gw.proc.alive(), f"kgate exited: {gateway_log(gw)[-2000:]}"
        try:
            statuses.add(http_get(gw.http_port, "/health/ready")[0])
        except OSError:
            pass
        if seen_at is None and "authentication failed" in gateway_log(gw).lower():
            seen_at = time.time()
        time.sleep(0.2)
    return statuses


@pytest.mark.parametrize("mechanism,credentials", [
    ("PLAIN", ("gw-plain", "not-the-password")),
    ("SCRAM-SHA-512", ("gw-scram", "not-the-password")),
    ("PLAIN", GW_SCRAM),  # a SCRAM user is no PLAIN user: the mechanism decides
    ("OAUTHBEARER", WRONG_AUD_CLIENT),  # a valid signature, but for another audience
], ids=["PLAIN-wrong-password", "SCRAM-SHA-512-wrong-password", "PLAIN-with-a-SCRAM-user", "OAUTHBEARER-wrong-audience"])
def test_refused_credentials_keep_kgate_unready(kgate_factory, kafka, idp, mechanism, credentials):
    broker_failures = kafka.log().count("Failed authentication with")
    if mechanism == "OAUTHBEARER":
        env = cluster_env(mechanism, idp, client=credentials)
    else:
        env = cluster_env(mechanism, user=credentials[0], password=credentials[1])
    gw = kgate_factory(kafka.bootstrap_of("SASL_PLAINTEXT"), env=env, port_count=3, wait=False)
    require_gateway(gw, "kgate's own SASL towards the cluster")
    statuses = unready_after_refusal(gw)
    assert statuses and statuses <= {503}, f"/health/ready answered {statuses} with refused credentials"
    log = gateway_log(gw)
    assert "authentication failed" in log.lower(), f"kgate's log does not say authentication failed:\n{log[-3000:]}"
    assert credentials[1] not in log, "kgate logged its cluster secret"
    if mechanism == "OAUTHBEARER":
        # Kafka's error challenge, acknowledged with %x01 and reported (not taken for a success)
        assert "invalid_token" in log, f"kgate does not report Kafka's OAUTHBEARER error:\n{log[-3000:]}"
    # the broker saw (and refused) kgate's attempts
    assert kafka.log().count("Failed authentication with") > broker_failures, "the broker logged no failed login"
    # and a client gets nothing from the cluster through it
    md, _errors = try_metadata(gw.bootstrap, {}, timeout=1.5)
    assert md is None or not md.topics, "a client got cluster metadata through an unauthenticated kgate"
