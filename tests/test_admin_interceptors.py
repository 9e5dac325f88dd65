"""Interceptors and gateway groups through the admin API of a running kgate: the reference 004
resources, their 400s (each naming the field), scope precedence as resolve answers it, dry mode,
the plugin listing, persistence across a restart.

`scenarios(gw)` is one request per documented (path, method, status) of these routes, for
test_admin_api.py's check that every documented status is reachable.

Gateway-only: skipped in direct mode.
"""
import pytest

from conftest import require_gateway
from test_admin_api import ADMIN, READER, USERS, call

IC = "/gateway/v2/interceptor"
GR = "/gateway/v2/group"
PKG = "io.conduktor.gateway.interceptor."


def interceptor(name, plugin="safeguard.ReadOnlyTopicPolicyPlugin", config=None, priority=100, scope="absent"):
    metadata = {"name": name}
    if scope != "absent":
        metadata["scope"] = scope
    return {"kind": "Interceptor", "apiVersion": "gateway/v2", "metadata": metadata,
            "spec": {"pluginClass": PKG + plugin, "priority": priority, "config": config or {}}}


def group(name, *members):
    return {"kind": "GatewayGroup", "apiVersion": "gateway/v2", "metadata": {"name": name},
            "spec": {"members": [dict(m) for m in members]}}


@pytest.fixture
def gw(kgate_factory, broker, tmp_path):
    g = kgate_factory(broker.bootstrap, port_count=3,
                      env={"GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(tmp_path / "data")})
    require_gateway(g, "the admin API")
    return g


def test_bad_interceptors_are_refused_naming_the_field(gw):
    cases = [
        (interceptor("x", config={"topic": "(("}), "spec.config.topic"),
        (interceptor("x", config={"nope": 1}), "spec.config.nope"),
        (interceptor("x", plugin="safeguard.CreateTopicPolicyPlugin", config={"numPartition": {"min": "x"}}),
         "spec.config.numPartition.min"),
        (interceptor("x", plugin="safeguard.NoSuchPlugin"), "spec.pluginClass"),
        (interceptor("x", scope={"vCluster": "missing"}), "metadata.scope.vCluster"),
        (interceptor("x", scope={"group": "missing"}), "metadata.scope.group"),
    ]
    for body, field in cases:
        status, reply, _ = call(gw, "PUT", IC, body)
        assert status == 400, (body, reply)
        assert reply["error"].startswith(field), (field, reply)
    status, reply, _ = call(gw, "PUT", f"{IC}?dryMode=true", interceptor("dry"))
    assert (status, reply["upsertResult"]) == (200, "CREATED")
    assert call(gw, "GET", IC)[1] == []


def test_scope_precedence_as_resolve_answers_it_and_it_survives_a_restart(gw, kgate_factory, broker, tmp_path):
    assert call(gw, "PUT", GR, group("ops", {"name": "carol"}))[0] == 200
    every = {"vCluster": None, "group": None, "username": None}
    for scope, topic in [(every, "global"), ("absent", "passthrough"), ({"group": "ops"}, "group"),
                         ({"username": "bob"}, "bob")]:
        status, reply, _ = call(gw, "PUT", IC, interceptor("ro", config={"topic": topic}, scope=scope))
        assert status == 200, reply
    other = interceptor("later", plugin="safeguard.ClientIdRequiredPolicyPlugin", priority=200,
                        config={"namingConvention": "app-.*", "action": "INFO"}, scope=every)
    assert call(gw, "PUT", IC, other)[0] == 200

    def resolved(g, **who):
        status, items, _ = call(g, "POST", f"{IC}/resolve", who, auth=READER)
        assert status == 200, items
        return [(i["metadata"]["name"], i["spec"]["config"].get("topic")) for i in items]

    assert resolved(gw, username="alice") == [("ro", "passthrough"), ("later", None)]
    assert resolved(gw, username="bob") == [("ro", "bob"), ("later", None)]
    assert resolved(gw, username="carol") == [("ro", "group"), ("later", None)]
    assert resolved(gw, username="dave", groups=["ops"]) == [("ro", "group"), ("later", None)]
    # the scope as stored: absent vCluster is passthrough, explicit nulls stay null
    items = call(gw, "GET", f"{IC}?name=ro")[1]
    assert {(i["metadata"]["scope"]["vCluster"], i["metadata"]["scope"]["username"]) for i in items} == \
        {(None, None), ("passthrough", None), ("passthrough", "bob")}
    status, reply, _ = call(gw, "DELETE", f"{GR}/ops")
    assert status == 409 and "ro" in reply["error"], reply
    # the state is stored: a new gateway on the same data directory resolves the same
    gw.stop()
    again = kgate_factory(broker.bootstrap, port_count=3,
                          env={"GATEWAY_ADMIN_API_USERS": USERS, "GATEWAY_DATA_DIR": str(tmp_path / "data")})
    assert resolved(again, username="carol") == [("ro", "group"), ("later", None)]


def test_plugins_are_listed_with_their_config_fields(gw):
    status, plugins, _ = call(gw, "GET", "/gateway/v2/plugin", auth=READER)
    assert status == 200
    by_class = {p["plugin"]: p for p in plugins}
    assert by_class[PKG + "safeguard.ReadOnlyTopicPolicyPlugin"]["configFields"] == ["topic", "action"]
    assert "namingConvention" in by_class[PKG + "safeguard.ClientIdRequiredPolicyPlugin"]["configFields"]


def scenarios(on):
    """(path, method, status) -> request, against gateway `on` (users USERS)."""
    one_ic, one_gr = f"{IC}/{{name}}", f"{GR}/{{name}}"
    resolve = f"{IC}/resolve"
    return {
        (IC, "GET", "200"): lambda: call(on, "GET", f"{IC}?global=true"),
        (IC, "GET", "401"): lambda: call(on, "GET", IC, auth=None),
        (IC, "PUT", "200"): lambda: call(on, "PUT", IC, interceptor("doc-ic")),
        (IC, "PUT", "400"): lambda: call(on, "PUT", IC, {"kind": 1}),
        (IC, "PUT", "401"): lambda: call(on, "PUT", IC, interceptor("doc-x"), auth=("x", "y")),
        (IC, "PUT", "403"): lambda: call(on, "PUT", IC, interceptor("doc-x"), auth=READER),
        (one_ic, "DELETE", "204"): lambda: (call(on, "PUT", IC, interceptor("doc-gone", scope={"username": "u"})),
                                            call(on, "DELETE", f"{IC}/doc-gone", {"username": "u"}))[1],
        (one_ic, "DELETE", "400"): lambda: call(on, "DELETE", f"{IC}/x", {"nope": 1}),
        (one_ic, "DELETE", "401"): lambda: call(on, "DELETE", f"{IC}/x", auth=None),
        (one_ic, "DELETE", "403"): lambda: call(on, "DELETE", f"{IC}/x", auth=READER),
        (one_ic, "DELETE", "404"): lambda: call(on, "DELETE", f"{IC}/never"),
        (resolve, "POST", "200"): lambda: call(on, "POST", resolve, {"username": "u"}, auth=READER),
        (resolve, "POST", "400"): lambda: call(on, "POST", resolve, {"groups": "x"}),
        (resolve, "POST", "401"): lambda: call(on, "POST", resolve, {}, auth=None),
        ("/gateway/v2/plugin", "GET", "200"): lambda: call(on, "GET", "/gateway/v2/plugin"),
        ("/gateway/v2/plugin", "GET", "401"): lambda: call(on, "GET", "/gateway/v2/plugin", auth=None),
        (GR, "GET", "200"): lambda: call(on, "GET", GR),
        (GR, "GET", "401"): lambda: call(on, "GET", GR, auth=None),
        (GR, "PUT", "200"): lambda: call(on, "PUT", GR, group("doc-gr", {"name": "u"})),
        (GR, "PUT", "400"): lambda: call(on, "PUT", GR, group("doc-bad", {"name": "u", "vCluster": "missing"})),
        (GR, "PUT", "401"): lambda: call(on, "PUT", GR, group("doc-x"), auth=None),
        (GR, "PUT", "403"): lambda: call(on, "PUT", GR, group("doc-x"), auth=READER),
        (one_gr, "GET", "200"): lambda: (call(on, "PUT", GR, group("doc-one")), call(on, "GET", f"{GR}/doc-one"))[1],
        (one_gr, "GET", "400"): lambda: call(on, "GET", f"{GR}/a%20b"),
        (one_gr, "GET", "401"): lambda: call(on, "GET", f"{GR}/x", auth=None),
        (one_gr, "GET", "404"): lambda: call(on, "GET", f"{GR}/never"),
        (one_gr, "DELETE", "204"): lambda: (call(on, "PUT", GR, group("doc-gone")), call(on, "DELETE", f"{GR}/doc-gone"))[1],
        (one_gr, "DELETE", "400"): lambda: call(on, "DELETE", f"{GR}/a%20b"),
        (one_gr, "DELETE", "401"): lambda: call(on, "DELETE", f"{GR}/x", auth=None),
        (one_gr, "DELETE", "403"): lambda: call(on, "DELETE", f"{GR}/x", auth=READER),
        (one_gr, "DELETE", "404"): lambda: call(on, "DELETE", f"{GR}/never"),
        (one_gr, "DELETE", "409"): lambda: (call(on, "PUT", GR, group("doc-busy")),
                                            call(on, "PUT", IC, interceptor("doc-busy", scope={"group": "doc-busy"})),
                                            call(on, "DELETE", f"{GR}/doc-busy"))[2],
    }
