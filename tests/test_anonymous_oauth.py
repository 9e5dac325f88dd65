"""Anonymous and OAuth clients on one listener, restricted with ACLs (reference 003).

One kgate on SASL_PLAINTEXT with OAUTHBEARER (a JWKS served here), GATEWAY_ALLOW_ANONYMOUS=true
and passthrough ACLs (GATEWAY_ACL_STORE_ENABLED=true). A topic exists on the broker.

- A client that does not authenticate (security.protocol=PLAINTEXT, same port) is User:ANONYMOUS:
  with no binding it lists no topic at all and cannot produce; a DESCRIBE binding for
  User:ANONYMOUS makes exactly that topic visible to it.
- An OAUTHBEARER client whose sub has DESCRIBE, READ and WRITE on `*` (bindings made by the
  admin API user through Kafka's Admin API) lists the topic, produces and consumes; a sub without
  bindings sees nothing; a sub in GATEWAY_SUPER_USERS needs no binding.
"""
import uuid

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient
from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                         ResourcePattern, ResourceType)

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import fresh_data_dir, gateway_log, require_gateway, start_sasl_gateway, wait_gateway_log
from vcluster_helpers import ck_listed, ck_produce_errors, kp_conf

ISSUER = "https://issuer.kgate.test/"
AUDIENCE = "kgate-anon"
SUFFIX = uuid.uuid4().hex[:6]
APP_SUB = f"app-{SUFFIX}"
NOBODY_SUB = f"nobody-{SUFFIX}"
ROOT_SUB = f"root-{SUFFIX}"
ANONYMOUS = {"security.protocol": "PLAINTEXT"}


@pytest.fixture(scope="module")
def key():
    return sh.RsaKey()


@pytest.fixture(scope="module")
def jwks(key):
    srv = sh.OAuthServer(keys=[key])
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def gw(module_gateways, broker, jwks):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_OAUTH_JWKS_URL": jwks.jwks_url,
        "GATEWAY_OAUTH_EXPECTED_ISSUER": ISSUER,
        "GATEWAY_OAUTH_EXPECTED_AUDIENCES": AUDIENCE,
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
        "GATEWAY_DATA_DIR": fresh_data_dir(),
        "GATEWAY_ALLOW_ANONYMOUS": "true",
        "GATEWAY_ACL_STORE_ENABLED": "true",
        "GATEWAY_SUPER_USERS": ROOT_SUB,
    }
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "anonymous clients on a SASL listener")
    return g


@pytest.fixture(scope="module")
def topic(broker):
    return broker.create_topic(f"anon-oauth-{SUFFIX}", partitions=1)


def oauth_conf(key, sub):
    token = sh.jwt(sh.oauth_claims(sub, ISSUER, AUDIENCE, lifetime=600), key=key)
    exp = float(sh.jwt_claims(token)["exp"])
    return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "OAUTHBEARER",
            "oauth_cb": lambda _config: (token, exp, sub)}


def create_bindings(gw, bindings):
    """As the admin API user (a LOCAL passthrough account with a token), through CreateAcls."""
    sh.create_service_account(gw.http_port, sh.ADMIN_USER)
    token = sh.create_token(gw.http_port, sh.ADMIN_USER)
    admin = KafkaAdminClient(bootstrap_servers=gw.bootstrap, request_timeout_ms=20000,
                             **kp_conf(sh.ADMIN_USER, token))
    try:
        result = admin.create_acls(bindings)
    finally:
        admin.close()
    assert result["failed"] == [] and len(result["succeeded"]) == len(bindings), result


def binding(principal, op, rtype, name):
    return ACL(principal, "*", op, ACLPermissionType.ALLOW,
               ResourcePattern(rtype, name, ACLResourcePatternType.LITERAL))


def all_topics(gw, conf):
    """Every topic name of a Metadata request for all topics, internal ones included."""
    return sorted(AdminClient(dict(conf, **{"bootstrap.servers": gw.bootstrap})).list_topics(timeout=15).topics)


def test_anonymous_without_bindings_sees_nothing(gw, topic):
    assert all_topics(gw, ANONYMOUS) == [], "an anonymous client without ACLs lists topics"
    errors, written = ck_produce_errors(gw.bootstrap, topic, ANONYMOUS)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, (errors, written)
    log = wait_gateway_log(gw, "served as User:ANONYMOUS")
    assert "served as User:ANONYMOUS" in log


def test_oauth_client_with_bindings(gw, key, topic):
    app, nobody = oauth_conf(key, APP_SUB), oauth_conf(key, NOBODY_SUB)
    assert ck_listed(gw.bootstrap, app) == [], "the OAuth client lists topics before any binding"
    create_bindings(gw, [binding(f"User:{APP_SUB}", op, ResourceType.TOPIC, "*")
                         for op in (ACLOperation.DESCRIBE, ACLOperation.READ, ACLOperation.WRITE)]
                    + [binding(f"User:{APP_SUB}", ACLOperation.READ, ResourceType.GROUP, f"g-{SUFFIX}")])
    assert topic in ck_listed(gw.bootstrap, app)
    ck_produce(gw.bootstrap, topic, 100, **app)
    check_indexed(ck_consume(gw.bootstrap, topic, 100, timeout=60, group=f"g-{SUFFIX}", **app), 100, 1)
    assert f"authenticated as User:{APP_SUB} (OAUTHBEARER)" in gateway_log(gw)

    # the bindings are the sub's alone: another sub and anonymous clients still see nothing
    assert all_topics(gw, nobody) == []
    assert all_topics(gw, ANONYMOUS) == []
    errors, written = ck_produce_errors(gw.bootstrap, topic, nobody)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, (errors, written)


def test_oauth_super_user_needs_no_binding(gw, key, topic):
    root = oauth_conf(key, ROOT_SUB)
    assert topic in ck_listed(gw.bootstrap, root)
    ck_produce(gw.bootstrap, topic, 10, start=1000, **root)


def test_anonymous_with_a_binding(gw, topic):
    create_bindings(gw, [binding("User:ANONYMOUS", ACLOperation.DESCRIBE, ResourceType.TOPIC, topic)])
    assert all_topics(gw, ANONYMOUS) == [topic], "DESCRIBE on one topic for User:ANONYMOUS"
    errors, written = ck_produce_errors(gw.bootstrap, topic, ANONYMOUS)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, \
        f"DESCRIBE alone let the anonymous client write: {errors} {written}"

