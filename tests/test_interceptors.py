"""Interceptors on the data path, with real clients through a SASL gateway on Apache Kafka: scope
precedence (the same interceptor name deployed globally, for a virtual cluster, a group and a
user: what /interceptor/resolve answers is what each principal's traffic meets), and each
plugin acting where it applies and not elsewhere, with the error code and message the client sees.
"""
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

import sasl_helpers as sh
from conftest import require_gateway, start_sasl_gateway
from vcluster_helpers import ck_conf, ck_produce_errors, put_vcluster, tenant_account

IC = "/gateway/v2/interceptor"
PKG = "io.conduktor.gateway.interceptor."
TOPIC_AUTHORIZATION_FAILED = 29
POLICY_VIOLATION = 44


@pytest.fixture(scope="module")
def gw(module_gateways, broker):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
    }
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "interceptors")
    return g


def deploy(gw, name, plugin, config, scope="absent", priority=100):
    metadata = {"name": name}
    if scope != "absent":
        metadata["scope"] = scope
    body = {"kind": "Interceptor", "apiVersion": "gateway/v2", "metadata": metadata,
            "spec": {"pluginClass": PKG + plugin, "priority": priority, "config": config}}
    status, reply = sh.admin_call(gw.http_port, "PUT", IC, body)
    assert status == 200, reply


def remove(gw, name, scope=None):
    status, reply = sh.admin_call(gw.http_port, "DELETE", f"{IC}/{name}", scope)
    assert status == 204, reply


def create_physical(broker, *names, partitions=1):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for fut in admin.create_topics([NewTopic(n, partitions, 1) for n in names]).values():
        fut.result(30)
    deadline = time.time() + 30
    while True:
        md = admin.list_topics(timeout=10)
        if all(n in md.topics and md.topics[n].error is None for n in names):
            return
        assert time.time() < deadline, f"topics {names} not ready"
        time.sleep(0.2)


def test_scope_precedence_resolve_and_traffic_agree(gw, broker):
    suffix = uuid.uuid4().hex[:6]
    vc = f"vc-ic-{suffix}"
    put_vcluster(gw.http_port, vc, prefix=f"{vc}.")
    users = {}
    for user, vcluster in [("alice", "passthrough"), ("bob", "passthrough"), ("carol", "passthrough"),
                           ("erin", vc)]:
        users[user] = (vcluster, *tenant_account(gw.http_port, vcluster, f"{user}-{suffix}"))
    status, reply = sh.admin_call(gw.http_port, "PUT", "/gateway/v2/group", {
        "kind": "GatewayGroup", "apiVersion": "gateway/v2", "metadata": {"name": f"ops-{suffix}"},
        "spec": {"members": [{"name": f"carol-{suffix}"}]}})
    assert status == 200, reply
    name = f"ro-{suffix}"
    topics = {w: f"{w}-{suffix}" for w in ("global", "vc", "group", "user")}
    plugin = "safeguard.ReadOnlyTopicPolicyPlugin"
    deploy(gw, name, plugin, {"topic": topics["global"]}, scope={"vCluster": None, "group": None, "username": None})
    deploy(gw, name, plugin, {"topic": topics["vc"]}, scope={"vCluster": vc})
    deploy(gw, name, plugin, {"topic": topics["group"]}, scope={"group": f"ops-{suffix}"})
    deploy(gw, name, plugin, {"topic": topics["user"]}, scope={"username": f"bob-{suffix}"})
    create_physical(broker, *topics.values(), *(f"{vc}.{t}" for t in topics.values()))
    expected = {"alice": "global", "bob": "user", "carol": "group", "erin": "vc"}
    try:
        for who, (vcluster, user, token) in users.items():
            status, resolved = sh.admin_call(gw.http_port, "POST", f"{IC}/resolve",
                                             {"vCluster": vcluster, "username": user})
            assert status == 200, resolved
            mine = [i for i in resolved if i["metadata"]["name"] == name]
            assert [i["spec"]["config"]["topic"] for i in mine] == [topics[expected[who]]], (who, resolved)
            for which, topic in topics.items():
                errors, written = ck_produce_errors(gw.bootstrap, topic, ck_conf(user, token), n=2)
                if which == expected[who]:
                    assert (errors, written) == ([TOPIC_AUTHORIZATION_FAILED] * 2, 0), (who, topic)
                else:
                    assert (errors, written) == ([], 2), (who, topic, errors)
    finally:
        for scope in [{"vCluster": None, "group": None, "username": None}, {"vCluster": vc},
                      {"group": f"ops-{suffix}"}, {"username": f"bob-{suffix}"}]:
            remove(gw, name, scope)


def group_client_ids(broker, group):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    desc = admin.describe_consumer_groups([group])[group].result(20)
    return {m.client_id for m in desc.members}


def test_client_id_convention_blocks_or_overrides(gw, broker):
    suffix = uuid.uuid4().hex[:6]
    _, user, token = ("passthrough", *tenant_account(gw.http_port, "passthrough", f"cid-{suffix}"))
    topic = f"cid-{suffix}"
    create_physical(broker, topic)
    name = f"cid-{suffix}"
    scope = {"username": user}
    deploy(gw, name, "safeguard.ClientIdRequiredPolicyPlugin",
           {"namingConvention": "app-.*", "action": "BLOCK"}, scope=scope)
    try:
        conf = dict(ck_conf(user, token), **{"client.id": "rogue"})
        errors, written = ck_produce_errors(gw.bootstrap, topic, conf, n=1)
        assert written == 0 and errors, errors
        good = dict(ck_conf(user, token), **{"client.id": "app-orders"})
        assert ck_produce_errors(gw.bootstrap, topic, good, n=1) == ([], 1)
        # OVERRIDE: the broker sees the templated id (the group's member shows it)
        deploy(gw, name, "safeguard.ClientIdRequiredPolicyPlugin",
               {"namingConvention": "app-.*", "action": "OVERRIDE", "clientIdTemplate": "app-{{user}}"},
               scope=scope)
        group = f"g-{suffix}"
        c = Consumer(dict(ck_conf(user, token), **{"bootstrap.servers": gw.bootstrap, "group.id": group,
                                                   "client.id": "rogue", "auto.offset.reset": "earliest"}))
        try:
            c.subscribe([topic])
            deadline = time.time() + 30
            while not c.assignment() and time.time() < deadline:
                c.poll(0.5)
            assert c.assignment(), "the consumer never joined"
            assert group_client_ids(broker, group) == {f"app-{user}"}
        finally:
            c.close()
    finally:
        remove(gw, name, scope)
