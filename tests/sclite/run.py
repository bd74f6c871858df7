#!/usr/bin/python3
"""Differential tests of metrics/alignment.c against NIST sclite.

Generates trn corpora from fixed random seeds (small and Unicode
vocabularies, mixed case, attached punctuation, empty references and
hypotheses, reordered words, heavy insertions so WER passes 100 %, long
utterances, a two-word vocabulary that makes ties everywhere), scores each
with sclite and with tests/tools/asrscore, and asserts that

  * the per-speaker counts (sclite's rsum report) are identical, and
  * every utterance's alignment (sclite's sgml report: the sequence of
    C/S/D/I) is identical, which implies identical per-utterance counts.

Word corpora run sclite with no options against asrscore's "sclite"
normalisation, one corpus runs sclite -s against "none", and character
corpora run sclite -c -e utf-8 against asrscore --cer.

    /usr/bin/python3 tests/sclite/run.py           the tests, TAP output
    /usr/bin/python3 tests/sclite/run.py --bench   time asrscore on 100,000
        utterances (2.0 M reference words, lengths with a tail to 150);
        add --sclite to time sclite on the same files

BUILD (environment) names the build directory, default "build".  Uses the
Python standard library only.
"""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
ASRSCORE = os.path.join(ROOT, BUILD, "tests", "tools", "asrscore")

# Words with the characters that matter to sclite's comparison: ASCII case
# (folded), non-ASCII case (not folded), punctuation (part of the word),
# composed and decomposed accents, CJK, emoji, a ligature.  Nothing that is
# trn markup: no ( ) { } / @ ;; and no leading or trailing '-'.
BASIC = ["the", "a", "cat", "sat", "on", "mat", "and", "dog", "ran", "to",
         "of", "in", "it", "is", "was", "he", "she", "they", "we", "you"]
UNICODE = ["The", "THE", "école", "ÉCOLE", "Ecole", "straße", "STRASSE",
           "naïve", "nai\u0308ve", "NAÏVE", "中文", "日本語", "😀", "ﬁne",
           "fine", "hello,", "hello", "don't", "don’t", "well-known",
           "a:b", "Ñandú", "ñandú", "ça", "ÇA", "y'all", "ain't", "gonna",
           "İstanbul", "istanbul", "Ωmega", "ωmega", "x\u00a0y"]

SEPS = [" ", " ", " ", " ", "  ", "\t"]


def sclite_path():
    for p in ("/usr/lib/sctk/bin/sclite", "/usr/bin/sclite"):
        if os.access(p, os.X_OK):
            return p
    try:
        out = subprocess.run(["dpkg", "-L", "sctk"], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            if line.endswith("/bin/sclite") and os.access(line, os.X_OK):
                return line
    except OSError:
        pass
    return shutil.which("sclite")


def join(rng, words):
    if not words:
        return rng.choice(["", "", " ", "\t"])
    out = [rng.choice(["", "", " "])]
    for i, w in enumerate(words):
        if i:
            out.append(rng.choice(SEPS))
        out.append(w)
    return "".join(out)


def edit(rng, ref, vocab, p_sub, p_del, p_ins, max_ins=1):
    """A hypothesis made from the reference by random edits."""
    hyp = []
    for w in ref:
        while rng.random() < p_ins and max_ins:
            hyp.append(rng.choice(vocab))
            if max_ins == 1:
                break
        r = rng.random()
        if r < p_del:
            continue
        if r < p_del + p_sub:
            hyp.append(rng.choice(vocab))
        else:
            hyp.append(w)
    while rng.random() < p_ins:
        hyp.append(rng.choice(vocab))
        if max_ins == 1:
            break
    return hyp


def corpus(name, seed):
    """[(id, ref_words, hyp_words)] for one named scenario."""
    rng = random.Random(seed)
    utts = []
    nspk = rng.randint(8, 30)

    def uid(i):
        spk = "spk%02d" % rng.randrange(nspk)
        if rng.random() < 0.1:
            spk = spk.upper()
        sep = "-" if rng.random() < 0.8 else "_"
        return "%s%s%05d" % (spk, sep, i)

    if name == "edits":
        vocab = BASIC
        for i in range(3000):
            ref = [rng.choice(vocab) for _ in range(rng.randint(1, 25))]
            utts.append((uid(i), ref, edit(rng, ref, vocab, 0.15, 0.1, 0.1)))
    elif name == "two-words":
        # Every cell of the table has ties: the hardest test of the tie-break.
        vocab = ["a", "b"]
        for i in range(3000):
            ref = [rng.choice(vocab) for _ in range(rng.randint(0, 14))]
            if rng.random() < 0.5:
                hyp = [rng.choice(vocab) for _ in range(rng.randint(0, 14))]
            else:
                hyp = edit(rng, ref, vocab, 0.3, 0.2, 0.2)
            utts.append((uid(i), ref, hyp))
    elif name == "four-words":
        # Longer utterances over four words: long runs of equal-cost paths.
        vocab = ["a", "b", "c", "d"]
        for i in range(2000):
            ref = [rng.choice(vocab) for _ in range(rng.randint(0, 40))]
            if rng.random() < 0.3:
                hyp = [rng.choice(vocab) for _ in range(rng.randint(0, 40))]
            else:
                hyp = edit(rng, ref, vocab, 0.25, 0.15, 0.15)
            utts.append((uid(i), ref, hyp))
    elif name == "unicode":
        vocab = UNICODE + BASIC[:8]
        for i in range(2500):
            ref = [rng.choice(vocab) for _ in range(rng.randint(0, 20))]
            utts.append((uid(i), ref, edit(rng, ref, vocab, 0.2, 0.1, 0.1)))
    elif name == "empty":
        vocab = BASIC + UNICODE[:6]
        for i in range(2000):
            k = rng.randrange(4)
            n = rng.randint(1, 12)
            ref = [] if k in (0, 1) else [rng.choice(vocab) for _ in range(n)]
            hyp = [] if k in (0, 2) else [rng.choice(vocab) for _ in range(n)]
            utts.append((uid(i), ref, hyp))
    elif name == "reordered":
        vocab = BASIC + ["w%d" % k for k in range(40)]
        for i in range(2500):
            ref = [rng.choice(vocab) for _ in range(rng.randint(2, 20))]
            k = rng.randrange(4)
            if k == 0:
                hyp = ref[::-1]
            elif k == 1:
                cut = rng.randrange(len(ref))
                hyp = ref[cut:] + ref[:cut]
            elif k == 2:
                hyp = list(ref)
                rng.shuffle(hyp)
            else:
                hyp = list(ref)
                for _ in range(rng.randint(1, 3)):
                    a, b = rng.randrange(len(hyp)), rng.randrange(len(hyp))
                    hyp[a], hyp[b] = hyp[b], hyp[a]
            utts.append((uid(i), ref, hyp))
    elif name == "insertions":
        vocab = BASIC
        for i in range(2000):
            ref = [rng.choice(vocab) for _ in range(rng.randint(0, 6))]
            hyp = edit(rng, ref, vocab, 0.1, 0.05, 0.7, max_ins=4)
            utts.append((uid(i), ref, hyp))
    elif name == "long":
        vocab = BASIC + ["w%d" % k for k in range(200)] + UNICODE
        for i in range(60):
            ref = [rng.choice(vocab) for _ in range(rng.randint(150, 1200))]
            utts.append((uid(i), ref, edit(rng, ref, vocab, 0.2, 0.1, 0.1)))
        for i in range(60, 3000):
            ref = [rng.choice(vocab) for _ in range(rng.randint(1, 30))]
            utts.append((uid(i), ref, edit(rng, ref, vocab, 0.1, 0.05, 0.05)))
    elif name == "case-sensitive":
        vocab = ["The", "the", "THE", "Cat", "cat", "école", "ÉCOLE", "a"]
        for i in range(2000):
            ref = [rng.choice(vocab) for _ in range(rng.randint(0, 15))]
            utts.append((uid(i), ref, edit(rng, ref, vocab, 0.3, 0.1, 0.1)))
    elif name == "chars":
        vocab = UNICODE + BASIC
        for i in range(1500):
            ref = [rng.choice(vocab) for _ in range(rng.randint(0, 10))]
            hyp = edit(rng, ref, vocab, 0.2, 0.1, 0.1)
            # Character-level noise inside words too.
            hyp = ["".join(c for c in w if rng.random() > 0.1) or w
                   for w in hyp]
            utts.append((uid(i), ref, hyp))
    elif name == "chars-spacing":
        # Word boundaries move but CER drops spaces: "the cat" = "thecat".
        vocab = BASIC + UNICODE[:10]
        for i in range(1500):
            ref = [rng.choice(vocab) for _ in range(rng.randint(1, 10))]
            hyp = list(ref)
            if len(hyp) > 1 and rng.random() < 0.7:
                k = rng.randrange(len(hyp) - 1)
                hyp[k:k + 2] = [hyp[k] + hyp[k + 1]]
            utts.append((uid(i), ref, edit(rng, hyp, vocab, 0.05, 0.05, 0.05)))
    else:
        raise ValueError(name)
    return utts


def write_trn(path, rng, utts, which, shuffle):
    lines = []
    for uid, ref, hyp in utts:
        lines.append("%s (%s)\n" % (join(rng, ref if which == 0 else hyp), uid))
    if shuffle:
        rng.shuffle(lines)
    with open(path, "w", encoding="utf-8") as f:
        f.write(";; generated by tests/sclite/run.py\n")
        for i, line in enumerate(lines):
            f.write(line)
            if i % 500 == 7:
                f.write("\n")


RSUM_ROW = re.compile(r"^\s*\|\s*(\S+)\s*\|\s*(\d+)\s+(\d+)\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s*\|\s*$")
SGML_PATH = re.compile(r'^<PATH id="\(([^"]*)\)"')
SGML_OP = re.compile(r'([CSDI]),("[^"]*"|),("[^"]*"|)(:|$)')


def parse_rsum(text):
    out = {}
    for line in text.splitlines():
        m = RSUM_ROW.match(line)
        if m and m.group(1) not in ("SPKR", "Sum"):
            out[m.group(1)] = tuple(int(m.group(k)) for k in range(2, 8))
    return out


def parse_sgml(text):
    out = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = SGML_PATH.match(line)
        if not m:
            continue
        body = lines[i + 1] if i + 1 < len(lines) else ""
        if body.startswith("</PATH>"):
            body = ""
        ops, pos = [], 0
        while pos < len(body):
            o = SGML_OP.match(body, pos)
            if not o:
                raise ValueError("cannot parse sgml line %r at %d" % (body, pos))
            ops.append(o.group(1))
            pos = o.end()
        out[m.group(1)] = "".join(ops)
    return out


def run_sclite(sclite, d, ref, hyp, extra):
    cmd = [sclite, "-r", ref, "trn", "-h", hyp, "trn", "-i", "rm"] + extra + \
          ["-O", d, "-n", "out", "-o", "rsum", "sgml"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("sclite exited %d: %s" % (p.returncode,
                                                     (p.stderr or p.stdout)[-500:]))
    with open(os.path.join(d, "out.raw"), encoding="utf-8", errors="replace") as f:
        rsum = parse_rsum(f.read())
    with open(os.path.join(d, "out.sgml"), encoding="utf-8", errors="replace") as f:
        sgml = parse_sgml(f.read())
    return rsum, sgml


def run_asrscore(ref, hyp, extra, ops=True):
    """Per-speaker and per-utterance results of asrscore.  With ops the
    counts come from the alignment that is walked back (ALIGN_OPS), else
    from the counts-only banded table; utterance values are (counts, ops)."""
    p = subprocess.run([ASRSCORE, "--ops" if ops else "--utt"] + extra + [ref, hyp],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("asrscore exited %d: %s" % (p.returncode, p.stderr[-500:]))
    spk, utt = {}, {}
    for line in p.stdout.splitlines():
        f = line.split()
        if line.startswith("("):
            utt[f[0][1:-1]] = (tuple(int(x) for x in f[1:6]), f[6] if ops else None)
        else:
            spk[f[0]] = tuple(int(x) for x in f[1:7])
    return spk, utt


def counts_of(ops):
    c = ops.count("C")
    s = ops.count("S")
    d = ops.count("D")
    i = ops.count("I")
    return (c + s + d, c, s, d, i)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=""):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for line in detail.splitlines()[:20]:
                print("#   " + line)
        sys.stdout.flush()


# (corpus, seed, sclite options, asrscore options, compare word alignments)
CASES = [
    ("edits", 11, [], [], True),
    ("edits", 22, [], [], True),
    ("two-words", 12, [], [], True),
    ("two-words", 23, [], [], True),
    ("two-words", 24, [], [], True),
    ("four-words", 25, [], [], True),
    ("four-words", 26, [], [], True),
    ("unicode", 13, [], [], True),
    ("empty", 14, [], [], True),
    ("reordered", 15, [], [], True),
    ("insertions", 16, [], [], True),
    ("long", 17, [], [], True),
    ("long", 27, [], [], True),
    ("case-sensitive", 18, ["-s"], ["--norm", "none"], True),
    ("two-words", 19, ["-c", "-e", "utf-8"], ["--cer"], False),
    ("chars", 20, ["-c", "-e", "utf-8"], ["--cer"], False),
    ("chars", 28, ["-c", "-e", "utf-8"], ["--cer"], False),
    ("unicode", 29, ["-c", "-e", "utf-8"], ["--cer"], False),
    ("chars-spacing", 21, ["-c", "-e", "utf-8"], ["--cer"], False),
]


def diff_maps(a, b, what):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append("%s %s: sclite %s, asrscore %s" % (what, k, a.get(k), b.get(k)))
    return "\n".join(lines)


def differential(tap, sclite, tmp):
    for name, seed, sc_opts, as_opts, words in CASES:
        label = "%s (seed %d%s)" % (name, seed, ", sclite " + " ".join(sc_opts) if sc_opts else "")
        d = os.path.join(tmp, "%s-%d" % (name, seed))
        os.makedirs(d)
        rng = random.Random(seed * 7919)
        utts = corpus(name, seed)
        ref, hyp = os.path.join(d, "ref.trn"), os.path.join(d, "hyp.trn")
        write_trn(ref, rng, utts, 0, False)
        write_trn(hyp, rng, utts, 1, True)
        try:
            t0 = time.time()
            rsum, sgml = run_sclite(sclite, d, ref, hyp, sc_opts)
            t1 = time.time()
            spk, utt = run_asrscore(ref, hyp, as_opts, ops=False)
            t2 = time.time()
            if words:
                spk_ops, utt_ops = run_asrscore(ref, hyp, as_opts, ops=True)
        except (OSError, RuntimeError, ValueError) as e:
            tap.ok(False, "%s: scoring" % label, str(e))
            continue
        nwords = sum(v[1] for v in rsum.values())
        tap.ok(rsum == spk and len(rsum) > 0,
               "%s: per-speaker counts equal sclite's (%d speakers, %d utterances, "
               "%d reference %s; sclite %.1f s, asrscore %.2f s)"
               % (label, len(rsum), len(utts), nwords, "words" if words else "characters",
                  t1 - t0, t2 - t1),
               diff_maps(rsum, spk, "speaker"))
        want = {k: counts_of(v) for k, v in sgml.items()}
        got = {k: v[0] for k, v in utt.items()}
        tap.ok(want == got and len(want) == len(utts),
               "%s: per-utterance counts equal sclite's (%d utterances)" % (label, len(want)),
               diff_maps(want, got, "utterance"))
        if words:
            want = {k: (counts_of(v), v or "-") for k, v in sgml.items()}
            tap.ok(want == utt_ops and spk_ops == rsum,
                   "%s: every alignment (C/S/D/I sequence) equals sclite's" % label,
                   diff_maps(want, utt_ops, "utterance") + diff_maps(rsum, spk_ops, "speaker"))


def documented(tap, sclite, tmp):
    """The two cases ASR-NOTES.md documents, through both programs."""
    d = os.path.join(tmp, "documented")
    os.makedirs(d)
    ref, hyp = os.path.join(d, "ref.trn"), os.path.join(d, "hyp.trn")
    with open(ref, "w") as f:
        f.write("a b (s1-1)\na b c d e f g h (s1-2)\n")
    with open(hyp, "w") as f:
        f.write("b a (s1-1)\nd e y1 y2 y3 y4 y5 y6 (s1-2)\n")
    try:
        rsum, sgml = run_sclite(sclite, d, ref, hyp, [])
        spk, utt = run_asrscore(ref, hyp, [])
    except (OSError, RuntimeError, ValueError) as e:
        tap.ok(False, "documented cases: scoring", str(e))
        return
    tap.ok(sgml.get("s1-1") == "DCI" and utt["s1-1"][1] == "DCI",
           "'a b' against 'b a' is D C I in sclite and asrscore",
           "sclite %s, asrscore %s" % (sgml.get("s1-1"), utt["s1-1"][1]))
    want = (8, 2, 3, 3, 3)
    tap.ok(counts_of(sgml.get("s1-2", "")) == want and utt["s1-2"][0] == want,
           "'a b c d e f g h' against 'd e y1 ... y6' is 2 C, 3 S, 3 D, 3 I in both",
           "sclite %s, asrscore %s" % (sgml.get("s1-2"), utt["s1-2"]))


def refusals(tap, tmp):
    """Input asrscore must refuse where sclite would silently misreport."""
    d = os.path.join(tmp, "refusals")
    os.makedirs(d)
    cases = [
        ("an id with no '-' or '_'", "a b (spk1)\n", "a b (spk1)\n", "no '-' or '_'"),
        ("a hypothesis id missing from the reference", "a (s-1)\n", "a (s-2)\n", "not in"),
        ("a duplicate reference id", "a (s-1)\nb (s-1)\n", "a (s-1)\n", "duplicate"),
        ("invalid UTF-8", "a \xff b (s-1)\n", "a (s-1)\n", "invalid UTF-8"),
        ("a line without an id", "a b\n", "a b (s-1)\n", "no utterance id"),
    ]
    for name, r, h, msg in cases:
        ref, hyp = os.path.join(d, "ref.trn"), os.path.join(d, "hyp.trn")
        with open(ref, "wb") as f:
            f.write(r.encode("latin-1"))
        with open(hyp, "wb") as f:
            f.write(h.encode("latin-1"))
        p = subprocess.run([ASRSCORE, ref, hyp], capture_output=True, text=True,
                           errors="replace")
        tap.ok(p.returncode != 0 and msg in p.stderr,
               "asrscore refuses %s" % name,
               "exit %d, stderr %r" % (p.returncode, p.stderr))


def bench_corpus(path_ref, path_hyp, n_utts=100000, seed=5):
    """100k utterances, about 2 M reference words, lengths with a tail to 150."""
    rng = random.Random(seed)
    vocab = ["w%d" % k for k in range(5000)] + BASIC
    with open(path_ref, "w") as fr, open(path_hyp, "w") as fh:
        for i in range(n_utts):
            n = min(150, max(1, int(rng.lognormvariate(2.85, 0.6))))
            ref = [rng.choice(vocab) for _ in range(n)]
            hyp = edit(rng, ref, vocab, 0.1, 0.05, 0.05)
            uid = "spk%02d-%06d" % (i % 40, i)
            fr.write("%s (%s)\n" % (" ".join(ref), uid))
            fh.write("%s (%s)\n" % (" ".join(hyp), uid))


def bench(with_sclite):
    tmp = tempfile.mkdtemp(prefix="fa-sclite-bench.")
    try:
        ref, hyp = os.path.join(tmp, "ref.trn"), os.path.join(tmp, "hyp.trn")
        bench_corpus(ref, hyp)
        for extra in ([], ["--cer"], ["--norm", "unicode"]):
            p = subprocess.run([ASRSCORE, "--time"] + extra + [ref, hyp],
                               capture_output=True, text=True)
            print(p.stderr.strip())
        if with_sclite:
            sclite = sclite_path()
            t0 = time.time()
            subprocess.run([sclite, "-r", ref, "trn", "-h", hyp, "trn", "-i", "rm",
                            "-o", "rsum", "-O", tmp, "-n", "out"], capture_output=True)
            print("sclite: %.1f s" % (time.time() - t0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


FAIRAUDIT = os.path.join(ROOT, BUILD, "fairaudit")


def summary_rows(text):
    """The speaker and total rows of a sclite-style sum table, as tuples of
    the words between the bars ("spk1 3 20 90.0 ..."), in printed order."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and not line.startswith("|-") and not line.startswith("|="):
            cells = " ".join(line.strip("|").replace("|", " ").split())
            if cells and not cells.startswith("SPKR") and any(ch.isdigit() for ch in cells):
                rows.append(cells)
    return rows


def product(tap, sclite, tmp):
    """fairaudit score --summary - the product's own trn reader, loader and
    aligner - prints sclite's per-speaker table, number for number."""
    for name, seed, sc_opts, _, words in CASES:
        if sc_opts or not words:
            continue
        d = os.path.join(tmp, "product-%s-%d" % (name, seed))
        os.makedirs(d)
        rng = random.Random(seed * 7919)
        utts = corpus(name, seed)
        ref, hyp = os.path.join(d, "ref.trn"), os.path.join(d, "hyp.trn")
        write_trn(ref, rng, utts, 0, False)
        write_trn(hyp, rng, utts, 1, True)
        try:
            want = subprocess.run([sclite, "-r", ref, "trn", "-h", hyp, "trn", "-i", "rm",
                                   "-o", "sum", "stdout"], capture_output=True, text=True,
                                  timeout=300).stdout
            got = subprocess.run([FAIRAUDIT, "score", "--task", "asr", "--truth", ref,
                                  "--predictions", hyp, "--summary"], capture_output=True,
                                 text=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as e:
            tap.ok(False, "fairaudit score --summary, %s (seed %d)" % (name, seed), str(e))
            continue
        # Speaker order is cosmetic (sclite prints them in hypothesis order).
        w, g = sorted(summary_rows(want)), sorted(summary_rows(got.stdout))
        detail = got.stderr + "\n".join("sclite: %s\nours:   %s" % (a, b)
                                         for a, b in zip(w, g) if a != b)
        tap.ok(got.returncode == 0 and w == g and len(w) > 4,
               "fairaudit score --summary, %s (seed %d): %d rows equal sclite's sum report"
               % (name, seed, len(w)), detail)


def main():
    if "--bench" in sys.argv[1:]:
        bench("--sclite" in sys.argv[1:])
        return 0
    tap = Tap()
    sclite = sclite_path()
    if not sclite:
        tap.ok(False, "sclite is installed (apt-get install sctk; the binary is "
               "/usr/lib/sctk/bin/sclite)")
        return 1
    if not os.access(ASRSCORE, os.X_OK):
        tap.ok(False, "%s is built (make BUILD=%s %s)" % (ASRSCORE, BUILD, ASRSCORE))
        return 1
    tmp = tempfile.mkdtemp(prefix="fa-sclite.")
    try:
        t0 = time.time()
        documented(tap, sclite, tmp)
        differential(tap, sclite, tmp)
        product(tap, sclite, tmp)
        refusals(tap, tmp)
        print("# %d tests in %.1f s" % (tap.n, time.time() - t0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
