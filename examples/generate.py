#!/usr/bin/env python3
"""Make the example data of the README's walk-through (fixed seed).

  loans/truth.csv      10,000 loan applications: id, label (1: the
                       applicant defaulted), race, sex, age
  loans/model-a.csv    predictions of "scorer 2024-06" (1: predicted to
                       default, so refused)
  loans/model-b.csv    predictions of "scorer 2024-09", its successor
  speech/ref.trn       720 read utterances, sclite trn, "words (spk-utt)"
  speech/hyp.trn       an ASR system's hypotheses for them
  speech/speakers.csv  speaker, accent: 72 speakers, 12 per accent

What is planted, so that the walk-through has something to find:

  model A  refuses 40 % of the young (age < 25) African-American applicants
           who would repay (false positive rate), against 10 % of everyone
           else: a disparity by race that is sharpest in one age band, the
           kind of subgroup a bias bounty is for.  Everything else is
           alike across cohorts (false negative rate 15 %).
  model B  cuts that false positive rate to 14 %; elsewhere it is model A
           with fresh noise, so the comparison shows one real change.
  speech   word error rates of about 6 % (us), 7 % (uk, irish), 11 %
           (indian, nigerian) and 14 % (scottish), with speakers varying
           around their accent's rate.

The files are committed; this script is how they were made, and
`tests/readme.py` checks that it still makes them byte for byte.
Usage: examples/generate.py [OUTDIR] (default: the folder of this script).
"""
import os
import random
import sys

RACES = [("African-American", 0.42), ("Caucasian", 0.36), ("Hispanic", 0.12),
         ("Asian", 0.05), ("Other", 0.05)]
ACCENTS = [("us", 0.06), ("uk", 0.07), ("irish", 0.07), ("indian", 0.11),
           ("nigerian", 0.11), ("scottish", 0.14)]
WORDS = ("the a of to and in is it that was for on with as his he at by this had"
         " not are but from or have an they which one you were her all she there"
         " would their we him been has when who will more no if out so said what up"
         " its about into than them can only other new some could time these two may"
         " then do first any my now such like our over man me even most made after"
         " also did many before must through back years where much your way well down"
         " should because each just those people how too little state good very make"
         " world still own see men work long get here between both life being under"
         " never day same another know while last might us great old year off come"
         " since against go came right used take three states himself few house use"
         " during without again place around however home small found thought went"
         " say part once general high upon school every does got united left number"
         " course war until always away something fact though water less public put"
         " think almost hand enough far took head yet government system better set"
         " told nothing night end why called didn eyes find going look asked later"
         " knew point next program city business give group toward young days let"
         " room president side social given present several order national possible"
         " rather second face per among form important often things looked early"
         " white case john become large big need four within felt along children"
         " saw best church ever least power development light thing seemed family"
         " interest want members mind country area others although turned done open"
         " god service certain kind problem began different door thus help sense"
         " means whole matter perhaps itself york times law human line above name"
         " example action company hands local show whether five history gave today"
         " either act feet across taken past quite anything seen having death week"
         " experience body word half really field am car words already themselves"
         " information tell together college shall money period held keep sure real"
         " probably free seems political cannot behind miss question air office").split()


def pick(rng, weighted):
    u, acc = rng.random(), 0.0
    for value, w in weighted:
        acc += w
        if u < acc:
            return value
    return weighted[-1][0]


def loans(rng):
    truth, a, b = [], [], []
    for i in range(1, 10001):
        race = pick(rng, RACES)
        sex = "female" if rng.random() < 0.48 else "male"
        age = min(75, 18 + int(rng.expovariate(1 / 16)))
        label = 1 if rng.random() < 0.35 else 0
        young_aa = race == "African-American" and age < 25
        # false positive rate (label 0 predicted 1) and false negative rate
        fpr_a = 0.40 if young_aa else 0.10
        fpr_b = 0.14 if young_aa else 0.10
        fnr = 0.15
        ua, ub = rng.random(), rng.random()

        def predict(u, fpr):
            return (1 if u < fpr else 0) if label == 0 else (0 if u < fnr else 1)
        truth.append(f"a{i:05d},{label},{race},{sex},{age}")
        a.append(f"a{i:05d},{predict(ua, fpr_a)}")
        b.append(f"a{i:05d},{predict(ub, fpr_b)}")
    return truth, a, b


def speech(rng):
    ref, hyp, speakers = [], [], []
    n = 0
    for accent, rate in ACCENTS:
        for _ in range(12):
            n += 1
            spk = f"s{n:02d}"
            speakers.append(f"{spk},{accent}")
            p = max(0.01, rng.gauss(rate, rate * 0.25))
            for u in range(1, 11):
                words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
                out = []
                for w in words:
                    x = rng.random()
                    if x < p * 0.6:
                        out.append(rng.choice(WORDS))      # substitution
                    elif x < p * 0.85:
                        pass                                # deletion
                    else:
                        out.append(w)
                        if x > 1 - p * 0.15:
                            out.append(rng.choice(WORDS))  # insertion
                uid = f"{spk}-{u:03d}"
                ref.append(f"{' '.join(words)} ({uid})")
                hyp.append(f"{' '.join(out)} ({uid})")
    return ref, hyp, speakers


def write(path, header, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        if header:
            f.write(header + "\n")
        for line in lines:
            f.write(line + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(20241206)
    truth, a, b = loans(rng)
    write(os.path.join(out, "loans", "truth.csv"), "id,label,race,sex,age", truth)
    write(os.path.join(out, "loans", "model-a.csv"), "id,prediction", a)
    write(os.path.join(out, "loans", "model-b.csv"), "id,prediction", b)
    ref, hyp, speakers = speech(rng)
    write(os.path.join(out, "speech", "ref.trn"), None, ref)
    write(os.path.join(out, "speech", "hyp.trn"), None, hyp)
    write(os.path.join(out, "speech", "speakers.csv"), "speaker,accent", speakers)


if __name__ == "__main__":
    main()
