"""The remaining plugins on the data path, each acting where it applies and not elsewhere (another
topic, group or user), through a SASL gateway on Apache Kafka with confluent-kafka and raw frames:
AlterTopicConfigPolicy, FetchPolicy, LimitJoinGroup, LimitCommitOffset, LimitConnection, and the
chaos plugins SimulateLatency, SimulateSlowBroker, SimulateSlowProducersConsumers and
SimulateLeaderElectionsErrors.
"""
import socket
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

import kafka_wire as kw
import sasl_helpers as sh
from test_interceptors import (POLICY_VIOLATION, create_physical, deploy, gw, passthrough_user,  # noqa: F401
                               remove)
from vcluster_helpers import ck_produce_errors, plain_socket


def config_value(broker, topic, key):
    res = ConfigResource(ResourceType.TOPIC, topic)
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    return admin.describe_configs([res])[res].result(20)[key].value


def alter_error(admin, topic, key, value):
    res = ConfigResource(ResourceType.TOPIC, topic, set_config={key: value})
    try:
        admin.alter_configs([res])[res].result(30)
        return None
    except KafkaException as e:
        return e.args[0].code(), e.args[0].str()


def test_alter_topic_config_policy(gw, broker):
    suffix, user, conf = passthrough_user(gw, "atc")
    guarded, free = f"atc-{suffix}", f"free-{suffix}"
    create_physical(broker, guarded, free)
    name, scope = f"atc-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.AlterTopicConfigPolicyPlugin",
           {"topic": "atc-.*", "retentionMs": {"min": 3600000, "action": "BLOCK"}}, scope=scope)
    admin = AdminClient(dict(conf, **{"bootstrap.servers": gw.bootstrap}))
    try:
        code, message = alter_error(admin, guarded, "retention.ms", "1000")
        assert code == POLICY_VIOLATION and "retention.ms" in message and "1000" in message, message
        assert config_value(broker, guarded, "retention.ms") != "1000"
        assert alter_error(admin, guarded, "retention.ms", "7200000") is None
        assert config_value(broker, guarded, "retention.ms") == "7200000"
        assert alter_error(admin, free, "retention.ms", "1000") is None
        assert config_value(broker, free, "retention.ms") == "1000"
    finally:
        remove(gw, name, scope)


def read_count(gw, conf, topic, n, isolation, seconds=10):
    c = Consumer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "group.id": f"fp-{uuid.uuid4().hex[:6]}",
                               "isolation.level": isolation, "enable.auto.commit": False}))
    got = 0
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        deadline = time.time() + seconds
        while got < n and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got += 1
    finally:
        c.close()
    return got


def test_fetch_policy_requires_read_committed(gw, broker):
    suffix, user, conf = passthrough_user(gw, "fp")
    guarded, free = f"fp-{suffix}", f"other-{suffix}"
    create_physical(broker, guarded, free)
    for t in (guarded, free):
        assert ck_produce_errors(broker.bootstrap, t, {}, n=5) == ([], 5)
    name, scope = f"fp-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.FetchPolicyPlugin",
           {"topic": "fp-.*", "isolationLevel": {"value": "read_committed", "action": "BLOCK"}}, scope=scope)
    try:
        assert read_count(gw, conf, guarded, 5, "read_uncommitted", seconds=8) == 0
        assert read_count(gw, conf, guarded, 5, "read_committed") == 5
        assert read_count(gw, conf, free, 5, "read_uncommitted") == 5
    finally:
        remove(gw, name, scope)


def joins(gw, conf, topic, group, seconds=20):
    """A consumer of `group`; True when it got an assignment (it is closed at the end)."""
    c = Consumer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "group.id": group}))
    c.subscribe([topic])
    deadline = time.time() + seconds
    while not c.assignment() and time.time() < deadline:
        c.poll(0.5)
    return c, bool(c.assignment())


def test_limit_join_group_policy(gw, broker):
    suffix, user, conf = passthrough_user(gw, "ljg")
    topic = f"ljg-{suffix}"
    create_physical(broker, topic)
    name, scope = f"ljg-{suffix}", {"username": user}
    # librdkafka's first join takes three JoinGroups (KIP-394: the broker asks for a member id;
    # then the new generation's rejoin).
    deploy(gw, name, "safeguard.LimitJoinGroupPolicyPlugin",
           {"groupId": "limited-.*", "maximumJoinsPerMinute": 3, "action": "BLOCK"}, scope=scope)
    consumers = []
    try:
        c, ok = joins(gw, conf, topic, f"limited-{suffix}")
        consumers.append(c)
        assert ok, "the first member's joins are within the limit"
        # a second member of the same group: its JoinGroups are past the limit
        c, ok = joins(gw, conf, topic, f"limited-{suffix}", seconds=10)
        consumers.append(c)
        assert not ok, "a third JoinGroup on the group within the minute joined"
        c, ok = joins(gw, conf, topic, f"free-{suffix}")
        consumers.append(c)
        assert ok, "a group outside the pattern was limited"
    finally:
        for c in consumers:
            c.close()
        remove(gw, name, scope)


def test_limit_commit_offset_policy(gw, broker):
    suffix, user, conf = passthrough_user(gw, "lco")
    topic = f"lco-{suffix}"
    create_physical(broker, topic)
    assert ck_produce_errors(broker.bootstrap, topic, {}, n=5) == ([], 5)
    name, scope = f"lco-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.LimitCommitOffsetPolicyPlugin",
           {"groupId": "limited-.*", "maximumCommitsPerMinute": 2, "action": "BLOCK"}, scope=scope)

    def commits(group):
        c = Consumer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "group.id": group,
                                   "enable.auto.commit": False}))
        outcomes = []
        try:
            for i in range(1, 4):
                try:
                    c.commit(offsets=[TopicPartition(topic, 0, i)], asynchronous=False)
                    outcomes.append(0)
                except KafkaException as e:
                    outcomes.append(e.args[0].code())
        finally:
            c.close()
        return outcomes

    try:
        assert commits(f"limited-{suffix}") == [0, 0, POLICY_VIOLATION]
        assert commits(f"free-{suffix}") == [0, 0, 0]
    finally:
        remove(gw, name, scope)


def metadata_answered(port, user, token):
    """Logs in, sends Metadata v1; True when answered, False when kgate closed the connection."""
    s = plain_socket(port, user, token)
    try:
        s.sendall(kw.metadata_v1(7, []))
        try:
            kw.read_response(s)
            return True
        except (ConnectionError, socket.timeout, OSError, EOFError, ValueError):
            return False
    finally:
        s.close()


def test_limit_connection_policy(gw, broker):
    suffix, user, conf = passthrough_user(gw, "lc")
    other = f"lc-other-{suffix}"
    sh.create_service_account(gw.http_port, other)
    other_token = sh.create_token(gw.http_port, other)
    token = conf["sasl.password"]
    name, scope = f"lc-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.LimitConnectionPolicyPlugin",
           {"maximumConnectionsPerSecond": 2, "action": "BLOCK"}, scope=scope)
    try:
        start = time.time()
        port = int(gw.bootstrap.rsplit(":", 1)[1])
        answered = [metadata_answered(port, user, token) for _ in range(8)]
        took = time.time() - start
        windows = int(took) + 2  # the connections span at most this many one-second windows
        assert sum(answered) <= 2 * windows and not all(answered), (answered, took)
        assert all(metadata_answered(port, other, other_token) for _ in range(8)), "another user was limited"
    finally:
        remove(gw, name, scope)


def produce_seconds(gw, conf, topic, samples=3):
    """The fastest of `samples` one-record acks=1 produce + flush round trips."""
    p = Producer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "acks": 1, "linger.ms": 0}))
    p.produce(topic, b"warm-up")
    assert p.flush(30) == 0
    best = None
    for i in range(samples):
        start = time.time()
        p.produce(topic, b"x%d" % i)
        assert p.flush(30) == 0
        took = time.time() - start
        best = took if best is None else min(best, took)
    return best


@pytest.mark.parametrize("plugin,config,least", [
    ("chaos.SimulateLatencyPlugin", {"appliedPercentage": 100, "latencyMs": 400}, 0.4),
    ("chaos.SimulateSlowBrokerPlugin", {"rateInPercent": 100, "minLatencyMs": 400, "maxLatencyMs": 500}, 0.4),
    ("chaos.SimulateSlowProducersConsumersPlugin",
     {"topic": "slow-.*", "rateInPercent": 100, "minLatencyMs": 400, "maxLatencyMs": 500}, 0.4),
])
def test_chaos_delays_only_where_deployed(gw, broker, plugin, config, least):
    suffix, user, conf = passthrough_user(gw, "slow")
    _, other, other_conf = passthrough_user(gw, "fast")
    slow, fast = f"slow-{suffix}", f"fast-{suffix}"
    create_physical(broker, slow, fast)
    name, scope = f"chaos-{suffix}", {"username": user}
    deploy(gw, name, plugin, config, scope=scope)
    try:
        assert produce_seconds(gw, conf, slow) >= least
        assert produce_seconds(gw, other_conf, slow) < least, "another user was delayed"
        if "topic" in config:
            assert produce_seconds(gw, conf, fast) < least, "a topic outside the pattern was delayed"
    finally:
        remove(gw, name, scope)


def raw_produce_errors(gw, user, token, topic, n=3):
    """n Produce v3 requests (acks=1) on one logged-in socket: the partition error codes."""
    port = int(gw.bootstrap.rsplit(":", 1)[1])
    s = plain_socket(port, user, token)
    codes = []
    try:
        for i in range(n):
            batch = kw.record_batch([(b"k", b"v%d" % i)])
            s.sendall(kw.produce_v3(10 + i, topic, 0, batch))
            _, body = kw.read_response(s)
            codes += [err for _, _, err, _ in kw.parse_produce_v3(body)]
    finally:
        s.close()
    return codes


def test_leader_election_errors_answer_produce_with_leader_errors(gw, broker):
    suffix, user, conf = passthrough_user(gw, "le")
    _, other, other_conf = passthrough_user(gw, "steady")
    topic = f"le-{suffix}"
    create_physical(broker, topic)
    name, scope = f"le-{suffix}", {"username": user}
    deploy(gw, name, "chaos.SimulateLeaderElectionsErrorsPlugin", {"rateInPercent": 100}, scope=scope)
    try:
        codes = raw_produce_errors(gw, user, conf["sasl.password"], topic)
        assert codes and set(codes) <= {5, 6, 8}, codes
        assert raw_produce_errors(gw, other, other_conf["sasl.password"], topic) == [0, 0, 0]
        # a client with retries gets its records through once the plugin is gone
        remove(gw, name, scope)
        name = None
        assert ck_produce_errors(gw.bootstrap, topic, conf, n=3) == ([], 3)
    finally:
        if name:
            remove(gw, name, scope)


CODECS = ("gzip", "snappy", "lz4", "zstd")


def test_record_headers_are_required_inside_every_codec(gw, broker):
    """recordHeaderRequired opens the batches: librdkafka's and the Java client's gzip, snappy,
    lz4 and zstd batches decompress in kgate (a batch it could not read would be answered with an
    error, not passed)."""
    import java_driver as jd
    from confluent_kafka import Producer

    suffix, user, conf = passthrough_user(gw, "hdr")
    topic = f"hdr-{suffix}"
    create_physical(broker, topic)
    name, scope = f"hdr-{suffix}", {"username": user}
    deploy(gw, name, "safeguard.ProducePolicyPlugin",
           {"recordHeaderRequired": {"value": True, "action": "BLOCK"}}, scope=scope)
    try:
        for codec in CODECS:
            results = {}
            p = Producer(dict(conf, **{"bootstrap.servers": gw.bootstrap, "compression.codec": codec,
                                       "linger.ms": 20, "message.timeout.ms": 15000}))
            for i in range(50):
                headers = [("trace", b"t%d" % i)] if i % 2 == 0 else None
                p.produce(topic, key=str(i).encode(), value=b"v" * 200, headers=headers, partition=0,
                          on_delivery=lambda e, m, i=i: results.__setitem__(i, e.code() if e else 0))
                p.flush(15)  # one record a batch: each is judged on its own
            assert {i: c for i, c in results.items()} == {i: 0 if i % 2 == 0 else POLICY_VIOLATION
                                                          for i in range(50)}, codec
        sasl = [f"security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                f'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required '
                f'username="{user}" password="{conf["sasl.password"]}";']
        steps = [jd.step("produce", gw.bootstrap, topic=topic, count=100, partitions=1, compression=c,
                         acks="all", prop=sasl) for c in CODECS]
        r = jd.run(*steps, timeout=180)
        for k, codec in enumerate(CODECS):
            produced = r.summary("produced", k)
            assert produced["acked"] == 100 and produced["errors"] == 0, (codec, produced)
    finally:
        remove(gw, name, scope)


def read_headers(bootstrap, conf, topic, n, seconds=20):
    c = Consumer(dict(conf, **{"bootstrap.servers": bootstrap, "group.id": f"h-{uuid.uuid4().hex[:6]}",
                               "enable.auto.commit": False}))
    out = []
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        deadline = time.time() + seconds
        while len(out) < n and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                out.append((m.value(), dict((k, v) for k, v in (m.headers() or []))))
    finally:
        c.close()
    return out


def test_header_injection_and_removal(gw, broker):
    """The producer's records get its user and address as headers (written into its gzip
    batches: read straight from the broker); a consumer scoped by MessageHeaderRemoval does not
    see them through kgate, another consumer does."""
    from confluent_kafka import Producer

    suffix, producer_user, pconf = passthrough_user(gw, "inj")
    _, reader, rconf = passthrough_user(gw, "masked")
    _, other, oconf = passthrough_user(gw, "plain")
    topic = f"inj-{suffix}"
    create_physical(broker, topic)
    inj, rem = f"inj-{suffix}", f"rem-{suffix}"
    deploy(gw, inj, "DynamicHeaderInjectionPlugin",
           {"topic": "inj-.*", "headers": {"X-User": "{{user}}", "X-Ip": "{{userIp}}"}},
           scope={"username": producer_user})
    deploy(gw, rem, "safeguard.MessageHeaderRemovalPlugin", {"topic": "inj-.*", "headerKeyRegex": "X-.*"},
           scope={"username": reader})
    try:
        p = Producer(dict(pconf, **{"bootstrap.servers": gw.bootstrap, "compression.codec": "gzip",
                                    "linger.ms": 20}))
        for i in range(20):
            p.produce(topic, value=b"v%d" % i, headers=[("keep", b"k%d" % i)], partition=0)
        assert p.flush(20) == 0
        direct = read_headers(broker.bootstrap, {}, topic, 20)
        assert len(direct) == 20
        for value, headers in direct:
            assert headers == {"keep": b"k" + value[1:], "X-User": producer_user.encode(), "X-Ip": b"127.0.0.1"}, \
                headers
        masked = read_headers(gw.bootstrap, rconf, topic, 20)
        assert [v for v, _ in masked] == [v for v, _ in direct]
        assert all(h == {"keep": b"k" + v[1:]} for v, h in masked), masked[:3]
        plain = read_headers(gw.bootstrap, oconf, topic, 20)
        assert plain == direct
    finally:
        remove(gw, inj, {"username": producer_user})
        remove(gw, rem, {"username": reader})


def test_field_masking_for_one_principal_only(gw, broker):
    import json as _json
    from confluent_kafka import Producer

    suffix, viewer, vconf = passthrough_user(gw, "viewer")
    _, owner, oconf = passthrough_user(gw, "owner")
    topic = f"cards-{suffix}"
    create_physical(broker, topic)
    name, scope = f"mask-{suffix}", {"username": viewer}
    deploy(gw, name, "FieldLevelDataMaskingPlugin", {"topic": "cards-.*", "policies": [
        {"name": "secrets", "rule": {"type": "MASK_ALL"}, "fields": ["password"]},
        {"name": "card", "rule": {"type": "MASK_LAST_N", "maskingChar": "X", "numberOfChars": 4},
         "fields": ["card.number"]}]}, scope=scope)
    try:
        p = Producer({"bootstrap.servers": broker.bootstrap, "compression.codec": "snappy", "linger.ms": 20})
        for i in range(10):
            p.produce(topic, partition=0, value=_json.dumps(
                {"name": f"n{i}", "password": "hunter2", "card": {"number": f"411111111111{i:04d}"}}).encode())
        assert p.flush(20) == 0
        seen = [_json.loads(v) for v, _ in read_headers(gw.bootstrap, vconf, topic, 10)]
        assert len(seen) == 10
        for i, r in enumerate(seen):
            assert r == {"name": f"n{i}", "password": "*******", "card": {"number": f"411111111111XXXX"}}, r
        original = [_json.loads(v) for v, _ in read_headers(gw.bootstrap, oconf, topic, 10)]
        assert [r["password"] for r in original] == ["hunter2"] * 10
    finally:
        remove(gw, name, scope)
