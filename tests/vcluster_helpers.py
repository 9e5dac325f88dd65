"""Virtual clusters, alias topics and tenant clients for the tenancy tests."""
import sasl_helpers as sh

VC = "/gateway/v2/virtual-cluster"
ALIAS = "/gateway/v2/alias-topic"


def put_vcluster(http_port, name, prefix=None, **spec):
    body = {"kind": "VirtualCluster", "apiVersion": "gateway/v2", "metadata": {"name": name},
            "spec": dict(spec, **({"prefix": prefix} if prefix is not None else {}))}
    status, resp = sh.admin_call(http_port, "PUT", VC, body)
    assert status in (200, 201), f"PUT virtual-cluster {name}: HTTP {status} {resp}"
    return resp


def put_alias(http_port, name, vcluster, physical):
    body = {"kind": "AliasTopic", "apiVersion": "gateway/v2",
            "metadata": {"name": name, "vCluster": vcluster}, "spec": {"physicalName": physical}}
    status, resp = sh.admin_call(http_port, "PUT", ALIAS, body)
    assert status in (200, 201), f"PUT alias-topic {name}: HTTP {status} {resp}"
    return resp


def tenant_account(http_port, vcluster, user):
    """A LOCAL account in `vcluster` and a token for it; returns the librdkafka SASL settings."""
    sh.create_service_account(http_port, user, vcluster=vcluster)
    token = sh.create_token(http_port, user, vcluster=vcluster)
    return user, token


def ck_conf(user, token):
    return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
            "sasl.username": user, "sasl.password": token}


def kp_conf(user, token):
    return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN",
            "sasl_plain_username": user, "sasl_plain_password": token}


# --- raw frames: Metadata v12 and Fetch v13 name topics by id ------------------------------------
import struct  # noqa: E402

import kafka_wire as kw  # noqa: E402


def plain_socket(port, user, token):
    """A socket logged in with SASL PLAIN as `user`."""
    s = sh.connect(port)
    herr, _, auth = sh.raw_sasl_login(s, "PLAIN", b"\0" + user.encode() + b"\0" + token.encode())
    assert herr == 0 and auth[0] == 0, f"login as {user} failed: {herr} {auth}"
    return s


def _flexible_request(api_key, version, correlation_id, body):
    return kw.frame(kw.header_v2(api_key, version, correlation_id) + body)


def metadata_request_v12(topics, correlation_id):
    body = kw.uvarint(len(topics) + 1)
    for name in topics:
        body += b"\0" * 16 + kw.compact_string(name) + b"\0"
    return _flexible_request(3, 12, correlation_id, body + b"\0\0" + b"\0")


def metadata_v12_topics(response):
    """[(topic id bytes, name)] of a Metadata v12 answer from kw.read_response."""
    _, body = response
    r = kw.Reader(body)
    r.skip_tags()
    r.i32()
    for _ in range(r.compact_array_len()):
        r.i32(), r.compact_nullable_string(), r.i32(), r.compact_nullable_string(), r.skip_tags()
    r.compact_nullable_string(), r.i32()
    out = []
    for _ in range(r.compact_array_len()):
        r.i16()
        name = r.compact_nullable_string()
        tid = r.take(16)
        r.i8()
        for _ in range(r.compact_array_len()):
            r.i16(), r.i32(), r.i32(), r.i32()
            for _ in range(3):
                for _ in range(r.compact_array_len()):
                    r.i32()
            r.skip_tags()
        r.i32()
        r.skip_tags()
        out.append((tid, name))
    return out


def fetch_request_v13_by_id(topic_id, partition, correlation_id):
    part = struct.pack(">iiqiqi", partition, -1, 0, -1, -1, 1 << 20) + b"\0"
    topics = kw.uvarint(2) + topic_id + kw.uvarint(2) + part + b"\0"
    body = struct.pack(">iiiibii", -1, 100, 1, 1 << 20, 0, 0, -1) + topics + kw.uvarint(1) + kw.compact_string("") + b"\0"
    return _flexible_request(1, 13, correlation_id, body)


def fetch_v13_partition_errors(response):
    """[(topic id bytes, error code)] per partition of a Fetch v13 answer."""
    _, body = response
    r = kw.Reader(body)
    r.skip_tags()
    r.i32(), r.i16(), r.i32()
    out = []
    for _ in range(r.compact_array_len()):
        tid = r.take(16)
        for _ in range(r.compact_array_len()):
            r.i32()
            code = r.i16()
            r.i64(), r.i64(), r.i64()
            n = r.compact_array_len()
            for _ in range(max(n, 0)):
                r.i64(), r.i64(), r.skip_tags()
            r.i32()
            size = r.uvarint()
            if size > 0:
                r.take(size - 1)
            r.skip_tags()
            out.append((tid, code))
        r.skip_tags()
    return out


# --- ACLs: bindings in the REST shape, raw Produce v9, client probes --------------------------
def acl(resource_type, name, principal, operation, permission="ALLOW", pattern="LITERAL", host="*"):
    """One binding in the VirtualCluster resource's `spec.acls` shape (reference 004)."""
    return {"resourcePattern": {"resourceType": resource_type, "name": name, "patternType": pattern},
            "principal": principal, "host": host, "operation": operation, "permissionType": permission}


def produce_request_v9(topics, correlation_id, acks=-1, timeout_ms=10_000):
    """A Produce v9 (flexible) request; `topics` is [(name, partition, record batch bytes)], one
    partition per topic, all in this one request."""
    body = kw.uvarint(0) + struct.pack(">hi", acks, timeout_ms)  # transactional id null
    body += kw.uvarint(len(topics) + 1)
    for name, partition, batch in topics:
        body += kw.compact_string(name) + kw.uvarint(2) + struct.pack(">i", partition)
        body += kw.uvarint(len(batch) + 1) + batch + b"\0"  # records, partition tags
        body += b"\0"  # topic tags
    return _flexible_request(0, 9, correlation_id, body + b"\0")


def parse_produce_v9(response):
    """{(topic, partition): (error code, base offset, error message)} of a Produce v9 answer."""
    _, body = response
    r = kw.Reader(body)
    r.skip_tags()  # response header v1
    out = {}
    for _ in range(r.compact_array_len()):
        name = r.compact_nullable_string()
        for _ in range(r.compact_array_len()):
            idx, code, base = r.i32(), r.i16(), r.i64()
            r.i64(), r.i64()  # log append time, log start offset
            for _ in range(r.compact_array_len()):
                r.i32(), r.compact_nullable_string(), r.skip_tags()
            message = r.compact_nullable_string()
            r.skip_tags()
            out[(name, idx)] = (code, base, message)
        r.skip_tags()
    r.i32()  # throttle
    return out


def raw_produce(sock, topics, correlation_id):
    """Produce v9 over an authenticated socket: one record `value` per (topic, value) pair into
    partition 0; returns parse_produce_v9's answer."""
    batches = [(t, 0, kw.record_batch([(b"k", v)])) for t, v in topics]
    sock.sendall(produce_request_v9(batches, correlation_id))
    answer = kw.read_response(sock)
    assert answer[0] == correlation_id, f"Produce answered with correlation id {answer[0]}"
    return parse_produce_v9(answer)


def high_watermarks(bootstrap, topics, partitions=1):
    """{topic: sum of the high watermarks of its partitions}, asked of `bootstrap` (the broker)."""
    import uuid

    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"hw-{uuid.uuid4().hex[:6]}"})
    try:
        return {t: sum(c.get_watermark_offsets(TopicPartition(t, p), timeout=10)[1] for p in range(partitions))
                for t in topics}
    finally:
        c.close()


def ck_produce_errors(bootstrap, topic, conf, n=3, timeout=15):
    """Produce n records with confluent-kafka; ([delivery error codes], number written)."""
    from confluent_kafka import Producer

    errors, ok = [], []
    p = Producer(dict(conf, **{"bootstrap.servers": bootstrap, "message.timeout.ms": 8000}))
    for i in range(n):
        p.produce(topic, value=b"x%d" % i,
                  on_delivery=lambda e, m: (errors.append(e.code()) if e else ok.append(1)))
    p.flush(timeout)
    return errors, len(ok)


def ck_consume_probe(bootstrap, topic, conf, group, seconds=15):
    """Subscribe with `group` and poll: the first error code, None once a record arrived, or
    "timeout"."""
    import time

    from confluent_kafka import Consumer

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


def ck_listed(bootstrap, conf):
    """Topic names of a Metadata request for all topics through `bootstrap`, internal ones left out."""
    from confluent_kafka.admin import AdminClient

    md = AdminClient(dict(conf, **{"bootstrap.servers": bootstrap})).list_topics(timeout=15)
    return sorted(t for t in md.topics if not t.startswith("__"))
