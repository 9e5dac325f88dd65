"""Virtual clusters end to end (reference 002's vc-alice / vc-bob example) on Apache Kafka.

Two tenants share one cluster through kgate: each creates, lists, produces to and consumes its own
`orders` with consumer groups that commit offsets; the cluster itself holds both prefixed topics
and groups; neither tenant sees the other's names, records or topic ids.
"""
import time
import uuid

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource
from confluent_kafka.admin import ResourceType as ConfigResourceType
from confluent_kafka.admin import NewTopic as NewTopicCk
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

import java_driver as jd
import kafka_wire as kw
import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import require_gateway, start_sasl_gateway
from vcluster_helpers import (ck_conf, fetch_request_v13_by_id, fetch_v13_partition_errors, kp_conf,
                              metadata_request_v12, metadata_v12_topics, plain_socket, put_alias, put_vcluster,
                              tenant_account)

N = 200


@pytest.fixture(scope="module")
def gw(module_gateways, broker):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
    }
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "virtual clusters")
    return g


@pytest.fixture(scope="module")
def tenants(gw):
    suffix = uuid.uuid4().hex[:6]
    out = {}
    for who in ("alice", "bob"):
        vc = f"vc-{who}-{suffix}"
        put_vcluster(gw.http_port, vc, prefix=f"{vc}.")
        out[who] = (vc, *tenant_account(gw.http_port, vc, who))
    return out


def eventually(check, timeout=15.0):
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            return False
        time.sleep(0.2)
    return True


def kp_admin(gw, user, token):
    return KafkaAdminClient(bootstrap_servers=gw.bootstrap, request_timeout_ms=20000, **kp_conf(user, token))


def listed(gw, user, token):
    md = AdminClient(dict(ck_conf(user, token), **{"bootstrap.servers": gw.bootstrap})).list_topics(timeout=20)
    return sorted(t for t in md.topics if not t.startswith("__"))


def test_reference_002_example(gw, broker, tenants):
    (vc_a, alice, tok_a), (vc_b, bob, tok_b) = tenants["alice"], tenants["bob"]
    admin_a = kp_admin(gw, alice, tok_a)
    admin_a.create_topics([NewTopic("orders", num_partitions=2, replication_factor=1)])
    admin_a.close()
    assert eventually(lambda: "orders" in listed(gw, alice, tok_a))
    assert listed(gw, bob, tok_b) == [], "bob sees alice's topics"
    admin_b = kp_admin(gw, bob, tok_b)
    admin_b.create_topics([NewTopic("orders", num_partitions=1, replication_factor=1)])
    # The broker answers CreateTopics before every listener's metadata shows the topic.
    assert eventually(lambda: "orders" in admin_b.list_topics()), admin_b.list_topics()
    admin_b.close()
    assert listed(gw, bob, tok_b) == ["orders"]

    # Both produce and consume their own records through kgate, with committing groups.
    ck_produce(gw.bootstrap, "orders", N, partitions=2, **ck_conf(alice, tok_a))
    got = ck_consume(gw.bootstrap, "orders", N, group="orders-app",
                     **dict(ck_conf(alice, tok_a), **{"enable.auto.commit": True}))
    check_indexed(got, N, 2)
    producer = KafkaProducer(bootstrap_servers=gw.bootstrap, **kp_conf(bob, tok_b))
    for i in range(N):
        producer.send("orders", key=str(i).encode(), value=b"bob-%d" % i, partition=0)
    producer.flush(30)
    producer.close()
    consumer = KafkaConsumer("orders", bootstrap_servers=gw.bootstrap, group_id="orders-app",
                             auto_offset_reset="earliest", consumer_timeout_ms=15000, **kp_conf(bob, tok_b))
    values = [m.value for m in consumer]
    consumer.commit()
    consumer.close()
    assert sorted(values) == sorted(b"bob-%d" % i for i in range(N)), "bob reads exactly his records"

    # The cluster itself holds both physical topics and both prefixed groups.
    direct = AdminClient({"bootstrap.servers": broker.bootstrap})
    topics = direct.list_topics(timeout=20).topics
    assert f"{vc_a}.orders" in topics and f"{vc_b}.orders" in topics
    groups = {g.group_id for g in direct.list_consumer_groups().result(timeout=20).valid}
    assert f"{vc_a}.orders-app" in groups and f"{vc_b}.orders-app" in groups, groups
    # Each tenant lists its own group only, by its own name.
    for vc, user, tok in (tenants["alice"], tenants["bob"]):
        mine = AdminClient(dict(ck_conf(user, tok), **{"bootstrap.servers": gw.bootstrap}))
        seen = {g.group_id for g in mine.list_consumer_groups().result(timeout=20).valid}
        assert seen == {"orders-app"}, f"{user} lists groups {seen}"


def metadata_v12_ids(gw, user, token, topic):
    """(topic id, name) of `topic` in a raw Metadata v12 answer, over an authenticated socket."""
    s = plain_socket(gw.port_start, user, token)
    try:
        s.sendall(metadata_request_v12([topic], correlation_id=7))
        return metadata_v12_topics(kw.read_response(s))
    finally:
        s.close()


def test_a_foreign_topic_id_is_unknown(gw, tenants):
    (_, alice, tok_a), (_, bob, tok_b) = tenants["alice"], tenants["bob"]
    topics = dict((name, tid) for tid, name in metadata_v12_ids(gw, alice, tok_a, "orders"))
    assert "orders" in topics, topics
    alice_id = topics["orders"]
    s = plain_socket(gw.port_start, bob, tok_b)
    try:
        s.sendall(fetch_request_v13_by_id(alice_id, partition=0, correlation_id=9))
        errors = fetch_v13_partition_errors(kw.read_response(s))
    finally:
        s.close()
    assert errors and all(code == 100 for _, code in errors), f"bob's fetch by alice's id: {errors}"
    assert all(tid == alice_id for tid, _ in errors), "the answer names the id bob sent"


def test_alias_topic(gw, broker, tenants):
    """A tenant uses an alias for produce, consume and group commit; the physical name never
    reaches it; create/delete on the alias are refused with INVALID_TOPIC_EXCEPTION."""
    vc_a, alice, tok_a = tenants["alice"]
    physical = f"internal.eu.stock-{uuid.uuid4().hex[:6]}"
    broker.create_topic(physical, partitions=1)
    put_alias(gw.http_port, "stock", vc_a, physical)
    conf = ck_conf(alice, tok_a)
    ck_produce(gw.bootstrap, "stock", N, partitions=1, **conf)
    got = ck_consume(gw.bootstrap, "stock", N, group="stock-readers",
                     **dict(conf, **{"enable.auto.commit": True}))
    check_indexed(got, N, 1)
    admin = AdminClient(dict(conf, **{"bootstrap.servers": gw.bootstrap}))
    md = admin.list_topics(timeout=20)
    assert "stock" in md.topics and physical not in md.topics, sorted(md.topics)
    assert all(physical not in t for t in md.topics)
    offsets = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("stock-readers")])["stock-readers"].result(timeout=20)
    assert {tp.topic for tp in offsets.topic_partitions} == {"stock"}
    assert sum(tp.offset for tp in offsets.topic_partitions) == N
    # The physical topic's own group, asked directly, holds the tenant's commit.
    direct = AdminClient({"bootstrap.servers": broker.bootstrap})
    committed = direct.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(f"{vc_a}.stock-readers")])[f"{vc_a}.stock-readers"].result(timeout=20)
    assert {tp.topic for tp in committed.topic_partitions} == {physical}

    fs = admin.create_topics([NewTopicCk("stock", num_partitions=1, replication_factor=1)])
    with pytest.raises(KafkaException) as e:
        fs["stock"].result(timeout=20)
    assert e.value.args[0].code() == KafkaError.TOPIC_EXCEPTION, e.value
    fs = admin.delete_topics(["stock"])
    with pytest.raises(KafkaException) as e:
        fs["stock"].result(timeout=20)
    assert e.value.args[0].code() == KafkaError.TOPIC_EXCEPTION, e.value
    assert physical in direct.list_topics(timeout=20).topics, "the physical topic survived"
    # A mixed request: the alias is refused, the tenant's own topic is created.
    fs = admin.create_topics([NewTopicCk("stock", num_partitions=1, replication_factor=1),
                              NewTopicCk("fresh", num_partitions=1, replication_factor=1)])
    fs["fresh"].result(timeout=20)
    with pytest.raises(KafkaException):
        fs["stock"].result(timeout=20)
    assert f"{vc_a}.fresh" in direct.list_topics(timeout=20).topics


def test_configs_only_of_the_tenants_own_resources(gw, broker, tenants):
    """Topic configs are the tenant's to see; the brokers' (advertised.listeners names the real
    brokers) are not: CLUSTER_AUTHORIZATION_FAILED, and the topic part of the same request is
    answered."""
    _, alice, tok_a = tenants["alice"]
    admin = AdminClient(dict(ck_conf(alice, tok_a), **{"bootstrap.servers": gw.bootstrap}))
    admin.create_topics([NewTopicCk("configured", num_partitions=1, replication_factor=1,
                                    config={"retention.ms": "123456789"})])["configured"].result(timeout=20)
    topic = ConfigResource(ConfigResourceType.TOPIC, "configured")
    broker_res = ConfigResource(ConfigResourceType.BROKER, "111")
    fs = admin.describe_configs([topic, broker_res])
    configs = fs[topic].result(timeout=20)
    assert configs["retention.ms"].value == "123456789"
    with pytest.raises(KafkaException) as e:
        fs[broker_res].result(timeout=20)
    assert e.value.args[0].code() == KafkaError.CLUSTER_AUTHORIZATION_FAILED, e.value


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_java_client_in_a_tenant(gw, broker, tenants, protocol):
    """The Java client (Kafka 4.1: Metadata and Fetch by topic id, idempotent Produce, and with
    group.protocol=consumer the KIP-848 heartbeat that assigns by id) in a virtual cluster: it
    creates, lists, produces, consumes in a group and reads its committed offsets, all by the
    logical names; the broker holds the prefixed topic and group."""
    vc_a, alice, tok_a = tenants["alice"]
    topic = f"java-{protocol}-{uuid.uuid4().hex[:6]}"
    group = f"g-{protocol}"
    sasl = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{alice}" password="{tok_a}";']
    r = jd.run(jd.step("create-topics", gw.bootstrap, topic=topic, partitions=2, replication=1, prop=sasl),
               jd.step("produce", gw.bootstrap, topic=topic, count=60, partitions=2, idempotence=True,
                       acks="all", prop=sasl),
               jd.step("consume", gw.bootstrap, topic=topic, expect=60, group=group, protocol=protocol,
                       linger_ms=0, timeout_ms=90000, prop=sasl),
               jd.step("list-topics", gw.bootstrap, prop=sasl),
               jd.step("group-offsets", gw.bootstrap, group=group, prop=sasl),
               timeout=240)
    assert r.summary("produced", 1)["acked"] == 60, r.summary("produced", 1)
    assert len(r.records(2)) == 60
    listed_topics = r.summary("topics", 3)["topics"]
    assert topic in listed_topics and not any(t.startswith("vc-") for t in listed_topics), listed_topics
    assert r.summary("group_offsets", 4)["offsets"] == {f"{topic}-{p}": 30 for p in range(2)}
    assert vc_a not in r.raw_stdout, "a physical name reached the Java client"
    direct = AdminClient({"bootstrap.servers": broker.bootstrap})
    assert f"{vc_a}.{topic}" in direct.list_topics(timeout=20).topics


def test_passthrough_alias_topic(gw, broker):
    """An alias in passthrough (the default vCluster): listed beside the physical topics, and
    produced to and consumed by its name, the records landing in the physical topic."""
    physical = f"internal.pt-{uuid.uuid4().hex[:6]}"
    alias = f"pt-alias-{uuid.uuid4().hex[:6]}"
    broker.create_topic(physical, partitions=1)
    put_alias(gw.http_port, alias, "passthrough", physical)
    user, token = tenant_account(gw.http_port, "passthrough", "pt-user")
    conf = ck_conf(user, token)
    md = AdminClient(dict(conf, **{"bootstrap.servers": gw.bootstrap})).list_topics(timeout=20)
    assert alias in md.topics and physical in md.topics, sorted(md.topics)
    ck_produce(gw.bootstrap, alias, 50, partitions=1, **conf)
    check_indexed(ck_consume(gw.bootstrap, alias, 50, **conf), 50, 1)
    check_indexed(ck_consume(broker.bootstrap, physical, 50), 50, 1)


def test_topic_ids_from_before_a_restart(gw, tenants):
    """A client keeps the topic ids it learnt before kgate restarted: kgate looks an id it has not
    seen up (one Metadata request of its own) instead of answering UNKNOWN_TOPIC_ID until the client
    refreshes its metadata through it. Runs last: it restarts the module's kgate."""
    _, alice, tok_a = tenants["alice"]
    topics = dict((name, tid) for tid, name in metadata_v12_ids(gw, alice, tok_a, "orders"))
    gw.stop()
    gw.start()
    s = plain_socket(gw.port_start, alice, tok_a)
    try:
        s.sendall(fetch_request_v13_by_id(topics["orders"], partition=0, correlation_id=9))
        errors = fetch_v13_partition_errors(kw.read_response(s))
    finally:
        s.close()
    assert errors == [(topics["orders"], 0)], errors
