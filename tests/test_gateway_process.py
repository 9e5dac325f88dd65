"""The kgate process contract: --help, health endpoints, metrics, readiness, SIGTERM."""
import signal
import subprocess
import time

import pytest

from conftest import free_port, http_get, kgate_bin, require_gateway

VARIABLES = [
    "KAFKA_BOOTSTRAP_SERVERS", "GATEWAY_ADVERTISED_HOST", "GATEWAY_BIND_HOST", "GATEWAY_PORT_START",
    "GATEWAY_PORT_COUNT", "GATEWAY_MIN_BROKERID", "GATEWAY_HTTP_PORT", "GATEWAY_WORKER_THREADS",
    "GATEWAY_MAX_FRAME_BYTES", "GATEWAY_IDLE_TIMEOUT_MS", "GATEWAY_MAX_CONNECTIONS",
]


def test_help_lists_every_variable(kgate):
    require_gateway(kgate, "--help")
    r = subprocess.run([kgate_bin(), "--help"], capture_output=True, timeout=10)
    assert r.returncode == 0
    text = r.stdout.decode() + r.stderr.decode()
    missing = [v for v in VARIABLES if v not in text]
    assert not missing, f"--help does not mention {missing}"


def test_health_and_metrics(kgate):
    require_gateway(kgate, "the admin HTTP server")
    assert http_get(kgate.http_port, "/health/live")[0] == 200
    assert http_get(kgate.http_port, "/health/ready")[0] == 200
    status, body = http_get(kgate.http_port, "/metrics")
    assert status == 200
    samples = [l for l in body.splitlines() if l and not l.startswith("#")]
    assert samples, "no samples in /metrics"
    for line in samples:
        name_labels, value = line.rsplit(" ", 1)
        float(value)  # Prometheus text: every sample ends with a number


def test_not_ready_without_cluster(kgate_factory):
    """Live but not ready while the backend does not answer."""
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    g = kgate_factory(dead, port_count=3, wait=False)
    require_gateway(g, "readiness")
    deadline = time.time() + 15
    live = None
    while time.time() < deadline and live is None:
        try:
            live = http_get(g.http_port, "/health/live")[0]
        except OSError:
            time.sleep(0.1)
    assert live == 200
    time.sleep(1)
    assert http_get(g.http_port, "/health/ready")[0] == 503
    assert g.proc.alive()


def test_sigterm_graceful_shutdown(kgate):
    require_gateway(kgate, "SIGTERM handling")
    t0 = time.time()
    rc = kgate.stop(signal.SIGTERM)
    assert rc == 0, f"kgate exited with {rc} on SIGTERM"
    assert time.time() - t0 < 10
