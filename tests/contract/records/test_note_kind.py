"""The measurement of a learnt allergy-or-medicine decision
(tools/notes/kind.py): how a drug mention is labelled from the
annotation, and what each direction of the model may change.  Pure
scoring: no service runs, no model is trained."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
    "tools", "notes"))
import kind  # noqa: E402

# contexts as train.py reads an annotation's
NONE = kind.train.ctx_set("affirmed")
NEG = kind.train.ctx_set("negated")
FAM = kind.train.ctx_set("family")


def mention(kind_, code, ctx="affirmed", features=()):
    return {"kind": kind_, "code": code, "ctx": ctx,
            "features": list(features)}


def test_labels_follow_the_annotation():
    f = mention("medicine", "codeine")
    assert kind.label({("allergy", "codeine", NONE)}, f) == kind.ALLERGY
    assert kind.label({("allergy", "codeine", NONE),
                       ("medicine", "codeine", NONE)}, f) == kind.BOTH
    # a negated allergy is a drug tolerated; a family one is no allergy
    assert kind.label({("allergy", "codeine", NEG)}, f) == kind.MEDICINE
    assert kind.label({("allergy", "codeine", FAM)}, f) == kind.DROP
    assert kind.label({("allergy", "morphine", NONE)}, f) == kind.DROP


def test_each_direction_changes_only_above_its_threshold():
    med, alg = mention("medicine", "codeine"), mention("allergy", "codeine")
    p = {kind.ALLERGY: 0.7, kind.BOTH: 0.1, kind.MEDICINE: 0.15,
         kind.DROP: 0.05}
    assert kind.change(med, p, 0.8, kind.NEVER) == [
        ("medicine", "codeine", NONE)]
    assert kind.change(med, p, 0.6, kind.NEVER) == [
        ("allergy", "codeine", NONE)]
    q = {kind.ALLERGY: 0.1, kind.BOTH: 0.0, kind.MEDICINE: 0.6,
         kind.DROP: 0.3}
    assert kind.change(alg, q, kind.NEVER, 0.95) == [
        ("allergy", "codeine", NONE)]
    assert kind.change(alg, q, kind.NEVER, 0.9) == [
        ("medicine", "codeine", NONE)]


def test_no_known_allergies_and_unheld_allergies_are_never_decided():
    p = {kind.MEDICINE: 1.0}
    for f in (mention("allergy", "-"), mention("allergy", "codeine",
                                               "negated")):
        assert not kind.decided(f)
        assert kind.change(f, p, 0.0, 0.0) == [
            (f["kind"], f["code"], kind.train.ctx_set(f["ctx"]))]
