"""Mutual TLS between clients and kgate: GATEWAY_SSL_CLIENT_AUTH, the principal of a client
certificate (Java's X500Principal.getName() rendering, mapped by GATEWAY_SSL_PRINCIPAL_MAPPING_RULES),
its log line and its metric label.

Rejections are checked with a Kafka round trip (tls_certs.tls_probe): with TLS 1.3 the client finishes
its side of the handshake before the server has judged the client certificate.
"""
import re
import time

import pytest

from clients import check_indexed, ck_consume, ck_produce
from conftest import http_get, require_gateway, tls_gateway_env
from tls_certs import ck_tls, tls_probe

ALICE_DN = "CN=alice,OU=eng,O=kgate"
BOB_DN = "CN=bob,O=other"
RULES = "RULE:^CN=([a-z]+),OU=eng,.*$/$1/U,DEFAULT"


def _gateway(kgate_factory, broker, pki, **env):
    gw = kgate_factory(broker.bootstrap, port_count=3,
                       env=tls_gateway_env(pki, GATEWAY_SSL_TRUST_STORE_PATH=pki.ca.crt, **env))
    require_gateway(gw, "mutual TLS")
    return gw


def _principal_lines(gw):
    return [l.rstrip() for l in open(gw.proc.log_path, errors="replace") if "principal=User:" in l]


def _has_principal(gw, name, timeout=5.0):
    """A log line with principal=User:<name> and nothing more of the name after it."""
    pat = re.compile(r"principal=User:" + re.escape(name) + r"(?![\w,=])")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(pat.search(l) for l in _principal_lines(gw)):
            return True
        time.sleep(0.1)
    return False


def _handshake_metric(gw):
    """{principal label: count} from kgate_tls_handshakes_total."""
    status, body = http_get(gw.http_port, "/metrics")
    assert status == 200, status
    out = {}
    for m in re.finditer(r'^kgate_tls_handshakes_total\{([^}]*)\}\s+([0-9.eE+]+)', body, re.M):
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
        if "principal" in labels:
            out[labels["principal"]] = out.get(labels["principal"], 0) + float(m.group(2))
    return out


def test_required_rejects_missing_untrusted_and_expired_certificates(kgate_factory, broker, pki):
    gw = _gateway(kgate_factory, broker, pki, GATEWAY_SSL_CLIENT_AUTH="REQUIRED")
    for who, client in [("no certificate", None), ("untrusted CA", pki.mallory), ("expired", pki.expired)]:
        p = tls_probe(gw.port_start, ca=pki.ca, client=client)
        assert not p.ok, f"REQUIRED accepted a client with {who}: {p}"
    alice = tls_probe(gw.port_start, ca=pki.ca, client=pki.alice)
    assert alice.ok, f"REQUIRED rejected alice: {alice}"
    assert _has_principal(gw, ALICE_DN), f"no principal=User:{ALICE_DN} line: {_principal_lines(gw)}"
    # The rejected ones never got a principal.
    assert not any("mallory" in l or "CN=expired" in l for l in _principal_lines(gw)), _principal_lines(gw)


def test_required_alice_produces_and_consumes(kgate_factory, broker, pki):
    gw = _gateway(kgate_factory, broker, pki, GATEWAY_SSL_CLIENT_AUTH="REQUIRE")  # Kafka's spelling
    topic = broker.create_topic(partitions=3)
    conf = ck_tls(pki, client=pki.alice)
    ck_produce(gw.bootstrap, topic, 1000, partitions=3, **conf)
    check_indexed(ck_consume(gw.bootstrap, topic, 1000, timeout=60, **conf), 1000, 3)
    assert _has_principal(gw, ALICE_DN), _principal_lines(gw)
    metric = _handshake_metric(gw)
    assert metric.get(ALICE_DN, 0) >= 1, f"kgate_tls_handshakes_total: {metric}"


def test_mapping_rules(kgate_factory, broker, pki):
    gw = _gateway(kgate_factory, broker, pki, GATEWAY_SSL_CLIENT_AUTH="REQUIRED",
                  GATEWAY_SSL_PRINCIPAL_MAPPING_RULES=RULES)
    a = tls_probe(gw.port_start, ca=pki.ca, client=pki.alice)
    b = tls_probe(gw.port_start, ca=pki.ca, client=pki.bob)
    assert a.ok and b.ok, (a, b)
    assert _has_principal(gw, "ALICE"), f"alice not mapped to ALICE: {_principal_lines(gw)}"
    assert _has_principal(gw, BOB_DN), f"bob not kept as {BOB_DN}: {_principal_lines(gw)}"
    assert not _has_principal(gw, ALICE_DN, timeout=0.1), "alice's full DN logged despite the rule"
    metric = _handshake_metric(gw)
    assert metric.get("ALICE", 0) >= 1 and metric.get(BOB_DN, 0) >= 1, metric
    assert ALICE_DN not in metric, metric


def test_requested_accepts_anonymous_but_not_invalid_certificates(kgate_factory, broker, pki):
    gw = _gateway(kgate_factory, broker, pki, GATEWAY_SSL_CLIENT_AUTH="REQUESTED")
    anon = tls_probe(gw.port_start, ca=pki.ca)
    assert anon.ok, f"REQUESTED rejected a client without a certificate: {anon}"
    assert _has_principal(gw, "ANONYMOUS"), _principal_lines(gw)
    for who, client in [("untrusted CA", pki.mallory), ("expired", pki.expired)]:
        p = tls_probe(gw.port_start, ca=pki.ca, client=client)
        assert not p.ok, f"REQUESTED accepted a certificate from {who}: {p}"
    alice = tls_probe(gw.port_start, ca=pki.ca, client=pki.alice)
    assert alice.ok, alice
    assert _has_principal(gw, ALICE_DN), _principal_lines(gw)
    metric = _handshake_metric(gw)
    assert metric.get("ANONYMOUS", 0) >= 1 and metric.get(ALICE_DN, 0) >= 1, metric
    # librdkafka without a certificate works end to end.
    topic = broker.create_topic(partitions=1)
    ck_produce(gw.bootstrap, topic, 100, **ck_tls(pki))
    assert len(ck_consume(gw.bootstrap, topic, 100, timeout=30, **ck_tls(pki))) == 100


def test_none_ignores_client_certificates(kgate_factory, broker, pki):
    """Default NONE: no certificate is requested, so every client is ANONYMOUS."""
    gw = kgate_factory(broker.bootstrap, port_count=3, env=tls_gateway_env(pki))
    require_gateway(gw, "TLS principals")
    p = tls_probe(gw.port_start, ca=pki.ca, client=pki.mallory)
    assert p.ok, p
    assert _has_principal(gw, "ANONYMOUS"), _principal_lines(gw)
    assert not any("mallory" in l for l in _principal_lines(gw))


@pytest.mark.parametrize("auth", ["REQUIRED", "REQUESTED"])
def test_client_auth_without_trust_store_is_a_startup_error(kgate_factory, broker, pki, auth):
    from conftest import wait_exit

    gw = kgate_factory(broker.bootstrap, port_count=3, wait=False,
                       env=tls_gateway_env(pki, GATEWAY_SSL_CLIENT_AUTH=auth))
    require_gateway(gw, "configuration errors")
    rc, log = wait_exit(gw)
    assert rc not in (None, 0), f"kgate started with client auth {auth} and no trust store"
    assert "GATEWAY_SSL_TRUST_STORE_PATH" in log, log[-2000:]
