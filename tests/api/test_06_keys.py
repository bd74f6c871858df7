"""API keys over HTTP: an admin creates, lists and revokes keys; the secret
is shown once and hashed at rest; other roles cannot reach the routes."""
from harness import Server, expect, eq, psql


def setup():
    s = Server()
    return {"srv": s, "admin": s.admin_key, "analyst": s.key("analyst")}


def test_create_list_revoke(ctx):
    s, admin = ctx["srv"], ctx["admin"]
    r = s.request("POST", "/v1/keys", {"role": "hunter", "name": "alice"}, key=admin)
    eq(r.status, 201, f"create {r}")
    k = r.json()
    eq((k["role"], k["name"], k["revoked_at"]), ("hunter", "alice", None), "fields")
    expect(k["key"].startswith(f"fa_{k['prefix']}_"), k["key"])
    # the new key works, with its role
    eq(s.request("GET", "/v1/bounties", key=k["key"]).status, 200, "hunter may list bounties")
    eq(s.request("GET", "/v1/datasets", key=k["key"]).status, 403, "hunter may not list datasets")
    # only a hash is stored, and no route shows the secret again
    stored = psql(f"SELECT encode(hash, 'hex') FROM api_keys WHERE id = {k['id']}", db=s.dbname).strip()
    expect(len(stored) == 64 and k["key"] not in stored, "hashed at rest")
    listing = s.request("GET", "/v1/keys", key=admin)
    eq(listing.status, 200, "list")
    expect(k["key"] not in listing.body, "the list never shows a secret")
    row = [x for x in listing.json()["keys"] if x["id"] == k["id"]][0]
    eq((row["name"], row["role"]), ("alice", "hunter"), "listed")
    r = s.request("DELETE", f"/v1/keys/{k['id']}", key=admin)
    eq(r.status, 200, f"revoke {r}")
    expect(r.json()["revoked_at"], "revoked_at set")
    eq(s.request("GET", "/v1/bounties", key=k["key"]).status, 401, "a revoked key stops working")
    eq(s.request("DELETE", f"/v1/keys/{k['id']}", key=admin).status, 200, "revoking again is no error")
    eq(s.request("DELETE", "/v1/keys/999999", key=admin).status, 404, "unknown key")


def test_validation_and_roles(ctx):
    s, admin = ctx["srv"], ctx["admin"]
    for body, word in (({"role": "root", "name": "x"}, "role"), ({"role": "viewer"}, "name"),
                       ({"role": "viewer", "name": ""}, "name"),
                       ({"role": "viewer", "name": "x", "extra": 1}, "extra")):
        r = s.request("POST", "/v1/keys", body, key=admin)
        eq(r.status, 422, f"{body}: {r}")
        expect(word in r.json()["detail"], r.json()["detail"])
    for method, path in (("POST", "/v1/keys"), ("GET", "/v1/keys"), ("DELETE", "/v1/keys/1")):
        r = s.request(method, path, {"role": "admin", "name": "x"} if method == "POST" else None,
                      key=ctx["analyst"])
        eq(r.status, 403, f"analyst {method} {path}")
    me = [x for x in s.request("GET", "/v1/keys", key=admin).json()["keys"]
          if x["name"] == "bootstrap-admin"][0]
    r = s.request("DELETE", f"/v1/keys/{me['id']}", key=admin)
    eq(r.status, 409, f"an admin key cannot revoke itself {r}")
