"""A few Kafka requests on raw sockets, for the benchmarks that must see exact bytes and times
(a client library would add its own work, retries and metadata caching): ApiVersions v0 and
Metadata at a chosen version, framing, and a blocking frame reader. (tests/kafka_wire.py has
Metadata v1 only, which Apache Kafka 4 no longer serves.)"""
import socket
import struct

API_VERSIONS, METADATA = 18, 3


def request(api_key, version, correlation_id, body, flexible):
    """A request frame: header v1 (v2 when flexible: one empty tagged-field section), then body."""
    header = struct.pack(">hhih", api_key, version, correlation_id, 5) + b"kwire"
    if flexible:
        header += b"\x00"
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def api_versions_request(correlation_id=1):
    return request(API_VERSIONS, 0, correlation_id, b"", False)


def parse_api_versions_v0(body):
    """{api_key: (min, max)} from an ApiVersions v0 answer (size prefix removed)."""
    _, error, n = struct.unpack_from(">ihi", body, 0)
    if error:
        raise RuntimeError(f"ApiVersions error {error}")
    out = {}
    for i in range(n):
        key, lo, hi = struct.unpack_from(">hhh", body, 10 + 6 * i)
        out[key] = (lo, hi)
    return out


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def metadata_request(version, topics=None, correlation_id=2):
    """Metadata for `topics` (None: every topic) at `version` (1-13)."""
    flexible = version >= 9
    body = b""
    if topics is None:
        body += b"\x00" if flexible else struct.pack(">i", -1)
    else:
        body += uvarint(len(topics) + 1) if flexible else struct.pack(">i", len(topics))
        for t in topics:
            name = t.encode()
            if version >= 10:
                body += b"\x00" * 16
            body += (uvarint(len(name) + 1) if flexible else struct.pack(">h", len(name))) + name
            if flexible:
                body += b"\x00"
    if version >= 4:
        body += b"\x00"  # allow_auto_topic_creation
    if 8 <= version <= 10:
        body += b"\x00"  # include_cluster_authorized_operations
    if version >= 8:
        body += b"\x00"  # include_topic_authorized_operations
    if flexible:
        body += b"\x00"
    return request(METADATA, version, correlation_id, body, flexible)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def read_frame(sock):
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    return recv_exact(sock, size)


def connect(host, port, timeout=30.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def metadata_version(sock, wanted=12):
    """The Metadata version to use with this peer: `wanted` capped by what it advertises."""
    sock.sendall(api_versions_request())
    ranges = parse_api_versions_v0(read_frame(sock))
    lo, hi = ranges[METADATA]
    return max(lo, min(wanted, hi))
