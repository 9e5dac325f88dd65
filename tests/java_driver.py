"""The Apache Kafka Java client, driven from the tests: tests/java/KgateDriver.java.

The driver is compiled on first use with javac against the classpath that `scripts/kafka.sh
classpath` prints (Kafka 4.1.1's client and its codecs), into ~/.cache/kgate/java-driver/<hash>/,
keyed by the hash of the source and of that classpath, so a changed driver or another Kafka version
compiles again and concurrent sessions never see a half-written directory (compiled into a temporary
directory, then renamed). Each run is one JVM; several steps can share it (`run(step, step, ...)`):

    from java_driver import produce, consume, step, run
    r = run(step("produce", bootstrap, topic=t, count=500, partitions=3, compression="zstd"),
            step("consume", bootstrap, topic=t, expect=500))
    r.ok, r.events, r.records(1), r.summary("consumed", 1)

Options map to `--name value` (underscores become dashes; a list repeats the option, so
prop=["security.protocol=SASL_PLAINTEXT", ...] passes any client property, e.g. SASL settings).
Every line the driver prints on stdout is one JSON object with "event" and "step"; logs are on stderr.
"""
import hashlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from conftest import ROOT

SOURCE = Path(__file__).resolve().parent / "java" / "KgateDriver.java"
KAFKA_SH = ROOT / "scripts" / "kafka.sh"
CACHE = Path(os.environ.get("KGATE_JAVA_DRIVER_CACHE", Path.home() / ".cache" / "kgate" / "java-driver"))
# Short-lived client JVMs on a small shared machine: small heap, serial GC, C1 only start fastest.
JVM_FLAGS = ["-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true"]

_built = {}


def kafka_cache() -> Path:
    out = subprocess.run([str(KAFKA_SH), "fetch"], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/kafka.sh fetch failed:\n{out.stderr}")
    return Path(out.stdout.strip().splitlines()[-1])


def kafka_classpath() -> str:
    out = subprocess.run([str(KAFKA_SH), "classpath"], capture_output=True, text=True, timeout=900)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"scripts/kafka.sh classpath failed:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1]


def build():
    """(java argv prefix) for running KgateDriver; compiles once per source+classpath."""
    if "argv" in _built:
        return _built["argv"]
    javac = shutil.which("javac")
    java = shutil.which("java")
    if not javac or not java:
        raise RuntimeError("java/javac missing: apt-get install openjdk-17-jdk-headless")
    cp = kafka_classpath()
    digest = hashlib.sha256(SOURCE.read_bytes() + b"\0" + cp.encode()).hexdigest()[:16]
    out_dir = CACHE / digest
    if not (out_dir / "KgateDriver.class").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{digest}.tmp-", dir=CACHE))
        try:
            r = subprocess.run([javac, "-nowarn", "-d", str(tmp), "-cp", cp, str(SOURCE)],
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise RuntimeError(f"javac {SOURCE} failed:\n{r.stdout}{r.stderr}")
            try:
                tmp.rename(out_dir)
            except OSError:
                if not (out_dir / "KgateDriver.class").exists():  # not a concurrent winner: a real error
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    log4j = kafka_cache() / "config" / "log4j2.properties"
    argv = [java, *JVM_FLAGS, f"-Dlog4j2.configurationFile={log4j}",
            f"-Dkafka.root.level={os.environ.get('KGATE_JAVA_LOG_LEVEL', 'WARN')}",
            "-cp", f"{out_dir}:{cp}", "KgateDriver"]
    _built["argv"] = argv
    return argv


def step(cmd, bootstrap, **opts):
    """One driver step as argv: step("produce", "127.0.0.1:6969", topic="t", count=10)."""
    args = [cmd, "--bootstrap", bootstrap]
    for k, v in opts.items():
        if v is None:
            continue
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            if isinstance(item, bool):
                item = "true" if item else "false"
            args += [f"--{k.replace('_', '-')}", str(item)]
    return args


class Result:
    def __init__(self, argv, rc, events, stderr, raw_stdout):
        self.argv = argv
        self.rc = rc
        self.events = events
        self.stderr = stderr
        self.raw_stdout = raw_stdout

    @property
    def ok(self):
        return self.rc == 0

    def of(self, event, step_index=None):
        return [e for e in self.events if e["event"] == event and (step_index is None or e["step"] == step_index)]

    def summary(self, event, step_index=None):
        found = self.of(event, step_index)
        assert len(found) == 1, f"expected one {event!r} event for step {step_index}, got {found}\n{self.describe()}"
        return found[0]

    def records(self, step_index=None):
        """[(partition, offset, key bytes, value bytes)] like clients.ck_consume, for check_indexed."""
        def b(x):
            return None if x is None else x.encode()

        return [(e["p"], e["o"], b(e["k"]), b(e["v"])) for e in self.of("record", step_index)]

    def errors(self):
        return self.of("error")

    def describe(self):
        errs = "\n".join(json.dumps(e) for e in self.errors())
        return (f"java driver rc={self.rc}: {' '.join(self.argv[-40:])}\n{errs}\n"
                f"--- stderr (tail) ---\n{self.stderr[-4000:]}")

    def check(self):
        assert self.ok, self.describe()
        return self


def _parse(stdout):
    events, bad = [], []
    for line in stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            events.append(json.loads(line))
        except ValueError:
            bad.append(line)
    return events, bad


def run(*steps, timeout=180, check=True):
    """Run the steps (each from step()) in one JVM; returns a Result (asserting success when check)."""
    argv = list(build())
    for i, s in enumerate(steps):
        if i:
            argv.append("::")
        argv += list(s)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        raise AssertionError(f"java driver timed out after {timeout}s: {' '.join(argv[-40:])}\n"
                             f"stdout tail:\n{out[-3000:]}\nstderr tail:\n{err[-3000:]}")
    events, bad = _parse(p.stdout)
    r = Result(argv, p.returncode, events, p.stderr, p.stdout)
    assert not bad, f"driver printed non-JSON lines on stdout: {bad[:5]}"
    if check:
        r.check()
    return r


class Background:
    """A driver run in the background (e.g. group members that must be assigned before records are
    produced): events arrive as they are printed; wait_for(pred) blocks until one matches."""

    def __init__(self, *steps):
        self.argv = list(build())
        for i, s in enumerate(steps):
            if i:
                self.argv.append("::")
            self.argv += list(s)
        self.stderr_file = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.stderr_file, text=True,
                                     start_new_session=True)
        self.events = []
        self._q = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if line:
                try:
                    self._q.put(json.loads(line))
                except ValueError:
                    self._q.put({"event": "non-json", "line": line})
        self._q.put(None)

    def _drain(self, block_for=0.0):
        try:
            e = self._q.get(timeout=block_for) if block_for else self._q.get_nowait()
        except queue.Empty:
            return False
        if e is None:
            self._q.put(None)  # keep the end marker for later callers
            return None
        self.events.append(e)
        return True

    def wait_for(self, pred, timeout=60.0, what="condition"):
        deadline = time.time() + timeout
        while True:
            if pred(self.events):
                return
            left = deadline - time.time()
            if left <= 0:
                break
            got = self._drain(min(left, 0.5))
            if got is None and not pred(self.events):
                raise AssertionError(f"java driver ended before {what}: rc={self.proc.wait()}\n"
                                     f"{self.events[-10:]}\n{self._stderr_tail()}")
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; last events {self.events[-10:]}\n"
                             f"{self._stderr_tail()}")

    def _stderr_tail(self):
        self.stderr_file.seek(0)
        return self.stderr_file.read()[-4000:]

    def finish(self, timeout=120.0, check=True):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"java driver still running after {timeout}s\n{self._stderr_tail()}")
        self._reader.join(10)
        while self._drain() is True:
            pass
        bad = [e for e in self.events if e["event"] == "non-json"]
        r = Result(self.argv, rc, [e for e in self.events if e["event"] != "non-json"], self._stderr_tail(), "")
        assert not bad, f"driver printed non-JSON lines on stdout: {bad[:5]}"
        if check:
            r.check()
        return r

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def produce(bootstrap, topic, count, timeout=180, **opts):
    """One produce step; returns the "produced" summary (and the txn events under "txns")."""
    r = run(step("produce", bootstrap, topic=topic, count=count, **opts), timeout=timeout)
    s = r.summary("produced", 0)
    s["txns"] = r.of("txn", 0)
    return s


def consume(bootstrap, topic, expect, timeout=180, **opts):
    """One consume step; returns (records, summary). records are (partition, offset, key, value)."""
    r = run(step("consume", bootstrap, topic=topic, expect=expect, **opts), timeout=timeout)
    return r.records(0), r.summary("consumed", 0)


def admin(cmd, bootstrap, timeout=120, **opts):
    """One admin step (create-topics, list-topics, describe-topics, describe-cluster, describe-groups,
    group-offsets); returns its events."""
    return run(step(cmd, bootstrap, **opts), timeout=timeout).events
