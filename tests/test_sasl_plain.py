"""SASL/PLAIN on the client side: service accounts and tokens from kgate's admin API.

The reference's own flow over real HTTP (PUT service-account jdoe, POST token, then clients log
in with username=jdoe, password=<token>); bad tokens of every kind are refused with
SASL_AUTHENTICATION_FAILED (58) after GATEWAY_FAILED_AUTH_DELAY_MS, and the connection is closed;
nothing but ApiVersions/SaslHandshake/SaslAuthenticate is accepted before authentication, and no
frame above 512 KiB; tokens never reach the log.
"""
import base64
import hashlib
import hmac
import socket
import struct
import time

import pytest
from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient

import kafka_wire as kw
import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import HOST, gateway_log, http_get, require_gateway, start_sasl_gateway, wait_gateway_log

FAILED_DELAY_MS = 300
N = 1000


@pytest.fixture(scope="module")
def pool_key():
    return sh.new_user_pool_key()


@pytest.fixture(scope="module")
def gw(module_gateways, broker, pool_key, sasl_data_dir):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_USER_POOL_SECRET_KEY": pool_key,
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
        "GATEWAY_DATA_DIR": str(sasl_data_dir),
        "GATEWAY_FAILED_AUTH_DELAY_MS": str(FAILED_DELAY_MS),
    }
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "SASL on the client side")
    sh.create_service_account(g.http_port, "jdoe")
    sh.create_service_account(g.http_port, "alice")
    return g


def plain_conf(user, password):
    return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
            "sasl.username": user, "sasl.password": password}


def hmac_key_of(token, pool_key):
    """Which bytes sign kgate's tokens: the base64-decoded pool key or its text. Asserts one does."""
    head, payload, sig = token.split(".")
    for key in (base64.b64decode(pool_key), pool_key.encode()):
        mac = hmac.new(key, f"{head}.{payload}".encode(), hashlib.sha256).digest()
        if sh.b64url(mac) == sig:
            return key
    pytest.fail("the admin API's token is not HS256-signed with GATEWAY_USER_POOL_SECRET_KEY "
                "(neither its base64-decoded bytes nor its text verify the signature)")


def ck_auth_errors(bootstrap, conf, wait=8.0):
    """Start a librdkafka client with `conf`; returns (metadata or None, [KafkaError...])."""
    errors = []
    admin = AdminClient(dict(conf, **{"bootstrap.servers": bootstrap, "error_cb": errors.append,
                                      "reconnect.backoff.ms": 1000, "reconnect.backoff.max.ms": 1000}))
    md = None
    try:
        md = admin.list_topics(timeout=wait)
    except Exception as e:  # KafkaException: the metadata request timed out
        errors.append(e.args[0] if e.args else e)
    admin.poll(0.5)
    return md, errors


def assert_kgate_healthy(gw, token):
    assert gw.proc.alive(), "kgate died"
    assert http_get(gw.http_port, "/health/live")[0] == 200
    md, errors = ck_auth_errors(gw.bootstrap, plain_conf("jdoe", token))
    assert md is not None and md.brokers, f"a good client cannot use kgate any more: {errors}"


def test_reference_flow_confluent_and_kafka_python(gw, broker):
    token = sh.create_token(gw.http_port, "jdoe", 3600)
    claims, header = sh.jwt_claims(token), sh.jwt_header(token)
    assert header.get("alg") == "HS256", header
    assert claims.get("username") == "jdoe" and claims.get("vcluster") == "passthrough", claims
    assert abs(claims["exp"] - (time.time() + 3600)) < 120, f"exp {claims['exp']} is not now + 3600 s"

    topic = broker.create_topic(partitions=3)
    conf = plain_conf("jdoe", token)
    ck_produce(gw.bootstrap, topic, N, partitions=3, **conf)
    got = ck_consume(gw.bootstrap, topic, N, timeout=60, **conf)
    check_indexed(got, N, 3)

    # kafka-python: the same account and token
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    kp_conf = dict(bootstrap_servers=gw.bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                   sasl_plain_username="jdoe", sasl_plain_password=token)
    prod = KafkaProducer(linger_ms=5, **kp_conf)
    futs = [prod.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=i % 3)
            for i in range(N, 2 * N)]
    prod.flush(60)
    for f in futs:
        f.get(timeout=30)
    prod.close()
    cons = KafkaConsumer(auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=2000, **kp_conf)
    cons.assign([TopicPartition(topic, p) for p in range(3)])
    records = []
    deadline = time.time() + 60
    while len(records) < 2 * N and time.time() < deadline:
        for tp, msgs in cons.poll(timeout_ms=1000).items():
            records += [(m.partition, m.offset, m.key, m.value) for m in msgs]
    cons.close()
    check_indexed(records, 2 * N, 3)

    log = wait_gateway_log(gw, "authenticated as User:jdoe (PLAIN)")
    assert "authenticated as User:jdoe (PLAIN)" in log, "no 'authenticated as User:jdoe (PLAIN)' in kgate's log"
    assert token not in log, "the token is in kgate's log"
    assert token.split(".")[2] not in log, "the token's signature is in kgate's log"
    status, metrics = http_get(gw.http_port, "/metrics")
    ok = sh.metric_value(metrics, "kgate_authentications_total", mechanism="PLAIN", result="success")
    assert ok is not None and ok >= 4, f"kgate_authentications_total success = {ok}"


def bad_tokens(gw, pool_key):
    """(label, username, password) for every way a PLAIN login must fail."""
    good = sh.create_token(gw.http_port, "jdoe", 3600)
    key = hmac_key_of(good, pool_key)
    now = int(time.time())
    alice = sh.create_token(gw.http_port, "alice", 3600)
    return [
        ("wrong", "jdoe", "wrong-password-not-a-jwt"),
        ("tampered", "jdoe", good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")),
        ("expired", "jdoe", sh.jwt({"username": "jdoe", "vcluster": "passthrough", "exp": now - 3600},
                                   hmac_secret=key)),
        ("foreign-key", "jdoe", sh.jwt({"username": "jdoe", "vcluster": "passthrough", "exp": now + 3600},
                                       hmac_secret=base64.b64decode(sh.new_user_pool_key()))),
        ("other-user", "jdoe", alice),
        ("no-such-account", "ghost", sh.jwt({"username": "ghost", "vcluster": "passthrough", "exp": now + 3600},
                                            hmac_secret=key)),
    ]


def test_bad_tokens_are_refused(gw, pool_key):
    cases = bad_tokens(gw, pool_key)
    _, before = http_get(gw.http_port, "/metrics")
    failures_before = sh.metric_value(before, "kgate_authentications_total", mechanism="PLAIN", result="failure") or 0
    for label, user, password in cases:
        # librdkafka: an authentication error, never metadata
        md, errors = ck_auth_errors(gw.bootstrap, plain_conf(user, password))
        assert md is None, f"{label}: librdkafka got metadata with a bad token"
        codes = [e.code() for e in errors if isinstance(e, KafkaError)]
        assert KafkaError._AUTHENTICATION in codes, f"{label}: librdkafka errors {errors}"
        assert any("authentication" in e.str().lower() for e in errors if isinstance(e, KafkaError)), errors

        # raw frames: exactly error 58, then the connection is closed
        with sh.connect(gw.port_start) as s:
            herr, mechs, auth = sh.raw_sasl_login(s, "PLAIN", sh.plain_bytes(user, password))
            assert herr == 0, f"{label}: SaslHandshake PLAIN refused ({herr}, {mechs})"
            assert auth[0] == sh.SASL_AUTHENTICATION_FAILED, f"{label}: SaslAuthenticate answered {auth}"
            assert sh.closed_within(s, 5), f"{label}: connection still open after a failed authentication"

        log = wait_gateway_log(gw, f"authentication failed for {user} (PLAIN)")
        assert f"authentication failed for {user} (PLAIN)" in log, f"{label}: no failure line for {user}"
        assert password not in log, f"{label}: the password/token is in kgate's log"
    assert_kgate_healthy(gw, sh.create_token(gw.http_port, "jdoe", 600))
    _, after = http_get(gw.http_port, "/metrics")
    failures = sh.metric_value(after, "kgate_authentications_total", mechanism="PLAIN", result="failure")
    assert failures is not None and failures >= failures_before + 2 * len(cases), \
        f"kgate_authentications_total failure went from {failures_before} to {failures}"


def test_failed_attempt_is_delayed(gw):
    token = sh.create_token(gw.http_port, "jdoe", 600)
    for user, password, ok in (("jdoe", "not-the-token", False), ("jdoe", token, True)):
        with sh.connect(gw.port_start) as s:
            s.sendall(sh.sasl_handshake_v1(1, "PLAIN"))
            assert sh.parse_sasl_handshake(kw.read_response(s)[1])[0] == 0
            t0 = time.monotonic()
            s.sendall(sh.sasl_authenticate(2, sh.plain_bytes(user, password)))
            err = sh.parse_sasl_authenticate(kw.read_response(s)[1])[0]
            took = time.monotonic() - t0
        print(f"{'good' if ok else 'bad'} login answered in {took * 1000:.0f} ms")
        if ok:
            assert err == 0, f"good token refused with {err}"
        else:
            assert err == sh.SASL_AUTHENTICATION_FAILED
            assert took >= FAILED_DELAY_MS / 1000 - 0.01, \
                f"failure answered after {took * 1000:.0f} ms < GATEWAY_FAILED_AUTH_DELAY_MS={FAILED_DELAY_MS}"


@pytest.mark.parametrize("what", ["metadata", "produce"])
def test_requests_before_authentication_close(gw, what):
    with sh.connect(gw.port_start) as s:
        s.sendall(kw.api_versions_v0(1))
        cid, body = kw.read_response(s)
        err, keys = kw.parse_api_versions(body, 0)
        assert cid == 1 and err == 0, "ApiVersions must be answered before authentication"
        assert sh.API_SASL_HANDSHAKE in keys and sh.API_SASL_AUTHENTICATE in keys, \
            f"ApiVersions of a SASL listener lacks SaslHandshake/SaslAuthenticate: {sorted(keys)}"
        if what == "metadata":
            s.sendall(kw.metadata_v1(2))
        else:
            s.sendall(kw.produce_v3(2, "anything", 0, kw.record_batch([(b"k", b"v")])))
        s.settimeout(5)
        try:
            data = s.recv(65536)
        except (ConnectionResetError, socket.timeout) as e:
            data = e
        assert data == b"" or isinstance(data, ConnectionResetError), \
            f"{what} before authentication was not answered by a close: {data!r}"


def test_big_frame_before_authentication_closes(gw):
    size = 600 * 1024
    payload = kw.header_v1(sh.API_SASL_AUTHENTICATE, 1, 1) + struct.pack(">i", size)
    payload += b"\0" * (size - len(payload))
    with sh.connect(gw.port_start) as s:
        s.sendall(sh.sasl_handshake_v1(0, "PLAIN"))
        assert sh.parse_sasl_handshake(kw.read_response(s)[1])[0] == 0
        try:
            s.sendall(kw.frame(payload))
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while we were still sending: what we want
        assert sh.closed_within(s, 5), "a 600 KiB frame before authentication did not close the connection"

    # the 512 KiB cap is for unauthenticated connections only: after login a 600 KiB record passes
    token = sh.create_token(gw.http_port, "jdoe", 600)
    topic = f"big-{int(time.time() * 1000)}"
    from conftest import create_topic

    create_topic(gw.backend_bootstrap, topic, 1)
    with sh.connect(gw.port_start) as s:
        _, _, auth = sh.raw_sasl_login(s, "PLAIN", sh.plain_bytes("jdoe", token))
        assert auth[0] == 0, f"good login refused: {auth}"
        s.sendall(kw.produce_v3(9, topic, 0, kw.record_batch([(b"big", b"x" * size)])))
        cid, body = kw.read_response(s)
        assert cid == 9 and kw.parse_produce_v3(body)[0][2] == 0, "600 KiB produce after login failed"
