#!/usr/bin/env python3
"""`make bench`: librdkafka (confluent-kafka) load against tansu directly, through kgate, and
through `tansu proxy`; writes BENCHMARKS.md.

Measured per target, with 1 KiB records on a 3-partition topic:
  produce   N records (acks=all, linger 5 ms), wall time from first produce() to flush() done
  consume   the same N records from offset 0 with an assigned consumer, until the last arrives
  latency   p50/p99 of one-record acks=1 produce + flush, sequentially (direct and kgate)
  kgate CPU utime+stime from /proc/<pid>/stat before/after the produce+consume phases, per GiB of
            record payload forwarded (produced + consumed)
Bounded: ~2-3 minutes with the defaults.
"""
import argparse
import datetime
import os
import platform
import signal
import socket
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


def start(argv, log, env=None):
    return subprocess.Popen(argv, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def produce(bootstrap, topic, n, size, extra=None):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all",
                  "queue.buffering.max.kbytes": 256 * 1024, "batch.size": 1_000_000, **(extra or {})})
    value = os.urandom(size)
    errors = []
    t0 = time.perf_counter()
    for i in range(n):
        while True:
            try:
                p.produce(topic, value=value, key=b"%d" % i, partition=i % PARTITIONS,
                          on_delivery=lambda e, m: e and errors.append(e))
                break
            except BufferError:
                p.poll(0.01)
    left = p.flush(120)
    dt = time.perf_counter() - t0
    if left or errors:
        raise RuntimeError(f"produce: {left} undelivered, errors {errors[:3]}")
    return dt


def consume(bootstrap, topic, n, extra=None):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{time.time_ns()}",
                  "enable.auto.commit": False, "fetch.max.bytes": 50 * 1024 * 1024,
                  "max.partition.fetch.bytes": 8 * 1024 * 1024, "fetch.wait.max.ms": 10, **(extra or {})})
    c.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    got = 0
    t0 = time.perf_counter()
    deadline = time.time() + 120
    while got < n and time.time() < deadline:
        for m in c.consume(10000, 1.0):
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
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--latency-count", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds per target; the median is reported")
    ap.add_argument("--targets", default="direct,kgate,kgate-tls,tansu-proxy")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    targets = args.targets.split(",")
    logdir = ROOT / ".tools" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    tansu_bin = os.environ.get("TANSU", str(ROOT / ".tools" / "bin" / "tansu"))
    kgate_bin = os.environ.get("KGATE_BIN", str(ROOT / "target" / "release" / "kgate"))
    env = dict(os.environ, TANSU=tansu_bin)

    procs = []
    rows = []
    try:
        tport = free_port()
        tansu = start([str(ROOT / "scripts" / "tansu.sh"), "broker", str(tport)], logdir / "tansu.log", env)
        procs.append(tansu)
        wait_port(tport, 30, tansu, logdir / "tansu.log")
        addrs = {"direct": f"{HOST}:{tport}"}
        gateways = {}
        client_conf = {}
        for name in ("kgate", "kgate-tls"):
            if name not in targets:
                continue
            kport, hport = free_port_range(3), free_port()
            kenv = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "KAFKA_"))}
            kenv.update(KAFKA_BOOTSTRAP_SERVERS=f"{HOST}:{tport}", GATEWAY_ADVERTISED_HOST=HOST, GATEWAY_BIND_HOST=HOST,
                        GATEWAY_PORT_START=str(kport), GATEWAY_PORT_COUNT="3",
                        GATEWAY_MIN_BROKERID=str(TANSU_NODE_ID), GATEWAY_HTTP_PORT=str(hport),
                        GATEWAY_SECURITY_PROTOCOL="PLAINTEXT", RUST_LOG="warn")
            if name == "kgate-tls":
                # The test suite's PKI: a CA and a server certificate for 127.0.0.1.
                sys.path.insert(0, str(ROOT / "tests"))
                import tls_certs
                pki = tls_certs.generate(logdir / "pki")
                kenv.update(GATEWAY_SECURITY_PROTOCOL="SSL", GATEWAY_SSL_KEY_STORE_PATH=pki.server.pem)
                client_conf[name] = tls_certs.ck_tls(pki)
            proc = start([kgate_bin], logdir / f"{name}.log", kenv)
            procs.append(proc)
            deadline = time.time() + 30
            while True:
                try:
                    if http_get(hport, "/health/ready")[0] == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{name} not ready: see " + str(logdir / f"{name}.log"))
                time.sleep(0.1)
            gateways[name] = proc
            addrs[name] = f"{HOST}:{kport}"
        if "tansu-proxy" in targets:
            pport = free_port()
            proxy = start([str(ROOT / "scripts" / "tansu.sh"), "proxy", str(pport), str(tport)],
                          logdir / "tansu-proxy.log", env)
            procs.append(proxy)
            wait_port(pport, 30, proxy, logdir / "tansu-proxy.log")
            addrs["tansu-proxy"] = f"{HOST}:{pport}"

        mib = args.records * args.size / 2**20
        for name in targets:
            bootstrap = addrs[name]
            tps, tcs, cpus = [], [], []
            for _ in range(args.rounds):
                topic = f"bench-{name}-{time.time_ns()}"
                create_topic(addrs["direct"], topic, PARTITIONS)
                gw = gateways.get(name)
                cpu0 = cpu_seconds(gw.pid) if gw else None
                extra = client_conf.get(name)
                tps.append(produce(bootstrap, topic, args.records, args.size, extra))
                tcs.append(consume(bootstrap, topic, args.records, extra))
                if cpu0 is not None:
                    cpus.append((cpu_seconds(gw.pid) - cpu0) / (2 * args.records * args.size / 2**30))
            tp, tc = statistics.median(tps), statistics.median(tcs)
            cpu_per_gib = statistics.median(cpus) if cpus else None
            lat = None
            if name in ("direct", "kgate"):
                ltopic = f"lat-{name}-{time.time_ns()}"
                create_topic(addrs["direct"], ltopic, 1)
                lat = latency(bootstrap, ltopic, args.latency_count)
            row = dict(target=name, p_mbs=mib / tp, p_rps=args.records / tp, c_mbs=mib / tc,
                       c_rps=args.records / tc, cpu=cpu_per_gib, lat=lat)
            rows.append(row)
            print(row, flush=True)
    finally:
        for p in reversed(procs):
            stop(p)

    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    lines = [
        "# Benchmarks",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} CPUs ({os.sched_getaffinity(0).__len__()} usable), {cpu_model}, "
        f"{platform.system()} {platform.release()}",
        f"- command: `make bench` (scripts/bench.py --records {args.records} --size {args.size} "
        f"--latency-count {args.latency_count} --rounds {args.rounds}); throughput figures are the median of the rounds",
        f"- load: confluent-kafka (librdkafka), {args.records} records of {args.size} B on {PARTITIONS} partitions, "
        "acks=all, linger 5 ms; consumer fetch.wait.max.ms=10 (with the default 500 ms tansu answers a fetch only after the full wait, capping consume at ~20 MB/s); backend tansu 0.6.0 (memory storage) on the same machine, so every figure "
        "includes the broker and the client competing for the same CPUs",
        "- latency: one-record acks=1 produce + flush, sequential, linger 0",
        "- kgate-tls: the same kgate with GATEWAY_SECURITY_PROTOCOL=SSL (rustls, ring; TLS 1.3, ECDSA P-256 "
        "certificate), clients over TLS to kgate, kgate to tansu in plaintext",
        "",
        "| target | produce MB/s | produce rec/s | consume MB/s | consume rec/s | p50 ms | p99 ms | kgate CPU s/GiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lat = ("%.2f" % r["lat"][0], "%.2f" % r["lat"][1]) if r["lat"] else ("-", "-")
        cpu = "%.2f" % r["cpu"] if r["cpu"] is not None else "-"
        lines.append(f"| {r['target']} | {r['p_mbs']:.1f} | {r['p_rps']:,.0f} | {r['c_mbs']:.1f} | {r['c_rps']:,.0f} "
                     f"| {lat[0]} | {lat[1]} | {cpu} |")
    lines += ["", "MB = 2^20 bytes of record values. kgate CPU = user+system seconds of the kgate process "
              "(/proc/<pid>/stat) over the produce and consume phases, divided by the GiB of values forwarded "
              "(produced + consumed).", ""]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
