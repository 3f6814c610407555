#!/usr/bin/python3
"""Precision and recall of the note reader (issue 55; docs/note-reader.md).

Reads annotated notes (tests/data/notes/*.notes, format in README.md
there), sends each to the records service's ReadText (the reader as the
service runs it: every finding, suggested or not) and compares what it
found with what the annotator expected.

A finding is (kind, code, context): kind allergy, problem or medicine; the
code dosage's substance or class code, an ICD-10 code, or "-" for "no known
allergies"; the context any of negated, historical, hypothetical, family,
uncertain (none: affirmed).  Within a note each is counted once (the
reader reports a repeat of one as nothing new).  It prints precision,
recall and F1 with the counts (true positives, false positives, false
negatives):

- per kind, a finding right only when kind, code and context all are
  ("no known allergies" scores without its context; a problem found with
  an ICD-10 subcode counts as its category where the annotator coded the
  category, not the subcode);
- per context C: the (kind, code) pairs whose context holds C, expected
  against found (so a negation missed and a mention missed both cost
  recall); "affirmed" for the pairs with no context;
- "suggested": the findings that would become suggestions (not negated,
  hypothetical or family; not "no known allergies"), by kind and code —
  what a clinician would be asked to confirm;
- "problem category": the problems at their ICD-10 category (three
  characters) with their context, and "problem cat. any ctx" without it:
  how much of the problem score is coding level and context rather than
  what the note holds;
- "all, symptoms aside": every finding but the problems coded in ICD-10
  chapter XVIII (R00-R99, symptoms and signs), on both sides: the README
  leaves symptoms to each annotator, seventy of the hundred
  development sets' writers annotate no complaint and the reader reports
  a symptom only where an assessment names it (complaint.c), so this row
  compares writers of both habits on the rest.

Usage:
  tools/notes/eval.py [SET ...]        SET: dev, test or a .notes path
                                       (default: dev test)
  tools/notes/eval.py --errors dev     also lists each note's misses and
                                       false findings (use on dev only:
                                       test is held out, docs/note-reader.md)
  tools/notes/eval.py --json dev       the scores as JSON

After each set's table a line counts the allergy errors that would change
an order (tools/notes/orders.py): allergies missed, so a drug would be
allowed, and allergies invented that would block a drug the note says
the patient takes or tolerates; --errors lists them.
Starts a private MariaDB and the records service with the test harness
(needs `make all`).
"""

import argparse
import json
import os
import re
import sys

import orders

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DATA = os.path.join(REPO, "tests", "data", "notes")

KINDS = ("allergy", "problem", "medicine")
CONTEXTS = ("negated", "historical", "hypothetical", "family", "uncertain")
NEVER_SUGGESTED = {"negated", "hypothetical", "family"}


class FormatError(ValueError):
    pass


def _expect_line(path, lineno, line):
    """KIND CODE [CONTEXT,...]: a code may hold spaces ("insulin glargine");
    the last word is the context list when every item of it is a context."""
    parts = line.split()
    if len(parts) < 2 or parts[0] not in KINDS:
        raise FormatError("%s:%d: want 'KIND CODE [CONTEXT,...]', got %r"
                          % (path, lineno, line))
    last = parts[-1].split(",")
    ctx = frozenset()
    if len(parts) > 2 and all(c in CONTEXTS for c in last):
        ctx, parts = frozenset(last), parts[:-1]
    elif len(parts) > 2 and any(c in CONTEXTS for c in last):
        bad = set(last) - set(CONTEXTS)
        raise FormatError("%s:%d: unknown context %s"
                          % (path, lineno, ",".join(sorted(bad))))
    return (parts[0], " ".join(parts[1:]), ctx)


def parse(path):
    """The notes of one .notes file: [{id, title, text, expect}]."""
    notes, cur, part = [], None, None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            m = re.match(r"^=== (\S+)\s*(.*)$", line)
            if m:
                cur = {"id": m.group(1), "title": m.group(2), "lines": [],
                       "expect": set()}
                notes.append(cur)
                part = "text"
            elif line == "--- expect" and cur is not None:
                part = "expect"
            elif cur is None or (part == "expect" and
                                 (not line.strip() or line.startswith("#"))):
                continue
            elif part == "text":
                cur["lines"].append(line)
            else:
                cur["expect"].add(_expect_line(path, lineno, line.strip()))
    for n in notes:
        n["text"] = "\n".join(n.pop("lines")).strip("\n")
        if not n["text"]:
            raise FormatError("%s: note %s has no text" % (path, n["id"]))
    ids = [n["id"] for n in notes]
    if len(ids) != len(set(ids)):
        raise FormatError("%s: a note id is used twice" % path)
    return notes


def set_path(name):
    return name if name.endswith(".notes") else os.path.join(
        DATA, name + ".notes")


def findings(response, pb):
    """ReadTextResponse -> {(kind, code, context)}."""
    kind = {pb.SUGGESTION_KIND_ALLERGY: "allergy",
            pb.SUGGESTION_KIND_PROBLEM: "problem",
            pb.SUGGESTION_KIND_MEDICINE: "medicine"}
    return {(kind[f.kind], f.code or "-", frozenset(f.context))
            for f in response.findings}


def read_all(notes, read):
    """{note id: found set}; read(text) -> found set."""
    return {n["id"]: read(n["text"]) for n in notes}


def _prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r \
        else (0.0 if p is not None and r is not None else None)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r,
            "f1": f1}


def _count(pairs):
    tp = fp = fn = 0
    for exp, got in pairs:
        tp += len(exp & got)
        fp += len(got - exp)
        fn += len(exp - got)
    return _prf(tp, fp, fn)


def _suggested(items):
    return {(k, c) for k, c, ctx in items
            if c != "-" and not (ctx & NEVER_SUGGESTED)}


def _no_known_allergies(items):
    """"No known allergies" has one meaning: its context is not scored
    (one annotator writes `allergy -`, another `allergy - negated`)."""
    return {(k, c, frozenset() if (k, c) == ("allergy", "-") else ctx)
            for k, c, ctx in items}


def _at_annotated_level(expected, got):
    """A problem found with a subcode (E11.9) counts as the category
    (E11) when the annotator coded the category and not the subcode: the
    README lets an annotator who does not know the reader's list code at
    the WHO category, and the category is what was written."""
    cats = {c for k, c, _ in expected if k == "problem" and "." not in c}
    codes = {c for k, c, _ in expected if k == "problem"}
    return {(k, c.split(".")[0] if k == "problem" and c not in codes and
             c.split(".")[0] in cats else c, ctx) for k, c, ctx in got}


def score(notes, found):
    """Scores of found ({id: set}) against the notes' expectations."""
    rows = {}
    both = []
    for n in notes:
        e = _no_known_allergies(n["expect"])
        both.append((e, _at_annotated_level(
            e, _no_known_allergies(found[n["id"]]))))
    rows["all"] = _count(both)
    for k in KINDS:
        rows["kind " + k] = _count(
            [({x for x in e if x[0] == k}, {x for x in g if x[0] == k})
             for e, g in both])
    for c in CONTEXTS + ("affirmed",):
        def pick(items, c=c):
            return {(k, code) for k, code, ctx in items
                    if (c in ctx if c != "affirmed" else not ctx)}
        rows["context " + c] = _count([(pick(e), pick(g)) for e, g in both])
    rows["suggested"] = _count([(_suggested(e), _suggested(g))
                                for e, g in both])
    rows["problem category"] = _count(
        [(_categories(e, True), _categories(g, True)) for e, g in both])
    rows["problem cat. any ctx"] = _count(
        [(_categories(e, False), _categories(g, False)) for e, g in both])
    rows["all, symptoms aside"] = _count(
        [(_without_symptoms(e), _without_symptoms(g)) for e, g in both])
    return rows


def _without_symptoms(items):
    """The findings less the problems coded as a symptom or sign (ICD-10
    chapter XVIII, R00-R99)."""
    return {x for x in items if not (x[0] == "problem" and
                                     x[1].startswith("R"))}


def _categories(items, with_context):
    """The problems at their ICD-10 category (I48.0 and I48.9 are I48),
    with their context or without: two careful annotators of the same
    notes differ most in how finely they code a problem and whether a
    symptom is history or current (docs/note-reader.md, "Two
    annotators"), and these rows show how much of the problem score
    is that."""
    return {(c.split(".")[0], ctx if with_context else frozenset())
            for k, c, ctx in items if k == "problem"}


def errors(notes, found):
    """Lines naming each note's misses (-) and false findings (+)."""
    out = []
    for n in notes:
        e = _no_known_allergies(n["expect"])
        g = _at_annotated_level(e, _no_known_allergies(found[n["id"]]))
        for sign, items in (("-", e - g), ("+", g - e)):
            for k, c, ctx in sorted(items, key=lambda x: (x[0], x[1])):
                out.append("%s %s %s %s %s" % (
                    n["id"], sign, k, c, ",".join(sorted(ctx)) or
                    "affirmed"))
    return out


def _fmt(v):
    return "   -  " if v is None else "%5.3f" % v


def table(name, notes, rows):
    expected = sum(len(n["expect"]) for n in notes)
    lines = ["%s: %d notes, %d expected findings" % (name, len(notes),
                                                      expected),
             "%-22s %6s %6s %6s %5s %5s %5s" % ("", "prec", "recall", "F1",
                                                "tp", "fp", "fn")]
    for key, r in rows.items():
        lines.append("%-22s %6s %6s %6s %5d %5d %5d" % (
            key, _fmt(r["precision"]), _fmt(r["recall"]), _fmt(r["f1"]),
            r["tp"], r["fp"], r["fn"]))
    return "\n".join(lines)


def service_reader(stack):
    """read(text) through a running stack's records ReadText."""
    from harness import protos
    pb = protos.module("records")

    def read(text):
        return findings(stack.call("records", "ReadText",
                                   pb.ReadTextRequest(text=text),
                                   role="clinician"), pb)
    return read


def order_lines(total):
    """--errors' lines for the order-changing allergy errors."""
    return (["%s missed-allergy %s" % x for x in total["missed"]] +
            ["%s blocking-allergy %s" % x for x in total["blocking"]])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", default=["dev", "test"])
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sets = [(s, parse(set_path(s))) for s in args.sets]
    classes = orders.substance_classes()
    sys.path.insert(0, os.path.join(REPO, "tests"))
    from harness import Stack
    report = {}
    with Stack(services=("records",)) as st:
        read = service_reader(st)
        for name, notes in sets:
            found = read_all(notes, read)
            rows = score(notes, found)
            total = orders.order_errors(notes, found, classes)
            report[name] = dict(rows, orders={
                "held": total["held"], "missed": len(total["missed"]),
                "invented": total["invented"],
                "blocking": len(total["blocking"])})
            if args.json:
                continue
            print(table(name, notes, rows))
            print(orders.summary(total))
            if args.errors:
                print("\n".join(errors(notes, found)))
                print("\n".join(order_lines(total)))
            print()
    if args.json:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
