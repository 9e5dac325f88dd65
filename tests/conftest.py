"""Fixtures for kgate's end-to-end suite.

Backends are real programs nobody here wrote:
- Apache Kafka 4.1 (KRaft), the default backend: `broker` is one combined broker+controller with node
  id 111, shared by the whole session (tests/kafka_cluster.py, started through scripts/kafka.sh, so
  `make run`, the tests and the benchmark share one way to run it). Tests that need more (3 brokers,
  SSL, SASL, ACLs) start a KafkaCluster of their own.
- tansu (one broker, node id 111, scripts/tansu.sh), a second Kafka implementation: the `tansu`
  fixture for tests of tansu itself and the TLS-cluster and SCRAM tests built on it, and the whole
  suite's `broker` with KGATE_E2E_BACKEND=tansu.
- librdkafka's mock cluster (tests/mock_cluster.py) for fault injection.
Clients are real too: confluent-kafka (librdkafka), kafka-python, Debian's kcat, the Java client and
Kafka's CLI tools.

DIRECT MODE: with KGATE_E2E_DIRECT=1 the `kgate` fixture does NOT start kgate; it hands the test
the backend's own address instead, so each test's logic can be proven against the broker alone.
Tests that assert something only a gateway can do (health endpoint, frame limit, port mapping) say
so and skip in direct mode only; in the normal mode nothing is skipped.

Every process started here is killed at teardown. Ports are found by binding port 0 (or, for
kgate's consecutive port range, by binding each port of a candidate range), so the suite can run
next to anything else. Process logs are attached to the report of a failing test.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
DIRECT = os.environ.get("KGATE_E2E_DIRECT") == "1"
BACKEND = os.environ.get("KGATE_E2E_BACKEND", "kafka")
if BACKEND not in ("kafka", "tansu"):
    raise SystemExit(f"KGATE_E2E_BACKEND={BACKEND!r}: expected kafka or tansu")
# The single broker's node id on either backend (tansu's is fixed at 111; Kafka's is set to match).
BROKER_ID = 111
TANSU_NODE_ID = BROKER_ID
HOST = "127.0.0.1"

sys.path.insert(0, str(Path(__file__).resolve().parent))


# --- ports ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def free_port_range(count: int) -> int:
    """First port of `count` consecutive ports that are all free right now."""
    for _ in range(200):
        start = random.randint(20000, 60000 - count)
        socks = []
        try:
            for p in range(start, start + count):
                s = socket.socket()
                s.bind((HOST, p))
                socks.append(s)
            return start
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def wait_port(port: int, timeout: float = 30.0, proc=None, log=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened:\n{tail(log)}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"port {port} not open after {timeout}s:\n{tail(log)}")


def tail(path, n=60):
    if not path or not Path(path).exists():
        return ""
    lines = Path(path).read_text(errors="replace").splitlines()
    return "\n".join(lines[-n:])


# --- process bookkeeping -----------------------------------------------------------------------
_PROCS = []  # every Proc started in this session
_TEST_START = [0.0]


class Proc:
    def __init__(self, label, argv, log_path, env=None, stdin=None):
        self.label = label
        self.argv = argv
        self.log_path = Path(log_path)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            argv, stdout=self.log, stderr=subprocess.STDOUT, env=env, stdin=stdin, start_new_session=True
        )
        self.started_at = time.time()
        _PROCS.append(self)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        return self.proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for p in _PROCS:
            if p.alive() or p.started_at >= _TEST_START[0]:
                report.sections.append((f"log: {p.label} ({p.log_path})", tail(p.log_path, 200)))


def pytest_sessionfinish(session, exitstatus):
    """Safety net: whatever a failing fixture left behind dies with the session."""
    for p in _PROCS:
        if p.alive():
            p.kill()


# --- tansu --------------------------------------------------------------------------------------
def tansu_bin():
    return os.environ.get("TANSU", str(TOOLS / "bin" / "tansu"))


class Tansu:
    """One tansu broker (node id 111) on a free port. Storage is memory:// (tansu 0.6.0 with
    dynostore has no file storage), so a restart loses every topic and record."""

    def __init__(self, log_dir: Path, port=None):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc = None
        self.start()

    @property
    def bootstrap(self):
        return f"{HOST}:{self.port}"

    def start(self):
        env = dict(os.environ, TANSU=tansu_bin())
        self.proc = Proc(
            "tansu",
            [str(ROOT / "scripts" / "tansu.sh"), "broker", str(self.port)],
            self.log_dir / "tansu.log",
            env=env,
        )
        try:
            wait_port(self.port, 60, self.proc.proc, self.proc.log_path)
        except BaseException:
            self.proc.kill()
            raise

    def stop(self, sig=signal.SIGTERM):
        if self.proc:
            self.proc.stop(sig)

    def restart(self):
        self.stop()
        self.start()

    def create_topic(self, name=None, partitions=1):
        name = name or f"t-{uuid.uuid4().hex[:10]}"
        create_topic(self.bootstrap, name, partitions)
        return name


def create_topic(bootstrap, name, partitions=1, timeout=30.0):
    """CreateTopics through the Kafka API (tansu does not auto-create topics)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futs = admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=timeout)
    futs[name].result(timeout)
    # wait until metadata knows every partition
    deadline = time.time() + timeout
    while time.time() < deadline:
        md = admin.list_topics(name, timeout=5)
        t = md.topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return name
        time.sleep(0.2)
    raise TimeoutError(f"topic {name} not visible")


@pytest.fixture(scope="module")
def tansu(tmp_path_factory):
    d = tmp_path_factory.mktemp("tansu")
    t = Tansu(d)
    yield t
    t.stop()


class KafkaBroker:
    """One Apache Kafka node (id 111, PLAINTEXT) with the same face as Tansu: bootstrap, port,
    create_topic, stop, start, restart. Its log directory survives a restart (unlike tansu's
    memory storage)."""

    def __init__(self, log_dir: Path):
        from kafka_cluster import KafkaCluster

        self.cluster = KafkaCluster(log_dir, node_ids=(BROKER_ID,))

    @property
    def bootstrap(self):
        return self.cluster.bootstrap

    @property
    def port(self):
        return self.cluster.port(BROKER_ID)

    def stop(self, sig=signal.SIGTERM):
        self.cluster.stop(sig)

    def start(self):
        self.cluster.start()

    def restart(self):
        self.cluster.restart()

    def create_topic(self, name=None, partitions=1):
        return self.cluster.create_topic(name, partitions)


def start_backend(log_dir: Path):
    """A new single-broker backend of the suite's kind (KGATE_E2E_BACKEND)."""
    return KafkaBroker(Path(log_dir)) if BACKEND == "kafka" else Tansu(Path(log_dir))


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """The suite's shared broker: Apache Kafka unless KGATE_E2E_BACKEND=tansu. Tests create topics
    with unique names, so they can share it."""
    b = start_backend(tmp_path_factory.mktemp(f"broker-{BACKEND}"))
    yield b
    b.stop(signal.SIGKILL)


@pytest.fixture
def topic(broker):
    return broker.create_topic(partitions=3)


# --- kgate --------------------------------------------------------------------------------------
def kgate_bin():
    return os.environ.get("KGATE_BIN", str(ROOT / "target" / "release" / "kgate"))


def http_get(port, path, timeout=2.0):
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class Gateway:
    """A running kgate, or in direct mode a stand-in that points at the backend itself.

    bootstrap      what a client should use
    broker_port(id) the port a client must see for broker `id`
    """

    def __init__(self, backend_bootstrap, log_dir, env=None, broker_ids=(TANSU_NODE_ID,), port_count=None,
                 backend_ports=None, wait=True):
        self.direct = DIRECT
        self.backend_bootstrap = backend_bootstrap
        self.log_dir = Path(log_dir)
        self.extra_env = dict(env or {})
        self.min_id = int(self.extra_env.get("GATEWAY_MIN_BROKERID", min(broker_ids)))
        self.backend_ports = backend_ports or {}
        self.proc = None
        if self.direct:
            self.port_start = int(backend_bootstrap.split(",")[0].rsplit(":", 1)[1])
            self.http_port = None
            return
        count = port_count or (max(broker_ids) - self.min_id + 3)
        self.port_start = free_port_range(count)
        # The range was only probed, not held: the OS may hand out one of its ports again.
        self.http_port = free_port()
        while self.port_start <= self.http_port < self.port_start + count:
            self.http_port = free_port()
        self.env = {
            "KAFKA_BOOTSTRAP_SERVERS": backend_bootstrap,
            "GATEWAY_ADVERTISED_HOST": HOST,
            "GATEWAY_BIND_HOST": HOST,
            "GATEWAY_PORT_START": str(self.port_start),
            "GATEWAY_MIN_BROKERID": str(self.min_id),
            "GATEWAY_HTTP_PORT": str(self.http_port),
            "GATEWAY_WORKER_THREADS": "2",
            # kgate's default is ./kgate-data: keep generated keys and passwords out of the checkout
            "GATEWAY_DATA_DIR": str(self.log_dir / f"kgate-data-{self.port_start}"),
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        }
        if port_count is not None:
            self.env["GATEWAY_PORT_COUNT"] = str(port_count)
        self.env.update(self.extra_env)
        self.start(wait)

    def start(self, wait=True):
        binary = kgate_bin()
        if not Path(binary).exists():
            raise RuntimeError(f"{binary} missing: run `cargo build --release` (or set KGATE_E2E_DIRECT=1)")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "KAFKA_"))}
        env.update(self.env)
        self.proc = Proc("kgate", [binary], self.log_dir / f"kgate-{self.port_start}.log", env=env)
        if wait:
            try:
                self.wait_ready()
            except BaseException:
                self.proc.kill()
                raise

    def wait_ready(self, timeout=30.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if not self.proc.alive():
                raise RuntimeError(f"kgate exited with {self.proc.proc.returncode}:\n{tail(self.proc.log_path)}")
            try:
                last = http_get(self.http_port, "/health/ready")
                if last[0] == 200:
                    return
            except OSError as e:
                last = e
            time.sleep(0.1)
        raise TimeoutError(f"kgate not ready after {timeout}s (last: {last}):\n{tail(self.proc.log_path)}")

    @property
    def bootstrap(self):
        if self.direct:
            return self.backend_bootstrap
        return f"{HOST}:{self.port_start}"

    def broker_port(self, broker_id):
        if self.direct:
            return self.backend_ports.get(broker_id, self.port_start)
        return self.port_start + broker_id - self.min_id

    def stop(self, sig=signal.SIGTERM):
        if self.proc:
            return self.proc.stop(sig)

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def kgate_factory(tmp_path):
    started = []

    def make(backend_bootstrap, env=None, **kw):
        g = Gateway(backend_bootstrap, tmp_path, env=env, **kw)
        started.append(g)
        return g

    yield make
    for g in started:
        g.stop()


@pytest.fixture
def kgate(kgate_factory, broker):
    """kgate in front of the session's broker (or the broker itself in direct mode)."""
    return kgate_factory(broker.bootstrap, port_count=3)


def require_gateway(gw, why):
    if gw.direct:
        pytest.skip(f"direct mode: {why} is a gateway-only behaviour")


@pytest.fixture(autouse=True)
def _mark_test_start():
    _TEST_START[0] = time.time()
    yield


# --- TLS ------------------------------------------------------------------------------------------
# The TLS suite (tests/test_tls_*.py). Certificates come from tests/tls_certs.py, generated once per
# session. tansu's own TLS flags do not work, so a TLS cluster is tansu on a plaintext port T with
# Debian's stunnel4 in front as the TLS terminator on port S; tansu advertises S, so metadata sends
# clients (and kgate) to stunnel.
STUNNEL = os.environ.get("STUNNEL", "/usr/bin/stunnel4")


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    from tls_certs import generate

    return generate(tmp_path_factory.mktemp("pki"))


class Stunnel:
    """stunnel4 accepting TLS on HOST:accept_port with `cert` (a tls_certs.Identity), forwarding
    plaintext to HOST:connect_port. With client_ca, a client certificate chaining to it is required
    (verify = 2)."""

    def __init__(self, log_dir, accept_port, connect_port, cert, client_ca=None):
        self.accept_port = accept_port
        log_dir = Path(log_dir)
        conf = log_dir / f"stunnel-{accept_port}-{uuid.uuid4().hex[:6]}.conf"
        lines = [
            "foreground = yes",
            "pid =",
            "debug = info",
            "[kafka]",
            f"accept = {HOST}:{accept_port}",
            f"connect = {HOST}:{connect_port}",
            f"cert = {cert.pem}",
            f"key = {cert.pem}",
        ]
        if client_ca is not None:
            lines += ["verify = 2", f"CAfile = {client_ca.crt}"]
        conf.write_text("\n".join(lines) + "\n")
        self.proc = Proc("stunnel", [STUNNEL, str(conf)], log_dir / f"stunnel-{accept_port}.log")
        try:
            wait_port(accept_port, 15, self.proc.proc, self.proc.log_path)
        except BaseException:
            self.proc.kill()
            raise

    def stop(self):
        self.proc.stop()


class TlsTansu:
    """tansu (node 111) listening in plaintext on `port`, advertising `advertised_host:tls_port`,
    where a Stunnel started by `.stunnel(...)` terminates TLS. Only one stunnel at a time."""

    def __init__(self, log_dir, advertised_host=HOST):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.tls_port = free_port()
        self.advertised_host = advertised_host
        self.tunnel = None
        self.proc = Proc(
            "tansu-behind-stunnel",
            [tansu_bin(), "broker",
             "--listener-url", f"tcp://{HOST}:{self.port}",
             "--advertised-listener-url", f"tcp://{advertised_host}:{self.tls_port}",
             "--storage-engine", "memory://tansu/"],
            self.log_dir / "tansu-tls.log",
        )
        try:
            wait_port(self.port, 60, self.proc.proc, self.proc.log_path)
        except BaseException:
            self.proc.kill()
            raise

    @property
    def tls_bootstrap(self):
        return f"{HOST}:{self.tls_port}"

    def stunnel(self, cert, client_ca=None):
        self.stop_stunnel()
        self.tunnel = Stunnel(self.log_dir, self.tls_port, self.port, cert, client_ca)
        return self.tunnel

    def stop_stunnel(self):
        if self.tunnel is not None:
            self.tunnel.stop()
            self.tunnel = None

    def stop(self):
        self.stop_stunnel()
        self.proc.stop()


@pytest.fixture(scope="module")
def tls_tansu(tmp_path_factory):
    t = TlsTansu(tmp_path_factory.mktemp("tansu-tls"))
    yield t
    t.stop()


def create_topic_with(conf, name=None, partitions=1, timeout=30.0):
    """CreateTopics with full client settings (e.g. TLS: tls_certs.ck_tls(...) + bootstrap.servers)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    name = name or f"t-{uuid.uuid4().hex[:10]}"
    admin = AdminClient(dict(conf))
    futs = admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=timeout)
    futs[name].result(timeout)
    deadline = time.time() + timeout
    while time.time() < deadline:
        md = admin.list_topics(name, timeout=5)
        t = md.topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return name
        time.sleep(0.2)
    raise TimeoutError(f"topic {name} not visible")


def tls_gateway_env(pki, **extra):
    """kgate settings for TLS towards clients with the session's server certificate."""
    env = {
        "GATEWAY_SECURITY_PROTOCOL": "SSL",
        "GATEWAY_SSL_KEY_STORE_PATH": pki.server.pem,
        "GATEWAY_SSL_KEY_STORE_TYPE": "PEM",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_exit(gw, timeout=15.0):
    """For a kgate expected to refuse its configuration: its exit code and its whole log."""
    try:
        rc = gw.proc.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        rc = None
    return rc, Path(gw.proc.log_path).read_text(errors="replace")


def wait_log(path, needle, timeout=10.0):
    """True once `needle` appears in the file at `path` (a process log)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if Path(path).exists() and needle in Path(path).read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False

# --- SASL -----------------------------------------------------------------------------------------
# The SASL suite (tests/test_sasl_*.py, tests/test_kafka_sasl_*.py). Helpers that need no process
# (JWT minting, the JWKS and token endpoint server, admin API calls, raw SASL frames) live in
# tests/sasl_helpers.py; Kafka SASL clusters in tests/kafka_sasl_common.py.


def fresh_data_dir():
    import tempfile

    return tempfile.mkdtemp(prefix="kgate-data-")


def start_sasl_gateway(factory, backend_bootstrap, env, **kw):
    """kgate_factory(...) that turns a start-up refusal into a test failure naming the feature.
    GATEWAY_DATA_DIR defaults to a fresh temporary directory (kgate's own default is ./kgate-data)."""
    env = dict(env)
    env.setdefault("GATEWAY_DATA_DIR", fresh_data_dir())
    try:
        return factory(backend_bootstrap, env=env, **kw)
    except (RuntimeError, TimeoutError) as e:
        shown = {k: v for k, v in env.items() if "SECURITY" in k or "MECHANISM" in k or k == "GATEWAY_SECURITY_MODE"}
        pytest.fail(f"kgate did not start (or never got ready) with {shown}:\n{e}", pytrace=False)


def gateway_log(gw) -> str:
    return gw.proc.log_path.read_text(errors="replace") if gw.proc else ""


def wait_gateway_log(gw, needle, timeout=10.0):
    """Wait until kgate's log contains `needle`; returns the log."""
    deadline = time.time() + timeout
    while True:
        log = gateway_log(gw)
        if needle in log or time.time() > deadline:
            return log
        time.sleep(0.1)


@pytest.fixture(scope="module")
def module_gateways(tmp_path_factory):
    """A per-module kgate_factory, for modules that share one kgate across tests."""
    started = []
    d = tmp_path_factory.mktemp("kgate-mod")

    def make(backend_bootstrap, env=None, **kw):
        g = Gateway(backend_bootstrap, d, env=env, **kw)
        started.append(g)
        return g

    yield make
    for g in started:
        g.stop()


@pytest.fixture(scope="module")
def sasl_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kgate-data")
