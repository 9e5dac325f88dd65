"""Hand-built Kafka frames for raw-socket tests (no client library in the way).

Only what the tests need: request headers v1/v2, ApiVersions v0/v3, Metadata v1, Produce v3 with a
minimal RecordBatch v2 (crc32c computed here in pure Python), and decoders for the responses.
"""
import socket
import struct
import time


# --- crc32c (Castagnoli), table driven -------------------------------------------------------
def _crc32c_table():
    poly = 0x82F63B78
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value


# --- primitives -------------------------------------------------------------------------------
def varint(n: int) -> bytes:
    z = (n << 1) ^ (n >> 63)  # zigzag
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def compact_string(s):
    b = s.encode()
    return uvarint(len(b) + 1) + b


class Reader:
    def __init__(self, data: bytes):
        self.d = data
        self.p = 0

    def take(self, n):
        if self.p + n > len(self.d):
            raise ValueError("short read")
        b = self.d[self.p : self.p + n]
        self.p += n
        return b

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def uvarint(self):
        shift = n = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def compact_nullable_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def compact_array_len(self):
        return self.uvarint() - 1

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


# --- requests ---------------------------------------------------------------------------------
API_PRODUCE, API_METADATA, API_VERSIONS = 0, 3, 18


def header_v1(api_key, api_version, correlation_id, client_id="kgate-e2e"):
    return struct.pack(">hhi", api_key, api_version, correlation_id) + string(client_id)


def header_v2(api_key, api_version, correlation_id, client_id="kgate-e2e"):
    return header_v1(api_key, api_version, correlation_id, client_id) + b"\x00"


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def api_versions_v0(correlation_id):
    return frame(header_v1(API_VERSIONS, 0, correlation_id))


def api_versions_v3(correlation_id):
    body = compact_string("kgate-e2e") + compact_string("1.0") + b"\x00"
    return frame(header_v2(API_VERSIONS, 3, correlation_id) + body)


def metadata_v1(correlation_id, topics=None):
    if topics is None:
        body = struct.pack(">i", -1)
    else:
        body = struct.pack(">i", len(topics)) + b"".join(string(t) for t in topics)
    return frame(header_v1(API_METADATA, 1, correlation_id) + body)


def record_batch(records, base_timestamp=None):
    """A RecordBatch v2 (magic 2), uncompressed; records is a list of (key, value) bytes.
    Timestamped now by default: a fixed timestamp ages past the broker's 7-day retention, and a
    retention check between produce and consume then deletes the records under the test."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    recs = bytearray()
    for i, (k, v) in enumerate(records):
        body = bytearray(b"\x00")  # attributes
        body += varint(0)  # timestamp delta
        body += varint(i)  # offset delta
        body += varint(-1) if k is None else varint(len(k)) + k
        body += varint(-1) if v is None else varint(len(v)) + v
        body += varint(0)  # headers
        recs += varint(len(body)) + body
    after_crc = (
        struct.pack(">hiqqqhii", 0, len(records) - 1, base_timestamp, base_timestamp, -1, -1, -1, len(records))
        + bytes(recs)
    )
    crc = crc32c(after_crc)
    after_len = struct.pack(">ibI", 0, 2, crc) + after_crc  # partition leader epoch, magic, crc
    return struct.pack(">qi", 0, len(after_len)) + after_len


def produce_v3(correlation_id, topic, partition, batch, acks=1, timeout_ms=10_000):
    body = string(None) + struct.pack(">hi", acks, timeout_ms)
    body += struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">i", partition)
    body += struct.pack(">i", len(batch)) + batch
    return frame(header_v1(API_PRODUCE, 3, correlation_id) + body)


def raw_request(api_key, api_version, correlation_id, body=b""):
    return frame(header_v1(api_key, api_version, correlation_id) + body)


# --- responses --------------------------------------------------------------------------------
def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def read_response(sock: socket.socket):
    """Returns (correlation_id, body bytes after the v0 response header)."""
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    data = recv_exact(sock, size)
    return struct.unpack(">i", data[:4])[0], data[4:]


def parse_api_versions(body: bytes, version: int):
    r = Reader(body)
    err = r.i16()
    keys = {}
    n = r.compact_array_len() if version >= 3 else r.i32()
    for _ in range(n):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        if version >= 3:
            r.skip_tags()
        keys[k] = (lo, hi)
    return err, keys


def parse_metadata_v1(body: bytes):
    r = Reader(body)
    brokers = []
    for _ in range(r.i32()):
        node, host, port, _rack = r.i32(), r.string(), r.i32(), r.string()
        brokers.append((node, host, port))
    controller = r.i32()
    topics = {}
    for _ in range(r.i32()):
        err, name, _internal = r.i16(), r.string(), r.i8()
        parts = {}
        for _ in range(r.i32()):
            perr, idx, leader = r.i16(), r.i32(), r.i32()
            for _ in range(r.i32()):
                r.i32()  # replicas
            for _ in range(r.i32()):
                r.i32()  # isr
            parts[idx] = (perr, leader)
        topics[name] = (err, parts)
    return brokers, controller, topics


def parse_produce_v3(body: bytes):
    """Returns [(topic, partition, error_code, base_offset)]."""
    r = Reader(body)
    out = []
    for _ in range(r.i32()):
        name = r.string()
        for _ in range(r.i32()):
            idx, err, base = r.i32(), r.i16(), r.i64()
            r.i64()  # log append time
            out.append((name, idx, err, base))
    return out
