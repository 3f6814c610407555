"""The note reader's context model (issue 75, docs/note-reader.md "The
context model"): build/bin/notes-features reads every annotated set by
the rules alone (--rules) and as the service reads it (--read, the rules
then the model).  The model may change a problem's or a medicine's
context and drop a problem; it never changes, adds or drops an allergy,
never moves a span, and never invents a finding the rules did not make.
ReadText names the model as the trigger of a context it set."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, "tools", "notes"))
import eval as note_eval  # noqa: E402

BIN = os.path.join(os.environ.get("BUILD", os.path.join(REPO, "build")),
                   "bin", "notes-features")
SETS = sorted(f[:-len(".notes")] for f in os.listdir(note_eval.DATA)
              if f.endswith(".notes"))


def _readings(texts, mode):
    data = b"".join(t.encode() + b"\0" for t in texts)
    out = subprocess.run([BIN, mode], input=data, stdout=subprocess.PIPE,
                         check=True, timeout=300).stdout.decode()
    notes = []
    for line in out.split("\n"):
        if line == "#":
            notes.append([])
        elif line:
            notes[-1].append(tuple(line.split("\t")[:5]))
    assert len(notes) == len(texts)
    return notes


@pytest.fixture(scope="module")
def both():
    texts = [n["text"] for s in SETS
             for n in note_eval.parse(note_eval.set_path(s))]
    return _readings(texts, "--rules"), _readings(texts, "--read")


def test_the_model_never_touches_an_allergy(both):
    for rules, read in zip(*both):
        assert [f for f in rules if f[0] == "allergy"] == \
            [f for f in read if f[0] == "allergy"]


def test_the_model_changes_contexts_and_drops_problems_only(both):
    changed = dropped = 0
    for rules, read in zip(*both):
        by_span = {(k, c, s, e): ctx for k, c, ctx, s, e in rules}
        kept = set()
        for k, c, ctx, s, e in read:
            assert (k, c, s, e) in by_span, "a finding the rules never made"
            changed += ctx != by_span[(k, c, s, e)]
            kept.add((k, c, s, e))
        for k, c, ctx, s, e in rules:
            if (k, c, s, e) in kept:
                continue
            # dropped by the model, or a repeat its new context made
            assert k == "problem" or any(
                f[:3] == (k, c, ctx) or f[:2] == (k, c) for f in read)
            dropped += k == "problem"
    # the model is live: it changes contexts and drops problems on the
    # sets it reads
    assert changed > 0 and dropped > 0


def test_a_context_the_model_set_names_the_model(both):
    texts = [n["text"] for s in SETS
             for n in note_eval.parse(note_eval.set_path(s))]
    for text, rules, read in zip(texts, *both):
        before = {(k, c, s, e): ctx for k, c, ctx, s, e in rules}
        for k, c, ctx, s, e in read:
            if ctx != before[(k, c, s, e)]:
                return _check_trigger(text, (k, c, ctx, s, e))
    pytest.fail("the model changed no context on any set")


def _check_trigger(text, finding):
    sys.path.insert(0, os.path.join(REPO, "tests"))
    from harness import Stack, protos
    pb = protos.module("records")
    kind = {"problem": pb.SUGGESTION_KIND_PROBLEM,
            "medicine": pb.SUGGESTION_KIND_MEDICINE}[finding[0]]
    with Stack(services=("records",)) as st:
        r = st.call("records", "ReadText", pb.ReadTextRequest(text=text),
                    role="clinician")
    got = [f for f in r.findings if f.kind == kind and
           f.code == finding[1] and f.span_start == int(finding[3])]
    assert got and got[0].trigger == "context model"
    assert (",".join(got[0].context) or "affirmed") == finding[2]
