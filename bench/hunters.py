#!/usr/bin/python3
"""Concurrent bounty hunters against a running fairaudit server.

    hunters.py API BOUNTY_ID SECONDS ANALYST_KEY HUNTER_KEY...

First the first hunter alone makes 5 submissions one after the other: the
median is the latency of one verification through the API (request,
loading, verifying, storing) on an otherwise idle server.  Then one thread
per hunter key submits groups to POST /v1/bounties/{id}/submissions for
SECONDS seconds, each over its own keep-alive connection, choosing at random (fixed seed per hunter) among
predicates over the benchmark's classification attributes (single accents,
accent x gender intersections, IN lists, negations, and rephrasings of the
same groups, which must come back as duplicates).  Then it checks that
nothing was lost:

  * every submission answered 201 can be read back with
    GET /v1/bounties/{id}/submissions/{sid} and has the verdict that was
    returned;
  * submission ids are unique;
  * no request failed with a 5xx status or a broken connection;
  * the leaderboard's findings (GET /v1/bounties/{id}/leaderboard) are
    exactly the submissions whose verdict was "accepted", and its decision
    list points only to them;
  * submissions refused for an exhausted budget (429) are recorded too.

Prints figures as "key: value" lines and exits 1 when a check fails.
Python standard library only.
"""

import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

ACCENTS = ["us", "uk", "scottish", "welsh", "irish", "indian", "nigerian",
           "kenyan", "south_african", "australian", "new_zealand", "canadian",
           "jamaican", "singaporean", "filipino", "ghanaian", "pakistani",
           "trinidadian", "african_american", "appalachian"]
GENDERS = ["female", "male", "nonbinary"]


def predicates():
    out = []
    for a in ACCENTS:
        out.append("accent = '%s'" % a)
        out.append("NOT accent != '%s'" % a)            # same group again
        for g in GENDERS:
            out.append("accent = '%s' AND gender = '%s'" % (a, g))
            out.append("(gender = '%s') AND (accent = '%s')" % (g, a))
    for i in range(len(ACCENTS) - 1):
        out.append("accent IN ('%s', '%s')" % (ACCENTS[i], ACCENTS[i + 1]))
        out.append("accent IN ('%s', '%s') AND NOT gender = 'male'"
                   % (ACCENTS[i], ACCENTS[i + 1]))
    return out


class Client:
    def __init__(self, api, key):
        u = urllib.parse.urlsplit(api)
        self.host, self.port = u.hostname, u.port or 80
        self.key = key
        self.conn = None

    def request(self, method, path, body=None):
        """(status, parsed JSON or None); status 0 on a broken connection."""
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port,
                                                           timeout=60)
                headers = {"Authorization": "Bearer " + self.key}
                data = None
                if body is not None:
                    data = json.dumps(body).encode()
                    headers["Content-Type"] = "application/json"
                self.conn.request(method, path, data, headers)
                r = self.conn.getresponse()
                raw = r.read()
                try:
                    doc = json.loads(raw) if raw else None
                except ValueError:
                    doc = None
                return r.status, doc
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt:
                    return 0, None
        return 0, None


class Hunter(threading.Thread):
    def __init__(self, n, api, bounty, key, deadline):
        super().__init__(daemon=True)
        self.rng = random.Random(1000 + n)
        self.client = Client(api, key)
        self.path = "/v1/bounties/%s/submissions" % bounty
        self.deadline = deadline
        self.preds = predicates()
        self.verdicts = {}          # sid -> status
        self.codes = {}
        self.latencies = []
        self.duplicate_ids = 0

    def run(self):
        while time.monotonic() < self.deadline:
            self.submit()

    def submit(self):
        """One submission of a random group; records code, latency, verdict."""
        group = self.rng.choice(self.preds)
        t0 = time.monotonic()
        code, doc = self.client.request("POST", self.path, {"group": group})
        self.latencies.append(time.monotonic() - t0)
        self.codes[code] = self.codes.get(code, 0) + 1
        if code == 201 and isinstance(doc, dict) and "id" in doc:
            if doc["id"] in self.verdicts:
                self.duplicate_ids += 1
            self.verdicts[doc["id"]] = doc.get("status")
        elif code == 429:
            # Budget exhausted: recorded as refused, and must be too.
            if isinstance(doc, dict) and "submission_id" in doc:
                self.verdicts[doc["submission_id"]] = "refused"
            time.sleep(0.05)

    def verify(self):
        """Read every submission back; returns the list of mismatches."""
        bad = []
        for sid, status in self.verdicts.items():
            code, doc = self.client.request("GET", "%s/%s" % (self.path, sid))
            if code != 200 or not isinstance(doc, dict) or \
                    doc.get("status") != status:
                bad.append((sid, status, code,
                            doc.get("status") if isinstance(doc, dict) else None))
        return bad


SOLO = 5                    # submissions in turn by one hunter first


def submission_ids(doc, out):
    """Every value of a "submission_id" key anywhere in doc."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "submission_id" and isinstance(v, (int, str)):
                out.add(v)
            else:
                submission_ids(v, out)
    elif isinstance(doc, list):
        for v in doc:
            submission_ids(v, out)
    return out


def leaderboard_ids(doc):
    """(ids of accepted findings, ids the decision list points to): from
    "findings" and "decision_list" when the leaderboard has them, else
    every submission_id in it."""
    if isinstance(doc, dict) and isinstance(doc.get("findings"), list):
        named = {f.get("submission_id") for f in doc["findings"]
                 if isinstance(f, dict)}
        nodes = {n.get("finding") for n in doc.get("decision_list") or []
                 if isinstance(n, dict)}
        return named - {None}, nodes - {None}
    return submission_ids(doc, set()), set()


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    api, bounty, seconds, analyst = sys.argv[1:5]
    keys = sys.argv[5:]
    solo = Hunter(len(keys), api, bounty, keys[0], 0)
    for _ in range(SOLO):
        solo.submit()
    deadline = time.monotonic() + float(seconds)
    hunters = [Hunter(i, api, bounty, k, deadline) for i, k in enumerate(keys)]
    t0 = time.monotonic()
    for h in hunters:
        h.start()
    for h in hunters:
        h.join()
    elapsed = time.monotonic() - t0

    everyone = hunters + [solo]
    codes, verdicts = {}, {}
    for h in everyone:
        for c, n in h.codes.items():
            codes[c] = codes.get(c, 0) + n
        for sid, st in h.verdicts.items():
            verdicts[sid] = st
    stored = sum(len(h.verdicts) for h in everyone)
    solo_lat = sorted(solo.latencies)
    lat = sorted(x for h in hunters for x in h.latencies)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1e3 if lat else 0
    by_status = {}
    for st in verdicts.values():
        by_status[st] = by_status.get(st, 0) + 1

    mismatches = [m for h in everyone for m in h.verify()]
    errors = sum(n for c, n in codes.items() if c == 0 or c >= 500)
    reused = sum(h.duplicate_ids for h in everyone) + (stored - len(verdicts))

    lb_note = "not cross-checked (the leaderboard names no submission_id)"
    lb_ok = True
    code, lb = Client(api, analyst).request(
        "GET", "/v1/bounties/%s/leaderboard" % bounty)
    if code == 200:
        named, nodes = leaderboard_ids(lb)
        accepted = {str(s) for s, st in verdicts.items() if st == "accepted"}
        if named or accepted:
            named = {str(x) for x in named}
            lb_ok = named == accepted and {str(x) for x in nodes} <= named
            lb_note = "%s (%d accepted findings listed, %d accepted verdicts;" \
                " decision list of %d nodes %s)" % (
                    "consistent" if lb_ok else "INCONSISTENT", len(named),
                    len(accepted), len(nodes),
                    "points only to them" if {str(x) for x in nodes} <= named
                    else "points ELSEWHERE")
    else:
        lb_note = "leaderboard answered %s" % code

    print("one hunter alone, %d submissions in turn: median %.1f ms per"
          " verification through the API" % (SOLO, solo_lat[SOLO // 2] * 1e3))
    print("hunters: %d for %.1f s" % (len(hunters), elapsed))
    print("requests: %d (%.0f/s) concurrently; status codes of all %d: %s"
          % (len(lat), len(lat) / elapsed if elapsed else 0,
             sum(codes.values()),
             ", ".join("%s: %d" % kv for kv in sorted(codes.items()))))
    print("latency: median %.1f ms, p95 %.1f ms, max %.1f ms"
          % (pct(0.5), pct(0.95), lat[-1] * 1e3 if lat else 0))
    print("verdicts: %s" % (", ".join("%s %d" % kv for kv in
                                      sorted(by_status.items(), key=str))
                            or "none"))
    print("read back: %d of %d submissions with the same verdict"
          % (len(verdicts) - len(mismatches), len(verdicts)))
    print("submission ids reused: %d; server errors or broken connections: %d"
          % (reused, errors))
    print("leaderboard: %s" % lb_note)
    ok = not mismatches and not errors and not reused and lb_ok and verdicts
    print("nothing lost: %s" % ("yes" if ok else "NO"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
