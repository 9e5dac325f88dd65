#!/usr/bin/env python3
"""Memory per idle client connection through kgate (`make bench-idle-memory`).

For each N (--counts, default 2000,10000), a fresh kgate in front of one broker; then:
  1. 20 warm-up connections make their requests and close (first-use allocations, the thread pools)
  2. the baseline: kgate's VmRSS (/proc/<pid>/status)
  3. N connections are opened one after the other; each sends ApiVersions v0 and a Metadata request
     (no topics, the highest version both sides know up to 12), reads both answers and stays open
     and idle (kgate holds each one's broker connection too)
  4. after --settle seconds, VmRSS again: (RSS - baseline) / N is the memory per idle connection
     (the client socket, the broker socket and everything kgate keeps for the pair; kernel socket
     buffers are not in RSS)
The open-file limit is raised for this process and its children (kgate, the broker) to fit N,
up to the hard limit; when that is too low for N (kgate needs 2N + a few), the largest N that fits
is measured instead, and said so. --tls measures kgate with TLS towards the clients.

Quick run: `scripts/bench_idle_memory.py --backend tansu --counts 2000`.
"""
import argparse
import os
import resource
import ssl
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402
import kwire  # noqa: E402

TITLE = "Memory per idle client connection"
HOW = ("N clients connect one after the other, each sends ApiVersions and a Metadata request (no topics), reads "
       "both answers and stays idle; per connection = (kgate VmRSS after - before) / N, both read after a "
       "2 s pause; the baseline is taken after 20 warm-up connections have come and gone. Each connection "
       "holds a client socket and a broker socket in kgate (kernel socket buffers are not in RSS). "
       "Goal: under 64 KiB per connection")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n)
    if hard != resource.RLIM_INFINITY and want > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def open_idle(port, count, tls_ctx):
    """`count` connections that each make one ApiVersions and one Metadata request, left open."""
    socks = []
    version = None
    for i in range(count):
        s = kwire.connect(bench.HOST, port)
        if tls_ctx is not None:
            s = tls_ctx.wrap_socket(s, server_hostname="localhost")
        if version is None:
            version = kwire.metadata_version(s)
        else:
            s.sendall(kwire.api_versions_request())
            kwire.read_frame(s)
        s.sendall(kwire.metadata_request(version, topics=[]))
        kwire.read_frame(s)
        socks.append(s)
        if (i + 1) % 2000 == 0:
            print(f"  {i + 1} connections open", flush=True)
    return socks


def measure(backend, count, args, logdir, kgate_bin, pki, label):
    name = "kgate-tls" if args.tls else "kgate"
    extra = {"GATEWAY_MAX_CONNECTIONS": str(count + 100), "GATEWAY_IDLE_TIMEOUT_MS": "0"}
    proc, bootstrap, _ = bench.start_kgate(name, backend, logdir, kgate_bin, pki, extra)
    tls_ctx = None
    if args.tls:
        tls_ctx = ssl.create_default_context(cafile=pki.ca.crt)
    port = int(bootstrap.rsplit(":", 1)[1])
    try:
        for s in open_idle(port, 20, tls_ctx):
            s.close()
        time.sleep(args.settle)
        base = rss_kib(proc.pid)
        t0 = time.perf_counter()
        socks = open_idle(port, count, tls_ctx)
        opened = time.perf_counter() - t0
        time.sleep(args.settle)
        after = rss_kib(proc.pid)
        per = (after - base) / count
        row = dict(target=f"{name} ({label})" if label else name, connections=count, base_mib=base / 1024, after_mib=after / 1024, per_conn_kib=per,
                   open_s=opened, load=os.getloadavg()[0])
        print(row, flush=True)
        for s in socks:
            s.close()
        return row
    finally:
        bench.stop(proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="tansu", choices=bench.BACKENDS)
    ap.add_argument("--counts", default="2000,10000", help="comma-separated connection counts")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading RSS")
    ap.add_argument("--tls", action="store_true", help="TLS between the clients and kgate")
    ap.add_argument("--compare", help="a second kgate binary to measure next to KGATE_BIN (e.g. before a change)")
    ap.add_argument("--out", help="append the result table to this file")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",") if c]
    # Per process: kgate needs two descriptors per connection (client and broker) and a few of its
    # own (listeners, epoll, HTTP); this script and the broker need one per connection.
    limit = raise_nofile(2 * max(counts) + 1024)
    fit = (limit - 200) // 2
    clamped = None
    if fit < max(counts):
        clamped = (f"the open-file limit here is {limit} (the hard limit; raising it needs CAP_SYS_RESOURCE), "
                   f"which fits {fit} connections through kgate (two descriptors each), not {max(counts)}: "
                   f"{fit} were measured instead")
        print(clamped, flush=True)
        counts = [min(c, fit) for c in counts]
    logdir = bench.ROOT / ".tools" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    kgate_bin = os.environ.get("KGATE_BIN", str(bench.ROOT / "target" / "release" / "kgate"))
    pki = None
    if args.tls:
        import tls_certs
        pki = tls_certs.generate(logdir / "pki")
    backend, why = (bench.start_tansu if args.backend == "tansu" else bench.start_kafka)(logdir)
    if backend is None:
        sys.exit(why)
    rows = []
    try:
        bins = [(kgate_bin, "")] + ([(args.compare, Path(args.compare).name)] if args.compare else [])
        for count in counts:
            for binary, label in bins:
                rows.append(measure(backend, count, args, logdir, binary, pki, label))
    finally:
        backend.stop()
    lines = ["| target | idle connections | kgate RSS before MiB | after MiB | per connection KiB | load 1 min |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['target']} | {r['connections']} | {r['base_mib']:.1f} | {r['after_mib']:.1f} "
                     f"| {r['per_conn_kib']:.1f} | {r['load']:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        bench.append_section(args.out, TITLE, __file__, HOW, kgate_bin, text,
                             [clamped] if clamped else [])


if __name__ == "__main__":
    main()
