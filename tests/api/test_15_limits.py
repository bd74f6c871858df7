"""Limits an attacker meets: bodies refused before or as soon as they pass
their cap (and not read on), NUL and other invalid bytes refused in paths,
query arguments and JSON bodies, 503 with Retry-After when PostgreSQL goes
away during an upload, and slow clients that cannot starve the others."""
import json
import resource
import select
import socket
import threading
import time

from harness import Server, expect, eq, psql

MAX_UPLOAD = 8 << 20      # FAIRAUDIT_MAX_UPLOAD_BYTES for this module's server
HEADER_TIMEOUT = 5        # FAIRAUDIT_HEADER_TIMEOUT, shorter than the default to keep the test short
PER_IP = 64               # FAIRAUDIT_MAX_CONNECTIONS_PER_IP (the default)
GIB5 = 5 << 30


def setup():
    s = Server(extra_env={"FAIRAUDIT_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
                          "FAIRAUDIT_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
                          "FAIRAUDIT_MAX_CONNECTIONS_PER_IP": str(PER_IP)})
    return {"srv": s, "key": s.key("analyst")}


# ---- raw HTTP, for what http.client will not send or wait for ----

def connect(ctx, source="127.0.0.1"):
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", ctx["srv"].port))
    return sock


def head(ctx, method, path, headers=None, key=True):
    h = {"Host": "127.0.0.1"}
    if key:
        h["Authorization"] = "Bearer " + ctx["key"]
    h.update(headers or {})
    return (f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
            + "\r\n").encode()


def parse_response(data):
    """(status, {header: value}, body) of one complete response in data, or None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = data[:end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    if len(data) < end + 4 + n:
        return None
    return int(lines[0].split()[1]), headers, data[end + 4:end + 4 + n]


def send_until_answered(sock, first, chunks, limit_s=5.0):
    """Send first, then the chunks, until a whole response arrives or the
    server closes; returns (response or None, bytes of chunks sent, seconds,
    closed: whether the server closed its end)."""
    sock.setblocking(False)
    t0 = time.time()
    pending, sent, got, closed, sending = first, 0, b"", False, True
    it = iter(chunks)
    while time.time() - t0 < limit_s:
        if not pending and sending:
            pending = next(it, b"")
        r, w, _ = select.select([sock], [sock] if pending else [], [], 0.05)
        if r:
            try:
                d = sock.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                closed = True
                break
            got += d
            if parse_response(got):
                break
        if w and pending:
            try:
                n = sock.send(pending)
            except (BrokenPipeError, ConnectionResetError):
                # the server has stopped reading; what it sent may still be here
                sending, pending = False, b""
                continue
            if pending is not first:
                sent += n
            pending = pending[n:]
            if not pending:
                first = None
    return parse_response(got), sent, time.time() - t0, closed


def closed_within(sock, seconds):
    """Whether the server closes the connection within seconds (reading and
    dropping whatever else it sends)."""
    sock.setblocking(False)
    t0 = time.time()
    while time.time() - t0 < seconds:
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            try:
                if not sock.recv(65536):
                    return True
            except ConnectionResetError:
                return True
    return False


def endless(chunk, total):
    for _ in range(total // len(chunk)):
        yield chunk


def chunked(chunks):
    for c in chunks:
        yield b"%x\r\n%s\r\n" % (len(c), c)


def dataset(ctx):
    r = ctx["srv"].request("POST", "/v1/datasets", {"name": "d", "task": "classification"}, key=ctx["key"])
    eq(r.status, 201, f"create dataset {r}")
    return r.json()["id"]


def stored_examples(srv, ds):
    return int(psql(f"SELECT count(*) FROM examples WHERE dataset_id = {ds}", db=srv.dbname))


CSV_ROWS = b"".join(b"%d,1\n" % i for i in range(20000))  # about 130 KiB of valid rows


# ---- A: body sizes ----

def test_declared_oversized_bodies_are_refused_before_reading(ctx):
    ds = dataset(ctx)
    cases = [
        ("POST", f"/v1/datasets/{ds}/examples", {"Content-Type": "text/csv"}, str(MAX_UPLOAD)),
        ("POST", "/v1/datasets", {"Content-Type": "application/json"}, "1048576"),
        ("GET", "/healthz", {}, "1048576"),
    ]
    for method, path, h, limit in cases:
        sock = connect(ctx)
        first = head(ctx, method, path, dict(h, **{"Content-Length": str(GIB5)}))
        resp, sent, secs, _ = send_until_answered(sock, first, endless(b"x" * 65536, 1 << 20))
        expect(resp is not None, f"{path}: no response to a 5 GiB body")
        status, hdrs, body = resp
        eq(status, 413, f"{path} status")
        eq(hdrs.get("content-type"), "application/problem+json", f"{path} type")
        doc = json.loads(body)
        expect(limit in doc["detail"] and str(GIB5) in doc["detail"], f"{path}: detail {doc['detail']!r}")
        expect(secs < 1, f"{path}: answered after {secs:.2f} s")
        expect(closed_within(sock, 1), f"{path}: connection not closed")
        sock.close()
    eq(stored_examples(ctx["srv"], ds), 0, "nothing stored")
    eq(ctx["srv"].request("GET", "/healthz").status, 200, "server fine")


def test_upload_of_exactly_the_limit_is_taken_and_one_byte_more_is_not(ctx):
    header = b"id,label,pad\n"
    rows, size, i = [header], len(header), 0
    while size < MAX_UPLOAD - 200:
        row = b"%d,1,%s\n" % (i, b"p" * 90)
        rows.append(row)
        size += len(row)
        i += 1
    last = b"%d,1," % i
    rows.append(last + b"q" * (MAX_UPLOAD - size - len(last) - 1) + b"\n")
    body = b"".join(rows)
    eq(len(body), MAX_UPLOAD, "body size")
    ds = dataset(ctx)
    r = ctx["srv"].request("POST", f"/v1/datasets/{ds}/examples", body, key=ctx["key"],
                           headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"exactly {MAX_UPLOAD} bytes: {r}")
    eq(r.json()["rows"], i + 1, "rows")
    # one byte more is refused at once (http.client would fail writing the
    # body the server no longer reads)
    ds = dataset(ctx)
    sock = connect(ctx)
    first = head(ctx, "POST", f"/v1/datasets/{ds}/examples",
                 {"Content-Type": "text/csv", "Content-Length": str(MAX_UPLOAD + 1)})
    resp, _, _, _ = send_until_answered(sock, first, iter([body, b"\n"]))
    sock.close()
    expect(resp is not None and resp[0] == 413, f"one byte more: {resp}")
    eq(stored_examples(ctx["srv"], ds), 0, "nothing stored")


def test_chunked_bodies_are_cut_once_over_their_cap(ctx):
    ds = dataset(ctx)
    cases = [
        (f"/v1/datasets/{ds}/examples", "text/csv", b"id,label\n", CSV_ROWS, MAX_UPLOAD),
        ("/v1/datasets", "application/json", b'{"name": "', b"n" * 65536, 1 << 20),
    ]
    for path, ctype, start, filler, cap in cases:
        sock = connect(ctx)
        first = head(ctx, "POST", path, {"Content-Type": ctype, "Transfer-Encoding": "chunked"})
        body = chunked(iter([start] + [filler] * ((64 << 20) // len(filler))))
        resp, sent, secs, _ = send_until_answered(sock, first, body, limit_s=10)
        expect(resp is not None, f"{path}: no response")
        status, hdrs, raw = resp
        eq(status, 413, f"{path} status")
        expect(str(cap) in json.loads(raw)["detail"], f"{path}: detail {raw!r}")
        eq(hdrs.get("connection"), "close", f"{path}: Connection header")
        # What the server did not read sits in socket buffers: a few MiB at most.
        expect(sent < cap + (16 << 20), f"{path}: {sent} bytes went out before the answer")
        # closed once the server has lingered (RFC 9112 9.6): at most 1 s
        expect(closed_within(sock, 2), f"{path}: connection not closed")
        sock.close()
    eq(stored_examples(ctx["srv"], ds), 0, "nothing stored")
    # A client that reads only once it has sent everything, a little past
    # the cap, still gets the answer rather than a reset.
    big = b'{"name": "' + b"n" * (2 << 20) + b'", "task": "classification"}'
    r = ctx["srv"].request("POST", "/v1/datasets", big, key=ctx["key"],
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    eq(r.status, 413, f"http.client, 2 MiB chunked: {r}")


def test_a_refused_upload_is_not_read_to_its_end(ctx):
    # A JSON upload must be an array; the parser stops at the first byte,
    # and the 422 comes while most of the declared body is still unsent.
    ds = dataset(ctx)
    declared = 6 << 20
    sock = connect(ctx)
    first = head(ctx, "POST", f"/v1/datasets/{ds}/examples",
                 {"Content-Type": "application/json", "Content-Length": str(declared)})
    resp, sent, secs, _ = send_until_answered(sock, first, endless(b"{" + b" " * 65535, declared))
    expect(resp is not None, "no response")
    eq(resp[0], 422, f"status {resp}")
    expect(sent < declared, f"the whole body was sent ({sent} bytes) before the answer")
    expect(secs < 1, f"answered after {secs:.2f} s")
    expect(closed_within(sock, 2), "connection not closed")
    sock.close()
    eq(stored_examples(ctx["srv"], ds), 0, "nothing stored")
    eq(ctx["srv"].request("GET", "/healthz").status, 200, "server fine")


# ---- B: NUL and other invalid bytes ----

def evaluation(ctx):
    s, key = ctx["srv"], ctx["key"]
    if "eval" not in ctx:
        ds = dataset(ctx)
        truth = "id,label,g\n" + "".join(f"{i},{i % 2},{'ab'[i % 2]}\n" for i in range(40))
        eq(s.request("POST", f"/v1/datasets/{ds}/examples", truth, key=key,
                     headers={"Content-Type": "text/csv"}).status, 201, "truth")
        m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
        preds = "id,prediction\n" + "".join(f"{i},{(i // 3) % 2}\n" for i in range(40))
        eq(s.request("POST", f"/v1/models/{m}/predictions", preds, key=key,
                     headers={"Content-Type": "text/csv"}).status, 201, "predictions")
        r = s.request("POST", f"/v1/models/{m}/evaluations", {"by": ["g"]}, key=key)
        eq(r.status, 201, f"evaluation {r}")
        ctx["eval"] = r.json()["id"]
    return ctx["eval"]


def test_nul_in_the_path_is_refused(ctx):
    s, ev = ctx["srv"], evaluation(ctx)
    eq(s.request("GET", f"/v1/evaluations/{ev}/report", key=ctx["key"]).status, 200, "plain path")
    for path in (f"/v1/evaluations/{ev}%00/report", f"/v1/evaluations/{ev}%00x/report",
                 f"/v1/evaluations/{ev}/report%00"):
        r = s.request("GET", path, key=ctx["key"])
        eq(r.status, 400, f"{path}: {r}")
        expect("NUL" in r.json()["detail"] and "path" in r.json()["detail"], f"{path}: {r.body}")


def test_share_token_with_trailing_bytes_is_refused(ctx):
    s, ev = ctx["srv"], evaluation(ctx)
    r = s.request("POST", f"/v1/evaluations/{ev}/shares", {}, key=ctx["key"])
    eq(r.status, 201, f"share {r}")
    url = r.json()["url"]
    eq(s.request("GET", url).status, 200, "the link")
    r = s.request("GET", url + "%00xx")
    eq(r.status, 400, f"%00xx after the token: {r}")
    expect("NUL" in r.json()["detail"] and "query" in r.json()["detail"], r.body)
    eq(s.request("GET", url + "xx").status, 401, "other bytes after the token")


def test_invalid_bytes_in_targets_are_refused(ctx):
    s = ctx["srv"]
    cases = [
        ("/v1/datasets?x=%zz", "invalid percent escape \"%zz\""),
        ("/v1/datasets?x=%4", "invalid percent escape"),
        ("/v1/datasets?x=%C3%28", "not UTF-8"),
        ("/v1/datasets/%ff", "path is not UTF-8"),
        ("/v1/datasets?x=a%0Ab", "control character (%0A)"),
        ("/v1/datasets?x=%7F", "control character (%7F)"),
    ]
    for path, words in cases:
        r = s.request("GET", path, key=ctx["key"])
        eq(r.status, 400, f"{path}: {r}")
        expect(words in r.json()["detail"], f"{path}: {r.json()['detail']!r} lacks {words!r}")
    eq(s.request("GET", "/v1/datasets?x=%C3%A9+a%2Bb", key=ctx["key"]).status, 200, "valid escapes")
    # raw bytes http.client will not send
    for target in (b"/healthz\x01", b"/v1/datasets?x=\x7f", b"/v1/datasets?x=\xff"):
        sock = connect(ctx)
        resp, _, _, _ = send_until_answered(
            sock, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + ctx["key"].encode() + b"\r\n\r\n", iter(()))
        sock.close()
        expect(resp is not None, f"{target!r}: no response")
        eq(resp[0], 400, f"{target!r}")


def count_datasets(ctx):
    return int(psql("SELECT count(*) FROM datasets", db=ctx["srv"].dbname))


def test_json_bodies_with_nul_duplicates_or_junk_are_refused(ctx):
    s = ctx["srv"]
    before = count_datasets(ctx)
    cases = [
        (b'{"name": "race = \'a\'\\u0000 OR 1", "task": "classification"}', "\\u0000"),
        (b'{"name": "a\x00b", "task": "classification"}', "NUL byte"),
        (b'{"name": "a", "task": "classification"}\x00', "NUL byte"),
        (b'{"name": "\xff", "task": "classification"}', "not valid UTF-8"),
        (b'{"name": "a", "name": "b", "task": "classification"}', 'key "name" appears twice'),
        (b'{"name": "a", "task": "classification", "x": {"k": 1, "k": 2}}', 'key "k" appears twice'),
        (b'{"name": "a", "task": "classification"} trailing', "nothing more after the value"),
        (b'{"name": "\\ud800", "task": "classification"}', "unpaired surrogate"),
    ]
    for body, words in cases:
        r = s.request("POST", "/v1/datasets", body, key=ctx["key"],
                      headers={"Content-Type": "application/json"})
        eq(r.status, 400, f"{body!r}: {r}")
        expect(words in r.json()["detail"], f"{body!r}: {r.json()['detail']!r} lacks {words!r}")
    eq(count_datasets(ctx), before, "nothing created")
    # an escaped backslash before "u0000" is text, kept as sent
    r = s.request("POST", "/v1/datasets", b'{"name": "a\\\\u0000b", "task": "classification"}',
                  key=ctx["key"], headers={"Content-Type": "application/json"})
    eq(r.status, 201, f"escaped backslash: {r}")
    eq(r.json()["name"], "a\\u0000b", "name as sent")


def test_bounty_submissions_go_through_the_same_check(ctx):
    # The check runs before the handler: a 400, not the 404 of a missing bounty.
    s = ctx["srv"]
    body = b'{"group": "race = \'African-American\'\\u0000 OR 1 = 1"}'
    r = s.request("POST", "/v1/bounties/987654/submissions", body, key=s.admin_key,
                  headers={"Content-Type": "application/json"})
    eq(r.status, 400, f"{r}")
    expect("\\u0000" in r.json()["detail"], r.body)
    r = s.request("POST", "/v1/bounties/987654/submissions", b'{"group": "g", "group": "h"}',
                  key=s.admin_key, headers={"Content-Type": "application/json"})
    eq(r.status, 400, f"duplicate key: {r}")
    r = s.request("POST", "/v1/bounties/987654/submissions", b'{"group": "g"}', key=s.admin_key,
                  headers={"Content-Type": "application/json"})
    eq(r.status, 404, f"a clean body reaches the handler: {r}")


# ---- C: PostgreSQL lost during an upload ----

def test_database_lost_during_an_upload_is_503_with_retry_after(ctx):
    srv = Server()
    try:
        key = srv.key("analyst")
        ds = srv.request("POST", "/v1/datasets", {"name": "d", "task": "classification"}, key=key).json()["id"]
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.sendall(f"POST /v1/datasets/{ds}/examples HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Bearer {key}\r\nContent-Type: text/csv\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        sock.sendall(b"%x\r\n%s\r\n" % (9, b"id,label\n"))
        rows = (b"%d,1\n" % i for i in range(10 ** 9))
        state = {"killed": None, "stop": False}

        def feed():
            t0 = time.time()
            try:
                while not state["stop"] and time.time() - t0 < 20:
                    chunk = b"".join(next(rows) for _ in range(8000))
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    if state["killed"] is None and time.time() - t0 > 0.5:
                        psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             f" WHERE datname = '{srv.dbname}' AND pid <> pg_backend_pid()")
                        state["killed"] = time.time()
                    if state["killed"] and time.time() - state["killed"] > 1:
                        break
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass        # the server answered and closed

        t = threading.Thread(target=feed)
        t.start()
        sock.settimeout(30)
        got = b""
        while not parse_response(got):
            d = sock.recv(65536)
            if not d:
                break
            got += d
        state["stop"] = True
        t.join()
        sock.close()
        expect(state["killed"], "backends were not terminated")
        resp = parse_response(got)
        expect(resp is not None, f"no response: {got[:300]!r}")
        status, hdrs, body = resp
        eq(status, 503, f"status {body!r}")
        eq(json.loads(body)["title"], "Database unavailable", "title")
        expect(hdrs.get("retry-after", "").isdigit(), f"Retry-After: {hdrs}")
        eq(stored_examples(srv, ds), 0, "nothing stored")
        expect(srv.proc.poll() is None, "server died")
        eq(srv.request("GET", "/healthz").status, 200, "healthz afterwards")
        r = srv.request("GET", f"/v1/datasets/{ds}", key=key)
        eq(r.status, 200, f"dataset afterwards {r} {r.body[:300]!r}")
        eq(r.json()["examples"], 0, f"dataset afterwards {r}")
        small = srv.request("POST", f"/v1/datasets/{ds}/examples", "id,label\n1,1\n", key=key,
                            headers={"Content-Type": "text/csv"})
        eq(small.status, 201, f"the next upload {small}")
    finally:
        srv.stop()


# ---- D: slow clients ----

def raise_open_files(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def timed(srv, path, key=None):
    t0 = time.time()
    r = srv.request("GET", path, key=key, timeout=10)
    return r.status, time.time() - t0


def test_slow_clients_do_not_starve_the_others(ctx):
    """1,000 connections sending their headers one byte a second, from 20
    loopback addresses (50 each, under the per-address cap), and a few
    sending a body as slowly: /healthz and GET /v1/datasets from 127.0.0.1
    still answer within 1 s, and the server closes the slow ones once the
    header deadline (or the body's minimum rate) has passed."""
    srv = ctx["srv"]
    raise_open_files(4096)
    slow_line = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"p" * 100
    conns = []          # [socket, opened at, closed at, bytes sent, kind]
    poller = select.poll()
    by_fd = {}
    try:
        for a in range(2, 22):
            for _ in range(50):
                s = socket.socket()
                s.bind((f"127.0.0.{a}", 0))
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", srv.port))
                conns.append([s, time.time(), None, 0, "headers"])
        # slow bodies: whole headers, then a byte a second of a declared 100 kB
        for _ in range(5):
            s = connect(ctx, "127.0.0.30")
            s.sendall(head(ctx, "POST", "/v1/datasets",
                           {"Content-Type": "application/json", "Content-Length": "100000"}))
            s.setblocking(False)
            conns.append([s, time.time(), None, 0, "body"])
        for c in conns:
            poller.register(c[0], select.POLLIN | select.POLLHUP | select.POLLERR)
            by_fd[c[0].fileno()] = c
        opened = time.time()
        latencies = []
        next_byte = opened
        while time.time() - opened < HEADER_TIMEOUT + 4:
            now = time.time()
            if now >= next_byte:
                for c in conns:
                    if c[2] is None and c[3] < len(slow_line):
                        try:
                            c[0].send(slow_line[c[3]:c[3] + 1] if c[4] == "headers" else b" ")
                            c[3] += 1
                        except BlockingIOError:
                            pass
                        except OSError:
                            c[2] = time.time()
                next_byte += 1
            for fd, _ in poller.poll(50):
                c = by_fd[fd]
                if c[2] is not None:
                    continue
                try:
                    d = c[0].recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                if not d:
                    c[2] = time.time()
                    poller.unregister(fd)
            # the others, a few times while the slow ones are all open (from
            # 1 s on: the server accepts the 1,005 first, one thread each)
            if 1 <= time.time() - opened < HEADER_TIMEOUT - 1 and len(latencies) < 8:
                latencies.append(("/healthz",) + timed(srv, "/healthz"))
                latencies.append(("/v1/datasets",) + timed(srv, "/v1/datasets", ctx["key"]))
            if all(c[2] is not None for c in conns):
                break
        for path, status, secs in latencies:
            eq(status, 200, f"{path} status")
            expect(secs < 1, f"{path} took {secs:.3f} s with 1,005 slow connections open")
        expect(len(latencies) >= 6, f"only {len(latencies)} requests were made")
        early = [c for c in conns if c[2] is not None and c[2] - c[1] < HEADER_TIMEOUT - 0.5]
        eq(len(early), 0, "slow connections closed before the deadline")
        still = [c for c in conns if c[2] is None]
        eq(len(still), 0, f"slow connections still open {HEADER_TIMEOUT + 4} s after they opened")
        late = max(c[2] - c[1] for c in conns)
        expect(late < HEADER_TIMEOUT + 3, f"the last slow connection was closed after {late:.1f} s")
        ms = sorted(x[2] * 1000 for x in latencies)
        print(f"# {len(conns)} slow connections open: {len(ms)} answers from /healthz and"
              f" /v1/datasets in {ms[0]:.0f} to {ms[-1]:.0f} ms (median {ms[len(ms) // 2]:.0f});"
              f" the last slow connection was closed {late:.2f} s after it opened", flush=True)
        # the log lines come a moment after the connections close
        deadline = time.time() + 3
        while True:
            log = open(srv.log_path, errors="replace").read()
            if ("whose request headers took longer than" in log and
                    "whose request body arrived slower than" in log and
                    log.count('"route":"/v1/datasets","status":408') == 5) or time.time() > deadline:
                break
            time.sleep(0.1)
        expect("whose request headers took longer than" in log, "watchdog log line")
        expect("whose request body arrived slower than" in log, "slow body log line")
        eq(log.count('"route":"/v1/datasets","status":408'), 5, "slow bodies logged as 408")
    finally:
        for c in conns:
            c[0].close()
    eq(srv.request("GET", "/healthz").status, 200, "healthz afterwards")


def test_connections_per_address_are_capped(ctx):
    srv = ctx["srv"]
    socks = []
    try:
        for _ in range(PER_IP + 6):
            s = connect(ctx, "127.0.0.77")
            socks.append(s)
        time.sleep(0.5)
        refused = sum(1 for s in socks if closed_within(s, 0.01))
        eq(refused, 6, "connections refused past the cap")
        eq(srv.request("GET", "/healthz", timeout=5).status, 200, "another address is served")
    finally:
        for s in socks:
            s.close()
    time.sleep(0.3)
    s = connect(ctx, "127.0.0.77")
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    resp, _, _, _ = send_until_answered(s, b"", iter(()))
    s.close()
    expect(resp is not None and resp[0] == 200, f"the address is served again once below the cap: {resp}")
