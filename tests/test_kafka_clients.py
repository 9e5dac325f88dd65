"""Every client through kgate on Apache Kafka 4.1.1 (KRaft), with one broker (node 111) and with three
(nodes 1, 2, 3, replication factor 3): the Java client (tests/java/KgateDriver.java), confluent-kafka
(librdkafka 2.16), kafka-python and Debian's kcat (librdkafka 2.0.2). kafkactl is not among them: the Go
module proxy refuses github.com/deviceinsight/kafkactl/v5 (403, every version).

What is asserted, per cluster size:
- produce and consume with every compression a client offers (none, gzip, snappy, lz4, zstd): each record exactly once, with its key, value and (Java) header, in
  its partition, in order per partition, and read back by a second client too;
- consumer groups with the classic protocol and KIP-848's `group.protocol=consumer` (Java and
  confluent-kafka; kafka-python classic only): two members share the partitions, each record is read
  once by the member that owns its partition, the group's committed offsets are the end offsets, and
  the group has the protocol's type;
- exactly-once: a transactional producer (Java, confluent-kafka) commits three transactions and
  aborts one; read_committed consumers see every committed record once and no aborted one, while
  read_uncommitted sees the aborted records too (so they did reach the log);
- the Java Admin client: create, list, describe topics, the cluster, a group and its offsets;
- requests written just before a close (an acks=0 producer's close()) still reach the broker;
- addresses: every broker address a client is given is a kgate port (gateway mode only).

With KGATE_E2E_DIRECT=1 the same tests run against the brokers themselves.
"""
import re
import signal
import socket
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

import java_driver as jd
import kafka_wire as kw
from clients import ck_produce
from conftest import HOST
from kafka_cluster import KafkaCluster

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
PARTITIONS = 3
PAD = 16


# --- the clusters and kgate ---------------------------------------------------------------------
@pytest.fixture(scope="module", params=[(111,), (1, 2, 3)], ids=["kafka1", "kafka3"])
def cluster(request, tmp_path_factory):
    c = KafkaCluster(tmp_path_factory.mktemp("kafka"), node_ids=request.param)
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


@pytest.fixture
def gw(cluster, kgate_factory):
    opts = {"broker_ids": cluster.node_ids, "backend_ports": cluster.ports_by_id()}
    if len(cluster.node_ids) == 1:
        opts["port_count"] = 3
    return kgate_factory(cluster.bootstrap, **opts)


def broker_ports(cluster):
    return sorted({p for n in cluster.nodes.values() for p in n.ports.values()})


def assert_no_broker_address(gw, cluster, text, what):
    """No listener port of any broker (client, inter-broker, controller) appears as :PORT in text."""
    if gw.direct:
        return  # without kgate the brokers' own addresses are the right answer
    for port in broker_ports(cluster):
        m = re.search(rf"[^\s]*:{port}(?!\d)", text)
        assert m is None, \
            f"{what} names broker address {m.group(0)} (broker ports {broker_ports(cluster)}):\n{text[:3000]}"


def new_topics(cluster, count, partitions=PARTITIONS):
    """`count` fresh topics, created in one CreateTopics call on the brokers' own listener, and
    visible with a leader for every partition."""
    from confluent_kafka.admin import NewTopic

    names = [f"t-{uuid.uuid4().hex[:10]}" for _ in range(count)]
    admin = cluster.admin()
    rf = min(3, len(cluster.node_ids))
    for name, fut in admin.create_topics([NewTopic(n, partitions, rf) for n in names],
                                         operation_timeout=30).items():
        fut.result(30)
    deadline = time.time() + 30
    for name in names:
        while True:
            t = admin.list_topics(name, timeout=5).topics.get(name)
            if t is not None and t.error is None and len(t.partitions) == partitions \
                    and all(p.leader >= 0 for p in t.partitions.values()):
                break
            assert time.time() < deadline, f"topic {name} not ready"
            time.sleep(0.1)
    return names


def gateway_ports(gw, cluster):
    return {gw.broker_port(i) for i in cluster.node_ids}


# --- record checks ----------------------------------------------------------------------------------
def value_of(i, prefix="v"):
    return f"{prefix}{i}".ljust(PAD, ".").encode()


def check_exact(records, expected, partitions=PARTITIONS, what="records"):
    """records [(partition, offset, key, value)]: exactly the indexes in `expected`, each once, with its
    value, in partition i % partitions (None: any partition), in index and offset order per partition."""
    seen, last_idx, last_off = {}, {}, {}
    for part, off, key, value in records:
        i = int(key)
        assert value == value_of(i), f"{what}: record {i} has value {value!r}"
        assert i not in seen, f"{what}: record {i} twice (offsets {seen[i]} and {off})"
        assert i in expected, f"{what}: record {i} must not be there"
        if partitions is not None:
            assert part == i % partitions, f"{what}: record {i} in partition {part}"
        assert i > last_idx.get(part, -1), f"{what}: partition {part}: {i} after {last_idx.get(part)}"
        assert off > last_off.get(part, -1), f"{what}: partition {part}: offset {off} after {last_off.get(part)}"
        seen[i], last_idx[part], last_off[part] = off, i, off
    missing = set(expected) - set(seen)
    assert not missing, f"{what}: {len(missing)} records missing, e.g. {sorted(missing)[:10]}"


def ck_read_to_end(bootstrap, topic, partitions=PARTITIONS, timeout=60.0, expect=0, **conf):
    """confluent-kafka, partitions assigned from offset 0, read until librdkafka reports the end of
    every partition (the last stable offset with read_committed, past aborted records and markers)
    and at least `expect` records came: a transaction's markers are written after its commit
    returns, so right after a commit the last stable offset may not cover it yet."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"unused-{uuid.uuid4().hex[:6]}",
                  "enable.partition.eof": True, "enable.auto.commit": False, **conf})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, at_end = [], set()
        deadline = time.time() + timeout
        while len(at_end) < partitions or len(out) < expect:
            assert time.time() < deadline, \
                f"{topic}: {len(out)} records in {timeout}s, expected {expect} and the end of every partition"
            for m in c.consume(1000, 0.5):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        at_end.add(m.partition())
                        continue
                    raise KafkaException(m.error())
                at_end.discard(m.partition())
                out.append((m.partition(), m.offset(), m.key(), m.value()))
        return out
    finally:
        c.close()


# --- produce/consume with every compression ------------------------------------------------------------
N = 400


def test_java_produce_consume_compressions(cluster, gw):
    """The Java client produces N records per codec (with acks all+idempotent, 1 and 0) and reads them
    back to the end of each partition; confluent-kafka reads the same topics."""
    acks = {"none": ("all", True), "gzip": ("1", False), "snappy": ("all", False), "lz4": ("0", False),
            "zstd": ("all", True)}
    topics = dict(zip(CODECS, new_topics(cluster, len(CODECS))))
    steps = []
    for codec in CODECS:
        a, idem = acks[codec]
        steps.append(jd.step("produce", gw.bootstrap, topic=topics[codec], count=N, partitions=PARTITIONS,
                             compression=codec, acks=a, idempotence=idem))
        if a != "all":
            # Only acks=all answers after the high watermark covers the records. With acks=1 (three
            # replicas) or acks=0 the consumer's end offsets may predate them: wait for N records
            # instead, and 1 s more for any extra one.
            steps.append(jd.step("consume", gw.bootstrap, topic=topics[codec], expect=N, linger_ms=1000,
                                 timeout_ms=60000))
        else:
            steps.append(jd.step("consume", gw.bootstrap, topic=topics[codec], until_end=True, timeout_ms=60000))
    r = jd.run(*steps, timeout=240)
    for k, codec in enumerate(CODECS):
        produced = r.summary("produced", 2 * k)
        assert produced["acked"] == N and produced["errors"] == 0, (codec, produced)
        if acks[codec][0] != "0":  # acks=0: the client learns no offsets
            assert {p: v[2] for p, v in produced["offsets"].items()} == \
                {str(p): N // PARTITIONS + (1 if p < N % PARTITIONS else 0) for p in range(PARTITIONS)}, produced
        consumed = r.summary("consumed", 2 * k + 1)
        assert not consumed["timed_out"], (codec, consumed)
        recs = r.of("record", 2 * k + 1)
        assert all(e["h"] == {"i": e["k"]} for e in recs), f"{codec}: headers lost: {recs[:3]}"
        check_exact(r.records(2 * k + 1), set(range(N)), what=f"Java {codec} acks={acks[codec][0]}")
        # a second client decodes what the Java client compressed
        check_exact(ck_read_to_end(gw.bootstrap, topics[codec]), set(range(N)), what=f"confluent reading Java {codec}")


def test_confluent_produce_consume_compressions(cluster, gw):
    """confluent-kafka produces per codec and reads back; kafka-python reads the same topics."""
    for codec, topic in zip(CODECS, new_topics(cluster, len(CODECS))):
        # idempotent: a batch retried after the new topic's first NOT_LEADER keeps its order
        ck_produce(gw.bootstrap, topic, N, partitions=PARTITIONS,
                   **{"compression.codec": codec, "acks": "all", "enable.idempotence": True})
        check_exact(ck_read_to_end(gw.bootstrap, topic), set(range(N)), what=f"confluent-kafka {codec}")
        check_exact(kp_read_to_end(gw.bootstrap, topic), set(range(N)), what=f"kafka-python reading {codec}")


def kp_read_to_end(bootstrap, topic, timeout=60.0, **conf):
    """kafka-python: all partitions assigned from the beginning, read until every position reached
    the end offset taken at the start."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition as KpTp

    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", **conf)
    try:
        tps = [KpTp(topic, p) for p in range(PARTITIONS)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        ends = c.end_offsets(tps)
        out = []
        deadline = time.time() + timeout
        while any(c.position(tp) < ends[tp] for tp in tps):
            assert time.time() < deadline, f"kafka-python: end of {topic} not reached ({len(out)} records)"
            for tp, msgs in c.poll(timeout_ms=200, max_records=5000).items():
                out += [(tp.partition, m.offset, m.key, m.value) for m in msgs]
        return out
    finally:
        c.close()


def kp_read(bootstrap, topic, n, timeout=60.0, linger=0.5, **conf):
    """kafka-python: all partitions assigned from the beginning, until n records (then `linger` more)."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition as KpTp

    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", **conf)
    try:
        tps = [KpTp(topic, p) for p in range(PARTITIONS)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        out = []
        deadline = time.time() + timeout
        end = None
        while time.time() < deadline and (end is None or time.time() < end):
            for tp, msgs in c.poll(timeout_ms=200, max_records=5000).items():
                out += [(tp.partition, m.offset, m.key, m.value) for m in msgs]
            if end is None and len(out) >= n:
                end = time.time() + linger
        return out
    finally:
        c.close()


def test_kafka_python_produce_consume_compressions(cluster, gw):
    from kafka import KafkaProducer

    for codec, topic in zip(CODECS, new_topics(cluster, len(CODECS))):
        p = KafkaProducer(bootstrap_servers=gw.bootstrap, acks="all", linger_ms=5, enable_idempotence=True,
                          compression_type=None if codec == "none" else codec)
        try:
            futs = [p.send(topic, key=str(i).encode(), value=value_of(i), partition=i % PARTITIONS) for i in range(N)]
            p.flush(60)
            offsets = [f.get(timeout=30).offset for f in futs]
        finally:
            p.close(10)
        assert all(o >= 0 for o in offsets)
        check_exact(kp_read_to_end(gw.bootstrap, topic), set(range(N)), what=f"kafka-python {codec}")
        check_exact(ck_read_to_end(gw.bootstrap, topic), set(range(N)), what=f"confluent reading kafka-python {codec}")


def kcat(*args, stdin=None, timeout=60):
    r = subprocess.run(["kcat", *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def test_kcat_produce_consume_compressions(cluster, gw):
    rc, out, err = kcat("-b", gw.bootstrap, "-L", "-m", "20")
    assert rc == 0, err
    brokers = re.findall(r"broker (\d+) at ([^\s:]+):(\d+)", out)
    assert {int(b) for b, _, _ in brokers} == set(cluster.node_ids), out
    assert {int(p) for _, _, p in brokers} == gateway_ports(gw, cluster), out
    assert_no_broker_address(gw, cluster, out + err, "kcat -L")
    for codec, topic in zip(CODECS, new_topics(cluster, len(CODECS))):
        lines = "".join(f"{i}:{value_of(i).decode()}\n" for i in range(N))
        rc, out, err = kcat("-b", gw.bootstrap, "-P", "-t", topic, "-K:", "-z", codec, "-X", "acks=all",
                            "-X", "enable.idempotence=true", stdin=lines)
        assert rc == 0, f"kcat -P -z {codec}: {err}"
        rc, out, err = kcat("-b", gw.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                            "-f", "%p %o %k %s\n")
        assert rc == 0, f"kcat -C ({codec}): {err}"
        recs = [(int(p), int(o), k.encode(), v.encode())
                for p, o, k, v in (line.split(" ", 3) for line in out.splitlines())]
        # kcat partitions by key hash: any partition, but in order within each
        check_exact(recs, set(range(N)), partitions=None, what=f"kcat {codec}")
        assert len({p for p, _, _, _ in recs}) == PARTITIONS, "keys should spread over every partition"


def test_requests_written_before_a_close_reach_the_broker(cluster, gw):
    """What a producer's close() does with acks=0: write the Produce, close the socket at once. Kafka
    serves the requests that arrived before a close, so kgate must forward them (it dropped them when
    they came in the same read as the close, or before its broker connection was up). Raw sockets,
    one acks=0 Produce v3 each, closed right after the write."""
    topic = new_topics(cluster, 1, partitions=1)[0]
    leader = cluster.admin().list_topics(topic, timeout=10).topics[topic].partitions[0].leader
    n = 30
    for i in range(n):
        batch = kw.record_batch([(str(i).encode(), value_of(i))])
        with socket.create_connection((HOST, gw.broker_port(leader)), timeout=10) as s:
            s.sendall(kw.produce_v3(i, topic, 0, batch, acks=0))
    recs = ck_read_to_end(gw.bootstrap, topic, partitions=1, expect=n, timeout=20)
    # one connection per record: the broker may append them in any order
    assert sorted((int(k), v) for _, _, k, v in recs) == [(i, value_of(i)) for i in range(n)], recs


# --- consumer groups: classic and KIP-848 -------------------------------------------------------------------
G_N = 600


def latest_assignments(events):
    """member -> set of partition numbers, from the driver's latest "assignment" event per member."""
    cur = {}
    for e in events:
        if e["event"] == "assignment":
            cur[e["m"]] = {int(p.rsplit("-", 1)[1]) for p in e["partitions"]}
    return cur


def shared_assignment(cur, members=2):
    """Every member owns at least one partition, none twice, all of them covered."""
    if len(cur) < members or any(not s for s in cur.values()):
        return False
    union = set().union(*cur.values())
    return union == set(range(PARTITIONS)) and sum(len(s) for s in cur.values()) == PARTITIONS


def check_group_result(gw, cluster, group, topic, per_member, expected_type):
    """per_member: member -> (records, partitions it was ever assigned). Every record once, each by a
    member owning its partition, both members busy; committed offsets at the end; group type."""
    allrecs = [r for recs, _ in per_member.values() for r in recs]
    check_exact(allrecs, set(range(G_N)), what=f"group {group}")
    for m, (recs, owned) in per_member.items():
        assert recs, f"member {m} read nothing (owned {owned})"
        stray = {p for p, _, _, _ in recs} - owned
        assert not stray, f"member {m} read partitions {stray} it never owned ({owned})"
    admin = AdminClient({"bootstrap.servers": gw.bootstrap})
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    from confluent_kafka import ConsumerGroupTopicPartitions
    res = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, tps)])[group].result(30)
    committed = {tp.partition: tp.offset for tp in res.topic_partitions}
    assert committed == {p: G_N // PARTITIONS for p in range(PARTITIONS)}, committed
    desc = admin.describe_consumer_groups([group])[group].result(30)
    assert desc.type.name == expected_type, (desc.type, desc)
    assert desc.coordinator.id in cluster.node_ids and desc.coordinator.port in gateway_ports(gw, cluster), \
        desc.coordinator


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_java_consumer_group(cluster, gw, protocol):
    topic = cluster.create_topic(partitions=PARTITIONS)
    group = f"g-java-{protocol}-{uuid.uuid4().hex[:6]}"
    bg = jd.Background(jd.step("consume", gw.bootstrap, topic=topic, expect=G_N, group=group, protocol=protocol,
                               members=2, timeout_ms=120000, linger_ms=1000))
    try:
        bg.wait_for(lambda ev: shared_assignment(latest_assignments(ev)), timeout=90,
                    what="two members sharing the partitions")
        ck_produce(gw.bootstrap, topic, G_N, partitions=PARTITIONS)
        r = bg.finish(timeout=150)
    finally:
        bg.kill()
    s = r.summary("consumed")
    assert not s["timed_out"], s
    owned = {}
    for e in r.of("assignment"):
        owned.setdefault(e["m"], set()).update(int(p.rsplit("-", 1)[1]) for p in e["partitions"])
    per_member = {m: ([(e["p"], e["o"], e["k"].encode(), e["v"].encode()) for e in r.of("record") if e["m"] == m],
                      owned.get(m, set())) for m in (0, 1)}
    check_group_result(gw, cluster, group, topic, per_member, "CONSUMER" if protocol == "consumer" else "CLASSIC")


def run_python_members(consumers, poll, assignment, commit, produce, n, timeout=90.0):
    """Poll the members in turn until they share the partitions, produce, then read until n records
    arrived and 1 s more. Returns member -> (records, partitions ever owned)."""
    owned = {m: set() for m in range(len(consumers))}
    recs = {m: [] for m in range(len(consumers))}
    deadline = time.time() + timeout

    def round_():
        for m, c in enumerate(consumers):
            got = poll(c)
            recs[m] += got
            if got:
                commit(c)
            owned[m] |= assignment(c)

    while not shared_assignment({m: assignment(c) for m, c in enumerate(consumers)}, len(consumers)):
        assert time.time() < deadline, f"members never shared the partitions: {[assignment(c) for c in consumers]}"
        round_()
    assert not any(recs.values()), "records before any were produced"
    produce()
    end = None
    while end is None or time.time() < end:
        assert time.time() < deadline, f"only {sum(map(len, recs.values()))} of {n} records in {timeout}s"
        round_()
        if end is None and sum(map(len, recs.values())) >= n:
            end = time.time() + 1.0
    return {m: (recs[m], owned[m]) for m in recs}


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_confluent_consumer_group(cluster, gw, protocol):
    topic = cluster.create_topic(partitions=PARTITIONS)
    group = f"g-ck-{protocol}-{uuid.uuid4().hex[:6]}"
    conf = {"bootstrap.servers": gw.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "group.protocol": protocol}
    consumers = [Consumer(conf) for _ in range(2)]
    for c in consumers:
        c.subscribe([topic])

    def poll(c):
        out = []
        for m in c.consume(1000, 0.2):
            if m.error():
                raise KafkaException(m.error())
            out.append((m.partition(), m.offset(), m.key(), m.value()))
        return out

    try:
        per_member = run_python_members(
            consumers, poll, lambda c: {tp.partition for tp in c.assignment()},
            lambda c: c.commit(asynchronous=False),
            lambda: ck_produce(gw.bootstrap, topic, G_N, partitions=PARTITIONS), G_N)
    finally:
        for c in consumers:
            c.close()
    check_group_result(gw, cluster, group, topic, per_member, "CONSUMER" if protocol == "consumer" else "CLASSIC")


def test_kafka_python_consumer_group(cluster, gw):
    from kafka import KafkaConsumer

    topic = cluster.create_topic(partitions=PARTITIONS)
    group = f"g-kp-classic-{uuid.uuid4().hex[:6]}"
    consumers = [KafkaConsumer(topic, bootstrap_servers=gw.bootstrap, group_id=group, auto_offset_reset="earliest",
                               enable_auto_commit=False) for _ in range(2)]

    def poll(c):
        return [(tp.partition, m.offset, m.key, m.value)
                for tp, msgs in c.poll(timeout_ms=200, max_records=1000).items() for m in msgs]

    try:
        per_member = run_python_members(
            consumers, poll, lambda c: {tp.partition for tp in c.assignment()}, lambda c: c.commit(),
            lambda: ck_produce(gw.bootstrap, topic, G_N, partitions=PARTITIONS), G_N)
    finally:
        for c in consumers:
            c.close()
    check_group_result(gw, cluster, group, topic, per_member, "CLASSIC")


# --- exactly-once: transactions ------------------------------------------------------------------------------
T_N, T_TXNS, T_ABORT = 600, 4, 1  # 4 transactions of 150 records; the second (150-299) is aborted
COMMITTED = set(range(T_N)) - set(range(150, 300))
READ_COMMITTED = {"isolation.level": "read_committed"}


def test_java_transactions(cluster, gw):
    topic = cluster.create_topic(partitions=PARTITIONS)
    tid = f"tx-java-{uuid.uuid4().hex[:6]}"
    r = jd.run(
        jd.step("produce", gw.bootstrap, topic=topic, count=T_N, partitions=PARTITIONS, transactional_id=tid,
                transactions=T_TXNS, abort=T_ABORT),
        # read_committed: the markers follow the commit, so the last stable offset may lag: wait
        # for the committed count, then 1.5 s more for anything that should not be there
        jd.step("consume", gw.bootstrap, topic=topic, isolation="read_committed", expect=len(COMMITTED),
                linger_ms=1500),
        jd.step("consume", gw.bootstrap, topic=topic, isolation="read_uncommitted", until_end=True),
        timeout=240)
    txns = r.of("txn", 0)
    assert [(t["from"], t["to"], t["outcome"]) for t in txns] == \
        [(0, 150, "commit"), (150, 300, "abort"), (300, 450, "commit"), (450, 600, "commit")], txns
    assert r.summary("produced", 0)["acked"] == T_N
    check_exact(r.records(1), COMMITTED, what="Java read_committed")
    check_exact(r.records(2), set(range(T_N)), what="Java read_uncommitted")
    check_exact(ck_read_to_end(gw.bootstrap, topic, expect=len(COMMITTED), **READ_COMMITTED),
                COMMITTED, what="confluent-kafka read_committed")


def test_confluent_transactions(cluster, gw):
    topic = cluster.create_topic(partitions=PARTITIONS)
    p = Producer({"bootstrap.servers": gw.bootstrap, "transactional.id": f"tx-ck-{uuid.uuid4().hex[:6]}",
                  "linger.ms": 5})
    p.init_transactions(30)
    errors = []
    per = T_N // T_TXNS
    for t in range(T_TXNS):
        p.begin_transaction()
        for i in range(t * per, (t + 1) * per):
            p.produce(topic, key=str(i).encode(), value=value_of(i), partition=i % PARTITIONS,
                      on_delivery=lambda err, msg: err and errors.append(err))
        assert p.flush(30) == 0
        if t == T_ABORT:
            p.abort_transaction(30)
        else:
            p.commit_transaction(30)
    assert not errors, errors[:5]
    check_exact(ck_read_to_end(gw.bootstrap, topic, expect=len(COMMITTED), **READ_COMMITTED),
                COMMITTED, what="confluent-kafka read_committed")
    check_exact(ck_read_to_end(gw.bootstrap, topic, **{"isolation.level": "read_uncommitted"}), set(range(T_N)),
                what="confluent-kafka read_uncommitted")
    check_exact(kp_read(gw.bootstrap, topic, len(COMMITTED), linger=1.0, isolation_level="read_committed"),
                COMMITTED, what="kafka-python read_committed")
    records, summary = jd.consume(gw.bootstrap, topic, len(COMMITTED), isolation="read_committed", linger_ms=1500)
    check_exact(records, COMMITTED, what="Java read_committed")


# --- the Java admin client ------------------------------------------------------------------------------------
def test_java_admin(cluster, gw, tmp_path):
    """The Java Admin client through kgate: create, list and describe a topic, describe the cluster;
    then a group reads the topic and is described, with its committed offsets. Client properties go
    through --props-file and --prop as other tests (SASL) pass theirs."""
    topic = f"admin-{uuid.uuid4().hex[:8]}"
    group = f"g-admin-{uuid.uuid4().hex[:6]}"
    rf = min(3, len(cluster.node_ids))
    props = tmp_path / "client.properties"
    props.write_text("request.timeout.ms=30000\n")
    common = {"props_file": props, "prop": ["client.id=kgate-e2e-admin"]}
    # Kafka's metadata reaches the other brokers shortly after CreateTopics returns: list and
    # describe after the producer has found the topic
    r = jd.run(jd.step("create-topics", gw.bootstrap, topic=topic, partitions=PARTITIONS, replication=rf, **common),
               jd.step("produce", gw.bootstrap, topic=topic, count=30, partitions=PARTITIONS),
               jd.step("consume", gw.bootstrap, topic=topic, expect=30, group=group, linger_ms=0,
                       prop=["client.id=kgate-e2e-member"]),
               jd.step("list-topics", gw.bootstrap, **common),
               jd.step("describe-topics", gw.bootstrap, topic=topic, **common),
               jd.step("describe-cluster", gw.bootstrap, **common),
               jd.step("describe-groups", gw.bootstrap, group=group, **common),
               jd.step("group-offsets", gw.bootstrap, group=group, **common),
               timeout=180)
    assert r.summary("created", 0)["topic"] == topic
    assert topic in r.summary("topics", 3)["topics"]
    desc = r.summary("topic", 4)
    assert [p["partition"] for p in desc["partitions"]] == list(range(PARTITIONS))
    ports = gateway_ports(gw, cluster)
    for p in desc["partitions"]:
        assert len(p["replicas"]) == rf and set(p["replicas"]) <= set(cluster.node_ids), p
        assert p["leader"]["id"] in p["replicas"] and p["leader"]["port"] == gw.broker_port(p["leader"]["id"]), p
        assert sorted(p["isr"]) == sorted(p["replicas"]), p
    cl = r.summary("cluster", 5)
    assert [n["id"] for n in cl["nodes"]] == sorted(cluster.node_ids), cl
    assert all(n["host"] == HOST and n["port"] == gw.broker_port(n["id"]) for n in cl["nodes"]), cl
    assert cl["controller"] is None or cl["controller"]["port"] in ports, cl
    check_exact(r.records(2), set(range(30)), what="Java group member")
    g = r.summary("group", 6)
    assert g["type"].upper() == "CLASSIC" and g["state"].upper() == "EMPTY" and g["members"] == [], g
    coordinator = g["coordinator"]
    assert coordinator["id"] in cluster.node_ids and coordinator["port"] == gw.broker_port(coordinator["id"]), g
    assert r.summary("group_offsets", 7)["offsets"] == {f"{topic}-{p}": 10 for p in range(PARTITIONS)}
    assert_no_broker_address(gw, cluster, r.raw_stdout, "Java admin output")
