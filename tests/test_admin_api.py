"""The admin API over real HTTP against a running kgate (in front of broker): service accounts,
tokens, Basic auth and roles, persistence across restarts, the generated admin password, and
schemathesis against the OpenAPI document kgate serves.

Gateway-only: skipped in direct mode.
"""
import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import HOST, TOOLS, require_gateway

ADMIN = ("admin", "adm-pw")
READER = ("reader", "rd-pw")
USERS = f"[{{username: {ADMIN[0]}, password: {ADMIN[1]}, admin: true}}, {{username: {READER[0]}, password: {READER[1]}, admin: false}}]"
MASTER = {"JWT_AUTH_MASTER_USERNAME": "superUser", "JWT_AUTH_MASTER_PASSWORD": "master-pw"}
SA = "/gateway/v2/service-account"


def account(name="jdoe", vcluster="passthrough", spec=None):
    return {
        "kind": "GatewayServiceAccount",
        "apiVersion": "gateway/v2",
        "metadata": {"name": name, "vCluster": vcluster},
        "spec": spec or {"type": "LOCAL"},
    }


def call(gw, method, path, body=None, auth=ADMIN, raw=None):
    """(status, parsed JSON or None, headers)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://{HOST}:{gw.http_port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, text, headers = r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        status, text, headers = e.code, e.read().decode(), e.headers
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return status, parsed, headers


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def gw(kgate_factory, broker, tmp_path):
    g = kgate_factory(broker.bootstrap, port_count=3,
                      env={"GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(tmp_path / "data"), **MASTER})
    require_gateway(g, "the admin API")
    return g


def test_reference_flow_service_account_token_list(gw):
    status, body, _ = call(gw, "PUT", SA, account())
    assert status == 200, body
    assert body == {"resource": account(), "upsertResult": "CREATED"}
    status, body, _ = call(gw, "POST", "/gateway/v2/token",
                           {"username": "jdoe", "vCluster": "passthrough", "lifeTimeSeconds": 3600000})
    assert status == 200, body
    claims = jwt_claims(body["token"])
    assert claims["username"] == "jdoe" and claims["vcluster"] == "passthrough"
    assert claims["exp"] - claims["iat"] == 3600000
    status, body, _ = call(gw, "GET", SA)
    assert status == 200
    assert [a["metadata"]["name"] for a in body] == ["jdoe"]


def test_401_and_403(gw):
    status, body, headers = call(gw, "GET", SA, auth=None)
    assert status == 401, body
    assert headers["WWW-Authenticate"] == 'Basic realm="kgate"'
    assert call(gw, "GET", SA, auth=(ADMIN[0], "wrong"))[0] == 401
    assert call(gw, "GET", SA, auth=READER)[0] == 200
    assert call(gw, "PUT", SA, account(), auth=READER)[0] == 403
    assert call(gw, "DELETE", SA, {"name": "jdoe"}, auth=READER)[0] == 403
    assert call(gw, "POST", "/gateway/v2/token", {"username": "jdoe", "lifeTimeSeconds": 5}, auth=READER)[0] == 403
    assert call(gw, "GET", SA)[1] == [], "the refused PUT wrote nothing"
    assert call(gw, "GET", "/health/live", auth=None)[0] == 200
    assert call(gw, "GET", "/metrics", auth=None)[0] == 200


def test_400_names_the_field_and_404(gw):
    bad = account()
    bad["metadata"]["name"] = "j doe"
    status, body, _ = call(gw, "PUT", SA, bad)
    assert status == 400 and body["error"].startswith("metadata.name"), body
    extra = dict(account(), colour="red")
    status, body, _ = call(gw, "PUT", SA, extra)
    assert status == 400 and body["error"].startswith("colour"), body
    status, body, _ = call(gw, "PUT", SA, raw=b"{not json")
    assert status == 400 and body["error"].startswith("body"), body
    status, body, _ = call(gw, "POST", "/gateway/v2/token", {"username": "jdoe", "lifeTimeSeconds": "soon"})
    assert status == 400 and body["error"].startswith("lifeTimeSeconds"), body
    assert call(gw, "GET", f"{SA}/nobody")[0] == 404
    assert call(gw, "DELETE", SA, {"name": "nobody"})[0] == 404
    assert call(gw, "POST", "/gateway/v2/token", {"username": "nobody", "lifeTimeSeconds": 5})[0] == 404


def test_upsert_created_not_changed_updated(gw):
    results = [call(gw, "PUT", SA, account("app"))[1]["upsertResult"],
               call(gw, "PUT", SA, account("app"))[1]["upsertResult"],
               call(gw, "PUT", SA, account("app", spec={"type": "EXTERNAL", "externalNames": ["sub-1"]}))[1]["upsertResult"]]
    assert results == ["CREATED", "NOT_CHANGED", "UPDATED"]
    status, body, _ = call(gw, "GET", f"{SA}/app")
    assert status == 200 and body["spec"] == {"type": "EXTERNAL", "externalNames": ["sub-1"]}
    status, body, _ = call(gw, "PUT", SA, account("other", spec={"type": "EXTERNAL", "externalNames": ["sub-1"]}))
    assert status == 400 and body["error"].startswith("spec.externalNames[0]"), body


def test_accounts_survive_a_restart(gw):
    assert call(gw, "PUT", SA, account("kept", "vc-a"))[0] == 200
    token = call(gw, "POST", "/gateway/v2/token", {"username": "kept", "vCluster": "vc-a", "lifeTimeSeconds": 60})[1]["token"]
    gw.stop()
    gw.start()
    status, body, _ = call(gw, "GET", f"{SA}/kept?vcluster=vc-a")
    assert status == 200, body
    assert body == account("kept", "vc-a")
    # The generated signing key was kept too: the token from before the restart and a new one
    # both verify with the key in the data directory.
    again = call(gw, "POST", "/gateway/v2/token", {"username": "kept", "vCluster": "vc-a", "lifeTimeSeconds": 60})[1]["token"]
    key_file = Path(gw.env["GATEWAY_DATA_DIR"]) / "user-pool-secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = base64.b64decode(key_file.read_text().strip())
    for t in (token, again):
        signing_input, signature = t.rsplit(".", 1)
        expected = base64.urlsafe_b64encode(hmac.new(key, signing_input.encode(), hashlib.sha256).digest()).rstrip(b"=")
        assert hmac.compare_digest(expected.decode(), signature)


def test_generated_admin_password_is_private_and_never_logged(kgate_factory, broker, tmp_path):
    data = tmp_path / "gen-data"
    g = kgate_factory(broker.bootstrap, port_count=3, env={"GATEWAY_DATA_DIR": str(data)})
    require_gateway(g, "the admin API")
    path = data / "admin-api-password"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) >= 32
    log = g.proc.log_path.read_text(errors="replace")
    assert str(path) in log, "the log names the file"
    assert password not in log
    assert call(g, "GET", SA, auth=("admin", password))[0] == 200
    assert call(g, "GET", SA, auth=("admin", "conduktor"))[0] == 401, "no built-in password"
    g.stop()
    g.start()
    assert path.read_text().strip() == password
    assert call(g, "GET", SA, auth=("admin", password))[0] == 200
    assert password not in g.proc.log_path.read_text(errors="replace")


def test_tenant_token_endpoint(gw):
    path = "/auth/tenant/1-cluster1/user/test@conduktor.io/token"
    status, body, _ = call(gw, "POST", path, {"username": "superUser", "password": "master-pw"}, auth=None)
    assert status == 200, body
    claims = jwt_claims(body["data"])
    assert (claims["orgId"], claims["clusterId"], claims["username"]) == (1, "cluster1", "test@conduktor.io")
    assert call(gw, "POST", path, {"username": "superUser", "password": "nope"}, auth=None)[0] == 401


# --- the OpenAPI document -----------------------------------------------------------------------
def documented(gw):
    status, doc, _ = call(gw, "GET", "/gateway/v2/openapi.json", auth=None)
    assert status == 200
    return {(path, method.upper(), code)
            for path, ops in doc["paths"].items()
            for method, op in ops.items()
            for code in op["responses"]}


def scenarios(on, off):
    """One request per documented (path, method, status): gateway `on` has master credentials,
    `off` has none (so the tenant endpoint is off there)."""
    tenant = "/auth/tenant/1-c1/user/u1/token"
    master = {"username": "superUser", "password": "master-pw"}
    ext = account("ext-sa", spec={"type": "EXTERNAL", "externalNames": ["ext-1"]})
    table = {
        (SA, "GET", "200"): lambda: call(on, "GET", SA),
        (SA, "GET", "401"): lambda: call(on, "GET", SA, auth=None),
        (SA, "PUT", "200"): lambda: call(on, "PUT", SA, account("doc-sa")),
        (SA, "PUT", "400"): lambda: call(on, "PUT", SA, {"kind": 1}),
        (SA, "PUT", "401"): lambda: call(on, "PUT", SA, account(), auth=("x", "y")),
        (SA, "PUT", "403"): lambda: call(on, "PUT", SA, account(), auth=READER),
        (SA, "DELETE", "204"): lambda: (call(on, "PUT", SA, account("gone")), call(on, "DELETE", SA, {"name": "gone"}))[1],
        (SA, "DELETE", "400"): lambda: call(on, "DELETE", SA, {"nme": "x"}),
        (SA, "DELETE", "401"): lambda: call(on, "DELETE", SA, {"name": "x"}, auth=None),
        (SA, "DELETE", "403"): lambda: call(on, "DELETE", SA, {"name": "x"}, auth=READER),
        (SA, "DELETE", "404"): lambda: call(on, "DELETE", SA, {"name": "never"}),
        (f"{SA}/{{name}}", "GET", "200"): lambda: call(on, "GET", f"{SA}/doc-sa"),
        (f"{SA}/{{name}}", "GET", "400"): lambda: call(on, "GET", f"{SA}/a%20b"),
        (f"{SA}/{{name}}", "GET", "401"): lambda: call(on, "GET", f"{SA}/doc-sa", auth=None),
        (f"{SA}/{{name}}", "GET", "404"): lambda: call(on, "GET", f"{SA}/never"),
        ("/gateway/v2/token", "POST", "200"): lambda: call(on, "POST", "/gateway/v2/token", {"username": "doc-sa", "lifeTimeSeconds": 9}),
        ("/gateway/v2/token", "POST", "400"): lambda: (call(on, "PUT", SA, ext), call(on, "POST", "/gateway/v2/token", {"username": "ext-sa", "lifeTimeSeconds": 9}))[1],
        ("/gateway/v2/token", "POST", "401"): lambda: call(on, "POST", "/gateway/v2/token", {}, auth=None),
        ("/gateway/v2/token", "POST", "403"): lambda: call(on, "POST", "/gateway/v2/token", {}, auth=READER),
        ("/gateway/v2/token", "POST", "404"): lambda: call(on, "POST", "/gateway/v2/token", {"username": "never", "lifeTimeSeconds": 9}),
        ("/auth/tenant/{tenant}/user/{user}/token", "POST", "200"): lambda: call(on, "POST", tenant, master, auth=None),
        ("/auth/tenant/{tenant}/user/{user}/token", "POST", "400"): lambda: call(on, "POST", tenant, {"username": 1}, auth=None),
        ("/auth/tenant/{tenant}/user/{user}/token", "POST", "401"): lambda: call(on, "POST", tenant, dict(master, password="x"), auth=None),
        ("/auth/tenant/{tenant}/user/{user}/token", "POST", "404"): lambda: call(off, "POST", tenant, master, auth=None),
        ("/gateway/v2/openapi.json", "GET", "200"): lambda: call(on, "GET", "/gateway/v2/openapi.json", auth=None),
    }
    # The virtual-cluster and alias-topic routes (imported here: that module imports this one).
    from test_admin_vclusters import scenarios as virtual_resource_scenarios

    table.update(virtual_resource_scenarios(on))
    from test_admin_interceptors import scenarios as interceptor_scenarios

    table.update(interceptor_scenarios(on))
    return table


def test_every_documented_status_is_reachable(gw, kgate_factory, broker, tmp_path):
    off = kgate_factory(broker.bootstrap, port_count=3,
                        env={"GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(tmp_path / "off")})
    table = scenarios(gw, off)
    doc = documented(gw)
    assert doc == set(table), f"undocumented scenarios: {set(table) - doc}; untested codes: {doc - set(table)}"
    for (path, method, code), run in sorted(table.items()):
        status, body, _ = run()
        assert str(status) == code, f"{method} {path}: expected {code}, got {status} {body}"


def schemathesis_bin():
    return os.environ.get("SCHEMATHESIS", str(TOOLS / "venv" / "bin" / "schemathesis"))


def test_schemathesis_finds_no_server_error(gw, tmp_path):
    binary = schemathesis_bin()
    if not Path(binary).exists():
        pytest.fail(f"{binary} missing: install requirements-test.txt (`make tools`)")
    har = tmp_path / "schemathesis.har"
    cmd = [binary, "run", f"http://{HOST}:{gw.http_port}/gateway/v2/openapi.json",
           "--checks", "not_a_server_error", "--auth", f"{ADMIN[0]}:{ADMIN[1]}",
           "--max-time", "60", "--max-examples", "60", "--seed", "1", "--no-shrink",
           "--report", "har", "--report-har-path", str(har)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=tmp_path,
                         env=dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1"))
    output = run.stdout[-6000:] + run.stderr[-3000:]
    assert run.returncode == 0, output
    entries = json.loads(har.read_text())["log"]["entries"]
    statuses = [e["response"]["status"] for e in entries]
    assert len(statuses) > 20, output
    assert not [s for s in statuses if s >= 500], output
    assert gw.proc.alive()
