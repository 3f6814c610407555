#!/usr/bin/env python3
"""The "claims" section of make check (tools/dev/check.sh): the mechanism
pages, docs/architecture.md and docs/internals/*.md, state what holds now,
and the claims they mark as checked are proved against the tree.

1. No page narrates history: a mention of an issue number ("issue 54")
   or of a change's date ("since 2026-11-26") fails; git keeps the
   history, the page keeps the contract.
2. A sentence that states an order or an exclusivity the code must keep
   carries a marker <!-- claim: ID --> and docs/internals/claims.tsv has a
   row for ID: the id, the page, and a shell command run from the root of
   the tree that exits 0 while the claim holds (it greps or runs the code,
   so it fails when the code changes under the sentence).  A marker with
   no row, a row whose marker is not on its page, or a proof that fails is
   named, one line each, and the exit status is 1.
3. Every sentence of those pages that says "only", "never", "before",
   "after" or "always" (whole words, not "append-only"; any case;
   outside code spans and code blocks) is such a claim and carries a
   marker; one without is named with its page and line.  A sentence
   that is no such claim says what it means without the absolute word.

Claims of order put with "first", "once" or "then" ("the stored nodes are
checked first", "ready once both succeed", "finds how many fit, then
writes") and claims of exactly-once ("stored once") are marked by hand,
with a proof row like any other.  The check does not look for those
words: on these pages most of their uses are ordinals ("its first
start", "the first 16 hex digits"), frequencies ("about once a second")
or a plain sequence of steps, and a rule on the word would demand a
marker on each of them or rewording that says nothing better.  Whoever
writes such a claim marks it.

It reads files and runs the proofs only (no build, no network).  --root
DIR checks the tree at DIR instead of this one (the tests use it).
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if len(sys.argv) == 3 and sys.argv[1] == "--root":
    ROOT = os.path.abspath(sys.argv[2])
TABLE = "docs/internals/claims.tsv"
HISTORY = re.compile(r"\bissues? [0-9]+|\b(since|until|before|after|as of) "
                     r"20[0-9]{2}-[0-9]{2}-[0-9]{2}", re.I)
MARKER = re.compile(r"<!--\s*claim:\s*([a-z0-9-]+)\s*-->")
# A whole word: "append-only" and "read-only" name a kind of thing.
# "after" is the mirror of "before": an order the code must keep.
ABSOLUTE = re.compile(r"(?<![\w-])(only|never|before|after|always)(?![\w-])",
                      re.I)
FENCE = re.compile(r"^\s*(```|~~~)")
# A sentence ends at . ! or ? before a space, and a paragraph, a heading,
# a list item and a table row each start a new one.
END = re.compile(r"(?<=[.!?])\s+")
BLOCK = re.compile(r"^\s*(#+ |[-*+] |[0-9]+[.)] |\|)")


def pages():
    return ["docs/architecture.md"] + sorted(
        os.path.relpath(p, ROOT)
        for p in glob.glob(os.path.join(ROOT, "docs/internals/*.md")))


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def history(problems):
    for page in pages():
        for n, line in enumerate(read(page).splitlines(), 1):
            m = HISTORY.search(line)
            if m:
                problems.append("%s:%d: narrates history (%r): state what "
                                "holds now" % (page, n, m.group(0)))


def units(text):
    """The stretches of prose a sentence cannot cross (paragraphs,
    headings, list items, table rows), each a list of (line number, line);
    code blocks left out."""
    out, cur, fenced = [], None, False
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced, cur = not fenced, None
        elif fenced or not line.strip():
            cur = None
        else:
            if cur is None or BLOCK.match(line):
                cur = []
                out.append(cur)
            cur.append((n, line))
    return out


def blank_code(text):
    """text with each code span (which may run on to the next line)
    blanked to its length, so that offsets still give the lines."""
    return re.sub(r"`[^`]*`",
                  lambda m: "`" + "x" * (len(m.group(0)) - 2) + "`", text)


def split(joined):
    """(offset, sentence) of each sentence of joined; a marker just after
    a sentence's end belongs to that sentence."""
    out, at = [], 0
    for m in list(END.finditer(joined)) + [None]:
        piece = joined[at:m.start()] if m else joined[at:]
        lead = MARKER.match(piece)
        if lead and out:
            out[-1] = (out[-1][0], out[-1][1] + lead.group(0))
            piece = piece[lead.end():]
        out.append((at + (lead.end() if lead else 0), piece))
        at = m.end() if m else at
    return out


def sentences(text):
    """(line, sentence) of each sentence of text; the line is that of its
    first absolute word, else of its start."""
    for lines in units(text):
        joined, starts = "", []
        for n, line in lines:
            starts.append((len(joined), n))
            joined += line.strip() + " "
        for at, piece in split(blank_code(joined)):
            m = ABSOLUTE.search(piece)
            pos = at + (m.start() if m else 0)
            yield max(n for off, n in starts if off <= pos), piece


def unmarked(problems):
    for page in pages():
        for n, sentence in sentences(read(page)):
            m = ABSOLUTE.search(sentence)
            if m and not MARKER.search(sentence):
                problems.append(
                    "%s:%d: %r in a sentence with no <!-- claim: ID -->: "
                    "prove it in %s or say it without the word" %
                    (page, n, m.group(0), TABLE))


def markers():
    found = {}
    for page in pages():
        for n, line in enumerate(read(page).splitlines(), 1):
            for m in MARKER.finditer(line):
                found.setdefault(m.group(1), []).append((page, n))
    return found


def table(problems):
    rows = {}
    for n, line in enumerate(read(TABLE).splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3 or not all(c.strip() for c in cols):
            problems.append("%s:%d: want id<TAB>page<TAB>proof" % (TABLE, n))
            continue
        if cols[0] in rows:
            problems.append("%s:%d: %s: a second row" % (TABLE, n, cols[0]))
        rows[cols[0]] = (cols[1], cols[2], n)
    return rows


def prove(cid, proof, n, problems):
    r = subprocess.run(["sh", "-c", proof], cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        out = (r.stdout + r.stderr).strip().replace("\n", " | ")
        problems.append("%s:%d: claim %s no longer holds: %s%s" % (
            TABLE, n, cid, proof, (" (" + out[:200] + ")") if out else ""))


def claims(problems):
    rows = table(problems)
    found = markers()
    for cid, places in sorted(found.items()):
        for page, n in places:
            if cid not in rows:
                problems.append("%s:%d: claim %s has no row in %s" %
                                (page, n, cid, TABLE))
            elif rows[cid][0] != page:
                problems.append("%s:%d: claim %s: %s says it is on %s" %
                                (page, n, cid, TABLE, rows[cid][0]))
    for cid, (page, proof, n) in sorted(rows.items()):
        if not any(p == page for p, _ in found.get(cid, [])):
            problems.append("%s:%d: claim %s is not marked on %s" %
                            (TABLE, n, cid, page))
        prove(cid, proof, n, problems)
    return len(rows)


def main():
    problems = []
    history(problems)
    count = claims(problems)
    unmarked(problems)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("%d checked claims hold; every only, never, before, after and "
          "always is one of them; no page narrates history" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
