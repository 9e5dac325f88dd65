"""Apache Kafka's own command-line tools, run through `scripts/kafka.sh tool CLASS ARGS` (the main
classes behind bin/kafka-*.sh of the Kafka release, with the classpath kafka.sh fetched).

Each wrapper returns (rc, stdout, stderr) as text and never raises on a non-zero exit, so a test
can assert on a refusal as well as on success:

    rc, out, err = kafka_topics("--bootstrap-server", gw.bootstrap, "--list")

`command_config(path, props)` writes the properties file for --command-config / --consumer.config /
--producer.config (SASL settings and the like). The tools log at WARN to stderr
(KAFKA_TOOL_LOG_LEVEL, see scripts/kafka.sh).
"""
import os
import subprocess
from pathlib import Path

from conftest import ROOT

KAFKA_SH = ROOT / "scripts" / "kafka.sh"

TOPICS = "org.apache.kafka.tools.TopicCommand"  # kafka-topics
ACLS = "org.apache.kafka.tools.AclCommand"  # kafka-acls
CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer"  # kafka-console-producer
CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"  # kafka-console-consumer
CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"  # kafka-consumer-groups


def run_tool(cls, *args, input=None, timeout=120, env=None):
    """(rc, stdout, stderr) of one Kafka tool run; a timeout is an AssertionError with the output."""
    e = dict(os.environ)
    e.update(env or {})
    argv = [str(KAFKA_SH), "tool", cls, *[str(a) for a in args]]
    try:
        p = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, env=e,
                           start_new_session=True)
    except subprocess.TimeoutExpired as ex:
        out = ex.stdout.decode(errors="replace") if isinstance(ex.stdout, bytes) else (ex.stdout or "")
        err = ex.stderr.decode(errors="replace") if isinstance(ex.stderr, bytes) else (ex.stderr or "")
        raise AssertionError(f"{cls} did not finish in {timeout}s: {argv}\nstdout:\n{out[-3000:]}\n"
                             f"stderr:\n{err[-3000:]}")
    return p.returncode, p.stdout, p.stderr


def kafka_topics(*args, **kw):
    return run_tool(TOPICS, *args, **kw)


def kafka_acls(*args, **kw):
    return run_tool(ACLS, *args, **kw)


def console_producer(*args, input="", **kw):
    """kafka-console-producer; `input` is what it reads on stdin (one record per line)."""
    return run_tool(CONSOLE_PRODUCER, *args, input=input, **kw)


def console_consumer(*args, **kw):
    return run_tool(CONSOLE_CONSUMER, *args, **kw)


def consumer_groups(*args, **kw):
    return run_tool(CONSUMER_GROUPS, *args, **kw)


def command_config(path, props=None):
    """Write a Java properties file (for --command-config and friends) and return its path."""
    path = Path(path)
    lines = [f"{k}={v}" for k, v in (props or {}).items()]
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def describe_table(text):
    """Rows of a whitespace-aligned table printed by kafka-consumer-groups --describe, as dicts keyed by
    the header line's column names (the lines that follow a header starting with `GROUP`)."""
    rows, header = [], None
    for line in text.splitlines():
        cols = line.split()
        if not cols:
            header = None
            continue
        if cols[0] == "GROUP":
            header = cols
            continue
        if header and len(cols) == len(header):
            rows.append(dict(zip(header, cols)))
    return rows
