"""Debian's kcat (librdkafka 2.0.2) through kgate: metadata, produce, consume.

Also records a fact about tansu: kcat cannot talk to tansu 0.6.0 directly (it can to Apache Kafka). tansu answers
ApiVersions v3 with four top-level tagged fields (SupportedFeatures, FinalizedFeaturesEpoch,
FinalizedFeatures, ZkMigrationReady: all valid Kafka); librdkafka 2.0.2 misparses non-empty
tagged fields in that answer and fails with "ApiVersionRequest failed: Local: Read underflow",
never getting metadata. Verified by hand with a relay that only empties that tagged-field section:
kcat -L then works. So kgate, which answers ApiVersions itself, must send an empty tagged-field
section there for kcat (and any librdkafka <= 2.0.x) to work through it.
"""
import shutil
import subprocess

import pytest

from conftest import BACKEND, BROKER_ID, HOST

KCAT = shutil.which("kcat") or shutil.which("kafkacat")


def kcat(*args, stdin=None, timeout=60):
    assert KCAT, "kcat is not installed (apt-get install kcat)"
    return subprocess.run([KCAT, *args], input=stdin, capture_output=True, timeout=timeout)


def test_kcat_version():
    out = kcat("-V").stdout.decode()
    assert "librdkafka" in out


def test_kcat_direct_to_tansu_fails(tansu):
    """kcat straight to tansu: ApiVersions parse failure, no metadata (a tansu/librdkafka 2.0.2 fact)."""
    r = kcat("-b", tansu.bootstrap, "-L", "-m", "5")
    err = r.stderr.decode()
    assert r.returncode != 0, f"kcat -L direct to tansu now succeeds:\n{r.stdout.decode()}"
    assert "ApiVersionRequest failed" in err and "Read underflow" in err, err


def test_kcat_metadata(kgate, broker, topic):
    if kgate.direct and BACKEND == "tansu":
        pytest.xfail("kcat cannot talk to tansu directly (see test_kcat_direct_to_tansu_fails)")
    r = kcat("-b", kgate.bootstrap, "-L", "-m", "15")
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert f"broker {BROKER_ID} at {HOST}:{kgate.broker_port(BROKER_ID)}" in out, out
    if not kgate.direct:
        assert f':{broker.port}' not in out.replace(f"{HOST}:{kgate.port_start}", ""), out
    assert f'topic "{topic}" with 3 partitions' in out, out


def test_kcat_produce_consume(kgate, broker):
    if kgate.direct and BACKEND == "tansu":
        pytest.xfail("kcat cannot talk to tansu directly (see test_kcat_direct_to_tansu_fails)")
    topic = broker.create_topic(partitions=1)
    lines = [f"k{i}:value-{i}" for i in range(500)]
    r = kcat("-b", kgate.bootstrap, "-P", "-t", topic, "-p", "0", "-K:", stdin=("\n".join(lines) + "\n").encode())
    assert r.returncode == 0, r.stderr.decode()
    r = kcat("-b", kgate.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o %k:%s\n")
    assert r.returncode == 0, r.stderr.decode()
    got = r.stdout.decode().splitlines()
    assert got == [f"{i} {line}" for i, line in enumerate(lines)]
