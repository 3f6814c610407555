"""What the note reader's allergy errors would do to orders (issue 75).

Precision and recall count every finding alike; a clinician cares about
two errors above the others, the ones the issue's "Done when" names:

- an allergy **missed**: the writer records an allergy the dose checks
  should stop a drug for (any context but negated, hypothetical or
  family: a past or doubted allergy still stops or warns), and the
  reader offers no allergy that covers it: neither the same code nor a
  class the substance belongs to (a "penicillins" finding covers an
  amoxicillin allergy; an "amoxicillin" finding does not cover a
  penicillin one, whose other members would be let through);
- an allergy **invented that blocks a tolerated drug**: the reader
  offers an allergy (suggested: not negated, hypothetical or family)
  that no annotated allergy accounts for (not its code, nor a class of
  it, nor a member of it), and the note says the patient takes, took or
  tolerates a drug it would stop: an annotated medicine (not negated,
  hypothetical or family) or a negated allergy ("tolerated since", a
  de-labelling) whose substance is that code or belongs to that class.

The classes are dosage's own (services/dosage/catalogue/substances.c,
read with the parser tools/dev/gen-note-terms.py uses), so "blocks" means
what dosage's allergy check would block.
"""

import importlib.util
import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
NOT_HELD = {"negated", "hypothetical", "family"}


def _terms_module():
    path = os.path.join(REPO, "tools", "dev", "gen-note-terms.py")
    spec = importlib.util.spec_from_file_location("gen_note_terms", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def substance_classes():
    """{substance code: {class codes}} from dosage's substance table."""
    mod = _terms_module()
    with open(os.path.join(REPO, mod.SUBSTANCES), encoding="utf-8") as f:
        text = f.read()
    start = text.index("static const dosage_substance table[]")
    body = re.sub(r"/\*.*?\*/", "", text[start:text.index("};", start)],
                  flags=re.S)
    return {m.group(1): {c for c in m.group(3).split("|") if c}
            for m in mod.ROW.finditer(body)}


def _held(items):
    """Allergy codes an order check would act on."""
    return {c for k, c, ctx in items
            if k == "allergy" and c != "-" and not (ctx & NOT_HELD)}


def _covers(found_code, code, classes):
    return found_code == code or found_code in classes.get(code, ())


def _related(a, b, classes):
    return _covers(a, b, classes) or _covers(b, a, classes)


def _tolerated(items):
    """Substances the note says the patient takes, took or tolerates."""
    taken = {c for k, c, ctx in items
             if k == "medicine" and not (ctx & NOT_HELD)}
    cleared = {c for k, c, ctx in items
               if k == "allergy" and ctx == frozenset({"negated"})}
    return taken | cleared


def _blocks(allergy, substance, classes):
    return allergy == substance or allergy in classes.get(substance, ())


def note_order_errors(expected, found, classes):
    """(held, missed, invented, blocking): counts for one note, and the
    codes missed and invented-blocking for the error listing."""
    want, got = _held(expected), _held(found)
    missed = sorted(c for c in want
                    if not any(_covers(g, c, classes) for g in got))
    invented = [g for g in got
                if not any(_related(g, c, classes) for c in want)]
    tolerated = _tolerated(expected)
    blocking = sorted(g for g in invented
                      if any(_blocks(g, s, classes) for s in tolerated))
    return len(want), missed, len(invented), blocking


def order_errors(notes, found, classes):
    """Totals over a set: allergies held, missed, invented, and invented
    ones that block a drug the note says is taken or tolerated, with
    the (note id, code) pairs of the missed and blocking ones."""
    total = {"held": 0, "missed": [], "invented": 0, "blocking": []}
    for n in notes:
        held, missed, invented, blocking = note_order_errors(
            n["expect"], found[n["id"]], classes)
        total["held"] += held
        total["missed"] += [(n["id"], c) for c in missed]
        total["invented"] += invented
        total["blocking"] += [(n["id"], c) for c in blocking]
    return total


def summary(total):
    held, missed = total["held"], len(total["missed"])
    covered = (held - missed) / held if held else None
    return ("allergies an order check acts on: %d, covered %s (missed %d); "
            "invented %d, of which block a drug the note says is taken or "
            "tolerated: %d" % (
                held, "-" if covered is None else "%.3f" % covered, missed,
                total["invented"], len(total["blocking"])))
