#!/usr/bin/python3
"""Would a learnt step find the allergies the rules miss, on a writer it
never saw?  (issue 75; docs/note-reader.md, "The context model".)

A measurement, not a part of the reader: nothing here is built into the
service.  Two steps.

The census (--census): for each allergy an order check acts on that the
rules' reading misses (tools/notes/orders.py), on every development set,
what the rules hold of that substance or class in that note:

- "medicine": a medicine of the same code, or of a member of the class
  or of its class (dosage's catalogue, knowledge/members.csv);
- "wrong context": an allergy to it, or to a related code, that an order
  check does not act on (negated, hypothetical, family);
- "other code": an allergy held to a member of the class (the annotator
  wrote "penicillins", the rules "amoxicillin"), or to an unrelated code;
- "nothing".

The model: three binary softmax regressions (train.py's fit: numpy, Adam,
L2, features seen once carry no weight) over the context model's
features of each finding of the rules' reading and those of
notes__kind_features (build/bin/notes-features --kinds), each over its
own candidates, labelled from the annotation:

- add: a medicine whose code no allergy the rules hold covers; Y when
  the annotator wrote an allergy an order check acts on to that code.
  Above the threshold (the likeliest of the code's mentions in the note)
  an affirmed allergy is added beside the medicine;
- flip: an allergy the rules read as negated, hypothetical or family,
  its code held nowhere in the note; Y as for add.  Above the threshold
  it becomes an affirmed allergy;
- drop: an allergy the rules hold; Y when no annotated allergy accounts
  for it (orders.py's invented: not its code, its class or a member).
  Above the threshold it is dropped.

--extra adds features the reader does not cut today, read here in Python
from cues.csv's reaction, allergic_sign, intolerance and cause rows and a
list of stopping words: a cue elsewhere on the mention's line or in its
clause, a stopping word there, both, and the cue with the rules' context;
the add step may also be restricted to mentions with such a cue (NEEDS).
Each development set but the first two writers' (train.py's CV_SETS, with
the twenty-eighth and twenty-ninth writers' sets) is left out in turn
(--by-writer: both of its writer's sets), the rest trained on, and the
service's reading of the set left out (rules and context model) is
changed as above; it prints, summed over the folds, the allergies
missed, invented and invented-blocking (orders.order_errors), the mean
F1 over all findings, the pooled allergy F1, and the folds on which
fewer are missed and those on which missed + blocking grow.

Measured on the fifty-eight development sets with the twenty-seventh
writer's rules and the fifty-four-set context model (30 November 2026):

- census: 150 allergies missed; 108 are medicines of the same code (105)
  or of a member (3), 17 allergies in a context no order acts on (13
  negated), 23 another code (10 a member where the annotator wrote the
  class, 12 an unrelated allergy), 2 nothing.  Writers 11, 24, 28 and 29
  hold most (19, 14, 12, 12); the medicines are mostly drugs stopped for
  a side effect ("Stopped: amlodipine (ankle swelling)", 曾用…后…停用).
- leave-one-set-out over 54 folds, rules 145 missed, 50 invented, 22
  blocking: every threshold of add that finds an allergy adds a
  blocking one at least (0.3: 136 missed, 42 blocking; 0.6: 144, 25;
  0.95: nothing changes); with --extra the best is add at 0.4 over
  mentions with a cue on the line: 141 missed and 23 blocking, fewer
  missed on 4 folds of 54; flip finds none (0.3 adds one blocking), drop
  removes no invented allergy without missing a held one (0.3: 152
  missed).  Mean F1 0.8050 by the rules, at most 0.8051.  Leaving out
  both of a writer's sets (--by-writer, --extra) the same: at best 142
  missed and 23 blocking (add at 0.5 with a cue on the line).
- the add model ranks the 110 annotated allergies among 9,867
  candidates at AUC 0.83, but its two most confident are wrong and
  block, and 12 of its 20 most confident would block a drug the note
  says is taken: writers label the same sentence both ways (曾用辛伐他汀
  出現肌肉痛，已換成… a past medicine to one writer; 曾服用阿托伐他汀，
  因肌肉痛换为辛伐他汀 an allergy to another; "amlodipine stopped last
  yr (ankle swelling)" and "Stopped: amlodipine (ankle swelling)").

So no threshold lowers the missed allergies on most folds without
adding a blocking one, and allergies stay the rules'.

Usage:
  tools/notes/allergy_model.py --census      the census
  tools/notes/allergy_model.py [--extra] [--by-writer]
                                             the sweep
  ... --detail "0.4,-,- x:cue_line"          the folds a setting changes

--cache DIR keeps each set's notes-features output and each fold's
probabilities, so a second run neither reads nor trains (drop it after
a change to the reader or to this file).  Needs `make all`
(build/bin/notes-features) and numpy; about 15 minutes on a loaded
two-core machine.  Deterministic.
"""

import argparse
import collections
import csv
import json
import os
import re
import sys

import numpy as np

import eval as ev
import orders
import train

DATA = ev.DATA
NEVER = 2.0
ADD, FLIP, DROP = "add", "flip", "drop"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, NEVER)
FIRST = ("dev", "en-dev2", "zh-dev", "zh-dev2")
CUE_KINDS = {"reaction", "allergic_sign", "intolerance", "causes", "caused",
             "intolerance_after"}
NEEDS = ("x:cue_line", "x:cue_clause")
STOPS = ("stop", "d/c", "discontinu", "switched", "changed to", "swapped",
         "withdrawn", "ceased", "停", "换", "換", "改用", "改为", "改為")


def dev_sets():
    names = [f[:-6] for f in os.listdir(DATA)
             if f.endswith(".notes") and "dev" in f]
    return sorted(names, key=lambda s: (s.startswith("zh"), writer(s)))


def writer(s):
    return 1 if s in ("dev", "zh-dev") else int(s.split("dev")[1])


def _cues():
    path = os.path.join(ev.REPO, "services", "records", "notes",
                        "knowledge", "cues.csv")
    with open(path, encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        terms = sorted({r[0].strip().lower() for r in rows
                        if len(r) > 1 and r[1].strip() in CUE_KINDS and
                        r[0].strip()}, key=len, reverse=True)
    ascii_terms = [t for t in terms if t.isascii()]
    other = [t for t in terms if not t.isascii()]
    pat = re.compile(r"(?<![a-z])(?:%s)(?![a-z])" % "|".join(
        re.escape(t) for t in ascii_terms))
    return pat, other


CUE_RE, CUE_ZH = _cues()


def has_cue(s):
    s = s.lower()
    return bool(CUE_RE.search(s)) or any(t in s for t in CUE_ZH)


def has_stop(s):
    s = s.lower()
    return any(t in s for t in STOPS)


def cached(cache, name, mode, notes):
    path = cache and os.path.join(cache, "%s.%s" % (name, mode.strip("-")))
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read()
    out = train.features_text(notes, mode)
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(out)
    return out


def with_spans(out, notes):
    found = train.parse_features(out, notes)
    lines = [x for x in out.split("\n") if x and x != "#"]
    for f, x in zip((f for fs in found for f in fs), lines):
        p = x.split("\t")
        f["span"] = (int(p[3]), int(p[4]))
    return found


def around(text, span):
    """(line, clause) of the mention, the mention itself blanked."""
    b = text.encode()
    s, e = span
    ls = b.rfind(b"\n", 0, s) + 1
    le = b.find(b"\n", e)
    le = len(b) if le < 0 else le
    line = (b[ls:s] + b" " + b[e:le]).decode(errors="replace")
    left = b[ls:s].decode(errors="replace")
    right = b[e:le].decode(errors="replace")
    left = re.split(r"[.;。；!?！？]\s", left + " ")[-1]
    right = re.split(r"[.;。；!?！？]", right)[0]
    return line, left + " " + right


def extras(text, f, extra):
    if not extra:
        return []
    line, clause = around(text, f["span"])
    out = []
    for name, s in (("line", line), ("clause", clause)):
        cue, stop = has_cue(s), has_stop(s)
        if cue:
            out.append("x:cue_" + name)
            out.append("x:cue_%s|%s" % (name, f["ctx"]))
        if stop:
            out.append("x:stop_" + name)
        if cue and stop:
            out.append("x:cuestop_" + name)
    return out


def held_codes(fs):
    return {f["code"] for f in fs if f["kind"] == "allergy" and
            f["code"] != "-" and
            not (train.ctx_set(f["ctx"]) & orders.NOT_HELD)}


def candidates(n, fs, classes, extra):
    """[(type, code, features, finding)] of one note's rules' reading."""
    held = held_codes(fs)
    out = []
    for f in fs:
        if f["code"] == "-":
            continue
        x = f["features"] + extras(n["text"], f, extra)
        covered = any(orders._covers(g, f["code"], classes) for g in held)
        if f["kind"] == "medicine" and not covered:
            out.append((ADD, f["code"], x, f))
        elif f["kind"] == "allergy" and f["code"] not in held:
            out.append((FLIP, f["code"], x, f))
        elif f["kind"] == "allergy":
            out.append((DROP, f["code"], x, f))
    return out


def label(kind, code, expect, classes):
    want = orders._held(expect)
    if kind in (ADD, FLIP):
        return "Y" if code in want else "N"
    # DROP: "Y" when no annotated allergy accounts for it (invented)
    return "N" if any(orders._related(code, c, classes) for c in want) \
        else "Y"


CENSUS = ("medicine", "wrong context", "other code", "nothing")


def what_rules_hold(code, fs, classes):
    """(group, detail): what the rules' reading fs of a note holds of an
    allergy to code that an order check acts on and that they missed."""
    members = {m for m, cs in classes.items() if code in cs}
    al = [f for f in fs if f["kind"] == "allergy" and f["code"] != "-"]
    med = [f for f in fs if f["kind"] == "medicine"]
    if any(f["code"] == code for f in al):
        return "wrong context", "an allergy to it, %s" % "/".join(sorted(
            {f["ctx"] for f in al if f["code"] == code}))
    if any(f["code"] in members for f in al
           if not train.ctx_set(f["ctx"]) & orders.NOT_HELD):
        return "other code", "an allergy to a member of the class"
    if any(f["code"] in members or f["code"] in classes.get(code, ())
           for f in al):
        return "wrong context", "an allergy to a related code, not held"
    if any(f["code"] == code for f in med):
        return "medicine", "a medicine of the same code"
    if any(f["code"] in members or f["code"] in classes.get(code, ())
           for f in med):
        return "medicine", "a medicine of a member or of its class"
    if any(not (train.ctx_set(f["ctx"]) & orders.NOT_HELD) for f in al):
        return "other code", "an unrelated allergy held in the note"
    return "nothing", "nothing"


def census(st):
    """Prints, for every set, what the rules hold of each allergy they
    miss, by detail and by writer."""
    details, by_writer = collections.Counter(), collections.defaultdict(
        collections.Counter)
    for s in st.sets:
        found = {n["id"]: {(f["kind"], f["code"], train.ctx_set(f["ctx"]))
                           for f in fs}
                 for n, fs in zip(st.notes[s], st.rules[s])}
        missed = orders.order_errors(st.notes[s], found, st.classes)["missed"]
        fs_of = {n["id"]: fs for n, fs in zip(st.notes[s], st.rules[s])}
        for nid, code in missed:
            group, detail = what_rules_hold(code, fs_of[nid], st.classes)
            details[(group, detail)] += 1
            by_writer[writer(s)][group] += 1
    for (group, detail), k in details.most_common():
        print("%4d  %-14s %s" % (k, group, detail))
    print("\nwriter " + "".join("%15s" % g for g in CENSUS) + "  total")
    total = collections.Counter()
    for w in sorted(by_writer):
        print("%6d " % w + "".join("%15d" % by_writer[w][g]
                                   for g in CENSUS) +
              "  %5d" % sum(by_writer[w].values()))
        total.update(by_writer[w])
    print("total  " + "".join("%15d" % total[g] for g in CENSUS) +
          "  %5d" % sum(total.values()))


class Study:
    def __init__(self, cache, extra):
        self.classes = orders.substance_classes()
        self.sets = dev_sets()
        self.notes, self.rules, self.read, self.cands = {}, {}, {}, {}
        for s in self.sets:
            notes = ev.parse(ev.set_path(s))
            self.notes[s] = notes
            self.rules[s] = with_spans(cached(cache, s, "--kinds", notes),
                                       notes)
            self.read[s] = train.parse_features(
                cached(cache, s, "--read", notes), notes)
            self.cands[s] = [candidates(n, fs, self.classes, extra)
                             for n, fs in zip(notes, self.rules[s])]

    def examples(self, sets, kind):
        xs, ys = [], []
        for s in sets:
            for n, cs in zip(self.notes[s], self.cands[s]):
                for k, code, x, _ in cs:
                    if k == kind:
                        xs.append(x)
                        ys.append(label(k, code, n["expect"], self.classes))
        return xs, ys

    def fold_probs(self, held, train_sets):
        """{kind: [ {code: max P(Y)} per note ]} for the held-out set."""
        out = {}
        for kind in (ADD, FLIP, DROP):
            xs, ys = self.examples(train_sets, kind)
            model = train.fit(xs, ys)
            per_note = []
            for cs in self.cands[held]:
                p = {}
                for k, code, x, _ in cs:
                    if k == kind:
                        py = float(train.probabilities(model, x).get("Y", 0))
                        flags = [t for t in x if t.startswith("x:cue_")]
                        was = p.get(code, (0.0, []))
                        p[code] = (max(was[0], py), sorted(set(was[1] + flags)))
                per_note.append(p)
            out[kind] = per_note
        return out

    def reading(self, s, probs, t_add, t_flip, t_drop, need=None):
        out = {}
        for i, (n, fs, rd) in enumerate(zip(self.notes[s], self.rules[s],
                                            self.read[s])):
            got = {(f["kind"], f["code"], train.ctx_set(f["ctx"]))
                   for f in rd}
            for code, (p, flags) in probs[ADD][i].items():
                if p >= t_add and (need is None or need in flags):
                    got.add(("allergy", code, frozenset()))
            for code, (p, _) in probs[FLIP][i].items():
                if p >= t_flip:
                    got = {g for g in got if g[:2] != ("allergy", code)}
                    got.add(("allergy", code, frozenset()))
            for code, (p, _) in probs[DROP][i].items():
                if p >= t_drop:
                    got = {g for g in got if g[:2] != ("allergy", code)}
            out[n["id"]] = got
        return out

    def measure(self, s, got):
        rows = ev.score(self.notes[s], got)
        o = orders.order_errors(self.notes[s], got, self.classes)
        return {"missed": len(o["missed"]), "blocking": len(o["blocking"]),
                "invented": o["invented"], "held": o["held"],
                "f1": rows["all"]["f1"],
                "atp": rows["kind allergy"]["tp"],
                "afp": rows["kind allergy"]["fp"],
                "afn": rows["kind allergy"]["fn"]}


def keys_of(extra):
    """The threshold triples (add, flip, drop) swept, each direction alone,
    and with --extra add also restricted to candidates with a cue."""
    keys = [(a, NEVER, NEVER, None) for a in THRESHOLDS] + \
        [(NEVER, b, NEVER, None) for b in THRESHOLDS[:-1]] + \
        [(NEVER, NEVER, c, None) for c in THRESHOLDS[:-1]]
    if extra:
        keys += [(a, NEVER, NEVER, need) for a in THRESHOLDS[:-1]
                 for need in NEEDS]
    return keys


def key_name(k):
    return ",".join("-" if v >= NEVER else "%g" % v for v in k[:3]) + \
        (" " + k[3] if k[3] else "")


def fold_results(st, folds, keys, args):
    """{fold: {key: measure}}, the probabilities cached under --cache."""
    tag = "%s%s" % ("extra" if args.extra else "plain",
                    "-writer" if args.by_writer else "")
    results = {}
    for h in folds:
        path = args.cache and os.path.join(args.cache, "%s.%s.probs.json"
                                           % (h, tag))
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                probs = json.load(f)
        else:
            probs = st.fold_probs(h, [
                s for s in st.sets if (writer(s) != writer(h)
                                       if args.by_writer else s != h)])
            if path:
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(probs, f)
        results[h] = {k: st.measure(h, st.reading(h, probs, *k))
                      for k in keys}
        print("%s done" % h, file=sys.stderr, flush=True)
    return results


def sweep(results, folds, keys):
    base = (NEVER, NEVER, NEVER, None)
    print("%-24s %6s %6s %6s %7s %9s %6s %6s" % (
        "add,flip,drop [needs]", "missed", "invent", "block", "F1 mean",
        "allergyF1", "better", "worse"))
    for k in keys:
        ms = [results[h][k] for h in folds]
        bs = [results[h][base] for h in folds]
        tp, fp, fn = (sum(m[x] for m in ms) for x in ("atp", "afp", "afn"))
        print("%-24s %6d %6d %6d %7.4f %9.3f %6d %6d" % (
            key_name(k), sum(m["missed"] for m in ms),
            sum(m["invented"] for m in ms), sum(m["blocking"] for m in ms),
            np.mean([m["f1"] for m in ms]), 2 * tp / (2 * tp + fp + fn),
            sum(m["missed"] < b["missed"] for m, b in zip(ms, bs)),
            sum(m["missed"] + m["blocking"] > b["missed"] + b["blocking"]
                for m, b in zip(ms, bs))))


def detail(results, folds, key):
    """The folds on which key changes an order error."""
    base = (NEVER, NEVER, NEVER, None)
    print("\n%s, the folds it changes:" % key_name(key))
    for h in folds:
        b, m = results[h][base], results[h][key]
        if any(b[x] != m[x] for x in ("missed", "invented", "blocking")):
            print("  %-9s missed %d -> %d, invented %d -> %d, blocking "
                  "%d -> %d, F1 %.3f -> %.3f" % (
                      h, b["missed"], m["missed"], b["invented"],
                      m["invented"], b["blocking"], m["blocking"], b["f1"],
                      m["f1"]))


def parse_key(text):
    parts = text.split()
    vals = tuple(NEVER if v == "-" else float(v)
                 for v in parts[0].split(","))
    return vals + (parts[1] if len(parts) > 1 else None,)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", help="a folder for the readings and each "
                    "fold's probabilities")
    ap.add_argument("--census", action="store_true",
                    help="only what the rules hold of each missed allergy")
    ap.add_argument("--extra", action="store_true",
                    help="add the cue features (x:cue_line ...)")
    ap.add_argument("--by-writer", action="store_true",
                    help="leave out both of a writer's sets, not one")
    ap.add_argument("--detail", action="append", default=[],
                    help="'ADD,FLIP,DROP [NEED]': list the folds it changes")
    args = ap.parse_args(argv)
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    st = Study(args.cache, args.extra)
    if args.census:
        census(st)
        return 0
    folds = [s for s in st.sets if s not in FIRST]
    for kind in (ADD, FLIP, DROP):
        ys = st.examples(st.sets, kind)[1]
        print("%s candidates: %d, Y %d" % (kind, len(ys), ys.count("Y")))
    keys = keys_of(args.extra)
    details = [parse_key(d) for d in args.detail]
    results = fold_results(st, folds, keys + [k for k in details
                                              if k not in keys], args)
    sweep(results, folds, keys)
    for k in details:
        detail(results, folds, k)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
