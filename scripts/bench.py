#!/usr/bin/env python3
"""`make bench`: librdkafka (confluent-kafka) load against a broker directly, through kgate (plaintext
and TLS) and, for tansu, through `tansu proxy`; writes BENCHMARKS.md.

Backends, one after the other (never both running at once):
  tansu   tansu 0.6.0 (scripts/tansu.sh broker PORT, memory storage, node id 111); skipped with a
          message when its binary is missing (`make tools` builds it)
  kafka   Apache Kafka (scripts/kafka.sh single DIR PORT: one KRaft broker+controller, node id 1,
          log on local disk in a fresh directory removed afterwards)

Measured per backend and target:
  standard   N records of SIZE bytes on a 3-partition topic: produce (acks=all, linger 5 ms), wall
             time from the first produce() to flush() done; consume the same records from offset 0
             with an assigned consumer, until the last arrives
  latency    p50/p99 of one-record acks=1 produce + flush, sequentially (direct and kgate)
  kgate CPU  utime+stime from /proc/<pid>/stat over the produce+consume phases, per GiB of record
             payload forwarded (produced + consumed)
  big-batch  1 MB batches on ONE partition, configured the way a user tries it: batch.size=1000000,
             linger.ms=100, acks=1 (librdkafka's defaults otherwise); produce and consume MB/s and
             the kgate/direct ratio (direct, kgate, kgate-tls)
Each backend is warmed up first (--warmup records, directly); within each round the targets take
turns, so slow drifts in the machine's load hit them alike. About 3 minutes with the defaults on
two cores; --quick (with --backends/--targets/--workloads) is a smoke run of well under a minute.

Quick run: `scripts/bench.py --quick --backends kafka --targets direct,kgate --out /tmp/b.md`.
"""
import argparse
import datetime
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

from conftest import HOST, TANSU_NODE_ID, create_topic, free_port, free_port_range, http_get, wait_port  # noqa: E402

PARTITIONS = 3
BACKENDS = ("tansu", "kafka")
TARGETS = ("direct", "kgate", "kgate-tls", "tansu-proxy")
WORKLOADS = ("standard", "big-batch")
KAFKA_VERSION = os.environ.get("KAFKA_VERSION", "4.1.1")
KAFKA_NODE_ID = 1
# The big-batch producer: what a user sets to try 1 MB batches; everything else is librdkafka's default.
BIG_BATCH_CONF = {"batch.size": 1_000_000, "linger.ms": 100, "acks": 1}
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


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def latency(bootstrap, topic, count):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": 1})
    p.produce(topic, value=b"warm", partition=0)
    p.flush(10)
    samples = []
    for i in range(count):
        t0 = time.perf_counter()
        p.produce(topic, value=b"x" * 100, partition=0)
        if p.flush(10):
            raise RuntimeError("latency produce not delivered")
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[max(int(len(samples) * 0.99) - 1, 0)]


# --- backends -------------------------------------------------------------------------------------
class Backend:
    """A running broker: its name, bootstrap address, node id, process and a description."""

    def __init__(self, name, port, node_id, proc, label, data_dir=None):
        self.name, self.port, self.node_id, self.proc, self.label = name, port, node_id, proc, label
        self.data_dir = data_dir

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


def start_tansu(logdir):
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


def start_kafka(logdir):
    port = free_port()
    data = logdir / f"kafka-{time.time_ns()}"
    log = logdir / "kafka.log"
    env = dict(os.environ, KAFKA_VERSION=KAFKA_VERSION)
    proc = start([str(ROOT / "scripts" / "kafka.sh"), "single", str(data), str(port), str(KAFKA_NODE_ID)], log, env)
    backend = Backend("kafka", port, KAFKA_NODE_ID, proc,
                      f"Apache Kafka {KAFKA_VERSION} (one KRaft broker+controller, log on local disk)", data)
    waiter = subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "wait", str(port), "180"], capture_output=True,
                            text=True, env=env)
    if waiter.returncode != 0 or proc.poll() is not None:
        backend.stop()
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"Apache Kafka did not start on port {port}: {waiter.stderr.strip()}\n{tail}")
    return backend, None


def start_kgate(name, backend, logdir, kgate_bin, pki):
    """kgate (plaintext or TLS towards clients) in front of `backend`: (process, bootstrap, client conf)."""
    kport, hport = free_port_range(3), free_port()
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
    log = logdir / f"{backend.name}-{name}.log"
    proc = start([kgate_bin], log, kenv)
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
    gateways, client_conf = {}, {}
    rows, big = [], []
    try:
        for name in targets:
            if name in ("kgate", "kgate-tls"):
                proc, addr, conf = start_kgate(name, backend, logdir, kgate_bin, pki)
                procs.append(proc)
                gateways[name], addrs[name], client_conf[name] = proc, addr, conf
            elif name == "tansu-proxy":
                proc, addr = start_tansu_proxy(backend, logdir)
                procs.append(proc)
                addrs[name] = addr

        def cpu_of(name):
            gw = gateways.get(name)
            return cpu_seconds(gw.pid) if gw else None

        def measure(name, n, partitions, conf):
            """One round: produce then consume n records on a new topic; (produce s, consume s, CPU s/GiB)."""
            bootstrap, extra = addrs[name], client_conf.get(name)
            topic = f"bench-{name}-{time.time_ns()}"
            create_topic(backend.bootstrap, topic, partitions)
            cpu0 = cpu_of(name)
            tp = produce(bootstrap, topic, n, args.size, extra, partitions=partitions, conf=conf)
            tc = consume(bootstrap, topic, n, extra, partitions=partitions)
            cpu = None if cpu0 is None else (cpu_of(name) - cpu0) / (2 * n * args.size / 2**30)
            return tp, tc, cpu

        if args.warmup > 0:
            # A fresh JVM broker runs its first seconds interpreted: warm it (and the page cache) up
            # on the direct path, so that the first target measured is not penalised.
            t0 = time.perf_counter()
            measure("direct", args.warmup, PARTITIONS, None)
            measure("direct", args.warmup, 1, BIG_BATCH_CONF)
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
            for name, (tp, tc, cpu) in rounds(args.records, PARTITIONS, None, targets).items():
                lat = None
                if name in ("direct", "kgate") and args.latency_count > 0:
                    ltopic = f"lat-{name}-{time.time_ns()}"
                    create_topic(backend.bootstrap, ltopic, 1)
                    lat = latency(addrs[name], ltopic, args.latency_count)
                row = dict(backend=backend.name, target=name, p_mbs=mib / tp, p_rps=args.records / tp,
                           c_mbs=mib / tc, c_rps=args.records / tc, cpu=cpu, lat=lat)
                rows.append(row)
                print(row, flush=True)
        if "big-batch" in workloads:
            n = max(1, int(args.big_batch_mib * 2**20 // args.size))
            bmib = n * args.size / 2**20
            names = [t for t in targets if t != "tansu-proxy"]
            for name, (tp, tc, cpu) in rounds(n, 1, BIG_BATCH_CONF, names).items():
                row = dict(backend=backend.name, target=name, records=n, p_mbs=bmib / tp, c_mbs=bmib / tc, cpu=cpu)
                big.append(row)
                print(row, flush=True)
    finally:
        for p in reversed(procs):
            stop(p)
    return rows, big


# --- the report -------------------------------------------------------------------------------------
def ratio(rows, row, key):
    direct = next((r for r in rows if r["backend"] == row["backend"] and r["target"] == "direct"), None)
    if direct is None or row["target"] == "direct":
        return "-"
    return "%.2f" % (row[key] / direct[key])


def report(args, labels, skipped, rows, big, started):
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = os.getloadavg()
    command = " ".join(["scripts/bench.py"] + sys.argv[1:])
    lines = [
        "# Benchmarks",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu_model}, "
        f"{platform.system()} {platform.release()}; load average at the end {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} (1 / 5 / 15 min)",
        f"- command: `{command}` (records {args.records}, size {args.size}, latency count {args.latency_count}, "
        f"rounds {args.rounds}, big-batch {args.big_batch_mib} MiB, warm-up {args.warmup}); throughput figures are the "
        "median of the rounds, the targets taking turns within each round; each backend is first warmed up with "
        "the warm-up records produced and consumed directly (a fresh JVM broker starts slow)",
        f"- backends, one at a time: {'; '.join(labels[b] for b in labels)}. The broker, the clients and kgate "
        "share the same CPUs, so every figure includes them competing; expect a few % to ~15% run-to-run noise "
        "(more on a busy machine): compare rows of one run, not figures across runs",
        f"- load: confluent-kafka (librdkafka), {args.records} records of {args.size} B on {PARTITIONS} partitions, "
        "acks=all, linger 5 ms; consumer fetch.wait.max.ms=10 for both backends (with the default 500 ms tansu "
        "answers a fetch only after the full wait, capping consume at ~20 MB/s)",
        "- latency: one-record acks=1 produce + flush, sequential, linger 0",
        "- kgate-tls: the same kgate with GATEWAY_SECURITY_PROTOCOL=SSL (rustls, ring; TLS 1.3, ECDSA P-256 "
        "certificate), clients over TLS to kgate, kgate to the broker in plaintext",
    ]
    for s in skipped:
        lines.append(f"- {s}")
    header = ["| target | produce MB/s | produce rec/s | consume MB/s | consume rec/s | p50 ms | p99 ms "
              "| kgate CPU s/GiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
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
    if big:
        conf = ", ".join(f"{k}={v}" for k, v in BIG_BATCH_CONF.items())
        lines += ["", "## 1 MB batches on one partition", "",
                  f"A producer set up the way a user tries large batches ({conf}; librdkafka's other defaults), "
                  f"{big[0]['records']} records of {args.size} B to a one-partition topic, then one consumer reads "
                  "them back (the same consumer settings as above). kgate/direct is the throughput through the "
                  "gateway divided by the throughput straight to the same broker.", "",
                  "| backend | target | produce MB/s | consume MB/s | produce kgate/direct | consume kgate/direct "
                  "| kgate CPU s/GiB |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for r in big:
            cpu = "%.2f" % r["cpu"] if r["cpu"] is not None else "-"
            lines.append(f"| {r['backend']} | {r['target']} | {r['p_mbs']:.1f} | {r['c_mbs']:.1f} "
                         f"| {ratio(big, r, 'p_mbs')} | {ratio(big, r, 'c_mbs')} | {cpu} |")
    lines += ["", "MB = 2^20 bytes of record values. kgate CPU = user+system seconds of the kgate process "
              "(/proc/<pid>/stat) over the produce and consume phases, divided by the GiB of values forwarded "
              "(produced + consumed).", ""]
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
                    help="comma-separated rows: direct,kgate,kgate-tls,tansu-proxy (tansu-proxy: tansu only)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated: standard,big-batch")
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--latency-count", type=int, default=2000, help="0 skips the latency measurement")
    ap.add_argument("--big-batch-mib", type=int, default=256, help="MiB of records in the 1 MB-batch workload")
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds per target; the median is reported")
    ap.add_argument("--warmup", type=int, default=100_000,
                    help="records produced and consumed directly (and as many in big batches) before measuring")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: 30,000 records, 64 MiB of big batches, 200 latency samples, 1 round, "
                         "30,000 warm-up records "
                         "(explicit options still win)")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    if args.quick:
        given = set(sys.argv[1:])
        for opt, value in (("--records", 30_000), ("--big-batch-mib", 64), ("--latency-count", 200), ("--rounds", 1),
                           ("--warmup", 30_000)):
            if not any(g == opt or g.startswith(opt + "=") for g in given):
                setattr(args, opt[2:].replace("-", "_"), value)
    backends = selection(args.backends, BACKENDS, "backend")
    targets = selection(args.targets, TARGETS, "target")
    workloads = selection(args.workloads, WORKLOADS, "workload")
    # direct first: the ratios and the reader compare against it
    targets = sorted(targets, key=TARGETS.index)
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
        backend, why = (start_tansu if name == "tansu" else start_kafka)(logdir)
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
    text = report(args, labels, skipped, rows, big, started)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
