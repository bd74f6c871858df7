"""`fairaudit score` offline agrees with the API on the same data, and
reports bad files with row, column and reason."""
import json
import os
import subprocess
import tempfile

from harness import Server, eq, expect, BINARY


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst")}


TRUTH = "id,label,accent,gender\n" + "".join(
    f"p{i},{(i * 7) % 3 == 0 and 1 or 0},{['us', 'uk', 'in'][i % 3]},{'fm'[i % 2]}\n" for i in range(240))
PREDS = "id,prediction\n" + "".join(f"p{i},{(i * 5) % 4 == 0 and 1 or 0}\n" for i in range(240))


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_cli_matches_api(ctx):
    s, key = ctx["srv"], ctx["key"]
    ds = s.request("POST", "/v1/datasets", {"name": "c", "task": "classification"}, key=key).json()["id"]
    s.request("POST", f"/v1/datasets/{ds}/examples", TRUTH.encode(), key=key, headers={"Content-Type": "text/csv"})
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    s.request("POST", f"/v1/models/{m}/predictions", PREDS.encode(), key=key, headers={"Content-Type": "text/csv"})
    api = s.request("POST", f"/v1/models/{m}/evaluations", {"by": [["accent"], ["accent", "gender"]]},
                    key=key).json()
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([BINARY, "score", "--task", "classification", "--truth", write(tmp, "t.csv", TRUTH),
                              "--predictions", write(tmp, "p.csv", PREDS), "--by", "accent", "--by", "accent,gender"],
                             capture_output=True, text=True)
        eq(out.returncode, 0, out.stderr)
        cli = json.loads(out.stdout)
    eq(cli["groupings"], api["groupings"], "groupings")
    eq(cli["overall"], api["overall"], "overall")


def test_cli_html(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([BINARY, "score", "--task", "classification", "--truth", write(tmp, "t.csv", TRUTH),
                              "--predictions", write(tmp, "p.csv", PREDS), "--by", "accent", "--html"],
                             capture_output=True, text=True)
        eq(out.returncode, 0, out.stderr)
        expect(out.stdout.startswith("<!DOCTYPE html>"), "html document")


def test_cli_reports_bad_rows(ctx):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([BINARY, "score", "--task", "classification",
                              "--truth", write(tmp, "t.csv", "id,label,g\n1,1,a\n1,0,b\n"),
                              "--predictions", write(tmp, "p.csv", "id,prediction\n1,1\n"), "--by", "g"],
                             capture_output=True, text=True)
        expect(out.returncode != 0, "bad truth accepted")
        expect('row 3, column "id"' in out.stderr, f"error names row and column: {out.stderr}")
        out = subprocess.run([BINARY, "score", "--task", "classification", "--truth", "/nonexistent.csv",
                              "--predictions", "/nonexistent2.csv"], capture_output=True, text=True)
        expect(out.returncode != 0 and "nonexistent" in out.stderr, "missing file named")
        out = subprocess.run([BINARY, "score", "--task", "astrology", "--truth", "a.csv", "--predictions", "b.csv"],
                             capture_output=True, text=True)
        eq(out.returncode, 2, "bad task is a usage error")


def test_offline_commands_do_not_load_the_server_libraries(ctx):
    """`fairaudit` runs score, plan and slices without libpq and
    libmicrohttpd (and all they bring), and hands serve, migrate and keys
    to fairaudit-server beside it - the same process, so the same pid and
    signals; the server runs as `fairaudit serve` in every other test."""
    libs = subprocess.run(["ldd", BINARY], capture_output=True, text=True).stdout
    for lib in ("libpq", "libmicrohttpd", "libgnutls", "libldap", "libkrb5"):
        expect(lib not in libs, f"{BINARY} links {lib}:\n{libs}")
    server = os.path.join(os.path.dirname(BINARY), "fairaudit-server")
    expect("libpq" in subprocess.run(["ldd", server], capture_output=True, text=True).stdout,
           "fairaudit-server links libpq")
    # a server command's own usage error, through fairaudit
    out = subprocess.run([BINARY, "keys", "list"], capture_output=True, text=True)
    eq(out.returncode, 2, out.stderr)
    expect(out.stderr.startswith("usage: fairaudit serve"), out.stderr)
    # without fairaudit-server beside it or on PATH, a clear error
    with tempfile.TemporaryDirectory() as tmp:
        lone = os.path.join(tmp, "fairaudit")
        with open(BINARY, "rb") as src, open(lone, "wb") as dst:
            dst.write(src.read())
        os.chmod(lone, 0o755)
        out = subprocess.run([lone, "migrate"], capture_output=True, text=True,
                             env=dict(os.environ, PATH="/nonexistent"))
        eq(out.returncode, 1, out.stderr)
        expect("cannot run fairaudit-server" in out.stderr, out.stderr)
        out = subprocess.run([lone, "help"], capture_output=True, text=True)
        eq(out.returncode, 0, "the offline commands need no server program")
