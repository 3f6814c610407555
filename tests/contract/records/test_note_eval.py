"""The note reader measured (issue 55, docs/note-reader.md): ReadText gives
every finding of a text, negated, hypothetical and family ones too, with
spans, and stores nothing; the development set (tests/data/notes/dev.notes)
read through it scores at least the floors below (tools/notes/eval.py);
and what ReadText calls suggested is what CreateEntry suggests for the same
note.  The held-out set is not tested here: its numbers are reported in
docs/benchmarks.md, not tuned against."""

import os
import sys
import uuid

import grpc
import pytest

from harness.checks import expect_status

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
    "tools", "notes"))
import eval as note_eval  # noqa: E402
import orders  # noqa: E402

SVC = "records"
pytestmark = pytest.mark.stack(services=("audit", "records"))

# Floors on the dev set, a little under what the reader scores there
# (docs/benchmarks.md): a change that reads the dev notes worse fails.
# Its author coded "CKD stage 4" as N18.9 and knee osteoarthritis as
# M19.9, where the reader gives the stage's and the joint's codes (N18.4,
# M17.9) as the other writers code them, and it dates an allergy
# ("erythromycin ... years ago" historical) where the other writers hold
# a dated allergy current, as the reader now does; so its problem,
# historical and suggested floors sit under that (0.935, 0.880 and 0.956
# with the rules of rules75en2).  Its author annotates the complaints of
# a history as problems ("fever", "no chest pain"), which the reader
# reports only where an assessment names them (complaint.c, as seventy of
# the hundred development sets' writers annotate), so its all, problem,
# negated and suggested floors sit under that too (0.894, 0.782, 0.818 and
# 0.904 with complaint75a).
FLOORS = {
    "all": 0.88,
    "kind allergy": 0.90,
    # 0.919 since modeldrop75a: the model no longer drops a side-narrowed
    # code, and dev-24's writer codes "osteoarthritis of both knees" at
    # M19.9 where the rules read M17.0 (qualify.c)
    "kind problem": 0.77,
    "kind medicine": 0.94,
    "context negated": 0.80,
    "context historical": 0.87,
    "context family": 0.85,
    "suggested": 0.89,
}


def _read(st, pb, text, role="clinician"):
    return st.call(SVC, "ReadText", pb.ReadTextRequest(text=text), role=role)


def test_read_text_gives_every_finding_with_its_context(st, pb):
    text = ("Denies stroke. Mother had asthma. Allergic to codeine. "
            "If fever, give paracetamol. NKDA.")
    r = _read(st, pb, text)
    got = {(f.kind, f.code): f for f in r.findings}
    stroke = got[(pb.SUGGESTION_KIND_PROBLEM, "I64")]
    assert list(stroke.context) == ["negated"] and not stroke.suggested
    assert text.encode()[stroke.span_start:stroke.span_end] == b"stroke"
    assert stroke.text == "stroke" and stroke.trigger == "denies"
    # a complaint is no problem (complaint.c): "fever" here is a condition
    assert (pb.SUGGESTION_KIND_PROBLEM, "R50.9") not in got
    assert list(got[(pb.SUGGESTION_KIND_PROBLEM, "J45.9")].context) == [
        "family"]
    codeine = got[(pb.SUGGESTION_KIND_ALLERGY, "codeine")]
    assert codeine.suggested and list(codeine.context) == []
    assert list(got[(pb.SUGGESTION_KIND_MEDICINE, "paracetamol")]
                .context) == ["hypothetical"]
    nkda = got[(pb.SUGGESTION_KIND_ALLERGY, "")]
    assert list(nkda.context) == ["negated"] and not nkda.suggested
    assert r.stopped == ""


def test_read_text_checks_its_text_and_roles(st, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, st, pb, "",
                  details_prefix="text")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, st, pb,
                  "x" * 65537, details_prefix="text")
    assert _read(st, pb, "Allergic to latex.", role="pharmacist").findings
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _read, st, pb,
                  "Allergic to latex.", role="auditor")


# The allergy errors that would change an order (tools/notes/orders.py),
# per set: at most this many allergies missed, and at most this many
# invented ones that block a drug the note says the patient takes or
# tolerates (the aim: none).  What the reader does today; a rule
# that trades one more such error for F1 fails.  en-dev7's valproate
# stopped for weight gain and en-dev9's tizanidine "tried and stopped
# (drowsy, hypotension)", once their blocking allergies, are read as
# those writers annotate them, past medicines (rules75en17 and
# rules75en16: expected effects), and en-dev12's ceftriaxone "given this
# admission without problem" on a penicillin allergy's line as a drug
# tolerated (rules75en24: "without problem"); en-dev17's is simvastatin "pt stopped himself (muscle aches)" in a
# reconciliation table, a side effect as that writer annotates it and an
# intolerance as en-dev2's writer annotates "stopped by GP (muscle
# aches)".
ORDER_CEILINGS = {
    "dev": (1, 0), "en-dev2": (1, 0), "en-dev3": (0, 0), "en-dev4": (0, 0),
    "en-dev5": (0, 0), "en-dev6": (0, 0), "en-dev7": (0, 0),
    "en-dev8": (1, 0), "zh-dev": (0, 0), "zh-dev2": (2, 0),
    "zh-dev3": (2, 0), "zh-dev4": (2, 0), "zh-dev5": (1, 0),
    "zh-dev6": (1, 0), "zh-dev7": (0, 0), "zh-dev8": (0, 0),
    "zh-dev9": (0, 0),
    "en-dev9": (1, 0),
    "en-dev10": (2, 0), "zh-dev10": (0, 0),
    "en-dev11": (2, 0), "zh-dev11": (1, 0),
    "en-dev12": (1, 0), "zh-dev12": (0, 0),
    "en-dev13": (2, 0), "zh-dev13": (2, 0),
    "en-dev14": (2, 0), "zh-dev14": (1, 0),
    "en-dev15": (0, 0), "zh-dev15": (1, 0),
    "en-dev16": (0, 0), "zh-dev16": (0, 0),
    "en-dev17": (1, 0), "zh-dev17": (1, 0),
    "en-dev18": (4, 0), "zh-dev18": (4, 1),
    "en-dev19": (0, 0), "zh-dev19": (1, 1),
    "en-dev20": (3, 0), "zh-dev20": (5, 0),
    # zh-dev21's block is zh21-08's zopiclone: "也试过\"佐匹克隆\"，口苦
    # 明显，停了" - 口苦 is a reaction since allergy75pu, and a side effect
    # given as the reason for a stop is read as the allergy, by choice
    "en-dev21": (0, 0), "zh-dev21": (0, 1),
    "en-dev22": (0, 0), "zh-dev22": (3, 1),
    "en-dev23": (4, 0), "zh-dev23": (8, 0),
    "en-dev24": (10, 1), "zh-dev24": (3, 0),
    "en-dev25": (3, 0), "zh-dev25": (6, 0),
    "en-dev26": (1, 0), "zh-dev26": (2, 0),
    "en-dev27": (3, 1), "zh-dev27": (3, 0),
    "en-dev28": (3, 0), "zh-dev28": (5, 0),
    "en-dev29": (3, 1), "zh-dev29": (4, 1),
    "en-dev30": (10, 0), "zh-dev30": (9, 0),
    "en-dev31": (4, 2), "zh-dev31": (1, 1),
    "en-dev32": (2, 1), "zh-dev32": (3, 2),
    "en-dev33": (4, 1), "zh-dev33": (4, 0),
    "en-dev34": (5, 4), "zh-dev34": (2, 0),
    "en-dev35": (1, 4), "zh-dev35": (3, 1),
    "en-dev36": (4, 1), "zh-dev36": (4, 0),
    "en-dev37": (0, 2), "zh-dev37": (0, 1),
    "en-dev38": (2, 0), "zh-dev38": (3, 0),
    "en-dev39": (4, 1), "zh-dev39": (2, 1),
    "en-dev40": (1, 4), "zh-dev40": (3, 1),
    "en-dev41": (2, 2), "zh-dev41": (1, 2),
    "en-dev42": (2, 2), "zh-dev42": (4, 0),
    "en-dev43": (1, 1), "zh-dev43": (2, 0),
    "en-dev44": (5, 2), "zh-dev44": (5, 2),
    "en-dev45": (3, 1), "zh-dev45": (7, 0),
    "en-dev46": (3, 4), "zh-dev46": (1, 0),
    "en-dev47": (2, 4), "zh-dev47": (6, 1),
    "en-dev48": (3, 5), "zh-dev48": (4, 1),
    "en-dev49": (2, 2), "zh-dev49": (1, 0),
    "en-dev50": (4, 2), "zh-dev50": (3, 1),
    "en-dev51": (2, 4), "zh-dev51": (4, 2),
    "en-dev52": (1, 2), "zh-dev52": (2, 3),
    "en-dev53": (1, 2), "zh-dev53": (1, 0),
    "en-dev54": (3, 0), "zh-dev54": (4, 0),
    "en-dev55": (1, 0), "zh-dev55": (1, 1),
    "en-dev56": (0, 0), "zh-dev56": (3, 2),
    "en-dev57": (4, 1), "zh-dev57": (4, 0),
    "en-dev58": (4, 0), "zh-dev58": (2, 0),
    "en-dev59": (0, 0), "zh-dev59": (4, 0),
    "en-dev60": (2, 2), "zh-dev60": (1, 1),
    "en-dev61": (1, 1), "zh-dev61": (0, 0),
    "en-dev62": (0, 1), "zh-dev62": (0, 2),
    "en-dev63": (1, 0), "zh-dev63": (5, 1),
    "en-dev64": (3, 2), "zh-dev64": (2, 1),
    "en-dev65": (1, 1), "zh-dev65": (0, 0),
    "en-dev66": (1, 1), "zh-dev66": (3, 2),
    "en-dev67": (4, 1), "zh-dev67": (0, 0),
    "en-dev68": (6, 1), "zh-dev68": (0, 0),
    "en-dev69": (0, 0), "zh-dev69": (1, 0),
    "en-dev70": (2, 3), "zh-dev70": (3, 1),
    # en-dev71's block is en71-23's codeine: "the co-codamol made her\n
    # \"spaced out and constipated\" so she has stopped it" is read whole
    # since allergy75og, and a side effect given as the reason for a stop
    # is read as the allergy with its reaction, by choice
    "en-dev71": (1, 1), "zh-dev71": (3, 0),
    "en-dev72": (2, 1), "zh-dev72": (3, 2),
    "en-dev73": (1, 1), "zh-dev73": (0, 0),
    "en-dev74": (0, 1), "zh-dev74": (1, 0),
    "en-dev75": (2, 1), "zh-dev75": (1, 1),
    "en-dev76": (0, 1), "zh-dev76": (2, 1),
    "en-dev77": (1, 2), "zh-dev77": (1, 1),
    "en-dev78": (2, 1), "zh-dev78": (6, 1),
    "en-dev79": (0, 0), "zh-dev79": (6, 0),
    "en-dev80": (6, 0), "zh-dev80": (8, 0),
    "en-dev81": (1, 0), "zh-dev81": (4, 1),
    "en-dev82": (2, 2), "zh-dev82": (6, 4),
    "en-dev83": (1, 1), "zh-dev83": (8, 1),
    "en-dev84": (2, 1), "zh-dev84": (1, 2),
    "en-dev85": (2, 0), "zh-dev85": (3, 2),
    "en-dev86": (2, 1), "zh-dev86": (4, 1),
    "en-dev87": (3, 3), "zh-dev87": (9, 5),
    "en-dev88": (4, 1), "zh-dev88": (1, 1),
    "en-dev89": (1, 0), "zh-dev89": (2, 2),
    "en-dev90": (0, 2), "zh-dev90": (4, 0),
    "en-dev91": (2, 1), "zh-dev91": (0, 3),
    "en-dev92": (1, 1), "zh-dev92": (0, 0),
}


def assert_above_floors(st, name, floors):
    """Reads the set name through the service and fails naming every row
    whose F1 is under its floor, and every allergy error over the set's
    ORDER_CEILINGS, with the set's errors."""
    notes = note_eval.parse(note_eval.set_path(name))
    found = note_eval.read_all(notes, note_eval.service_reader(st))
    rows = note_eval.score(notes, found)
    low = {k: round(rows[k]["f1"], 3) for k, floor in floors.items()
           if rows[k]["f1"] < floor}
    assert not low, "F1 under the floor on %s: %r\n%s" % (
        name, low, "\n".join(note_eval.errors(notes, found)))
    most_missed, most_blocking = ORDER_CEILINGS[name]
    total = orders.order_errors(notes, found, orders.substance_classes())
    assert len(total["missed"]) <= most_missed, (
        "allergies missed on %s: %r" % (name, total["missed"]))
    assert len(total["blocking"]) <= most_blocking, (
        "invented allergies that block a tolerated drug on %s: %r" % (
            name, total["blocking"]))


def test_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "dev", FLOORS)


# Floors on the Chinese dev set (tests/data/notes/zh-dev.notes, issue 75),
# a little under what the reader scores there (docs/note-reader.md: 0.981
# with the Chinese rules of rules75zh2, its five chronic problems under
# past history read as README.md's rule has them); the reader before
# Chinese was read scored 0.05 on it.  Its problems' floor is 0.93 and its
# family context's 0.85 since 冠心病 reads I25.1, as seven of the nine
# writers who code it below the category have it, where this set codes
# I25.9 (problems 0.957 to 0.935; a father's 冠心病 takes family from 1.0
# to 0.857).  It annotates complaints as problems, as dev does (its all,
# problem, negated and suggested floors under 0.873, 0.693, 0.625 and
# 0.908 with complaint75a).
ZH_FLOORS = {
    "all": 0.86,
    "kind allergy": 0.97,
    "kind problem": 0.68,
    "kind medicine": 0.97,
    "context negated": 0.61,
    "context historical": 0.96,
    "context family": 0.85,
    "suggested": 0.89,
}


def test_chinese_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "zh-dev", ZH_FLOORS)


# Floors on zh-dev2 (30 Chinese notes, five traditional, by a writer who
# never read the rules; held out until its F1 0.662 was reported, now a
# development set): a little under what the reader scores there
# (docs/note-reader.md, 0.888 with the Chinese rules of rules75zh2).  Its
# writer annotates complaints as problems (all 0.863, problems 0.826,
# negated 0.746 with complaint75a; negated 0.727 with the weights trained
# to the forty-seventh writers, model75s, whose writers annotate no
# denied complaint).
ZH2_FLOORS = {
    "all": 0.85,
    "kind allergy": 0.88,
    "kind problem": 0.81,
    "kind medicine": 0.87,
    "context negated": 0.72,
    "context historical": 0.77,
    "context family": 0.93,
    "suggested": 0.91,
}


# Floors on zh-dev3 (30 Chinese notes, five traditional, by a third writer
# who never read the rules; held out as zh-test3 until its F1 0.641 was
# reported, now a development set): a little under what the reader scores
# there (docs/note-reader.md, 0.759 with the Chinese rules of rules75zh2).
# Its writer annotates complaints as problems (problems 0.699, negated
# 0.586 with complaint75a).
# suggested 0.81: this writer files a side effect a drug was stopped for
# as an allergy, which the reader reads as a medicine (allergy75ub)
ZH3_FLOORS = {"all": 0.74, "kind allergy": 0.89, "kind problem": 0.68,
              "kind medicine": 0.71, "context negated": 0.57,
              "context family": 0.94, "suggested": 0.81}


# Floors on zh-dev4 (30 Chinese notes, five traditional, by a fourth
# writer who never read the rules; held out as zh-test4 until its F1
# 0.616 was reported, now a development set): a little under what the
# reader scores there (docs/note-reader.md, 0.747 with the Chinese rules
# of rules75zh2).  Its writer annotates no symptoms, so its problems'
# precision stays low while the other sets' writers count them.
ZH4_FLOORS = {"all": 0.72, "kind allergy": 0.85, "kind problem": 0.65,
              "kind medicine": 0.77, "context negated": 0.64,
              "context historical": 0.65, "context family": 0.93,
              "suggested": 0.80}


# Floors on zh-dev5 (30 Chinese notes, five traditional, by a fifth
# writer who never read the rules; held out as zh-test5 until its F1
# 0.636 was reported, now a development set): a little under what the
# reader scores there (docs/note-reader.md, 0.661 with the Chinese rules
# of rules75zh3, allergies 0.836; negated 0.739 with complaint75a, its
# writer annotating complaints as problems).
ZH5_FLOORS = {"all": 0.64, "kind allergy": 0.81, "kind problem": 0.59,
              "kind medicine": 0.62, "context negated": 0.72,
              "context family": 0.87, "suggested": 0.75}


# Floors on zh-dev6 (30 Chinese notes, six traditional, by a sixth
# writer who never read the rules; held out as zh-test6 until its F1
# 0.675 was reported, now a development set): a little under what the
# reader scores there (docs/note-reader.md, 0.713 with the Chinese rules
# of rules75zh4, allergies 0.847).
ZH6_FLOORS = {"all": 0.69, "kind allergy": 0.82, "kind problem": 0.65,
              "kind medicine": 0.65, "context negated": 0.70,
              "context family": 0.88, "context uncertain": 0.52,
              "suggested": 0.78}


@pytest.mark.parametrize("name,floors", [("zh-dev2", ZH2_FLOORS),
                                         ("zh-dev3", ZH3_FLOORS),
                                         ("zh-dev4", ZH4_FLOORS),
                                         ("zh-dev5", ZH5_FLOORS),
                                         ("zh-dev6", ZH6_FLOORS)])
def test_other_writers_chinese_sets_score_above_their_floors(st, pb, name,
                                                              floors):
    assert_above_floors(st, name, floors)


# Floors on en-dev2 (30 English notes by a writer who never read the
# rules; held out until its F1 0.612 was reported, now a development
# set): a little under what the reader scores there (docs/note-reader.md,
# 0.740 with the English rules of rules75en2).
EN2_FLOORS = {
    "all": 0.72,
    "kind allergy": 0.75,
    "kind problem": 0.65,
    "kind medicine": 0.80,
    "suggested": 0.84,
}


def test_second_english_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "en-dev2", EN2_FLOORS)


# Floors on en-dev3 (30 English notes by a third writer who never read
# the rules; held out until its F1 0.577 was reported, now a development
# set): a little under what the reader scores there (docs/note-reader.md,
# 0.734 with the English rules of rules75en2).
EN3_FLOORS = {
    "all": 0.71,
    "kind allergy": 0.88,
    "kind problem": 0.64,
    "kind medicine": 0.79,
    "suggested": 0.83,
}


def test_third_english_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "en-dev3", EN3_FLOORS)


# Floors on en-dev4 (30 English notes by a fourth writer who never read
# the rules; held out as en-test4 until its F1 0.600 was reported, now a
# development set): a little under what the reader scores there
# (docs/note-reader.md, 0.695 with the English rules of rules75en2).
EN4_FLOORS = {
    "all": 0.67,
    "kind allergy": 0.86,
    "kind problem": 0.60,
    "kind medicine": 0.68,
    "suggested": 0.82,
}


def test_fourth_english_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "en-dev4", EN4_FLOORS)


# Floors on en-dev5 (30 English notes by a fifth writer who never read the
# rules; held out as en-test5 until its F1 0.640 was reported, now a
# development set): a little under what the reader scores there with the
# rules learnt from it (docs/note-reader.md, rules75en3).
EN5_FLOORS = {
    "all": 0.64,
    "kind allergy": 0.72,
    "kind problem": 0.55,
    "kind medicine": 0.68,
    "suggested": 0.78,
}


def test_fifth_english_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "en-dev5", EN5_FLOORS)


# Floors on en-dev6 (30 English notes by a sixth writer who never read the
# rules; held out as en-test6 until its F1 0.590 was reported, now a
# development set): a little under what the reader scores there with the
# allergy rules learnt from it (docs/note-reader.md, rules75en4: F1 0.623,
# allergies 0.753; with the medicine, context and order-changing allergy
# rules of rules75en5 to en7, F1 0.704, allergies 0.817).
EN6_FLOORS = {
    "all": 0.69,
    "kind allergy": 0.80,
    "kind problem": 0.59,
    "kind medicine": 0.73,
    "suggested": 0.79,
}


def test_sixth_english_dev_set_scores_above_its_floors(st, pb):
    assert_above_floors(st, "en-dev6", EN6_FLOORS)


# Floors on en-dev7 and zh-dev7 (a seventh writer who never read the
# rules; held out as en-test7 and zh-test7 until their F1 0.601 and 0.622
# were reported) and on en-dev8 and zh-dev8 (an eighth; held out until
# their F1 0.675 and 0.660, and 0.679 and 0.691 with the rules learnt from
# the seventh, were reported) and on en-dev9 and zh-dev9 (a ninth; held
# out until their F1 0.648 and 0.669 were reported): a little under what
# the reader scores there (docs/note-reader.md, "Measured").
LATER_WRITERS_FLOORS = {
    "en-dev7": {"all": 0.68, "kind allergy": 0.86, "kind problem": 0.54,
                "kind medicine": 0.71, "suggested": 0.78},
    "zh-dev7": {"all": 0.76, "kind allergy": 0.91, "kind problem": 0.65,
                "kind medicine": 0.78, "suggested": 0.83},
    "en-dev8": {"all": 0.66, "kind allergy": 0.74, "kind problem": 0.54,
                "kind medicine": 0.72, "suggested": 0.75},
    "zh-dev8": {"all": 0.71, "kind allergy": 0.86, "kind problem": 0.56,
                "kind medicine": 0.77, "suggested": 0.77},
    "zh-dev9": {"all": 0.72, "kind allergy": 0.92, "kind problem": 0.64,
                "kind medicine": 0.69, "suggested": 0.81},
    "en-dev9": {"all": 0.71, "kind allergy": 0.82, "kind problem": 0.55,
                "kind medicine": 0.79, "suggested": 0.79},
    # the tenth writer's, as they were first read (0.684 and 0.680); with
    # the rules learnt from them (rules75en11: 0.725, rules75zh11: 0.724)
    "en-dev10": {"all": 0.71, "kind allergy": 0.84, "kind problem": 0.65,
                 "kind medicine": 0.73, "suggested": 0.82},
    "zh-dev10": {"all": 0.71, "kind allergy": 0.95, "kind problem": 0.57,
                 "kind medicine": 0.77, "suggested": 0.83},
    # the eleventh writer's, as they were first read with the tenth
    # writer's rules (0.632 and 0.682); with the rules learnt from them
    # (rules75en12: 0.639, allergy 0.768; rules75zh12: 0.699)
    "en-dev11": {"all": 0.63, "kind allergy": 0.75, "kind problem": 0.49,
                 "kind medicine": 0.71, "suggested": 0.77},
    "zh-dev11": {"all": 0.69, "kind allergy": 0.76, "kind problem": 0.58,
                 "kind medicine": 0.75, "suggested": 0.79},
    # the twelfth writer's, as they were first read with the eleventh
    # writer's rules (0.543 and 0.651); with the rules learnt from them
    # (rules75en13: 0.562, allergy 0.789; rules75zh13: 0.668, allergy 0.905)
    # and problems with the vocabulary by ICD-10 chapter (vocab75b: 0.444
    # and 0.540)
    "en-dev12": {"all": 0.55, "kind allergy": 0.78, "kind problem": 0.42,
                 "kind medicine": 0.60, "suggested": 0.73},
    "zh-dev12": {"all": 0.66, "kind allergy": 0.90, "kind problem": 0.52,
                 "kind medicine": 0.74, "suggested": 0.79},
    # the thirteenth writer's, as they were first read with the twelfth
    # writer's rules (0.652 and 0.661): no rule and no weight has learnt
    # from them yet
    "en-dev13": {"all": 0.64, "kind allergy": 0.69, "kind problem": 0.52,
                 "kind medicine": 0.73, "suggested": 0.77},
    "zh-dev13": {"all": 0.65, "kind allergy": 0.82, "kind problem": 0.57,
                 "kind medicine": 0.67, "suggested": 0.78},
    # the fourteenth writer's, as they were read unseen with the model
    # retrained on twenty-six sets (0.669 and 0.689): no rule has learnt
    # from them yet
    "en-dev14": {"all": 0.65, "kind allergy": 0.71, "kind problem": 0.58,
                 "kind medicine": 0.69, "suggested": 0.78},
    "zh-dev14": {"all": 0.67, "kind allergy": 0.70, "kind problem": 0.58,
                 "kind medicine": 0.73, "suggested": 0.79},
    # the fifteenth writer's, as they were read unseen with the
    # fourteenth writer's rules (0.670 and 0.713): no rule has learnt from
    # them yet
    "en-dev15": {"all": 0.65, "kind allergy": 0.73, "kind problem": 0.54,
                 "kind medicine": 0.73, "suggested": 0.80},
    "zh-dev15": {"all": 0.69, "kind allergy": 0.89, "kind problem": 0.62,
                 "kind medicine": 0.73, "suggested": 0.80},
    # the sixteenth writer's, as they were read unseen with the fifteenth
    # writer's rules (0.650 and 0.741): no rule has learnt from them yet
    "en-dev16": {"all": 0.63, "kind allergy": 0.78, "kind problem": 0.49,
                 "kind medicine": 0.76, "suggested": 0.74},
    "zh-dev16": {"all": 0.72, "kind allergy": 0.92, "kind problem": 0.63,
                 "kind medicine": 0.79, "suggested": 0.80},
    # the seventeenth writer's, as they were read unseen with the
    # sixteenth writer's rules (0.672 and 0.656): no rule has learnt from
    # them yet
    "en-dev17": {"all": 0.65, "kind allergy": 0.81, "kind problem": 0.54,
                 "kind medicine": 0.76, "suggested": 0.78},
    "zh-dev17": {"all": 0.63, "kind allergy": 0.78, "kind problem": 0.57,
                 "kind medicine": 0.68, "suggested": 0.79},
    # the eighteenth writer's, as they were read unseen with the
    # seventeenth writer's rules (0.655 and 0.600, as before them): no
    # rule has learnt from them yet
    "en-dev18": {"all": 0.63, "kind allergy": 0.68, "kind problem": 0.53,
                 "kind medicine": 0.76, "suggested": 0.75},
    "zh-dev18": {"all": 0.58, "kind allergy": 0.73, "kind problem": 0.56,
                 "kind medicine": 0.58, "suggested": 0.68},
    # the nineteenth writer's, as they were read unseen with the
    # eighteenth writer's rules and the retrained model (0.657 and
    # 0.695); the nineteenth writer's own rules read them at 0.82
    "en-dev19": {"all": 0.63, "kind allergy": 0.74, "kind problem": 0.53,
                 "kind medicine": 0.71, "suggested": 0.77},
    "zh-dev19": {"all": 0.67, "kind allergy": 0.81, "kind problem": 0.58,
                 "kind medicine": 0.73, "suggested": 0.79},
    # the twentieth writer's, who annotates every symptom, as they were
    # read unseen with the nineteenth writer's rules and the retrained
    # model (0.588 and 0.600); the twentieth writer's own rules read
    # them at 0.73 and 0.75
    "en-dev20": {"all": 0.56, "kind allergy": 0.70, "kind problem": 0.48,
                 "kind medicine": 0.65, "suggested": 0.66},
    "zh-dev20": {"all": 0.57, "kind allergy": 0.70, "kind problem": 0.52,
                 "kind medicine": 0.63, "suggested": 0.66},
    # the twenty-first writer's, as they were read unseen with the
    # twentieth writer's rules and the retrained model (0.709 and
    # 0.691); the twenty-first writer's own rules read them at 0.73 and
    # 0.72
    "en-dev21": {"all": 0.68, "kind allergy": 0.77, "kind problem": 0.61,
                 "kind medicine": 0.74, "suggested": 0.81},
    "zh-dev21": {"all": 0.66, "kind allergy": 0.74, "kind problem": 0.60,
                 "kind medicine": 0.73, "suggested": 0.78},
    # the twenty-second writer's, who annotates symptoms present and
    # denied, as they were read unseen with the twenty-first writer's
    # rules and the retrained model (0.641 and 0.617): no rule has learnt
    # from them yet
    "en-dev22": {"all": 0.61, "kind allergy": 0.73, "kind problem": 0.54,
                 "kind medicine": 0.71, "suggested": 0.75},
    "zh-dev22": {"all": 0.59, "kind allergy": 0.71, "kind problem": 0.52,
                 "kind medicine": 0.70, "suggested": 0.72},
    # the twenty-third writer's, who annotates a symptom only where it is
    # the diagnosis, as they were read unseen with the twenty-second
    # writer's rules and the retrained model (0.685 and 0.659); with the
    # rules learnt from them (rules75en23: 0.704, rules75zh23: 0.676)
    "en-dev23": {"all": 0.66, "kind allergy": 0.70, "kind problem": 0.56,
                 "kind medicine": 0.75, "suggested": 0.77},
    "zh-dev23": {"all": 0.63, "kind allergy": 0.75, "kind problem": 0.52,
                 "kind medicine": 0.76, "suggested": 0.72},
    # the twenty-fourth writer's, who annotates a symptom only where it is
    # the diagnosis and an intolerance a drug was stopped for as an
    # allergy, as they were read unseen with the twenty-third writer's
    # rules and the retrained model (0.639 and 0.655); with the rules
    # learnt from them (rules75en24, rules75zh24: zh-dev24 0.673)
    "en-dev24": {"all": 0.61, "kind allergy": 0.71, "kind problem": 0.44,
                 "kind medicine": 0.79, "suggested": 0.73},
    "zh-dev24": {"all": 0.63, "kind allergy": 0.77, "kind problem": 0.51,
                 "kind medicine": 0.75, "suggested": 0.75},
    # the twenty-fifth writer's, who annotates no symptom and a side effect
    # the writer blames on a drug as an allergy, as they were read unseen
    # with the twenty-fourth writer's rules and the retrained model (0.671
    # and 0.679); with the rules learnt from them (rules75en25: 0.687,
    # rules75zh25: 0.697, before the model was retrained on them)
    "en-dev25": {"all": 0.65, "kind allergy": 0.70, "kind problem": 0.55,
                 "kind medicine": 0.76, "suggested": 0.77},
    "zh-dev25": {"all": 0.65, "kind allergy": 0.74, "kind problem": 0.58,
                 "kind medicine": 0.74, "suggested": 0.77},
    # the twenty-sixth writer's, who annotates a symptom the writer
    # assesses or manages and every symptom a note denies, as they were
    # read unseen with the twenty-fifth writer's rules and the retrained
    # model (0.631 and 0.669): no rule has learnt from them yet
    "en-dev26": {"all": 0.61, "kind allergy": 0.70, "kind problem": 0.50,
                 "kind medicine": 0.76, "suggested": 0.73},
    "zh-dev26": {"all": 0.64, "kind allergy": 0.83, "kind problem": 0.52,
                 "kind medicine": 0.83, "suggested": 0.74},
    # the twenty-seventh writer's, who annotates a symptom recorded as the
    # complaint or as a pertinent negative and codes at the WHO category,
    # as they were read with the twenty-sixth writer's rules and the
    # retrained model (0.623 and 0.599; unseen 0.620 and 0.603): no rule
    # has learnt from them yet
    "en-dev27": {"all": 0.60, "kind allergy": 0.70, "kind problem": 0.52,
                 "kind medicine": 0.68, "suggested": 0.70},
    "zh-dev27": {"all": 0.57, "kind allergy": 0.66, "kind problem": 0.52,
                 "kind medicine": 0.64, "suggested": 0.68},
    # the twenty-eighth writer's, who annotates every symptom present or
    # denied at the subcode the note supports, as they were read with the
    # twenty-seventh writer's rules and the model trained to dev27 (0.611
    # and 0.569; unseen first 0.612 and 0.558): no rule has learnt from
    # them yet, nor the model
    "en-dev28": {"all": 0.59, "kind allergy": 0.73, "kind problem": 0.49,
                 "kind medicine": 0.70, "suggested": 0.69},
    "zh-dev28": {"all": 0.54, "kind allergy": 0.63, "kind problem": 0.50,
                 "kind medicine": 0.60, "suggested": 0.62},
    # the twenty-ninth writer's (toxicology, drug levels, medicines
    # reconciliation), as they were read with the twenty-eighth writer's
    # rules and the model trained to dev27 (0.590 and 0.603; unseen first
    # 0.587 and 0.601): no rule has learnt from them yet, nor the model
    "en-dev29": {"all": 0.57, "kind allergy": 0.76, "kind problem": 0.45,
                 "kind medicine": 0.68, "suggested": 0.68},
    "zh-dev29": {"all": 0.58, "kind allergy": 0.80, "kind problem": 0.48,
                 "kind medicine": 0.70, "suggested": 0.65},
    # the thirtieth writer's (burns, hepatitis B antenatal, stones and
    # gout, cystic fibrosis, sports cardiology; no symptom and no smoking
    # annotated), as they were read with the smoking status and the model
    # trained to dev29 (0.623 and 0.597; unseen first 0.624 and 0.594):
    # no rule has learnt from them yet, nor the model
    "en-dev30": {"all": 0.60, "kind allergy": 0.75, "kind problem": 0.47,
                 "kind medicine": 0.72, "suggested": 0.76},
    "zh-dev30": {"all": 0.57, "kind allergy": 0.66, "kind problem": 0.50,
                 "kind medicine": 0.66, "suggested": 0.73},
    # the thirty-first writer's (peritoneal dialysis, tick-borne disease,
    # coeliac disease, dengue, pleural disease; problems at the category,
    # smoking as Z72), as they were read with the round's rules and the
    # model trained to dev30 (0.695 and 0.690; unseen first 0.678 and
    # 0.684): no rule has learnt from them yet, nor the model
    "en-dev31": {"all": 0.67, "kind allergy": 0.71, "kind problem": 0.55,
                 "kind medicine": 0.76, "suggested": 0.81},
    "zh-dev31": {"all": 0.66, "kind allergy": 0.79, "kind problem": 0.60,
                 "kind medicine": 0.67, "suggested": 0.80},
    # the thirty-second writer's (cardiac devices, chronic cough,
    # immunodeficiency, bone and joint infection, tropical fevers;
    # problems at the category), as they were read with the round's rules
    # and the model trained to dev31 (0.708 and 0.681; unseen first 0.696
    # and 0.671): no rule has learnt from them yet, nor the model
    "en-dev32": {"all": 0.68, "kind allergy": 0.78, "kind problem": 0.60,
                 "kind medicine": 0.73, "suggested": 0.81},
    "zh-dev32": {"all": 0.66, "kind allergy": 0.79, "kind problem": 0.59,
                 "kind medicine": 0.69, "suggested": 0.80},
    # the thirty-third writer's (cholera, tetanus, IIH, functional
    # neurological disorder, POTS, urticaria, trophoblastic disease,
    # schistosomiasis, measles, meningitis; no symptom annotated), as they
    # were read with the round's rules and the model trained to dev31
    # (0.665 and 0.642; unseen first 0.650 and 0.645): no rule has learnt
    # from them yet, nor the model
    "en-dev33": {"all": 0.64, "kind allergy": 0.75, "kind problem": 0.54,
                 "kind medicine": 0.73, "suggested": 0.74},
    "zh-dev33": {"all": 0.62, "kind allergy": 0.81, "kind problem": 0.54,
                 "kind medicine": 0.65, "suggested": 0.76},
    # the thirty-fourth writer's (HHT, acute porphyria, endocarditis,
    # insulin pumps, frostbite, TAVI, Chagas / echinococcosis, Marfan, heart
    # transplant and LVAD, Tourette; no symptom annotated), as they were read
    # with the rules of 2910fee5 and the model trained to dev31 (0.683 and
    # 0.699; unseen first 0.678 and 0.701): no rule has learnt from them
    # yet, nor the model
    "en-dev34": {"all": 0.66, "kind allergy": 0.65, "kind problem": 0.59,
                 "kind medicine": 0.73, "suggested": 0.78},
    "zh-dev34": {"all": 0.68, "kind allergy": 0.76, "kind problem": 0.60,
                 "kind medicine": 0.75, "suggested": 0.76},
    # the thirty-fifth writer's (lung transplant, Wilson disease,
    # parathyroid, Guillain-Barre, ADPKD, necrotising soft-tissue infection,
    # axial spondyloarthritis, neurocysticercosis, Sjogren's, pertussis; no
    # symptom annotated), as they were read with the rules of 8a876474 and
    # the model trained to dev31 (0.712 and 0.679; unseen first 0.706 and
    # 0.680); the rules of the round after learnt from them, the model not
    "en-dev35": {"all": 0.69, "kind allergy": 0.78, "kind problem": 0.59,
                 "kind medicine": 0.78, "suggested": 0.80},
    "zh-dev35": {"all": 0.66, "kind allergy": 0.82, "kind problem": 0.58,
                 "kind medicine": 0.72, "suggested": 0.78},
    # the thirty-sixth writer's (mastocytosis, CAR-T, clozapine, NTM lung
    # disease, anti-VEGF injections, eosinophilic oesophagitis, head and
    # neck / nasopharyngeal cancer, TTP, Behcet's, pericardial disease; no
    # symptom annotated), as they were read with the rules of 17008b0f and
    # the model trained to dev31 (0.702 and 0.692; unseen first 0.700 and
    # 0.690); the rules of the round after learnt from them, the model not
    "en-dev36": {"all": 0.68, "kind allergy": 0.79, "kind problem": 0.57,
                 "kind medicine": 0.75, "suggested": 0.80},
    "zh-dev36": {"all": 0.67, "kind allergy": 0.80, "kind problem": 0.58,
                 "kind medicine": 0.73, "suggested": 0.78},
    # the thirty-seventh writer's (adult spina bifida, ECT, trigeminal
    # neuralgia, HPB surgery, gastroparesis, inflammatory myositis,
    # testicular germ cell tumours, achalasia, PNH, tuberous sclerosis; no
    # symptom annotated), as they were read with the rules of f7201224 and
    # the model trained to dev31 (0.780 and 0.766; unseen first 0.775 and
    # 0.766); the rules of the round after learnt from them, the model not
    "en-dev37": {"all": 0.76, "kind allergy": 0.84, "kind problem": 0.68,
                 "kind medicine": 0.80, "suggested": 0.84},
    "zh-dev37": {"all": 0.74, "kind allergy": 0.86, "kind problem": 0.66,
                 "kind medicine": 0.81, "suggested": 0.83},
    # the thirty-eighth writer's (neuroendocrine tumours, sarcoma, IgG4-
    # related disease, adult-onset Still's disease, autoimmune
    # encephalitis, aplastic anaemia, myeloproliferative neoplasms, ITP,
    # Turner syndrome, Castleman disease; no symptom annotated), as they
    # were read unseen with the rules of f7201224 and the model trained to
    # dev31 (0.729 and 0.703; the same with the rules of 2e93e4bf); the
    # rules of the round after learnt from them, the model not
    "en-dev38": {"all": 0.71, "kind allergy": 0.68, "kind problem": 0.63,
                 "kind medicine": 0.78, "suggested": 0.81},
    "zh-dev38": {"all": 0.68, "kind allergy": 0.77, "kind problem": 0.59,
                 "kind medicine": 0.74, "suggested": 0.79},
    # the thirty-ninth writer's (adrenal insufficiency, phaeochromocytoma
    # and paraganglioma, spinal cord injury rehabilitation, motor neurone
    # disease, eating disorders, adult Down syndrome, PBC and PSC,
    # melanoma on checkpoint inhibitors, high-grade glioma, hereditary
    # angioedema; no symptom annotated), as they were read unseen with the
    # rules of 2e93e4bf and the model trained to dev31 (0.705 and 0.643;
    # the same with the rules of e74ac68b); the rules of the round after
    # learnt from them, the model not
    "en-dev39": {"all": 0.68, "kind allergy": 0.72, "kind problem": 0.60,
                 "kind medicine": 0.75, "suggested": 0.80},
    "zh-dev39": {"all": 0.62, "kind allergy": 0.70, "kind problem": 0.54,
                 "kind medicine": 0.70, "suggested": 0.74},
    # the fortieth writer's (pituitary disease, GCA and PMR, Behcet's
    # disease, HCC on cirrhosis, CLL, a sleep clinic, pre-eclampsia and
    # HELLP, bipolar disorder on lithium, axial spondyloarthritis, stone
    # disease; no symptom annotated), as they were read unseen with the
    # rules of e74ac68b and the model trained to dev31 (0.749 and 0.710;
    # 0.752 and 0.712 with the rules of 127ef5de); the rules of the two
    # rounds after learnt from them, the model not
    "en-dev40": {"all": 0.73, "kind allergy": 0.80, "kind problem": 0.63,
                 "kind medicine": 0.79, "suggested": 0.80},
    "zh-dev40": {"all": 0.69, "kind allergy": 0.80, "kind problem": 0.56,
                 "kind medicine": 0.79, "suggested": 0.80},
    # the forty-first writer's (lymphoma, COPD, a headache clinic,
    # delirium in an older inpatient, rheumatoid arthritis, atrial
    # fibrillation, alcohol withdrawal and ALD, cellulitis and venous
    # ulcers, angioedema, PCOS and subfertility; complaints annotated,
    # subtypes coded), as they were read unseen with the rules of 127ef5de
    # and the model trained to dev31 (0.746 and 0.697; 0.739 and 0.700
    # with the rules of bfce8cc0); the rules of the two rounds after
    # learnt from them, the model not
    "en-dev41": {"all": 0.72, "kind allergy": 0.77, "kind problem": 0.64,
                 "kind medicine": 0.78, "suggested": 0.79},
    "zh-dev41": {"all": 0.68, "kind allergy": 0.74, "kind problem": 0.61,
                 "kind medicine": 0.73, "suggested": 0.77},
    # the forty-second writer's (multiple sclerosis, inflammatory bowel
    # disease, heart failure, first-episode psychosis, a hip fracture in
    # an older patient, opioid substitution, PAD and AAA, acute general
    # surgery, early pregnancy, children's respiratory and ENT; no
    # complaint annotated, subtypes coded), as they were read unseen with
    # the rules of b7756ee2 and the model trained to dev31 (0.708 and
    # 0.745; 0.708 and 0.747 with the rules of 3569bed9); the rules of
    # the two rounds after learnt from them, the model not
    "en-dev42": {"all": 0.69, "kind allergy": 0.73, "kind problem": 0.60,
                 "kind medicine": 0.75, "suggested": 0.79},
    "zh-dev42": {"all": 0.72, "kind allergy": 0.79, "kind problem": 0.67,
                 "kind medicine": 0.75, "suggested": 0.80},
    # the forty-third writer's (fertility care, chronic pain, imported
    # fever, thyroid disease, head and neck cancer, learning disability
    # with epilepsy, severe skin disease, an anticoagulation clinic, iron
    # deficiency and transfusion, an older patient's polypharmacy review;
    # no complaint annotated, subtypes coded), as they were read unseen
    # with the rules of 0b11d6b0 and the model trained to dev31 (0.732 and
    # 0.752; 0.733 and 0.752 with the rules of 71d35be0); the rules of
    # the two rounds after learnt from them, the model not
    "en-dev43": {"all": 0.71, "kind allergy": 0.76, "kind problem": 0.60,
                 "kind medicine": 0.79, "suggested": 0.82},
    "zh-dev43": {"all": 0.73, "kind allergy": 0.74, "kind problem": 0.64,
                 "kind medicine": 0.81, "suggested": 0.81},
    # the forty-fourth writer's (sleep apnoea and obesity, osteoarthritis
    # and joint replacement, breast cancer, colorectal cancer, urinary
    # retention and the prostate, vertigo, migraine, contraception and
    # the menopause, pressure injuries and wounds, a fracture clinic; no
    # complaint annotated, a combination allergen coded as its
    # substances), as they were read unseen with the rules of b0066cde
    # and the model trained to dev31 (0.762 and 0.729; 0.765 and 0.730
    # with the rules of 48e34dfc); the rules of the two rounds after
    # learnt from them, the model not
    "en-dev44": {"all": 0.74, "kind allergy": 0.75, "kind problem": 0.70,
                 "kind medicine": 0.77, "suggested": 0.83},
    "zh-dev44": {"all": 0.71, "kind allergy": 0.77, "kind problem": 0.66,
                 "kind medicine": 0.73, "suggested": 0.82},
    # the forty-fifth writer's (kidney disease and renal colic,
    # gallbladder and hernia surgery, osteoporosis, back pain and
    # sciatica, gestational diabetes and antenatal care, hand surgery, a
    # children's emergency department, bleeding disorders, a drug allergy
    # clinic, gynaecological cancer; no complaint annotated, many of its
    # settings' drugs outside the catalogue), as they were read unseen
    # with the rules of d9677bcd and the model trained to dev31 (0.739
    # and 0.728; 0.738 and 0.727 with the rules of bb4d2839); the rules of
    # the two rounds after learnt from them, the model not
    "en-dev45": {"all": 0.72, "kind allergy": 0.75, "kind problem": 0.65,
                 "kind medicine": 0.76, "suggested": 0.84},
    "zh-dev45": {"all": 0.71, "kind allergy": 0.75, "kind problem": 0.64,
                 "kind medicine": 0.75, "suggested": 0.81},
    # the forty-sixth writer's (acne, rhinology and sinus surgery,
    # prostate cancer and androgen deprivation, varicose veins, febrile
    # seizures, G6PD deficiency, Paget's disease, heat illness,
    # needle-stick PEP, a care home medication review; no complaint
    # annotated), as they were read unseen with the rules of bb4d2839 and
    # the model trained to dev31 (0.704 and 0.702; 0.705 and 0.706 with
    # the rules of 029fc3ea); the rules of the two rounds after learnt
    # from them, the model not
    "en-dev46": {"all": 0.68, "kind allergy": 0.68, "kind problem": 0.63,
                 "kind medicine": 0.74, "suggested": 0.80},
    "zh-dev46": {"all": 0.68, "kind allergy": 0.79, "kind problem": 0.57,
                 "kind medicine": 0.76, "suggested": 0.77},
    # the forty-seventh writer's (proctology, foot and ankle surgery, an
    # IBS clinic, spinal cord compression, men's health, hair and skin,
    # hypothyroidism, shoulder and hand, shingles, restless legs; no
    # complaint annotated), as they were read unseen with the rules of
    # a18c654f and the model trained to dev31 (0.750 and 0.755; 0.750 and
    # 0.756 with the rules of b625c441); the rules of the two rounds after
    # learnt from them, the model not
    "en-dev47": {"all": 0.73, "kind allergy": 0.78, "kind problem": 0.67,
                 "kind medicine": 0.75, "suggested": 0.80},
    "zh-dev47": {"all": 0.73, "kind allergy": 0.76, "kind problem": 0.63,
                 "kind medicine": 0.83, "suggested": 0.78},
    # the forty-eighth writer's (tinnitus, temporomandibular disorders,
    # paediatric urology, tongue-tie, carbon monoxide, near-drowning, head
    # lice, tattoo and piercing, lightning injury, voice and stammering; no
    # complaint annotated), as they were read unseen with the rules of
    # 59542686 and the model trained to dev31 (0.725 and 0.713; 0.730 and
    # 0.713 with the rules of ea925466), set before any rule learnt from
    # them; the model has not
    "en-dev48": {"all": 0.71, "kind allergy": 0.71, "kind problem": 0.62,
                 "kind medicine": 0.80, "suggested": 0.79},
    "zh-dev48": {"all": 0.69, "kind allergy": 0.74, "kind problem": 0.61,
                 "kind medicine": 0.76, "suggested": 0.77},
    # the forty-ninth writer's (an eye casualty, marine stings, a Ponseti
    # clinic, varicella in pregnancy, mumps and scarlet fever, button
    # batteries, strabismus, hiccups, mushroom, paraquat and methanol
    # poisoning; no complaint annotated), as they were read unseen with
    # the rules of 57218cac and the model trained to dev31 (0.669 and
    # 0.722; 0.675 and 0.728 with the rules of its second round): no rule
    # has learnt from them yet, nor the model
    "en-dev49": {"all": 0.65, "kind allergy": 0.74, "kind problem": 0.51,
                 "kind medicine": 0.74, "suggested": 0.74},
    "zh-dev49": {"all": 0.70, "kind allergy": 0.83, "kind problem": 0.54,
                 "kind medicine": 0.81, "suggested": 0.76},
    # the fiftieth writer's (cauda equina, a frailty day hospital,
    # diabetes insipidus, necrotising fasciitis, quinsy, priapism,
    # compartment syndrome, testicular torsion; no complaint annotated),
    # read unseen with the rules of 20e73ad8 and the model trained to
    # dev31 (0.712 and 0.728), then with allergy75cc-ce learnt from them
    # once the fifty-first writer was held out (0.718 and 0.730)
    "en-dev50": {"all": 0.69, "kind allergy": 0.80, "kind problem": 0.57,
                 "kind medicine": 0.74, "suggested": 0.80},
    "zh-dev50": {"all": 0.70, "kind allergy": 0.79, "kind problem": 0.60,
                 "kind medicine": 0.75, "suggested": 0.79},
    # the fifty-first writers' (myasthenia gravis, pancreatitis, upper GI
    # bleeding, haematuria, myeloma, AML, oral medicine, facial nerve;
    # 胰腺炎, 上消化道出血, 肝脓肿, 支原体肺炎, 流感, 胃癌, 肠梗阻, 原醛症; no
    # complaint annotated), read unseen with the rules of d07cf6cf (0.763
    # and 0.734), then with complaint75a and allergy75cj-ck once the
    # fifty-second writers were held out (0.781 and 0.783)
    "en-dev51": {"all": 0.77, "kind allergy": 0.85, "kind problem": 0.64,
                 "kind medicine": 0.83, "suggested": 0.86},
    "zh-dev51": {"all": 0.77, "kind allergy": 0.85, "kind problem": 0.74,
                 "kind medicine": 0.76, "suggested": 0.86},
    # the fifty-second writers' (eight settings each; no complaint
    # annotated), read held out once with the rules of 357da59b (0.779
    # and 0.765), then with allergy75cq-cw once the fifty-third writers
    # were held out (0.786 and 0.775)
    "en-dev52": {"all": 0.77, "kind allergy": 0.84, "kind problem": 0.67,
                 "kind medicine": 0.83, "suggested": 0.86},
    "zh-dev52": {"all": 0.76, "kind allergy": 0.81, "kind problem": 0.73,
                 "kind medicine": 0.77, "suggested": 0.85},
    # the fifty-third writers' (eight settings each; no complaint
    # annotated), read held out with the rules of 9456f35f (0.810 and
    # 0.811) and again at that session's end (0.809 and 0.808), then
    # with allergy75cz-ds and vocab75ae once the fifty-fourth writers
    # were held out
    "en-dev53": {"all": 0.82, "kind allergy": 0.88, "kind problem": 0.78,
                 "kind medicine": 0.83, "suggested": 0.91},
    "zh-dev53": {"all": 0.81, "kind allergy": 0.90, "kind problem": 0.77,
                 "kind medicine": 0.80, "suggested": 0.89},
    # the fifty-fourth writers' (eight settings each; the English writer
    # annotates symptoms no diagnosis accounts for), read held out with
    # the rules of 125badce (0.686 and 0.782) and the same at that
    # session's end, then with allergy75dt-ee, vocab75af and the rest
    # once the fifty-fifth writers were held out
    "en-dev54": {"all": 0.71, "kind allergy": 0.84, "kind problem": 0.62,
                 "kind medicine": 0.74, "suggested": 0.82},
    "zh-dev54": {"all": 0.79, "kind allergy": 0.85, "kind problem": 0.75,
                 "kind medicine": 0.80, "suggested": 0.88},
    # the fifty-fifth writers' (eight settings each; the English writer
    # annotates every symptom the patient has), read held out with the
    # rules of 566e0205 (0.661 and 0.723)
    "en-dev55": {"all": 0.65, "kind allergy": 0.88, "kind problem": 0.47,
                 "kind medicine": 0.78, "suggested": 0.74},
    "zh-dev55": {"all": 0.71, "kind allergy": 0.77, "kind problem": 0.66,
                 "kind medicine": 0.72, "suggested": 0.83},
    # the fifty-sixth writers' (eight settings each; the English writer
    # annotates no symptom), read held out with the rules of e81c8e09
    # (0.786 and 0.764)
    "en-dev56": {"all": 0.77, "kind allergy": 0.80, "kind problem": 0.70,
                 "kind medicine": 0.83, "suggested": 0.83},
    "zh-dev56": {"all": 0.75, "kind allergy": 0.79, "kind problem": 0.69,
                 "kind medicine": 0.78, "suggested": 0.82},
    # the fifty-seventh writers' (eight settings each; both annotate a
    # symptom only as a problem of its own), read held out with the rules
    # of b202ba3a (0.729 and 0.751)
    "en-dev57": {"all": 0.72, "kind allergy": 0.81, "kind problem": 0.62,
                 "kind medicine": 0.77, "suggested": 0.83},
    "zh-dev57": {"all": 0.74, "kind allergy": 0.78, "kind problem": 0.71,
                 "kind medicine": 0.75, "suggested": 0.83},
    # the fifty-eighth writers' (eight settings each; the English writer
    # annotates a symptom only where no diagnosis accounts for it, the
    # Chinese one current and denied symptoms), read held out with the
    # rules of d61d03ea (0.721 and 0.682)
    "en-dev58": {"all": 0.71, "kind allergy": 0.74, "kind problem": 0.60,
                 "kind medicine": 0.80, "suggested": 0.80},
    "zh-dev58": {"all": 0.67, "kind allergy": 0.74, "kind problem": 0.59,
                 "kind medicine": 0.74, "suggested": 0.77},
    # the fifty-ninth writers' (eight settings each; both annotate a
    # symptom only where no diagnosis accounts for it), read held out
    # with the rules of 68739b45 (0.731 and 0.770); en-dev59's medicines
    # at 0.80, not 0.81: three drugs its rules now read as allergies
    # (prednisolone's mood change, tramadol's seizure, the amoxicillin
    # intolerance documented) its writer annotates as past medicines too
    "en-dev59": {"all": 0.72, "kind allergy": 0.72, "kind problem": 0.63,
                 "kind medicine": 0.80, "suggested": 0.80},
    "zh-dev59": {"all": 0.76, "kind allergy": 0.80, "kind problem": 0.73,
                 "kind medicine": 0.79, "suggested": 0.84},
    # the sixtieth writers' (eight settings each; both annotate a symptom
    # only where the note lists it as a problem), read held out with the
    # rules of 5e9c8c61 (0.751 and 0.783)
    "en-dev60": {"all": 0.75, "kind allergy": 0.84, "kind problem": 0.66,
                 "kind medicine": 0.78, "suggested": 0.83},
    "zh-dev60": {"all": 0.78, "kind allergy": 0.86, "kind problem": 0.77,
                 "kind medicine": 0.75, "suggested": 0.86},
    # the sixty-first writers' (eight settings each; en-dev61's writer
    # codes at the category, its second annotator at the subcode), read
    # held out with the rules of 4fbcf9e7 and model75t (0.742 and 0.767)
    "en-dev61": {"all": 0.74, "kind allergy": 0.85, "kind problem": 0.65,
                 "kind medicine": 0.77, "suggested": 0.84},
    "zh-dev61": {"all": 0.76, "kind allergy": 0.88, "kind problem": 0.72,
                 "kind medicine": 0.75, "suggested": 0.87},
    # the sixty-second writers' (eight settings each; en-dev62's writer
    # codes subcodes and symptoms its second annotator does not), read
    # held out with the rules of bfc37ee6 and model75t (0.748 and 0.764)
    "en-dev62": {"all": 0.74, "kind allergy": 0.94, "kind problem": 0.62,
                 "kind medicine": 0.78, "suggested": 0.85},
    "zh-dev62": {"all": 0.76, "kind allergy": 0.87, "kind problem": 0.75,
                 "kind medicine": 0.71, "suggested": 0.84},
    # the sixty-third writers' (eight settings each), read held out with
    # the rules of 1b418c0b and model75t (0.812 and 0.782)
    "en-dev63": {"all": 0.81, "kind allergy": 0.88, "kind problem": 0.76,
                 "kind medicine": 0.82, "suggested": 0.89},
    "zh-dev63": {"all": 0.78, "kind allergy": 0.81, "kind problem": 0.75,
                 "kind medicine": 0.79, "suggested": 0.86},
    # the sixty-fourth writers' (eight settings each), read held out with
    # the rules of eb95e536 and model75t (0.755 and 0.818)
    "en-dev64": {"all": 0.75, "kind allergy": 0.77, "kind problem": 0.74,
                 "kind medicine": 0.75, "suggested": 0.88},
    "zh-dev64": {"all": 0.81, "kind allergy": 0.83, "kind problem": 0.82,
                 "kind medicine": 0.80, "suggested": 0.89},
    # the sixty-fifth writers' (eight settings each), read held out with
    # the rules of 3a99d21a and model75t (0.785 and 0.771)
    "en-dev65": {"all": 0.78, "kind allergy": 0.84, "kind problem": 0.70,
                 "kind medicine": 0.83, "suggested": 0.87},
    "zh-dev65": {"all": 0.77, "kind allergy": 0.90, "kind problem": 0.76,
                 "kind medicine": 0.70, "suggested": 0.86},
    # the sixty-sixth writers' (eight settings each), read held out with
    # the rules of 2c19f3cc and model75t (0.753 and 0.768)
    "en-dev66": {"all": 0.75, "kind allergy": 0.88, "kind problem": 0.67,
                 "kind medicine": 0.77, "suggested": 0.86},
    "zh-dev66": {"all": 0.76, "kind allergy": 0.84, "kind problem": 0.76,
                 "kind medicine": 0.73, "suggested": 0.88},
    # the sixty-seventh writers' (eight settings each), read held out with
    # the rules of 26413594 and model75t (0.771 and 0.774)
    "en-dev67": {"all": 0.77, "kind allergy": 0.81, "kind problem": 0.73,
                 "kind medicine": 0.79, "suggested": 0.88},
    # medicine .74, not the .75 read held out: allergy75km reads the
    # Voltaren of zh67-11's "西藥過敏" list as the allergy its writer
    # annotates, and loses the past medicine the writer also annotates;
    # allergy75kp gives zh67-06's premedication as taken, not planned
    "zh-dev67": {"all": 0.77, "kind allergy": 0.82, "kind problem": 0.77,
                 "kind medicine": 0.74, "suggested": 0.85},
    # the sixty-eighth writers' (eight settings each), read held out with
    # the rules of 3e4a1292 and model75t (0.766 and 0.843)
    "en-dev68": {"all": 0.76, "kind allergy": 0.89, "kind problem": 0.71,
                 "kind medicine": 0.76, "suggested": 0.87},
    "zh-dev68": {"all": 0.84, "kind allergy": 0.90, "kind problem": 0.82,
                 "kind medicine": 0.83, "suggested": 0.90},
    # the sixty-ninth writers' (eight settings each), read held out with
    # the rules of 91979f20 and model75t (0.818 and 0.799)
    "en-dev69": {"all": 0.81, "kind allergy": 0.87, "kind problem": 0.76,
                 "kind medicine": 0.84, "suggested": 0.90},
    "zh-dev69": {"all": 0.79, "kind allergy": 0.93, "kind problem": 0.78,
                 "kind medicine": 0.74, "suggested": 0.86},
    # the seventieth writers' (eight settings each), read held out with
    # the rules of 9083955e (English) and e8a6a82f (Chinese) and model75t
    # (0.766 and 0.805)
    "en-dev70": {"all": 0.76, "kind allergy": 0.84, "kind problem": 0.66,
                 "kind medicine": 0.83, "suggested": 0.85},
    "zh-dev70": {"all": 0.80, "kind allergy": 0.85, "kind problem": 0.80,
                 "kind medicine": 0.78, "suggested": 0.89},
    # the seventy-first writers' (eight settings each), read held out
    # with the rules of 048601ce and model75t (0.780 and 0.786)
    "en-dev71": {"all": 0.77, "kind allergy": 0.84, "kind problem": 0.68,
                 "kind medicine": 0.83, "suggested": 0.86},
    "zh-dev71": {"all": 0.78, "kind allergy": 0.91, "kind problem": 0.75,
                 "kind medicine": 0.76, "suggested": 0.87},
    # the seventy-second writers' (eight settings each), read held out
    # with the rules of 7afe0ec1 (0.764 and 0.725)
    "en-dev72": {"all": 0.76, "kind allergy": 0.83, "kind problem": 0.68,
                 "kind medicine": 0.82, "suggested": 0.84},
    "zh-dev72": {"all": 0.72, "kind allergy": 0.85, "kind problem": 0.67,
                 "kind medicine": 0.72, "suggested": 0.81},
    # the seventy-third writers' (eight settings each), read held out
    # with the rules of 723b6eb2 (0.773 and 0.732)
    "en-dev73": {"all": 0.77, "kind allergy": 0.85, "kind problem": 0.70,
                 "kind medicine": 0.82, "suggested": 0.85},
    "zh-dev73": {"all": 0.73, "kind allergy": 0.83, "kind problem": 0.64,
                 "kind medicine": 0.79, "suggested": 0.81},
    # the seventy-fourth writers' (eight settings each), read held out
    # with the rules of c0e3a439 (0.774 and 0.752)
    "en-dev74": {"all": 0.77, "kind allergy": 0.80, "kind problem": 0.71,
                 "kind medicine": 0.82, "suggested": 0.85},
    "zh-dev74": {"all": 0.75, "kind allergy": 0.87, "kind problem": 0.65,
                 "kind medicine": 0.82, "suggested": 0.80},
    # the seventy-fifth writers' (eight settings each), read held out
    # with the rules of b6eca451 (0.719 and 0.769)
    "en-dev75": {"all": 0.71, "kind allergy": 0.74, "kind problem": 0.66,
                 "kind medicine": 0.77, "suggested": 0.80},
    # (zh-dev75's medicines one point under the held-out 0.833: "之後止痛
    # 改吃普拿疼" is read a switch since allergy75on, which unblocks the
    # paracetamol she takes but reads it planned, not taken)
    "zh-dev75": {"all": 0.76, "kind allergy": 0.87, "kind problem": 0.67,
                 "kind medicine": 0.82, "suggested": 0.84},    # the seventy-sixth writers' (eight settings each), read held out
    # with the rules of 5d6997e2 (0.772 and 0.739)
    "en-dev76": {"all": 0.77, "kind allergy": 0.84, "kind problem": 0.67,
                 "kind medicine": 0.83, "suggested": 0.84},
    "zh-dev76": {"all": 0.73, "kind allergy": 0.82, "kind problem": 0.65,
                 "kind medicine": 0.78, "suggested": 0.82},
    # the seventy-seventh writers' (eight settings each), read held out
    # with the rules of e1981a48 (0.786 and 0.747)
    "en-dev77": {"all": 0.78, "kind allergy": 0.80, "kind problem": 0.74,
                 "kind medicine": 0.81, "suggested": 0.88},
    "zh-dev77": {"all": 0.74, "kind allergy": 0.86, "kind problem": 0.69,
                 "kind medicine": 0.75, "suggested": 0.83},
    # the seventy-eighth writers' (eight settings each), read held out
    # with the rules of 280da4ca (0.768 and 0.799)
    "en-dev78": {"all": 0.76, "kind allergy": 0.79, "kind problem": 0.70,
                 "kind medicine": 0.83, "suggested": 0.85},
    "zh-dev78": {"all": 0.79, "kind allergy": 0.78, "kind problem": 0.81,
                 "kind medicine": 0.78, "suggested": 0.86},
    # the seventy-ninth writers' (eight settings each), read held out
    # with the rules of 4344d404 (0.764 and 0.755)
    "en-dev79": {"all": 0.76, "kind allergy": 0.88, "kind problem": 0.68,
                 "kind medicine": 0.79, "suggested": 0.83},
    "zh-dev79": {"all": 0.75, "kind allergy": 0.80, "kind problem": 0.70,
                 "kind medicine": 0.78, "suggested": 0.83},
    # the eightieth writers' (eight settings each), read held out with
    # the rules of c4b9c37f (0.796 and 0.752)
    "en-dev80": {"all": 0.79, "kind allergy": 0.82, "kind problem": 0.71,
                 "kind medicine": 0.86, "suggested": 0.85},
    "zh-dev80": {"all": 0.75, "kind allergy": 0.80, "kind problem": 0.73,
                 "kind medicine": 0.75, "suggested": 0.86},
    # the eighty-first writers' (eight settings each), read held out with
    # the rules of 0763fe1b (0.726 and 0.783)
    "en-dev81": {"all": 0.72, "kind allergy": 0.78, "kind problem": 0.65,
                 "kind medicine": 0.76, "suggested": 0.83},
    "zh-dev81": {"all": 0.78, "kind allergy": 0.87, "kind problem": 0.76,
                 "kind medicine": 0.76, "suggested": 0.87},
    # the eighty-second writers' (eight settings each), read held out with
    # the rules of fd29c826 (0.756 and 0.731)
    "en-dev82": {"all": 0.75, "kind allergy": 0.83, "kind problem": 0.64,
                 "kind medicine": 0.85, "suggested": 0.81},
    "zh-dev82": {"all": 0.73, "kind allergy": 0.68, "kind problem": 0.73,
                 "kind medicine": 0.74, "suggested": 0.82},
    # the eighty-third writers' (eight settings each), read held out with
    # the rules of f96837b2 (0.755 and 0.711)
    "en-dev83": {"all": 0.75, "kind allergy": 0.83, "kind problem": 0.63,
                 "kind medicine": 0.85, "suggested": 0.82},
    "zh-dev83": {"all": 0.71, "kind allergy": 0.79, "kind problem": 0.61,
                 "kind medicine": 0.78, "suggested": 0.81},
    # the eighty-fourth writers' (eight settings each), read held out with
    # the rules of fe844d89 (0.746 and 0.755)
    "en-dev84": {"all": 0.74, "kind allergy": 0.88, "kind problem": 0.61,
                 "kind medicine": 0.81, "suggested": 0.82},
    "zh-dev84": {"all": 0.75, "kind allergy": 0.88, "kind problem": 0.67,
                 "kind medicine": 0.77, "suggested": 0.82},
    # the eighty-fifth writers' (eight settings each), read held out with
    # the rules of 6792bb43 (0.775 and 0.759)
    "en-dev85": {"all": 0.77, "kind allergy": 0.86, "kind problem": 0.68,
                 "kind medicine": 0.83, "suggested": 0.84},
    "zh-dev85": {"all": 0.75, "kind allergy": 0.85, "kind problem": 0.70,
                 "kind medicine": 0.77, "suggested": 0.84},
    # the eighty-sixth writers' (eight settings each), read held out with
    # the rules of 351d215e (0.752 and 0.752)
    "en-dev86": {"all": 0.75, "kind allergy": 0.85, "kind problem": 0.65,
                 "kind medicine": 0.80, "suggested": 0.82},
    "zh-dev86": {"all": 0.75, "kind allergy": 0.83, "kind problem": 0.64,
                 "kind medicine": 0.84, "suggested": 0.84},
    # the eighty-seventh writers' (eight settings each), read held out
    # with the rules of 356be574 (0.805 and 0.691)
    "en-dev87": {"all": 0.80, "kind allergy": 0.82, "kind problem": 0.75,
                 "kind medicine": 0.84, "suggested": 0.89},
    "zh-dev87": {"all": 0.69, "kind allergy": 0.77, "kind problem": 0.62,
                 "kind medicine": 0.72, "suggested": 0.80},
    # the eighty-eighth writers' (eight settings each), read held out
    # with the rules of a50b7d35 (0.748 and 0.749)
    "en-dev88": {"all": 0.74, "kind allergy": 0.83, "kind problem": 0.67,
                 "kind medicine": 0.78, "suggested": 0.83},
    "zh-dev88": {"all": 0.74, "kind allergy": 0.85, "kind problem": 0.67,
                 "kind medicine": 0.78, "suggested": 0.82},
    # the eighty-ninth writers' (eight settings each), read held out with
    # the rules of f839bb09 (0.762 and 0.774)
    "en-dev89": {"all": 0.76, "kind allergy": 0.93, "kind problem": 0.65,
                 "kind medicine": 0.82, "suggested": 0.86},
    "zh-dev89": {"all": 0.77, "kind allergy": 0.88, "kind problem": 0.70,
                 "kind medicine": 0.80, "suggested": 0.83},
    # the ninetieth writers' (eight settings each), read held out with
    # the rules of 060e0242 (0.799 and 0.801)
    "en-dev90": {"all": 0.79, "kind allergy": 0.93, "kind problem": 0.69,
                 "kind medicine": 0.86, "suggested": 0.87},
    "zh-dev90": {"all": 0.80, "kind allergy": 0.84, "kind problem": 0.77,
                 "kind medicine": 0.82, "suggested": 0.85},
    # the ninety-first writers' (eight settings each), read held out with
    # the rules of 56ea0a87 (0.786 and 0.739)
    "en-dev91": {"all": 0.78, "kind allergy": 0.95, "kind problem": 0.68,
                 "kind medicine": 0.86, "suggested": 0.85},
    "zh-dev91": {"all": 0.73, "kind allergy": 0.88, "kind problem": 0.66,
                 "kind medicine": 0.78, "suggested": 0.82},
    # the ninety-second writers' (eight settings each), read held out with
    # the rules of 79735a32 (0.761 and 0.774); English medicines 0.80, not
    # 0.81: vocab75bl reads the ramipril told "taken since 2016 with no
    # cough" in the allergy list, once an invented allergy that blocked
    # it, as a medicine tolerated, in another context than its list's
    "en-dev92": {"all": 0.76, "kind allergy": 0.87, "kind problem": 0.66,
                 "kind medicine": 0.80, "suggested": 0.85},
    "zh-dev92": {"all": 0.77, "kind allergy": 0.91, "kind problem": 0.71,
                 "kind medicine": 0.80, "suggested": 0.84},
}


@pytest.mark.parametrize("name", sorted(LATER_WRITERS_FLOORS))
def test_later_writers_sets_score_above_their_floors(st, pb, name):
    assert_above_floors(st, name, LATER_WRITERS_FLOORS[name])


def test_read_text_suggests_what_a_note_suggests(st, pb):
    """The suggested findings of ReadText are the suggestions CreateEntry
    makes of the same text (the same reader, the same rule)."""
    notes = note_eval.parse(note_eval.set_path("dev"))
    for n in notes[:8]:
        pid = str(uuid.uuid4())
        st.call(SVC, "CreateEntry", pb.CreateEntryRequest(
            patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title=n["id"],
            body=n["text"]), role="clinician")
        stored = st.call(SVC, "ListSuggestions", pb.ListSuggestionsRequest(
            patient_id=pid), role="clinician").suggestions
        r = _read(st, pb, n["text"])
        # one suggestion per kind and code: the first mention's
        want = {}
        for f in r.findings:
            if f.suggested:
                want.setdefault((f.kind, f.code), f.span_start)
        assert {(s.kind, s.code): s.span_start for s in stored} == want, \
            n["id"]
