"""Apache Kafka's own command-line tools through kgate, on a three-broker Kafka 4.1.1
cluster (nodes 1, 2, 3; replication factor 3), following the references' flows:

- reference 002: `kafka-topics --bootstrap-server <kgate> --command-config <file> --create / --list /
  --describe`, then kafka-console-producer and kafka-console-consumer, then `kafka-consumer-groups
  --describe` (offsets and `--state`) for the group that consumed, and kafka-acls.
(Reference 003's kafkactl flow is not here: the Go module proxy refuses kafkactl, 403 for every version.)

Besides the expected output, every output (stdout and stderr) must name no broker address: none of
the cluster's listener ports (client, inter-broker, controller) may appear, only kgate's ports
(gateway mode; with KGATE_E2E_DIRECT=1 the same flows run against the brokers and that check is off).
"""
import re
import signal
import uuid

import pytest

from conftest import HOST
from kafka_cli import (command_config, console_consumer, console_producer, consumer_groups, describe_table,
                       kafka_acls, kafka_topics)
from kafka_cluster import KafkaCluster

NODES = (1, 2, 3)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = KafkaCluster(tmp_path_factory.mktemp("kafka-cli"), node_ids=NODES)
    yield c
    c.stop(signal.SIGKILL)  # a temporary cluster: nothing of it is needed afterwards


@pytest.fixture
def gw(cluster, kgate_factory):
    return kgate_factory(cluster.bootstrap, broker_ids=cluster.node_ids, backend_ports=cluster.ports_by_id())


@pytest.fixture
def props(tmp_path):
    """The --command-config file of the reference's flow (plaintext here: client settings only)."""
    return command_config(tmp_path / "client.properties",
                          {"client.id": "kgate-e2e-cli", "request.timeout.ms": 30000})


def broker_ports(cluster):
    return sorted({p for n in cluster.nodes.values() for p in n.ports.values()})


def check_no_broker_address(gw, cluster, *outputs):
    """No broker listener port appears as :PORT; every host:port named is a kgate port."""
    text = "\n".join(outputs)
    if gw.direct:
        return
    for port in broker_ports(cluster):
        m = re.search(rf"[^\s]*:{port}(?!\d)", text)
        assert m is None, \
            f"output names broker address {m.group(0)} (broker ports {broker_ports(cluster)}):\n{text[:4000]}"
    allowed = {gw.broker_port(i) for i in cluster.node_ids} | {gw.port_start}
    for host, port in re.findall(r"(127\.0\.0\.1|localhost):(\d{4,5})(?!\d)", text):
        assert int(port) in allowed, f"output names {host}:{port}, not a kgate port ({sorted(allowed)}):\n{text[:4000]}"


# --- reference 002: kafka-topics -------------------------------------------------------------------------
def test_kafka_topics_create_list_describe(cluster, gw, props):
    topic = f"orders-{uuid.uuid4().hex[:8]}"
    base = ("--bootstrap-server", gw.bootstrap, "--command-config", props)
    outputs = []

    rc, out, err = kafka_topics(*base, "--create", "--topic", topic, "--partitions", 3, "--replication-factor", 3)
    outputs += [out, err]
    assert rc == 0, err
    assert f"Created topic {topic}." in out, out

    rc, out, err = kafka_topics(*base, "--create", "--topic", topic, "--partitions", 3, "--replication-factor", 3)
    outputs += [out, err]
    assert rc != 0 and "already exists" in out + err, (rc, out, err)

    rc, out, err = kafka_topics(*base, "--list")
    outputs += [out, err]
    assert rc == 0, err
    assert topic in out.splitlines(), out

    rc, out, err = kafka_topics(*base, "--describe", "--topic", topic)
    outputs += [out, err]
    assert rc == 0, err
    head = re.search(rf"Topic: {re.escape(topic)}\s+TopicId: \S+\s+PartitionCount: 3\s+ReplicationFactor: 3", out)
    assert head, out
    parts = re.findall(
        rf"Topic: {re.escape(topic)}\s+Partition: (\d+)\s+Leader: (\d+)\s+Replicas: ([\d,]+)\s+Isr: ([\d,]+)", out)
    assert sorted(int(p) for p, _, _, _ in parts) == [0, 1, 2], out
    for p, leader, replicas, isr in parts:
        reps = [int(x) for x in replicas.split(",")]
        assert sorted(reps) == list(NODES) and int(leader) in reps, out
        assert sorted(int(x) for x in isr.split(",")) == list(NODES), out
    check_no_broker_address(gw, cluster, *outputs)


def test_kafka_acls_security_disabled(cluster, gw, props):
    """kafka-acls --list through a kgate without ACLs: kgate answers SECURITY_DISABLED (DescribeAcls
    error 54) itself, as a Kafka broker without an authorizer does, rather than letting clients
    manage the cluster's ACLs as kgate's own identity."""
    rc, out, err = kafka_acls("--bootstrap-server", gw.bootstrap, "--command-config", props, "--list")
    assert rc != 0, (out, err)
    assert "SecurityDisabledException: No Authorizer is configured" in out + err, (out, err)
    check_no_broker_address(gw, cluster, out, err)


# --- reference 002: console producer, console consumer, consumer groups -------------------------------------
def test_console_producer_consumer_and_groups(cluster, gw, props, tmp_path):
    topic = cluster.create_topic(partitions=3)
    group = f"cli-{uuid.uuid4().hex[:8]}"
    n = 300
    outputs = []
    producer_props = command_config(tmp_path / "producer.properties", {"client.id": "kgate-e2e-producer"})
    consumer_props = command_config(tmp_path / "consumer.properties", {"client.id": "kgate-e2e-consumer"})
    lines = [f"k{i}:value-{i}" for i in range(n)]

    rc, out, err = console_producer("--bootstrap-server", gw.bootstrap, "--topic", topic,
                                    "--producer.config", producer_props, "--producer-property", "acks=all",
                                    "--compression-codec", "lz4",
                                    "--property", "parse.key=true", "--property", "key.separator=:",
                                    input="".join(line + "\n" for line in lines))
    outputs += [out, err]
    assert rc == 0, err

    rc, out, err = console_consumer("--bootstrap-server", gw.bootstrap, "--topic", topic, "--group", group,
                                    "--consumer.config", consumer_props, "--from-beginning",
                                    "--max-messages", n, "--timeout-ms", 30000,
                                    "--property", "print.key=true", "--property", "print.partition=true",
                                    "--property", "print.offset=true", "--property", "key.separator=|")
    outputs += [out, err]
    assert rc == 0, err
    assert f"Processed a total of {n} messages" in err, err
    # key.separator goes between every printed field: Partition:1|Offset:0|k3|value-3
    got = re.findall(r"^Partition:(\d+)\|Offset:(\d+)\|k(\d+)\|value-(\d+)$", out, re.M)
    assert len(got) == n, out[:3000]
    seen, last = set(), {}
    for part, off, k, v in got:
        i, p, o = int(k), int(part), int(off)
        assert int(v) == i and i not in seen, (part, off, k, v)
        last_i, last_o = last.get(p, (-1, -1))
        assert i > last_i and o > last_o, f"partition {p}: k{i} at offset {o} after k{last_i} at {last_o}"
        seen.add(i)
        last[p] = (i, o)
    assert seen == set(range(n))
    per_partition = {p: sum(1 for q, _, _, _ in got if int(q) == p) for p in range(3)}

    base = ("--bootstrap-server", gw.bootstrap, "--command-config", props)
    rc, out, err = consumer_groups(*base, "--list")
    outputs += [out, err]
    assert rc == 0 and group in out.split(), (out, err)

    rc, out, err = consumer_groups(*base, "--describe", "--group", group)
    outputs += [out, err]
    assert rc == 0, err
    rows = [r for r in describe_table(out) if r.get("TOPIC") == topic]
    assert sorted(int(r["PARTITION"]) for r in rows) == [0, 1, 2], out
    for r in rows:
        p = int(r["PARTITION"])
        assert int(r["CURRENT-OFFSET"]) == int(r["LOG-END-OFFSET"]) == per_partition[p] and r["LAG"] == "0", out

    rc, out, err = consumer_groups(*base, "--describe", "--group", group, "--state")
    outputs += [out, err]
    assert rc == 0, err
    m = re.search(rf"^{re.escape(group)}\s+(\S+):(\d+)\s+\((\d+)\)\s+\S*\s*(\w+)\s+(\d+)\s*$", out, re.M)
    assert m, out
    host, port, node = m.group(1), int(m.group(2)), int(m.group(3))
    assert node in NODES and host == HOST and port == gw.broker_port(node), out
    assert m.group(4) == "Empty" and m.group(5) == "0", out
    check_no_broker_address(gw, cluster, *outputs)
