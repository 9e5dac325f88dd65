"""Host (SNI) routing: one TLS listener, the broker chosen by the TLS server name.

The names (kafka.test, broker111.kafka.test, ...) must resolve to 127.0.0.1 without touching
/etc/hosts: inside this process socket.getaddrinfo is patched (kafka-python and tls_probe use it);
librdkafka resolves in C, so its SNI test runs the client in a subprocess inside a private mount
namespace (`unshare --mount`) where a test hosts file is bind-mounted over /etc/hosts; the machine's
own /etc/hosts is never changed.
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from clients import check_indexed
from conftest import HOST, free_port, require_gateway, tls_gateway_env, wait_log
from kafka_wire import metadata_v1, parse_metadata_v1, read_response
from tls_certs import kp_tls, tls_probe

DOMAIN = "kafka.test"
N = 1000
PARTITIONS = 3


@pytest.fixture
def resolve_test_names(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str) and (host == DOMAIN or host.endswith("." + DOMAIN)):
            host = HOST
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _sni_gateway(kgate_factory, broker, pki, **env):
    base = dict(GATEWAY_ROUTING_MECHANISM="host", GATEWAY_ADVERTISED_HOST=DOMAIN)
    base.update(env)
    gw = kgate_factory(broker.bootstrap, port_count=3, env=tls_gateway_env(pki, **base))
    require_gateway(gw, "SNI routing")
    return gw


def tls_metadata(port, pki, server_name):
    """Metadata v1 over TLS with the given SNI name: the brokers the client is told about."""
    ctx = ssl.create_default_context(cafile=pki.ca.crt)
    with socket.create_connection((HOST, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_name) as s:
            s.sendall(metadata_v1(7, []))
            corr, body = read_response(s)
            assert corr == 7
            brokers, _controller, _topics = parse_metadata_v1(body)
            return sorted(brokers)


def kp_round_trip(bootstrap, topic, pki):
    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, **kp_tls(pki))
    futures = [p.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=i % PARTITIONS)
               for i in range(N)]
    p.flush(60)
    for f in futures:
        f.get(timeout=30)
    p.close()
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                      auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000,
                      **kp_tls(pki))
    records = []
    for m in c:
        records.append((m.partition, m.offset, m.key, m.value))
        if len(records) == N:
            break
    brokers = sorted((b.node_id, b.host, b.port) for b in c._client.cluster.brokers())
    c.close()
    check_indexed(records, N, PARTITIONS)
    return brokers


def test_kafka_python_through_the_sni_port(kgate_factory, broker, pki, resolve_test_names):
    gw = _sni_gateway(kgate_factory, broker, pki)
    sni_port = gw.port_start  # GATEWAY_SNI_PORT defaults to GATEWAY_PORT_START
    topic = broker.create_topic(partitions=PARTITIONS)
    brokers = kp_round_trip(f"{DOMAIN}:{sni_port}", topic, pki)
    assert brokers == [(111, f"broker111.{DOMAIN}", sni_port)], brokers
    # The raw Metadata answers, asked under the bootstrap name and under the broker's own name.
    expected = [(111, f"broker111.{DOMAIN}", sni_port)]
    assert tls_metadata(sni_port, pki, DOMAIN) == expected
    assert tls_metadata(sni_port, pki, f"broker111.{DOMAIN}") == expected
    # Host routing means one listener: the next port of the range is not a Kafka port.
    with pytest.raises(OSError):
        socket.create_connection((HOST, gw.port_start + 1), timeout=2).close()


def test_unknown_sni_names_are_refused_and_logged(kgate_factory, broker, pki):
    gw = _sni_gateway(kgate_factory, broker, pki)
    ok = tls_probe(gw.port_start, ca=pki.ca, server_hostname=f"broker111.{DOMAIN}")
    assert ok.ok, f"the known broker name was refused: {ok}"
    for name in (f"nope.{DOMAIN}", f"broker999.{DOMAIN}"):
        p = tls_probe(gw.port_start, ca=pki.ca, server_hostname=name)
        assert not p.ok, f"{name} was accepted: {p}"
        assert wait_log(gw.proc.log_path, name), f"no log line names {name}"
        lines = [l for l in open(gw.proc.log_path, errors="replace") if name in l]
        assert any("SNI" in l for l in lines), lines


def test_host_routing_with_a_custom_prefix_and_separator(kgate_factory, broker, pki, resolve_test_names):
    gw = _sni_gateway(kgate_factory, broker, pki, GATEWAY_ADVERTISED_HOST_PREFIX="b", GATEWAY_SNI_HOST_SEPARATOR="-",
                      GATEWAY_ADVERTISED_HOST=f"x.{DOMAIN}")
    # b111-x.kafka.test is covered by *.kafka.test
    assert tls_metadata(gw.port_start, pki, f"x.{DOMAIN}") == [(111, f"b111-x.{DOMAIN}", gw.port_start)]
    assert tls_probe(gw.port_start, ca=pki.ca, server_hostname=f"b111-x.{DOMAIN}").ok


def test_port_and_sni_listeners_together(kgate_factory, broker, pki, resolve_test_names):
    sni_port = free_port()
    gw = kgate_factory(broker.bootstrap, port_count=3,
                       env=tls_gateway_env(pki, GATEWAY_ROUTING_MECHANISM="port", GATEWAY_SNI_PORT=sni_port,
                                           GATEWAY_ADVERTISED_HOST=DOMAIN))
    require_gateway(gw, "SNI routing")
    port_view = [(111, DOMAIN, gw.broker_port(111))]
    sni_view = [(111, f"broker111.{DOMAIN}", sni_port)]
    assert tls_metadata(gw.port_start, pki, DOMAIN) == port_view
    assert tls_metadata(sni_port, pki, DOMAIN) == sni_view
    topic = broker.create_topic(partitions=PARTITIONS)
    assert kp_round_trip(f"{DOMAIN}:{gw.port_start}", topic, pki) == port_view
    topic2 = broker.create_topic(partitions=PARTITIONS)
    assert kp_round_trip(f"{DOMAIN}:{sni_port}", topic2, pki) == sni_view


_LIBRDKAFKA_CLIENT = r"""
import json, sys, uuid
sys.path.insert(0, sys.argv[1])
from clients import ck_produce, ck_consume
from confluent_kafka.admin import AdminClient
conf = json.loads(sys.argv[2]); bootstrap = sys.argv[3]; topic = sys.argv[4]
ck_produce(bootstrap, topic, 1000, partitions=3, **conf)
recs = ck_consume(bootstrap, topic, 1000, timeout=60, **conf)
md = AdminClient(dict(conf, **{"bootstrap.servers": bootstrap})).list_topics(timeout=10)
print(json.dumps({"records": [[p, o, k.decode(), v.decode()] for p, o, k, v in recs],
                  "brokers": sorted([b.id, b.host, b.port] for b in md.brokers.values())}))
"""


def test_librdkafka_through_the_sni_port(kgate_factory, broker, pki, tmp_path):
    unshare = shutil.which("unshare")
    assert unshare and os.geteuid() == 0, "needs unshare(1) and root for a private mount namespace"
    gw = _sni_gateway(kgate_factory, broker, pki)
    topic = broker.create_topic(partitions=PARTITIONS)
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost {DOMAIN} broker111.{DOMAIN}\n")
    script = tmp_path / "client.py"
    script.write_text(_LIBRDKAFKA_CLIENT)
    conf = {"security.protocol": "SSL", "ssl.ca.location": pki.ca.crt}
    inner = " ".join([
        "mount --bind", str(hosts), "/etc/hosts", "&&", "exec", sys.executable, str(script),
        str(Path(__file__).parent), "'" + json.dumps(conf) + "'", f"{DOMAIN}:{gw.port_start}", topic,
    ])
    r = subprocess.run([unshare, "--mount", "sh", "-c", inner], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"librdkafka client failed:\n{r.stderr[-3000:]}"
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["brokers"] == [[111, f"broker111.{DOMAIN}", gw.port_start]], out["brokers"]
    check_indexed([(p, o, k.encode(), v.encode()) for p, o, k, v in out["records"]], N, PARTITIONS)
