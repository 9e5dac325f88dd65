"""Limits: an oversized frame closes only its own connection; unknown API keys pass through."""
import socket
import struct
import time

import pytest

import kafka_wire as kw
from clients import check_indexed, ck_consume, ck_produce
from conftest import HOST, http_get, require_gateway

MAX_FRAME = 1024 * 1024


@pytest.fixture
def limited_kgate(kgate_factory, broker):
    return kgate_factory(broker.bootstrap, env={"GATEWAY_MAX_FRAME_BYTES": str(MAX_FRAME)}, port_count=3)


def closed_within(sock, seconds):
    """True if the peer closes the connection (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_oversized_frame_closes_only_that_connection(limited_kgate, broker):
    gw = limited_kgate
    require_gateway(gw, "GATEWAY_MAX_FRAME_BYTES")
    topic = broker.create_topic(partitions=1)
    bystander = socket.create_connection((HOST, gw.port_start), timeout=10)
    bystander.sendall(kw.api_versions_v0(1))
    assert kw.read_response(bystander)[0] == 1

    # a frame under the limit is fine: a 512 KiB record
    big = b"x" * (512 * 1024)
    frame = kw.produce_v3(2, topic, 0, kw.record_batch([(b"big", big)]), acks=1)
    assert len(frame) < MAX_FRAME
    bystander.sendall(frame)
    cid, body = kw.read_response(bystander)
    assert cid == 2 and kw.parse_produce_v3(body)[0][2] == 0

    bad = socket.create_connection((HOST, gw.port_start), timeout=10)
    bad.sendall(struct.pack(">i", 64 * 1024 * 1024) + kw.header_v1(0, 3, 9) + b"\0" * 100)
    t0 = time.time()
    assert closed_within(bad, 10), "kgate kept a connection that announced a 64 MiB frame"
    print(f"oversized frame: closed after {time.time() - t0:.3f}s")
    bad.close()

    # the size just above the limit is rejected too
    bad2 = socket.create_connection((HOST, gw.port_start), timeout=10)
    bad2.sendall(struct.pack(">i", MAX_FRAME + 1))
    assert closed_within(bad2, 10), "frame of MAX+1 bytes accepted"
    bad2.close()

    # the other connection and new clients keep working
    bystander.sendall(kw.api_versions_v0(3))
    assert kw.read_response(bystander)[0] == 3
    bystander.close()
    assert gw.proc.alive()
    assert http_get(gw.http_port, "/health/live")[0] == 200
    ck_produce(gw.bootstrap, topic, 100, start=1)
    got = ck_consume(gw.bootstrap, topic, 101, partitions=1)
    assert got[0][2] == b"big" and got[0][3] == big
    check_indexed(got[1:], 100, 1, start=1)


def outcome(port, frame_bytes):
    """What a broker (or kgate) does with one request: ('response', cid, body) or ('closed',)."""
    with socket.create_connection((HOST, port), timeout=10) as s:
        s.sendall(frame_bytes)
        s.settimeout(5)
        try:
            cid, body = kw.read_response(s)
            return ("response", cid, body)
        except (ConnectionError, OSError):
            return ("closed",)


@pytest.mark.parametrize(
    "name,frame_bytes",
    [
        ("unknown api key 32000", kw.raw_request(32000, 0, 42, b"")),
        ("unknown api key 32000 with a body", kw.raw_request(32000, 5, 43, b"\x00\x01\x02\x03" * 10)),
    ],
)
def test_unknown_api_same_outcome_as_broker(kgate, broker, name, frame_bytes):
    direct = outcome(broker.port, frame_bytes)
    through = outcome(kgate.port_start, frame_bytes)
    assert through == direct, f"{name}: broker gives {direct[:2]}, kgate gives {through[:2]}"
    # and kgate is fine afterwards
    with socket.create_connection((HOST, kgate.port_start), timeout=10) as s:
        s.sendall(kw.api_versions_v0(5))
        assert kw.read_response(s)[0] == 5


def _rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_client_that_never_reads_its_answers_cannot_grow_kgate(kgate):
    """ApiVersions is answered by kgate itself: a client that pipelines them and never reads
    used to grow kgate without bound (63 MB of requests grew it by 1.25 GiB). Answers kgate
    holds count towards the client's queue cap; past it, kgate stops reading that client."""
    gw = kgate
    require_gateway(gw, "kgate's own answers")
    bystander = socket.create_connection((HOST, gw.port_start), timeout=10)
    bystander.sendall(kw.api_versions_v0(1))
    assert kw.read_response(bystander)[0] == 1
    before = _rss_bytes(gw.proc.pid)

    flood = socket.create_connection((HOST, gw.port_start), timeout=10)
    flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    chunk = b"".join(kw.api_versions_v0(i % 2_000_000_000) for i in range(4096))
    sent = 0
    flood.settimeout(2)
    try:
        while sent < 64 * 1024 * 1024:
            flood.sendall(chunk)
            sent += len(chunk)
    except socket.timeout:
        pass  # kgate stopped reading: the socket buffers are full
    time.sleep(1)
    grown = _rss_bytes(gw.proc.pid) - before
    print(f"ApiVersions flood: sent {sent / 2**20:.1f} MiB of requests, kgate grew {grown / 2**20:.1f} MiB")
    assert sent < 64 * 1024 * 1024, "kgate kept reading a client that reads nothing"
    assert grown < 48 * 1024 * 1024, f"kgate grew by {grown / 2**20:.1f} MiB"

    # The gateway still serves everyone else, and the flooding client once it reads.
    bystander.sendall(kw.api_versions_v0(2))
    assert kw.read_response(bystander)[0] == 2
    flood.close()
    bystander.close()
