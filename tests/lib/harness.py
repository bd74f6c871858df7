"""Test harness shared by the API and browser suites.

Standard library only (Debian's /usr/bin/python3).  It gives each test module
a fresh database on the throwaway PostgreSQL cluster that tests/run.sh
started, a real `fairaudit serve` on a free loopback port, and an HTTP client.
Results are printed as TAP lines; tests/run.sh counts them.
"""
import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import traceback
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
BINARY = os.path.join(ROOT, BUILD, "fairaudit")
PGBIN = sorted(
    (os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql")),
    key=lambda p: [int(x) for x in p.split("/")[-2].split(".") if x.isdigit()],
)[-1] if os.path.isdir("/usr/lib/postgresql") else ""


def psql(sql, db="postgres"):
    """Run SQL on the test cluster as the postgres user; returns stdout."""
    host = os.environ["FA_TEST_PGHOST"]
    cmd = [os.path.join(PGBIN, "psql"), "-h", host, "-U", "postgres", "-d", db,
           "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def new_database():
    name = "fa_" + uuid.uuid4().hex[:12]
    psql(f"CREATE DATABASE {name}")
    host = os.environ["FA_TEST_PGHOST"]
    return name, f"postgresql:///{name}?host={host}&user=postgres"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Server:
    """A real `fairaudit serve` process on its own database."""

    def __init__(self, extra_env=None, database=None):
        if database is None:
            self.dbname, self.url = new_database()
        else:
            self.dbname, self.url = database
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=self.url, FAIRAUDIT_ADDR=self.addr,
                   FAIRAUDIT_MIGRATIONS=os.path.join(ROOT, "migrations"))
        env.update(extra_env or {})
        self.log_path = os.path.join(os.environ.get("FA_TEST_TMP", "/tmp"),
                                     f"server-{self.port}.log")
        self.log = open(self.log_path, "w")
        self.out_path = self.log_path + ".out"
        self.proc = subprocess.Popen([BINARY, "serve"], cwd=ROOT, env=env,
                                     stdout=open(self.out_path, "w"), stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + open(self.log_path).read()[-2000:])
            try:
                if self.request("GET", "/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("server did not start")
        out = open(self.out_path).read()
        keys = [w for w in out.split() if w.startswith("fa_")]
        self.admin_key = keys[0] if keys else None

    def key(self, role, name=None):
        env = dict(os.environ, DATABASE_URL=self.url)
        out = subprocess.run([BINARY, "keys", "create", "--role", role, "--name",
                              name or role], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True)
        return out.stdout.strip()

    def request(self, method, path, body=None, key=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if key:
            h["Authorization"] = "Bearer " + key
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=h,
                     encode_chunked=h.get("Transfer-Encoding") == "chunked")
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
        conn.close()
        return resp

    def upload_model(self, key, name, task, truth, preds, ctype="text/csv", attributes=None):
        """A dataset with its examples (and attributes) and one model with its
        predictions; returns (dataset id, model id).  Each upload must answer
        201."""
        ds = self.request("POST", "/v1/datasets", {"name": name, "task": task},
                          key=key).json()["id"]
        steps = [(f"/v1/datasets/{ds}/examples", truth, ctype)]
        if attributes is not None:
            steps.append((f"/v1/datasets/{ds}/attributes", attributes, "text/csv"))
        for path, body, kind in steps:
            r = self.request("POST", path, body.encode(), key=key,
                             headers={"Content-Type": kind})
            if r.status != 201:
                raise Check(f"{path}: {r}")
        m = self.request("POST", f"/v1/datasets/{ds}/models", {"name": name},
                         key=key).json()["id"]
        r = self.request("POST", f"/v1/models/{m}/predictions", preds.encode(), key=key,
                         headers={"Content-Type": ctype})
        if r.status != 201:
            raise Check(f"predictions of model {m}: {r}")
        return ds, m

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Check(Exception):
    pass


def expect(cond, msg="expectation failed"):
    if not cond:
        raise Check(msg)


def eq(got, want, what=""):
    if got != want:
        raise Check(f"{what}: got {got!r}, want {want!r}")


def close(got, want, tol=1e-9, what=""):
    if got is None or abs(got - want) > tol:
        raise Check(f"{what}: got {got!r}, want {want!r} (tolerance {tol})")


class Runner:
    """Discover test_*.py modules in a folder, run their test_* functions
    in file order, print TAP."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def report(self, name, ok, detail=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}", flush=True)
        if not ok:
            for line in detail.rstrip().splitlines()[-25:]:
                print("#   " + line, flush=True)
            self.failed += 1

    def run_dir(self, folder, only=None):
        files = sorted(f for f in os.listdir(folder)
                       if f.startswith("test_") and f.endswith(".py"))
        for f in files:
            if only and only not in f:
                continue
            path = os.path.join(folder, f)
            spec = importlib.util.spec_from_file_location(f[:-3], path)
            mod = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(mod)
            except Exception:
                self.report(f"{f}: import", False, traceback.format_exc())
                continue
            ctx = {}
            setup = getattr(mod, "setup", None)
            try:
                if setup:
                    ctx = setup() or {}
            except Exception:
                self.report(f"{f}: setup", False, traceback.format_exc())
                continue
            tests = [(n, fn) for n, fn in vars(mod).items()
                     if n.startswith("test_") and callable(fn)]
            tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
            for name, fn in tests:
                try:
                    fn(ctx)
                    self.report(f"{f[:-3]}.{name}", True)
                except Exception:
                    self.report(f"{f[:-3]}.{name}", False, traceback.format_exc())
            teardown = getattr(mod, "teardown", None)
            try:
                if teardown:
                    teardown(ctx)
                for v in ctx.values():
                    if isinstance(v, Server):
                        v.stop()
            except Exception:
                self.report(f"{f}: teardown", False, traceback.format_exc())
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def main(folder):
    only = sys.argv[1] if len(sys.argv) > 1 else None
    sys.exit(Runner().run_dir(folder, only))
