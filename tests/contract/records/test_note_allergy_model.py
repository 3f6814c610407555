"""The study of a learnt allergy step (tools/notes/allergy_model.py):
what the census says the rules hold of a missed allergy, how each
candidate is labelled from the annotation, and which findings become
candidates.  Pure scoring: no service runs, no model is trained."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
    "tools", "notes"))
import allergy_model as am  # noqa: E402

NONE = am.train.ctx_set("affirmed")
NEG = am.train.ctx_set("negated")
CLASSES = {"amoxicillin": {"penicillins", "antibacterials"},
           "codeine": {"opioids"}}


def finding(kind, code, ctx="affirmed"):
    return {"kind": kind, "code": code, "ctx": ctx, "features": ["bias"],
            "span": (0, len(code))}


def note(text, expect=()):
    return {"id": "n1", "text": text, "expect": set(expect)}


def test_census_names_what_the_rules_hold():
    def hold(code, *fs):
        return am.what_rules_hold(code, list(fs), CLASSES)[0]
    assert hold("codeine", finding("medicine", "codeine",
                                   "historical")) == "medicine"
    assert hold("codeine", finding("allergy", "codeine",
                                   "negated")) == "wrong context"
    assert hold("penicillins", finding("allergy", "amoxicillin")) == \
        "other code"
    assert hold("penicillins", finding("allergy", "amoxicillin",
                                       "negated")) == "wrong context"
    assert hold("codeine", finding("allergy", "latex")) == "other code"
    assert hold("codeine", finding("problem", "R11")) == "nothing"


def test_labels_follow_what_an_order_check_acts_on():
    held = {("allergy", "codeine", NONE)}
    assert am.label(am.ADD, "codeine", held, CLASSES) == "Y"
    # a negated allergy is a drug tolerated, not one to add
    assert am.label(am.ADD, "codeine", {("allergy", "codeine", NEG)},
                    CLASSES) == "N"
    assert am.label(am.FLIP, "codeine", held, CLASSES) == "Y"
    # an allergy the rules hold is invented only when no annotated
    # allergy accounts for it: not its code, nor its class, nor a member
    assert am.label(am.DROP, "amoxicillin", {
        ("allergy", "penicillins", NONE)}, CLASSES) == "N"
    assert am.label(am.DROP, "amoxicillin", held, CLASSES) == "Y"


def test_candidates_by_kind_and_cover():
    n = note("Stopped: codeine (constipation). Allergic to penicillin.")
    fs = [finding("medicine", "codeine", "historical"),
          finding("allergy", "penicillins"),
          finding("medicine", "amoxicillin"),
          finding("allergy", "latex", "negated"),
          finding("allergy", "-", "negated")]
    got = [(k, c) for k, c, _, _ in am.candidates(n, fs, CLASSES, False)]
    # amoxicillin is covered by the penicillins allergy; "no known
    # allergies" is never a candidate
    assert got == [(am.ADD, "codeine"), (am.DROP, "penicillins"),
                   (am.FLIP, "latex")]


def test_cue_features_read_the_line_and_the_clause():
    text = "Stopped: amlodipine (ankle swelling)"
    f = finding("medicine", "amlodipine", "historical")
    f["span"] = (9, 19)
    x = am.extras(text, f, True)
    assert "x:cue_line" in x and "x:cue_clause" in x
    assert "x:cuestop_clause" in x
    assert am.extras(text, f, False) == []
    assert not am.has_cue("amlodipine 10 mg od")
