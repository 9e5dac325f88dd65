#!/usr/bin/env python3
"""Large-cluster Metadata through kgate (`make bench-metadata`): how long an all-topics Metadata
request takes straight to the broker and through kgate, for a cluster of --topics topics with
--partitions partitions in all (default two shapes: 400 topics / 6,400 partitions and 400 topics /
100,000 partitions).

The broker is tansu 0.6.0 with memory storage by default: one Apache Kafka broker can hold 6,400
partitions, but 100,000 on one broker means 100,000 log directories and index files and minutes of
KRaft work on two cores, which measures the broker's filesystem more than the gateway; tansu keeps
partitions in memory and answers the same Metadata. `--backend kafka` runs Apache Kafka instead
(sensible for the 6,400-partition shape).

Per shape: a fresh broker, the topics created through CreateTopics, kgate started in front of it
(and, with --compare BIN, a second kgate binary, e.g. the one before a change); then on one
connection per target (raw socket, kwire.py: no client library caching or parsing), one warm-up
request, then --requests timed requests (default 15) with the targets taking turns; the time is
from sending the request to the last byte of the answer. Reported: the median and the spread, the
answer size, and kgate/direct (goal: within 10%, i.e. <= 1.10).

Quick run: `scripts/bench_metadata.py --shapes 400x6400 --requests 5`.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402
import kwire  # noqa: E402

TITLE = "Metadata of a large cluster"
HOW = ("an all-topics Metadata request on one raw connection per target (scripts/kwire.py), timed from sending "
       "it to the last byte of the answer; one warm-up request, then the targets take turns; kgate CPU is "
       "utime+stime of the kgate process over the timed requests (10 ms ticks, so coarse for small answers). "
       "The broker is tansu with memory storage unless --backend kafka (100,000 partitions on one Apache "
       "Kafka broker means 100,000 log directories: see the script's help). Goal: kgate within 10% of direct")


def create_topics(bootstrap, topics, partitions):
    """`topics` topics sharing `partitions` partitions as evenly as possible, 50 per CreateTopics."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [f"meta-{i:05d}" for i in range(topics)]
    per = [partitions // topics + (1 if i < partitions % topics else 0) for i in range(topics)]
    for start in range(0, topics, 50):
        batch = [NewTopic(n, p, 1) for n, p in zip(names[start:start + 50], per[start:start + 50])]
        for name, fut in admin.create_topics(batch, operation_timeout=120, request_timeout=180).items():
            fut.result(300)
    deadline = time.time() + 300
    while time.time() < deadline:
        md = admin.list_topics(timeout=60)
        seen = sum(len(t.partitions) for n, t in md.topics.items() if n.startswith("meta-"))
        if seen >= partitions:
            return
        time.sleep(1)
    raise TimeoutError(f"only {seen} of {partitions} partitions visible")


class Target:
    def __init__(self, name, port):
        self.name = name
        self.sock = kwire.connect(bench.HOST, port, timeout=120)
        self.version = kwire.metadata_version(self.sock)
        self.samples = []
        self.size = 0
        self.correlation = 100

    def request(self):
        self.correlation += 1
        frame = kwire.metadata_request(self.version, topics=None, correlation_id=self.correlation)
        t0 = time.perf_counter()
        self.sock.sendall(frame)
        answer = kwire.read_frame(self.sock)
        elapsed = time.perf_counter() - t0
        self.size = len(answer) + 4
        return elapsed


def run_shape(args, topics, partitions, logdir, kgate_bins):
    backend, why = (bench.start_tansu if args.backend == "tansu" else bench.start_kafka)(logdir)
    if backend is None:
        sys.exit(why)
    procs = []
    try:
        t0 = time.perf_counter()
        create_topics(backend.bootstrap, topics, partitions)
        print(f"{topics} topics / {partitions} partitions created in {time.perf_counter() - t0:.0f}s", flush=True)
        targets = [Target("direct", backend.port)]
        for label, binary in kgate_bins:
            proc, bootstrap, _ = bench.start_kgate("kgate", backend, logdir, binary, None)
            procs.append(proc)
            targets.append(Target(label, int(bootstrap.rsplit(":", 1)[1])))
        for t in targets:
            t.request()  # warm-up
        cpu0 = {t.name: bench.cpu_seconds(p.pid) for t, p in zip(targets[1:], procs)}
        for _ in range(args.requests):
            for t in targets:
                t.samples.append(t.request())
        cpu = {t.name: (bench.cpu_seconds(p.pid) - cpu0[t.name]) / args.requests for t, p in zip(targets[1:], procs)}
        load = os.getloadavg()[0]
        rows = []
        direct = statistics.median(targets[0].samples)
        for t in targets:
            med = statistics.median(t.samples)
            rows.append(dict(shape=f"{topics} topics / {partitions:,} partitions", target=t.name, version=t.version,
                             size_kib=t.size / 1024, median_ms=med * 1e3, min_ms=min(t.samples) * 1e3,
                             max_ms=max(t.samples) * 1e3, ratio=med / direct, cpu_ms=cpu.get(t.name), load=load))
            print(rows[-1], flush=True)
        return rows
    finally:
        for p in procs:
            bench.stop(p)
        backend.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="tansu", choices=bench.BACKENDS)
    ap.add_argument("--shapes", default="400x6400,400x100000", help="comma-separated TOPICSxPARTITIONS")
    ap.add_argument("--requests", type=int, default=15)
    ap.add_argument("--compare", help="a second kgate binary to measure next to KGATE_BIN (e.g. before a change)")
    ap.add_argument("--out", help="append the result table to this file")
    args = ap.parse_args()
    logdir = bench.ROOT / ".tools" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    kgate_bin = os.environ.get("KGATE_BIN", str(bench.ROOT / "target" / "release" / "kgate"))
    if not os.access(kgate_bin, os.X_OK):
        sys.exit(f"bench_metadata.py: no kgate binary at {kgate_bin}: run `cargo build --release` (or set KGATE_BIN)")
    bins = [("kgate", kgate_bin)]
    if args.compare:
        bins.append((f"kgate ({Path(args.compare).name})", args.compare))
    rows = []
    for shape in args.shapes.split(","):
        topics, partitions = (int(x) for x in shape.split("x"))
        rows += run_shape(args, topics, partitions, logdir, bins)
    lines = [f"Metadata (all topics) on {args.backend}, median of {args.requests} requests per target, taking turns:",
             "", "| cluster | target | version | answer KiB | median ms | min ms | max ms | x/direct "
             "| kgate CPU ms/request | load 1 min |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cpu = "-" if r["cpu_ms"] is None else "%.2f" % (r["cpu_ms"] * 1e3)
        ratio = "-" if r["target"] == "direct" else "%.2f" % r["ratio"]
        lines.append(f"| {r['shape']} | {r['target']} | v{r['version']} | {r['size_kib']:,.0f} | {r['median_ms']:.2f} "
                     f"| {r['min_ms']:.2f} | {r['max_ms']:.2f} | {ratio} | {cpu} | {r['load']:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        bench.append_section(args.out, TITLE, __file__, HOW, kgate_bin, text)


if __name__ == "__main__":
    main()
