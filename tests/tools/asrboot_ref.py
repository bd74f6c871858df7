#!/usr/bin/env python3
"""Independent reference for the asr engine's bootstrap (evaluate/asr.c).

Recomputes, with the Python standard library only, what the engine's
documentation (metrics/bootstrap.h, evaluate/asr.c) says it computes for
the small table that tests/unit/evaluate/asr.c builds with
build_reference(): pooled WER, mean utterance WER and CER per cohort, their
speaker-bootstrap expanded percentile intervals (Hesterberg 2015: the
percentile level widened for g clusters by sqrt(g / (g - 1)) and Student's
t with g - 1 degrees of freedom), the bootstrap comparisons with the
reference cohort, their p-values and Holm's adjustment.

Nothing is shared with the C code: the generator is CPython's own MT19937
(random.Random), put into the state that GSL's gsl_rng_mt19937 seeding
(Knuth's init_genrand recurrence, seed 0 -> 4357) produces; draws follow
gsl_rng_uniform_int's documented rule; quantiles follow R's type 7
formula; Student's t comes from the regularised incomplete beta function
(continued fraction, as in Numerical Recipes), not from GSL; Holm follows
R's p.adjust.  Prints C initialisers for the test.

    python3 tests/tools/asrboot_ref.py
"""
import math
import random
import struct
from statistics import NormalDist

M64 = (1 << 64) - 1
NORMAL = NormalDist()
SEED = 20240101
B = 1000
CONF = 0.95
MIN_SIZE = 20
SPEAKERS = 8
ROWS = 96


def fnv1a64(data):
    h = 1469598103934665603
    for byte in data:
        h ^= byte
        h = (h * 1099511628211) & M64
    return h


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def stream_seed(seed, key):
    return splitmix64(seed ^ splitmix64(fnv1a64(key)))


def cohort_key(pairs):
    """pairs: [(attribute, value)]; None for overall."""
    if pairs is None:
        return b"overall"
    key = b"cohort"
    for name, value in sorted(pairs):
        n, v = name.encode(), value.encode()
        key += struct.pack("<Q", len(n)) + n + struct.pack("<Q", len(v)) + v
    return key


class GslMt19937:
    """gsl_rng_mt19937 seeded with s, drawing with gsl_rng_uniform_int."""

    def __init__(self, stream):
        s = (stream ^ (stream >> 32)) & 0xFFFFFFFF
        if s == 0:
            s = 4357
        mt = [s]
        for i in range(1, 624):
            mt.append((1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i)
                      & 0xFFFFFFFF)
        self.r = random.Random()
        self.r.setstate((3, tuple(mt + [624]), None))

    def uniform_int(self, n):
        scale = 0xFFFFFFFF // n
        while True:
            k = self.r.getrandbits(32) // scale
            if k < n:
                return k


def rows():
    """The table of build_reference() in tests/unit/evaluate/asr.c."""
    out = []
    for i in range(ROWS):
        k = i % SPEAKERS
        accent = "us" if k < 3 else ("scottish" if k < 6 else "welsh")
        gender = "f" if k % 2 == 0 else "m"
        if i % 17 == 0:
            n, sub, dele, ins = 0, 0, 0, 1
        else:
            n = 3 + (i * 7) % 11
            sub = (i + k) % 3
            dele = (i * 5 + k) % 2
            ins = (i % 3) if k >= 3 else (1 if i % 5 == 0 else 0)
        hits = n - sub - dele
        ref_chars = 4 * n + (i % 3) if n else 0
        char_errors = 2 * sub + dele + ins + (i % 2)
        out.append(dict(spk=k, accent=accent, gender=gender, hits=hits,
                        sub=sub, dele=dele, ins=ins, n=n,
                        ref_chars=ref_chars, char_errors=char_errors))
    return out


def vector(rs):
    v = [0.0] * 6
    for r in rs:
        e = r["sub"] + r["dele"] + r["ins"]
        v[0] += e
        v[1] += r["n"]
        if r["n"]:
            v[2] += e / r["n"]
            v[3] += 1
        v[4] += r["char_errors"]
        v[5] += r["ref_chars"]
    return v


def rates(v):
    def ratio(x, n):
        return x / n if n > 0 else math.nan
    return [ratio(v[0], v[1]), ratio(v[2], v[3]), ratio(v[4], v[5])]


def quantile7(x, q):
    n = len(x)
    pos = (n - 1) * q
    lo = math.floor(pos)
    if lo >= n - 1:
        return x[n - 1]
    h = pos - lo
    if h <= 0 or x[lo + 1] == x[lo]:
        return x[lo]
    return x[lo] * (1 - h) + x[lo + 1] * h


def betacf(a, b, x):
    """Continued fraction of the incomplete beta (Lentz's method)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-16:
            break
    return h


def ibeta(a, b, x):
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * betacf(a, b, x) / a
    return 1 - front * betacf(b, a, 1 - x) / b


def t_sf(t, nu):
    """P(T > t) for Student's t with nu degrees of freedom."""
    tail = 0.5 * ibeta(nu / 2, 0.5, nu / (nu + t * t))
    return tail if t >= 0 else 1 - tail


def t_quantile(p, nu):
    """The p quantile of Student's t (p > 0.5), by bisection."""
    lo, hi = 0.0, 1e6
    for _ in range(400):
        mid = (lo + hi) / 2
        if 1 - t_sf(mid, nu) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def expanded_conf(g):
    """Hesterberg's expanded percentile level for g clusters."""
    c = math.sqrt(g / (g - 1))
    z = c * t_quantile((1 + CONF) / 2, g - 1)
    return 1 - 2 * (1 - NORMAL.cdf(z)) if z < 8 else 1 - math.erfc(z / math.sqrt(2))


def percentile(vals, conf=CONF):
    x = sorted(v for v in vals if not math.isnan(v))
    if len(x) < 2:
        return math.nan, math.nan
    a = (1 - conf) / 2
    return quantile7(x, a), quantile7(x, 1 - a)


def p_value(d):
    d = [x for x in d if not math.isnan(x)]
    m = len(d)
    le = sum(1 for x in d if x <= 0)
    ge = sum(1 for x in d if x >= 0)
    p = 2.0 * min(le, ge) / m
    p = max(p, 1.0 / (m + 1))
    return min(p, 1.0)


def p_expanded(p, g):
    if p >= 1:
        return 1.0
    c = math.sqrt(g / (g - 1))
    z = NORMAL.inv_cdf(1 - p / 2)
    return min(1.0, 2 * t_sf(z / c, g - 1))


def holm(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out, run = [0.0] * m, 0.0
    for j, i in enumerate(order):
        run = max(run, min(1.0, (m - j) * ps[i]))
        out[i] = run
    return out


class Cohort:
    def __init__(self, pairs, rs):
        self.pairs, self.rows = pairs, rs
        self.speakers = []
        for r in rs:
            if r["spk"] not in self.speakers:
                self.speakers.append(r["spk"])
        clusters = [vector([r for r in rs if r["spk"] == s])
                    for s in self.speakers]
        self.value = rates(vector(rs))
        self.eligible = [sum(1 for c in clusters if c[1] > 0),
                         sum(1 for c in clusters if c[3] > 0),
                         sum(1 for c in clusters if c[5] > 0)]
        g = GslMt19937(stream_seed(SEED, cohort_key(pairs)))
        self.reps = []
        for _ in range(B):
            s = [0.0] * 6
            for _ in range(len(clusters)):
                c = clusters[g.uniform_int(len(clusters))]
                for j in range(6):
                    s[j] += c[j]
            self.reps.append(rates(s))
        self.ci = [percentile([r[k] for r in self.reps],
                              expanded_conf(self.eligible[k]))
                   if self.eligible[k] >= 2 else (math.nan, math.nan)
                   for k in range(3)]


def ratio(x, y):
    """A replicate ratio: +inf over a zero reference, undefined 0 / 0."""
    if math.isnan(x) or math.isnan(y) or (x <= 0 and y <= 0):
        return math.nan
    return x / y if y > 0 else math.inf


def compare(c, ref, k):
    d = dict(diff=c.value[k] - ref.value[k],
             ratio=c.value[k] / ref.value[k])
    if c.eligible[k] < 2 or ref.eligible[k] < 2:
        d.update(dlo=math.nan, dhi=math.nan, rlo=math.nan, rhi=math.nan,
                 p=math.nan)
        return d
    diffs = [a[k] - b[k] for a, b in zip(c.reps, ref.reps)]
    ratios = [ratio(a[k], b[k]) for a, b in zip(c.reps, ref.reps)]
    g = min(c.eligible[k], ref.eligible[k])
    d["dlo"], d["dhi"] = percentile(diffs, expanded_conf(g))
    d["rlo"], d["rhi"] = percentile(ratios, expanded_conf(g))
    d["p"] = p_expanded(p_value(diffs), g)
    return d


def main():
    rs = rows()
    groupings = [["accent"], ["gender"], ["accent", "gender"]]
    out = []
    overall = Cohort(None, rs)
    out.append(("overall", overall, None, False, None))
    family = {k: [] for k in range(3)}
    results = []
    for gi, by in enumerate(groupings):
        keys = sorted({tuple(r[a] for a in by) for r in rs})
        cohorts = [Cohort(list(zip(by, key)),
                          [r for r in rs if tuple(r[a] for a in by) == key])
                   for key in keys]
        ref = max(range(len(cohorts)),
                  key=lambda i: (len(cohorts[i].rows), -i))
        for ci, c in enumerate(cohorts):
            small = len(c.rows) < MIN_SIZE
            cmp = None
            if ci != ref:
                cmp = [compare(c, cohorts[ref], k) for k in range(3)]
                for k in range(3):
                    if (not small and len(cohorts[ref].rows) >= MIN_SIZE
                            and not math.isnan(cmp[k]["p"])):
                        family[k].append(cmp[k])
            results.append((gi, ci, c, cmp))
    for k in range(3):
        adj = holm([d["p"] for d in family[k]])
        for d, a in zip(family[k], adj):
            d["padj"] = a

    def num(x):
        return "NAN" if math.isnan(x) else repr(x)

    print("/* grouping (-1 overall), cohort, metric: value, low, high, "
          "diff, diff_low, diff_high, ratio, ratio_low, ratio_high, "
          "p_value, p_adjusted */")
    for k in range(3):
        lo, hi = overall.ci[k]
        print("{ -1, 0, %d, %s, %s, %s, NAN, NAN, NAN, NAN, NAN, NAN, NAN,"
              " NAN }," % (k, num(overall.value[k]), num(lo), num(hi)))
    for gi, ci, c, cmp in results:
        for k in range(3):
            lo, hi = c.ci[k]
            f = [c.value[k], lo, hi]
            if cmp:
                d = cmp[k]
                f += [d["diff"], d["dlo"], d["dhi"], d["ratio"], d["rlo"],
                      d["rhi"], d["p"], d.get("padj", math.nan)]
            else:
                f += [math.nan] * 8
            print("{ %d, %d, %d, %s }," % (gi, ci, k,
                                           ", ".join(num(x) for x in f)))


if __name__ == "__main__":
    main()
