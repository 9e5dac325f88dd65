"""ACLs of a virtual cluster in REST_API mode (reference 004): the bindings are exactly the
resource's `spec.acls`, each PUT replaces them, and kgate authorizes every request as Kafka does
(/work/shared/ACLS.md). One kgate (SASL_PLAINTEXT, LOCAL tokens) in front of Apache Kafka; one
virtual cluster with three accounts and these bindings (names as the tenant sees them):

    reader  ALLOW READ  TOPIC orders (LITERAL)        ALLOW READ GROUP readers
    writer  ALLOW WRITE TOPIC orders, ledger (LITERAL) ALLOW WRITE TOPIC app- (PREFIXED)
    both    ALLOW READ, WRITE TOPIC * (LITERAL *)     ALLOW READ GROUP *
            DENY  READ  TOPIC secret

The topics exist on the broker under their prefixed physical names.
"""
import uuid

import pytest
from confluent_kafka import KafkaError

import sasl_helpers as sh
from clients import check_indexed, ck_consume, ck_produce
from conftest import require_gateway, start_sasl_gateway
import kafka_wire as kw
from vcluster_helpers import (acl, ck_conf, ck_consume_probe, ck_listed, ck_produce_errors, fetch_request_v13_by_id,
                              fetch_v13_partition_errors, high_watermarks, metadata_request_v12, metadata_v12_topics,
                              plain_socket, put_vcluster, raw_produce, tenant_account)

TOPIC_AUTHORIZATION_FAILED = 29
SUFFIX = uuid.uuid4().hex[:6]
VC = f"acl-rest-{SUFFIX}"
PREFIX = f"{VC}."
TOPICS = ["orders", "ledger", "audit", "app-events", "misc", "secret", "late"]


def base_acls():
    return [
        acl("TOPIC", "orders", "User:reader", "READ"),
        acl("GROUP", "readers", "User:reader", "READ"),
        acl("TOPIC", "orders", "User:writer", "WRITE"),
        acl("TOPIC", "ledger", "User:writer", "WRITE"),
        acl("TOPIC", "app-", "User:writer", "WRITE", pattern="PREFIXED"),
        acl("TOPIC", "*", "User:both", "READ"),
        acl("TOPIC", "*", "User:both", "WRITE"),
        acl("GROUP", "*", "User:both", "READ"),
        acl("TOPIC", "secret", "User:both", "READ", permission="DENY"),
    ]


def put_acls(gw, acls):
    put_vcluster(gw.http_port, VC, prefix=PREFIX, aclEnabled=True, aclMode="REST_API", acls=acls)


@pytest.fixture(scope="module")
def gw(module_gateways, broker):
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS,
    }
    g = start_sasl_gateway(module_gateways, broker.bootstrap, env, port_count=3)
    require_gateway(g, "virtual-cluster ACLs")
    return g


@pytest.fixture(scope="module")
def users(gw, broker):
    for t in TOPICS:
        broker.create_topic(PREFIX + t, partitions=1)
    put_acls(gw, base_acls())
    status, body = sh.admin_call(gw.http_port, "GET", f"/gateway/v2/virtual-cluster/{VC}")
    assert status == 200, f"GET virtual-cluster {VC}: HTTP {status} {body}"
    assert body["spec"]["aclMode"] == "REST_API" and body["spec"]["aclEnabled"] is True, body
    assert len(body["spec"]["acls"]) == len(base_acls()), body["spec"]["acls"]
    return {name: ck_conf(*tenant_account(gw.http_port, VC, name)) for name in ("reader", "writer", "both")}


def token_of(conf):
    return conf["sasl.username"], conf["sasl.password"]


def test_read_without_write(gw, users):
    """reader may consume `orders` in group `readers`, but not produce to it."""
    errors, written = ck_produce_errors(gw.bootstrap, "orders", users["reader"])
    assert written == 0, f"reader (READ only) wrote {written} records"
    assert errors and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, f"reader producing: {errors}"
    ck_produce(gw.bootstrap, "orders", 50, **users["writer"])
    got = ck_consume(gw.bootstrap, "orders", 50, timeout=60, group="readers", **users["reader"])
    check_indexed(got, 50, 1)


def test_partly_denied_produce_writes_the_allowed_topic(gw, broker, users):
    """One Produce request with `ledger` (WRITE) and `audit` (none): 0 for ledger, 29 for audit,
    and only ledger's record reaches the broker."""
    physical = [PREFIX + "ledger", PREFIX + "audit"]
    before = high_watermarks(broker.bootstrap, physical)
    s = plain_socket(gw.port_start, *token_of(users["writer"]))
    try:
        answer = raw_produce(s, [("ledger", b"allowed"), ("audit", b"denied")], correlation_id=11)
    finally:
        s.close()
    assert set(answer) == {("ledger", 0), ("audit", 0)}, f"answer names {sorted(answer)}"
    assert answer[("ledger", 0)][0] == 0, f"ledger: {answer[('ledger', 0)]}"
    assert answer[("audit", 0)][0] == TOPIC_AUTHORIZATION_FAILED, f"audit: {answer[('audit', 0)]}"
    after = high_watermarks(broker.bootstrap, physical)
    assert after[PREFIX + "ledger"] == before[PREFIX + "ledger"] + 1, f"ledger {before} -> {after}"
    assert after[PREFIX + "audit"] == before[PREFIX + "audit"], f"audit was written: {before} -> {after}"


def fetch_by_id(gw, conf, topic):
    """Metadata v12 for `topic`, then a Fetch v13 naming it by its id, on one connection:
    [(topic id, error code)] per partition."""
    s = plain_socket(gw.port_start, *token_of(conf))
    try:
        s.sendall(metadata_request_v12([topic], correlation_id=31))
        ids = {name: tid for tid, name in metadata_v12_topics(kw.read_response(s))}
        assert topic in ids, f"Metadata v12 for {topic}: {ids}"
        s.sendall(fetch_request_v13_by_id(ids[topic], partition=0, correlation_id=32))
        return fetch_v13_partition_errors(kw.read_response(s))
    finally:
        s.close()


def test_fetch_by_topic_id(gw, users):
    """Fetch v13+ names topics by id: the id is authorized as the topic the tenant knows
    (`orders`, `secret`), not as its physical name."""
    errors = fetch_by_id(gw, users["reader"], "orders")
    assert errors and all(code == 0 for _, code in errors), f"reader fetching orders by id: {errors}"
    errors = fetch_by_id(gw, users["both"], "secret")
    assert errors and all(code == TOPIC_AUTHORIZATION_FAILED for _, code in errors), \
        f"both fetching secret (DENY READ) by id: {errors}"


def test_denied_group(gw, users):
    """reader may read `orders` but has no binding on group `strangers`."""
    ck_produce(gw.bootstrap, "orders", 1, start=1000, **users["writer"])
    code = ck_consume_probe(gw.bootstrap, "orders", users["reader"], group="strangers")
    assert code == KafkaError.GROUP_AUTHORIZATION_FAILED, f"reader in group strangers: {code}"


def test_deny_beats_allow(gw, users):
    """both: ALLOW READ on `*` and DENY READ on `secret`: misc is read, secret is refused."""
    for t in ("misc", "secret"):
        ck_produce(gw.bootstrap, t, 20, **users["both"])  # WRITE on `*` (literal wildcard)
    check_indexed(ck_consume(gw.bootstrap, "misc", 20, timeout=60, group=f"g-{SUFFIX}", **users["both"]), 20, 1)
    code = ck_consume_probe(gw.bootstrap, "secret", users["both"], group=f"g2-{SUFFIX}")
    assert code == KafkaError.TOPIC_AUTHORIZATION_FAILED, f"both reading secret: {code}"


def test_prefixed_and_wildcard_patterns(gw, users):
    """writer: WRITE PREFIXED `app-` covers app-events, not misc; both: WRITE on literal `*`
    covers any topic."""
    ck_produce(gw.bootstrap, "app-events", 10, **users["writer"])
    errors, written = ck_produce_errors(gw.bootstrap, "misc", users["writer"])
    assert written == 0 and set(errors) == {KafkaError.TOPIC_AUTHORIZATION_FAILED}, (errors, written)
    ck_produce(gw.bootstrap, "audit", 5, **users["both"])


def test_metadata_lists_only_describable_topics(gw, users):
    """READ and WRITE imply DESCRIBE; a DENY of READ does not deny DESCRIBE."""
    assert ck_listed(gw.bootstrap, users["reader"]) == ["orders"]
    assert ck_listed(gw.bootstrap, users["writer"]) == sorted(["orders", "ledger", "app-events"])
    assert ck_listed(gw.bootstrap, users["both"]) == sorted(TOPICS)


def test_kafka_acl_apis_are_refused_in_rest_mode(gw, users):
    """REST_API mode: CreateAcls through Kafka's API is refused (the REST API owns the bindings)."""
    from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                             ResourcePattern, ResourceType)
    from kafka.errors import ClusterAuthorizationFailedError

    from vcluster_helpers import kp_conf

    admin = KafkaAdminClient(bootstrap_servers=gw.bootstrap, request_timeout_ms=20000,
                             **kp_conf(*token_of(users["reader"])))
    try:
        result = admin.create_acls([ACL("User:reader", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
                                        ResourcePattern(ResourceType.TOPIC, "orders",
                                                        ACLResourcePatternType.LITERAL))])
    finally:
        admin.close()
    assert not result["succeeded"] and result["failed"] == [ClusterAuthorizationFailedError], result
    errors, written = ck_produce_errors(gw.bootstrap, "orders", users["reader"], n=1)
    assert written == 0, "reader gave itself WRITE through CreateAcls"


def test_put_changes_take_effect(gw, broker, users):
    """A PUT that adds WRITE on `late` for reader applies to the next request on the same
    connection; the PUT that takes it away again, too."""
    s = plain_socket(gw.port_start, *token_of(users["reader"]))
    try:
        first = raw_produce(s, [("late", b"one")], correlation_id=21)
        assert first[("late", 0)][0] == TOPIC_AUTHORIZATION_FAILED, f"before the PUT: {first}"
        put_acls(gw, base_acls() + [acl("TOPIC", "late", "User:reader", "WRITE")])
        second = raw_produce(s, [("late", b"two")], correlation_id=22)
        assert second[("late", 0)][0] == 0, f"after the PUT that allows it: {second}"
        assert "late" in ck_listed(gw.bootstrap, users["reader"]), "WRITE on late does not imply DESCRIBE"
        put_acls(gw, base_acls())
        third = raw_produce(s, [("late", b"three")], correlation_id=23)
        assert third[("late", 0)][0] == TOPIC_AUTHORIZATION_FAILED, f"after the PUT that removes it: {third}"
    finally:
        s.close()
    assert high_watermarks(broker.bootstrap, [PREFIX + "late"])[PREFIX + "late"] == 1
    assert ck_listed(gw.bootstrap, users["reader"]) == ["orders"]
