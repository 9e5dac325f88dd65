"""SASL_SSL: TLS towards clients and SASL PLAIN with gateway tokens on the same listener. Each
half has its own suite; this checks they compose: the TLS handshake first, then SASL inside it,
and a bad token still refused over TLS."""
import pytest
from confluent_kafka.admin import AdminClient

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import require_gateway, start_sasl_gateway, tls_gateway_env, wait_gateway_log
from tls_certs import ck_tls

N = 500


@pytest.fixture(scope="module")
def gw(module_gateways, broker, pki, sasl_data_dir):
    env = dict(
        tls_gateway_env(pki),
        GATEWAY_SECURITY_PROTOCOL="SASL_SSL",
        GATEWAY_USER_POOL_SECRET_KEY=sh.new_user_pool_key(),
        GATEWAY_ADMIN_API_USERS=sh.ADMIN_API_USERS,
        GATEWAY_DATA_DIR=str(sasl_data_dir),
    )
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "SASL_SSL on the client side")
    sh.create_service_account(g.http_port, "tls-user")
    return g


def sasl_ssl_conf(pki, user, password):
    return ck_tls(pki, **{"security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN",
                          "sasl.username": user, "sasl.password": password})


def test_plain_token_over_tls_produces_and_consumes(gw, broker, pki):
    token = sh.create_token(gw.http_port, "tls-user")
    topic = broker.create_topic(partitions=2)
    conf = sasl_ssl_conf(pki, "tls-user", token)
    ck_produce(gw.bootstrap, topic, N, partitions=2, **conf)
    check_indexed(ck_consume(gw.bootstrap, topic, N, timeout=60, **conf), N, 2)
    log = wait_gateway_log(gw, "authenticated as User:tls-user (PLAIN)")
    assert "TLS established" in log, "the TLS handshake was not logged before SASL"
    assert "authenticated as User:tls-user (PLAIN)" in log
    assert token not in log, "the token reached the log"


def test_bad_token_over_tls_is_refused(gw, pki):
    errors = []
    admin = AdminClient(dict(sasl_ssl_conf(pki, "tls-user", "not-a-token"),
                             **{"bootstrap.servers": gw.bootstrap, "error_cb": errors.append}))
    with pytest.raises(Exception):
        admin.list_topics(timeout=6)
    admin.poll(0.5)
    assert any("Authentication" in str(e) or e.code() == -169 for e in errors), f"librdkafka errors: {errors}"
    assert "authentication failed for tls-user (PLAIN)" in wait_gateway_log(gw, "authentication failed for tls-user")
