"""Health, readiness, metrics, OpenAPI, migrations, auth on every route,
datasets and models."""
import json
import os
import socket
import subprocess

from harness import Server, expect, eq, new_database, psql, BINARY, ROOT

# Every /v1 route: (method, path, roles allowed).
RW = {"admin", "analyst"}
READ = {"admin", "analyst", "viewer"}
ADMIN = {"admin"}
ROUTES = [
    ("POST", "/v1/keys", ADMIN),
    ("GET", "/v1/keys", ADMIN),
    ("DELETE", "/v1/keys/1", ADMIN),
    ("POST", "/v1/datasets", RW),
    ("GET", "/v1/datasets", READ),
    ("GET", "/v1/datasets/1", READ),
    ("POST", "/v1/datasets/1/examples", RW),
    ("POST", "/v1/datasets/1/models", RW),
    ("GET", "/v1/datasets/1/models", READ),
    ("GET", "/v1/datasets/1/examples", READ),
    ("GET", "/v1/models/1/predictions", READ),
    ("GET", "/v1/models", READ),
    ("GET", "/v1/models/1", READ),
    ("POST", "/v1/models/1/predictions", RW),
    ("POST", "/v1/models/1/evaluations", RW),
    ("GET", "/v1/evaluations/1", READ),
    ("GET", "/v1/evaluations/1/report", READ),
    ("GET", "/v1/evaluations", READ),
    ("POST", "/v1/datasets/1/attributes", RW),
    ("POST", "/v1/evaluations/1/shares", RW),
    ("POST", "/v1/shares", RW),
    ("GET", "/v1/shares", RW),
    ("DELETE", "/v1/shares/1", RW),
    ("GET", "/v1/pages/datasets", READ),
    ("GET", "/v1/pages/models", READ),
    ("GET", "/v1/pages/evaluations", READ),
    ("GET", "/v1/pages/bounties", READ | {"hunter"}),
]


def setup():
    s = Server()
    keys = {role: s.key(role) for role in ("analyst", "hunter", "viewer")}
    keys["admin"] = s.admin_key
    return {"srv": s, "keys": keys}


def test_first_start_prints_one_admin_key(ctx):
    expect(ctx["srv"].admin_key and ctx["srv"].admin_key.startswith("fa_"),
           "no admin key printed on first start")


def test_health_and_readiness(ctx):
    s = ctx["srv"]
    r = s.request("GET", "/healthz")
    eq(r.status, 200, "healthz")
    eq(r.json()["status"], "ok", "healthz body")
    expect(r.header("X-Request-Id"), "no request id header")
    eq(s.request("GET", "/readyz").status, 200, "readyz")


def test_readyz_reports_unreachable_database(ctx):
    name, url = new_database()
    s = Server(database=(name, url))
    try:
        psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        psql(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        r = s.request("GET", "/readyz")
        eq(r.status, 503, "readyz with database gone")
        eq(r.header("Content-Type"), "application/problem+json", "content type")
    finally:
        s.stop()
        psql(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")


def test_migrations_apply_to_empty_database_and_twice_is_noop(ctx):
    name, url = new_database()
    env = dict(os.environ, DATABASE_URL=url, FAIRAUDIT_MIGRATIONS=os.path.join(ROOT, "migrations"))
    r1 = subprocess.run([BINARY, "migrate"], env=env, capture_output=True, text=True)
    eq(r1.returncode, 0, "first migrate: " + r1.stderr)
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "migrations")) if f.endswith(".sql"))
    applied = psql("SELECT name FROM schema_migrations ORDER BY name", db=name).split()
    eq(applied, files, "recorded migrations")
    r2 = subprocess.run([BINARY, "migrate"], env=env, capture_output=True, text=True)
    eq(r2.returncode, 0, "second migrate")
    expect("0 applied" in r2.stderr, "second migrate applied something: " + r2.stderr)
    tables = psql("SELECT count(*) FROM pg_tables WHERE schemaname='public'", db=name).strip()
    expect(int(tables) >= 7, "tables missing")


def test_every_route_needs_a_key(ctx):
    s = ctx["srv"]
    for method, path, _ in ROUTES:
        r = s.request(method, path, body="{}" if method == "POST" else None)
        eq(r.status, 401, f"{method} {path} without key")
        eq(r.header("Content-Type"), "application/problem+json", f"{method} {path} type")
        expect(r.header("WWW-Authenticate"), "no WWW-Authenticate")
        r = s.request(method, path, body="{}" if method == "POST" else None,
                      key="fa_000000000000_notavalidkeyatall")
        eq(r.status, 401, f"{method} {path} with a bad key")


def test_every_route_checks_the_role(ctx):
    s = ctx["srv"]
    for method, path, allowed in ROUTES:
        for role, key in ctx["keys"].items():
            r = s.request(method, path, body="{}" if method == "POST" else None, key=key)
            if role in allowed:
                expect(r.status not in (401, 403), f"{role} refused on {method} {path}: {r}")
            else:
                eq(r.status, 403, f"{role} on {method} {path}")


def test_unknown_route_and_method(ctx):
    s = ctx["srv"]
    eq(s.request("GET", "/v1/nothing", key=ctx["keys"]["admin"]).status, 404, "unknown route")
    r = s.request("DELETE", "/v1/datasets", key=ctx["keys"]["admin"])
    eq(r.status, 405, "wrong method")
    expect("GET" in (r.header("Allow") or ""), "Allow header")
    eq(s.request("GET", "/v1/datasets/abc", key=ctx["keys"]["admin"]).status, 404, "non-numeric id")


def test_create_list_get_dataset(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    r = s.request("POST", "/v1/datasets", {"name": "loans", "task": "classification"}, key=key)
    eq(r.status, 201, "create")
    d = r.json()
    eq(d["positive_label"], "1", "default positive label")
    eq(d["task"], "classification", "task")
    got = s.request("GET", f"/v1/datasets/{d['id']}", key=ctx["keys"]["viewer"]).json()
    eq(got["name"], "loans", "get")
    lst = s.request("GET", "/v1/datasets", key=key).json()["datasets"]
    expect(any(x["id"] == d["id"] for x in lst), "listed")
    eq(s.request("GET", "/v1/datasets/999999", key=key).status, 404, "missing dataset")


def test_dataset_validation(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    cases = [
        ({"task": "classification"}, "name"),
        ({"name": "x", "task": "astrology"}, "task"),
        ({"name": "x"}, "task"),
        ({"name": "x" * 500, "task": "score"}, "name"),
        ({"name": "x", "task": "regression", "positive_label": "1"}, "positive_label"),
        ({"name": "x", "task": "score", "colour": "red"}, "colour"),
        ({"name": 5, "task": "score"}, "name"),
    ]
    for body, field in cases:
        r = s.request("POST", "/v1/datasets", body, key=key)
        eq(r.status, 422, f"{body}")
        expect(field in r.json()["detail"], f"detail names {field}: {r.json()['detail']}")
    r = s.request("POST", "/v1/datasets", "{not json", key=key)
    eq(r.status, 400, "malformed JSON")
    # A declared oversized body is refused before it is read.
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(f"POST /v1/datasets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {2 * 1024 * 1024}\r\n\r\n".encode())
    head = sock.recv(4096).decode()
    sock.close()
    expect(head.startswith("HTTP/1.1 413"), f"declared oversized body: {head[:80]!r}")
    # A chunked body is refused once it passes the cap.
    big = ("x" * (2 * 1024 * 1024)).encode()
    r = s.request("POST", "/v1/datasets", iter([big[i:i + 65536] for i in range(0, len(big), 65536)]),
                  key=key, headers={"Transfer-Encoding": "chunked"})
    eq(r.status, 413, "oversized chunked JSON body")


def test_models(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    d = s.request("POST", "/v1/datasets", {"name": "m", "task": "score"}, key=key).json()
    r = s.request("POST", f"/v1/datasets/{d['id']}/models", {"name": "v1", "version": "2024-01"}, key=key)
    eq(r.status, 201, "create model")
    m = r.json()
    eq(m["dataset_id"], d["id"], "model dataset")
    eq(s.request("GET", f"/v1/models/{m['id']}", key=key).json()["name"], "v1", "get model")
    lst = s.request("GET", f"/v1/datasets/{d['id']}/models", key=key).json()["models"]
    eq([x["id"] for x in lst], [m["id"]], "models of dataset")
    eq(s.request("POST", "/v1/datasets/987654/models", {"name": "x"}, key=key).status, 404,
       "model on missing dataset")


def test_metrics_count_requests(ctx):
    s = ctx["srv"]
    s.request("GET", "/healthz")
    body = s.request("GET", "/metrics").body
    expect('fairaudit_http_requests_total{method="GET",route="/healthz",status="200"}' in body,
           "request counter")
    expect("fairaudit_http_request_duration_seconds_bucket" in body, "latency histogram")
    expect('fairaudit_rows_ingested_total{kind="examples"}' in body, "rows counter")


def test_openapi_describes_every_route(ctx):
    doc = ctx["srv"].request("GET", "/openapi.json").json()
    eq(doc["openapi"][:3], "3.1", "version")
    for method, path, _ in ROUTES:
        templ = "/".join("{id}" if p.isdigit() else p for p in path.split("/"))
        paths = doc["paths"]
        match = [p for p in paths if p.replace("{dataset_id}", "{id}").replace("{model_id}", "{id}")
                 .replace("{evaluation_id}", "{id}") == templ]
        expect(match, f"{templ} missing from OpenAPI")
        expect(method.lower() in paths[match[0]], f"{method} {templ} missing from OpenAPI")
