"""Certificate rotation: GATEWAY_SSL_RELOAD_INTERVAL_MS=500, the key store file is replaced while a
consumer and a raw TLS connection are open.

- new connections get the new certificate (from a NEW CA), checked by its serial number;
- connections opened before keep working (a Kafka round trip on the held socket, and the consumer
  goes on reading records produced after the rotation);
- a file that cannot be used (garbage) is logged ("cannot be used, keeping the previous ones") and the
  previous certificate is still served.
"""
import os
import socket
import ssl
import struct
import time
from pathlib import Path

from clients import check_indexed, ck_consumer, ck_produce
from conftest import HOST, require_gateway, tls_gateway_env, wait_log
from tls_certs import tls_probe

PARTITIONS = 3
HALF = 500


def _replace(path: Path, data: bytes):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _api_versions(s, corr):
    payload = struct.pack(">hhih", 18, 0, corr, 4) + b"held"
    s.sendall(struct.pack(">i", len(payload)) + payload)
    head = b""
    while len(head) < 8:
        chunk = s.recv(8 - len(head))
        assert chunk, f"held connection closed (after {len(head)} bytes of the answer to {corr})"
        head += chunk
    size, got = struct.unpack(">ii", head)
    body = b""
    while len(body) < size - 4:
        chunk = s.recv(size - 4 - len(body))
        assert chunk, "held connection closed mid-answer"
        body += chunk
    assert got == corr, (got, corr)


def _served_serial(port, ca):
    p = tls_probe(port, ca=ca)
    return p.peer.serial_number if p.ok else None


def _wait_serial(port, ca, serial, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if _served_serial(port, ca) == serial:
            return True
        time.sleep(0.2)
    return False


def _consume(consumer, want, timeout=60):
    out = []
    deadline = time.time() + timeout
    while len(out) < want and time.time() < deadline:
        for m in consumer.consume(1000, 1.0):
            assert m.error() is None, m.error()
            out.append((m.partition(), m.offset(), m.key(), m.value()))
    return out


def test_rotation_keeps_connections_and_serves_the_new_certificate(kgate_factory, broker, pki, tmp_path):
    store = tmp_path / "server-store.pem"
    store.write_bytes(Path(pki.server.pem).read_bytes())
    both_cas = tmp_path / "both-cas.pem"
    both_cas.write_bytes(Path(pki.ca.crt).read_bytes() + Path(pki.new_ca.crt).read_bytes())
    gw = kgate_factory(broker.bootstrap, port_count=3,
                       env=tls_gateway_env(pki, GATEWAY_SSL_KEY_STORE_PATH=store, GATEWAY_SSL_RELOAD_INTERVAL_MS=500))
    require_gateway(gw, "certificate reload")
    port = gw.port_start
    assert _served_serial(port, pki.ca) == pki.server.serial

    topic = broker.create_topic(partitions=PARTITIONS)
    tls = {"security.protocol": "SSL", "ssl.ca.location": str(both_cas)}
    ck_produce(gw.bootstrap, topic, HALF, partitions=PARTITIONS, **tls)
    consumer = ck_consumer(gw.bootstrap, **tls)
    try:
        consumer.subscribe([topic])
        records = _consume(consumer, HALF)
        assert len(records) == HALF, f"{len(records)} records before the rotation"

        # A raw connection that trusts only the OLD CA, opened before the rotation.
        ctx = ssl.create_default_context(cafile=pki.ca.crt)
        held = ctx.wrap_socket(socket.create_connection((HOST, port), timeout=10), server_hostname="localhost")
        try:
            _api_versions(held, 1)

            _replace(store, Path(pki.server_new.pem).read_bytes())
            assert _wait_serial(port, pki.new_ca, pki.server_new.serial), \
                "new connections still get the old certificate 10 s after the key store changed"
            old = tls_probe(port, ca=pki.ca)
            assert not old.handshake, f"a client trusting only the old CA still connects: {old}"

            _api_versions(held, 2)  # the connection from before the rotation still works

            ck_produce(gw.bootstrap, topic, HALF, partitions=PARTITIONS, start=HALF, **tls)
            records += _consume(consumer, HALF)
            check_indexed(records, 2 * HALF, PARTITIONS)

            # Garbage: logged, the previous (new-CA) certificate stays.
            store.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
            assert wait_log(gw.proc.log_path, "cannot be used, keeping the previous ones", timeout=10), \
                "no log line about the unusable key store"
            time.sleep(1.0)  # a few more reload intervals
            assert _served_serial(port, pki.new_ca) == pki.server_new.serial, "the previous certificate is gone"
            _api_versions(held, 3)
            assert gw.proc.alive()
        finally:
            held.close()
    finally:
        consumer.close()


def test_trust_store_rotation_applies_to_new_connections(kgate_factory, broker, pki, tmp_path):
    """REQUIRED client auth; the trust store switches from the test CA to the untrusted one:
    alice (test CA) can no longer connect, mallory (untrusted CA) now can."""
    trust = tmp_path / "trust.pem"
    trust.write_bytes(Path(pki.ca.crt).read_bytes())
    gw = kgate_factory(broker.bootstrap, port_count=3,
                       env=tls_gateway_env(pki, GATEWAY_SSL_CLIENT_AUTH="REQUIRED", GATEWAY_SSL_TRUST_STORE_PATH=trust,
                                           GATEWAY_SSL_RELOAD_INTERVAL_MS=500))
    require_gateway(gw, "certificate reload")
    assert tls_probe(gw.port_start, ca=pki.ca, client=pki.alice).ok
    assert not tls_probe(gw.port_start, ca=pki.ca, client=pki.mallory).ok
    _replace(trust, Path(pki.untrusted_ca.crt).read_bytes())
    deadline = time.time() + 10
    while time.time() < deadline and not tls_probe(gw.port_start, ca=pki.ca, client=pki.mallory).ok:
        time.sleep(0.2)
    assert tls_probe(gw.port_start, ca=pki.ca, client=pki.mallory).ok, "new trust store not used"
    assert not tls_probe(gw.port_start, ca=pki.ca, client=pki.alice).ok, "old trust store still used"
