#!/usr/bin/python3
"""How far two annotators of the same notes agree, and the reader with each
(issue 75; docs/note-reader.md, "Two annotators").

tests/data/notes/agreement/SET.notes holds a second annotation, made
independently from tests/data/notes/README.md alone, of the first notes of
tests/data/notes/SET.notes (the same ids and texts).  For each SET given
it prints, with eval.py's scoring (the first annotator as the reference):

- the second annotator against the first: the ceiling a reader meets when
  the reference is one annotator's choices;
- the reader (build/bin/notes-features --read, as the service reads)
  against the first and against the second;
- on each line, problems at the ICD-10 category in any context too, and
  the two annotators on kind and code alone: how much of the
  disagreement is context and code level rather than what the note
  holds.

Usage: tools/notes/agreement.py [SET ...]   (default: every set with a
second annotation)
"""

import os
import sys

import eval as ev
import orders
import train

AGREEMENT = os.path.join(ev.DATA, "agreement")


def _found(notes):
    found = train.read_features(notes, "--read")
    return {n["id"]: {(f["kind"], f["code"], train.ctx_set(f["ctx"]))
                      for f in fs} for n, fs in zip(notes, found)}


def _f1(pairs):
    tp = sum(len(a & b) for a, b in pairs)
    wrong = sum(len(a ^ b) for a, b in pairs)
    return 2 * tp / (2 * tp + wrong) if tp + wrong else 1.0


def _line(name, reference, got, classes):
    sc = ev.score(reference, got)
    errs = orders.order_errors(reference, got, classes)
    kinds = "  ".join("%s %.3f" % (k.split()[1], sc[k]["f1"]) for k in
                      ("kind allergy", "kind problem", "kind medicine"))
    print("  %-24s all %.3f  %s  problem category %.3f  suggested %.3f  "
          "allergies missed %d, blocking %d"
          % (name, sc["all"]["f1"], kinds, sc["problem cat. any ctx"]["f1"],
             sc["suggested"]["f1"], len(errs["missed"]),
             len(errs["blocking"])))


def report(name, classes):
    second = ev.parse(os.path.join(AGREEMENT, name + ".notes"))
    ids = {n["id"] for n in second}
    first = [n for n in ev.parse(ev.set_path(name)) if n["id"] in ids]
    by_id = {n["id"]: n for n in second}
    second = [by_id[n["id"]] for n in first]
    print("%s: %d notes, %d findings (first), %d (second)" % (
        name, len(first), sum(len(n["expect"]) for n in first),
        sum(len(n["expect"]) for n in second)))
    as_found = {n["id"]: ev._no_known_allergies(n["expect"])
                for n in second}
    _line("second vs first", first, as_found, classes)
    got = _found(first)
    _line("reader vs first", first, got, classes)
    _line("reader vs second", second, got, classes)
    # eval.py's leniency first (a subcode where the first coded the
    # category counts as the category), then the contexts dropped
    levelled = [(ev._no_known_allergies(a["expect"]), ev._at_annotated_level(
        ev._no_known_allergies(a["expect"]), as_found[b["id"]]))
        for a, b in zip(first, second)]
    kc = [({(k, c) for k, c, _ in e}, {(k, c) for k, c, _ in g})
          for e, g in levelled]
    cat = [(ev._categories(a["expect"], False),
            ev._categories(b["expect"], False))
           for a, b in zip(first, second)]
    print("  annotators on kind and code alone F1 %.3f; on problems at the "
          "ICD-10 category, any context, %.3f" % (_f1(kc), _f1(cat)))


def main(argv):
    names = argv or sorted(f[:-len(".notes")] for f in os.listdir(AGREEMENT)
                           if f.endswith(".notes"))
    classes = orders.substance_classes()
    for name in names:
        report(name, classes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
