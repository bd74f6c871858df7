#!/usr/bin/env python3
"""The rules of each folder, checked on the includes of every .c and .h.

  pure folders   common ingest cohorts metrics evaluate bounty report
                 include no server/ or cli/ header, no libpq (libpq-fe.h)
                 and no libmicrohttpd (microhttpd.h);
  no JSON        common cohorts metrics bounty include no cJSON: their
                 results are numbers and structs, which report/ and
                 server/ turn into JSON;
  below          a pure folder includes only folders at or below it:
                 common < ingest, cohorts < metrics < bounty, evaluate <
                 report (ingest and cohorts are side by side, as are
                 bounty and evaluate);
  no cycles      no module (a .c and its .h, one stem; a header X_internal.h
                 shared by the files of module X is part of X) reaches
                 itself through "..." includes: a module that includes
                 another's header depends on it, and dependencies go one
                 way.

Prints one TAP line per rule and, for each break, the file, the line and
the rule.  Usage: tests/layering.py [ROOT] (default: the repository);
tests/layering.py --self-test builds a small tree that breaks each rule
once and checks that each break is found, at its file and line."""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PURE = ["common", "ingest", "cohorts", "metrics", "evaluate", "bounty", "report"]
NO_JSON = {"common", "cohorts", "metrics", "bounty"}
LEVEL = {"common": 0, "ingest": 1, "cohorts": 1, "metrics": 2, "bounty": 3, "evaluate": 3,
         "report": 4}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def sources():
    for d in sorted(os.listdir(ROOT)):
        full = os.path.join(ROOT, d)
        if d.startswith(".") or not os.path.isdir(full) or d in ("build", "tests"):
            continue
        if d.startswith("build"):
            continue
        for name in sorted(os.listdir(full)):
            if name.endswith((".c", ".h")):
                yield f"{d}/{name}"


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield n, m.group(1), m.group(2)


def resolve(path, kind, name):
    """A "..." include as a repository path, or None for a system one."""
    if kind != '"':
        return None
    here = os.path.join(os.path.dirname(path), name)
    for cand in (name, os.path.normpath(here)):
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def main(out=sys.stdout):
    files = list(sources())
    breaks = {"pure": [], "json": [], "below": [], "cycles": []}
    graph = {}
    for path in files:
        folder = path.split("/")[0]
        graph[path] = []
        for n, kind, name in includes(path):
            target = resolve(path, kind, name)
            where = f"{path}:{n}: #include {kind}{name}{'>' if kind == '<' else kind}"
            if target:
                graph[path].append((n, target))
            if folder in PURE:
                top = (target or name).split("/")[0]
                if top in ("server", "cli") or name in ("libpq-fe.h", "microhttpd.h"):
                    breaks["pure"].append(f"{where}: a pure folder uses the server, "
                                          "the command line, libpq or libmicrohttpd")
                if folder in NO_JSON and "cjson" in name.lower():
                    breaks["json"].append(f"{where}: {folder}/ hands out numbers and "
                                          "structs, not JSON")
                if target and top in LEVEL and LEVEL[top] > LEVEL[folder]:
                    breaks["below"].append(f"{where}: {folder}/ may include only folders "
                                           f"at or below it, and {top}/ is above")
    # cycles, by depth-first search over modules (one stem, .c and .h)
    def module(path):
        stem = os.path.splitext(path)[0]
        return stem[:-len("_internal")] if stem.endswith("_internal") else stem

    mods = {}
    for p, edges in graph.items():
        m = module(p)
        mods.setdefault(m, [])
        for n, q in edges:
            mq = module(q)
            if mq != m:
                mods[m].append((f"{p}:{n}", mq))
    graph = mods
    files_by_mod = sorted(mods)
    state, stack = {}, []

    def visit(p):
        state[p] = 1
        stack.append(p)
        for at, q in graph.get(p, []):
            if state.get(q) == 1:
                cyc = stack[stack.index(q):] + [q]
                breaks["cycles"].append(f"{at}: includes {q}.h: cycle "
                                        + " -> ".join(cyc))
            elif q not in state:
                visit(q)
        stack.pop()
        state[p] = 2

    for p in files_by_mod:
        if p not in state:
            visit(p)
    names = {"pure": "pure folders use no server, cli, libpq or libmicrohttpd",
             "json": "common, cohorts, metrics and bounty use no cJSON",
             "below": "pure folders include only folders at or below them",
             "cycles": "no include cycles"}
    bad = 0
    for i, (k, title) in enumerate(names.items(), 1):
        if breaks[k]:
            bad += 1
            print(f"not ok {i} - layering: {title}", file=out)
            for b in breaks[k]:
                print(f"#   {b}", file=out)
        else:
            print(f"ok {i} - layering: {title} ({len(files)} files)", file=out)
    return 1 if bad else 0


def self_test():
    """Each rule broken once in a scratch tree; each break must be found."""
    import io
    import tempfile
    global ROOT
    tree = {
        "common/a.h": "#include \"common/b.h\"\n",
        "common/b.h": "\n#include \"common/a.h\"\n",          # cycle a <-> b
        "metrics/m.c": "#include <cjson/cJSON.h>\n",             # json
        "cohorts/c.c": "#include \"server/http.h\"\n",          # pure
        "ingest/i.c": "#include \"evaluate/e.h\"\n",            # below
        "evaluate/e.h": "#include \"common/fa.h\"\n",
        "server/http.h": "\n",
        "common/fa.h": "\n",
        "report/r.c": "#include <libpq-fe.h>\n",                 # pure
    }
    want = ["common/b.h:2: includes common/a.h: cycle", "metrics/m.c:1:",
            "cohorts/c.c:1:", "ingest/i.c:1:", "report/r.c:1:"]
    with tempfile.TemporaryDirectory() as d:
        for path, text in tree.items():
            os.makedirs(os.path.join(d, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(d, path), "w") as f:
                f.write(text)
        ROOT, buf = d, io.StringIO()
        rc = main(buf)
    got = buf.getvalue()
    ok = rc == 1 and all(w in got for w in want) and got.count("not ok") == 4
    print(("ok" if ok else "not ok") + " 5 - layering: the check finds each break at its line")
    if not ok:
        print("".join("#   " + line + "\n" for line in got.splitlines()))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    if len(sys.argv) > 1:
        ROOT = sys.argv[1]
    sys.exit(main())
