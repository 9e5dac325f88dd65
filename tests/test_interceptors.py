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


def passthrough_user(gw, prefix):
    suffix = uuid.uuid4().hex[:6]
    _, user, token = ("passthrough", *tenant_account(gw.http_port, "passthrough", f"{prefix}-{suffix}"))
    return suffix, user, ck_conf(user, token)


def admin_for(gw, conf):
    return AdminClient(dict(conf, **{"bootstrap.servers": gw.bootstrap}))


def create_error(admin, topic):
    """None, or (error code, message) of creating `topic`."""
    try:
        admin.create_topics([topic], operation_timeout=20)[topic.topic].result(30)
        return None
    except Exception as e:  # confluent_kafka.KafkaException
        err = e.args[0]
        return err.code(), err.str()


def test_create_topic_policy_blocks_overrides_and_leaves_other_topics(gw, broker):
    suffix, user, conf = passthrough_user(gw, "ctp")
    name, scope = f"ctp-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.CreateTopicPolicyPlugin", {
        "topic": f"guarded-{suffix}-.*",
        "numPartition": {"min": 1, "max": 3, "action": "BLOCK"},
        "replicationFactor": {"max": 1, "action": "OVERRIDE", "overrideValue": 1},
        "retentionMs": {"max": 86400000, "action": "BLOCK"},
    }, scope=scope)
    admin = admin_for(gw, conf)
    try:
        code, message = create_error(admin, NewTopic(f"guarded-{suffix}-big", 100, 1))
        assert code == POLICY_VIOLATION, message
        assert "Request parameters do not satisfy the configured policy" in message, message
        assert f"guarded-{suffix}-big" in message and "100" in message and "3" in message, message
        code, message = create_error(admin, NewTopic(f"guarded-{suffix}-long", 1, 1,
                                                     config={"retention.ms": "999999999"}))
        assert code == POLICY_VIOLATION and "retention.ms" in message, message
        # within the policy, and a topic the policy does not cover
        assert create_error(admin, NewTopic(f"guarded-{suffix}-ok", 3, 1)) is None
        assert create_error(admin, NewTopic(f"free-{suffix}", 100, 1)) is None
        md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10).topics
        assert f"guarded-{suffix}-big" not in md and f"guarded-{suffix}-ok" in md
        assert len(md[f"free-{suffix}"].partitions) == 100
    finally:
        remove(gw, name, scope)


def test_produce_policy_requires_acks_all(gw, broker):
    suffix, user, conf = passthrough_user(gw, "pp")
    topic = f"pp-{suffix}"
    create_physical(broker, topic)
    name, scope = f"pp-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.ProducePolicyPlugin",
           {"acks": {"value": [-1], "action": "BLOCK"}}, scope=scope)
    try:
        errors, written = ck_produce_errors(gw.bootstrap, topic, dict(conf, acks="1"), n=2)
        assert (errors, written) == ([POLICY_VIOLATION] * 2, 0), errors
        assert ck_produce_errors(gw.bootstrap, topic, dict(conf, acks="all"), n=2) == ([], 2)
        # INFO: logged, not refused
        deploy(gw, name, "safeguard.ProducePolicyPlugin",
               {"acks": {"value": [-1], "action": "INFO"}}, scope=scope)
        assert ck_produce_errors(gw.bootstrap, topic, dict(conf, acks="1"), n=2) == ([], 2)
    finally:
        remove(gw, name, scope)
    status, text = sh.admin_call(gw.http_port, "GET", "/metrics")
    assert 'kgate_interceptor_decisions_total{plugin="ProducePolicyPlugin",action="BLOCK"}' in str(text)


def test_consumer_group_policy_refuses_group_names(gw, broker):
    suffix, user, conf = passthrough_user(gw, "cgp")
    topic = f"cgp-{suffix}"
    create_physical(broker, topic)
    name, scope = f"cgp-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.ConsumerGroupPolicyPlugin",
           {"groupId": {"value": "team-.*", "action": "BLOCK"}}, scope=scope)
    errors = []
    try:
        c = Consumer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "group.id": f"rogue-{suffix}",
                                   "error_cb": lambda e: errors.append(e)}))
        try:
            c.subscribe([topic])
            deadline = time.time() + 20
            while not c.assignment() and time.time() < deadline:
                msg = c.poll(0.5)
                if msg is not None and msg.error():
                    errors.append(msg.error())
            assert not c.assignment(), "a group outside the convention joined"
        finally:
            c.close()
        good = Consumer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "group.id": f"team-{suffix}"}))
        try:
            good.subscribe([topic])
            deadline = time.time() + 30
            while not good.assignment() and time.time() < deadline:
                good.poll(0.5)
            assert good.assignment(), "a group within the convention did not join"
        finally:
            good.close()
    finally:
        remove(gw, name, scope)


def test_read_only_topic_refuses_config_changes_and_deletes(gw, broker):
    from confluent_kafka.admin import ConfigResource, ResourceType

    suffix, user, conf = passthrough_user(gw, "rot")
    ro, rw = f"ro-{suffix}", f"rw-{suffix}"
    create_physical(broker, ro, rw)
    name, scope = f"rot-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.ReadOnlyTopicPolicyPlugin", {"topic": "ro-.*"}, scope=scope)
    admin = admin_for(gw, conf)
    try:
        futures = admin.delete_topics([ro, rw], operation_timeout=20)
        with pytest.raises(Exception) as refused:
            futures[ro].result(30)
        assert refused.value.args[0].code() == TOPIC_AUTHORIZATION_FAILED
        futures[rw].result(30)
        res = ConfigResource(ResourceType.TOPIC, ro, set_config={"retention.ms": "1000"})
        with pytest.raises(Exception) as refused:
            admin.alter_configs([res])[res].result(30)
        assert refused.value.args[0].code() == TOPIC_AUTHORIZATION_FAILED
        assert ro in AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10).topics
    finally:
        remove(gw, name, scope)


def produce_timed(bootstrap, topic, conf, n, size, seconds_cap=60):
    """Produce n records of `size` bytes with an idempotent producer; (seconds, errors)."""
    from confluent_kafka import Producer

    errors = []
    p = Producer(dict(conf, **{"bootstrap.servers": bootstrap, "enable.idempotence": True,
                               "linger.ms": 5, "batch.size": 16384}))
    start = time.time()
    for i in range(n):
        while True:
            try:
                p.produce(topic, key=str(i).encode(), value=b"x" * size,
                          on_delivery=lambda e, m: e and errors.append(e.code()))
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    left = p.flush(seconds_cap)
    return time.time() - start, errors, left


def end_offset(broker, topic):
    from confluent_kafka import TopicPartition

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:6]}"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
    finally:
        c.close()


def test_producer_rate_limit_slows_one_principal_and_loses_nothing(gw, broker):
    suffix, user, conf = passthrough_user(gw, "rate")
    _, other, other_conf = passthrough_user(gw, "free")
    topic = f"rate-{suffix}"
    create_physical(broker, topic)
    name, scope = f"rate-{suffix}", {"username": user}
    rate = 100_000
    deploy(gw, name, "safeguard.ProducerRateLimitingPolicyPlugin", {"maximumBytesPerSecond": rate},
           scope=scope)
    try:
        n, size = 2000, 1000  # ~2 MB: 20 s at the limit
        seconds, errors, left = produce_timed(gw.bootstrap, topic, conf, n, size)
        assert (errors, left) == ([], 0)
        achieved = n * size / seconds
        # within 20% of the limit (request overhead counts towards it, so not above 1.2x)
        assert 0.8 * rate <= achieved <= 1.2 * rate, f"{achieved:.0f} B/s for a limit of {rate}"
        assert end_offset(broker, topic) == n
        # another principal is not slowed
        seconds, errors, left = produce_timed(gw.bootstrap, topic, other_conf, n, size)
        assert (errors, left) == ([], 0)
        assert n * size / seconds > 3 * rate, f"{n * size / seconds:.0f} B/s: the other principal was slowed"
    finally:
        remove(gw, name, scope)


def test_broken_brokers_at_30_percent_lose_and_duplicate_nothing(gw, broker):
    suffix, user, conf = passthrough_user(gw, "chaos")
    topic = f"chaos-{suffix}"
    create_physical(broker, topic)
    name, scope = f"chaos-{suffix}", {"username": user}
    deploy(gw, name, "chaos.SimulateBrokenBrokersPlugin",
           {"rateInPercent": 30, "errorMap": {"PRODUCE": "NOT_LEADER_OR_FOLLOWER"}}, scope=scope)
    try:
        n = 500
        _, errors, left = produce_timed(gw.bootstrap, topic, dict(conf, **{"batch.num.messages": 20}), n, 100)
        assert (errors, left) == ([], 0)
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"read-{suffix}",
                      "auto.offset.reset": "earliest"})
        keys = []
        try:
            c.subscribe([topic])
            deadline = time.time() + 30
            while len(keys) < n and time.time() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    keys.append(int(m.key()))
        finally:
            c.close()
        assert sorted(keys) == list(range(n)), "records lost or duplicated"
        assert keys == sorted(keys), "records out of order"
        status, text = sh.admin_call(gw.http_port, "GET", "/metrics")
        assert status == 200
    finally:
        remove(gw, name, scope)


def test_a_virtual_clusters_policies_see_its_logical_names(gw, broker):
    suffix = uuid.uuid4().hex[:6]
    vc, prefix = f"vc-pol-{suffix}", f"vc-pol-{suffix}."
    put_vcluster(gw.http_port, vc, prefix=prefix)
    _, tenant, token = (vc, *tenant_account(gw.http_port, vc, f"tenant-{suffix}"))
    _, outsider, outsider_conf = passthrough_user(gw, "outside")
    name, scope = f"vc-ctp-{suffix}", {"vCluster": vc}
    deploy(gw, name, "safeguard.CreateTopicPolicyPlugin",
           {"topic": "orders-.*", "numPartition": {"max": 2, "action": "BLOCK"}}, scope=scope)
    try:
        admin = admin_for(gw, ck_conf(tenant, token))
        code, message = create_error(admin, NewTopic(f"orders-{suffix}", 5, 1))
        assert code == POLICY_VIOLATION, message
        assert f"'orders-{suffix}'" in message and prefix not in message, message
        assert create_error(admin, NewTopic(f"orders-ok-{suffix}", 2, 1)) is None
        on_broker = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10).topics
        assert f"{prefix}orders-ok-{suffix}" in on_broker and f"{prefix}orders-{suffix}" not in on_broker
        # outside the virtual cluster the policy does not apply
        assert create_error(admin_for(gw, outsider_conf), NewTopic(f"orders-{suffix}", 5, 1)) is None
    finally:
        remove(gw, name, scope)
