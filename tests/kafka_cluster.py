"""Apache Kafka (KRaft) clusters for the end-to-end suite, started through scripts/kafka.sh.

`KafkaCluster(dir, node_ids=(111,))` is one combined broker+controller; `node_ids=(1, 2, 3)` is three
combined nodes with a static controller quorum (one can die and the cluster goes on), replication
factor 3 and min.insync.replicas 2. Every node always has:

    INTERNAL      PLAINTEXT, inter-broker and the tests' own admin connection (principal ANONYMOUS)
    CONTROLLER    the KRaft quorum

plus the client listeners named in `listeners`, each on its own free port per node:

    PLAINTEXT                  no security
    SSL                        a PEM key store (`ssl=SslSettings(...)`), mutual TLS optional
    SASL_PLAINTEXT             PLAIN (users of `plain_users`), SCRAM-SHA-256/512 (users of
                               `scram_users`, created at format time), and OAUTHBEARER when
                               `oauth_jwks_url` is given (tokens signed by a key of that JWKS; the
                               principal is the token's `sub`)

`authorizer=True` turns on the StandardAuthorizer with no access unless an ACL allows it;
`super_users` are added to User:ANONYMOUS (the INTERNAL principal). `extra_props` go into every
node's server.properties last. Logs are in DIR/node-ID/stdout.log and attached to a failing
test's report (conftest's Proc).
"""
import base64
import os
import signal
import socket
import struct
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from conftest import HOST, ROOT, Proc, free_port, tail

KAFKA_SH = ROOT / "scripts" / "kafka.sh"
CLIENT_LISTENERS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT")


@dataclass
class SslSettings:
    keystore_pem: str  # private key + certificate chain (tls_certs Identity.pem)
    truststore_pem: str = None  # CA bundle for client certificates
    client_auth: str = "none"  # none | requested | required


def kafka_env():
    return dict(os.environ)


def fetch():
    """The cache directory, fetching Kafka on first use."""
    out = subprocess.run([str(KAFKA_SH), "fetch"], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/kafka.sh fetch failed:\n{out.stderr}")
    return out.stdout.strip()


def answers_api_versions(port, timeout=2.0) -> bool:
    """True when a Kafka server on HOST:port answers ApiVersions v0 (allowed before SASL too)."""
    req = struct.pack(">hhih", 18, 0, 7, 5) + b"probe"
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.sendall(struct.pack(">i", len(req)) + req)
            head = s.recv(8)
            return len(head) == 8 and struct.unpack(">ii", head)[1] == 7
    except OSError:
        return False


class KafkaNode:
    def __init__(self, cluster, node_id):
        self.cluster = cluster
        self.id = node_id
        self.dir = cluster.dir / f"node-{node_id}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in ("INTERNAL", "CONTROLLER") + tuple(cluster.listeners)}
        self.proc = None

    @property
    def log_path(self):
        return self.dir / "stdout.log"


class KafkaCluster:
    def __init__(self, base_dir, node_ids=(111,), listeners=("PLAINTEXT",), ssl: SslSettings = None,
                 plain_users=None, scram_users=None, oauth_jwks_url=None, oauth_audience=None,
                 oauth_issuer=None, authorizer=False, super_users=(), extra_props=None, heap=None,
                 start=True):
        unknown = set(listeners) - set(CLIENT_LISTENERS)
        if unknown:
            raise ValueError(f"unknown listeners {unknown}")
        if "SSL" in listeners and ssl is None:
            raise ValueError("an SSL listener needs ssl=SslSettings(...)")
        self.dir = Path(base_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.listeners = tuple(listeners)
        self.ssl = ssl
        self.plain_users = dict(plain_users or {})
        self.scram_users = dict(scram_users or {})
        self.oauth_jwks_url = oauth_jwks_url
        self.oauth_audience = oauth_audience
        self.oauth_issuer = oauth_issuer
        self.authorizer = authorizer
        self.super_users = tuple(super_users)
        self.extra_props = dict(extra_props or {})
        self.heap = heap or ("-Xms256m -Xmx1g" if len(node_ids) == 1 else "-Xms256m -Xmx768m")
        self.cluster_id = None
        fetch()
        self.nodes = {i: KafkaNode(self, i) for i in node_ids}
        for node in self.nodes.values():
            (node.dir / "server.properties").write_text(self._properties(node))
        if start:
            try:
                self.start()
            except BaseException:
                self.stop(signal.SIGKILL)  # the nodes that did start
                raise

    # --- addresses ---------------------------------------------------------------------------------
    @property
    def node_ids(self):
        return tuple(self.nodes)

    def bootstrap_of(self, listener="PLAINTEXT"):
        return ",".join(f"{HOST}:{n.ports[listener]}" for n in self.nodes.values())

    @property
    def bootstrap(self):
        """The first client listener's bootstrap (PLAINTEXT when present)."""
        return self.bootstrap_of(self.listeners[0])

    @property
    def internal_bootstrap(self):
        return self.bootstrap_of("INTERNAL")

    def port(self, node_id, listener="PLAINTEXT"):
        return self.nodes[node_id].ports[listener]

    def ports_by_id(self, listener="PLAINTEXT"):
        return {i: n.ports[listener] for i, n in self.nodes.items()}

    # --- configuration -----------------------------------------------------------------------------
    def _properties(self, node):
        names = ("INTERNAL",) + self.listeners
        props = {
            "process.roles": "broker,controller",
            "node.id": node.id,
            "listeners": ",".join(f"{name}://{HOST}:{node.ports[name]}" for name in names + ("CONTROLLER",)),
            "advertised.listeners": ",".join(f"{name}://{HOST}:{node.ports[name]}" for name in names),
            "listener.security.protocol.map": ",".join(
                ["INTERNAL:PLAINTEXT", "CONTROLLER:PLAINTEXT"] + [f"{name}:{name}" for name in self.listeners]),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "INTERNAL",
            "log.dirs": str(node.dir / "data"),
            "num.partitions": 3,
            "group.initial.rebalance.delay.ms": 0,
            "auto.create.topics.enable": "true",
        }
        replication = min(3, len(self.nodes))
        props.update({
            "default.replication.factor": replication,
            "min.insync.replicas": 2 if replication >= 3 else 1,
            "offsets.topic.replication.factor": replication,
            "transaction.state.log.replication.factor": replication,
            "transaction.state.log.min.isr": 2 if replication >= 3 else 1,
            "share.coordinator.state.topic.replication.factor": replication,
            "share.coordinator.state.topic.min.isr": 2 if replication >= 3 else 1,
        })
        if len(self.nodes) == 1:
            props["controller.quorum.bootstrap.servers"] = f"{HOST}:{node.ports['CONTROLLER']}"
        else:
            props["controller.quorum.voters"] = ",".join(
                f"{i}@{HOST}:{other.ports['CONTROLLER']}" for i, other in self.nodes.items())
        if "SSL" in self.listeners:
            s = self.ssl
            props.update({
                "listener.name.ssl.ssl.keystore.type": "PEM",
                "listener.name.ssl.ssl.keystore.location": s.keystore_pem,
                "listener.name.ssl.ssl.client.auth": s.client_auth,
                "listener.name.ssl.ssl.endpoint.identification.algorithm": "",
            })
            if s.truststore_pem:
                props["listener.name.ssl.ssl.truststore.type"] = "PEM"
                props["listener.name.ssl.ssl.truststore.location"] = s.truststore_pem
        if "SASL_PLAINTEXT" in self.listeners:
            mechs = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
            if self.oauth_jwks_url:
                mechs.append("OAUTHBEARER")
            prefix = "listener.name.sasl_plaintext"
            users = " ".join(f'user_{u}="{p}"' for u, p in self.plain_users.items())
            props.update({
                f"{prefix}.sasl.enabled.mechanisms": ",".join(mechs),
                f"{prefix}.plain.sasl.jaas.config":
                    f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};",
                f"{prefix}.scram-sha-256.sasl.jaas.config":
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                f"{prefix}.scram-sha-512.sasl.jaas.config":
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            })
            if self.oauth_jwks_url:
                props.update({
                    f"{prefix}.oauthbearer.sasl.jaas.config":
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
                    f"{prefix}.oauthbearer.sasl.server.callback.handler.class":
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
                    # Kafka 4.1.1's default DefaultJwtValidator, made without a key resolver, falls
                    # back to ClientJwtValidator: no signature, issuer or audience check at all.
                    # BrokerJwtValidator builds its JWKS resolver from these settings and checks them.
                    "sasl.oauthbearer.jwt.validator.class":
                        "org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator",
                    "sasl.oauthbearer.jwks.endpoint.url": self.oauth_jwks_url,
                })
                if self.oauth_audience:
                    props["sasl.oauthbearer.expected.audience"] = self.oauth_audience
                if self.oauth_issuer:
                    props["sasl.oauthbearer.expected.issuer"] = self.oauth_issuer
        if self.authorizer:
            props.update({
                "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found": "false",
                "super.users": ";".join(["User:ANONYMOUS"] + [u if u.startswith("User:") else f"User:{u}"
                                                              for u in self.super_users]),
            })
        props.update(self.extra_props)
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def _format_args(self):
        args = []
        for user, password in self.scram_users.items():
            for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
                args += ["--add-scram", f"{mech}=[name={user},password={password}]"]
        return args

    # --- lifecycle ---------------------------------------------------------------------------------
    def _java_opts(self):
        opts = os.environ.get("KAFKA_OPTS", "")
        if self.oauth_jwks_url:
            # Kafka 4 fetches no JWKS URL that this system property does not allow.
            opts += f" -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={self.oauth_jwks_url}"
        return opts.strip()

    def format(self):
        while self.cluster_id is None or base64.urlsafe_b64encode(self.cluster_id).startswith(b"-"):
            # kafka-storage reads "--cluster-id -xyz" as a missing value (Kafka's own random ids
            # never start with '-'): 1 cluster in 64 failed to format.
            self.cluster_id = uuid.uuid4().bytes
        cid = base64.urlsafe_b64encode(self.cluster_id).decode().rstrip("=")
        env = dict(kafka_env(), KAFKA_CLUSTER_ID=cid)
        for node in self.nodes.values():
            out = subprocess.run([str(KAFKA_SH), "format", str(node.dir)] + self._format_args(),
                                 env=env, capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                raise RuntimeError(f"kafka-storage format of node {node.id} failed:\n{out.stdout}{out.stderr}")

    def start(self, timeout=120.0):
        self.format()
        for node in self.nodes.values():
            self._spawn(node)
        self.wait_ready(timeout)

    def _spawn(self, node):
        env = dict(kafka_env(), KAFKA_HEAP_OPTS=self.heap, KAFKA_OPTS=self._java_opts())
        node.proc = Proc(f"kafka-{node.id}", [str(KAFKA_SH), "server", str(node.dir)],
                         node.dir / "stdout.log", env=env)

    def wait_ready(self, timeout=120.0, node_ids=None):
        """Every (given) node answers on its INTERNAL listener and the cluster reports all brokers."""
        ids = node_ids or self.node_ids
        deadline = time.time() + timeout
        for i in ids:
            node = self.nodes[i]
            while not answers_api_versions(node.ports["INTERNAL"]):
                if node.proc is None or not node.proc.alive():
                    raise RuntimeError(f"kafka node {i} exited:\n{tail(node.proc.log_path if node.proc else None)}")
                if time.time() > deadline:
                    raise TimeoutError(f"kafka node {i} not answering after {timeout}s:\n{tail(node.proc.log_path)}")
                time.sleep(0.2)
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.internal_bootstrap})
        while True:
            try:
                md = admin.list_topics(timeout=5)
                if set(md.brokers) >= set(self.node_ids):
                    return
            except Exception:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"kafka cluster did not report brokers {self.node_ids} within {timeout}s")
            time.sleep(0.3)

    def stop_node(self, node_id, sig=signal.SIGTERM):
        node = self.nodes[node_id]
        if node.proc is not None:
            node.proc.stop(sig, timeout=60.0)
            node.proc = None

    def start_node(self, node_id, timeout=120.0):
        self._spawn(self.nodes[node_id])
        self.wait_ready(timeout)

    def stop(self, sig=signal.SIGTERM):
        # All nodes at once: one at a time, the last of three waits about a minute in its controlled
        # shutdown for a controller quorum that is already gone.
        for node in self.nodes.values():
            if node.proc is not None and node.proc.alive():
                node.proc.proc.send_signal(sig)
        for i in self.node_ids:
            self.stop_node(i, sig)

    def restart(self):
        self.stop()
        for node in self.nodes.values():
            self._spawn(node)
        self.wait_ready()

    # --- admin through the INTERNAL listener ----------------------------------------------------------
    def admin(self):
        from confluent_kafka.admin import AdminClient

        return AdminClient({"bootstrap.servers": self.internal_bootstrap})

    def create_topic(self, name=None, partitions=1, replication=None, config=None, timeout=30.0):
        from confluent_kafka.admin import NewTopic

        name = name or f"t-{uuid.uuid4().hex[:10]}"
        admin = self.admin()
        rf = replication or min(3, len(self.nodes))
        futs = admin.create_topics([NewTopic(name, partitions, rf, config=dict(config or {}))],
                                   operation_timeout=timeout)
        futs[name].result(timeout)
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = admin.list_topics(name, timeout=5).topics.get(name)
            if t is not None and t.error is None and len(t.partitions) == partitions \
                    and all(p.leader >= 0 for p in t.partitions.values()) \
                    and self._leaders_serve(admin, name, partitions):
                return name
            time.sleep(0.2)
        raise TimeoutError(f"topic {name} not visible")

    @staticmethod
    def _leaders_serve(admin, name, partitions):
        """True once every partition's leader serves it. Metadata names a leader a few ms before that
        broker has made the partition its own (seen: partition 0 led 40 ms after partition 1): a
        first Produce in that window gets NOT_LEADER_OR_FOLLOWER, and the non-idempotent producer
        of the tests retries that batch after later ones, so records land out of order."""
        from confluent_kafka import KafkaException, TopicPartition
        from confluent_kafka.admin import OffsetSpec

        request = {TopicPartition(name, p): OffsetSpec.latest() for p in range(partitions)}
        try:
            for fut in admin.list_offsets(request, request_timeout=5).values():
                fut.result(10)
            return True
        except KafkaException:
            return False

    def log(self, node_id=None):
        ids = [node_id] if node_id is not None else self.node_ids
        return "\n".join(self.nodes[i].log_path.read_text(errors="replace")
                         for i in ids if self.nodes[i].log_path.exists())
