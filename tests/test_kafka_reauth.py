"""KIP-368 re-authentication on both legs at once, against Apache Kafka.

- Kafka: `connections.max.reauth.ms=6000` on its SASL listener, so every SASL session it grants
  lasts at most 6 s (SaslAuthenticate v1 says so in session_lifetime_ms), and a connection that
  sends a request after its session ended is closed by the broker.
- kgate -> Kafka: kgate's own credentials (SCRAM-SHA-256 in one kgate, OAUTHBEARER with a
  client-credentials token in another); kgate re-authenticates each upstream connection at 85%
  of the broker's lifetime, holding client requests meanwhile.
- client -> kgate: GATEWAY_MANAGED SASL/PLAIN with a gateway token (service account jdoe) and
  GATEWAY_AUTHENTICATION_CONNECTION_MAX_REAUTH_MS=4000; librdkafka re-authenticates on its own.

One confluent-kafka producer per kgate (idempotent, acks=all) produces for 16 s: every record is
acknowledged and read back exactly once and in order, both legs re-authenticated several times
on the same connections (kgate's log and kgate_authentications_total), and no connection was
closed on either leg. A raw connection to Kafka that does not re-authenticate is closed by the
broker meanwhile, so the broker does enforce the 6 s sessions kgate renewed.
"""
import signal
import re
import time
from collections import Counter

import pytest
from confluent_kafka import Producer

import kafka_wire as kw
import sasl_helpers as sh
from clients import check_indexed, ck_consume
from conftest import gateway_log, http_get, require_gateway, start_sasl_gateway
from kafka_cluster import KafkaCluster
from kafka_sasl_common import AUDIENCE, ISSUER, VALIDATE_TOKENS, IdP, upstream_sasl_env

BROKER_REAUTH_MS = 6000
CLIENT_REAUTH_MS = 4000
PRODUCE_SECONDS = 16
GW_SCRAM = ("gw", "gw-secret")
GW_PLAIN = ("gw-plain", "gw-plain-secret")
OAUTH_CLIENT = ("kgate-client", "kgate-client-secret")


@pytest.fixture(scope="module")
def idp():
    p = IdP(clients=dict([OAUTH_CLIENT]))
    yield p
    p.close()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory, idp):
    props = dict(VALIDATE_TOKENS)
    props["connections.max.reauth.ms"] = BROKER_REAUTH_MS
    c = KafkaCluster(tmp_path_factory.mktemp("kafka-reauth"), listeners=("SASL_PLAINTEXT",),
                     plain_users=dict([GW_PLAIN]), scram_users=dict([GW_SCRAM]), oauth_jwks_url=idp.jwks_url,
                     oauth_audience=AUDIENCE, oauth_issuer=ISSUER, extra_props=props)
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


def gateway_env(idp, upstream, data_dir):
    return dict(
        GATEWAY_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        GATEWAY_SECURITY_MODE="GATEWAY_MANAGED",
        GATEWAY_USER_POOL_SECRET_KEY=sh.new_user_pool_key(),
        GATEWAY_ADMIN_API_USERS=sh.ADMIN_API_USERS,
        GATEWAY_DATA_DIR=str(data_dir),
        GATEWAY_AUTHENTICATION_CONNECTION_MAX_REAUTH_MS=str(CLIENT_REAUTH_MS),
        **upstream_sasl_env(upstream, *GW_SCRAM, token_url=idp.token_url, client=OAUTH_CLIENT))


def broker_session(kafka):
    """A raw connection to Kafka itself (no kgate), logged in with PLAIN: the session lifetime
    Kafka grants (SaslAuthenticate v1) and the socket."""
    s = sh.connect(kafka.port(111, "SASL_PLAINTEXT"))
    _herr, _mechs, (err, msg, _b, lifetime) = sh.raw_sasl_login(s, "PLAIN", sh.plain_bytes(*GW_PLAIN))
    assert err == 0, f"Kafka refused {GW_PLAIN[0]}: {msg}"
    s.sendall(kw.api_versions_v0(10))
    assert kw.read_response(s)[0] == 10, "no answer within the session"
    return lifetime, s


def still_served(s):
    try:
        s.sendall(kw.api_versions_v0(11))
        return kw.read_response(s)[0] == 11
    except (ConnectionError, OSError):
        return False
    finally:
        s.close()


def auth_successes(gw):
    _status, text = http_get(gw.http_port, "/metrics")
    return sh.metric_value(text, "kgate_authentications_total", mechanism="PLAIN", result="success") or 0


def test_reauthentication_on_both_legs_while_producing(module_gateways, kafka, idp, tmp_path_factory):
    gws = {}
    for upstream in ("SCRAM-SHA-256", "OAUTHBEARER"):
        gws[upstream] = start_sasl_gateway(module_gateways, kafka.bootstrap_of("SASL_PLAINTEXT"),
                                           gateway_env(idp, upstream, tmp_path_factory.mktemp("data")),
                                           port_count=3)
        require_gateway(gws[upstream], "re-authentication on both of kgate's legs")
    topics, producers, tokens, state = {}, {}, {}, {}
    for upstream, gw in gws.items():
        sh.create_service_account(gw.http_port, "jdoe")
        tokens[upstream] = sh.create_token(gw.http_port, "jdoe", 3600)
        topics[upstream] = kafka.create_topic(partitions=2)
        producers[upstream] = Producer({
            "bootstrap.servers": gw.bootstrap, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "PLAIN", "sasl.username": "jdoe", "sasl.password": tokens[upstream],
            "linger.ms": 5, "enable.idempotence": True, "acks": "all"})
        state[upstream] = {"sent": 0, "acked": 0, "errors": [], "metric0": auth_successes(gw),
                           "log0": len(gateway_log(gw))}

    def on_delivery(st):
        def cb(err, _msg):
            if err is not None:
                st["errors"].append(err)
            else:
                st["acked"] += 1
        return cb

    # the cluster's side of the setting: a 6 s session, and (checked after producing) a connection
    # that did not re-authenticate is closed at its next request
    lifetime, raw = broker_session(kafka)
    assert lifetime is not None and 0 < lifetime <= BROKER_REAUTH_MS, f"Kafka's session_lifetime_ms {lifetime}"

    t_end = time.time() + PRODUCE_SECONDS
    while time.time() < t_end:
        for upstream, p in producers.items():
            st = state[upstream]
            n = st["sent"]
            p.produce(topics[upstream], key=str(n).encode(), value=f"v{n}".ljust(16, ".").encode(),
                      partition=n % 2, on_delivery=on_delivery(st))
            st["sent"] += 1
            p.poll(0)
        time.sleep(0.005)
    for upstream, p in producers.items():
        assert p.flush(30) == 0, f"{upstream}: records still queued"

    for upstream, gw in gws.items():
        st = state[upstream]
        log = gateway_log(gw)[st["log0"]:]
        assert not st["errors"], f"{upstream}: delivery errors {st['errors'][:3]}"
        assert st["acked"] == st["sent"], f"{upstream}: {st['acked']} of {st['sent']} acknowledged"
        # kgate -> Kafka: the upstream connection renewed its 6 s session (at ~5.1 s) again and again
        renewed = log.count("re-authenticated to the broker at")
        assert renewed >= 2, f"{upstream}: {renewed} upstream re-authentications in {PRODUCE_SECONDS} s:\n{log[-3000:]}"
        assert "authentication to the broker failed" not in log, f"{upstream}: an upstream re-authentication failed"
        # client -> kgate: librdkafka renewed its 4 s session on the same connection
        per_connection = Counter(re.findall(r"connection from (\S+): authenticated as User:jdoe \(PLAIN\)", log))
        logins = max(per_connection.values(), default=0)
        assert logins >= 3, f"{upstream}: at most {logins} logins on one client connection: {per_connection}"
        assert auth_successes(gw) - st["metric0"] >= logins, f"{upstream}: kgate_authentications_total lags"
        # no connection ended on the way, but the bootstrap one librdkafka closes itself
        closes = re.findall(r"closed: (.*)", log)
        assert set(closes) <= {"client closed the connection"}, f"{upstream}: connections closed: {closes}"
        assert "session expired" not in log, f"{upstream}: a client session expired at kgate"
        print(f"{upstream}: {st['sent']} records, {renewed} upstream re-authentications, "
              f"client logins per connection {dict(per_connection)}")
    assert not still_served(raw), "Kafka still served a connection whose session had ended"

    for upstream, gw in gws.items():
        n = state[upstream]["sent"]
        got = ck_consume(gw.bootstrap, topics[upstream], n, timeout=60, **{
            "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
            "sasl.username": "jdoe", "sasl.password": tokens[upstream]})
        check_indexed(got, n, 2)
