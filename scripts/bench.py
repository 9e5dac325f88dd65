#!/usr/bin/env python3
"""`make bench`: librdkafka (confluent-kafka) load against a broker directly, through a raw TCP relay
(socat), through kgate (plaintext and TLS) and, for tansu, through `tansu proxy`; writes BENCHMARKS.md.

Backends, one after the other (never both running at once):
  tansu   tansu 0.6.0 (scripts/tansu.sh broker PORT, memory storage, node id 111); skipped with a
          message when its binary is missing (`make tools` builds it)
  kafka   Apache Kafka (scripts/kafka.sh single DIR PORT: one KRaft broker+controller, node id 1,
          log on local disk in a fresh directory removed afterwards)

The relay target is socat with 256 KiB buffers (socat -b262144 TCP-LISTEN:R,fork,reuseaddr,nodelay,
rcvbuf=262144,sndbuf=262144 TCP:127.0.0.1:B,nodelay,rcvbuf=262144,sndbuf=262144): the floor a proxy in
front of a broker can reach. For the data to flow through it, the broker must advertise the relay's
port to clients that came through it: Apache Kafka gets a second listener RELAY on port B that
advertises port R (the same broker, log and JVM; clients of the PLAINTEXT listener, kgate among them,
still see the broker's own port); tansu has one listener, so the relay gets its own tansu instance
(memory storage, same binary) listening on B and advertising R. socat forks a process per connection:
its CPU is the parent's and its children's (live ones from /proc, exited ones through cutime/cstime).

Measured per backend and target:
  standard   N records of SIZE bytes on a 3-partition topic: produce (acks=all, linger 5 ms), wall
             time from the first produce() to flush() done; consume the same records from offset 0
             with an assigned consumer, until the last arrives
  latency    p50/p99 of one-record acks=1 produce + flush, sequentially (direct, relay and kgate)
  proxy CPU  utime+stime from /proc/<pid>/stat over the produce+consume phases, per GiB of record
             payload forwarded (produced + consumed): kgate's, or socat's with its children
  small-batch  16 KiB batches on ONE partition (batch.size=16384, linger.ms=5, acks=1), as big-batch
  big-batch  1 MB batches on ONE partition, configured the way a user tries it: batch.size=1000000,
             linger.ms=100, acks=1 (librdkafka's defaults otherwise); produce and consume MB/s and
             the kgate/direct ratio (direct, kgate, kgate-tls)
Each backend is warmed up first (--warmup records, directly); within each round the targets take
turns, so slow drifts in the machine's load hit them alike. About 3 minutes with the defaults on
two cores; --quick (with --backends/--targets/--workloads) is a smoke run of well under a minute.

Optional targets (only when named in --targets):
  kgate-before    a second kgate binary, KGATE_BIN_BEFORE (e.g. built before a change), plaintext
  kgate-sasl      kgate with GATEWAY_SECURITY_PROTOCOL=SASL_PLAINTEXT (GATEWAY_USER_POOL_SECRET_KEY,
                  GATEWAY_ADMIN_API_USERS, a fresh data directory); a LOCAL service account of the
                  passthrough cluster and its token (kgate's admin API), clients use SASL PLAIN; topics
                  are the broker's names
  kgate-vcluster  the same kgate process; a virtual cluster `bench` (prefix `bench.`) with a LOCAL
                  account and token; clients create, produce and consume logical names, which kgate
                  prefixes (checked once on the broker before measuring). The report then gets a
                  "Virtual cluster against passthrough" table: kgate-vcluster / kgate-sasl, goal 0.9
  kgate-policies  the same kgate process; a LOCAL account of the passthrough cluster with two
                  interceptors scoped to it, a CreateTopicPolicy and a ProducePolicy (acks, compressions,
                  version) that the workloads satisfy (checked once: a topic over the policy is refused with
                  POLICY_VIOLATION). The report then gets an "Interceptors against none" table:
                  kgate-policies / kgate-sasl, goal 0.95

Quick run: `scripts/bench.py --quick --backends kafka --targets direct,kgate --out /tmp/b.md`.
`make bench-vcluster`: `scripts/bench.py --backends kafka --targets direct,kgate-sasl,kgate-vcluster
--append "Virtual cluster"` (--append TITLE adds the run to --out as one section instead of rewriting it).
`make bench-interceptors`: the same with --targets direct,kgate-sasl,kgate-policies --append "Interceptors".
"""
import argparse
import datetime
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

from conftest import HOST, TANSU_NODE_ID, create_topic, free_port, free_port_range, http_get, wait_port  # noqa: E402

PARTITIONS = 3
BACKENDS = ("tansu", "kafka")
TARGETS = ("direct", "relay", "kgate", "kgate-tls", "tansu-proxy")
# Only when asked for with --targets:
#   kgate-before    a second kgate binary (KGATE_BIN_BEFORE, e.g. built before a change), plaintext
#   kgate-sasl      kgate with SASL_PLAINTEXT towards clients: a LOCAL service account of the passthrough
#                   cluster and its token, SASL PLAIN; topics are the broker's names
#   kgate-vcluster  the same kgate process: a LOCAL account of the virtual cluster VCLUSTER (prefix
#                   VCLUSTER_PREFIX); clients use logical names, the broker holds VCLUSTER_PREFIX + name
#   kgate-policies  the same kgate process: a LOCAL passthrough account with a CreateTopicPolicy and a
#                   ProducePolicy scoped to it, which the workloads satisfy
OPTIONAL_TARGETS = ("kgate-before", "kgate-sasl", "kgate-vcluster", "kgate-policies")
SASL_TARGETS = ("kgate-sasl", "kgate-vcluster", "kgate-policies")
VCLUSTER, VCLUSTER_PREFIX = "bench", "bench."
# the targets with a latency column (kgate-tls and tansu-proxy only have throughput)
LATENCY_TARGETS = ("direct", "relay", "kgate", "kgate-before", "kgate-sasl", "kgate-vcluster", "kgate-policies")
# kgate-vcluster against kgate-sasl: at least this fraction of the throughput
VCLUSTER_GOAL = 0.9
# kgate-policies against kgate-sasl: request-level policies must not cost more than this
POLICIES_GOAL = 0.95
# What kgate-policies' account gets: policies the workloads satisfy, checked on every request.
POLICY_INTERCEPTORS = {
    "bench-create-topic": ("safeguard.CreateTopicPolicyPlugin", {
        "topic": ".*", "numPartition": {"min": 1, "max": 1000, "action": "BLOCK"},
        "replicationFactor": {"min": 1, "max": 3, "action": "BLOCK"}}),
    "bench-produce": ("safeguard.ProducePolicyPlugin", {
        "topic": ".*", "acks": {"value": [-1, 1], "action": "BLOCK"},
        "compressions": {"value": ["NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"], "action": "BLOCK"},
        "version": {"min": 3, "max": 13, "action": "BLOCK"}}),
}
WORKLOADS = ("standard", "small-batch", "big-batch")
KAFKA_VERSION = os.environ.get("KAFKA_VERSION", "4.1.1")
KAFKA_NODE_ID = 1
# The big-batch producer: what a user sets to try 1 MB batches; everything else is librdkafka's default.
BIG_BATCH_CONF = {"batch.size": 1_000_000, "linger.ms": 100, "acks": 1}
# The small-batch producer: Java's default batch size, a short linger.
SMALL_BATCH_CONF = {"batch.size": 16384, "linger.ms": 5, "acks": 1}
# The raw relay: socat with 256 KiB buffers and TCP_NODELAY on both sides (the brokers and kgate set it).
SOCAT_OPTS = "nodelay,rcvbuf=262144,sndbuf=262144"
CONSUMER_CONF = {"fetch.max.bytes": 50 * 1024 * 1024, "max.partition.fetch.bytes": 8 * 1024 * 1024,
                 "fetch.wait.max.ms": 10}


def start(argv, log, env=None):
    return subprocess.Popen(argv, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(p, timeout=10):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cpu_seconds(pid, children=False):
    """utime+stime of `pid`; with `children`, also what its exited and reaped children used
    (cutime+cstime) and what its live children use."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    seconds = ticks / os.sysconf("SC_CLK_TCK")
    if children:
        for child in child_pids(pid):
            try:
                seconds += cpu_seconds(child, children=True)
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass  # exited meanwhile: counted in the parent's cutime once reaped
    return seconds


def child_pids(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                            out.append(int(entry))
                except (OSError, IndexError, ValueError):
                    pass
        return out


def produce(bootstrap, topic, n, size, extra=None, partitions=PARTITIONS, conf=None):
    base = conf if conf is not None else {"linger.ms": 5, "acks": "all", "queue.buffering.max.kbytes": 256 * 1024,
                                          "batch.size": 1_000_000}
    p = Producer({"bootstrap.servers": bootstrap, **base, **(extra or {})})
    value = os.urandom(size)
    errors = []
    t0 = time.perf_counter()
    for i in range(n):
        while True:
            try:
                p.produce(topic, value=value, key=b"%d" % i, partition=i % partitions,
                          on_delivery=lambda e, m: e and errors.append(e))
                break
            except BufferError:
                p.poll(0.01)
    left = p.flush(120)
    dt = time.perf_counter() - t0
    if left or errors:
        raise RuntimeError(f"produce: {left} undelivered, errors {errors[:3]}")
    return dt


def consume(bootstrap, topic, n, extra=None, partitions=PARTITIONS):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{time.time_ns()}",
                  "enable.auto.commit": False, **CONSUMER_CONF, **(extra or {})})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = 0
    t0 = time.perf_counter()
    deadline = time.time() + 120
    while got < n and time.time() < deadline:
        # Never ask for more than is left: consume() waits its full timeout for a batch it
        # cannot fill, which would add a second to every n that is not a multiple of the batch.
        for m in c.consume(min(10000, n - got), 1.0):
            if not m.error():
                got += 1
    dt = time.perf_counter() - t0
    c.close()
    if got < n:
        raise RuntimeError(f"consume: {got} of {n}")
    return dt


def latency(targets, count):
    """p50 and p99 (ms) of one-record acks=1 produce + flush per target; `targets` maps a name to
    (bootstrap, topic, client conf or None). The targets take turns sample by sample, so that the
    machine's load at any moment (a GC pause of the broker, another process) falls on all of them alike."""
    producers = {}
    for name, (bootstrap, topic, conf) in targets.items():
        p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": 1, **(conf or {})})
        p.produce(topic, value=b"warm", partition=0)
        p.flush(10)
        producers[name] = (p, topic)
    samples = {name: [] for name in targets}
    for i in range(count):
        for name, (p, topic) in producers.items():
            t0 = time.perf_counter()
            p.produce(topic, value=b"x" * 100, partition=0)
            if p.flush(10):
                raise RuntimeError(f"latency produce through {name} not delivered")
            samples[name].append((time.perf_counter() - t0) * 1000)
    out = {}
    for name, s in samples.items():
        s.sort()
        out[name] = (s[len(s) // 2], s[max(int(len(s) * 0.99) - 1, 0)])
    return out


# --- backends -------------------------------------------------------------------------------------
class Backend:
    """A running broker: its name, bootstrap address, node id, process and a description."""

    def __init__(self, name, port, node_id, proc, label, data_dir=None, relay_ports=None):
        self.name, self.port, self.node_id, self.proc, self.label = name, port, node_id, proc, label
        self.data_dir = data_dir
        # Kafka: (R, B): the RELAY listener on B advertises R, where socat listens
        self.relay_ports = relay_ports

    @property
    def bootstrap(self):
        return f"{HOST}:{self.port}"

    def stop(self):
        # Kafka's controlled shutdown of a single node takes a few seconds.
        stop(self.proc, timeout=60)
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def tansu_binary():
    """TANSU, else .tools/bin/tansu (`make tools`), else the per-machine build it links to."""
    if os.environ.get("TANSU"):
        return os.environ["TANSU"]
    linked = ROOT / ".tools" / "bin" / "tansu"
    cache = Path(os.environ.get("TANSU_CACHE", Path.home() / ".cache" / "kgate" / "tansu-0.6.0-dynostore"))
    if not os.access(linked, os.X_OK) and os.access(cache / "bin" / "tansu", os.X_OK):
        return str(cache / "bin" / "tansu")
    return str(linked)


def start_tansu(logdir, relay=False):
    binary = tansu_binary()
    if not os.access(binary, os.X_OK):
        return None, f"tansu: skipped, no binary at {binary} (`make tools` builds it; TANSU=... points elsewhere)"
    port = free_port()
    log = logdir / "tansu.log"
    proc = start([str(ROOT / "scripts" / "tansu.sh"), "broker", str(port)], log, dict(os.environ, TANSU=binary))
    try:
        wait_port(port, 30, proc, log)
    except BaseException:
        stop(proc)
        raise
    return Backend("tansu", port, TANSU_NODE_ID, proc, "tansu 0.6.0 (memory storage)"), None


def write_kafka_config(data, port, relay_ports):
    """kafka.sh single's one-node configuration, plus a listener RELAY on B that advertises the relay
    port R (kafka.sh keeps a server.properties it finds)."""
    relay, relay_listener = relay_ports
    cport = free_port()
    data.mkdir(parents=True, exist_ok=True)
    (data / "server.properties").write_text(f"""process.roles=broker,controller
node.id={KAFKA_NODE_ID}
listeners=PLAINTEXT://{HOST}:{port},RELAY://{HOST}:{relay_listener},CONTROLLER://{HOST}:{cport}
advertised.listeners=PLAINTEXT://{HOST}:{port},RELAY://{HOST}:{relay}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,RELAY:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers={HOST}:{cport}
log.dirs={data}/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
""")


def start_kafka(logdir, relay=False):
    port = free_port()
    data = logdir / f"kafka-{time.time_ns()}"
    log = logdir / "kafka.log"
    env = dict(os.environ, KAFKA_VERSION=KAFKA_VERSION)
    relay_ports = None
    if relay:
        relay_ports = (free_port(), free_port())
        write_kafka_config(data, port, relay_ports)
    proc = start([str(ROOT / "scripts" / "kafka.sh"), "single", str(data), str(port), str(KAFKA_NODE_ID)], log, env)
    backend = Backend("kafka", port, KAFKA_NODE_ID, proc,
                      f"Apache Kafka {KAFKA_VERSION} (one KRaft broker+controller, log on local disk)", data,
                      relay_ports)
    waiter = subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "wait", str(port), "180"], capture_output=True,
                            text=True, env=env)
    if waiter.returncode != 0 or proc.poll() is not None:
        backend.stop()
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"Apache Kafka did not start on port {port}: {waiter.stderr.strip()}\n{tail}")
    return backend, None


def start_kgate(name, backend, logdir, kgate_bin, pki, extra_env=None, http_port=None):
    """kgate (plaintext or TLS towards clients; `extra_env` for more) in front of `backend`: (process,
    bootstrap, client conf); its HTTP port is put in the dict `http_port` under "port" when given."""
    kport, hport = free_port_range(3), free_port()
    while kport <= hport < kport + 3:  # the range is probed, not held
        hport = free_port()
    kenv = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "KAFKA_"))}
    kenv.update(KAFKA_BOOTSTRAP_SERVERS=backend.bootstrap, GATEWAY_ADVERTISED_HOST=HOST, GATEWAY_BIND_HOST=HOST,
                GATEWAY_PORT_START=str(kport), GATEWAY_PORT_COUNT="3",
                GATEWAY_MIN_BROKERID=str(backend.node_id), GATEWAY_HTTP_PORT=str(hport),
                GATEWAY_SECURITY_PROTOCOL="PLAINTEXT", GATEWAY_DATA_DIR=str(logdir / "kgate-data"), RUST_LOG="warn")
    conf = None
    if name == "kgate-tls":
        import tls_certs
        kenv.update(GATEWAY_SECURITY_PROTOCOL="SSL", GATEWAY_SSL_KEY_STORE_PATH=pki.server.pem)
        conf = tls_certs.ck_tls(pki)
    kenv.update(extra_env or {})
    log = logdir / f"{backend.name}-{name}.log"
    proc = start([kgate_bin], log, kenv)
    if http_port is not None:
        http_port["port"] = hport
    deadline = time.time() + 30
    while True:
        try:
            if http_get(hport, "/health/ready")[0] == 200:
                break
        except OSError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            stop(proc)
            raise RuntimeError(f"{name} not ready: see {log}")
        time.sleep(0.1)
    return proc, f"{HOST}:{kport}", conf


def start_sasl_kgate(backend, logdir, kgate_bin, names):
    """One kgate with SASL_PLAINTEXT towards clients (a fresh data directory, a new user-pool key,
    the admin API's basic-auth users) for the kgate-sasl and kgate-vcluster targets in `names`:
    (process, bootstrap, {target: client conf}, data directory to remove)."""
    import sasl_helpers as sh
    import vcluster_helpers as vh

    data = Path(tempfile.mkdtemp(prefix="kgate-sasl-data-", dir=logdir))
    hport_holder = {}
    proc, addr, _ = start_kgate("kgate-sasl", backend, logdir, kgate_bin, None, extra_env={
        "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "GATEWAY_USER_POOL_SECRET_KEY": sh.new_user_pool_key(),
        "GATEWAY_ADMIN_API_USERS": sh.ADMIN_API_USERS, "GATEWAY_DATA_DIR": str(data)}, http_port=hport_holder)
    hport = hport_holder["port"]
    confs = {}
    try:
        lifetime = 24 * 3600
        if "kgate-sasl" in names:
            sh.create_service_account(hport, "bench-sasl")
            confs["kgate-sasl"] = vh.ck_conf("bench-sasl", sh.create_token(hport, "bench-sasl", lifetime))
        if "kgate-vcluster" in names:
            vh.put_vcluster(hport, VCLUSTER, prefix=VCLUSTER_PREFIX)
            sh.create_service_account(hport, "bench-tenant", vcluster=VCLUSTER)
            token = sh.create_token(hport, "bench-tenant", lifetime, vcluster=VCLUSTER)
            confs["kgate-vcluster"] = vh.ck_conf("bench-tenant", token)
        if "kgate-policies" in names:
            sh.create_service_account(hport, "bench-policies")
            for name, (plugin, config) in POLICY_INTERCEPTORS.items():
                body = {"kind": "Interceptor", "apiVersion": "gateway/v2",
                        "metadata": {"name": name, "scope": {"username": "bench-policies"}},
                        "spec": {"pluginClass": "io.conduktor.gateway.interceptor." + plugin, "priority": 100,
                                 "config": config}}
                status, reply = sh.admin_call(hport, "PUT", "/gateway/v2/interceptor", body)
                if status != 200:
                    raise RuntimeError(f"interceptor {name}: HTTP {status} {reply}")
            confs["kgate-policies"] = vh.ck_conf("bench-policies", sh.create_token(hport, "bench-policies", lifetime))
    except BaseException:
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)
        raise
    return proc, addr, confs, data


def create_topic_via(bootstrap, conf, name, partitions, timeout=30.0):
    """CreateTopics through `bootstrap` with the client settings `conf` (None: plaintext, the
    suite's create_topic), then wait until its metadata, seen the same way, has every partition."""
    if not conf:
        return create_topic(bootstrap, name, partitions)
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap, **conf})
    admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=timeout)[name].result(timeout)
    deadline = time.time() + timeout
    while time.time() < deadline:
        t = admin.list_topics(name, timeout=5).topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return name
        time.sleep(0.2)
    raise TimeoutError(f"topic {name} not visible through {bootstrap}")


def check_vcluster(backend, bootstrap, conf):
    """The tenant's topic must land on the broker prefixed, and only the logical name reach the tenant:
    else the kgate-vcluster row would measure something else."""
    from confluent_kafka.admin import AdminClient

    probe = f"probe-{time.time_ns()}"
    create_topic_via(bootstrap, conf, probe, 1)
    on_broker = AdminClient({"bootstrap.servers": backend.bootstrap}).list_topics(timeout=20).topics
    seen = AdminClient({"bootstrap.servers": bootstrap, **conf}).list_topics(timeout=20).topics
    if VCLUSTER_PREFIX + probe not in on_broker or probe not in seen or any(
            t.startswith(VCLUSTER_PREFIX) for t in seen):
        raise RuntimeError(f"virtual cluster {VCLUSTER}: tenant topic {probe!r} is not {VCLUSTER_PREFIX}{probe} on the "
                           f"broker (broker: {sorted(on_broker)}; tenant: {sorted(seen)})")


def check_policies(bootstrap, conf):
    """The policies of kgate-policies are in force: a topic over the partition limit is refused with
    POLICY_VIOLATION, else the kgate-policies row would measure something else."""
    from confluent_kafka.admin import AdminClient, NewTopic

    name = f"bench-over-policy-{os.getpid()}"
    admin = AdminClient(dict(conf, **{"bootstrap.servers": bootstrap}))
    try:
        admin.create_topics([NewTopic(name, 2000, 1)], operation_timeout=20)[name].result(30)
    except Exception as e:
        if e.args and getattr(e.args[0], "code", lambda: None)() == 44:
            return
        raise
    raise RuntimeError(f"kgate-policies: {name} with 2000 partitions was created: the policy is not applied")


def start_socat(listen, to, log):
    return start(["socat", "-b262144", f"TCP-LISTEN:{listen},bind={HOST},fork,reuseaddr,{SOCAT_OPTS}",
                  f"TCP:{HOST}:{to},{SOCAT_OPTS}"], log)


def start_relay(backend, logdir):
    """The raw relay in front of `backend`: (processes to stop, socat process, bootstrap, admin
    bootstrap for creating its topics)."""
    if shutil.which("socat") is None:
        raise RuntimeError("socat missing: apt-get install socat (scripts/install-deps.sh lists it)")
    procs = []
    if backend.relay_ports is not None:
        relay, listener = backend.relay_ports
        admin = backend.bootstrap
    else:
        # tansu advertises the one address it listens on: a second instance for the relay.
        relay, listener = free_port(), free_port()
        log = logdir / "tansu-relay.log"
        binary = tansu_binary()
        tansu = start([binary, "broker", "--listener-url", f"tcp://{HOST}:{listener}",
                       "--advertised-listener-url", f"tcp://{HOST}:{relay}", "--storage-engine", "memory://tansu/"],
                      log)
        procs.append(tansu)
        wait_port(listener, 30, tansu, log)
        admin = f"{HOST}:{listener}"
    log = logdir / f"{backend.name}-relay.log"
    socat = start_socat(relay, listener, log)
    procs.append(socat)
    wait_port(relay, 30, socat, log)
    return procs, socat, f"{HOST}:{relay}", admin


def start_tansu_proxy(backend, logdir):
    pport = free_port()
    log = logdir / "tansu-proxy.log"
    proc = start([str(ROOT / "scripts" / "tansu.sh"), "proxy", str(pport), str(backend.port)], log,
                 dict(os.environ, TANSU=tansu_binary()))
    wait_port(pport, 30, proc, log)
    return proc, f"{HOST}:{pport}"


# --- one backend ------------------------------------------------------------------------------------
def run_backend(backend, args, targets, workloads, logdir, kgate_bin, pki):
    """Every selected workload against every selected target of one running backend."""
    procs = []
    addrs = {"direct": backend.bootstrap}
    admins = {}
    gateways, client_conf, relays = {}, {}, {}
    rows, big = [], []
    data_dirs = []
    try:
        sasl_names = [t for t in targets if t in SASL_TARGETS]
        if sasl_names:
            # one process for both: the virtual cluster's cost is what differs between their rows
            proc, addr, confs, data = start_sasl_kgate(backend, logdir, kgate_bin, sasl_names)
            procs.append(proc)
            data_dirs.append(data)
            for name in sasl_names:
                gateways[name], addrs[name], client_conf[name] = proc, addr, confs[name]
                # topics are created through kgate as the target's client (the tenant's names are
                # logical: kgate prefixes them)
                admins[name] = addr
            if "kgate-vcluster" in sasl_names:
                check_vcluster(backend, addrs["kgate-vcluster"], client_conf["kgate-vcluster"])
            if "kgate-policies" in sasl_names:
                check_policies(addrs["kgate-policies"], client_conf["kgate-policies"])
        for name in targets:
            if name in ("kgate", "kgate-tls", "kgate-before"):
                binary = os.environ["KGATE_BIN_BEFORE"] if name == "kgate-before" else kgate_bin
                proc, addr, conf = start_kgate(name, backend, logdir, binary, pki)
                procs.append(proc)
                gateways[name], addrs[name], client_conf[name] = proc, addr, conf
            elif name == "relay":
                started, socat, addrs[name], admins[name] = start_relay(backend, logdir)
                procs += started
                relays[name] = socat
            elif name == "tansu-proxy":
                proc, addr = start_tansu_proxy(backend, logdir)
                procs.append(proc)
                addrs[name] = addr

        def cpu_of(name):
            if name in relays:
                return cpu_seconds(relays[name].pid, children=True)
            gw = gateways.get(name)
            return cpu_seconds(gw.pid) if gw else None

        def measure(name, n, partitions, conf):
            """One round: produce then consume n records on a new topic; (produce s, consume s, CPU s/GiB)."""
            bootstrap, extra = addrs[name], client_conf.get(name)
            topic = f"bench-{name}-{time.time_ns()}"
            create_topic_via(admins.get(name, backend.bootstrap), client_conf.get(name) if name in SASL_TARGETS
                             else None, topic, partitions)
            cpu0 = cpu_of(name)
            tp = produce(bootstrap, topic, n, args.size, extra, partitions=partitions, conf=conf)
            tc = consume(bootstrap, topic, n, extra, partitions=partitions)
            if name in relays:
                # the relay's per-connection processes exit once the clients close: let socat reap
                # them, so that their CPU is in its cutime/cstime
                time.sleep(0.5)
            cpu = None if cpu0 is None else (cpu_of(name) - cpu0) / (2 * n * args.size / 2**30)
            return tp, tc, cpu

        if args.warmup > 0:
            # A fresh JVM broker runs its first seconds interpreted: warm it (and the page cache) up
            # on the direct path, so that the first target measured is not penalised.
            t0 = time.perf_counter()
            measure("direct", args.warmup, PARTITIONS, None)
            measure("direct", args.warmup, 1, BIG_BATCH_CONF)
            if "relay" in targets and backend.relay_ports is None:
                measure("relay", args.warmup // 4, PARTITIONS, None)
            print(f"warm-up: {2 * args.warmup} records in {time.perf_counter() - t0:.1f}s", flush=True)

        def rounds(n, partitions, conf, names):
            """args.rounds rounds, the targets interleaved in each (slow drifts of the machine's load
            then hit every target alike); the median per target."""
            results = {name: [] for name in names}
            for _ in range(args.rounds):
                for name in names:
                    results[name].append(measure(name, n, partitions, conf))
            out = {}
            for name, res in results.items():
                cpus = [c for _, _, c in res if c is not None]
                out[name] = (statistics.median(t for t, _, _ in res), statistics.median(t for _, t, _ in res),
                             statistics.median(cpus) if cpus else None)
            return out

        if "standard" in workloads:
            mib = args.records * args.size / 2**20
            results = rounds(args.records, PARTITIONS, None, targets)
            lats = {}
            if args.latency_count > 0:
                lat_targets = {}
                for name in targets:
                    if name in LATENCY_TARGETS:
                        ltopic = f"lat-{name}-{time.time_ns()}"
                        sasl = client_conf.get(name) if name in SASL_TARGETS else None
                        create_topic_via(admins.get(name, backend.bootstrap), sasl, ltopic, 1)
                        lat_targets[name] = (addrs[name], ltopic, client_conf.get(name))
                lats = latency(lat_targets, args.latency_count)
            for name, (tp, tc, cpu) in results.items():
                row = dict(backend=backend.name, target=name, p_mbs=mib / tp, p_rps=args.records / tp,
                           c_mbs=mib / tc, c_rps=args.records / tc, cpu=cpu, lat=lats.get(name))
                rows.append(row)
                print(row, flush=True)
        for workload, conf in (("small-batch", SMALL_BATCH_CONF), ("big-batch", BIG_BATCH_CONF)):
            if workload not in workloads:
                continue
            mib_total = args.small_batch_mib if workload == "small-batch" else args.big_batch_mib
            n = max(1, int(mib_total * 2**20 // args.size))
            bmib = n * args.size / 2**20
            names = [t for t in targets if t != "tansu-proxy"]
            for name, (tp, tc, cpu) in rounds(n, 1, conf, names).items():
                row = dict(backend=backend.name, workload=workload, target=name, records=n, p_mbs=bmib / tp,
                           c_mbs=bmib / tc, cpu=cpu)
                big.append(row)
                print(row, flush=True)
    finally:
        for p in reversed(procs):
            stop(p)
        for d in data_dirs:
            shutil.rmtree(d, ignore_errors=True)
    return rows, big


# --- the report -------------------------------------------------------------------------------------
def append_section(out, title, script, how, kgate_bin, table, notes=()):
    """Append one measured section to the report `out`: the title, when and how it was run, the
    load average at the end, `how` and any `notes` as list items, then the table."""
    load = os.getloadavg()
    head = ["", f"## {title}", "",
            f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; command: "
            f"`{' '.join(['scripts/' + Path(script).name] + sys.argv[1:])}`; kgate: {kgate_bin}; "
            f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
            "- " + how] + [f"- {note}" for note in notes] + [""]
    with open(out, "a") as f:
        f.write("\n".join(head) + "\n" + table + "\n")


def ratio(rows, row, key, base="direct"):
    other = next((r for r in rows if r["backend"] == row["backend"] and r.get("workload") == row.get("workload")
                  and r["target"] == base), None)
    if other is None or row["target"] == base or row.get(key) is None or not other.get(key):
        return "-"
    return "%.2f" % (row[key] / other[key])


def goal(value, ok):
    return f"{value} ({'met' if ok else 'NOT met'})"


def relay_section(rows, big):
    """kgate against the raw relay, per backend: the issue's goals."""
    lines = []
    for backend in dict.fromkeys(r["backend"] for r in rows + big):
        cells = []

        def pair(table, workload, key, label, floor=None, ceiling=None):
            mine = [r for r in table if r["backend"] == backend and r.get("workload") == workload]
            kg = next((r for r in mine if r["target"] == "kgate"), None)
            if kg is None or kg.get(key) is None:
                return
            text = ratio(mine, kg, key, "relay")
            if text == "-":
                return
            value = float(text)
            ok = (floor is None or value >= floor) and (ceiling is None or value <= ceiling)
            cells.append((label, goal(text, ok)))

        pair(rows, None, "p_mbs", "produce (3 partitions, acks=all) throughput", floor=0.95)
        pair(rows, None, "c_mbs", "consume throughput", floor=0.95)
        pair(rows, None, "cpu", "CPU per GiB", ceiling=1.3)
        for wl, label in (("small-batch", "16 KiB batches"), ("big-batch", "1 MB batches")):
            pair(big, wl, "p_mbs", f"{label}: produce throughput", floor=0.95)
            pair(big, wl, "c_mbs", f"{label}: consume throughput", floor=0.95)
            pair(big, wl, "cpu", f"{label}: CPU per GiB", ceiling=1.3)
        std = {r["target"]: r for r in rows if r["backend"] == backend}
        direct = std.get("direct")
        for target in ("relay", "kgate"):
            r = std.get(target)
            if direct and r and direct.get("lat") and r.get("lat"):
                added = r["lat"][1] - direct["lat"][1]
                label = f"p99 added vs direct ({target})"
                cells.append((label, goal("%.3f ms" % added, added < 0.2) if target == "kgate" else "%.3f ms" % added))
        if cells:
            lines += ["", f"| {backend}: kgate / relay | value (goal) |", "|---|---:|"]
            lines += [f"| {label} | {value} |" for label, value in cells]
    if not lines:
        return []
    return ["", "## kgate against a raw TCP relay", "",
            "The relay is socat with 256 KiB buffers (see the list above). Goals from issue 9: throughput at "
            "least 0.95 of the relay's, CPU per GiB at most 1.3 times the relay's, and under 0.2 ms added to "
            "the produce p99 compared with direct. Ratios are kgate / relay from the same run."] + lines


def vcluster_section(rows, big):
    """kgate-vcluster against kgate-sasl, per backend and workload: the virtual cluster's cost."""
    return versus_section(rows, big, "kgate-vcluster", VCLUSTER_GOAL, "the virtual cluster", [
        "## Virtual cluster against passthrough", "",
        f"Goal: with a virtual cluster in place, produce and consume at least {VCLUSTER_GOAL} of passthrough "
        "kgate's throughput. Both targets are the same kgate process with SASL_PLAINTEXT (PLAIN, a LOCAL "
        "account and its token): kgate-sasl in the passthrough cluster with the broker's topic names, "
        f"kgate-vcluster in the virtual cluster `{VCLUSTER}` (prefix `{VCLUSTER_PREFIX}`) with logical names. "
        "Ratios are kgate-vcluster / kgate-sasl from the same run (CPU: lower is cheaper)."])


def policies_section(rows, big):
    """kgate-policies against kgate-sasl: what request-level policies cost."""
    return versus_section(rows, big, "kgate-policies", POLICIES_GOAL, "the interceptors", [
        "## Interceptors against none", "",
        f"Goal: with a CreateTopicPolicy and a ProducePolicy deployed, produce and consume at least {POLICIES_GOAL} "
        "of kgate's throughput without interceptors. Both targets are the same kgate process with SASL_PLAINTEXT "
        "(PLAIN, a LOCAL passthrough account each); kgate-policies' account has the two interceptors scoped to it "
        "(partitions 1-1000, replication 1-3; acks -1 or 1, any compression, Produce v3-v13), which every "
        "request satisfies, so each Produce is decoded up to its record batches (never their records) and "
        "judged. Ratios are kgate-policies / kgate-sasl from the same run (CPU: lower is cheaper)."])


def versus_section(rows, big, target, floor_goal, what_added, head):
    """`target` against kgate-sasl, per backend and workload."""
    lines = []
    for backend in dict.fromkeys(r["backend"] for r in rows + big):
        cells = []
        for table, workload, label in ((rows, None, f"{PARTITIONS} partitions, acks=all"),
                                       (big, "small-batch", "16 KiB batches"), (big, "big-batch", "1 MB batches")):
            mine = [r for r in table if r["backend"] == backend and r.get("workload") == workload]
            vc = next((r for r in mine if r["target"] == target), None)
            if vc is None:
                continue
            for key, what, floor in (("p_mbs", "produce throughput", floor_goal),
                                     ("c_mbs", "consume throughput", floor_goal), ("cpu", "proxy CPU per GiB", None)):
                text = ratio(mine, vc, key, "kgate-sasl")
                if text != "-":
                    cells.append((f"{label}: {what}", text if floor is None else goal(text, float(text) >= floor)))
        std = {r["target"]: r for r in rows if r["backend"] == backend}
        sasl, vc = std.get("kgate-sasl"), std.get(target)
        if sasl and vc and sasl.get("lat") and vc.get("lat"):
            cells.append((f"p50 / p99 added by {what_added}", "%.3f / %.3f ms" % (
                vc["lat"][0] - sasl["lat"][0], vc["lat"][1] - sasl["lat"][1])))
        if cells:
            lines += ["", f"| {backend}: {target} / kgate-sasl | value (goal) |", "|---|---:|"]
            lines += [f"| {label} | {value} |" for label, value in cells]
    if not lines:
        return []
    return [""] + head + lines


def report(args, labels, skipped, rows, big, started, section=None):
    """The whole report (section None), or one section `## <section>` of it to append to a file
    (the report's own sections then become `###`)."""
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = os.getloadavg()
    command = shlex.join(["scripts/bench.py"] + sys.argv[1:])
    ran = {r["target"] for r in rows + big}
    lines = [
        "# Benchmarks",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu_model}, "
        f"{platform.system()} {platform.release()}; load average at the end {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} (1 / 5 / 15 min)",
        f"- command: `{command}` (records {args.records}, size {args.size}, latency count {args.latency_count}, "
        f"rounds {args.rounds}, small-batch {args.small_batch_mib} MiB, big-batch {args.big_batch_mib} MiB, "
        f"warm-up {args.warmup}); throughput figures are the "
        "median of the rounds, the targets taking turns within each round; each backend is first warmed up with "
        "the warm-up records produced and consumed directly (a fresh JVM broker starts slow)",
        f"- backends, one at a time: {'; '.join(labels[b] for b in labels)}. The broker, the clients and kgate "
        "share the same CPUs, so every figure includes them competing; expect a few % to ~15% run-to-run noise "
        "(more on a busy machine): compare rows of one run, not figures across runs",
        f"- load: confluent-kafka (librdkafka), {args.records} records of {args.size} B on {PARTITIONS} partitions, "
        "acks=all, linger 5 ms; consumer fetch.wait.max.ms=10 for both backends (with the default 500 ms tansu "
        "answers a fetch only after the full wait, capping consume at ~20 MB/s)",
        "- latency: one-record acks=1 produce + flush, sequential, linger 0, the targets taking turns sample by sample",
    ]
    if "kgate-tls" in ran:
        lines.append("- kgate-tls: the same kgate with GATEWAY_SECURITY_PROTOCOL=SSL (rustls, ring; TLS 1.3, ECDSA P-256 "
                     "certificate), clients over TLS to kgate, kgate to the broker in plaintext")
    if "relay" in ran:
        lines.append(f"- relay: socat -b262144 with {SOCAT_OPTS} on both sides, one process per connection (fork). "
                     "Apache Kafka: a second listener of the same broker advertises the relay's port; tansu: a second "
                     "tansu instance (memory storage) advertises it, since tansu has one listener")
    if ran & set(SASL_TARGETS):
        lines.append("- kgate-sasl, kgate-vcluster, kgate-policies: one kgate process with GATEWAY_SECURITY_PROTOCOL=SASL_PLAINTEXT "
                     "(a LOCAL service account and its token per target, SASL PLAIN, kgate to the broker in "
                     "plaintext): kgate-sasl's account is in the passthrough cluster and uses the broker's topic "
                     f"names; kgate-vcluster's is in the virtual cluster `{VCLUSTER}` (prefix `{VCLUSTER_PREFIX}`): "
                     f"it creates, produces and consumes logical names, `{VCLUSTER_PREFIX}<name>` on the broker. "
                     "kgate-policies' is in the passthrough cluster with a CreateTopicPolicy and a ProducePolicy "
                     "scoped to it. Their topics are created through kgate by the target's own client")
    if any(r["target"] == "kgate-before" for r in rows + big):
        lines.append(f"- kgate-before: a second kgate binary measured in the same run, "
                     f"KGATE_BIN_BEFORE={os.environ.get('KGATE_BIN_BEFORE')} (kgate: "
                     f"{os.environ.get('KGATE_BIN', 'target/release/kgate')})")
    for s in skipped:
        lines.append(f"- {s}")
    header = ["| target | produce MB/s | produce rec/s | consume MB/s | consume rec/s | p50 ms | p99 ms "
              "| proxy CPU s/GiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for b in labels:
        mine = [r for r in rows if r["backend"] == b]
        if not mine:
            continue
        lines += ["", f"## {labels[b]}", ""] + header
        for r in mine:
            lat = ("%.2f" % r["lat"][0], "%.2f" % r["lat"][1]) if r["lat"] else ("-", "-")
            cpu = "%.2f" % r["cpu"] if r["cpu"] is not None else "-"
            lines.append(f"| {r['target']} | {r['p_mbs']:.1f} | {r['p_rps']:,.0f} | {r['c_mbs']:.1f} "
                         f"| {r['c_rps']:,.0f} | {lat[0]} | {lat[1]} | {cpu} |")
    for workload, conf, title, intro in (
            ("small-batch", SMALL_BATCH_CONF, "16 KiB batches on one partition",
             "A producer with Java's default batch size"),
            ("big-batch", BIG_BATCH_CONF, "1 MB batches on one partition",
             "A producer set up the way a user tries large batches")):
        mine = [r for r in big if r["workload"] == workload]
        if not mine:
            continue
        settings = ", ".join(f"{k}={v}" for k, v in conf.items())
        lines += ["", f"## {title}", "",
                  f"{intro} ({settings}; librdkafka's other defaults), "
                  f"{mine[0]['records']} records of {args.size} B to a one-partition topic, then one consumer reads "
                  "them back (the same consumer settings as above). x/direct is the throughput through the "
                  "proxy divided by the throughput straight to the same broker.", "",
                  "| backend | target | produce MB/s | consume MB/s | produce x/direct | consume x/direct "
                  "| proxy CPU s/GiB |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for r in mine:
            cpu = "%.2f" % r["cpu"] if r["cpu"] is not None else "-"
            lines.append(f"| {r['backend']} | {r['target']} | {r['p_mbs']:.1f} | {r['c_mbs']:.1f} "
                         f"| {ratio(mine, r, 'p_mbs')} | {ratio(mine, r, 'c_mbs')} | {cpu} |")
    lines += relay_section(rows, big)
    lines += vcluster_section(rows, big)
    lines += policies_section(rows, big)
    lines += ["", "MB = 2^20 bytes of record values. proxy CPU = user+system seconds of the kgate process "
              "(/proc/<pid>/stat), or of socat and its per-connection children (their cutime/cstime once "
              "reaped), over the produce and consume phases, divided by the GiB of values forwarded "
              "(produced + consumed); /proc counts in 10 ms ticks, so a short phase reads coarse (0.04 s/GiB per "
              "tick when 256 MiB are forwarded).", ""]
    if section is not None:
        lines = [f"## {section}"] + ["#" + line if line.startswith("## ") else line for line in lines[1:]]
    return "\n".join(lines)


def selection(text, allowed, what):
    chosen = [x for x in text.split(",") if x]
    unknown = [x for x in chosen if x not in allowed]
    if unknown or not chosen:
        sys.exit(f"bench.py: unknown {what} {unknown or text!r}; choose from {','.join(allowed)}")
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: tansu,kafka")
    ap.add_argument("--targets", default=",".join(TARGETS),
                    help="comma-separated rows: direct,relay,kgate,kgate-tls,tansu-proxy (tansu-proxy: tansu only); "
                         "only when named: kgate-before (KGATE_BIN_BEFORE), kgate-sasl, kgate-vcluster, kgate-policies")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated: standard,small-batch,big-batch")
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--latency-count", type=int, default=2000, help="0 skips the latency measurement")
    ap.add_argument("--big-batch-mib", type=int, default=256, help="MiB of records in the 1 MB-batch workload")
    ap.add_argument("--small-batch-mib", type=int, default=128, help="MiB of records in the 16 KiB-batch workload")
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds per target; the median is reported")
    ap.add_argument("--warmup", type=int, default=100_000,
                    help="records produced and consumed directly (and as many in big batches) before measuring")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: 30,000 records, 64 MiB of big batches, 200 latency samples, 1 round, "
                         "30,000 warm-up records "
                         "(explicit options still win)")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--append", metavar="TITLE",
                    help="append the run to --out as a section `## TITLE` instead of rewriting the file")
    args = ap.parse_args()
    if args.quick:
        given = set(sys.argv[1:])
        for opt, value in (("--records", 30_000), ("--big-batch-mib", 64), ("--small-batch-mib", 32),
                           ("--latency-count", 200), ("--rounds", 1), ("--warmup", 30_000)):
            if not any(g == opt or g.startswith(opt + "=") for g in given):
                setattr(args, opt[2:].replace("-", "_"), value)
    backends = selection(args.backends, BACKENDS, "backend")
    targets = selection(args.targets, TARGETS + OPTIONAL_TARGETS, "target")
    workloads = selection(args.workloads, WORKLOADS, "workload")
    # direct first: the ratios and the reader compare against it
    targets = sorted(targets, key=(TARGETS + OPTIONAL_TARGETS).index)
    if "kgate-before" in targets and not os.access(os.environ.get("KGATE_BIN_BEFORE", ""), os.X_OK):
        sys.exit("bench.py: the kgate-before target needs KGATE_BIN_BEFORE=<path of a kgate binary>")
    logdir = ROOT / ".tools" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    kgate_bin = os.environ.get("KGATE_BIN", str(ROOT / "target" / "release" / "kgate"))
    if any(t.startswith("kgate") for t in targets) and not os.access(kgate_bin, os.X_OK):
        sys.exit(f"bench.py: no kgate binary at {kgate_bin}: run `cargo build --release` (or set KGATE_BIN)")
    pki = None
    if "kgate-tls" in targets:
        import tls_certs
        pki = tls_certs.generate(logdir / "pki")

    started = datetime.datetime.now(datetime.timezone.utc)
    labels, skipped, rows, big = {}, [], [], []
    for name in backends:
        backend_targets = [t for t in targets if t != "tansu-proxy" or name == "tansu"]
        backend, why = (start_tansu if name == "tansu" else start_kafka)(logdir, relay="relay" in backend_targets)
        if backend is None:
            print(why, flush=True)
            skipped.append(why)
            continue
        labels[name] = backend.label
        print(f"--- {backend.label} on {backend.bootstrap}", flush=True)
        try:
            r, b = run_backend(backend, args, backend_targets, workloads, logdir, kgate_bin, pki)
        finally:
            backend.stop()
        rows += r
        big += b
    if not labels:
        sys.exit("bench.py: no backend ran: " + "; ".join(skipped))
    text = report(args, labels, skipped, rows, big, started, args.append)
    if args.append:
        with open(args.out, "a") as f:
            f.write("\n" + text)
    else:
        Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
