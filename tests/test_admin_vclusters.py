"""Virtual clusters and alias topics through the admin API of a running kgate (in front of broker):
the reference 004 resources, their 400s (each naming the field), the 409 of a delete that would
strand service accounts or aliases, persistence across a restart, and the refusal with
GATEWAY_SECURITY_MODE=KAFKA_MANAGED (at the API, and at start-up when the state already holds
virtual resources).

`scenarios(gw)` is one request per documented (path, method, status) of these routes, for
test_admin_api.py's check that every documented status is reachable.

Gateway-only: skipped in direct mode.
"""
import time

import pytest

from conftest import HOST, free_port, http_get, require_gateway, wait_exit
from kafka_sasl_common import plain_jaas
from test_admin_api import ADMIN, READER, SA, USERS, account, call

VC = "/gateway/v2/virtual-cluster"
AT = "/gateway/v2/alias-topic"


def vcluster(name, **spec):
    return {"kind": "VirtualCluster", "apiVersion": "gateway/v2", "metadata": {"name": name}, "spec": spec}


def rendered(name, prefix=None, type="Standard", aclEnabled=False, aclMode=None, superUsers=(), acls=()):
    """A VirtualCluster as kgate renders it: every field, aclMode only when set."""
    spec = {"prefix": name if prefix is None else prefix, "type": type, "aclEnabled": aclEnabled,
            "superUsers": list(superUsers), "acls": list(acls)}
    if aclMode is not None:
        spec["aclMode"] = aclMode
    return {"kind": "VirtualCluster", "apiVersion": "gateway/v2", "metadata": {"name": name}, "spec": spec}


def alias(name, vcluster="passthrough", physical="internal.topic", cluster=None):
    spec = {"physicalName": physical}
    if cluster is not None:
        spec["physicalCluster"] = cluster
    return {"kind": "AliasTopic", "apiVersion": "gateway/v2", "metadata": {"name": name, "vCluster": vcluster},
            "spec": spec}


def acl(principal="User:orders-app", operation="READ", topic="orders"):
    return {"resourcePattern": {"resourceType": "TOPIC", "name": topic, "patternType": "LITERAL"},
            "principal": principal, "host": "*", "operation": operation, "permissionType": "ALLOW"}


def refused(gw, method, path, body=None):
    """(status, error message)."""
    status, parsed, _ = call(gw, method, path, body)
    return status, (parsed or {}).get("error", "")


@pytest.fixture
def gw(kgate_factory, broker, tmp_path):
    g = kgate_factory(broker.bootstrap, port_count=3,
                      env={"GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(tmp_path / "data")})
    require_gateway(g, "the admin API")
    return g


def test_virtual_cluster_lifecycle(gw):
    status, body, _ = call(gw, "PUT", VC, vcluster("customers"))
    assert status == 200, body
    assert body == {"resource": rendered("customers"), "upsertResult": "CREATED"}
    assert call(gw, "PUT", VC, vcluster("customers", prefix="customers", type="Standard"))[1]["upsertResult"] \
        == "NOT_CHANGED"
    status, body, _ = call(gw, "PUT", VC, vcluster("customers", aclEnabled=True, superUsers=["admin"]))
    assert status == 200, body
    assert body == {"resource": rendered("customers", aclEnabled=True, aclMode="KAFKA_API", superUsers=["admin"]),
                    "upsertResult": "UPDATED"}
    assert call(gw, "PUT", VC, vcluster("vc-alice", prefix="vc-alice."))[0] == 200
    status, listed, _ = call(gw, "GET", VC, auth=READER)
    assert status == 200
    assert [v["metadata"]["name"] for v in listed] == ["passthrough", "customers", "vc-alice"]
    assert listed[0] == rendered("passthrough", prefix="")
    status, one, _ = call(gw, "GET", f"{VC}/vc-alice", auth=READER)
    assert (status, one) == (200, rendered("vc-alice", prefix="vc-alice."))
    assert call(gw, "GET", f"{VC}/passthrough")[1]["spec"] == {
        "prefix": "", "type": "Standard", "aclEnabled": False, "superUsers": [], "acls": []}
    assert call(gw, "DELETE", f"{VC}/customers")[0] == 204
    status, error = refused(gw, "GET", f"{VC}/customers")
    assert status == 404 and '"customers"' in error, error
    assert refused(gw, "DELETE", f"{VC}/customers")[0] == 404
    assert call(gw, "PUT", VC, vcluster("x"), auth=READER)[0] == 403
    assert call(gw, "DELETE", f"{VC}/vc-alice", auth=READER)[0] == 403
    assert call(gw, "GET", VC, auth=None)[0] == 401


def test_400s_name_the_field(gw):
    assert call(gw, "PUT", VC, vcluster("a"))[0] == 200
    rest = dict(aclEnabled=True, aclMode="REST_API", acls=[acl()])
    assert call(gw, "PUT", VC, vcluster("rest", prefix="rest.", **rest))[0] == 200
    for body, field, needle in [
        (vcluster("a b"), "metadata.name", ""),
        (vcluster("a@b"), "metadata.name", ""),
        (vcluster("ab"), "spec.prefix", 'virtual cluster "a"'),
        (vcluster("x", prefix="a"), "spec.prefix", 'virtual cluster "a"'),
        (vcluster("x", prefix="re"), "spec.prefix", 'virtual cluster "rest"'),
        (vcluster("x", prefix="_kgate-x"), "spec.prefix", "_kgate"),
        (vcluster("rest", prefix="rest.", aclEnabled=True, superUsers=["admin"]), "spec.aclMode", "REST_API"),
        (vcluster("rest", prefix="other.", **rest), "spec.prefix", "rest."),
        (vcluster("x", aclEnabled=True, aclMode="REST_API"), "spec.acls", "REST_API"),
        (vcluster("x", aclEnabled=True, aclMode="KAFKA_API"), "spec.superUsers", "KAFKA_API"),
        (vcluster("x", aclEnabled=True), "spec.superUsers", "KAFKA_API"),
        (vcluster("x", superUsers=["admin"]), "spec.superUsers", "aclEnabled"),
        (vcluster("x", aclEnabled=True, aclMode="REST_API", acls=[acl("nobody")]), "spec.acls[0].principal", ""),
        (vcluster("x", aclEnabled=True, aclMode="REST_API", acls=[acl(), acl(operation="READS")]),
         "spec.acls[1].operation", "READS"),
        (vcluster("x", type="Partner", aclMode="KAFKA_API"), "spec.aclEnabled", "Partner"),
        (vcluster("x", colour="red"), "spec.colour", ""),
        (vcluster("passthrough"), "metadata.name", "GATEWAY_ACL_STORE_ENABLED"),
    ]:
        status, error = refused(gw, "PUT", VC, body)
        assert status == 400 and error.startswith(field) and needle in error, (body, status, error)
    status, error = refused(gw, "DELETE", f"{VC}/passthrough")
    assert status == 400 and "built-in" in error, error
    names = [v["metadata"]["name"] for v in call(gw, "GET", VC)[1]]
    assert names == ["passthrough", "a", "rest"], "no refused PUT wrote anything"


def test_delete_is_refused_while_accounts_or_aliases_belong_to_it(gw):
    assert call(gw, "PUT", VC, vcluster("vc-alice", prefix="vc-alice."))[0] == 200
    for name in ("bob", "alice"):
        assert call(gw, "PUT", SA, account(name, "vc-alice"))[0] == 200
    status, error = refused(gw, "DELETE", f"{VC}/vc-alice")
    assert status == 409, error
    assert error.startswith("2 service account(s) (alice, bob) belong to vc-alice"), error
    assert call(gw, "PUT", AT, alias("stock", "vc-alice", "internal.manufacturing.eu.stock"))[0] == 200
    status, error = refused(gw, "DELETE", f"{VC}/vc-alice")
    assert status == 409
    assert error.startswith("2 service account(s) (alice, bob) and 1 alias topic(s) (stock) belong to vc-alice"), error
    for name in ("alice", "bob"):
        assert call(gw, "DELETE", SA, {"name": name, "vCluster": "vc-alice"})[0] == 204
    status, error = refused(gw, "DELETE", f"{VC}/vc-alice")
    assert status == 409 and error.startswith("1 alias topic(s) (stock) belong to vc-alice"), error
    assert call(gw, "DELETE", AT, {"name": "stock", "vCluster": "vc-alice"})[0] == 204
    assert call(gw, "DELETE", f"{VC}/vc-alice")[0] == 204


def test_alias_topics(gw):
    status, error = refused(gw, "PUT", AT, alias("stock", "external-partner"))
    assert status == 400 and error.startswith("metadata.vCluster") and "external-partner" in error, error
    assert call(gw, "PUT", VC, vcluster("external-partner", type="Partner", prefix="partner."))[0] == 200
    status, error = refused(gw, "PUT", AT, alias("stock", "external-partner", "internal.manufacturing.eu.stock"))
    assert status == 400 and error.startswith("spec.physicalCluster"), "Partner clusters name it: " + error
    stock = alias("stock", "external-partner", "internal.manufacturing.eu.stock", cluster="main")
    status, body, _ = call(gw, "PUT", AT, stock)
    assert (status, body) == (200, {"resource": stock, "upsertResult": "CREATED"}), body
    assert call(gw, "PUT", AT, stock)[1]["upsertResult"] == "NOT_CHANGED"
    status, error = refused(gw, "PUT", AT, alias("stock", "external-partner", "x", cluster="backup"))
    assert status == 400 and error.startswith("spec.physicalCluster") and '"main"' in error, error
    status, body, _ = call(gw, "PUT", AT, {"kind": "AliasTopic", "apiVersion": "gateway/v2",
                                           "metadata": {"name": "orders"}, "spec": {"physicalName": "orders.v2"}})
    assert status == 200, body
    assert body["resource"] == alias("orders", "passthrough", "orders.v2", cluster="main"), "the defaults"
    status, error = refused(gw, "PUT", AT, alias("again", "passthrough", "orders.v2"))
    assert status == 400 and error.startswith("spec.physicalName") and '"orders"' in error, error
    assert refused(gw, "PUT", AT, alias("a b"))[1].startswith("metadata.name")
    assert [a["metadata"]["name"] for a in call(gw, "GET", AT, auth=READER)[1]] == ["stock", "orders"]
    assert call(gw, "GET", f"{AT}?vcluster=external-partner")[1] == [stock]
    assert call(gw, "GET", f"{AT}/stock?vcluster=external-partner")[1] == stock
    assert call(gw, "GET", f"{AT}/stock")[0] == 404
    assert call(gw, "DELETE", AT, {"name": "stock"})[0] == 404
    assert call(gw, "DELETE", AT, {"name": "stock", "vCluster": "external-partner"}, auth=READER)[0] == 403
    assert call(gw, "DELETE", AT, {"name": "stock", "vCluster": "external-partner"})[0] == 204
    assert call(gw, "GET", AT)[1] == [alias("orders", "passthrough", "orders.v2", cluster="main")]


def test_everything_survives_a_restart(gw):
    rest = vcluster("vc-rest", prefix="rest.", aclEnabled=True, aclMode="REST_API", acls=[acl(), acl(operation="WRITE")])
    kafka = vcluster("vc-kafka", type="Partner", aclEnabled=True, superUsers=["admin"])
    stock = alias("stock", "vc-kafka", "internal.stock", cluster="main")
    for path, body in [(VC, rest), (VC, kafka), (AT, stock), (SA, account("admin", "vc-kafka"))]:
        assert call(gw, "PUT", path, body)[0] == 200
    before = [call(gw, "GET", p)[1] for p in (VC, AT, SA)]
    gw.stop()
    gw.start()
    assert [call(gw, "GET", p)[1] for p in (VC, AT, SA)] == before
    assert before[0][2] == rendered("vc-rest", prefix="rest.", aclEnabled=True, aclMode="REST_API",
                                    acls=[acl(), acl(operation="WRITE")])
    assert call(gw, "PUT", VC, rest)[1]["upsertResult"] == "NOT_CHANGED"
    status, error = refused(gw, "DELETE", f"{VC}/vc-kafka")
    assert status == 409 and "(admin)" in error and "(stock)" in error, error


def kafka_managed_env(data_dir):
    """KAFKA_MANAGED towards a port nobody listens on: kgate never gets ready (no cluster), but
    its admin API answers from the start."""
    return {"GATEWAY_SECURITY_MODE": "KAFKA_MANAGED", "GATEWAY_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "PLAIN",
            "KAFKA_SASL_JAAS_CONFIG": plain_jaas("gw", "gw-secret"),
            "GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(data_dir)}


def wait_live(g, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert g.proc.alive(), "kgate exited"
        try:
            if http_get(g.http_port, "/health/live")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError("kgate's admin API never answered")


def test_kafka_managed_refuses_virtual_resources(kgate_factory, tmp_path):
    g = kgate_factory(f"{HOST}:{free_port()}", port_count=3, env=kafka_managed_env(tmp_path / "km"), wait=False)
    require_gateway(g, "GATEWAY_SECURITY_MODE")
    wait_live(g)
    for path, body in [(VC, vcluster("vc-a")), (AT, alias("stock"))]:
        status, error = refused(g, "PUT", path, body)
        assert status == 400 and "GATEWAY_SECURITY_MODE=GATEWAY_MANAGED" in error and "KAFKA_MANAGED" in error, error
    assert [v["metadata"]["name"] for v in call(g, "GET", VC)[1]] == ["passthrough"]


def test_kafka_managed_does_not_start_over_virtual_resources(kgate_factory, broker, tmp_path):
    data = tmp_path / "shared-data"
    managed = kgate_factory(broker.bootstrap, port_count=3,
                            env={"GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(data)})
    require_gateway(managed, "GATEWAY_SECURITY_MODE")
    assert call(managed, "PUT", VC, vcluster("vc-a", prefix="vc-a."))[0] == 200
    managed.stop()
    g = kgate_factory(f"{HOST}:{free_port()}", port_count=3, env=kafka_managed_env(data), wait=False)
    rc, log = wait_exit(g)
    assert rc not in (None, 0), log
    assert "GATEWAY_SECURITY_MODE" in log and "vc-a" in log, log


# --- one request per documented status, for test_admin_api.py -----------------------------------
def scenarios(on):
    """(path, method, status) -> request, against gateway `on` (GATEWAY_MANAGED, users USERS)."""
    one_vc, one_at = f"{VC}/{{name}}", f"{AT}/{{name}}"
    return {
        (VC, "GET", "200"): lambda: call(on, "GET", VC),
        (VC, "GET", "401"): lambda: call(on, "GET", VC, auth=None),
        (VC, "PUT", "200"): lambda: call(on, "PUT", VC, vcluster("doc-vc")),
        (VC, "PUT", "400"): lambda: call(on, "PUT", VC, {"kind": 1}),
        (VC, "PUT", "401"): lambda: call(on, "PUT", VC, vcluster("doc-x"), auth=("x", "y")),
        (VC, "PUT", "403"): lambda: call(on, "PUT", VC, vcluster("doc-x"), auth=READER),
        (one_vc, "GET", "200"): lambda: call(on, "GET", f"{VC}/passthrough"),
        (one_vc, "GET", "400"): lambda: call(on, "GET", f"{VC}/a%20b"),
        (one_vc, "GET", "401"): lambda: call(on, "GET", f"{VC}/passthrough", auth=None),
        (one_vc, "GET", "404"): lambda: call(on, "GET", f"{VC}/never"),
        (one_vc, "DELETE", "204"): lambda: (call(on, "PUT", VC, vcluster("doc-gone")),
                                            call(on, "DELETE", f"{VC}/doc-gone"))[1],
        (one_vc, "DELETE", "400"): lambda: call(on, "DELETE", f"{VC}/passthrough"),
        (one_vc, "DELETE", "401"): lambda: call(on, "DELETE", f"{VC}/x", auth=None),
        (one_vc, "DELETE", "403"): lambda: call(on, "DELETE", f"{VC}/x", auth=READER),
        (one_vc, "DELETE", "404"): lambda: call(on, "DELETE", f"{VC}/never"),
        (one_vc, "DELETE", "409"): lambda: (call(on, "PUT", VC, vcluster("doc-busy")),
                                            call(on, "PUT", SA, account("doc-user", "doc-busy")),
                                            call(on, "DELETE", f"{VC}/doc-busy"))[2],
        (AT, "GET", "200"): lambda: call(on, "GET", f"{AT}?vcluster=passthrough"),
        (AT, "GET", "401"): lambda: call(on, "GET", AT, auth=None),
        (AT, "PUT", "200"): lambda: call(on, "PUT", AT, alias("doc-alias")),
        (AT, "PUT", "400"): lambda: call(on, "PUT", AT, {"kind": 1}),
        (AT, "PUT", "401"): lambda: call(on, "PUT", AT, alias("doc-x"), auth=("x", "y")),
        (AT, "PUT", "403"): lambda: call(on, "PUT", AT, alias("doc-x"), auth=READER),
        (AT, "DELETE", "204"): lambda: (call(on, "PUT", AT, alias("doc-gone", physical="doc.gone")),
                                        call(on, "DELETE", AT, {"name": "doc-gone"}))[1],
        (AT, "DELETE", "400"): lambda: call(on, "DELETE", AT, {"nme": "x"}),
        (AT, "DELETE", "401"): lambda: call(on, "DELETE", AT, {"name": "x"}, auth=None),
        (AT, "DELETE", "403"): lambda: call(on, "DELETE", AT, {"name": "x"}, auth=READER),
        (AT, "DELETE", "404"): lambda: call(on, "DELETE", AT, {"name": "never"}),
        (one_at, "GET", "200"): lambda: (call(on, "PUT", AT, alias("doc-one", physical="doc.one")),
                                         call(on, "GET", f"{AT}/doc-one"))[1],
        (one_at, "GET", "400"): lambda: call(on, "GET", f"{AT}/a%20b"),
        (one_at, "GET", "401"): lambda: call(on, "GET", f"{AT}/doc-one", auth=None),
        (one_at, "GET", "404"): lambda: call(on, "GET", f"{AT}/never"),
    }
