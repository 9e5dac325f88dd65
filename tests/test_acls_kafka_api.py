"""ACLs managed with Kafka's Admin API (CreateAcls / DescribeAcls / DeleteAcls), answered by kgate.

- A virtual cluster in KAFKA_API mode (reference 004) with superUsers [admin]: admin creates,
  describes and deletes bindings with kafka-python's KafkaAdminClient; a normal user is refused
  (CLUSTER_AUTHORIZATION_FAILED); what admin grants is enforced; admin itself bypasses every
  check; the bindings survive a kgate restart (same GATEWAY_DATA_DIR and user pool key).
- A virtual cluster with aclEnabled false answers the ACL APIs with SECURITY_DISABLED.
- Passthrough ACLs (GATEWAY_ACL_STORE_ENABLED=true): the admin API user manages them through
  Kafka's Admin API; a principal without bindings is denied, one with bindings is allowed, and
  GATEWAY_SUPER_USERS bypass.
"""
import uuid

import pytest
from confluent_kafka import KafkaError
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                         NewTopic, ResourcePattern, ResourcePatternFilter, ResourceType)
from kafka.errors import ClusterAuthorizationFailedError, NoError, SecurityDisabledError

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import fresh_data_dir, require_gateway, start_sasl_gateway
from vcluster_helpers import (ck_conf, ck_consume_probe, ck_listed, ck_produce_errors, kp_conf, put_vcluster,
                              tenant_account)

SUFFIX = uuid.uuid4().hex[:6]
VC = f"acl-kapi-{SUFFIX}"
PREFIX = f"{VC}."
VC_OFF = f"acl-off-{SUFFIX}"
ANY = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)


def gateway_env(**extra):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
        "GATEWAY_DATA_DIR": fresh_data_dir(),
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def gw(module_gateways, broker):
    g = start_sasl_gateway(module_gateways, broker.bootstrap, gateway_env(), port_count=3)
    require_gateway(g, "ACLs kept by kgate")
    return g


@pytest.fixture(scope="module")
def accounts(gw, broker):
    put_vcluster(gw.http_port, VC, prefix=PREFIX, aclEnabled=True, aclMode="KAFKA_API", superUsers=["admin"])
    put_vcluster(gw.http_port, VC_OFF, prefix=f"{VC_OFF}.", aclEnabled=False)
    for t in ("orders", "keep-1", "gone-1"):
        broker.create_topic(PREFIX + t, partitions=1)
    return {
        "admin": tenant_account(gw.http_port, VC, "admin"),
        "alice": tenant_account(gw.http_port, VC, "alice"),
        "carol": tenant_account(gw.http_port, VC_OFF, "carol"),
    }


def kp_admin(gw, user, token):
    return KafkaAdminClient(bootstrap_servers=gw.bootstrap, request_timeout_ms=20000, **kp_conf(user, token))


def allow(principal, op, rtype, name, pattern=ACLResourcePatternType.LITERAL, permission=ACLPermissionType.ALLOW):
    return ACL(principal, "*", op, permission, ResourcePattern(rtype, name, pattern))


def as_tuple(a):
    p = a.resource_pattern
    return (a.principal, a.host, a.operation.name, a.permission_type.name, p.resource_type.name,
            p.resource_name, p.pattern_type.name)


def described(admin, principal=None, resource=ANY):
    acls, err = admin.describe_acls(ACLFilter(principal, None, ACLOperation.ANY, ACLPermissionType.ANY, resource))
    assert err is NoError, err
    return {as_tuple(a) for a in acls}


def alice_bindings():
    return [
        allow("User:alice", ACLOperation.WRITE, ResourceType.TOPIC, "orders"),
        allow("User:alice", ACLOperation.READ, ResourceType.TOPIC, "orders"),
        allow("User:alice", ACLOperation.READ, ResourceType.GROUP, "alice-app"),
    ]


def test_super_user_grants_and_revokes(gw, accounts):
    alice = ck_conf(*accounts["alice"])
    errors, written = ck_produce_errors(gw.bootstrap, "orders", alice)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, \
        f"alice without bindings: errors {errors}, {written} written"
    assert ck_listed(gw.bootstrap, alice) == [], "alice lists topics she may not describe"

    admin = kp_admin(gw, *accounts["admin"])
    try:
        result = admin.create_acls(alice_bindings())
        assert result["failed"] == [] and len(result["succeeded"]) == 3, result
        assert described(admin) == {as_tuple(a) for a in alice_bindings()}
        topic_only = ResourcePatternFilter(ResourceType.TOPIC, "orders", ACLResourcePatternType.LITERAL)
        assert described(admin, "User:alice", topic_only) == {as_tuple(a) for a in alice_bindings()[:2]}
        assert described(admin, "User:nobody") == set()

        ck_produce(gw.bootstrap, "orders", 100, **alice)
        check_indexed(ck_consume(gw.bootstrap, "orders", 100, timeout=60, group="alice-app", **alice), 100, 1)
        assert ck_listed(gw.bootstrap, alice) == ["orders"]
        code = ck_consume_probe(gw.bootstrap, "orders", alice, group="not-alice")
        assert code == KafkaError.GROUP_AUTHORIZATION_FAILED, f"alice in a group without a binding: {code}"

        # DeleteAcls: WRITE goes, READ stays
        write_only = ACLFilter("User:alice", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW, topic_only)
        (filt, matched, err), = admin.delete_acls([write_only])
        assert err is NoError, err
        assert [as_tuple(a) for a in matched] == [as_tuple(alice_bindings()[0])], matched
        assert described(admin) == {as_tuple(a) for a in alice_bindings()[1:]}
    finally:
        admin.close()
    errors, written = ck_produce_errors(gw.bootstrap, "orders", alice)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, \
        f"alice after WRITE was deleted: errors {errors}, {written} written"
    assert ck_listed(gw.bootstrap, alice) == ["orders"], "READ alone no longer implies DESCRIBE"


def test_normal_user_cannot_manage_acls(gw, accounts):
    alice = kp_admin(gw, *accounts["alice"])
    try:
        grab = allow("User:alice", ACLOperation.ALL, ResourceType.TOPIC, "*")
        result = alice.create_acls([grab])
        assert result["succeeded"] == [] and result["failed"] == [ClusterAuthorizationFailedError], result
        with pytest.raises(ClusterAuthorizationFailedError):
            alice.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, ANY))
        everything = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, ANY)
        (_, matched, err), = alice.delete_acls([everything])
        assert err is ClusterAuthorizationFailedError and matched == [], (err, matched)
    finally:
        alice.close()
    admin = kp_admin(gw, *accounts["admin"])
    try:
        mine = described(admin, "User:alice")
    finally:
        admin.close()
    assert ("User:alice", "*", "ALL", "ALLOW", "TOPIC", "*", "LITERAL") not in mine, mine


def test_super_user_bypasses(gw, broker, accounts):
    """admin has no binding at all, yet creates a topic, produces and consumes in any group."""
    admin = kp_admin(gw, *accounts["admin"])
    try:
        admin.create_topics([NewTopic("by-admin", num_partitions=2, replication_factor=1)])
    finally:
        admin.close()
    from confluent_kafka.admin import AdminClient

    assert PREFIX + "by-admin" in AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=15).topics
    conf = ck_conf(*accounts["admin"])
    ck_produce(gw.bootstrap, "by-admin", 50, partitions=2, **conf)
    check_indexed(ck_consume(gw.bootstrap, "by-admin", 50, timeout=60, group=f"any-{SUFFIX}", **conf), 50, 2)
    assert {"orders", "by-admin"} <= set(ck_listed(gw.bootstrap, conf))


def test_acls_disabled_answer_security_disabled(gw, accounts):
    carol = kp_admin(gw, *accounts["carol"])
    try:
        with pytest.raises(SecurityDisabledError):
            carol.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, ANY))
        result = carol.create_acls([allow("User:carol", ACLOperation.READ, ResourceType.TOPIC, "x")])
        assert result["failed"] == [SecurityDisabledError], result
    finally:
        carol.close()


def test_bindings_survive_a_restart(gw, accounts):
    """Bindings made (PREFIXED WRITE on `keep-`) and deleted (WRITE on `gone-1`) before a restart
    are listed and enforced the same after it."""
    keep = allow("User:alice", ACLOperation.WRITE, ResourceType.TOPIC, "keep-", ACLResourcePatternType.PREFIXED)
    gone = allow("User:alice", ACLOperation.WRITE, ResourceType.TOPIC, "gone-1")
    alice = ck_conf(*accounts["alice"])
    admin = kp_admin(gw, *accounts["admin"])
    try:
        assert admin.create_acls([keep, gone])["failed"] == []
        ck_produce(gw.bootstrap, "gone-1", 1, **alice)
        (_, matched, err), = admin.delete_acls([ACLFilter("User:alice", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                          ResourcePatternFilter(ResourceType.TOPIC, "gone-1",
                                                                                ACLResourcePatternType.ANY))])
        assert err is NoError and [as_tuple(a) for a in matched] == [as_tuple(gone)], (err, matched)
        before = described(admin)
    finally:
        admin.close()
    assert as_tuple(keep) in before and as_tuple(gone) not in before, before
    ck_produce(gw.bootstrap, "keep-1", 5, **alice)

    gw.stop()
    gw.start()  # same ports, same GATEWAY_DATA_DIR and GATEWAY_USER_POOL_SECRET_KEY

    admin = kp_admin(gw, *accounts["admin"])
    try:
        after = described(admin)
    finally:
        admin.close()
    assert after == before, f"bindings before the restart {sorted(before)}, after {sorted(after)}"
    ck_produce(gw.bootstrap, "keep-1", 5, start=5, **alice)
    errors, written = ck_produce_errors(gw.bootstrap, "gone-1", alice)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, (errors, written)


# --- passthrough ACLs -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pt_gw(module_gateways, broker):
    env = gateway_env(GATEWAY_ACL_STORE_ENABLED="true", GATEWAY_SUPER_USERS="root")
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "passthrough ACLs")
    return g


@pytest.fixture(scope="module")
def pt_accounts(pt_gw):
    out = {}
    for user in ("admin", "dave", "erin", "root"):
        sh.create_service_account(pt_gw.http_port, user)
        out[user] = (user, sh.create_token(pt_gw.http_port, user))
    return out


def test_passthrough_acls(pt_gw, broker, pt_accounts):
    topic = broker.create_topic(f"pt-{SUFFIX}", partitions=1)
    group = f"dave-app-{SUFFIX}"
    dave, erin, root = (ck_conf(*pt_accounts[u]) for u in ("dave", "erin", "root"))
    errors, written = ck_produce_errors(pt_gw.bootstrap, topic, dave)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, (errors, written)

    admin = kp_admin(pt_gw, *pt_accounts["admin"])
    try:
        bindings = [allow("User:dave", ACLOperation.WRITE, ResourceType.TOPIC, topic),
                    allow("User:dave", ACLOperation.READ, ResourceType.TOPIC, topic),
                    allow("User:dave", ACLOperation.READ, ResourceType.GROUP, group)]
        result = admin.create_acls(bindings)
        assert result["failed"] == [] and len(result["succeeded"]) == 3, result
        assert described(admin, "User:dave") == {as_tuple(a) for a in bindings}
    finally:
        admin.close()

    ck_produce(pt_gw.bootstrap, topic, 50, **dave)
    check_indexed(ck_consume(pt_gw.bootstrap, topic, 50, timeout=60, group=group, **dave), 50, 1)
    assert topic in ck_listed(pt_gw.bootstrap, dave)

    errors, written = ck_produce_errors(pt_gw.bootstrap, topic, erin)
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, (errors, written)
    assert topic not in ck_listed(pt_gw.bootstrap, erin), "erin lists a topic she may not describe"

    erin_admin = kp_admin(pt_gw, *pt_accounts["erin"])
    try:
        result = erin_admin.create_acls([allow("User:erin", ACLOperation.ALL, ResourceType.TOPIC, "*")])
        assert result["failed"] == [ClusterAuthorizationFailedError], result
    finally:
        erin_admin.close()

    # GATEWAY_SUPER_USERS=root: no bindings, everything allowed
    ck_produce(pt_gw.bootstrap, topic, 10, start=50, **root)
    got = ck_consume(pt_gw.bootstrap, topic, 60, timeout=60, group=f"root-{SUFFIX}", **root)
    check_indexed(got, 60, 1)
    assert topic in ck_listed(pt_gw.bootstrap, root)
