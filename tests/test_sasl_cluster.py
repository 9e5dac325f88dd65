"""SASL from kgate to the cluster: tansu with `--authentication` and SCRAM users (conftest's
tansu_sasl). Clients talk plaintext to kgate; kgate authenticates every upstream connection and its
control plane with KAFKA_SASL_MECHANISM / KAFKA_SASL_JAAS_CONFIG. A wrong password: kgate never
gets ready and its log says authentication failed.

The first tests record what tansu 0.6.0 itself does with SASL (any mode, no kgate involved), so we
notice if it changes.
"""
import time

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import fresh_data_dir, gateway_log, http_get, require_gateway, start_sasl_gateway, wait_gateway_log

SCRAM_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="{u}" password="{p}";'


def ck_metadata(bootstrap, conf, wait=8.0):
    errors = []
    admin = AdminClient(dict(conf, **{"bootstrap.servers": bootstrap, "error_cb": errors.append}))
    md = None
    try:
        md = admin.list_topics(timeout=wait)
    except Exception as e:  # KafkaException: no metadata in time
        errors.append(e.args[0] if e.args else e)
    admin.poll(0.5)  # error_cb runs from poll
    return md, errors


# --- tansu's own SASL, no kgate --------------------------------------------------------------------
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_tansu_scram_direct(tansu_sasl, mechanism):
    md, errors = ck_metadata(tansu_sasl.bootstrap, tansu_sasl.ck_conf("alice", mechanism))
    assert md is not None and md.brokers, f"tansu refused alice with {mechanism}: {errors}"
    md, errors = ck_metadata(tansu_sasl.bootstrap, tansu_sasl.ck_conf("alice", mechanism, password="wrong"))
    assert md is None, f"tansu accepted a wrong password with {mechanism}"
    assert KafkaError._AUTHENTICATION in [e.code() for e in errors if isinstance(e, KafkaError)], errors


def test_tansu_without_sasl_is_refused(tansu_sasl):
    md, errors = ck_metadata(tansu_sasl.bootstrap, {}, wait=5)
    assert md is None, "tansu --authentication answered Metadata without SASL"


def test_tansu_plain_mechanism(tansu_sasl):
    """tansu 0.6.0 refuses PLAIN at the SaslHandshake (librdkafka: "SASL PLAIN mechanism handshake
    failed ... broker's supported mechanisms: (n/a)"), so no broker here can check kgate's
    KAFKA_SASL_MECHANISM=PLAIN."""
    md, errors = ck_metadata(tansu_sasl.bootstrap, tansu_sasl.ck_conf("alice", "PLAIN"), wait=5)
    print(f"tansu PLAIN with the right password: metadata={md is not None} errors={errors[-2:]}")
    assert md is None, "tansu now accepts PLAIN: kgate's PLAIN to the cluster can be tested against it"


def test_tansu_oauthbearer_mechanism(tansu_sasl):
    """tansu 0.6.0 takes the OAUTHBEARER handshake but fails every SaslAuthenticate ("SASL
    Authentication failed."): no broker here accepts OAUTHBEARER."""
    token = sh.jwt(sh.oauth_claims("alice", "iss", "aud"), key=sh.RsaKey())
    conf = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "OAUTHBEARER",
            "oauth_cb": lambda _c: (token, time.time() + 600, "alice")}
    md, errors = ck_metadata(tansu_sasl.bootstrap, conf, wait=5)
    print(f"tansu OAUTHBEARER: metadata={md is not None} errors={errors[-2:]}")
    assert md is None, "tansu now accepts OAUTHBEARER"


# --- kgate -> SASL cluster -------------------------------------------------------------------------
def cluster_env(mechanism, user="gw", password="gw-secret"):
    # GATEWAY_SECURITY_PROTOCOL must be explicit: left unset, a SASL KAFKA_SECURITY_PROTOCOL makes
    # the client side DELEGATED_SASL_PLAINTEXT (the reference's inference)
    return {
        "GATEWAY_SECURITY_PROTOCOL": "PLAINTEXT",
        "GATEWAY_DATA_DIR": fresh_data_dir(),
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": mechanism,
        "KAFKA_SASL_JAAS_CONFIG": SCRAM_JAAS.format(u=user, p=password),
    }


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_plaintext_clients_through_scram_gateway(kgate_factory, tansu_sasl, mechanism):
    gw = start_sasl_gateway(kgate_factory, tansu_sasl.bootstrap, cluster_env(mechanism), port_count=3)
    require_gateway(gw, "SASL to the cluster")
    topic = tansu_sasl.create_topic(partitions=2)
    ck_produce(gw.bootstrap, topic, 1000, partitions=2)
    check_indexed(ck_consume(gw.bootstrap, topic, 1000, timeout=60), 1000, 2)

    # an admin request through kgate rides an authenticated upstream connection too
    created = f"via-kgate-{mechanism.lower()}-{int(time.time())}"
    admin = AdminClient({"bootstrap.servers": gw.bootstrap})
    admin.create_topics([NewTopic(created, 1, 1)], operation_timeout=20)[created].result(30)
    md, errors = ck_metadata(tansu_sasl.bootstrap, tansu_sasl.ck_conf("gw"))
    assert md is not None and created in md.topics, f"topic created through kgate not on the broker: {errors}"
    assert "gw-secret" not in gateway_log(gw), "kgate logged its cluster password"


def test_wrong_cluster_password_never_ready(kgate_factory, tansu_sasl):
    gw = kgate_factory(tansu_sasl.bootstrap, env=cluster_env("SCRAM-SHA-256", password="not-it"),
                       port_count=3, wait=False)
    require_gateway(gw, "SASL to the cluster")
    deadline = time.time() + 10
    statuses = set()
    while time.time() < deadline:
        assert gw.proc.alive(), f"kgate exited: {gateway_log(gw)[-2000:]}"
        try:
            statuses.add(http_get(gw.http_port, "/health/ready")[0])
        except OSError:
            pass
        time.sleep(0.3)
    assert statuses and statuses <= {503}, f"/health/ready answered {statuses} with a wrong cluster password"
    log = gateway_log(gw)
    assert "authentication failed" in log.lower(), f"kgate's log does not say authentication failed:\n{log[-3000:]}"
    assert "not-it" not in log, "kgate logged its cluster password"
    md, _ = ck_metadata(gw.bootstrap, {}, wait=4)
    assert md is None or not md.topics, "clients got cluster metadata through an unauthenticated kgate"


def test_oauthbearer_to_cluster_uses_client_credentials(kgate_factory, tansu_sasl):
    """No broker here accepts OAUTHBEARER (see test_tansu_oauthbearer_mechanism), so this checks
    kgate's side only: it fetches a token from KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL with the
    client-credentials grant and the JAAS clientId/clientSecret/scope, and offers it to the broker."""
    key = sh.RsaKey()
    srv = sh.OAuthServer(keys=[key], clients={"kgate-client": "kgate-secret"},
                         mint=lambda cid, scope: sh.jwt(sh.oauth_claims(cid, "https://idp.test/", "kafka"), key=key))
    try:
        env = {
            "GATEWAY_SECURITY_PROTOCOL": "PLAINTEXT",
            "GATEWAY_DATA_DIR": fresh_data_dir(),
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "OAUTHBEARER",
            "KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL": srv.token_url,
            "KAFKA_SASL_JAAS_CONFIG": 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required '
                                      'clientId="kgate-client" clientSecret="kgate-secret" scope=".default";',
        }
        gw = kgate_factory(tansu_sasl.bootstrap, env=env, port_count=3, wait=False)
        require_gateway(gw, "OAUTHBEARER to the cluster")
        deadline = time.time() + 10
        while time.time() < deadline and not srv.token_requests:
            assert gw.proc.alive(), f"kgate exited: {gateway_log(gw)[-2000:]}"
            time.sleep(0.2)
        assert srv.token_requests, "kgate never called the token endpoint"
        req = srv.token_requests[0]
        assert req["form"].get("grant_type") == "client_credentials", req
        assert req["client_id"] == "kgate-client", req
        assert req["form"].get("scope") == ".default", req
        assert "kgate-secret" not in gateway_log(gw), "kgate logged its client secret"
    finally:
        srv.close()


def test_kgate_reauthenticates_upstream_before_the_broker_session_ends(kgate_factory, tansu_sasl):
    """KIP-368 towards the cluster: tansu gives SASL sessions a 60 s lifetime; kgate renews at 85%
    of it on the same connection, holding client requests meanwhile. One producer keeps one
    connection busy across that point: every record arrives.

    tansu 0.6.0 does not support re-authentication: it answers the second SaslHandshake on a
    connection with UNSUPPORTED_SASL_MECHANISM while offering that very mechanism. kgate then
    closes that one connection (as Kafka does when re-authentication fails) and the client
    reconnects, so nothing is lost. If tansu learns KIP-368, the refusal assertion below fails:
    then require "re-authenticated to the broker" instead."""
    gw = start_sasl_gateway(kgate_factory, tansu_sasl.bootstrap, cluster_env("SCRAM-SHA-256"), port_count=3)
    require_gateway(gw, "SASL to the cluster")
    topic = tansu_sasl.create_topic(partitions=1)
    from confluent_kafka import Producer

    delivered, errors = [], []
    p = Producer({"bootstrap.servers": gw.bootstrap, "linger.ms": 5, "acks": "all"})
    sent = 0
    deadline = time.time() + 60  # past 51 s, when kgate renews its 60 s session
    while time.time() < deadline:
        p.produce(topic, key=b"%d" % sent, value=f"v{sent}".ljust(16, ".").encode(), partition=0,
                  on_delivery=lambda e, m: (errors if e else delivered).append(e or m.offset()))
        sent += 1
        p.poll(0.05)
    assert p.flush(30) == 0, "records still queued after the renewal"
    assert not errors, f"delivery errors across the re-authentication: {errors[:3]}"
    assert len(delivered) == sent, f"{len(delivered)} of {sent} records acknowledged"
    log = wait_gateway_log(gw, "re-authenticating to the broker", timeout=5)
    assert "re-authenticating to the broker" in log, f"kgate did not renew its session:\n{log[-2000:]}"
    assert "refuses SASL mechanism SCRAM-SHA-256 (error 33; it offers SCRAM-SHA-256)" in log, (
        "tansu no longer refuses re-authentication: require 're-authenticated to the broker' here")
    check_indexed(ck_consume(gw.bootstrap, topic, sent, timeout=60), sent, 1)
