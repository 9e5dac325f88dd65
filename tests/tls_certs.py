"""Test PKI for the TLS suite, generated at test time with `cryptography` (nothing checked in).

`generate(dir)` writes, for every identity NAME:
    NAME.crt   the certificate (PEM)                  -> librdkafka ssl.certificate.location, kafka-python ssl_certfile
    NAME.key   its private key (unencrypted PKCS#8)   -> librdkafka ssl.key.location, kafka-python ssl_keyfile
    NAME.pem   key + certificate chain, leaf first    -> kgate GATEWAY_SSL_KEY_STORE_PATH / KAFKA_SSL_KEYSTORE_LOCATION,
                                                         stunnel `cert =`
and for every CA: CA.crt (the trust bundle: kgate GATEWAY_SSL_TRUST_STORE_PATH, librdkafka ssl.ca.location,
kafka-python ssl_cafile, stunnel CAfile).

Identities (see PKI.__init__): ca, untrusted_ca, new_ca (CAs); server (localhost, 127.0.0.1, kafka.test,
*.kafka.test); alice (CN=alice,OU=eng,O=kgate); bob (CN=bob,O=other); mallory (signed by untrusted_ca);
expired (signed by ca, validity ended yesterday); broker (SAN localhost only: stunnel in front of tansu);
broker_ip (SAN localhost + 127.0.0.1); broker_wrong (SAN wrong.example); kgate_client (the certificate kgate
presents to the broker for mutual TLS); server_new (same names as server, signed by new_ca: rotation).
"""
import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = ["localhost", "127.0.0.1", "kafka.test", "*.kafka.test"]
_ATTR = {"CN": NameOID.COMMON_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "O": NameOID.ORGANIZATION_NAME,
         "C": NameOID.COUNTRY_NAME, "L": NameOID.LOCALITY_NAME}


def _name(dn: str) -> x509.Name:
    """'CN=alice,OU=eng,O=kgate' -> x509.Name. The RDN order is written so that Java's
    X500Principal.getName() (most specific first) renders exactly `dn` again."""
    parts = [p.split("=", 1) for p in dn.split(",")]
    # x509.Name takes attributes in ASN.1 order (least specific first); getName() prints them reversed.
    return x509.Name([x509.NameAttribute(_ATTR[k.strip()], v.strip()) for k, v in reversed(parts)])


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


@dataclass
class Identity:
    name: str
    key: object
    cert: x509.Certificate
    chain: list  # issuer certificates after the leaf (not including the leaf)
    dir: Path

    @property
    def crt(self) -> str:
        return str(self.dir / f"{self.name}.crt")

    @property
    def keyfile(self) -> str:
        return str(self.dir / f"{self.name}.key")

    @property
    def pem(self) -> str:
        """Private key + leaf + chain in one file (kgate's PEM key store, stunnel's cert)."""
        return str(self.dir / f"{self.name}.pem")

    @property
    def serial(self) -> int:
        return self.cert.serial_number

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def cert_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [self.cert] + self.chain)

    def write(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        Path(self.crt).write_bytes(self.cert_pem())
        Path(self.keyfile).write_bytes(self.key_pem())
        Path(self.pem).write_bytes(self.key_pem() + self.cert_pem())
        return self


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(dir, name, cn):
    key = _key()
    subject = _name(f"CN={cn},O=kgate-test")
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(name, key, cert, [], Path(dir)).write()


def make_leaf(dir, name, ca: Identity, dn, sans=(), server=False, client=False, expired=False):
    key = _key()
    now = _now()
    if expired:
        before, after = now - datetime.timedelta(days=10), now - datetime.timedelta(days=1)
    else:
        before, after = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30)
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(dn)).issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(before).not_valid_after(after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
    if usages:
        b = b.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if sans:
        alt = []
        for s in sans:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(s)))
            except ValueError:
                alt.append(x509.DNSName(s))
        b = b.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    cert = b.sign(ca.key, hashes.SHA256())
    return Identity(name, key, cert, [ca.cert], Path(dir)).write()


class PKI:
    def __init__(self, dir):
        d = Path(dir)
        self.dir = d
        self.ca = make_ca(d, "ca", "kgate test CA")
        self.untrusted_ca = make_ca(d, "untrusted_ca", "untrusted CA")
        self.new_ca = make_ca(d, "new_ca", "kgate rotated CA")
        self.server = make_leaf(d, "server", self.ca, "CN=kgate-server,O=kgate", SERVER_NAMES, server=True)
        self.server_new = make_leaf(d, "server_new", self.new_ca, "CN=kgate-server-rotated,O=kgate", SERVER_NAMES,
                                    server=True)
        self.alice = make_leaf(d, "alice", self.ca, "CN=alice,OU=eng,O=kgate", client=True)
        self.bob = make_leaf(d, "bob", self.ca, "CN=bob,O=other", client=True)
        self.mallory = make_leaf(d, "mallory", self.untrusted_ca, "CN=mallory,O=evil", client=True)
        self.expired = make_leaf(d, "expired", self.ca, "CN=expired,O=kgate", client=True, expired=True)
        self.broker = make_leaf(d, "broker", self.ca, "CN=broker,O=kgate", ["localhost"], server=True)
        self.broker_ip = make_leaf(d, "broker_ip", self.ca, "CN=broker-ip,O=kgate", ["localhost", "127.0.0.1"],
                                   server=True)
        self.broker_wrong = make_leaf(d, "broker_wrong", self.ca, "CN=wrong,O=kgate", ["wrong.example"], server=True)
        self.kgate_client = make_leaf(d, "kgate_client", self.ca, "CN=kgate,O=kgate", client=True)


def generate(dir) -> PKI:
    return PKI(dir)


# --- client configuration helpers -------------------------------------------------------------------
def ck_tls(pki: PKI, client: Identity = None, ca: Identity = None, **extra):
    """librdkafka (confluent-kafka) settings for TLS to a server whose certificate chains to `ca`."""
    conf = {"security.protocol": "SSL", "ssl.ca.location": (ca or pki.ca).crt}
    if client is not None:
        conf["ssl.certificate.location"] = client.crt
        conf["ssl.key.location"] = client.keyfile
    conf.update(extra)
    return conf


def kp_tls(pki: PKI, client: Identity = None, ca: Identity = None, **extra):
    """kafka-python settings for TLS."""
    conf = {"security_protocol": "SSL", "ssl_cafile": (ca or pki.ca).crt, "ssl_check_hostname": True}
    if client is not None:
        conf["ssl_certfile"] = client.crt
        conf["ssl_keyfile"] = client.keyfile
    conf.update(extra)
    return conf


# --- raw TLS probe ----------------------------------------------------------------------------------
@dataclass
class Probe:
    ok: bool              # handshake done AND a Kafka ApiVersions v0 answer came back over it
    handshake: bool       # the client side of the handshake completed
    error: str            # what went wrong ('' when ok)
    version: str = None   # negotiated TLS version
    peer: x509.Certificate = None  # the server's leaf certificate

    @property
    def peer_subject(self):
        return self.peer.subject.rfc4514_string() if self.peer is not None else None


def tls_probe(port, ca=None, client=None, server_hostname="localhost", host="127.0.0.1",
              min_version=None, max_version=None, check_hostname=True, timeout=5.0) -> Probe:
    """Connect with Python's ssl module, send ApiVersions v0, read the answer.

    With TLS 1.3 a server that rejects the client's certificate does so after the client considers the
    handshake done, so only the Kafka round trip proves the connection was accepted."""
    import socket
    import ssl
    import struct

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = check_hostname and ca is not None
    if ca is not None:
        ctx.load_verify_locations(ca.crt)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if client is not None:
        ctx.load_cert_chain(client.crt, client.keyfile)
    if min_version is not None:
        ctx.minimum_version = min_version
    if max_version is not None:
        ctx.maximum_version = max_version
    raw = socket.create_connection((host, port), timeout=timeout)
    handshake = False
    version = peer = None
    try:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
            s.do_handshake()
            handshake = True
            version = s.version()
            der = s.getpeercert(binary_form=True)
            peer = x509.load_der_x509_certificate(der) if der else None
            # ApiVersions v0, correlation id 4242
            client_id = b"tls-probe"
            payload = struct.pack(">hhih", 18, 0, 4242, len(client_id)) + client_id
            s.sendall(struct.pack(">i", len(payload)) + payload)
            head = b""
            while len(head) < 8:
                chunk = s.recv(8 - len(head))
                if not chunk:
                    return Probe(False, handshake, "closed before an ApiVersions answer", version, peer)
                head += chunk
            size, corr = struct.unpack(">ii", head)
            if corr != 4242 or not 0 < size < 1 << 20:
                return Probe(False, handshake, f"not a Kafka answer: {head!r}", version, peer)
            return Probe(True, handshake, "", version, peer)
    except (OSError, ssl.SSLError) as e:
        return Probe(False, handshake, f"{type(e).__name__}: {e}", version, peer)
    finally:
        raw.close()
