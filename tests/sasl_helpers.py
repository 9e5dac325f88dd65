"""Helpers for the SASL suite (tests/test_sasl_*.py).

- JWTs minted here with `cryptography`: RS256, ES256, HS256 and the unsigned `alg: none`, so the
  tests hold the keys and can forge every bad token they need (foreign key, wrong issuer, ...).
- JWK export of the public keys, and a tiny threaded HTTP server (loopback, free port) that serves
  a JWKS document and an OAuth2 token endpoint (client-credentials grant), counting its requests.
- kgate's admin API: service accounts and tokens (`PUT /gateway/v2/service-account`,
  `POST /gateway/v2/token`) over real HTTP with basic auth.
- Raw SASL frames (SaslHandshake v1, SaslAuthenticate v0-v1) for the exact error codes.
"""
import base64
import hashlib
import hmac
import json
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import kafka_wire as kw

HOST = "127.0.0.1"
SASL_AUTHENTICATION_FAILED = 58
ILLEGAL_SASL_STATE = 34
UNSUPPORTED_SASL_MECHANISM = 33
API_SASL_HANDSHAKE, API_SASL_AUTHENTICATE = 17, 36

ADMIN_USER, ADMIN_PASSWORD = "admin", "adminpw"
ADMIN_API_USERS = f"[{{username: {ADMIN_USER}, password: {ADMIN_PASSWORD}, admin: true}}]"


# --- base64url / JWT --------------------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _int_bytes(n: int, length=None) -> bytes:
    length = length or max(1, (n.bit_length() + 7) // 8)
    return n.to_bytes(length, "big")


class RsaKey:
    def __init__(self, kid=None, bits=2048):
        self.kid = kid or f"rsa-{uuid.uuid4().hex[:8]}"
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        self.alg = "RS256"

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def jwk(self):
        nums = self.private.public_key().public_numbers()
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                "n": b64url(_int_bytes(nums.n)), "e": b64url(_int_bytes(nums.e))}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class EcKey:
    def __init__(self, kid=None):
        self.kid = kid or f"ec-{uuid.uuid4().hex[:8]}"
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.alg = "ES256"

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return _int_bytes(r, 32) + _int_bytes(s, 32)  # JWS wants r || s, not DER

    def jwk(self):
        nums = self.private.public_key().public_numbers()
        return {"kty": "EC", "kid": self.kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                "x": b64url(_int_bytes(nums.x, 32)), "y": b64url(_int_bytes(nums.y, 32))}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def jwt(claims: dict, key=None, alg=None, kid=None, hmac_secret: bytes = None, header_extra=None) -> str:
    """A compact JWS. `key` (RsaKey/EcKey) signs with its algorithm; `hmac_secret` signs HS256;
    alg="none" gives an unsigned token (empty signature)."""
    if alg is None:
        alg = key.alg if key is not None else "HS256"
    header = {"alg": alg, "typ": "JWT"}
    kid = kid if kid is not None else (key.kid if key is not None else None)
    if kid is not None:
        header["kid"] = kid
    header.update(header_extra or {})
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(claims, separators=(",", ":")).encode()))
    if alg == "none":
        sig = b""
    elif alg == "HS256":
        sig = hmac.new(hmac_secret, signing_input.encode(), hashlib.sha256).digest()
    else:
        assert key is not None and key.alg == alg, f"{alg} needs a matching key"
        sig = key.sign(signing_input.encode())
    return signing_input + "." + b64url(sig)


def jwt_claims(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def jwt_header(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[0]))


def oauth_claims(sub, issuer, audience, lifetime=600, **extra):
    now = int(time.time())
    claims = {"sub": sub, "iss": issuer, "aud": audience, "iat": now, "nbf": now - 5, "exp": now + lifetime}
    claims.update(extra)
    return claims


def new_user_pool_key() -> str:
    """A GATEWAY_USER_POOL_SECRET_KEY: base64 of 32 random bytes (`openssl rand -base64 32`)."""
    import os

    return base64.b64encode(os.urandom(32)).decode()


# --- a JWKS + token endpoint server -----------------------------------------------------------
class OAuthServer:
    """Serves GET /jwks.json (the current `keys`, editable at run time) and POST /token (OAuth2
    client-credentials: client_id/client_secret in basic auth or in the form, returns a JWT minted
    by `mint(client_id, scope)`). `hits` counts requests per path."""

    def __init__(self, keys=(), clients=None, mint=None):
        self.keys = list(keys)
        self.clients = dict(clients or {})
        self.mint = mint
        self.hits = {}
        self.token_requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                outer.hits[path] = outer.hits.get(path, 0) + 1
                if path == "/jwks.json":
                    self._send(200, {"keys": [k.jwk() for k in outer.keys]})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                path = self.path.split("?")[0]
                outer.hits[path] = outer.hits.get(path, 0) + 1
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if path != "/token":
                    return self._send(404, {"error": "not found"})
                cid, secret = form.get("client_id"), form.get("client_secret")
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    raw = base64.b64decode(auth[6:]).decode()
                    cid, secret = [urllib.parse.unquote_plus(x) for x in raw.split(":", 1)]
                outer.token_requests.append({"form": form, "client_id": cid})
                if form.get("grant_type") != "client_credentials":
                    return self._send(400, {"error": "unsupported_grant_type"})
                if cid not in outer.clients or outer.clients[cid] != secret:
                    return self._send(401, {"error": "invalid_client"})
                token = outer.mint(cid, form.get("scope"))
                self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def jwks_url(self):
        return f"http://{HOST}:{self.port}/jwks.json"

    @property
    def token_url(self):
        return f"http://{HOST}:{self.port}/token"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def write_jwks(path, keys):
    path.write_text(json.dumps({"keys": [k.jwk() for k in keys]}))
    return f"file://{path}"


# --- kgate's admin API ------------------------------------------------------------------------
def admin_call(http_port, method, path, body=None, user=ADMIN_USER, password=ADMIN_PASSWORD, timeout=10):
    """Returns (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://{HOST}:{http_port}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode(errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def create_service_account(http_port, name, kind="LOCAL", external_names=None, vcluster="passthrough"):
    spec = {"type": kind}
    if external_names is not None:
        spec["externalNames"] = list(external_names)
    body = {"kind": "GatewayServiceAccount", "apiVersion": "gateway/v2",
            "metadata": {"name": name, "vCluster": vcluster}, "spec": spec}
    status, resp = admin_call(http_port, "PUT", "/gateway/v2/service-account", body)
    assert status in (200, 201), f"PUT service-account {name}: HTTP {status} {resp}"
    return resp


def create_token(http_port, username, lifetime_seconds=3600, vcluster="passthrough"):
    status, resp = admin_call(http_port, "POST", "/gateway/v2/token",
                              {"username": username, "vCluster": vcluster, "lifeTimeSeconds": lifetime_seconds})
    assert status == 200, f"POST token for {username}: HTTP {status} {resp}"
    assert isinstance(resp, dict) and "token" in resp, f"token response without a token: {resp}"
    return resp["token"]


# --- raw SASL frames --------------------------------------------------------------------------
def _bytes(b: bytes) -> bytes:
    return struct.pack(">i", len(b)) + b


def sasl_handshake_v1(correlation_id, mechanism):
    return kw.raw_request(API_SASL_HANDSHAKE, 1, correlation_id, kw.string(mechanism))


def sasl_authenticate(correlation_id, auth_bytes: bytes, version=1):
    assert version in (0, 1)
    return kw.raw_request(API_SASL_AUTHENTICATE, version, correlation_id, _bytes(auth_bytes))


def plain_bytes(username, password, authzid=""):
    return f"{authzid}\0{username}\0{password}".encode()


def oauthbearer_bytes(token):
    return f"n,,\x01auth=Bearer {token}\x01\x01".encode()


def parse_sasl_handshake(body):
    r = kw.Reader(body)
    err = r.i16()
    return err, [r.string() for _ in range(r.i32())]


def parse_sasl_authenticate(body, version=1):
    """(error_code, error_message, auth_bytes, session_lifetime_ms or None)."""
    r = kw.Reader(body)
    err = r.i16()
    msg = r.string()
    n = r.i32()
    auth = b"" if n < 0 else r.take(n)
    lifetime = r.i64() if version >= 1 else None
    return err, msg, auth, lifetime


def connect(port, timeout=10):
    return socket.create_connection((HOST, port), timeout=timeout)


def raw_sasl_login(sock, mechanism, auth_bytes, version=1, cid=1):
    """Handshake + one SaslAuthenticate on `sock`. Returns (handshake_error, mechanisms,
    (error, message, auth_bytes, session_lifetime_ms))."""
    sock.sendall(sasl_handshake_v1(cid, mechanism))
    rcid, body = kw.read_response(sock)
    assert rcid == cid, f"SaslHandshake answered with correlation id {rcid}"
    herr, mechs = parse_sasl_handshake(body)
    if herr != 0:
        return herr, mechs, None
    sock.sendall(sasl_authenticate(cid + 1, auth_bytes, version))
    rcid, body = kw.read_response(sock)
    assert rcid == cid + 1, f"SaslAuthenticate answered with correlation id {rcid}"
    return herr, mechs, parse_sasl_authenticate(body, version)


def closed_within(sock, seconds):
    """True if the peer closes the connection (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def metric_value(text, name, **labels):
    """The value of one Prometheus sample `name{labels...}` (label order free), or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head == name and not labels:
            return float(value)
        if not head.startswith(name + "{"):
            continue
        got = dict(p.split("=", 1) for p in head[len(name) + 1:-1].split(",") if p)
        got = {k: v.strip('"') for k, v in got.items()}
        if all(got.get(k) == v for k, v in labels.items()):
            return float(value)
    return None
