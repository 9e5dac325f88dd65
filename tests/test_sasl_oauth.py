"""SASL/OAUTHBEARER on the client side: tokens checked against a JWKS.

Keys and tokens are minted in the test (tests/sasl_helpers.py); the JWKS is served from a file
(file://) and from a local HTTP server (http://). Good RS256 and ES256 tokens log in through
confluent-kafka (`oauth_cb`) and kafka-python (`sasl_oauth_token_provider`); expired, wrong issuer,
wrong audience, unknown kid, `alg: none` and HS256 signed with the public key are refused with 58.
An unknown kid makes kgate fetch the JWKS again, so a key added at the server is picked up. An
EXTERNAL service account renames the token's `sub` in the log.
"""
import time
import uuid

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import http_get, require_gateway, start_sasl_gateway, wait_gateway_log

ISSUER = "https://issuer.kgate.test/"
AUDIENCES = ["kgate-a", "kgate-b"]


class Keys:
    def __init__(self):
        self.rsa = sh.RsaKey()
        self.ec = sh.EcKey()
        self.late = sh.RsaKey()  # added to the HTTP JWKS during a test
        self.stranger = sh.RsaKey()  # never published


@pytest.fixture(scope="module")
def keys():
    return Keys()


@pytest.fixture(scope="module")
def jwks_server(keys):
    srv = sh.OAuthServer(keys=[keys.rsa, keys.ec])
    yield srv
    srv.close()


def oauth_env(jwks_url, data_dir, audiences):
    return {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_OAUTH_JWKS_URL": jwks_url,
        "GATEWAY_OAUTH_EXPECTED_ISSUER": ISSUER,
        "GATEWAY_OAUTH_EXPECTED_AUDIENCES": audiences,
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_FAILED_AUTH_DELAY_MS": "50",
    }


@pytest.fixture(scope="module")
def http_gw(module_gateways, broker, jwks_server, tmp_path_factory):
    """JWKS over http://, audiences in the reference's `[a,b]` form."""
    env = oauth_env(jwks_server.jwks_url, tmp_path_factory.mktemp("data-http"), "[" + ",".join(AUDIENCES) + "]")
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "OAUTHBEARER")
    return g


@pytest.fixture(scope="module")
def file_gw(module_gateways, broker, keys, tmp_path_factory):
    """JWKS from a file://, audiences comma-separated."""
    d = tmp_path_factory.mktemp("jwks-file")
    url = sh.write_jwks(d / "jwks.json", [keys.rsa, keys.ec])
    env = oauth_env(url, tmp_path_factory.mktemp("data-file"), ",".join(AUDIENCES))
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "OAUTHBEARER")
    return g


def token_for(key, sub=None, aud=AUDIENCES[0], iss=ISSUER, lifetime=600, **kw):
    sub = sub or f"user-{uuid.uuid4().hex[:6]}"
    return sh.jwt(sh.oauth_claims(sub, iss, aud, lifetime), key=key, **kw)


def ck_oauth_conf(token):
    claims = sh.jwt_claims(token)

    def cb(_config):
        return token, float(claims["exp"]), claims.get("sub", "unknown")

    return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "OAUTHBEARER", "oauth_cb": cb}


def raw_oauth(gw, token):
    """Raw OAUTHBEARER login; returns (error, session_lifetime_ms, closed_after)."""
    with sh.connect(gw.port_start) as s:
        herr, mechs, auth = sh.raw_sasl_login(s, "OAUTHBEARER", sh.oauthbearer_bytes(token))
        assert herr == 0, f"SaslHandshake OAUTHBEARER refused: {herr} {mechs}"
        closed = sh.closed_within(s, 5) if auth[0] != 0 else None
        return auth[0], auth[3], closed


@pytest.mark.parametrize("which", ["http", "file"])
@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_good_tokens_confluent(request, which, alg, keys, broker):
    gw = request.getfixturevalue(f"{which}_gw")
    key = keys.rsa if alg == "RS256" else keys.ec
    sub = f"svc-{alg.lower()}-{which}"
    token = token_for(key, sub=sub, aud=AUDIENCES[1])
    err, lifetime, _ = raw_oauth(gw, token)
    assert err == 0, f"good {alg} token refused with {err}"
    assert lifetime is not None and 0 < lifetime <= 600_000 + 1000, f"session_lifetime_ms {lifetime}"

    topic = broker.create_topic(partitions=1)
    ck_produce(gw.bootstrap, topic, 200, **ck_oauth_conf(token))
    check_indexed(ck_consume(gw.bootstrap, topic, 200, timeout=60, **ck_oauth_conf(token)), 200, 1)
    log = wait_gateway_log(gw, f"authenticated as User:{sub} (OAUTHBEARER)")
    assert f"authenticated as User:{sub} (OAUTHBEARER)" in log
    assert token.split(".")[2] not in log, "the token's signature is in kgate's log"


def test_good_token_kafka_python(http_gw, keys, broker):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.net.sasl.oauth import AbstractTokenProvider

    token = token_for(keys.ec, sub="kp-user")

    class Provider(AbstractTokenProvider):
        def token(self):
            return token

    conf = dict(bootstrap_servers=http_gw.bootstrap, security_protocol="SASL_PLAINTEXT",
                sasl_mechanism="OAUTHBEARER", sasl_oauth_token_provider=Provider())
    topic = broker.create_topic(partitions=1)
    prod = KafkaProducer(**conf)
    for i in range(200):
        prod.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=0)
    prod.flush(30)
    prod.close()
    cons = KafkaConsumer(auto_offset_reset="earliest", enable_auto_commit=False, **conf)
    cons.assign([TopicPartition(topic, 0)])
    got, deadline = [], time.time() + 60
    while len(got) < 200 and time.time() < deadline:
        for _tp, msgs in cons.poll(timeout_ms=1000).items():
            got += [(m.partition, m.offset, m.key, m.value) for m in msgs]
    cons.close()
    check_indexed(got, 200, 1)
    assert "authenticated as User:kp-user (OAUTHBEARER)" in wait_gateway_log(http_gw, "User:kp-user")


def bad_cases(keys):
    now = int(time.time())
    return [
        ("expired", token_for(keys.rsa, sub="expired-user", lifetime=-120)),
        ("wrong-issuer", token_for(keys.rsa, sub="bad-iss", iss="https://evil.test/")),
        ("wrong-audience", token_for(keys.ec, sub="bad-aud", aud="somebody-else")),
        ("unknown-kid", token_for(keys.stranger, sub="stranger")),
        ("known-kid-wrong-key", token_for(keys.stranger, sub="impostor", kid=keys.rsa.kid)),
        ("alg-none", sh.jwt(sh.oauth_claims("none-user", ISSUER, AUDIENCES[0]), alg="none", kid=keys.rsa.kid)),
        ("hs256-public-key", sh.jwt(sh.oauth_claims("hmac-user", ISSUER, AUDIENCES[0]), alg="HS256",
                                    kid=keys.rsa.kid, hmac_secret=keys.rsa.public_pem())),
        ("not-yet-valid", sh.jwt(dict(sh.oauth_claims("future", ISSUER, AUDIENCES[0]), nbf=now + 600,
                                      iat=now + 600), key=keys.rsa)),
    ]


@pytest.mark.parametrize("which", ["http", "file"])
def test_bad_tokens_refused(request, which, keys):
    gw = request.getfixturevalue(f"{which}_gw")
    for label, token in bad_cases(keys):
        err, _lifetime, closed = raw_oauth(gw, token)
        assert err == sh.SASL_AUTHENTICATION_FAILED, f"{label}: SaslAuthenticate answered {err}, not 58"
        assert closed, f"{label}: connection kept open after a failed authentication"
    # librdkafka sees an authentication error for one of them, and never metadata. Not the
    # expired one: librdkafka refuses to send an expired token at all ("OAuth token not set").
    errors = []
    wrong_issuer = dict(bad_cases(keys))["wrong-issuer"]
    admin = AdminClient(dict(ck_oauth_conf(wrong_issuer),
                             **{"bootstrap.servers": gw.bootstrap, "error_cb": errors.append}))
    with pytest.raises(Exception):
        admin.list_topics(timeout=6)
    admin.poll(0.5)
    assert KafkaError._AUTHENTICATION in [e.code() for e in errors], f"librdkafka errors: {errors}"
    log = gw.proc.log_path.read_text(errors="replace")
    assert "(OAUTHBEARER)" in log and "authentication failed for" in log, "no failure lines in the log"
    assert gw.proc.alive() and http_get(gw.http_port, "/health/live")[0] == 200
    assert raw_oauth(gw, token_for(keys.rsa))[0] == 0, "a good token no longer works"


def test_unknown_kid_refreshes_jwks(http_gw, jwks_server, keys):
    token = token_for(keys.late, sub="late-user")
    hits = jwks_server.hits.get("/jwks.json", 0)
    assert raw_oauth(http_gw, token)[0] == sh.SASL_AUTHENTICATION_FAILED, "a kid not in the JWKS was accepted"
    assert jwks_server.hits.get("/jwks.json", 0) > hits, "an unknown kid did not make kgate fetch the JWKS again"
    jwks_server.keys.append(keys.late)
    # kgate may rate-limit refreshes; the new key must be picked up within a few seconds
    deadline = time.time() + 15
    err = None
    while time.time() < deadline:
        err = raw_oauth(http_gw, token)[0]
        if err == 0:
            break
        time.sleep(1)
    assert err == 0, "a key added to the JWKS was not picked up after an unknown kid"
    assert "authenticated as User:late-user (OAUTHBEARER)" in wait_gateway_log(http_gw, "User:late-user")


def test_external_service_account_renames_sub(http_gw, keys):
    sub = f"0oa{uuid.uuid4().hex[:12]}"  # an opaque IdP subject
    sh.create_service_account(http_gw.http_port, "billing-app", kind="EXTERNAL", external_names=[sub])
    err, _, _ = raw_oauth(http_gw, token_for(keys.rsa, sub=sub))
    assert err == 0
    log = wait_gateway_log(http_gw, "authenticated as User:billing-app (OAUTHBEARER)")
    assert "authenticated as User:billing-app (OAUTHBEARER)" in log, \
        f"the EXTERNAL service account did not rename {sub}"
    assert f"authenticated as User:{sub} " not in log, "the raw sub was logged as the principal"
