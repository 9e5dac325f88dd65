"""Kafka's ACLs seen through delegated principals: Apache Kafka with the StandardAuthorizer (nothing
allowed without an ACL; kgate's control-plane user gw is a super user), ACLs created through the
INTERNAL listener with AdminClient.create_acls. kgate runs GATEWAY_SECURITY_MODE=KAFKA_MANAGED, so
Kafka authenticates each client itself and authorizes it as its own principal:

    alice (SCRAM-SHA-256)  WRITE and READ on topic A, READ on group A
    bob   (PLAIN)          WRITE and READ on topic B, READ on group B

Each can produce to and consume (in their group) their own topic; the other topic answers
TOPIC_AUTHORIZATION_FAILED, a group without an ACL GROUP_AUTHORIZATION_FAILED, and a Metadata
request for all topics only lists the topics the principal may see.
"""
import signal
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, AdminClient, ResourcePatternType,
                                   ResourceType)

from clients import check_indexed, ck_consume, ck_produce
from conftest import start_sasl_gateway, wait_gateway_log
from kafka_cluster import KafkaCluster
from kafka_sasl_common import ck_sasl, kp_sasl, scram_jaas

USERS = {"gw": "gw-secret", "alice": "alice-secret", "bob": "bob-secret"}
MECHANISM = {"alice": "SCRAM-SHA-256", "bob": "PLAIN"}
SUFFIX = uuid.uuid4().hex[:6]
TOPIC = {"alice": f"topic-a-{SUFFIX}", "bob": f"topic-b-{SUFFIX}"}
GROUP = {"alice": f"group-a-{SUFFIX}", "bob": f"group-b-{SUFFIX}"}
OTHER = {"alice": "bob", "bob": "alice"}


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    c = KafkaCluster(tmp_path_factory.mktemp("kafka-acls"), listeners=("SASL_PLAINTEXT",),
                     plain_users=USERS, scram_users=USERS, authorizer=True, super_users=("gw",))
    for user in ("alice", "bob"):
        c.create_topic(TOPIC[user], partitions=2)
    bindings = []
    for user in ("alice", "bob"):
        for op in (AclOperation.WRITE, AclOperation.READ):
            bindings.append(AclBinding(ResourceType.TOPIC, TOPIC[user], ResourcePatternType.LITERAL,
                                       f"User:{user}", "*", op, AclPermissionType.ALLOW))
        bindings.append(AclBinding(ResourceType.GROUP, GROUP[user], ResourcePatternType.LITERAL,
                                   f"User:{user}", "*", AclOperation.READ, AclPermissionType.ALLOW))
    admin = c.admin()  # kept: futures fail when their client is destroyed
    for fut in admin.create_acls(bindings, request_timeout=30).values():
        fut.result(30)
    # ACLs reach the authorizer through the metadata log: wait until they are visible
    deadline = time.time() + 30
    while len(admin.describe_acls(_acl_filter(), request_timeout=10).result(15)) < len(bindings):
        assert time.time() < deadline, "ACLs not visible"
        time.sleep(0.3)
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


def _acl_filter():
    from confluent_kafka.admin import AclBindingFilter

    return AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                            AclOperation.ANY, AclPermissionType.ANY)


@pytest.fixture(scope="module")
def gw(module_gateways, kafka):
    env = {"GATEWAY_SECURITY_MODE": "KAFKA_MANAGED", "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
           "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
           "KAFKA_SASL_JAAS_CONFIG": scram_jaas("gw", USERS["gw"])}
    return start_sasl_gateway(module_gateways, kafka.bootstrap_of("SASL_PLAINTEXT"), env, port_count=3)


def conf_of(user):
    return ck_sasl(MECHANISM[user], user=user, password=USERS[user])


def produce_errors(bootstrap, topic, conf, n=5):
    """Produce n records; the delivery errors (codes), or [] when all were written."""
    errors, ok = [], []
    p = Producer(dict(conf, **{"bootstrap.servers": bootstrap, "message.timeout.ms": 8000}))
    for i in range(n):
        p.produce(topic, value=b"x%d" % i, on_delivery=lambda e, m: (errors if e else ok).append(e.code() if e else 1))
    p.flush(15)
    return errors, len(ok)


def consume_error(bootstrap, topic, conf, group, seconds=10):
    """Subscribe with `group` and poll: the first error code (or None when records arrived)."""
    c = Consumer(dict(conf, **{"bootstrap.servers": bootstrap, "group.id": group,
                               "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    try:
        c.subscribe([topic])
        deadline = time.time() + seconds
        while time.time() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                return m.error().code()
            return None
        return "timeout"
    finally:
        c.close()


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_own_topic_and_group_work(gw, user):
    conf = conf_of(user)
    ck_produce(gw.bootstrap, TOPIC[user], 200, partitions=2, **conf)
    check_indexed(ck_consume(gw.bootstrap, TOPIC[user], 200, timeout=60, group=GROUP[user], **conf), 200, 2)
    if not gw.direct:
        line = f"authenticated as User:{user} ({MECHANISM[user]}, delegated)"
        assert line in wait_gateway_log(gw, line), f"no '{line}' in kgate's log"


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_other_topic_is_denied(gw, user):
    other_topic = TOPIC[OTHER[user]]
    errors, written = produce_errors(gw.bootstrap, other_topic, conf_of(user))
    assert written == 0, f"{user} wrote {written} records to {other_topic}"
    assert errors and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, f"{user} producing: {errors}"

    # kafka-python is refused the same way (its Metadata answer names the topic unauthorized)
    from kafka import KafkaProducer
    from kafka.errors import TopicAuthorizationFailedError

    prod = KafkaProducer(bootstrap_servers=gw.bootstrap, max_block_ms=8000,
                         **kp_sasl(MECHANISM[user], user=user, password=USERS[user]))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            prod.send(other_topic, b"x").get(timeout=10)
    finally:
        prod.close(timeout=5)

    # subscribing to it in the user's own (permitted) group: the consumer is told it may not
    code = consume_error(gw.bootstrap, other_topic, conf_of(user), GROUP[user])
    assert code == KafkaError.TOPIC_AUTHORIZATION_FAILED, f"{user} consuming {other_topic}: {code}"


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_group_needs_a_group_acl(gw, user):
    # her own topic, but the other user's group, then a group nobody has an ACL for
    for group in (GROUP[OTHER[user]], f"no-acl-{uuid.uuid4().hex[:6]}"):
        code = consume_error(gw.bootstrap, TOPIC[user], conf_of(user), group)
        assert code == KafkaError.GROUP_AUTHORIZATION_FAILED, f"{user} in group {group}: {code}"


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_metadata_lists_only_permitted_topics(gw, user):
    md = AdminClient(dict(conf_of(user), **{"bootstrap.servers": gw.bootstrap})).list_topics(timeout=10)
    assert TOPIC[user] in md.topics, f"{user} does not see {TOPIC[user]}"
    assert TOPIC[OTHER[user]] not in md.topics, f"{user} sees {TOPIC[OTHER[user]]}"
    assert "__consumer_offsets" not in md.topics, f"{user} sees the internal offsets topic"
