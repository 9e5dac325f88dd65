"""KIP-368 re-authentication with GATEWAY_AUTHENTICATION_CONNECTION_MAX_REAUTH_MS=5000.

SaslAuthenticate v1 returns session_lifetime_ms = min(token expiry, 5000). (A producer re-authenticating
on its own while it runs, on both legs, is test_kafka_reauth.py.) A raw client that never re-authenticates is
closed when its session expires ("session expired" in the log); one that re-authenticates as the
same principal keeps going; re-authenticating as someone else is refused.
"""
import time

import pytest

import kafka_wire as kw
import sasl_helpers as sh
from conftest import http_get, require_gateway, start_sasl_gateway, wait_gateway_log

MAX_REAUTH_MS = 5000


@pytest.fixture(scope="module")
def gw(module_gateways, broker, tmp_path_factory):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
        "GATEWAY_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "GATEWAY_AUTHENTICATION_CONNECTION_MAX_REAUTH_MS": str(MAX_REAUTH_MS),
    }
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "re-authentication")
    sh.create_service_account(g.http_port, "jdoe")
    sh.create_service_account(g.http_port, "alice")
    return g


def successes(gw):
    status, text = http_get(gw.http_port, "/metrics")
    return sh.metric_value(text, "kgate_authentications_total", mechanism="PLAIN", result="success") or 0


def login(s, user, token, cid=1):
    herr, _mechs, auth = sh.raw_sasl_login(s, "PLAIN", sh.plain_bytes(user, token), cid=cid)
    assert herr == 0
    return auth


def test_session_lifetime_is_capped(gw):
    long_token = sh.create_token(gw.http_port, "jdoe", 3600)
    with sh.connect(gw.port_start) as s:
        err, _msg, _b, lifetime = login(s, "jdoe", long_token)
    assert err == 0
    assert lifetime is not None and 0 < lifetime <= MAX_REAUTH_MS, f"session_lifetime_ms {lifetime}"
    assert lifetime >= MAX_REAUTH_MS - 1000, f"session_lifetime_ms {lifetime} far below the cap"

    short_token = sh.create_token(gw.http_port, "jdoe", 3)  # expires before the cap
    with sh.connect(gw.port_start) as s:
        err, _msg, _b, lifetime = login(s, "jdoe", short_token)
    assert err == 0
    assert 0 < lifetime <= 3000, f"session_lifetime_ms {lifetime} outlives the token (3 s)"


def test_session_expires_without_reauthentication(gw):
    token = sh.create_token(gw.http_port, "jdoe", 3600)
    with sh.connect(gw.port_start) as s:
        assert login(s, "jdoe", token)[0] == 0
        t0 = time.monotonic()
        cid = 10
        closed_at = None
        while time.monotonic() - t0 < 12:
            try:
                s.sendall(kw.api_versions_v0(cid))
                rcid, _ = kw.read_response(s)
                assert rcid == cid
            except (ConnectionError, OSError):
                closed_at = time.monotonic() - t0
                break
            cid += 1
            time.sleep(0.25)
    assert closed_at is not None, "connection still served 12 s after a 5 s session without re-authentication"
    assert MAX_REAUTH_MS / 1000 - 0.5 <= closed_at <= MAX_REAUTH_MS / 1000 + 3, f"closed after {closed_at:.1f} s"
    assert "session expired" in wait_gateway_log(gw, "session expired"), "no 'session expired' in kgate's log"


def test_reauthentication_extends_the_session(gw):
    token = sh.create_token(gw.http_port, "jdoe", 3600)
    with sh.connect(gw.port_start) as s:
        assert login(s, "jdoe", token)[0] == 0
        time.sleep(3)
        err, _m, _b, lifetime = login(s, "jdoe", token, cid=5)
        assert err == 0 and lifetime > 0, f"re-authentication as the same principal refused: {err}"
        time.sleep(4)  # 7 s after the first login, 4 s after the second
        s.sendall(kw.api_versions_v0(20))
        assert kw.read_response(s)[0] == 20, "re-authenticated connection closed at the first session's end"


def test_reauthentication_as_another_principal_is_refused(gw):
    jdoe = sh.create_token(gw.http_port, "jdoe", 3600)
    alice = sh.create_token(gw.http_port, "alice", 3600)
    with sh.connect(gw.port_start) as s:
        assert login(s, "jdoe", jdoe)[0] == 0
        try:
            err = login(s, "alice", alice, cid=5)[0]
        except (ConnectionError, OSError):
            err = "closed"
        assert err != 0, "re-authentication as a different principal was accepted"
        if err != "closed":
            assert err == sh.SASL_AUTHENTICATION_FAILED, f"refused with {err}, expected 58"
            assert sh.closed_within(s, 5), "connection kept after a refused principal change"
