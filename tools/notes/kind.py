#!/usr/bin/python3
"""Can a statistical model of a drug mention's kind (allergy or medicine)
carry to an unseen writer better than the rules do?  (issue 75;
docs/note-reader.md, "The context model": the context model never
touches allergies.)

A measurement, not a part of the reader: nothing here is built into the
service.  Each allergy and medicine the rules read (build/bin/notes-features
--kinds: the context model's features and, for a drug, its code, the
reaction the rules read, the other kinds the reading gives its code, the
note's allergies and a wider stretch of words of its line) is labelled
from the annotation with train.py's matching (the code as written, "no
known allergies" never a drug):

- ALLERGY: the annotator wrote an allergy to that code that an order
  check acts on (not negated, hypothetical or family: orders.py);
- MEDICINE: a medicine of that code, or an allergy negated (a drug
  tolerated);
- BOTH: both of these in the note (an allergy to a drug the note also
  says was taken, or a mention of the allergen in a drug list);
- DROP: neither.

A softmax regression (train.py's fit: numpy, Adam, L2, features seen once
carry no weight) is trained on every development set but one, in turn
over train.py's CV_SETS, and the set left out is read three ways from the
rules' own reading:

- (a) a medicine the rules read is also an allergy (affirmed) when the
  model's P(ALLERGY) + P(BOTH) >= T_a, and stays a medicine only when
  P(BOTH) + P(MEDICINE) >= P(ALLERGY) + P(DROP);
- (b) an allergy the rules read that an order check acts on becomes a
  medicine (affirmed) or is dropped, whichever the model finds likelier,
  when P(MEDICINE) + P(DROP) >= T_b;
- both at once.

For each it counts orders.py's order errors (allergies missed, invented
allergies that block a drug the note says is tolerated), allergy F1 and
F1 over all findings (eval.py's score).  The thresholds are chosen for
each fold by the other folds alone (least missed + blocking summed over
them; then the higher F1), so the figures are those of a writer the
choice never saw.

Usage:
  tools/notes/kind.py [--cache DIR]    every fold, the threshold sweep,
                                       the nested choice and the sums
  tools/notes/kind.py --gap ...        (a) only for a medicine whose code
                                       the rules read as no allergy
                                       anywhere in its note (trained so
                                       too): the mentions where an allergy
                                       could be missed
  tools/notes/kind.py --errors ...     also lists each change the model
                                       makes at the chosen thresholds

Measured on the fifty development sets, with the twenty-fifth writer's
rules (docs/note-reader.md, "The context model"): no threshold of
either direction, alone or together, with or without --gap, lowers the
missed + blocking allergies summed over the 46 folds (154 by the rules);
the thresholds the other folds choose are "never" on every fold.

--cache DIR keeps each set's notes-features output and each fold's
probabilities there, so a second run costs no reading or training (drop
the folder after a change to the reader or to this file).  Needs
`make all` (build/bin/notes-features) and numpy.  Deterministic.
"""

import argparse
import itertools
import json
import os
import sys

import numpy as np

import eval as ev
import orders
import train

ALLERGY, BOTH, MEDICINE, DROP = "ALLERGY", "BOTH", "MEDICINE", "DROP"
DRUGS = ("allergy", "medicine")
NEVER = 2.0                      # a threshold no probability reaches
T_A = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, NEVER)
T_B = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, NEVER)
MODES = {"both": (T_A, T_B), "a only": (T_A, (NEVER,)),
         "b only": ((NEVER,), T_B)}


def read_kinds(name, notes, cache):
    """[[finding]] of each note, as train.read_features, with --kinds."""
    path = cache and os.path.join(cache, name + ".kinds")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            out = f.read()
    else:
        out = train.features_text(notes, "--kinds")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(out)
    return train.parse_features(out, notes)


def held(f):
    """Is f an allergy an order check acts on?"""
    return f["kind"] == "allergy" and \
        not (train.ctx_set(f["ctx"]) & orders.NOT_HELD)


# --gap: a medicine is decided only when the rules read its code as no
# allergy anywhere in the note (no "xk=allergy"): where they did, an
# allergy the model adds is one they hold already, or one they read as
# negated ("codeine: not an allergy").
GAP = False


def decided(f):
    """Is f a mention whose kind the model may change: a drug, not "no
    known allergies", a medicine or an allergy an order check acts on?"""
    if f["code"] == "-":
        return False
    if f["kind"] == "medicine":
        return not (GAP and "xk=allergy" in f["features"])
    return held(f)


def label(expect, f):
    """ALLERGY, BOTH, MEDICINE or DROP: what the annotator made of f's
    code in its note."""
    allergy = medicine = False
    for k, c, x in expect:
        if c == f["code"] and k == "allergy" and not x & orders.NOT_HELD:
            allergy = True
        elif c == f["code"] and (k == "medicine" or
                                 x == frozenset({"negated"})):
            medicine = True
    return BOTH if allergy and medicine else ALLERGY if allergy else \
        MEDICINE if medicine else DROP


def examples(notes, found):
    xs, ys = [], []
    for n, fs in zip(notes, found):
        expect = ev._no_known_allergies(n["expect"])
        for f in fs:
            if decided(f):
                xs.append(f["features"])
                ys.append(label(expect, f))
    return xs, ys


def change(f, p, t_a, t_b):
    """What the finding f becomes: [(kind, code, context set)]."""
    kept = [(f["kind"], f["code"], train.ctx_set(f["ctx"]))]
    allergy = p.get(ALLERGY, 0) + p.get(BOTH, 0)
    if not decided(f):
        return kept
    if f["kind"] == "medicine" and allergy >= t_a:
        # an allergy, and still the medicine when the model finds it
        # likelier that the drug is also taken
        new = [("allergy", f["code"], frozenset())]
        return new + kept if p.get(BOTH, 0) + p.get(MEDICINE, 0) >= \
            p.get(ALLERGY, 0) + p.get(DROP, 0) else new
    if held(f) and 1 - allergy >= t_b:
        if p.get(MEDICINE, 0) >= p.get(DROP, 0):
            return [("medicine", f["code"], frozenset())]
        return []
    return kept


def reading(notes, found, probs, t_a, t_b):
    out = {}
    for n, fs, ps in zip(notes, found, probs):
        got = set()
        for f, p in zip(fs, ps):
            got.update(change(f, p, t_a, t_b))
        out[n["id"]] = got
    return out


def measure(notes, got, classes):
    rows = ev.score(notes, got)
    o = orders.order_errors(notes, got, classes)
    return {"missed": len(o["missed"]), "blocking": len(o["blocking"]),
            "invented": o["invented"], "held": o["held"],
            "allergy": rows["kind allergy"], "all": rows["all"]}


def fold_probs(held_set, sets, found, cache):
    """The model's probabilities for each decided finding of held_set,
    trained on every other set ({} for the rest)."""
    path = cache and os.path.join(cache, held_set + (
        ".gap" if GAP else "") + ".probs.json")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    xs, ys = [], []
    for s in train.TRAIN_SETS:
        if s != held_set:
            x, y = examples(sets[s], found[s])
            xs += x
            ys += y
    model = train.fit(xs, ys)
    probs = [[train.probabilities(model, f["features"]) if decided(f)
              else {} for f in fs] for fs in found[held_set]]
    probs = [[{c: float(v) for c, v in p.items()} for p in ps]
             for ps in probs]
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(probs, f)
    return probs


def errors_count(m):
    return m["missed"] + m["blocking"]


def choose(results, keys, others):
    """The key with the fewest missed + blocking summed over the folds
    `others`, then the higher summed F1, then the more cautious."""
    def cost(k):
        return (sum(errors_count(results[h][k]) for h in others),
                -round(sum(results[h][k]["all"]["f1"] for h in others), 6),
                -k[0], -k[1])
    return min(keys, key=cost)


def fmt_f1(r):
    return "  -  " if r["f1"] is None else "%.3f" % r["f1"]


def table(title, rows):
    """rows: [(set, rules measure, model measure, key)]."""
    print("\n%s" % title)
    print("%-9s %-11s | %-17s | %-17s | %-11s | %s" % (
        "set", "T_a,T_b", "missed r->m", "blocking r->m", "allergy F1",
        "F1 all"))
    tot = {"rm": 0, "mm": 0, "rb": 0, "mb": 0}
    worse = []
    for s, r, m, k in rows:
        print("%-9s %4s,%-6s | %3d -> %3d        | %3d -> %3d        | "
              "%s %s | %.3f %.3f" % (
                  s, _t(k[0]), _t(k[1]), r["missed"], m["missed"],
                  r["blocking"], m["blocking"], fmt_f1(r["allergy"]),
                  fmt_f1(m["allergy"]), r["all"]["f1"], m["all"]["f1"]))
        tot["rm"] += r["missed"]
        tot["mm"] += m["missed"]
        tot["rb"] += r["blocking"]
        tot["mb"] += m["blocking"]
        worse.append(errors_count(m) - errors_count(r))
    r_all = _pooled([r["allergy"] for _, r, _, _ in rows])
    m_all = _pooled([m["allergy"] for _, _, m, _ in rows])
    print("%-21s | %3d -> %3d        | %3d -> %3d        | %.3f %.3f | "
          "%.3f %.3f (mean)" % (
              "SUM (allergy F1 pooled)", tot["rm"], tot["mm"], tot["rb"],
              tot["mb"], r_all, m_all,
              np.mean([r["all"]["f1"] for _, r, _, _ in rows]),
              np.mean([m["all"]["f1"] for _, _, m, _ in rows])))
    print("missed+blocking: rules %d, model %d (%+d); folds better %d, "
          "worse %d, most added on one fold %+d" % (
              tot["rm"] + tot["rb"], tot["mm"] + tot["mb"],
              tot["mm"] + tot["mb"] - tot["rm"] - tot["rb"],
              sum(w < 0 for w in worse), sum(w > 0 for w in worse),
              max(worse)))


def _t(v):
    return "-" if v >= NEVER else "%g" % v


def _pooled(rows):
    tp = sum(r["tp"] for r in rows)
    fp = sum(r["fp"] for r in rows)
    fn = sum(r["fn"] for r in rows)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def sweep(results, rules, keys):
    print("\nfixed thresholds, summed over the %d folds "
          "(rules: missed %d, blocking %d)" % (
              len(rules), sum(r["missed"] for r in rules.values()),
              sum(r["blocking"] for r in rules.values())))
    print("%-11s %6s %8s %7s %9s %8s %8s" % (
        "T_a,T_b", "missed", "blocking", "sum", "worst+", "allergyF1",
        "F1 mean"))
    for k in keys:
        ms = [results[h][k] for h in rules]
        worst = max(errors_count(results[h][k]) - errors_count(rules[h])
                    for h in rules)
        print("%4s,%-6s %6d %8d %7d %+9d %8.3f %8.3f" % (
            _t(k[0]), _t(k[1]), sum(m["missed"] for m in ms),
            sum(m["blocking"] for m in ms), sum(errors_count(m) for m in ms),
            worst, _pooled([m["allergy"] for m in ms]),
            np.mean([m["all"]["f1"] for m in ms])))


def list_changes(notes, found, probs, key):
    for n, fs, ps in zip(notes, found, probs):
        expect = ev._no_known_allergies(n["expect"])
        for f, p in zip(fs, ps):
            g = change(f, p, *key)
            if g != [(f["kind"], f["code"], train.ctx_set(f["ctx"]))]:
                print("  %s %s %s %s -> %s  (annotated %s; P %s)" % (
                    n["id"], f["kind"], f["code"], f["ctx"],
                    "+".join(x[0] for x in g) or "dropped",
                    label(expect, f),
                    " ".join("%s=%.2f" % x for x in sorted(p.items()))))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", help="a folder for features and "
                    "probabilities")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--gap", action="store_true",
                    help="decide only medicines whose code the rules read "
                    "as no allergy in the note")
    args = ap.parse_args(argv)
    global GAP
    GAP = args.gap
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    sets = {s: ev.parse(ev.set_path(s)) for s in train.TRAIN_SETS}
    found = {s: read_kinds(s, sets[s], args.cache) for s in train.TRAIN_SETS}
    classes = orders.substance_classes()
    keys = sorted(set(itertools.product(T_A, T_B)))
    results, rules, probs = {}, {}, {}
    for h in train.CV_SETS:
        probs[h] = fold_probs(h, sets, found, args.cache)
        base = reading(sets[h], found[h], probs[h], NEVER, NEVER)
        rules[h] = measure(sets[h], base, classes)
        results[h] = {k: measure(sets[h], reading(
            sets[h], found[h], probs[h], *k), classes) for k in keys}
        print("%-9s done" % h, file=sys.stderr, flush=True)
    ys = [y for s in train.TRAIN_SETS for y in examples(sets[s], found[s])[1]]
    print("decided mentions: %d (%s)" % (len(ys), ", ".join(
        "%s %d" % (c, ys.count(c)) for c in (ALLERGY, BOTH, MEDICINE, DROP))))
    sweep(results, rules, keys)
    for mode, (ta, tb) in MODES.items():
        mkeys = [k for k in keys if k[0] in ta and k[1] in tb]
        rows = []
        for h in train.CV_SETS:
            k = choose(results, mkeys, [o for o in train.CV_SETS if o != h])
            rows.append((h, rules[h], results[h][k], k))
        table("%s: thresholds chosen by the other folds" % mode, rows)
        if args.errors:
            for h, _, _, k in rows:
                list_changes(sets[h], found[h], probs[h], k)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
